import os
import sqlite3

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url


@click.command("backup", help="Salinan konsisten basis data SQLite, aman saat aplikasi berjalan.")
@click.argument("dest", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(dest):
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "Basis data ini PostgreSQL: gunakan pg_dump, misalnya "
            "pg_dump --format=custom --file=tracker.dump \"$DATABASE_URL\" (lihat README)."
        )
    source_path = url.database
    if not source_path or not os.path.exists(source_path):
        raise click.ClickException(f"Berkas basis data tidak ditemukan: {source_path}")
    dest = os.path.abspath(dest)
    if os.path.exists(dest):
        raise click.ClickException(f"Berkas tujuan sudah ada: {dest}")
    # sqlite3's online backup API, in one step: it reads one consistent snapshot (WAL lets the app keep
    # writing meanwhile).  Copying in several steps would restart whenever the app writes between
    # two steps, and under steady load might never finish.
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(dest)
    try:
        with target:
            source.backup(target, pages=-1)
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if check != "ok":
        raise click.ClickException(f"Pemeriksaan integritas salinan gagal: {check}")
    click.echo(f"Cadangan tersimpan di {dest} ({os.path.getsize(dest):,} byte).")


@click.command("data-changed", help="Data diubah di luar aplikasi (psql, pemulihan cadangan): laporan dan angka "
                                    "yang tersimpan dibuat ulang pada permintaan berikutnya.")
@with_appcontext
def data_changed_command():
    from tracker import changes

    tables = changes.forget_everything()
    click.echo(f"Penghitung perubahan dinaikkan untuk {tables} tabel: laporan dan angka dibuat ulang.")
