import click
from flask.cli import with_appcontext
from sqlalchemy import select

from tracker.auth.models import User
from tracker.demo import DemoRefused, load_demo
from tracker.demo.people import DEMO_PASSWORDS
from tracker.extensions import db


def _print_logins(logins) -> None:
    click.echo("Akun demo (nama pengguna / kata sandi / peran):")
    for username, password, role, note in logins:
        click.echo(f"  {username:<14} {password:<22} {role:<12} {note}")


@click.command("demo", help="Muat data contoh kabupaten ke basis data yang masih kosong.")
@click.option("--scale", type=click.Choice(["small", "large"]), default="small", show_default=True)
@click.option("--seed", type=int, default=2025, show_default=True, help="Benih acak (data dapat diulang).")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Tanggal acuan YYYY-MM-DD (bawaan: hari ini, WIB): tahun data contoh adalah tahun ini dan "
                   "tahun sebelumnya, dan status tiap triwulan mengikuti tanggal ini.")
@click.option("--if-empty", is_flag=True,
              help="Jika basis data sudah berisi data, jangan gagal: tampilkan saja akun demo yang ada.")
@with_appcontext
def demo_command(scale, seed, today, if_empty):
    try:
        logins = load_demo(scale=scale, seed=seed, echo=click.echo, today=today.date() if today else None)
    except DemoRefused as err:
        if not if_empty:
            raise click.ClickException(str(err))
        users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(DEMO_PASSWORDS)))}
        if users:
            click.echo("Basis data sudah berisi data; data contoh tidak dimuat ulang.")
            _print_logins([(name, DEMO_PASSWORDS[name] + " (jika belum diganti)", u.role, "")
                           for name, u in users.items()])
        else:
            click.echo("Basis data sudah berisi data; data contoh tidak dimuat.")
        return
    click.echo("")
    click.echo("Data contoh dimuat.")
    _print_logins(logins)
    click.echo("Buka http://127.0.0.1:5000 dan masuk dengan salah satu akun di atas.")
