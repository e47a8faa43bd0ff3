"""NIK and KK numbers: the rules they follow, and how they are kept (UU 27/2022, Pelindungan Data Pribadi).

A NIK (*Nomor Induk Kependudukan*) has 16 digits: province (2), kabupaten (2), kecamatan (2), the
birth date as DDMMYY with 40 added to the day for women, and a 4-digit serial that is never 0000.
A KK (family card) number has 16 digits too, the same region prefix and no birth date.

Neither is ever stored in the clear:
* ``digest`` (HMAC-SHA-256 under ``PERSONAL_DATA_HASH_KEY``) is what matching joins on, so a
  leaked table does not give the numbers back by trying all birth dates of a kecamatan;
* ``seal`` (Fernet under the first of ``PERSONAL_DATA_KEYS``; the others still open older rows, so
  keys rotate: see ``flask beneficiaries rotate-keys``) for the roles allowed to see the number;
* ``mask`` (first 4 and last 4 digits, ``6202********0003``) is what every page and export shows.

Outside production both keys derive from ``SECRET_KEY`` so the demo runs without settings;
production refuses to start without keys of its own (``tracker.config.check_production_safety``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from flask_babel import gettext as _

DIGITS = 16
_SEPARATORS = re.compile(r"[\s.\-'’`]")

VALID, OUTSIDE, INVALID, MISSING = "valid", "outside", "invalid", "missing"
STATUSES = (VALID, OUTSIDE, INVALID, MISSING)


@dataclass(frozen=True)
class Checked:
    """A NIK or KK number as read: its digits (``""`` when none was given) and what they are."""

    digits: str
    status: str  # VALID (this kabupaten), OUTSIDE (a valid number from elsewhere), INVALID, MISSING
    problem: str = ""  # why INVALID, in the UI language
    birth_date: date | None = None  # encoded in a NIK
    sex: str | None = None  # "L" / "P", from a NIK's day

    @property
    def usable(self) -> bool:
        """Good enough to match on: a well-formed number, from here or elsewhere."""
        return self.status in (VALID, OUTSIDE)


def clean(value) -> tuple[str, str]:
    """The digits of a cell and a problem when the cell cannot be one: Excel keeps a 16-digit number
    as a float and drops its last digit, so a number-typed cell is refused, never guessed at."""
    if value is None:
        return "", ""
    if isinstance(value, bool):
        return "", _("bukan nomor")
    if isinstance(value, float) or (isinstance(value, int) and value >= 10**15):
        return "", _("tersimpan sebagai angka di Excel (digit terakhir bisa hilang): format kolom sebagai Teks")
    text = _SEPARATORS.sub("", str(value))
    if not text:
        return "", ""
    if not text.isdigit():
        return "", _("hanya boleh berisi angka")
    return text, ""


def _birth_date(digits: str, today: date) -> tuple[date | None, str | None]:
    day, month, year = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    sex = "P" if day > 40 else "L"
    day = day - 40 if day > 40 else day
    # Two digits of year: this century unless that would be after today.
    for century in (2000, 1900):
        try:
            born = date(century + year, month, day)
        except ValueError:
            return None, None
        if born <= today:
            return (born, sex) if today.year - born.year <= 120 else (None, None)
    return None, None


def check_nik(value, kabupaten_prefix: str, today: date | None = None) -> Checked:
    """``kabupaten_prefix``: this kabupaten's 4 digits ("6202"); a NIK from another one is OUTSIDE."""
    digits, problem = clean(value)
    if problem:
        return Checked("", INVALID, problem)
    if not digits:
        return Checked("", MISSING)
    if len(digits) != DIGITS:
        return Checked(digits, INVALID, _("NIK harus 16 digit (tertulis %(n)d)", n=len(digits)))
    if not 11 <= int(digits[:2]) <= 96:
        return Checked(digits, INVALID, _("kode provinsi %(p)s tidak ada", p=digits[:2]))
    born, sex = _birth_date(digits, today or date.today())
    if born is None:
        return Checked(digits, INVALID, _("tanggal lahir di dalam NIK (%(d)s) tidak masuk akal", d=digits[6:12]))
    if digits[12:] == "0000":
        return Checked(digits, INVALID, _("nomor urut NIK tidak boleh 0000"))
    status = VALID if digits.startswith(kabupaten_prefix) else OUTSIDE
    return Checked(digits, status, birth_date=born, sex=sex)


def check_kk(value, kabupaten_prefix: str) -> Checked:
    digits, problem = clean(value)
    if problem:
        return Checked("", INVALID, problem)
    if not digits:
        return Checked("", MISSING)
    if len(digits) != DIGITS:
        return Checked(digits, INVALID, _("nomor KK harus 16 digit (tertulis %(n)d)", n=len(digits)))
    if not 11 <= int(digits[:2]) <= 96:
        return Checked(digits, INVALID, _("kode provinsi %(p)s tidak ada", p=digits[:2]))
    return Checked(digits, VALID if digits.startswith(kabupaten_prefix) else OUTSIDE)


def mask(digits: str | None) -> str | None:
    """``6202********0003``: enough to tell two people apart on a list, not enough to use the number."""
    if not digits:
        return None
    if len(digits) <= 8:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


# ---- keys ---------------------------------------------------------------------------------------

def _derived(purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{current_app.config['SECRET_KEY']}".encode()).digest()


def _hash_key() -> bytes:
    key = current_app.config.get("PERSONAL_DATA_HASH_KEY")
    return key.encode() if key else _derived("personal-data-hash")


def _sealer() -> MultiFernet:
    setting = current_app.config.get("PERSONAL_DATA_KEYS") or ""
    cached = current_app.extensions.get("personal_data_sealer")
    if cached is None or cached[0] != setting:  # built once per process and setting
        keys = [k.strip() for k in setting.split(",") if k.strip()]
        if not keys:
            keys = [base64.urlsafe_b64encode(_derived("personal-data-seal")).decode()]
        cached = (setting, MultiFernet([Fernet(k) for k in keys]))
        current_app.extensions["personal_data_sealer"] = cached
    return cached[1]


def digest(digits: str | None) -> str | None:
    if not digits:
        return None
    return hmac.new(_hash_key(), digits.encode(), hashlib.sha256).hexdigest()


def seal(digits: str | None) -> str | None:
    return _sealer().encrypt(digits.encode()).decode() if digits else None


def unseal(token: str | None) -> str | None:
    """The number back, for a reveal; ``None`` when no key opens it (a key removed too early)."""
    if not token:
        return None
    try:
        return _sealer().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def reseal(token: str | None) -> str | None:
    """The same number under the current first key (key rotation)."""
    return _sealer().rotate(token.encode()).decode() if token else None

