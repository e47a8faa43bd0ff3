import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from tracker.auth.models import ROLE_VALUES
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.reference.models import Agency
from tracker.users import services


@click.group("user", cls=AppGroup, help="Kelola pengguna.")  # AppGroup: each command gets an app context
def user_group():
    pass


@user_group.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLE_VALUES))
@click.option("--agency", "agency_code", help="Kode OPD (wajib untuk peran agency).")
@click.option("--company", "company_id", type=int, help="ID perusahaan (wajib untuk peran company).")
@click.option("--full-name", default="")
@click.option("--email", default="")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Baca kata sandi dari standar input (tidak pernah dari argumen).")
def create_user(username, role, agency_code, company_id, full_name, email, password_stdin):
    """Buat pengguna; kata sandi dibaca dari standar input."""
    password = sys.stdin.readline().rstrip("\r\n")
    agency_id = None
    if agency_code:
        agency_id = db.session.scalar(select(Agency.id).where(Agency.code == agency_code))
        if agency_id is None:
            raise click.ClickException(f"OPD dengan kode {agency_code!r} tidak ditemukan.")
    try:
        user = services.create_user(services.UserInput(
            username=username, full_name=full_name, email=email, role=role,
            agency_id=agency_id, company_id=company_id, password=password,
        ))
    except ValidationFailed as err:
        details = "; ".join(f"{k}: {v}" for k, v in (err.fields or {}).items())
        raise click.ClickException(f"{err.message} {details}".strip())
    db.session.commit()
    click.echo(f"Pengguna {user.username} ({user.role}) dibuat.")
