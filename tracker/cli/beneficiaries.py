"""``flask --app wsgi beneficiaries rotate-keys``: re-encrypt and re-hash every NIK and KK number under
the current keys (README, "Personal data")."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("beneficiaries", help="Data penerima manfaat by name by address (NIK/KK).")
def beneficiaries_group():
    pass


@beneficiaries_group.command("rotate-keys", help="Enkripsi ulang semua NIK/KK dengan kunci pertama "
                                                 "PERSONAL_DATA_KEYS dan buat ulang hash-nya.")
@with_appcontext
def rotate_keys_command():
    from tracker.beneficiaries.keys import RotationFailed, rotate_keys
    from tracker.extensions import db

    try:
        done = rotate_keys()
    except RotationFailed as exc:
        db.session.rollback()
        raise click.ClickException(f"Rotasi dibatalkan, tidak ada yang diubah: {exc}. Kembalikan kunci lama ke "
                                   "PERSONAL_DATA_KEYS (di belakang kunci baru) lalu ulangi.") from None
    db.session.commit()
    click.echo(f"Kunci diputar: {done['target_household']} rumah tangga sasaran, {done['beneficiary']} penerima.")
