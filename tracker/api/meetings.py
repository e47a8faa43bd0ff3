"""Meetings and agreements endpoints (api.md "Meetings"): meetings with their attendance, files and
agreements; the follow-up list of agreements; status changes with their history, Bappeda's
confirmation and reopening; evidence files.

Scoping is ``tracker.meetings.scope``'s: viewers, OPD users and Bappeda read every meeting and
agreement; an OPD user changes only its own OPD's agreements (another's: 404) and never their text,
due date or party (403 naming the field); a company user reads only the agreements naming its company
and their meetings.  ``DELETE /meetings/{id}``: only while none of its agreements was followed up
(409 otherwise).  Each write is serialised as flushed, then committed.
"""

from __future__ import annotations

from flask import Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import Field

from tracker import files
from tracker.api.core import given_fields, json_response, paginated, paginated_list, parse_body, route
from tracker.api.meeting_schemas import (
    AgreementFileOut,
    AgreementIn,
    AgreementOut,
    AgreementPatch,
    AgreementStatus,
    AgreementSummaryOut,
    CalendarOut,
    ConfirmIn,
    FileKind,
    Kind,
    MeetingFileOut,
    MeetingIn,
    MeetingOut,
    MeetingPatch,
    MeetingSummaryOut,
    ReopenIn,
    agreement_file_out,
    agreement_out,
    agreement_summary_out,
    meeting_file_out,
    meeting_out,
    meeting_summary_out,
)
from tracker.api.params import Literal, Query, SearchText, YearQuery, id_field, year_field
from tracker.authz import company_scope
from tracker.errors import BadRequest, NotFound
from tracker.extensions import db
from tracker.meetings import excel, queries, services, uploads, workflow
from tracker.meetings.scope import get_agreement, get_meeting, may_see_evidence
from tracker.periods.services import today as jakarta_today

TAG = "meetings"
MEETING = "/meetings/<int:meeting_id>"
AGREEMENT = "/agreements/<int:agreement_id>"


class MeetingQuery(SearchText):
    year: int | None = year_field(description="Tahun yang dievaluasi rapat")
    kind: Kind | None = None


class AgreementQuery(SearchText):
    status: AgreementStatus | None = None
    agency_id: int | None = id_field(description="OPD penanggung jawab")
    company_id: int | None = id_field(description="Perusahaan penanggung jawab (pengguna perusahaan: miliknya sendiri)")
    overdue: bool | None = Field(default=None, description="1: hanya yang lewat batas waktu; 0: yang tidak")
    meeting_id: int | None = id_field(description="Kesepakatan satu rapat")
    year: int | None = year_field(description="Tahun yang dievaluasi rapatnya")
    sort: Literal[queries.SORTS] | None = Field(default=None, description="due (bawaan): batas waktu terdekat dahulu; "  # type: ignore[valid-type]
                                                                          "meeting: rapat terbaru dahulu")


class FileKindQuery(Query):
    kind: FileKind | None = Field(default=None, description="Jenis berkas (bawaan: lainnya)")


def _commit(body: dict, status: int = 200):
    db.session.commit()
    return json_response(body, status)


def _meeting_body(meeting) -> dict:
    today = jakarta_today()
    counts = queries.agreement_counts([meeting.id], current_user, today)[meeting.id]
    return meeting_out(meeting, counts, queries.meeting_agreements(meeting, current_user), today)


def _agreement_body(agreement) -> dict:
    visible = list(agreement.files) if may_see_evidence(current_user, agreement) else []
    return agreement_out(agreement, jakarta_today(), workflow.history(agreement.id), visible)


# ---- meetings -----------------------------------------------------------------------------------------

@route("/meetings", "GET", summary="Daftar rapat (terbaru dahulu) dengan jumlah kesepakatan per status", tag=TAG,
       response=MeetingSummaryOut, many=True, permission="meetings.view", query=MeetingQuery)
def meetings_list(params: MeetingQuery):
    f = queries.MeetingFilters(year=params.year, kind=params.kind, q=params.q.strip() or None)
    today = jakarta_today()

    def load(meetings):
        counts = queries.agreement_counts([m.id for m in meetings], current_user, today)
        return [(m, counts[m.id]) for m in meetings]

    return paginated(queries.meeting_list(f, current_user), lambda pair: meeting_summary_out(*pair), load=load)


@route("/meetings", "POST", summary="Catat rapat (koordinator/admin): tanggal, tahun, triwulan, jenis, judul, agenda, "
       "daftar hadir, notulen", tag=TAG, body=MeetingIn, response=MeetingOut, status=201, permission="meetings.edit")
def meetings_create():
    meeting = services.create_meeting(parse_body(MeetingIn).model_dump(), current_user)
    return _commit(_meeting_body(meeting), 201)


@route("/meetings/calendar", "GET", summary="Jadwal rapat setahun: 12 bulan dengan rapatnya (menurut tanggal rapat)",
       tag=TAG, response=CalendarOut, permission="meetings.view", query=YearQuery)
def meetings_calendar(params: YearQuery):
    months = queries.calendar(params.year, current_user)
    every = [m for month in months for m in month["meetings"]]
    counts = queries.agreement_counts([m.id for m in every], current_user)
    return json_response(CalendarOut.model_validate({"year": params.year, "months": [
        {"month": month["month"], "meetings": [meeting_summary_out(m, counts[m.id]) for m in month["meetings"]]}
        for month in months]}).model_dump(mode="json"))


@route(MEETING, "GET", summary="Satu rapat dengan daftar hadir, berkas dan kesepakatannya", tag=TAG,
       response=MeetingOut, permission="meetings.view")
def meeting_get(meeting_id: int):
    return json_response(_meeting_body(get_meeting(meeting_id, current_user)))


@route(MEETING, "PATCH", summary="Ubah rapat (version wajib; attendance dikirim: menggantikan daftar hadir)", tag=TAG,
       body=MeetingPatch, response=MeetingOut, permission="meetings.edit")
def meeting_patch(meeting_id: int):
    meeting = get_meeting(meeting_id, current_user, "meetings.edit")
    changes = given_fields(parse_body(MeetingPatch))
    version = changes.pop("version")
    services.update_meeting(meeting, changes, current_user, version)
    return _commit(_meeting_body(meeting))


@route(MEETING, "DELETE", summary="Hapus rapat beserta kesepakatan dan berkasnya, selama belum ada kesepakatan yang "
       "ditindaklanjuti (409)", tag=TAG, status=204, permission="meetings.edit")
def meeting_delete(meeting_id: int):
    stored = services.delete_meeting(get_meeting(meeting_id, current_user, "meetings.edit"), current_user)
    db.session.commit()
    for name in stored:
        uploads.remove_file(name)
    return Response(status=204)


@route(MEETING + "/previous-agreements", "GET", summary="Kesepakatan rapat-rapat sebelumnya dengan statusnya (yang "
       "masih berjalan, dan yang selesai/dibatalkan sejak rapat sebelumnya)", tag=TAG, response=AgreementSummaryOut,
       many=True, permission="meetings.view")
def meeting_previous_agreements(meeting_id: int):
    meeting = get_meeting(meeting_id, current_user)
    today = jakarta_today()
    return paginated_list([agreement_summary_out(a, today) for a in queries.previous_agreements(meeting, current_user)])


@route(MEETING + "/agreements", "POST", summary="Catat kesepakatan rapat (koordinator/admin); batas waktu sebelum "
       "tanggal rapat: 422", tag=TAG, body=AgreementIn, response=AgreementOut, status=201, permission="meetings.edit")
def meeting_add_agreement(meeting_id: int):
    meeting = get_meeting(meeting_id, current_user, "meetings.edit")
    agreement = services.add_agreement(meeting, parse_body(AgreementIn).model_dump(), current_user)
    return _commit(_agreement_body(agreement), 201)


# ---- meeting files ------------------------------------------------------------------------------------

def _multipart() -> None:
    if not request.mimetype.startswith("multipart/"):
        raise BadRequest(_("Gunakan multipart/form-data dengan field 'file'."))


@route(MEETING + "/files", "POST", summary="Unggah berkas rapat: undangan, daftar hadir, paparan, notulen "
       "(multipart, field 'file')", tag=TAG, response=MeetingFileOut, status=201, permission="meetings.edit",
       query=FileKindQuery, upload=True)
def meeting_file_upload(meeting_id: int, params: FileKindQuery):
    meeting = get_meeting(meeting_id, current_user, "meetings.edit")
    _multipart()
    row = uploads.add_meeting_file(meeting, request.files.get("file"), current_user, params.kind)
    body = meeting_file_out(row)
    files.commit_or_remove(uploads.AREA, row.stored_name)
    return jsonify(body), 201


@route(MEETING + "/files/<int:file_id>", "GET", summary="Unduh berkas rapat", tag=TAG, permission="meetings.view",
       binary=tuple(files.EXTENSIONS))
def meeting_file(meeting_id: int, file_id: int):
    row, _meeting = uploads.load_meeting_file(meeting_id, file_id, current_user)
    return uploads.send(row)


@route(MEETING + "/files/<int:file_id>", "DELETE", summary="Hapus berkas rapat", tag=TAG, status=204,
       permission="meetings.edit")
def meeting_file_delete(meeting_id: int, file_id: int):
    stored = uploads.delete_meeting_file(meeting_id, file_id, current_user)
    db.session.commit()
    uploads.remove_file(stored)
    return Response(status=204)


# ---- agreements ---------------------------------------------------------------------------------------

@route("/agreements", "GET", summary="Daftar tindak lanjut kesepakatan lintas rapat (tersaring, berhalaman)", tag=TAG,
       response=AgreementSummaryOut, many=True, permission="meetings.view", query=AgreementQuery)
def agreements_list(params: AgreementQuery):
    f = _followup_filters(params)
    today = jakarta_today()
    return paginated(queries.followup_list(f, current_user, today, params.sort or "due"),
                     lambda a: agreement_summary_out(a, today))


def _followup_filters(params: AgreementQuery) -> queries.FollowupFilters:
    """The list's filters; a company user asking for another company: 404 (its own are the scope)."""
    own = company_scope(current_user)
    if own is not None and params.company_id is not None and params.company_id != own:
        raise NotFound(_("Perusahaan tidak ditemukan."))
    return queries.FollowupFilters(agency_id=params.agency_id, company_id=params.company_id, status=params.status,
                                   overdue=params.overdue, meeting_id=params.meeting_id, year=params.year,
                                   q=params.q.strip() or None)


@route("/agreements/excel", "GET", summary="Unduh daftar tindak lanjut kesepakatan sebagai Excel (penyaring sama "
       "dengan daftar)", tag=TAG, permission="meetings.view", query=AgreementQuery, binary=files.XLSX)
def agreements_excel(params: AgreementQuery):
    f = _followup_filters(params)
    today = jakarta_today()
    response = Response(excel.export_followup(f, current_user, today, params.sort or "due"), mimetype=files.XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{excel.followup_filename(f, today)}"'
    return response


@route(AGREEMENT, "GET", summary="Satu kesepakatan dengan riwayatnya (history) dan berkas buktinya", tag=TAG,
       response=AgreementOut, permission="meetings.view")
def agreement_get(agreement_id: int):
    return json_response(_agreement_body(get_agreement(agreement_id, current_user)))


@route(AGREEMENT, "PATCH", summary="Ubah status dan catatan kesepakatan (OPD penanggung jawab atau Bappeda; version "
       "wajib); text, due_date, agency_id, company_id hanya koordinator/admin", tag=TAG, body=AgreementPatch,
       response=AgreementOut, permission="agreements.update")
def agreement_patch(agreement_id: int):
    agreement = get_agreement(agreement_id, current_user, "agreements.update")
    changes = given_fields(parse_body(AgreementPatch))
    version = changes.pop("version")
    workflow.update_agreement(agreement, changes, current_user, version)
    return _commit(_agreement_body(agreement))


@route(AGREEMENT, "DELETE", summary="Hapus kesepakatan yang salah catat, selama belum ditindaklanjuti (409)", tag=TAG,
       status=204, permission="meetings.edit")
def agreement_delete(agreement_id: int):
    services.delete_agreement(get_agreement(agreement_id, current_user, "meetings.edit"), current_user)
    db.session.commit()
    return Response(status=204)


@route(AGREEMENT + "/confirm", "POST", summary="Konfirmasi kesepakatan yang dilaporkan selesai (koordinator/admin)",
       tag=TAG, body=ConfirmIn, response=AgreementOut, permission="agreements.confirm")
def agreement_confirm(agreement_id: int):
    body = parse_body(ConfirmIn)
    agreement = get_agreement(agreement_id, current_user, "agreements.confirm")
    workflow.confirm(agreement, current_user, body.note or "", body.version)
    return _commit(_agreement_body(agreement))


@route(AGREEMENT + "/reopen", "POST", summary="Buka kembali kesepakatan selesai atau dibatalkan, dengan catatan "
       "(koordinator/admin)", tag=TAG, body=ReopenIn, response=AgreementOut, permission="agreements.confirm")
def agreement_reopen(agreement_id: int):
    body = parse_body(ReopenIn)
    agreement = get_agreement(agreement_id, current_user, "agreements.confirm")
    workflow.reopen(agreement, current_user, body.note, body.status, body.version)
    return _commit(_agreement_body(agreement))


@route(AGREEMENT + "/files", "POST", summary="Unggah berkas bukti tindak lanjut (multipart, field 'file'; OPD "
       "penanggung jawab atau Bappeda, selama belum dikonfirmasi)", tag=TAG, response=AgreementFileOut, status=201, permission="agreements.update", upload=True)
def agreement_file_upload(agreement_id: int):
    agreement = get_agreement(agreement_id, current_user, "agreements.update")
    _multipart()
    row = uploads.add_agreement_file(agreement, request.files.get("file"), current_user)
    body = agreement_file_out(row)
    files.commit_or_remove(uploads.AREA, row.stored_name)
    return jsonify(body), 201


@route(AGREEMENT + "/files/<int:file_id>", "GET", summary="Unduh berkas bukti kesepakatan", tag=TAG,
       permission="meetings.view", binary=tuple(files.EXTENSIONS))
def agreement_file(agreement_id: int, file_id: int):
    row, _agreement = uploads.load_agreement_file(agreement_id, file_id, current_user)
    return uploads.send(row)


@route(AGREEMENT + "/files/<int:file_id>", "DELETE", summary="Hapus berkas bukti (selama belum dikonfirmasi)", tag=TAG,
       status=204, permission="agreements.update")
def agreement_file_delete(agreement_id: int, file_id: int):
    stored = uploads.delete_agreement_file(agreement_id, file_id, current_user)
    db.session.commit()
    uploads.remove_file(stored)
    return Response(status=204)
