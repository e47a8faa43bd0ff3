"""The summary's later topics: the activities at risk of missing the year-end target, CSR, and the
kabupaten's poverty figures against the RPJMD target (see ``tracker.evaluation.summary``).

**The projection.**  An activity's achievement is the mean achievement of its indicators as of
quarter q (the evaluation's rule).  Its year-end projection is the pace so far carried on to
quarter IV: achievement as of q × 4 / q (``compare.project_year_end``), i.e. the average gain per
quarter since the start of the year (when everything is 0) holds for the quarters left.  An
activity is *at risk* when that projection is below 91 % — the lower bound of *sangat tinggi*
(Permendagri 86/2017), the level at which a target counts as met.  Activities without any rated
indicator are left out (no figure, no sentence).  In quarter IV the year is over: nothing is
projected, and the activities whose achievement ended below 91 % are named instead
(``below_target``).  Worst first (lowest value, then OPD name, code, id); the sentence names three.

**Poverty** (kabupaten only): the latest BPS headline figure of a year up to the evaluated one
(``poverty.queries.trend``), its change from the year before in words
(``change_since_last_year``), and, when that year has a target, whether it is above or below it.
"""

from __future__ import annotations

from flask_babel import gettext as _

from tracker.evaluation.numbers import number, percent
from tracker.evaluation.ratings import LOWER_BOUNDS, SANGAT_TINGGI
from tracker.evaluation.ratings import pct as ratio_pct
from tracker.evaluation.summary_text import by_agency_name, join_activities, money, pct
from tracker.periods.services import quarter_label
from tracker.poverty.queries import change_since_last_year, trend
from tracker.poverty.validation import month_label

RISK_THRESHOLD = LOWER_BOUNDS[SANGAT_TINGGI]  # 91
ACTIVITIES_NAMED = 3


def _threshold() -> str:
    return percent(RISK_THRESHOLD, 0)


def projection_rule(quarter: int) -> str:
    """One sentence saying how the year end is projected and what counts as at risk."""
    if quarter >= 4:
        return _("Triwulan IV menutup tahun anggaran sehingga tidak ada proyeksi: kegiatan di bawah target adalah "
                 "yang rata-rata capaian kinerja indikatornya sampai akhir tahun di bawah %(threshold)s, batas bawah "
                 "predikat sangat tinggi menurut Permendagri 86/2017.", threshold=_threshold())
    return _("Proyeksi akhir tahun = rata-rata capaian kinerja indikator kegiatan sampai dengan Triwulan %(quarter)s "
             "× 4 ÷ %(n)d, yaitu laju rata-rata per triwulan sejauh ini dianggap berlanjut sampai Triwulan IV; "
             "kegiatan berisiko bila proyeksinya di bawah %(threshold)s, batas bawah predikat sangat tinggi menurut "
             "Permendagri 86/2017.", quarter=quarter_label(quarter), n=quarter, threshold=_threshold())


def risk_rows(trend_rows: list[dict], quarter: int) -> tuple[list[dict], list[dict]]:
    """(at_risk, below_target) from ``compare.trend_for_projection``: before quarter IV the activities
    projected below the threshold, in quarter IV those that ended below it; worst first."""
    items = []
    for t in trend_rows:
        achievement = t["achievement_series"][-1] if t["achievement_series"] else None
        if achievement is None:
            continue
        items.append({"activity_id": t["activity_id"], "code": t["code"], "name": t["name"],
                      "agency_id": t["agency_id"], "agency_name": t["agency_name"], "achievement_pct": achievement,
                      "projected_achievement_pct": t["projected_achievement_pct"],
                      "projected_realization_pct": t["projected_realization_pct"]})
    key = "achievement_pct" if quarter >= 4 else "projected_achievement_pct"
    chosen = sorted((i for i in items if i[key] is not None and i[key] < RISK_THRESHOLD),
                    key=lambda i: (i[key], *by_agency_name(i), i["code"], i["activity_id"]))
    return ([], chosen) if quarter >= 4 else (chosen, [])


def _named(items: list[dict], key: str, with_agency: bool) -> str:
    """The first ``ACTIVITIES_NAMED`` by name and figure, then "dan N kegiatan lainnya" (only the named
    ones are formatted: the list can hold thousands)."""
    named = items if len(items) <= ACTIVITIES_NAMED else items[:ACTIVITIES_NAMED]
    if with_agency:
        names = [_("%(name)s (%(agency)s, %(pct)s)", name=i["name"], agency=i["agency_name"], pct=pct(i[key]))
                 for i in named]
    else:
        names = [_("%(name)s (%(pct)s)", name=i["name"], pct=pct(i[key])) for i in named]
    return join_activities(names + [""] * (len(items) - len(named)), ACTIVITIES_NAMED)


def risk_sentences(at_risk: list[dict], below_target: list[dict], quarter: int, *, with_agency: bool) -> list[str]:
    if below_target:
        return [_("Tahun anggaran berakhir dengan %(n)d kegiatan di bawah %(threshold)s dari target: %(names)s.",
                  n=len(below_target), threshold=_threshold(),
                  names=_named(below_target, "achievement_pct", with_agency))]
    if at_risk:
        return [_("Jika laju capaian sampai Triwulan %(quarter)s berlanjut, %(n)d kegiatan diproyeksikan berakhir "
                  "di bawah %(threshold)s dari target: %(names)s.", quarter=quarter_label(quarter), n=len(at_risk),
                  threshold=_threshold(), names=_named(at_risk, "projected_achievement_pct", with_agency))]
    return []


# ---- CSR ------------------------------------------------------------------------------------------------

def csr_sentences(csr: dict, year: int, quarter: int, *, opd: str | None, include_unverified: bool) -> list[str]:
    """Committed against verified contributions at the quarter's end; nothing when nothing is committed."""
    if not csr["committed"]:
        return []
    values = {"year": year, "quarter": quarter_label(quarter), "committed": money(csr["committed"]),
              "verified": money(csr["contributed_verified"]),
              "pct": pct(ratio_pct(csr["contributed_verified"], csr["committed"]))}
    if opd:
        out = [_("Komitmen CSR untuk kegiatan %(opd)s tahun %(year)d sebesar %(committed)s; kontribusi "
                 "terverifikasi sampai akhir Triwulan %(quarter)s %(verified)s (%(pct)s).", opd=opd, **values)]
    else:
        out = [_("Komitmen CSR tahun %(year)d sebesar %(committed)s; kontribusi terverifikasi sampai akhir "
                 "Triwulan %(quarter)s %(verified)s (%(pct)s).", **values)]
    if include_unverified and csr["contributed_submitted"]:
        out.append(_("Kontribusi CSR sebesar %(amount)s masih menunggu verifikasi.",
                     amount=money(csr["contributed_submitted"])))
    return out


# ---- poverty --------------------------------------------------------------------------------------------

def _when(row: dict) -> str:
    month = month_label(row["month"])
    return f"{month} {row['year']}" if month else str(row["year"])


def poverty_sentences(year: int) -> list[str]:
    """The kabupaten's latest BPS figure up to ``year``, its change from the year before and its target."""
    rows = trend()
    known = [r for r in rows if r["year"] <= year and (r["poor_pct"] is not None or r["poor_count"] is not None)]
    if not known:
        return []
    latest = known[-1]
    when, poor_pct, poor_count = _when(latest), latest["poor_pct"], latest["poor_count"]
    if poor_pct is not None and poor_count is not None:
        out = [_("Persentase penduduk miskin menurut BPS (%(when)s) sebesar %(pct)s atau %(count)s jiwa.",
                 when=when, pct=percent(poor_pct), count=number(poor_count))]
    elif poor_pct is not None:
        out = [_("Persentase penduduk miskin menurut BPS (%(when)s) sebesar %(pct)s.", when=when,
                 pct=percent(poor_pct))]
    else:
        out = [_("Jumlah penduduk miskin menurut BPS (%(when)s) sebesar %(count)s jiwa.", when=when,
                 count=number(poor_count))]
    change = change_since_last_year(latest["year"], rows=rows)
    if change is not None:
        out.append(_("Dibanding tahun %(previous)d, angka kemiskinan %(change)s.", previous=change["previous_year"],
                     change=change["sentence"]))
    target = latest["target_poor_pct"]
    if poor_pct is not None and target is not None:
        values = {"year": latest["year"], "target": percent(target)}
        if poor_pct > target:
            out.append(_("Angka ini masih di atas target RPJMD tahun %(year)d sebesar %(target)s.", **values))
        elif poor_pct < target:
            out.append(_("Angka ini sudah di bawah target RPJMD tahun %(year)d sebesar %(target)s.", **values))
        else:
            out.append(_("Angka ini tepat pada target RPJMD tahun %(year)d sebesar %(target)s.", **values))
    if latest["extreme_pct"] is not None:
        if latest["target_extreme_pct"] is not None:
            out.append(_("Persentase kemiskinan ekstrem %(pct)s, dengan target tahun %(year)d sebesar %(target)s.",
                         pct=percent(latest["extreme_pct"]), year=latest["year"],
                         target=percent(latest["target_extreme_pct"])))
        else:
            out.append(_("Persentase kemiskinan ekstrem %(pct)s.", pct=percent(latest["extreme_pct"])))
    return out
