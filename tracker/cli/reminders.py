"""``flask --app wsgi reminders send``: e-mail each user what is due, late, returned or waiting for review
(run it daily from cron; a user gets at most one message a day)."""

from __future__ import annotations

from datetime import date

import click

from tracker.progress import reminders


def _parse_date(_ctx, _param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("gunakan format YYYY-MM-DD") from exc


@click.group("reminders", help="Pengingat laporan triwulan.")
def reminders_group():
    pass


@reminders_group.command("send", help="Kirim e-mail pengingat (batas waktu, terlambat, dikembalikan, menunggu verifikasi).")
@click.option("--days-before", type=click.IntRange(0, 60), default=7, show_default=True,
              help="Ingatkan kegiatan yang belum diajukan sejak sekian hari sebelum batas waktu.")
@click.option("--today", "today", callback=_parse_date, help="Tanggal acuan (YYYY-MM-DD), bawaan hari ini (WIB).")
@click.option("--dry-run", is_flag=True, help="Tampilkan saja siapa yang akan menerima pengingat; tidak mengirim.")
def send_command(days_before, today, dry_run):
    if not dry_run and not reminders.mail_configured():
        raise click.ClickException("Server SMTP belum dikonfigurasi (MAIL_SERVER); gunakan --dry-run untuk melihat daftarnya.")
    result = reminders.send_reminders(today, days_before=days_before, dry_run=dry_run)
    for username, email, lines in result.previews:
        click.echo(f"{username} <{email}>")
        for line in lines:
            click.echo(f"  - {line}")
    click.echo(f"Terkirim: {result.sent}; sudah dikirim hari ini: {result.already_sent}; "
               f"tanpa alamat e-mail: {result.skipped_no_email}; tidak ada tugas: {result.nothing_to_do}"
               + (f"; akan dikirim: {len(result.previews)}" if dry_run else ""))
    for username, error in result.failed:
        click.echo(f"Gagal mengirim ke {username}: {error}", err=True)
    if result.failed:
        raise SystemExit(1)
