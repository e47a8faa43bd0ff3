"""Command line (product.md §6): ``flask --app wsgi user create|demo|backup|reminders|reports``."""

from flask import Flask


def register(app: Flask) -> None:
    from tracker.cli.backup import backup_command, data_changed_command
    from tracker.cli.beneficiaries import beneficiaries_group
    from tracker.cli.demo import demo_command
    from tracker.cli.reminders import reminders_group
    from tracker.cli.reports import reports_group
    from tracker.cli.users import user_group

    app.cli.add_command(user_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(data_changed_command)
    app.cli.add_command(reminders_group)
    app.cli.add_command(reports_group)
    app.cli.add_command(beneficiaries_group)
