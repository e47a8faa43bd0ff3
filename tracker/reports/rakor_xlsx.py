"""The Rakor report as an Excel workbook (kind ``evaluation``, fmt ``xlsx``), built from the same
content as the PDF (``tracker.reports.rakor_content.build``): one sheet per section, in the report's
order — Ringkasan, Kemiskinan, Realisasi OPD, Strategi, Kinerja (the Permendagri 86/2017 table,
its columns numbered as in the regulation), CSR, Sasaran (by name by address), Permasalahan,
Kesepakatan, Lampiran kegiatan (when the annex is asked for).  A section without data keeps its
sheet, with a line saying so.

Numbers are numbers (``xlsx_layout``: Rupiah ``#,##0``, percentages as fractions shown ``0.00%``,
dates ``dd/mm/yyyy``), each sheet has a title block, a frozen header with an auto-filter and
column widths fitted to its content; written with openpyxl's write-only mode.
"""

from __future__ import annotations

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import select

from tracker.extensions import db
from tracker.formatting import date_id, rupiah
from tracker.i18n import N_
from tracker.reference.models import Agency
from tracker.reports import documents, rakor_content
from tracker.reports.registry import Progress, ReportKind, ReportParams, register
from tracker.reports.xlsx_layout import (
    COUNT,
    DATE,
    DECIMAL,
    MONEY,
    NUMBER,
    PERCENT,
    Col,
    Table,
    pct_fraction,
    save,
    signature_rows,
    table_sheet,
)

P = pct_fraction


def _heading(c: dict, section: str) -> list[str]:
    cover = c["cover"]
    period = _("Triwulan %(q)s Tahun %(y)s", q=cover["quarter_label"], y=cover["year"])
    lines = [f"{section} · {period}", " · ".join(x for x in (cover["region_name"], cover["scope"]) if x)]
    note = _("Keadaan per %(d)s.", d=date_id(cover["generated_on"]))
    if cover["include_unverified"]:
        note += " " + _("Termasuk laporan yang belum diverifikasi.")
    return lines + [note]


# ---- Ringkasan ------------------------------------------------------------------------------------

def _summary_sheet(wb: Workbook, c: dict) -> None:
    f = c["summary"]["figures"]
    done = f["completeness"]
    money = [(_("Pagu (APBD-P bila ada)"), f["budget"]), (_("Pagu murni"), f["budget_original"]),
             (_("Realisasi triwulan ini"), f["realized_quarter"]),
             (_("Realisasi s.d. triwulan ini"), f["realized_cumulative"]), (_("Komitmen CSR"), f["csr_committed"]),
             (_("Kontribusi CSR terverifikasi"), f["csr_contributed_verified"])]
    counts = [(_("OPD"), f["agency_count"]), (_("Sub kegiatan"), f["activity_count"]),
              (_("Indikator"), f["indicator_count"]), (_("Indikator yang dapat dinilai"), f["rated_indicator_count"]),
              (_("Laporan masuk"), done.get("reported")), (_("Laporan terverifikasi"), done.get("verified")),
              (_("Belum melapor"), done.get("missing")), (_("Terlambat"), done.get("late"))]
    shares = [(_("Realisasi keuangan"), f["realization_pct"], ""),
              (_("Realisasi keuangan s.d. triwulan lalu"), f["previous_realization_pct"], ""),
              (_("Capaian kinerja"), f["achievement_pct"], f["rating_label"])]
    rows = ([{"label": label, "money": value} for label, value in money]
            + [{"label": label, "count": value} for label, value in counts]
            + [{"label": label, "share": P(value), "note": note} for label, value, note in shares])
    columns = [Col("label", N_("Uraian"), max_width=44), Col("money", N_("Rupiah"), MONEY),
               Col("count", N_("Jumlah"), COUNT), Col("share", N_("Persentase"), PERCENT),
               Col("note", N_("Predikat"))]
    at_risk = Table(_("Sub kegiatan berisiko tidak mencapai target"), [
        Col("code", N_("Kode")), Col("name", N_("Sub kegiatan"), wrap=True), Col("agency_name", N_("OPD")),
        Col("achievement", N_("Capaian (%)"), PERCENT), Col("projected", N_("Proyeksi akhir tahun (%)"), PERCENT)],
        [{**r, "achievement": P(r["achievement_pct"]), "projected": P(r["projected_achievement_pct"])}
         for r in c["summary"]["at_risk"]])
    footer: list[list] = [[], [_("Ringkasan")]]
    footer += [[sentence] for paragraph in c["summary"]["paragraphs"] for sentence in paragraph]
    if c["summary"].get("projection_rule"):
        footer.append([c["summary"]["projection_rule"]])
    s = c["signature"]
    footer += signature_rows(s["place"], date_id(s["date"]), [s["signer_title"], s["region_name"]],
                             name=s["signer_name"], nip=s["signer_nip"] or "", column=2)
    cover = c["cover"]
    heading = [cover["title"]] + _heading(c, _("Ringkasan"))[1:]
    if cover["meeting"]:
        m = cover["meeting"]
        heading.append(_("Rapat: %(t)s, %(d)s", t=m["title"], d=date_id(m["date"])))
    table_sheet(wb, _("Ringkasan"), columns, rows, heading=heading, more=[at_risk], footer=footer, footer_first=True)


# ---- Kemiskinan, Realisasi OPD, Strategi -----------------------------------------------------------

POVERTY_COLUMNS = [
    Col("year", N_("Tahun")), Col("poor_count", N_("Penduduk Miskin (jiwa)"), COUNT),
    Col("poor_pct", N_("Persentase Penduduk Miskin (P0)"), PERCENT),
    Col("extreme_poor_count", N_("Penduduk Miskin Ekstrem (jiwa)"), COUNT),
    Col("extreme_pct", N_("Persentase Kemiskinan Ekstrem"), PERCENT),
    Col("p1", N_("Indeks Kedalaman (P1)"), DECIMAL), Col("p2", N_("Indeks Keparahan (P2)"), DECIMAL),
    Col("poverty_line", N_("Garis Kemiskinan (Rp/kapita/bulan)"), MONEY),
    Col("target_poor_pct", N_("Target P0"), PERCENT),
    Col("target_extreme_pct", N_("Target Kemiskinan Ekstrem"), PERCENT),
    Col("source_document", N_("Sumber"), wrap=True, max_width=40),
]
POCKET_COLUMNS = [Col("rank", N_("Peringkat")), Col("name", N_("Kecamatan")),
                  Col("total_households", N_("Rumah Tangga Desil 1–4"), COUNT),
                  Col("total_people", N_("Jiwa Desil 1–4"), COUNT), Col("share", N_("Porsi Kabupaten"), PERCENT)]


def _poverty_sheet(wb: Workbook, c: dict) -> None:
    pov = c["poverty"] or {"rows": [], "pockets": [], "change": None}
    pct_keys = ("poor_pct", "extreme_pct", "target_poor_pct", "target_extreme_pct")
    rows = [{**r, **{k: P(r[k]) for k in pct_keys}} for r in pov["rows"]]
    pockets = Table(_("Kantong kemiskinan"), POCKET_COLUMNS,
                    [{**r, "share": P(r["share_pct"])} for r in pov["pockets"]])
    heading = _heading(c, _("Kemiskinan"))
    if pov["change"]:
        heading.append(pov["change"]["sentence"])
    elif c["poverty"] is None:
        heading.append(_("Data kemiskinan kabupaten (BPS) tidak ditampilkan untuk satu OPD atau belum tersedia."))
    table_sheet(wb, _("Kemiskinan"), POVERTY_COLUMNS, rows, heading=heading, freeze_columns=1, more=[pockets])


MONEY_COLUMNS = [Col("budget", N_("Pagu (Rp)"), MONEY),
                 Col("realized_quarter", N_("Realisasi Triwulan Ini (Rp)"), MONEY),
                 Col("realized_cumulative", N_("Realisasi s.d. Triwulan Ini (Rp)"), MONEY),
                 Col("realization", N_("Realisasi Keuangan (%)"), PERCENT)]
AGENCY_COLUMNS = ([Col("no", N_("No"), min_width=3), Col("code", N_("Kode OPD")),
                   Col("full_name", N_("OPD"), max_width=44),
                   Col("activities", N_("Sub Kegiatan"), COUNT)] + MONEY_COLUMNS
                  + [Col("previous", N_("Realisasi s.d. Triwulan Lalu (%)"), PERCENT),
                     Col("achievement", N_("Capaian Kinerja (%)"), PERCENT), Col("rating_label", N_("Predikat")),
                     Col("indicator_count", N_("Indikator"), COUNT), Col("reported", N_("Laporan Masuk"), COUNT),
                     Col("verified", N_("Terverifikasi"), COUNT), Col("missing", N_("Belum Melapor"), COUNT),
                     Col("late", N_("Terlambat"), COUNT)])
STRATEGY_COLUMNS = [Col("code", N_("Kode")), Col("name", N_("Strategi"), wrap=True, max_width=50),
                    Col("activities", N_("Sub Kegiatan"), COUNT)] + MONEY_COLUMNS


def _realisation_sheets(wb: Workbook, c: dict) -> None:
    r = c["realisation"]
    rows = [{**a, "no": i, "realization": P(a["realization_pct"]), "previous": P(a["previous_realization_pct"]),
             "achievement": P(a["achievement_pct"])} for i, a in enumerate(r["agencies"], start=1)]
    t = r["total"]
    total = {**t, "_style": "total", "full_name": _("Jumlah"), "realization": P(t["realization_pct"]),
             "achievement": P(t["achievement_pct"])}
    table_sheet(wb, _("Realisasi OPD"), AGENCY_COLUMNS, rows + [total], heading=_heading(c, _("Realisasi per OPD")),
                freeze_columns=3)
    rows = [{**s, "realization": P(s["realization_pct"])} for s in r["strategies"]]
    table_sheet(wb, _("Strategi"), STRATEGY_COLUMNS, rows + [{**total, "name": _("Jumlah")}],
                heading=_heading(c, _("Realisasi per strategi")), freeze_columns=2)


# ---- Kinerja: the Permendagri 86/2017 table ----------------------------------------------------------

def _performance_columns(quarter: int, renstra: bool) -> list[Col]:
    cols = [Col("code", N_("(1) Kode")), Col("name", N_("(2) Urusan/Bidang/Program/Kegiatan/Sub Kegiatan"), wrap=True),
            Col("indicator", N_("(3) Indikator Kinerja"), wrap=True, max_width=40), Col("unit", N_("(4) Satuan"))]
    if renstra:
        cols += [Col("target_end", N_("(5) Target Renstra Akhir Periode (K)"), NUMBER),
                 Col("achieved_before", N_("(6) Capaian Renstra s.d. Tahun Lalu (K)"), NUMBER)]
    cols += [Col("target", N_("(7) Target Tahun Berjalan (K)"), NUMBER),
             Col("budget", N_("(7) Target Tahun Berjalan (Rp)"), MONEY)]
    for q, label in enumerate(("I", "II", "III", "IV"), start=8):
        cols += [Col(f"k{q}", _("(%(n)s) Realisasi Triwulan %(q)s (K)", n=q, q=label), NUMBER),
                 Col(f"rp{q}", _("(%(n)s) Realisasi Triwulan %(q)s (Rp)", n=q, q=label), MONEY)]
    cols += [Col("cumulative", N_("(12) Realisasi s.d. Triwulan Ini (K)"), NUMBER),
             Col("realized_cumulative", N_("(12) Realisasi s.d. Triwulan Ini (Rp)"), MONEY),
             Col("achievement", N_("(13) Tingkat Capaian (K, %)"), PERCENT),
             Col("realization", N_("(13) Tingkat Capaian (Rp, %)"), PERCENT)]
    if renstra:
        cols += [Col("renstra_realized", N_("(14) Realisasi Renstra s.d. Tahun Berjalan (K)"), NUMBER),
                 Col("renstra", N_("(15) Tingkat Capaian Renstra (%)"), PERCENT)]
    return cols + [Col("rating_label", N_("Predikat")),
                   Col("agency_name", N_("(16) Perangkat Daerah Penanggung Jawab")),
                   Col("remarks", N_("(17) Keterangan (Kendala / Tindak Lanjut)"), wrap=True)]


def _remarks(row: dict) -> str:
    parts = []
    if row.get("problems"):
        parts.append(_("Kendala: %(t)s", t=row["problems"]))
    if row.get("follow_up"):
        parts.append(_("Tindak lanjut: %(t)s", t=row["follow_up"]))
    return "\n".join(parts)


def _performance_rows(c: dict) -> list[dict]:
    out = []
    for group in c["performance"]["groups"]:
        agency = group["agency"]
        out.append({"_style": "group", "code": agency["code"], "name": agency["full_name"]})
        for row in group["rows"]:
            kind = row["kind"]
            if kind in ("program", "kegiatan"):
                out.append({"code": row["code"], "name": row["name"]})
            elif kind == "activity":
                values = {"code": row["code"], "name": row["name"], "budget": row["budget"],
                          "realized_cumulative": row["realized_cumulative"], "realization": P(row["realization_pct"]),
                          "agency_name": row["agency_name"], "remarks": _remarks(row)}
                values.update({f"rp{q}": v for q, v in enumerate(row["realized_quarters"], start=8)})
                out.append(values)
            else:
                values = {"indicator": row["name"], "unit": row["unit"], "target": row["target"],
                          "target_end": row["target_end"], "achieved_before": row["achieved_before"],
                          "cumulative": row["cumulative"], "achievement": P(row["achievement_pct"]),
                          "renstra_realized": row["renstra_realized"], "renstra": P(row["renstra_pct"]),
                          "rating_label": row["rating_label"]}
                values.update({f"k{q}": v for q, v in enumerate(row["quarters"], start=8)})
                out.append(values)
        out.append({"_style": "total", "name": _("Jumlah %(n)s", n=agency["name"]), "budget": agency["budget"],
                    "realized_cumulative": agency["realized_cumulative"], "realization": P(agency["realization_pct"]),
                    "achievement": P(agency["achievement_pct"]), "rating_label": agency["rating_label"]})
    return out


# ---- CSR, Permasalahan, Kesepakatan, Lampiran ------------------------------------------------------

CSR_FIGURES = [Col("commitments", N_("Jumlah Komitmen"), COUNT), Col("committed", N_("Komitmen (Rp)"), MONEY),
               Col("verified", N_("Kontribusi Terverifikasi (Rp)"), MONEY),
               Col("pending", N_("Kontribusi Belum Diverifikasi (Rp)"), MONEY)]


def _csr_sheet(wb: Workbook, c: dict) -> None:
    csr = c["csr"] or {"companies": [], "strategies": [], "kecamatan": [], "totals": None, "cut_off": None}
    share = Col("share", N_("Capaian Terverifikasi (%)"), PERCENT)
    rows = [{**r, "no": i, "share": P(r["verified_pct"])} for i, r in enumerate(csr["companies"], start=1)]
    if csr["totals"]:
        rows.append({**csr["totals"], "_style": "total", "name": _("Jumlah"),
                     "share": P(csr["totals"]["verified_pct"])})
    columns = [Col("no", N_("No"), min_width=3), Col("name", N_("Perusahaan"), max_width=40),
               Col("sector", N_("Sektor"), max_width=28)] + CSR_FIGURES + [share]
    more = [Table(_("Per strategi"), [Col("code", N_("Kode")), Col("name", N_("Strategi"), max_width=40)]
                  + CSR_FIGURES + [share],
                  [{**r, "share": P(r["verified_pct"])} for r in csr["strategies"]])]
    if csr["kecamatan"]:
        more.append(Table(_("Per kecamatan (kontribusi sepanjang tahun)"),
                          [Col("code", N_("Kode Wilayah")), Col("name", N_("Kecamatan"))] + CSR_FIGURES,
                          csr["kecamatan"]))
    heading = _heading(c, _("CSR (TJSL)"))
    if csr["cut_off"]:
        heading.append(_("Kontribusi dihitung s.d. %(d)s; terverifikasi sepanjang tahun: %(v)s.",
                         d=date_id(csr["cut_off"]), v=rupiah(csr["totals"]["verified_year"])))
    table_sheet(wb, _("CSR"), columns, rows, heading=heading, freeze_columns=2, more=more)


COVERAGE_FIGURES = [Col("target", N_("Rumah Tangga Sasaran"), COUNT), Col("reached", N_("Dijangkau"), COUNT),
                    Col("unreached", N_("Belum Dijangkau"), COUNT), Col("share", N_("Dijangkau (%)"), PERCENT)]


def _beneficiaries_sheet(wb: Workbook, c: dict) -> None:
    """By name, by address: figures only (the names stay in the app, for the roles allowed)."""
    bn = c["beneficiaries"]
    heading = _heading(c, _("Sasaran by name by address"))
    if bn is None:
        table_sheet(wb, _("Sasaran"), [Col("name", N_("Kecamatan"))] + COVERAGE_FIGURES, [],
                    heading=heading + [_("Belum ada daftar sasaran yang diimpor.")])
        return
    t = bn["totals"]
    heading += [_("Daftar sasaran %(s)s per %(d)s.", s=bn["list"]["source"], d=date_id(bn["list"]["as_of"])),
                _("Tercatat di beberapa OPD (strategi sama): %(a)s orang; penerima di luar daftar sasaran: %(b)s; "
                  "kecocokan menurut nama belum dikonfirmasi: %(c)s.", a=t["double_counted"], b=t["outside_target"],
                  c=t["probable"])]
    rows = [{**r, "share": P(r["reached_pct"])} for r in bn["kecamatan"]]
    rows.append({**t, "_style": "total", "name": _("Jumlah"), "share": P(t["reached_pct"]),
                 "desil1": sum(r["desil1"] for r in bn["kecamatan"]), "desil1_unreached": bn["desil1_unreached"]})
    columns = ([Col("code", N_("Kode Wilayah")), Col("name", N_("Kecamatan"))] + COVERAGE_FIGURES +
               [Col("desil1", N_("Desil 1"), COUNT), Col("desil1_unreached", N_("Desil 1 Belum Dijangkau"), COUNT)])
    more = [Table(_("Per desil"), [Col("desil", N_("Desil"))] + COVERAGE_FIGURES,
                  [{**r, "share": P(r["reached_pct"])} for r in bn["by_desil"]])]
    table_sheet(wb, _("Sasaran"), columns, rows, heading=heading, freeze_columns=2, more=more)


PROBLEM_COLUMNS = [Col("agency", N_("OPD")), Col("code", N_("Kode")), Col("name", N_("Sub Kegiatan"), wrap=True),
                   Col("problems", N_("Kendala"), wrap=True, max_width=60),
                   Col("follow_up", N_("Tindak Lanjut"), wrap=True, max_width=60),
                   Col("status_label", N_("Status Laporan"))]
AGREEMENT_COLUMNS = [Col("no", N_("No"), min_width=3), Col("meeting_date", N_("Tanggal Rapat"), DATE),
                     Col("meeting_title", N_("Rapat"), max_width=36),
                     Col("text", N_("Kesepakatan"), wrap=True, max_width=60),
                     Col("responsible", N_("Penanggung Jawab")), Col("due_date", N_("Batas Waktu"), DATE),
                     Col("status_label", N_("Status")), Col("overdue_label", N_("Lewat Batas Waktu")),
                     Col("note", N_("Catatan Perkembangan Terakhir"), wrap=True, max_width=60)]
ANNEX_COLUMNS = [Col("no", N_("No"), min_width=3), Col("agency_name", N_("OPD")), Col("code", N_("Kode Sub Kegiatan")),
                 Col("name", N_("Sub Kegiatan"), wrap=True), Col("strategy", N_("Strategi")),
                 Col("budget", N_("Pagu (Rp)"), MONEY),
                 Col("realized_cumulative", N_("Realisasi s.d. Triwulan Ini (Rp)"), MONEY),
                 Col("realization", N_("Realisasi Keuangan (%)"), PERCENT),
                 Col("physical", N_("Progres Fisik (%)"), PERCENT), Col("status_label", N_("Status Laporan"))]


def _list_sheets(wb: Workbook, c: dict) -> None:
    rows = [{**item, "agency": group["name"]} for group in c["problems"] for item in group["items"]]
    table_sheet(wb, _("Permasalahan"), PROBLEM_COLUMNS, rows, heading=_heading(c, _("Permasalahan dan tindak lanjut")),
                freeze_columns=3)
    yes = _("Ya")
    rows = [{**a, "no": i, "overdue_label": yes if a["overdue"] else "", "_style": "overdue" if a["overdue"] else None}
            for i, a in enumerate(c["agreements"]["items"], start=1)]
    heading = _heading(c, _("Kesepakatan rapat sebelumnya"))
    if c["agreements"]["previous_meeting"]:
        m = c["agreements"]["previous_meeting"]
        heading.append(_("Rapat sebelumnya: %(t)s, %(d)s", t=m["title"], d=date_id(m["date"])))
    table_sheet(wb, _("Kesepakatan"), AGREEMENT_COLUMNS, rows, heading=heading, freeze_columns=1)
    if c["annex"] is not None:
        rows = [{**a, "no": i, "realization": P(a["realization_pct"]), "physical": P(a["physical_progress"])}
                for i, a in enumerate(c["annex"], start=1)]
        table_sheet(wb, _("Lampiran kegiatan"), ANNEX_COLUMNS, rows,
                    heading=_heading(c, _("Lampiran: seluruh kegiatan")), freeze_columns=4)


def render_xlsx(params: ReportParams, progress: Progress) -> bytes:
    content = rakor_content.build(params)
    progress(40)
    wb = Workbook(write_only=True)
    _summary_sheet(wb, content)
    _poverty_sheet(wb, content)
    _realisation_sheets(wb, content)
    progress(50)
    perf = content["performance"]
    table_sheet(wb, _("Kinerja"), _performance_columns(perf["quarter"], perf["renstra"]), _performance_rows(content),
                heading=_heading(content, _("Evaluasi kinerja (Permendagri 86/2017)")), freeze_columns=3)
    progress(75)
    _csr_sheet(wb, content)
    _beneficiaries_sheet(wb, content)
    _list_sheets(wb, content)
    progress(90)
    return save(wb)


def filename(params: ReportParams) -> str:
    scope = ""
    if params.agency_id:
        code = db.session.scalar(select(Agency.code).where(Agency.id == params.agency_id))
        scope = "-" + documents.slug(code or str(params.agency_id), keep=".")
    return f"laporan-rakor-tw{params.quarter}-{params.year}{scope}.xlsx"


register(ReportKind("evaluation", "xlsx", render_xlsx, rakor_content.SOURCES, filename,
                    N_("Laporan Rakor (evaluasi triwulan)")))
