"""CSR contributions: record one against a commitment, edit it while draft or returned, submit it,
verify or return it (Bappeda), delete a draft; its evidence files."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from tracker.auth.models import User
from tracker.authz import can, permission_required
from tracker.csr import bp, queries, services, uploads
from tracker.csr.forms import ActionForm, ReviewForm, UploadForm, contribution_form
from tracker.csr.models import CsrEvent
from tracker.csr.services import PERMISSION
from tracker.csr.views import activities_by_id, kecamatan_names, may_edit_contribution, place_label, refused_status
from tracker.errors import AppError, Conflict, ValidationFailed
from tracker.extensions import db
from tracker.forms import form_version, opt_int
from tracker.review import ACTION_LABELS, RETURN, SUBMIT, SUBMITTED, VERIFY
from tracker.web import delete_evidence, is_safe_next, save_form, upload_evidence


def contribution_url(contribution_id: int, anchor: str = "") -> str:
    return url_for("csr.contribution", contribution_id=contribution_id) + anchor


def _events(contribution_id: int):
    return db.session.execute(
        select(CsrEvent, User.username, User.full_name).outerjoin(User, User.id == CsrEvent.user_id)
        .where(CsrEvent.contribution_id == contribution_id).order_by(CsrEvent.id.desc())).all()


def render_contribution(contribution, form, *, status: int = 200):
    commitment = contribution.commitment
    html = render_template(
        "csr/contribution.html", contribution=contribution, commitment=commitment, company=commitment.company,
        form=form, editable=may_edit_contribution(contribution), events=_events(contribution.id),
        event_labels=ACTION_LABELS, sums=queries.contributed_by_commitment([commitment.id])[commitment.id],
        review_form=ReviewForm(formdata=None, data={"version": str(contribution.version)}),
        upload_form=UploadForm(formdata=None), action_form=ActionForm(formdata=None),
        may_review=can(current_user, "csr.review") and contribution.status == SUBMITTED)
    return html, status


def _render_new(commitment, form, status=200):
    return render_template(
        "csr/contribution_new.html", commitment=commitment, company=commitment.company, form=form,
        sums=queries.contributed_by_commitment([commitment.id])[commitment.id],
        activities=activities_by_id([commitment.activity_id]), kecamatan=kecamatan_names(),
        place_label=place_label), status


@bp.route("/commitments/<int:commitment_id>/contributions/new", methods=["GET", "POST"])
@permission_required("csr.edit")
def contribution_new(commitment_id: int):
    commitment = services.get_commitment(commitment_id, "csr.edit", current_user)
    if request.method == "GET":
        return _render_new(commitment, contribution_form(year=commitment.year))
    form = contribution_form(formdata=request.form)
    if not form.validate():
        flash(_("Periksa kembali isian yang ditandai."), "danger")
        return _render_new(commitment, form, 422)
    and_submit = bool(request.form.get("and_submit")) and can(current_user, "csr.submit")

    def action():
        contribution = services.create_contribution(commitment, form.values(), current_user)
        if and_submit:
            services.transition(contribution, SUBMIT, current_user)
        return contribution

    contribution = save_form(form, action)
    if contribution is None:
        commitment = services.get_commitment(commitment_id, "csr.edit", current_user)
        return _render_new(commitment, form, refused_status(form))
    flash(_("Kontribusi disimpan dan diajukan ke Bappeda.") if and_submit else
          _("Kontribusi disimpan sebagai draf. Lampirkan bukti, lalu ajukan ke Bappeda."), "success")
    return redirect(contribution_url(contribution.id), code=303)


@bp.route("/contributions/<int:contribution_id>")
@permission_required("csr.view")
def contribution(contribution_id: int):
    contribution = services.get_contribution(contribution_id, "csr.view", current_user)
    return render_contribution(contribution, contribution_form(contribution))


@bp.route("/contributions/<int:contribution_id>", methods=["POST"])
@permission_required("csr.edit")
def contribution_save(contribution_id: int):
    contribution = services.get_contribution(contribution_id, "csr.edit", current_user)
    form = contribution_form(formdata=request.form)
    if not form.validate():
        flash(_("Periksa kembali isian yang ditandai."), "danger")
        return render_contribution(contribution, form, status=422)
    and_submit = bool(request.form.get("and_submit")) and can(current_user, "csr.submit")

    def action():
        saved = services.update_contribution(contribution, form.values(), current_user, form_version(form))
        if and_submit:
            services.transition(saved, SUBMIT, current_user)
        return saved

    if save_form(form, action) is None:
        contribution = services.get_contribution(contribution_id, "csr.view", current_user)
        return render_contribution(contribution, form, status=refused_status(form))
    flash(_("Kontribusi disimpan dan diajukan ke Bappeda.") if and_submit else _("Kontribusi disimpan."), "success")
    return redirect(contribution_url(contribution_id), code=303)


def back(default: str):
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else default, code=303)


def stale_message() -> str:
    return _("Kontribusi ini baru saja diubah oleh pengguna lain. Periksa lalu ulangi.")


def error_text(err: AppError) -> str:
    """A refused action as one flash line: the reason, and the fields' messages."""
    if isinstance(err, Conflict) and err.message == _(Conflict.default_message):
        return stale_message()
    details = " ".join((err.fields or {}).values()) if isinstance(err, ValidationFailed) else ""
    return f"{err.message} {details}".strip()


def _transition(contribution_id: int, action: str):
    contribution = services.get_contribution(contribution_id, PERMISSION[action], current_user)
    version = opt_int(request.form.get("version"))
    try:
        services.transition(contribution, action, current_user, request.form.get("comment", ""),
                            expected_version=version if version is not None else -1)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(stale_message(), "danger")
    except AppError as err:
        db.session.rollback()
        flash(error_text(err), "danger")
    else:
        messages = {SUBMIT: _("Kontribusi diajukan ke Bappeda untuk diverifikasi."),
                    VERIFY: _("Kontribusi diverifikasi."),
                    RETURN: _("Kontribusi dikembalikan ke perusahaan dengan komentar.")}
        flash(messages[action], "success")
    return back(contribution_url(contribution_id))


@bp.route("/contributions/<int:contribution_id>/submit", methods=["POST"])
@permission_required("csr.submit")
def contribution_submit(contribution_id: int):
    return _transition(contribution_id, SUBMIT)


@bp.route("/contributions/<int:contribution_id>/verify", methods=["POST"])
@permission_required("csr.review")
def contribution_verify(contribution_id: int):
    return _transition(contribution_id, VERIFY)


@bp.route("/contributions/<int:contribution_id>/return", methods=["POST"])
@permission_required("csr.review")
def contribution_return(contribution_id: int):
    return _transition(contribution_id, RETURN)


@bp.route("/contributions/<int:contribution_id>/delete", methods=["POST"])
@permission_required("csr.edit")
def contribution_delete(contribution_id: int):
    contribution = services.get_contribution(contribution_id, "csr.edit", current_user)
    commitment_id = contribution.commitment_id
    try:
        stored = services.delete_contribution(contribution, current_user)
        db.session.commit()
    except AppError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(contribution_url(contribution_id), code=303)
    for name in stored:
        uploads.remove_file(name)
    flash(_("Draf kontribusi dihapus."), "success")
    return redirect(url_for("csr.commitment", commitment_id=commitment_id), code=303)


# ---- evidence files ---------------------------------------------------------------------------------

@bp.route("/contributions/<int:contribution_id>/attachments", methods=["POST"])
@permission_required("csr.edit")
def attachment_upload(contribution_id: int):
    contribution = services.get_contribution(contribution_id, "csr.edit", current_user)
    upload_evidence(lambda: uploads.add_attachment(contribution, request.files.get("file"), current_user),
                    uploads.AREA)
    return redirect(contribution_url(contribution_id, "#berkas"), code=303)


@bp.route("/attachments/<int:attachment_id>")
@permission_required("csr.view")
def attachment_download(attachment_id: int):
    attachment, _contribution = uploads.load_attachment(attachment_id, "csr.view", current_user)
    return uploads.send_attachment(attachment)


@bp.route("/attachments/<int:attachment_id>/delete", methods=["POST"])
@permission_required("csr.edit")
def attachment_delete(attachment_id: int):
    _attachment, contribution = uploads.load_attachment(attachment_id, "csr.edit", current_user)
    contribution_id = contribution.id
    delete_evidence(lambda: uploads.delete_attachment(attachment_id, current_user), uploads.AREA)
    return redirect(contribution_url(contribution_id, "#berkas"), code=303)
