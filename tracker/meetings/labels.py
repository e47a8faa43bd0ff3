"""The words the meetings feature shows (Bahasa Indonesia, translated where shown): kinds of meeting,
agreement statuses, file kinds, history actions and the responsible party of an agreement."""

from __future__ import annotations

from flask_babel import gettext as _

from tracker.i18n import N_
from tracker.meetings.models import DONE, DROPPED, EVALUASI, FGD, IN_PROGRESS, OPEN, PRA_RAKOR, RAKOR, VERVAL

KIND_LABELS = {
    RAKOR: N_("Rakor"),
    PRA_RAKOR: N_("Pra-Rakor"),
    EVALUASI: N_("Rapat evaluasi triwulan"),
    FGD: N_("FGD"),
    VERVAL: N_("Verifikasi dan validasi data"),
}
STATUS_LABELS = {
    OPEN: N_("Belum ditindaklanjuti"),
    IN_PROGRESS: N_("Dalam proses"),
    DONE: N_("Selesai"),
    DROPPED: N_("Dibatalkan"),
}
# Bootstrap colours of the status badges (pages) and of the Excel export's status cells.
STATUS_COLOURS = {OPEN: "secondary", IN_PROGRESS: "info", DONE: "success", DROPPED: "dark"}
FILE_KIND_LABELS = {
    "undangan": N_("Undangan"),
    "daftar_hadir": N_("Daftar hadir"),
    "paparan": N_("Bahan paparan"),
    "notulen": N_("Notulen"),
    "lainnya": N_("Lainnya"),
}
ACTION_LABELS = {
    "created": N_("Dicatat"),
    "edited": N_("Diubah"),
    "status": N_("Status diubah"),
    "note": N_("Catatan perkembangan"),
    "confirmed": N_("Dikonfirmasi Bappeda"),
    "reopened": N_("Dibuka kembali"),
    "file_added": N_("Berkas bukti ditambahkan"),
    "file_removed": N_("Berkas bukti dihapus"),
}
BAPPEDA = N_("Bappeda (Sekretariat TKPK)")


def kind_label(kind: str | None) -> str:
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else (kind or "")


def status_label(status: str | None) -> str:
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else (status or "")


def file_kind_label(kind: str | None) -> str:
    return _(FILE_KIND_LABELS[kind]) if kind in FILE_KIND_LABELS else (kind or "")


def action_label(action: str | None) -> str:
    return _(ACTION_LABELS[action]) if action in ACTION_LABELS else (action or "")


def party_label(agreement, short: bool = False) -> str:
    """Who carries the agreement out: its OPD, its company, or Bappeda itself (no party named)."""
    if agreement.agency is not None:
        return agreement.agency.short_name if short else agreement.agency.name
    if agreement.company is not None:
        return agreement.company.name
    return _(BAPPEDA)
