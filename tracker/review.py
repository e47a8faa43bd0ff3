"""The review status machine that OPD progress reports and company CSR contributions share.

    draft ──submit──▶ submitted ──verify──▶ verified
                        │   ▲
                   return   submit
                        ▼   │
                       returned   (edited while returned, then submitted again)

One definition: each feature adds only who may act (its permissions and scoping) and what an item
needs before it may be submitted.  Editing is allowed while an item is ``draft`` or ``returned`` (or
not written yet); a return needs a comment.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.errors import Conflict, ValidationFailed
from tracker.types import UTCDateTime, utcnow

DRAFT, SUBMITTED, RETURNED, VERIFIED = "draft", "submitted", "returned", "verified"
STATUSES = (DRAFT, SUBMITTED, RETURNED, VERIFIED)
STATUS_CHECK = "status IN ('draft', 'submitted', 'returned', 'verified')"  # the tables' CHECK constraint

SAVE, SUBMIT, VERIFY, RETURN = "save", "submit", "verify", "return"
ACTIONS = (SAVE, SUBMIT, VERIFY, RETURN)
TRANSITIONS: dict[tuple[str, str], str] = {
    (DRAFT, SUBMIT): SUBMITTED,
    (RETURNED, SUBMIT): SUBMITTED,
    (SUBMITTED, VERIFY): VERIFIED,
    (SUBMITTED, RETURN): RETURNED,
}
EDITABLE = frozenset({DRAFT, RETURNED})
MAX_COMMENT = 2000

STATUS_LABELS = {
    None: _l("Belum diisi"),
    DRAFT: _l("Draf"),
    SUBMITTED: _l("Diajukan"),
    RETURNED: _l("Dikembalikan"),
    VERIFIED: _l("Terverifikasi"),
}
STATUS_BADGES = {
    None: "text-bg-light border",
    DRAFT: "text-bg-secondary",
    SUBMITTED: "text-bg-primary",
    RETURNED: "text-bg-danger",
    VERIFIED: "text-bg-success",
}
ACTION_LABELS = {
    "create": _l("Dibuat"),
    "update": _l("Diubah"),
    SUBMIT: _l("Diajukan"),
    VERIFY: _l("Diverifikasi"),
    RETURN: _l("Dikembalikan"),
    "attach": _l("Berkas ditambahkan"),
    "detach": _l("Berkas dihapus"),
}


class ReviewedMixin:
    """The columns of an item that goes through the machine: its status and who moved it, when."""

    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ReviewEventMixin:
    """One line of an item's own history: saved, submitted, verified, returned, files (the item's
    foreign key is the feature's own)."""

    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(10))
    to_status: Mapped[str | None] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")


def status_label(status: str | None) -> str:
    return str(STATUS_LABELS.get(status, status))


def may_edit(status: str | None) -> bool:
    return status is None or status in EDITABLE


def state_message(action: str, status: str | None, noun: str) -> str:
    """Why ``action`` is refused in ``status``; ``noun`` names the item ("Laporan", "Kontribusi")."""
    label = status_label(status)
    if action == SAVE:
        return _("%(n)s berstatus %(s)s tidak dapat diubah; hanya draf atau yang dikembalikan yang dapat diubah.",
                 n=noun, s=label)
    if status is None:
        return _("%(n)s belum diisi; simpan dulu sebelum diajukan.", n=noun)
    if action == SUBMIT:
        return _("%(n)s berstatus %(s)s tidak dapat diajukan.", n=noun, s=label)
    if action == VERIFY:
        return _("Hanya %(n)s yang diajukan yang dapat diverifikasi (status sekarang: %(s)s).", n=noun.lower(), s=label)
    return _("Hanya %(n)s yang diajukan yang dapat dikembalikan (status sekarang: %(s)s).", n=noun.lower(), s=label)


def check_state(action: str, status: str | None, noun: str) -> None:
    """409 when ``action`` does not fit ``status``."""
    if action == SAVE:
        if not may_edit(status):
            raise Conflict(state_message(action, status, noun))
    elif (status, action) not in TRANSITIONS:
        raise Conflict(state_message(action, status, noun))


def clean_comment(action: str, comment: str | None, noun: str) -> str:
    """The reviewer's comment, trimmed; required when returning."""
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(_("Komentar terlalu panjang."), {"comment": _("Maksimal %(n)d karakter.", n=MAX_COMMENT)})
    if action == RETURN and not comment:
        raise ValidationFailed(_("Komentar wajib diisi saat mengembalikan %(n)s.", n=noun.lower()),
                               {"comment": _("Wajib diisi.")})
    return comment


def next_status(status: str, action: str) -> str:
    return TRANSITIONS[(status, action)]
