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


def save_form(form: FlaskForm, action):
    """The pages' one way to run a service call for a form and commit; returns its result, or None
    when it was refused.

    A rule problem lands on the form's fields; a stale version (or a write that raced at the database)
    is a conflict: nothing is overwritten, ``form.conflict`` is set (answer 409 with ``form_status``)
    and the flash says what happened.  A conflict with its own message ("already locked") keeps it.
    """
    from sqlalchemy.orm.exc import StaleDataError

    from tracker.errors import Conflict
    from tracker.extensions import db

    try:
        result = action()
    except ValidationFailed as err:
        db.session.rollback()
        apply_errors(form, err)
        return None
    except (Conflict, StaleDataError) as err:
        db.session.rollback()
        own = isinstance(err, Conflict) and err.message != _(Conflict.default_message)
        flash(err.message if own else conflict_message(), "danger")
        form.conflict = True
        return None
    db.session.commit()
    return result


def upload_evidence(add, area: str) -> None:
    """The pages' evidence upload, for any feature: ``add()`` stores the file and adds its row; the
    commit keeps both or neither (``files.commit_or_remove``).  A refused file is a flash; a file over
    the size limit is the 413 page."""
    from tracker import files
    from tracker.errors import AppError
    from tracker.extensions import db

    try:
        attachment = add()
    except AppError as err:
        db.session.rollback()
        if err.status == 413:
            raise
        flash(err.message + (" " + " ".join(err.fields.values()) if err.fields else ""), "danger")
        return
    name = attachment.original_name
    files.commit_or_remove(area, attachment.stored_name)
    flash(_("Berkas %(n)s diunggah.", n=name), "success")


def delete_evidence(delete, area: str) -> None:
    """The pages' evidence delete: ``delete()`` removes the row and returns the stored name; the file
    goes only once the commit went through."""
    from tracker import files
    from tracker.errors import AppError
    from tracker.extensions import db

    try:
        stored = delete()
        db.session.commit()
    except AppError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return
    files.remove_stored(area, stored)
    flash(_("Berkas dihapus."), "success")


def form_status(form: FlaskForm) -> int:
    return 409 if getattr(form, "conflict", False) else 200


def page_arg() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdecimal() and 0 < int(raw) < 100000 else 1


def page_url(page: int) -> str:
    """The current URL with another ``page`` (filters kept)."""
    from flask import url_for

    args = {**request.args.to_dict(), "page": page}
    return url_for(request.endpoint, **(request.view_args or {}), **args)
