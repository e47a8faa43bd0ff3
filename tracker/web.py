"""Helpers the HTML views share: safe redirects, form errors from service errors, page numbers."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from tracker.errors import ValidationFailed


def is_safe_next(target: str | None) -> bool:
    """Only local paths: '//evil', '/\\evil', 'javascript:' and absolute URLs are refused."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def redirect_next(default_endpoint: str = "main.home"):
    target = request.values.get("next")
    return redirect(target if is_safe_next(target) else url_for(default_endpoint))


def apply_errors(form: FlaskForm, err: ValidationFailed, field_map: dict[str, str] | None = None) -> None:
    """Show a service's field errors on the matching form fields, the rest as a flash."""
    field_map = field_map or {}
    unplaced = []
    for name, message in (err.fields or {}).items():
        field = getattr(form, field_map.get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            unplaced.append(message)
    flash(" ".join([err.message] + unplaced), "danger")


def conflict_message() -> str:
    return _("Data ini telah diubah oleh pengguna lain sejak Anda membukanya, sehingga perubahan Anda "
             "tidak disimpan. Muat ulang halaman untuk melihat data terbaru, lalu ulangi perubahan Anda.")


def page_arg() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100000 else 1


def page_url(page: int) -> str:
    """The current URL with another ``page`` (filters kept)."""
    from flask import url_for

    args = {**request.args.to_dict(), "page": page}
    return url_for(request.endpoint, **(request.view_args or {}), **args)
