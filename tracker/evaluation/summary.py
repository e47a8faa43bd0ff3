"""The written summary of a quarter (*ringkasan*): short Indonesian sentences a Sekda can read aloud at
the Rakor, generated from the evaluation's figures (``figures.evaluation``), the activities' trend
over the quarters (``compare.trend_for_projection``) and the kabupaten's BPS poverty figures.

Deterministic: the same data gives the same text (every list is ordered in Python by value, then
name, then id; no date of "now" appears, only the year and quarter asked for).  A figure that is
missing gives no sentence at all; a year without activities gives no sentences.

The topics, in order (``paragraphs``; empty ones left out, ``sentences`` is all of them in order):

1. budget — "Sampai dengan Triwulan II 2026, realisasi anggaran penanggulangan kemiskinan mencapai
   Rp 12,3 miliar atau 45,67 % dari pagu Rp 26,9 miliar, naik 20,12 poin dari Triwulan I."
   (no change in quarter I; "..., termasuk data yang belum diverifikasi, ..." when unverified
   reports are actually counted; with an OPD chosen its full name after "kemiskinan"), then
   "Rata-rata capaian kinerja 12 indikator sebesar 56,67 % dengan predikat rendah."  Only when
   something is counted (realisation > 0, a rated indicator, or a counted report of the quarter).
2. OPDs (at least two OPDs with a counted figure) — "Realisasi tertinggi dicapai Dinsos (45,67 %),
   terendah DPMD (12,00 %)." and the same for "Capaian kinerja" with the rating; OPDs level at the
   top or bottom are all named ("A dan B (masing-masing 45,67 %)"), in name order.
3. completeness — "2 OPD terlambat menyampaikan laporan Triwulan II: A dan B." and, once the quarter
   has ended, "Belum melaporkan Triwulan II: A (2 kegiatan) dan B (1 kegiatan)."  (for one OPD:
   "Laporan Triwulan II untuk 2 kegiatan terlambat disampaikan." / "1 dari 3 kegiatan belum
   dilaporkan untuk Triwulan II.")  Lists past six names end "dan 5 OPD lainnya".
4. risk — ``summary_parts.projection_rule`` (projected year-end achievement below 91 %).
5. CSR — when anything is committed; 6. poverty — kabupaten only, when BPS figures exist.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from tracker.evaluation import summary_parts as parts
from tracker.evaluation.compare import project_year_end, trend_for_projection
from tracker.evaluation.figures import check_quarter, evaluation
from tracker.evaluation.summary_text import by_agency_name, join_agencies, money, pct, points, rating_words
from tracker.periods.services import quarter_label

AGENCIES_NAMED = 6  # longer lists of OPDs end "dan 5 OPD lainnya"
ARGUMENTS = ("year", "quarter", "agency_id", "include_unverified")


def ringkasan(year: int, quarter: int, *, agency_id: int | None = None, include_unverified: bool = False,
              today: date | None = None, figures: dict | None = None) -> dict:
    """The summary of ``year``/``quarter`` (kabupaten, or the OPD ``agency_id`` — the caller scopes it
    with ``figures.scope_agency_id``).  ``figures``: ``evaluation(...)`` for the same arguments, when
    the caller has it already.  Returns ``{year, quarter, agency_id, include_unverified, sentences,
    paragraphs, at_risk, below_target, projection_rule}`` (``below_target``: quarter IV's activities
    that ended under the threshold; ``at_risk`` is empty then)."""
    check_quarter(quarter)
    if figures is None:
        # an empty window: no detail rows, but the per-activity figures the projection reads
        figures = evaluation(year, quarter, agency_id=agency_id, include_unverified=include_unverified,
                             today=today, window=(0, 0))
    else:
        asked = (year, quarter, agency_id, include_unverified)
        given = tuple(figures.get(k) for k in ARGUMENTS)
        if given != asked:
            raise ValueError(f"figures are for {given}, not {asked}")
    result = {"year": year, "quarter": quarter, "agency_id": agency_id, "include_unverified": include_unverified,
              "sentences": [], "paragraphs": [], "at_risk": [], "below_target": [],
              "projection_rule": parts.projection_rule(quarter)}
    if not figures["activity_count"]:
        return result
    trend = _trend(figures)
    if trend is None:
        trend = trend_for_projection(year, quarter, agency_id=agency_id, include_unverified=include_unverified)
    result["at_risk"], result["below_target"] = parts.risk_rows(trend, quarter)
    opd = _own_agency(figures) if agency_id is not None else None
    paragraphs = [
        budget_sentences(figures, opd),
        agency_sentences(figures),
        completeness_sentences(figures, opd),
        parts.risk_sentences(result["at_risk"], result["below_target"], quarter, with_agency=opd is None),
        parts.csr_sentences(figures["csr"], year, quarter, opd=opd and opd["agency_full_name"],
                            include_unverified=include_unverified),
        parts.poverty_sentences(year) if agency_id is None else [],
    ]
    result["paragraphs"] = [p for p in paragraphs if p]
    result["sentences"] = [s for p in result["paragraphs"] for s in p]
    return result


def _trend(figures: dict) -> list[dict] | None:
    """What ``parts.risk_rows`` reads of ``compare.trend_for_projection`` (the figures as of the quarter
    itself) for the activities it may name, from the evaluation's ``projection`` when it has one;
    ``None`` when it has not."""
    rows, quarter = figures.get("projection"), figures["quarter"]
    if rows is None:
        return None
    out = []
    for r in rows:
        projected = project_year_end(r["achievement_pct"], quarter)
        if (r["achievement_pct"] if quarter >= 4 else projected) >= parts.RISK_THRESHOLD:
            continue  # never named: ``risk_rows`` would leave it out (thousands of rows otherwise)
        out.append({"activity_id": r["activity_id"], "code": r["code"], "name": r["name"],
                    "agency_id": r["agency_id"], "agency_name": r["agency_name"],
                    "achievement_series": [r["achievement_pct"]], "projected_achievement_pct": projected,
                    "projected_realization_pct": project_year_end(r["realization_pct"], quarter)})
    return out


def _own_agency(figures: dict) -> dict:
    return figures["agencies"][0] if figures["agencies"] else {"agency_full_name": "", "agency_name": ""}


def _counted(row: dict, include_unverified: bool) -> bool:
    """Whether a row (the kabupaten, or an OPD) has any counted data: money realised, a rated
    indicator, or a counted report of the quarter.  A 0 % that only means "nothing reported" is
    missing data, not a figure."""
    completeness = row.get("completeness", row)
    return bool(row["realized_cumulative"] or row["rated_indicator_count"] or completeness["verified"]
                or (include_unverified and completeness["submitted"]))


# ---- 1. budget ---------------------------------------------------------------------------------------

def _change(figures: dict) -> str:
    quarter = figures["quarter"]
    before, now = figures["previous_realization_pct"], figures["realization_pct"]
    if quarter == 1 or before is None or now is None:
        return ""
    diff = Decimal(str(now)) - Decimal(str(before))
    previous = quarter_label(quarter - 1)
    if diff > 0:
        return _(", naik %(points)s poin dari Triwulan %(previous)s", points=points(diff), previous=previous)
    if diff < 0:
        return _(", turun %(points)s poin dari Triwulan %(previous)s", points=points(diff), previous=previous)
    return _(", tidak bertambah dari Triwulan %(previous)s", previous=previous)


def budget_sentences(figures: dict, opd: dict | None) -> list[str]:
    if not _counted(figures, figures["include_unverified"]):
        return []
    unverified = figures["unverified_included"]
    out = []
    if figures["realization_pct"] is not None:
        when = _("Sampai dengan Triwulan %(quarter)s %(year)d", quarter=quarter_label(figures["quarter"]),
                 year=figures["year"])
        if unverified:
            when = _("%(when)s, termasuk data yang belum diverifikasi", when=when)
        amounts = {"when": when, "realized": money(figures["realized_cumulative"]),
                   "pct": pct(figures["realization_pct"]), "budget": money(figures["budget"]),
                   "change": _change(figures)}
        if opd is None:
            out.append(_("%(when)s, realisasi anggaran penanggulangan kemiskinan mencapai %(realized)s atau %(pct)s "
                         "dari pagu %(budget)s%(change)s.", **amounts))
        else:
            out.append(_("%(when)s, realisasi anggaran penanggulangan kemiskinan %(opd)s mencapai %(realized)s atau "
                         "%(pct)s dari pagu %(budget)s%(change)s.", opd=opd["agency_full_name"], **amounts))
    if figures["achievement_pct"] is not None:
        values = {"n": figures["rated_indicator_count"], "pct": pct(figures["achievement_pct"]),
                  "rating": rating_words(figures["rating"])}
        if unverified and not out:
            out.append(_("Rata-rata capaian kinerja %(n)d indikator, termasuk data yang belum diverifikasi, sebesar "
                         "%(pct)s dengan predikat %(rating)s.", **values))
        else:
            out.append(_("Rata-rata capaian kinerja %(n)d indikator sebesar %(pct)s dengan predikat %(rating)s.",
                         **values))
    return out


# ---- 2. highest and lowest OPD -------------------------------------------------------------------------

def _ends(rows: list[dict], key: str) -> tuple[list[dict], list[dict]]:
    """The OPDs at the top and at the bottom of ``key`` (all of them when level), each in name order."""
    ordered = sorted(rows, key=by_agency_name)
    top, bottom = max(r[key] for r in rows), min(r[key] for r in rows)
    return [r for r in ordered if r[key] == top], [r for r in ordered if r[key] == bottom]


def _who(rows: list[dict]) -> str:
    return join_agencies([r["agency_name"] for r in rows], AGENCIES_NAMED)


def _each(rows: list[dict], text: str) -> str:
    return _("masing-masing %(value)s", value=text) if len(rows) > 1 else text


def agency_sentences(figures: dict) -> list[str]:
    include_unverified = figures["include_unverified"]
    counted = [a for a in figures["agencies"] if _counted(a, include_unverified)]
    out = []
    money_rows = [a for a in counted if a["realization_pct"] is not None]
    if len(money_rows) >= 2:
        top, bottom = _ends(money_rows, "realization_pct")
        if top[0]["realization_pct"] == bottom[0]["realization_pct"]:
            out.append(_("%(n)d OPD mencatat realisasi yang sama, yaitu %(pct)s.", n=len(money_rows),
                         pct=pct(top[0]["realization_pct"])))
        else:
            out.append(_("Realisasi tertinggi dicapai %(top)s (%(top_pct)s), terendah %(bottom)s (%(bottom_pct)s).",
                         top=_who(top), top_pct=_each(top, pct(top[0]["realization_pct"])),
                         bottom=_who(bottom), bottom_pct=_each(bottom, pct(bottom[0]["realization_pct"]))))
    rated = [a for a in counted if a["achievement_pct"] is not None]
    if len(rated) >= 2:
        top, bottom = _ends(rated, "achievement_pct")
        if top[0]["achievement_pct"] == bottom[0]["achievement_pct"]:
            out.append(_("%(n)d OPD mencatat capaian kinerja yang sama, yaitu %(pct)s (predikat %(rating)s).",
                         n=len(rated), pct=pct(top[0]["achievement_pct"]), rating=rating_words(top[0]["rating"])))
        else:
            out.append(_("Capaian kinerja tertinggi dicapai %(top)s (%(top_pct)s, predikat %(top_rating)s), "
                         "terendah %(bottom)s (%(bottom_pct)s, predikat %(bottom_rating)s).",
                         top=_who(top), top_pct=_each(top, pct(top[0]["achievement_pct"])),
                         top_rating=rating_words(top[0]["rating"]), bottom=_who(bottom),
                         bottom_pct=_each(bottom, pct(bottom[0]["achievement_pct"])),
                         bottom_rating=rating_words(bottom[0]["rating"])))
    return out


# ---- 3. late and not reported ----------------------------------------------------------------------------

def completeness_sentences(figures: dict, opd: dict | None) -> list[str]:
    quarter = quarter_label(figures["quarter"])
    ended = figures["today"] > figures["quarter_end"]  # before that nobody can have reported yet
    out = []
    if opd is not None:
        if opd.get("late"):
            out.append(_("Laporan Triwulan %(quarter)s untuk %(n)d kegiatan terlambat disampaikan.",
                         quarter=quarter, n=opd["late"]))
        if ended and opd.get("missing"):
            out.append(_("%(n)d dari %(total)d kegiatan belum dilaporkan untuk Triwulan %(quarter)s.",
                         n=opd["missing"], total=opd["activities"], quarter=quarter))
        return out
    ordered = sorted(figures["agencies"], key=by_agency_name)
    late = [a for a in ordered if a["late"]]
    if late:
        out.append(_("%(n)d OPD terlambat menyampaikan laporan Triwulan %(quarter)s: %(names)s.", n=len(late),
                     quarter=quarter, names=_who(late)))
    missing = [a for a in ordered if a["missing"]] if ended else []
    if missing:
        names = [_("%(name)s (%(n)d kegiatan)", name=a["agency_name"], n=a["missing"]) for a in missing]
        out.append(_("Belum melaporkan Triwulan %(quarter)s: %(names)s.", quarter=quarter,
                     names=join_agencies(names, AGENCIES_NAMED)))
    return out
