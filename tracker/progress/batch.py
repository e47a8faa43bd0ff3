"""Several items of one quarter at once: the bulk table, the Excel upload and the bulk review buttons.

Each item goes through the same ``services.save`` / ``workflow.transition`` as a single one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _

from tracker.authz import ensure_agency_access
from tracker.errors import AppError, Locked, NotFound
from tracker.progress import workflow
from tracker.progress.context import ItemContext, build_contexts, quarter_contexts, require_report
from tracker.progress.rules import SCALAR_FIELDS, TEXT_LIMITS
from tracker.progress.services import ReportConflict, save


def unchanged(ctx: ItemContext, payload: dict) -> bool:
    """True when saving ``payload`` (every field given) would change nothing."""
    report = ctx.report
    given_values = {v["indicator_id"]: v["value"] for v in payload.get("indicator_values", []) if v["value"] is not None}
    if report is None:
        return all(payload.get(k) in (None, "") for k in SCALAR_FIELDS) and not given_values
    for key in SCALAR_FIELDS:
        if key not in payload:
            continue
        current = getattr(report, key)
        if key in TEXT_LIMITS:
            if (current or "") != (payload.get(key) or ""):
                return False
        elif current != payload.get(key):
            return False
    if "indicator_values" in payload:
        wanted = {v.indicator_id: v.value for v in report.values}
        for item in payload["indicator_values"]:
            wanted.pop(item["indicator_id"], None)
            if item["value"] is not None:
                wanted[item["indicator_id"]] = item["value"]
        if wanted != {v.indicator_id: v.value for v in report.values}:
            return False
    return True


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    submitted: int = 0
    unchanged: int = 0
    errors: dict = field(default_factory=dict)  # key -> message
    conflicts: dict = field(default_factory=dict)  # key -> the server's report


def save_many(contexts: dict[int, ItemContext], items: list[dict], user) -> BatchResult:
    """Save (and optionally submit) several items of one quarter: the bulk table and the Excel upload.

    ``items``: dicts with key, activity_id, version, payload, submit.  Each item's checks run before
    it changes anything; the caller commits only when ``errors`` is empty (all or nothing).
    """
    result = BatchResult()
    for item in items:
        key = item["key"]
        ctx = contexts.get(item["activity_id"])
        try:
            if ctx is None:
                raise NotFound(_("Kegiatan %(i)s tidak ada di triwulan/OPD ini.", i=item["activity_id"]))
            if unchanged(ctx, item["payload"]):
                result.unchanged += 1
            else:
                _report, action = save(ctx, item["payload"], user, item.get("version"))
                if action == "create":
                    result.created += 1
                elif action == "update":
                    result.updated += 1
                else:
                    result.unchanged += 1
            if item.get("submit") and (ctx.report is None or ctx.report.status in workflow.EDITABLE):
                workflow.transition(ctx, workflow.SUBMIT, user)
                result.submitted += 1
        except Locked:
            raise
        except AppError as err:
            details = "; ".join(f"{field_label(k)}: {v}" for k, v in (err.fields or {}).items())
            result.errors[key] = err.message + (f" ({details})" if details else "")
            if isinstance(err, ReportConflict) and ctx is not None:
                result.conflicts[key] = ctx.report
    return result


def transition_many(action: str, keys: Iterable[tuple[int, int, int]], user, comment: str = "",
                    comments: dict | None = None) -> tuple[list[tuple[int, int, int]], dict[tuple[int, int, int], str]]:
    """Submit, verify or return several items, each on its own: those that may move do, the others say
    why not.  A locked quarter stops everything (423).  ``comments`` overrides ``comment`` per key."""
    keys = list(dict.fromkeys(keys))
    contexts = build_contexts(keys, for_write=True)
    done, errors = [], {}
    for key in keys:
        ctx = contexts.get(key)
        try:
            if ctx is None:
                raise NotFound(_("Kegiatan tidak ditemukan."))
            ensure_agency_access(ctx.activity.agency_id, "progress.view", user)
            require_report(ctx)
            workflow.transition(ctx, action, user, (comments or {}).get(key, comment))
            done.append(key)
        except AppError as err:
            if err.status == 423:
                raise
            errors[key] = err.message + (" " + " ".join(err.fields.values()) if err.fields else "")
    return done, errors


def field_label(key: str) -> str:
    labels = {"budget_realized": _("Realisasi"), "physical_progress": _("Progres fisik"),
              "progress_drop_reason": _("Alasan"), "beneficiaries_reached": _("Penerima manfaat"),
              "problems": _("Kendala"), "follow_up": _("Tindak lanjut"), "comment": _("Komentar")}
    if key.startswith("indicator_values."):
        return _("Indikator %(i)s", i=key.split(".", 1)[1])
    return labels.get(key, key)


@dataclass
class SubmitResult:
    done: list = field(default_factory=list)  # keys submitted
    errors: dict = field(default_factory=dict)  # key -> why it could not be submitted
    incomplete: int = 0  # items not filled in, or missing something a submission needs


def submit_complete(year: int, quarter: int, agency_id: int, user) -> SubmitResult:
    """Submit every complete draft or returned report of one OPD's quarter; the others stay as they are."""
    contexts = quarter_contexts(year, quarter, agency_id=agency_id, for_write=True)
    complete, incomplete = [], 0
    for c in contexts:
        if c.report is None:
            incomplete += 1
        elif c.report.status in workflow.EDITABLE:
            if workflow.missing_for_submit(c.report, c.indicators):
                incomplete += 1
            else:
                complete.append((c.activity.id, year, quarter))
    done, errors = transition_many(workflow.SUBMIT, complete, user)
    return SubmitResult(done=done, errors=errors, incomplete=incomplete)
