"""The report settings page (Bappeda): the place and signer printed in every report's signature block
and the logo on the cover.  The rules are ``settings.update_settings``."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.authz import permission_required
from tracker.forms import form_version
from tracker.reports import bp, settings
from tracker.reports.forms import SettingsForm
from tracker.web import form_status, save_form


def _fill(form: SettingsForm, row) -> None:
    if row is None:
        form.signer_title.data = settings.DEFAULT_SIGNER_TITLE
        form.version.data = ""
        return
    form.place.data, form.signer_title.data = row.place, row.signer_title
    form.signer_name.data, form.signer_nip.data = row.signer_name, row.signer_nip or ""
    form.version.data = str(row.version)


def _render(form: SettingsForm, status: int = 200):
    row = settings.stored_settings()
    view = settings.report_settings()
    return render_template("reports/settings.html", form=form, row=row, view=view), status


@bp.route("/settings", methods=["GET", "POST"])
@permission_required("reports.settings")
def settings_page():
    row = settings.stored_settings()
    form = SettingsForm()
    if request.method == "GET":
        _fill(form, row)
        return _render(form)
    if not form.validate():
        return _render(form, 400)
    version = form_version(form) if row is not None else None
    logo = request.files.get("logo")

    def action():
        return settings.update_settings(form.data_dict(), current_user, version=version, logo=logo,
                                        remove_logo=bool(form.remove_logo.data))

    saved = save_form(form, action)
    if saved is None:
        status = form_status(form)
        return _render(form, status if status != 200 else 422)
    flash(_("Pengaturan laporan disimpan."), "success")
    return redirect(url_for("reports.settings_page"), code=303)
