"""``flask --app wsgi reports worker``: render the queued reports (the Huey consumer), with a
heartbeat the web process looks at before starting a worker of its own; ``reports run-pending``
renders what is queued now and exits; ``reports prune --days N`` removes old renderings."""

from __future__ import annotations

import click
from flask import current_app

from tracker.reports import queue, worker


@click.group("reports", help="Antrean pembuatan laporan.")
def reports_group():
    pass


@reports_group.command("worker", help="Jalankan pekerja laporan (Huey) sampai dihentikan (SIGTERM/Ctrl-C).")
@click.option("--workers", type=click.IntRange(1, 32), default=2, show_default=True,
              help="Jumlah laporan yang dibuat bersamaan (thread).")
@click.option("--exit-when-idle", type=click.IntRange(1, 86400), default=None,
              help="Berhenti setelah antrean kosong selama sekian detik (pekerja yang dijalankan otomatis).")
def worker_command(workers, exit_when_idle):
    app = current_app._get_current_object()
    if queue.is_memory(app):
        raise click.ClickException("Antrean laporan di memori (REPORTS_QUEUE=memory) tidak dapat dijalankan oleh "
                                   "pekerja terpisah; gunakan sqlite atau redis.")
    click.echo(f"Pekerja laporan berjalan ({queue.queue_kind(app)}, {workers} thread).")
    worker.run_worker(app, workers=workers, exit_when_idle=exit_when_idle)
    click.echo("Pekerja laporan berhenti.")


@reports_group.command("run-pending", help="Buat semua laporan yang sedang antre, lalu selesai.")
def run_pending_command():
    ran = queue.drain(current_app._get_current_object(), limit=10_000)
    click.echo(f"Laporan dibuat: {ran}")


@reports_group.command("prune", help="Hapus laporan yang dibuat lebih dari sekian hari yang lalu (baris dan berkasnya).")
@click.option("--days", type=click.IntRange(1, 3650), default=90, show_default=True)
def prune_command(days):
    from tracker.reports import jobs

    removed, files = jobs.prune(days)
    click.echo(f"Pekerjaan laporan dihapus: {removed}; berkas dihapus: {files}")
