"""Meetings pages: the list, the year's calendar, one meeting's page (attendance, minutes, files, its
agreements and those of the previous meetings), the meeting form and the meeting's files.  The
agreements' own pages are in ``agreement_views``, the follow-up list in ``followup_views``.  Thin views:
the rules live in ``services``, ``workflow``, ``uploads``, who sees what in ``scope``.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.authz import permission_required
from tracker.errors import AppError, Conflict, ValidationFailed
from tracker.extensions import db
from tracker.forms import form_version
from tracker.i18n import N_
from tracker.meetings import bp, queries, scope, services, uploads
from tracker.meetings.forms import (
    ROMAN,
    ActionForm,
    AgreementForm,
    MeetingFileForm,
    MeetingForm,
    agency_rows,
    attendance_failed,
    attendance_state,
    company_rows,
    read_attendance,
)
from tracker.meetings.labels import (
    STATUS_COLOURS,
    action_label,
    file_kind_label,
    kind_label,
    party_label,
    status_label,
)
from tracker.meetings.models import KINDS, AgreementEvent, AgreementFile, Meeting
from tracker.meetings.validation import clean_meeting
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.periods.services import today as jakarta_today
from tracker.web import delete_evidence, form_status, page_arg, save_form, upload_evidence

PER_PAGE = 20
# The TKPK's yearly schedule (the Kaltim seed), shown in the calendar's empty months.
SCHEDULE_HINTS = {1: N_("Penyusunan jadwal dan evaluasi triwulan IV"), 5: N_("Pra-Rakor"),
                  9: N_("Konsolidasi data (verval)"), 12: N_("Rakor akhir tahun")}


@bp.record_once
def register_template_globals(state):
    # Globals, not a context processor: the imported macros of meetings/_macros.html see them too.
    state.app.jinja_env.globals.update(
        meeting_kind_label=kind_label, agreement_status_label=status_label, agreement_status_colour=STATUS_COLOURS.get,
        agreement_party=party_label, meeting_file_kind_label=file_kind_label, agreement_action_label=action_label,
        quarter_roman=lambda q: ROMAN[q - 1] if q in (1, 2, 3, 4) else "")


def year_value(raw) -> int | None:
    text = raw.strip() if isinstance(raw, str) else ""
    return int(text) if text.isdecimal() and MIN_YEAR <= int(text) <= MAX_YEAR else None


def refused_status(form) -> int:
    """After ``save_form`` refused: 409 for a stale version, else 422 (the form shows why)."""
    return 409 if form_status(form) == 409 else 422


def versioned(obj, form, call):
    """Run ``call`` unless the form was opened on another version: a stale form is the pages' usual
    conflict (``web.conflict_message``), whatever the service's own wording."""
    def action():
        if form_version(form) != obj.version:
            raise Conflict()
        return call()
    return action


def meeting_url(meeting_id: int, anchor: str = "") -> str:
    return url_for("meetings.show", meeting_id=meeting_id) + anchor


# ---- the list and the calendar ------------------------------------------------------------------------

@bp.route("/")
@permission_required("meetings.view")
def index():
    kind = request.args.get("kind") or None
    q = (request.args.get("q") or "").strip()[:100] or None
    filters = queries.MeetingFilters(year=year_value(request.args.get("year")), kind=kind if kind in KINDS else None,
                                     q=q)
    pagination = db.paginate(queries.meeting_list(filters, current_user), page=page_arg(), per_page=PER_PAGE,
                             error_out=False)
    meetings = pagination.items
    return render_template(
        "meetings/index.html", pagination=pagination, meetings=meetings, filters=filters, kinds=KINDS,
        years=queries.meeting_years(current_user), today=jakarta_today(),
        counts=queries.agreement_counts([m.id for m in meetings], current_user))


@bp.route("/calendar")
@permission_required("meetings.view")
def calendar():
    today = jakarta_today()
    year = year_value(request.args.get("year")) or today.year
    return render_template("meetings/calendar.html", year=year, months=queries.calendar(year, current_user),
                           today=today, hints=SCHEDULE_HINTS, years=queries.meeting_years(current_user),
                           min_year=MIN_YEAR, max_year=MAX_YEAR)


# ---- one meeting --------------------------------------------------------------------------------------

def _grouped(agreements) -> list[tuple[Meeting, list]]:
    groups: list[tuple[Meeting, list]] = []
    for a in agreements:
        if not groups or groups[-1][0].id != a.meeting_id:
            groups.append((a.meeting, []))
        groups[-1][1].append(a)
    return groups


def followed_up(agreement_ids) -> set[int]:
    """The agreements that have been followed up (a status change, note, confirmation or evidence file):
    those are kept, so their delete buttons are not shown (``services.delete_*`` refuses them)."""
    ids = sorted(set(agreement_ids))
    if not ids:
        return set()
    events = select(AgreementEvent.agreement_id).where(AgreementEvent.agreement_id.in_(ids),
                                                       AgreementEvent.action.not_in(services.PLAIN_ACTIONS))
    evidence = select(AgreementFile.agreement_id).where(AgreementFile.agreement_id.in_(ids))
    return set(db.session.scalars(events.union(evidence)))


def agreement_form(formdata=None) -> AgreementForm:
    form = AgreementForm(formdata=formdata) if formdata is not None else AgreementForm(formdata=None)
    form.fill_choices()
    return form


def render_meeting(meeting: Meeting, *, add_form=None, status: int = 200):
    user = current_user
    agreements = queries.meeting_agreements(meeting, user)
    previous = queries.previous_agreements(meeting, user)
    editable = scope.may_edit(user)
    attendees = {"agency": [a for a in meeting.attendees if a.agency_id is not None],
                 "company": [a for a in meeting.attendees if a.company_id is not None],
                 "other": [a for a in meeting.attendees if a.agency_id is None and a.company_id is None]}
    html = render_template(
        "meetings/show.html", meeting=meeting, agreements=agreements, attendees=attendees,
        people_total=sum(a.people for a in meeting.attendees), previous=_grouped(previous),
        previous_meeting=queries.previous_meeting(meeting, user), today=jakarta_today(), editable=editable,
        evidence_counts=queries.file_counts([a.id for a in agreements + previous]),
        kept=followed_up(a.id for a in agreements) if editable else set(),
        add_form=add_form if add_form is not None else (agreement_form() if editable else None),
        file_form=MeetingFileForm(formdata=None) if editable else None, action_form=ActionForm(formdata=None))
    return html, status


@bp.route("/<int:meeting_id>")
@permission_required("meetings.view")
def show(meeting_id: int):
    return render_meeting(scope.get_meeting(meeting_id, current_user))


# ---- the meeting form ---------------------------------------------------------------------------------

def _choices_for(state: dict):
    """The OPDs and companies the attendance part lists (active ones, and any already ticked)."""
    return agency_rows(set(state["agency"])), company_rows(set(state["company"]))


def _render_form(form: MeetingForm, state: dict, meeting: Meeting | None = None, status: int = 200):
    agencies, companies = _choices_for(state)
    form.others.data = state["others"]
    return render_template("meetings/form.html", form=form, meeting=meeting, state=state, agencies=agencies,
                           companies=companies), status


def _save(form: MeetingForm, meeting: Meeting | None):
    """POST of the form: the meeting saved (or None, the form showing why)."""
    state = attendance_state(formdata=request.form)
    agencies, companies = _choices_for(state)
    lines, labels, problems = read_attendance(request.form, {r.id: r.name for r in agencies},
                                              {r.id: r.name for r in companies})
    valid = form.validate()
    data = form.values(lines)
    if problems:
        form.attendance.errors = list(problems)
        if valid:  # the other fields' problems too, without saving anything
            try:
                clean_meeting(data, current=meeting)
            except ValidationFailed as err:
                for name, message in attendance_failed(err, labels).fields.items():
                    field = getattr(form, name, None)
                    if field is not None:
                        field.errors = list(field.errors) + [message]
    if not valid or problems:
        flash(_("Periksa kembali isian yang ditandai."), "danger")
        return None, state

    def call():
        try:
            if meeting is None:
                return services.create_meeting(data, current_user)
            return services.update_meeting(meeting, data, current_user, form_version(form))
        except ValidationFailed as err:
            raise attendance_failed(err, labels) from None

    return save_form(form, call if meeting is None else versioned(meeting, form, call)), state


@bp.route("/new", methods=["GET", "POST"])
@permission_required("meetings.edit")
def new():
    form = MeetingForm(formdata=request.form if request.method == "POST" else None)
    form.fill_choices()
    if request.method == "GET":
        form.year.data = str(jakarta_today().year)
        form.kind.data = request.args.get("kind") if request.args.get("kind") in KINDS else KINDS[0]
        return _render_form(form, attendance_state())
    meeting, state = _save(form, None)
    if meeting is None:
        return _render_form(form, state, status=refused_status(form))
    flash(_("Rapat \"%(t)s\" dicatat. Tambahkan kesepakatannya di bawah.", t=meeting.title), "success")
    return redirect(meeting_url(meeting.id, "#kesepakatan"), code=303)


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@permission_required("meetings.edit")
def edit(meeting_id: int):
    meeting = scope.get_meeting(meeting_id, current_user, "meetings.edit")
    if request.method == "GET":
        form = MeetingForm(formdata=None, data={
            "date": meeting.date, "kind": meeting.kind, "title": meeting.title, "year": str(meeting.year),
            "quarter": str(meeting.quarter or ""), "place": meeting.place, "chair": meeting.chair,
            "agenda": meeting.agenda, "minutes": meeting.minutes, "version": str(meeting.version)})
        form.fill_choices(meeting.year)
        return _render_form(form, attendance_state(meeting), meeting)
    form = MeetingForm(formdata=request.form)
    form.fill_choices(meeting.year)
    saved, state = _save(form, meeting)
    if saved is None:
        meeting = scope.get_meeting(meeting_id, current_user, "meetings.edit")
        return _render_form(form, state, meeting, status=refused_status(form))
    flash(_("Perubahan rapat disimpan."), "success")
    return redirect(meeting_url(meeting_id), code=303)


@bp.route("/<int:meeting_id>/delete", methods=["POST"])
@permission_required("meetings.edit")
def delete(meeting_id: int):
    meeting = scope.get_meeting(meeting_id, current_user, "meetings.edit")
    title = meeting.title
    try:
        stored = services.delete_meeting(meeting, current_user)
        db.session.commit()
    except AppError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(meeting_url(meeting_id), code=303)
    for name in stored:
        uploads.remove_file(name)
    flash(_("Rapat \"%(t)s\" dihapus.", t=title), "success")
    return redirect(url_for("meetings.index"), code=303)


# ---- agreements added at the meeting -------------------------------------------------------------------

@bp.route("/<int:meeting_id>/agreements", methods=["POST"])
@permission_required("meetings.edit")
def agreement_add(meeting_id: int):
    meeting = scope.get_meeting(meeting_id, current_user, "meetings.edit")
    form = agreement_form(request.form)
    if not form.validate():
        flash(_("Periksa kembali isian kesepakatan yang ditandai."), "danger")
        return render_meeting(meeting, add_form=form, status=422)
    data = form.values()
    added = save_form(form, lambda: services.add_agreements(meeting, data, current_user))
    if added is None:
        meeting = scope.get_meeting(meeting_id, current_user, "meetings.edit")
        return render_meeting(meeting, add_form=form, status=refused_status(form))
    flash(_("%(n)d kesepakatan dicatat.", n=len(added)) if len(added) > 1 else _("Kesepakatan dicatat."), "success")
    return redirect(meeting_url(meeting_id, "#kesepakatan"), code=303)


# ---- the meeting's files ------------------------------------------------------------------------------

@bp.route("/<int:meeting_id>/files", methods=["POST"])
@permission_required("meetings.edit")
def file_upload(meeting_id: int):
    meeting = scope.get_meeting(meeting_id, current_user, "meetings.edit")
    upload_evidence(lambda: uploads.add_meeting_file(meeting, request.files.get("file"), current_user,
                                                     request.form.get("kind") or None), uploads.AREA)
    return redirect(meeting_url(meeting_id, "#berkas"), code=303)


@bp.route("/<int:meeting_id>/files/<int:file_id>")
@permission_required("meetings.view")
def file_download(meeting_id: int, file_id: int):
    row, _meeting = uploads.load_meeting_file(meeting_id, file_id, current_user)
    return uploads.send(row)


@bp.route("/<int:meeting_id>/files/<int:file_id>/delete", methods=["POST"])
@permission_required("meetings.edit")
def file_delete(meeting_id: int, file_id: int):
    uploads.load_meeting_file(meeting_id, file_id, current_user, "meetings.edit")
    delete_evidence(lambda: uploads.delete_meeting_file(meeting_id, file_id, current_user), uploads.AREA)
    return redirect(meeting_url(meeting_id, "#berkas"), code=303)
