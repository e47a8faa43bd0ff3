"""The report settings: place, signer (title, name, NIP) and the cover logo, one row edited by Bappeda.

``report_settings()`` is what a renderer reads (in the worker: an app context, no request): a frozen
view with the region's name and the logo as a ``data:`` URI, so the PDF needs no file access.  Its
``version`` is part of every report's cache key: a change of the signer renders reports anew.

    s = report_settings()
    s.place, s.signer_title, s.signer_name, s.signer_nip, s.logo_data_uri, s.region_name
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from tracker import files
from tracker.audit import services as audit
from tracker.authz import require
from tracker.errors import ValidationFailed, check_version
from tracker.extensions import db
from tracker.reference.models import Region, RegionLevel
from tracker.reports.models import ReportSettings

LOGO_AREA = "reports"
LOGO_MAX_BYTES = 512 * 1024
LOGO_TYPES = (files.PNG, files.JPEG)
DEFAULT_SIGNER_TITLE = "Kepala Bappeda"
FIELDS = ("place", "signer_title", "signer_name", "signer_nip", "logo_stored_name")
MAX_LENGTHS = {"place": 100, "signer_title": 150, "signer_name": 150}


@dataclass(frozen=True)
class ReportSettingsView:
    region_name: str          # "Kabupaten Kotawaringin Timur" (reference data, else REGION_NAME)
    place: str                # where it is signed: "Sampit"
    signer_title: str         # "Kepala Bappeda"
    signer_name: str
    signer_nip: str | None    # 18 digits, or None
    logo_data_uri: str | None  # "data:image/png;base64,..." or None
    version: int              # 0 while nothing is stored


def region_name() -> str:
    """The kabupaten's name as printed on a report: from the reference data ("Kabupaten " + the
    kabupaten region's name), else the REGION_NAME setting, else empty."""
    name = db.session.scalar(select(Region.name).where(Region.level == RegionLevel.KABUPATEN)
                             .order_by(Region.id).limit(1))
    if name:
        return name if name.lower().startswith(("kabupaten ", "kota ", "kab. ")) else f"Kabupaten {name}"
    return current_app.config.get("REGION_NAME") or ""


def stored_settings() -> ReportSettings | None:
    return db.session.scalar(select(ReportSettings).order_by(ReportSettings.id).limit(1))


_LOGO_CACHE: dict[str, str] = {}  # stored name -> data URI (a stored logo never changes; a new one gets a new name)


def logo_data_uri(stored_name: str | None, content_type: str | None) -> str | None:
    if not stored_name or content_type not in LOGO_TYPES:
        return None
    if stored_name in _LOGO_CACHE:
        return _LOGO_CACHE[stored_name]
    try:
        with open(files.path_of(LOGO_AREA, stored_name), "rb") as fh:
            data = fh.read()
    except (OSError, ValueError):
        current_app.logger.warning("report logo %s missing from storage", stored_name)
        return None
    uri = f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
    _LOGO_CACHE[stored_name] = uri
    return uri


def report_settings() -> ReportSettingsView:
    row = stored_settings()
    if row is None:
        return ReportSettingsView(region_name=region_name(), place="", signer_title=DEFAULT_SIGNER_TITLE,
                                  signer_name="", signer_nip=None, logo_data_uri=None, version=0)
    return ReportSettingsView(
        region_name=region_name(), place=row.place, signer_title=row.signer_title or DEFAULT_SIGNER_TITLE,
        signer_name=row.signer_name, signer_nip=row.signer_nip,
        logo_data_uri=logo_data_uri(row.logo_stored_name, row.logo_content_type), version=row.version)


def settings_version() -> int:
    """The stored settings' version (0 when none): part of every report's cache key."""
    return db.session.scalar(select(ReportSettings.version).order_by(ReportSettings.id).limit(1)) or 0


# ---- changing ---------------------------------------------------------------------------------------

def clean_settings(data: dict) -> dict:
    """Trimmed text fields; the NIP 18 digits when given.  ``ValidationFailed`` with every problem."""
    out, problems = {}, {}
    for name, limit in MAX_LENGTHS.items():
        value = " ".join(str(data.get(name) or "").split())
        if len(value) > limit:
            problems[name] = _("Paling banyak %(n)s karakter.", n=limit)
        out[name] = value
    if not out["signer_title"]:
        out["signer_title"] = DEFAULT_SIGNER_TITLE
    nip = "".join(str(data.get("signer_nip") or "").split())
    if nip and not (len(nip) == 18 and nip.isascii() and nip.isdecimal()):
        problems["signer_nip"] = _("NIP terdiri dari 18 angka.")
    out["signer_nip"] = nip or None
    if problems:
        raise ValidationFailed(_("Periksa kembali isian pengaturan laporan."), problems)
    return out


def update_settings(data: dict, user, *, version: int | None = None, logo=None,
                    remove_logo: bool = False) -> ReportSettings:
    """Save the settings (creating the row the first time).  ``logo``: an uploaded PNG or JPEG
    (werkzeug ``FileStorage``), at most 512 KB; ``remove_logo`` drops the current one.  Commits;
    a replaced logo file is removed after the commit, a new one if the commit fails."""
    require("reports.settings", user)
    clean = clean_settings(data)
    row = stored_settings()
    if row is None:
        row = ReportSettings(signer_title=DEFAULT_SIGNER_TITLE)
        db.session.add(row)
        before = {}
    else:
        check_version(row, version)
        before = audit.snapshot(row, FIELDS)
    stored = None
    if logo is not None and getattr(logo, "filename", None):
        stored = files.store_upload(logo, LOGO_AREA, limit=LOGO_MAX_BYTES)
        if stored.content_type not in LOGO_TYPES:
            files.remove_stored(LOGO_AREA, stored.stored_name)
            raise ValidationFailed(_("Logo harus berupa gambar PNG atau JPEG."),
                                   {"logo": _("Hanya PNG atau JPEG.")})
    old_logo = row.logo_stored_name
    for name, value in clean.items():
        setattr(row, name, value)
    if stored is not None:
        row.logo_stored_name, row.logo_content_type = stored.stored_name, stored.content_type
    elif remove_logo:
        row.logo_stored_name = row.logo_content_type = None
    row.updated_by_id = getattr(user, "id", None)
    try:
        db.session.flush()
        before_changed, after_changed = audit.changed(before, audit.snapshot(row, FIELDS))
        audit.record("update" if before else "create", "report_settings", row.id, before=before_changed,
                     after=after_changed, actor=user, summary="Pengaturan laporan")
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if stored is not None:
            files.remove_stored(LOGO_AREA, stored.stored_name)
        raise
    if old_logo and old_logo != row.logo_stored_name:
        files.remove_stored(LOGO_AREA, old_logo)
        _LOGO_CACHE.pop(old_logo, None)
    return row


def logo_path(row: ReportSettings) -> str | None:
    if not row.logo_stored_name:
        return None
    path = files.path_of(LOGO_AREA, row.logo_stored_name)
    return path if os.path.isfile(path) else None
