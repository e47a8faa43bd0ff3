"""Importing poverty figures from a file on a page: choose the kind, download its template, upload a
CSV or XLSX.  All rows or none (``tracker.poverty.imports``): on any problem every error line is
shown by row and nothing is stored; on success the counts and the warnings are flashed."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import files
from tracker.authz import permission_required
from tracker.errors import NotFound
from tracker.extensions import db
from tracker.formatting import number
from tracker.poverty import bp, imports
from tracker.poverty.forms import ImportForm, decimal_input
from tracker.poverty.import_columns import COLUMNS, KIND_LABELS, KINDS, STATS
from tracker.poverty.import_template import build_template, template_filename

EDIT = "poverty.edit"
LIST_OF = {"stats": "poverty.stats", "households": "poverty.households", "targets": "poverty.targets"}
MAX_WARNINGS = 20


def limit_mb() -> str:
    """The smaller of the app's upload limit and the import's own, in MB ("5")."""
    return number(min(files.max_bytes(), imports.MAX_BYTES) / 1024 / 1024, 0)


def column_rows(kind: str) -> list[dict]:
    """The template's columns for the page: header, meaning, example as typed ("6,66", "8.740")."""
    rows = []
    for c in COLUMNS[kind]:
        example = c.example
        if isinstance(example, float):
            example = decimal_input(example)
        elif isinstance(example, int) and c.key != "year":
            example = number(example)
        rows.append({"header": c.header, "meaning": _(c.meaning), "example": example, "required": c.required})
    return rows


def _flash_result(result) -> None:
    flash(_("Impor %(k)s selesai: %(r)s baris dibaca, %(c)s data baru, %(u)s data lama diganti.",
            k=_(KIND_LABELS[result.kind]).lower(), r=number(result.rows), c=number(result.created),
            u=number(result.replaced)), "success")
    if result.warnings:
        shown = result.warnings[:MAX_WARNINGS]
        more = len(result.warnings) - len(shown)
        text = " · ".join(shown) + (" " + _("… dan %(n)s catatan lain.", n=number(more)) if more > 0 else "")
        flash(_("Catatan (data tetap disimpan): %(w)s", w=text), "warning")


@bp.route("/import", methods=["GET", "POST"])
@permission_required(EDIT)
def import_file():
    form = ImportForm()
    form.fill_choices()
    lines: list[str] = []
    message = None
    status = 200
    if request.method == "GET":
        kind = request.args.get("kind")
        form.kind.data = kind if kind in KINDS else STATS
    elif not form.validate():
        flash(_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
        status = 400
    elif form.kind.data not in KINDS:
        form.kind.errors = [_("Pilih jenis data yang diimpor.")]
        status = 422
    else:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            form.file.errors = [_("Pilih berkas CSV atau Excel (.xlsx) untuk diimpor.")]
            status = 422
        else:
            try:
                result = imports.import_file(form.kind.data, upload.filename, upload.stream, current_user,
                                             replace=bool(form.replace.data))
            except imports.ImportFailed as err:
                db.session.rollback()
                message, lines, status = err.message, err.lines(), 422
            else:
                db.session.commit()
                _flash_result(result)
                return redirect(url_for(LIST_OF[result.kind]), 303)
    kind = form.kind.data if form.kind.data in KINDS else STATS
    return render_template("poverty/import.html", form=form, kind=kind, lines=lines, message=message,
                           limit_mb=limit_mb(), max_rows=number(imports.MAX_ROWS), columns=column_rows(kind),
                           kind_labels=KIND_LABELS, kinds=KINDS), status


@bp.route("/template/<kind>.xlsx")
@permission_required(EDIT)
def template(kind: str):
    if kind not in KINDS:
        raise NotFound()
    return files.xlsx_download(build_template(kind), template_filename(kind))
