"""CSR endpoints of one record (api.md "CSR"): commitments, contributions, their review, history and
evidence files.  The lists, bulk review and the figures are in ``csr_lists``.

Scoping is the services' (``tracker.csr.services``): a company user reaches only their own company's
records (another company's answers 404); OPD users and viewers read and change nothing.  Each write
is serialised as flushed, then committed: one transaction, no second one to read it back.
"""

from __future__ import annotations

from flask import Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker import files
from tracker.api.core import given_fields, json_response, paginated_list, parse_body, route
from tracker.api.csr_schemas import (
    CommitmentIn,
    CommitmentOut,
    CommitmentPatch,
    ContributionEventOut,
    ContributionIn,
    ContributionOut,
    ContributionPatch,
    CsrAttachmentOut,
    ReturnIn,
    SubmitIn,
    VerifyIn,
    attachment_out,
    commitment_out,
    contribution_out,
)
from tracker.auth.models import User
from tracker.authz import company_scope
from tracker.csr import queries, services, uploads
from tracker.csr.models import CsrEvent
from tracker.errors import BadRequest
from tracker.extensions import db
from tracker.review import RETURN, SUBMIT, VERIFY
from tracker.types import to_jakarta_iso

TAG = "csr"
COMMITMENT = "/csr/commitments/<int:commitment_id>"
CONTRIBUTION = "/csr/contributions/<int:contribution_id>"


def _commitment_body(commitment) -> dict:
    return commitment_out(commitment, queries.contributed_by_commitment([commitment.id])[commitment.id])


def _commit(body: dict, status: int = 200):
    db.session.commit()
    return json_response(body, status)


# ---- commitments ----------------------------------------------------------------------------------

@route("/csr/commitments", "POST", summary="Tambah komitmen CSR (pengguna perusahaan: perusahaannya sendiri)",
       tag=TAG, body=CommitmentIn, response=CommitmentOut, status=201, permission="csr.edit")
def csr_create_commitment():
    data = parse_body(CommitmentIn).model_dump()
    if data["company_id"] is None and company_scope(current_user) is not None:
        data["company_id"] = company_scope(current_user)
    commitment = services.create_commitment(data, current_user)
    return _commit(_commitment_body(commitment), 201)


@route(COMMITMENT, "GET", summary="Satu komitmen CSR: lokasi, kontribusi terverifikasi dan diajukan, revisi nilai",
       tag=TAG, response=CommitmentOut, permission="csr.view")
def csr_get_commitment(commitment_id: int):
    return json_response(_commitment_body(services.get_commitment(commitment_id, "csr.view", current_user)))


@route(COMMITMENT, "PATCH", summary="Ubah komitmen CSR (version wajib; perubahan nilai setelah ada kontribusi "
       "terverifikasi dicatat sebagai revisi, revision_reason wajib)", tag=TAG, body=CommitmentPatch,
       response=CommitmentOut, permission="csr.edit")
def csr_patch_commitment(commitment_id: int):
    commitment = services.get_commitment(commitment_id, "csr.edit", current_user)
    changes = given_fields(parse_body(CommitmentPatch))
    version = changes.pop("version")
    if changes.get("revision_reason") is None:
        changes.pop("revision_reason", None)
    services.update_commitment(commitment, changes, current_user, version)
    return _commit(_commitment_body(commitment))


# ---- contributions --------------------------------------------------------------------------------

@route(COMMITMENT + "/contributions", "POST", summary="Catat kontribusi atas komitmen; langsung diajukan "
       "(status submitted) kecuali submit=false (draf)", tag=TAG, body=ContributionIn, response=ContributionOut,
       status=201, permission="csr.edit")
def csr_create_contribution(commitment_id: int):
    commitment = services.get_commitment(commitment_id, "csr.edit", current_user)
    data = parse_body(ContributionIn).model_dump()
    submit = data.pop("submit")
    contribution = services.create_contribution(commitment, data, current_user)
    if submit:
        services.transition(contribution, SUBMIT, current_user)
    return _commit(contribution_out(contribution), 201)


@route(CONTRIBUTION, "GET", summary="Satu kontribusi CSR (dengan berkas bukti)", tag=TAG, response=ContributionOut,
       permission="csr.view")
def csr_get_contribution(contribution_id: int):
    return json_response(contribution_out(services.get_contribution(contribution_id, "csr.view", current_user)))


@route(CONTRIBUTION, "PATCH", summary="Ubah kontribusi selama draf atau dikembalikan (version wajib; "
       "terverifikasi atau diajukan: 409)", tag=TAG, body=ContributionPatch, response=ContributionOut,
       permission="csr.edit")
def csr_patch_contribution(contribution_id: int):
    contribution = services.get_contribution(contribution_id, "csr.edit", current_user)
    changes = given_fields(parse_body(ContributionPatch))
    version = changes.pop("version")
    services.update_contribution(contribution, changes, current_user, version)
    return _commit(contribution_out(contribution))


@route(CONTRIBUTION, "DELETE", summary="Hapus draf kontribusi yang belum pernah diajukan (dengan berkasnya)",
       tag=TAG, status=204, permission="csr.edit")
def csr_delete_contribution(contribution_id: int):
    contribution = services.get_contribution(contribution_id, "csr.edit", current_user)
    stored = services.delete_contribution(contribution, current_user)
    db.session.commit()
    for name in stored:
        uploads.remove_file(name)
    return Response(status=204)


def _transition(contribution_id: int, action: str, comment: str | None, version: int | None):
    contribution = services.get_contribution(contribution_id, services.PERMISSION[action], current_user)
    services.transition(contribution, action, current_user, comment or "", expected_version=version)
    return _commit(contribution_out(contribution))


@route(CONTRIBUTION + "/submit", "POST", summary="Ajukan kontribusi (draf atau dikembalikan)", tag=TAG,
       body=SubmitIn, response=ContributionOut, permission="csr.submit")
def csr_submit_contribution(contribution_id: int):
    body = parse_body(SubmitIn)
    return _transition(contribution_id, SUBMIT, None, body.version)


@route(CONTRIBUTION + "/verify", "POST", summary="Verifikasi kontribusi yang diajukan (koordinator/admin)", tag=TAG,
       body=VerifyIn, response=ContributionOut, permission="csr.review")
def csr_verify_contribution(contribution_id: int):
    body = parse_body(VerifyIn)
    return _transition(contribution_id, VERIFY, body.comment, body.version)


@route(CONTRIBUTION + "/return", "POST", summary="Kembalikan kontribusi dengan komentar (koordinator/admin)",
       tag=TAG, body=ReturnIn, response=ContributionOut, permission="csr.review")
def csr_return_contribution(contribution_id: int):
    body = parse_body(ReturnIn)
    return _transition(contribution_id, RETURN, body.comment, body.version)


@route(CONTRIBUTION + "/events", "GET", summary="Riwayat kontribusi: dibuat, diubah, diajukan, diverifikasi, "
       "dikembalikan, berkas", tag=TAG, response=ContributionEventOut, many=True, permission="csr.view")
def csr_contribution_events(contribution_id: int):
    contribution = services.get_contribution(contribution_id, "csr.view", current_user)
    rows = db.session.execute(
        select(CsrEvent, User.username).outerjoin(User, User.id == CsrEvent.user_id)
        .where(CsrEvent.contribution_id == contribution.id).order_by(CsrEvent.at, CsrEvent.id)).all()
    return paginated_list([{"at": to_jakarta_iso(e.at), "username": username, "action": e.action,
                            "from_status": e.from_status, "to_status": e.to_status, "comment": e.comment}
                           for e, username in rows])


# ---- evidence files -------------------------------------------------------------------------------

@route(CONTRIBUTION + "/attachments", "POST", summary="Unggah berkas bukti kontribusi (multipart, field 'file'; "
       "selama draf atau dikembalikan)", tag=TAG, response=CsrAttachmentOut, status=201, permission="csr.edit",
       upload=True)
def csr_upload_attachment(contribution_id: int):
    contribution = services.get_contribution(contribution_id, "csr.edit", current_user)
    if not request.mimetype.startswith("multipart/"):
        raise BadRequest(_("Gunakan multipart/form-data dengan field 'file'."))
    attachment = uploads.add_attachment(contribution, request.files.get("file"), current_user)
    body = attachment_out(attachment)
    files.commit_or_remove(uploads.AREA, attachment.stored_name)
    return jsonify(body), 201


@route("/csr/attachments/<int:attachment_id>", "GET", summary="Unduh berkas bukti kontribusi", tag=TAG,
       permission="csr.view", binary=tuple(files.EXTENSIONS))
def csr_download_attachment(attachment_id: int):
    attachment, _contribution = uploads.load_attachment(attachment_id, "csr.view", current_user)
    return uploads.send_attachment(attachment)


@route("/csr/attachments/<int:attachment_id>", "DELETE", summary="Hapus berkas bukti (selama kontribusi draf atau "
       "dikembalikan)", tag=TAG, status=204, permission="csr.edit")
def csr_delete_attachment(attachment_id: int):
    stored = uploads.delete_attachment(attachment_id, current_user)
    db.session.commit()
    uploads.remove_file(stored)
    return Response(status=204)
