"""An agreement's page: its text, meeting, party, due date and status, the full history, the evidence
files; the status form of whoever may update it (its OPD, Bappeda), Bappeda's confirm and reopen, and
Bappeda's edit and delete of the agreement itself.

An OPD user changes only its own OPD's agreements (another's answers 404 on every writing route) and
only their status and note: the form has no other field, and a forged ``text`` or ``due_date`` is
refused by ``workflow.update_agreement`` (403 naming the field, nothing saved).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.auth.models import User
from tracker.authz import permission_required
from tracker.errors import AppError, Forbidden, ValidationFailed
from tracker.extensions import db
from tracker.forms import form_version
from tracker.meetings import bp, scope, services, uploads, workflow
from tracker.meetings.forms import (
    ActionForm,
    AgreementEditForm,
    ConfirmForm,
    EvidenceForm,
    ReopenForm,
    StatusForm,
    party_value,
)
from tracker.meetings.labels import status_label
from tracker.meetings.models import CLOSED, DONE, DROPPED, Agreement
from tracker.meetings.views import followed_up, refused_status, versioned
from tracker.periods.services import today as jakarta_today
from tracker.web import delete_evidence, save_form, upload_evidence


def agreement_url(agreement_id: int, anchor: str = "") -> str:
    return url_for("meetings.agreement", agreement_id=agreement_id) + anchor


def _version_data(agreement: Agreement, **extra) -> dict:
    return {"version": str(agreement.version), **extra}


def render_agreement(agreement: Agreement, *, status_form=None, confirm_form=None, reopen_form=None,
                     status: int = 200):
    user = current_user
    may_update = scope.may_update(user, agreement)
    confirmed = agreement.confirmed_at is not None
    # the status form: not once confirmed (only reopening opens it), a dropped one only for Bappeda
    may_change = may_update and not confirmed and (agreement.status != DROPPED or scope.may_confirm(user))
    may_confirm = scope.may_confirm(user)
    if status_form is None and may_change:
        status_form = StatusForm(formdata=None, data=_version_data(agreement, status=agreement.status))
    if status_form is not None:
        status_form.fill_choices()
    if confirm_form is None and may_confirm and agreement.status == DONE and not confirmed:
        confirm_form = ConfirmForm(formdata=None, data=_version_data(agreement))
    if reopen_form is None and may_confirm and agreement.status in CLOSED:
        reopen_form = ReopenForm(formdata=None, data=_version_data(agreement))
    if reopen_form is not None:
        reopen_form.fill_choices()
    html = render_template(
        "meetings/agreement.html", agreement=agreement, meeting=agreement.meeting, today=jakarta_today(),
        history=workflow.history(agreement.id), confirmed_by=_confirmer(agreement),
        status_form=status_form if may_change else None, confirm_form=confirm_form, reopen_form=reopen_form,
        may_update=may_update, may_edit=scope.may_edit(user),
        deletable=scope.may_edit(user) and not followed_up([agreement.id]), evidence_visible=scope.may_see_evidence(user, agreement),
        evidence_editable=may_update and not confirmed, evidence_form=EvidenceForm(formdata=None),
        action_form=ActionForm(formdata=None))
    return html, status


def _confirmer(agreement: Agreement) -> str | None:
    if agreement.confirmed_by_id is None:
        return None
    user = db.session.get(User, agreement.confirmed_by_id)
    return (user.full_name or user.username) if user is not None else None


@bp.route("/agreements/<int:agreement_id>")
@permission_required("meetings.view")
def agreement(agreement_id: int):
    return render_agreement(scope.get_agreement(agreement_id, current_user))


# ---- following it up: status and note, confirm, reopen ----------------------------------------------------

@bp.route("/agreements/<int:agreement_id>/status", methods=["POST"])
@permission_required("agreements.update")
def agreement_status(agreement_id: int):
    agreement = scope.get_agreement(agreement_id, current_user, "agreements.update")
    form = StatusForm(formdata=request.form)
    form.fill_choices()
    if not form.validate():
        flash(_("Periksa kembali isian yang ditandai."), "danger")
        return render_agreement(agreement, status_form=form, status=422)
    data = {"status": form.status.data or "", "note": form.note.data or ""}
    if not scope.may_edit(current_user):
        # An OPD user's form has no other field: a forged one goes to the workflow, which refuses it.
        data.update({k: request.form[k] for k in services.EDIT_FIELDS if k in request.form})
    if data["status"] == agreement.status and not data["note"].strip() and len(data) == 2:
        flash(_("Tidak ada yang diubah: pilih status lain atau tulis catatan perkembangan."), "warning")
        return redirect(agreement_url(agreement_id), code=303)
    before = agreement.status
    try:
        saved = save_form(form, versioned(agreement, form, lambda: workflow.update_agreement(
            agreement, data, current_user, form_version(form))))
    except Forbidden as err:
        db.session.rollback()
        flash(err.message, "danger")
        agreement = scope.get_agreement(agreement_id, current_user, "agreements.update")
        return render_agreement(agreement, status=403)
    if saved is None:
        agreement = scope.get_agreement(agreement_id, current_user, "agreements.update")
        return render_agreement(agreement, status_form=form, status=refused_status(form))
    flash(_("Catatan perkembangan disimpan.") if saved.status == before else
          _("Status diubah menjadi \"%(s)s\".", s=status_label(saved.status)), "success")
    return redirect(agreement_url(agreement_id), code=303)


@bp.route("/agreements/<int:agreement_id>/confirm", methods=["POST"])
@permission_required("agreements.confirm")
def agreement_confirm(agreement_id: int):
    agreement = scope.get_agreement(agreement_id, current_user, "agreements.confirm")
    form = ConfirmForm(formdata=request.form)
    if not form.validate():
        return render_agreement(agreement, confirm_form=form, status=422)
    note = form.note.data or ""
    saved = save_form(form, versioned(agreement, form, lambda: workflow.confirm(
        agreement, current_user, note, form_version(form))))
    if saved is None:
        agreement = scope.get_agreement(agreement_id, current_user, "agreements.confirm")
        return render_agreement(agreement, confirm_form=form, status=refused_status(form))
    flash(_("Kesepakatan dikonfirmasi selesai."), "success")
    return redirect(agreement_url(agreement_id), code=303)


@bp.route("/agreements/<int:agreement_id>/reopen", methods=["POST"])
@permission_required("agreements.confirm")
def agreement_reopen(agreement_id: int):
    agreement = scope.get_agreement(agreement_id, current_user, "agreements.confirm")
    form = ReopenForm(formdata=request.form)
    form.fill_choices()
    if not form.validate():
        return render_agreement(agreement, reopen_form=form, status=422)
    note, new_status = form.note.data or "", form.status.data or ""
    saved = save_form(form, versioned(agreement, form, lambda: workflow.reopen(
        agreement, current_user, note, new_status, form_version(form))))
    if saved is None:
        agreement = scope.get_agreement(agreement_id, current_user, "agreements.confirm")
        return render_agreement(agreement, reopen_form=form, status=refused_status(form))
    flash(_("Kesepakatan dibuka kembali."), "success")
    return redirect(agreement_url(agreement_id), code=303)


# ---- Bappeda: edit and delete the agreement itself ------------------------------------------------------

def _render_edit(agreement: Agreement, form: AgreementEditForm, status: int = 200):
    form.fill_choices(agreement)
    return render_template("meetings/agreement_form.html", agreement=agreement, meeting=agreement.meeting,
                           form=form), status


@bp.route("/agreements/<int:agreement_id>/edit", methods=["GET", "POST"])
@permission_required("meetings.edit")
def agreement_edit(agreement_id: int):
    agreement = scope.get_agreement(agreement_id, current_user, "meetings.edit")
    if request.method == "GET":
        return _render_edit(agreement, AgreementEditForm(formdata=None, data={
            "text": agreement.text, "party": party_value(agreement), "due_date": agreement.due_date,
            "version": str(agreement.version)}))
    form = AgreementEditForm(formdata=request.form)
    if not form.validate():
        flash(_("Periksa kembali isian yang ditandai."), "danger")
        return _render_edit(agreement, form, 422)
    data = form.values()

    def call():
        try:
            return services.edit_agreement(agreement, data, current_user, form_version(form))
        except ValidationFailed as err:
            fields = dict(err.fields or {})
            for key in ("agency_id", "company_id"):
                if key in fields:
                    fields["party"] = fields.pop(key)
            raise ValidationFailed(err.message, fields) from None

    if save_form(form, versioned(agreement, form, call)) is None:
        agreement = scope.get_agreement(agreement_id, current_user, "meetings.edit")
        return _render_edit(agreement, form, refused_status(form))
    flash(_("Kesepakatan diubah."), "success")
    return redirect(agreement_url(agreement_id), code=303)


@bp.route("/agreements/<int:agreement_id>/delete", methods=["POST"])
@permission_required("meetings.edit")
def agreement_delete(agreement_id: int):
    agreement = scope.get_agreement(agreement_id, current_user, "meetings.edit")
    meeting_id = agreement.meeting_id
    try:
        services.delete_agreement(agreement, current_user)
        db.session.commit()
    except AppError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(agreement_url(agreement_id), code=303)
    flash(_("Kesepakatan dihapus."), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting_id) + "#kesepakatan", code=303)


# ---- evidence files ---------------------------------------------------------------------------------

@bp.route("/agreements/<int:agreement_id>/files", methods=["POST"])
@permission_required("agreements.update")
def evidence_upload(agreement_id: int):
    agreement = scope.get_agreement(agreement_id, current_user, "agreements.update")
    upload_evidence(lambda: uploads.add_agreement_file(agreement, request.files.get("file"), current_user),
                    uploads.AREA)
    return redirect(agreement_url(agreement_id, "#berkas"), code=303)


@bp.route("/agreements/<int:agreement_id>/files/<int:file_id>")
@permission_required("meetings.view")
def evidence_download(agreement_id: int, file_id: int):
    row, _agreement = uploads.load_agreement_file(agreement_id, file_id, current_user)
    return uploads.send(row)


@bp.route("/agreements/<int:agreement_id>/files/<int:file_id>/delete", methods=["POST"])
@permission_required("agreements.update")
def evidence_delete(agreement_id: int, file_id: int):
    uploads.load_agreement_file(agreement_id, file_id, current_user, "agreements.update")
    delete_evidence(lambda: uploads.delete_agreement_file(agreement_id, file_id, current_user), uploads.AREA)
    return redirect(agreement_url(agreement_id, "#berkas"), code=303)
