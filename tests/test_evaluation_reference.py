"""The evaluation figures against a plain-Python reference over random data (hypothesis): random
OPDs, activities (with and without APBD-P, zero budgets), ``sum`` and ``last`` indicators (zero
targets, Renstra figures or not), reports of every status in every quarter (on time, on the
deadline, late), indicator values left out, CSR commitments and contributions around the cut-off;
for every quarter, with and without the unverified switch, for the kabupaten and one OPD.

The reference reads nothing from the code under test: it works from the generated rows themselves."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import empty_tables
from tracker.csr.models import CsrCommitment, CsrContribution
from tracker.evaluation import compare, figures
from tracker.extensions import db
from tracker.plans.models import Activity, Indicator
from tracker.progress.models import IndicatorValue, ProgressReport
from tracker.reference.models import Agency, Company
from tracker.types import JAKARTA

YEAR = 2025
STATUSES = (None, "draft", "submitted", "returned", "verified")
BANDS = ((91, "sangat_tinggi"), (76, "tinggi"), (66, "sedang"), (51, "rendah"))

# ---- generating a kabupaten -------------------------------------------------------------------------

money = st.sampled_from([0, 1, 7, 250_000, 1_000_000, 33_333_333, 10**12])
values = st.one_of(st.none(), st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.25, 10.0, 45.5, 76.0, 99.0, 1000.0]))
indicator = st.fixed_dictionaries({
    "aggregation": st.sampled_from(["sum", "last"]),
    "target": st.sampled_from([0.0, 1.0, 3.0, 7.5, 100.0, 250.0]),
    "target_end": st.one_of(st.none(), st.sampled_from([0.0, 10.0, 500.0])),
    "achieved_before": st.one_of(st.none(), st.sampled_from([0.0, 5.0, 120.0])),
})
submission = st.sampled_from(["on_time", "before_deadline", "at_deadline", "late"])
quarter_report = st.fixed_dictionaries({
    "status": st.sampled_from(STATUSES), "realized": money, "physical": st.sampled_from([0.0, 12.5, 50.0, 100.0]),
    "values": st.lists(values, min_size=3, max_size=3), "submission": submission,
    "problems": st.sampled_from(["", "Kendala lapangan"]),
})
activity_spec = st.fixed_dictionaries({
    "agency": st.integers(0, 2), "budget": money, "revised": st.one_of(st.none(), money),
    "strategy": st.sampled_from(["S1", "S2", "S3"]), "indicators": st.lists(indicator, max_size=3),
    "reports": st.lists(quarter_report, min_size=4, max_size=4), "year": st.sampled_from([YEAR, YEAR, YEAR, YEAR - 1]),
})
contribution = st.fixed_dictionaries({
    "status": st.sampled_from(STATUSES[1:]), "amount": st.sampled_from([1, 5_000, 2_500_000]),
    "date": st.sampled_from([date(2025, 1, 15), date(2025, 3, 31), date(2025, 4, 1), date(2025, 6, 30),
                             date(2025, 9, 30), date(2025, 12, 31), date(2026, 1, 5)]),
})
commitment = st.fixed_dictionaries({
    "year": st.sampled_from([YEAR, YEAR, YEAR - 1]), "amount": st.sampled_from([1, 10_000_000]),
    "activity": st.one_of(st.none(), st.integers(0, 7)), "contributions": st.lists(contribution, max_size=3),
})
world = st.fixed_dictionaries({
    "agencies": st.integers(1, 3), "activities": st.lists(activity_spec, max_size=8),
    "commitments": st.lists(commitment, max_size=3),
    "today": st.sampled_from([date(2025, 4, 5), date(2025, 8, 1), date(2026, 2, 1)]),
})


def _quarter_end(year: int, quarter: int) -> date:
    return (date(year, quarter * 3, 1) + timedelta(days=31)).replace(day=1) - timedelta(days=1)


def _due(year: int, quarter: int) -> date:
    return (_quarter_end(year, quarter) + timedelta(days=1)).replace(day=10)


def _deadline(year: int, quarter: int) -> datetime:
    return datetime.combine(_due(year, quarter) + timedelta(days=1), time(0), JAKARTA)


def _submitted_at(kind: str, year: int, quarter: int) -> datetime:
    return {"on_time": datetime.combine(_quarter_end(year, quarter) + timedelta(days=1), time(3), UTC),
            "before_deadline": _deadline(year, quarter) - timedelta(seconds=1),
            "at_deadline": _deadline(year, quarter),
            "late": _deadline(year, quarter) + timedelta(days=20)}[kind]


def _store(spec: dict) -> dict:
    """Writes the generated rows; returns them with their ids, for the reference."""
    agencies = [Agency(code=f"9.{n}", name=f"Dinas Acak {n}", short_name=f"Acak {(7 * n) % 3}{n}")
                for n in range(spec["agencies"])]
    company = Company(name="PT Acak")
    db.session.add_all([*agencies, company])
    db.session.flush()
    rows = []
    for n, a in enumerate(spec["activities"]):
        agency = agencies[a["agency"] % len(agencies)]
        act = Activity(agency_id=agency.id, year=a["year"], program="P", kegiatan="K", code=f"1.{n:03d}",
                       name=f"Kegiatan {n}", strategy=a["strategy"], funding_source="APBD_KAB", budget=a["budget"],
                       budget_revised=a["revised"], target_beneficiaries=0, beneficiary_unit="KK")
        db.session.add(act)
        db.session.flush()
        inds = []
        for position, i in enumerate(a["indicators"]):
            ind = Indicator(activity_id=act.id, position=position, name=f"I{position}", unit="u", **i)
            db.session.add(ind)
            inds.append(ind)
        db.session.flush()
        for quarter, r in enumerate(a["reports"], start=1):
            if r["status"] is None:
                continue
            submitted = None if r["status"] == "draft" else _submitted_at(r["submission"], act.year, quarter)
            rep = ProgressReport(activity_id=act.id, year=act.year, quarter=quarter, status=r["status"],
                                 budget_realized=r["realized"], physical_progress=r["physical"],
                                 beneficiaries_reached=0, problems=r["problems"], follow_up="",
                                 first_submitted_at=submitted)
            db.session.add(rep)
            db.session.flush()
            for ind, value in zip(inds, r["values"], strict=False):
                if value is not None:
                    db.session.add(IndicatorValue(report_id=rep.id, indicator_id=ind.id, value=value))
        rows.append({**a, "id": act.id, "agency_id": agency.id, "indicator_ids": [i.id for i in inds]})
    commitments = []
    for c in spec["commitments"]:
        linked = rows[c["activity"]]["id"] if c["activity"] is not None and c["activity"] < len(rows) else None
        com = CsrCommitment(company_id=company.id, year=c["year"], title="T", strategy="S1", amount=c["amount"],
                            activity_id=linked)
        db.session.add(com)
        db.session.flush()
        for x in c["contributions"]:
            db.session.add(CsrContribution(commitment_id=com.id, date=x["date"], kind="cash", amount=x["amount"],
                                           status=x["status"], beneficiaries=0, beneficiary_unit="KK"))
        commitments.append({**c, "activity_id": linked})
    db.session.commit()
    return {"agencies": [a.id for a in agencies], "names": {a.id: a.short_name for a in agencies},
            "activities": rows, "commitments": commitments}


# ---- the reference --------------------------------------------------------------------------------

def _round(x):
    return None if x is None else float(Decimal(repr(float(x))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _pct(num: int, den: int):
    return None if not den else float((Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _rating(x):
    if x is None:
        return None
    return next((code for bound, code in BANDS if x >= bound), "sangat_rendah")


def _achievement(ind: dict, vals: list, k: int):
    """vals: the counted value of quarters 1..4 (None when not counted)."""
    seen = [v for v in vals[:k] if v is not None]
    if not seen:
        return None, None
    if ind["aggregation"] == "sum":
        total = vals[0] if vals[0] is not None else 0.0
        for v in vals[1:k]:
            total = total + (v if v is not None else 0.0)
        reached = total
    else:
        reached = seen[-1]
    return reached, (float(reached) * 100 / ind["target"] if ind["target"] > 0 else None)


def _reference(stored: dict, quarter: int, include_unverified: bool, agency_id, today: date) -> dict:
    counted = {"verified", "submitted"} if include_unverified else {"verified"}
    acts = [a for a in stored["activities"] if a["year"] == YEAR and (agency_id is None or a["agency_id"] == agency_id)]
    out = {"activities": {}, "indicators": {}, "agencies": {}, "strategies": {}}
    for a in acts:
        budget = a["revised"] if a["revised"] is not None else a["budget"]
        r = [rep["realized"] if rep["status"] in counted else None for rep in a["reports"]]
        cum = sum(v or 0 for v in r[:quarter])
        prev = sum(v or 0 for v in r[:quarter - 1])
        rep_q = a["reports"][quarter - 1]
        sub = None if rep_q["status"] in (None, "draft") else _submitted_at(rep_q["submission"], YEAR, quarter)
        late = sub >= _deadline(YEAR, quarter) if sub is not None else today > _due(YEAR, quarter)
        physical = [rep["physical"] for rep in a["reports"][:quarter] if rep["status"] in counted]
        achievements = []
        for n, (ind_id, ind) in enumerate(zip(a["indicator_ids"], a["indicators"], strict=True)):
            vals = [rep["values"][n] if rep["status"] in counted else None for rep in a["reports"]]
            reached, ach = _achievement(ind, vals, quarter)
            achievements.append(ach)
            out["indicators"][ind_id] = {"quarters": [v if k < quarter else None for k, v in enumerate(vals)],
                                         "cumulative": reached, "achievement_pct": _round(ach),
                                         "rating": _rating(_round(ach)), "agency_id": a["agency_id"], "raw": ach}
        rated = [x for x in achievements if x is not None]
        out["activities"][a["id"]] = {
            "budget": budget, "budget_original": a["budget"], "realized_quarter": r[quarter - 1] or 0,
            "realized_cumulative": cum, "realization_pct": _pct(cum, budget),
            "realized_quarters": [v if k < quarter else None for k, v in enumerate(r)],
            "physical_progress": physical[-1] if physical else None, "status": rep_q["status"],
            "counted": rep_q["status"] in counted, "late": late,
            "problems": rep_q["problems"] if rep_q["status"] in counted else "",
            "raw_achievement": sum(rated) / len(rated) if rated else None}
        for key, group in (("agencies", a["agency_id"]), ("strategies", a["strategy"])):
            cell = out[key].setdefault(group, {"budget": 0, "budget_original": 0, "realized_quarter": 0,
                                               "realized_cumulative": 0, "previous": 0, "raw": [],
                                               **dict.fromkeys(figures.COMPLETENESS_MEASURES, 0)})
            cell["budget"] += budget
            cell["budget_original"] += a["budget"]
            cell["realized_quarter"] += r[quarter - 1] or 0
            cell["realized_cumulative"] += cum
            cell["previous"] += prev
            cell["raw"] += rated
            status = rep_q["status"]
            cell["activities"] += 1
            cell["reported"] += status in ("submitted", "verified")
            cell["missing"] += status in (None, "draft")
            cell["late"] += late
            if status is not None:
                cell[status] += 1
    cut = _quarter_end(YEAR, quarter)
    mine = {a["id"] for a in acts}
    coms = [c for c in stored["commitments"] if c["year"] == YEAR
            and (agency_id is None or c["activity_id"] in mine)]
    out["csr"] = {"committed": sum(c["amount"] for c in coms),
                  "contributed_verified": sum(x["amount"] for c in coms for x in c["contributions"]
                                              if x["status"] == "verified" and x["date"] <= cut),
                  "contributed_submitted": sum(x["amount"] for c in coms for x in c["contributions"]
                                               if x["status"] == "submitted" and x["date"] <= cut),
                  "contributed_verified_year": sum(x["amount"] for c in coms for x in c["contributions"]
                                                   if x["status"] == "verified"),
                  "commitments": len(coms)}
    out["budget"] = sum(a["budget"] for a in out["activities"].values())
    out["realized_cumulative"] = sum(a["realized_cumulative"] for a in out["activities"].values())
    out["realized_quarter"] = sum(a["realized_quarter"] for a in out["activities"].values())
    out["raw"] = [i["raw"] for i in out["indicators"].values() if i["raw"] is not None]
    return out


def _close(actual, raw_values: list) -> bool:
    """The mean of ``raw_values`` rounded, within the float summation order SQL may choose."""
    if not raw_values:
        return actual is None
    expected = sum(raw_values) / len(raw_values)
    return actual is not None and abs(actual - expected) <= 0.005 + 1e-6


def _rating_ok(actual_rating, raw_values: list) -> bool:
    if not raw_values:
        return actual_rating is None
    mean = sum(raw_values) / len(raw_values)
    if any(abs(mean - (bound - 0.005)) < 1e-6 for bound, _ in BANDS):
        return True  # within a rounding error of a band's edge: either side is right
    return actual_rating == _rating(_round(mean))


def _check(stored: dict, quarter: int, include_unverified: bool, agency_id, today: date) -> None:
    ref = _reference(stored, quarter, include_unverified, agency_id, today)
    e = figures.evaluation(YEAR, quarter, agency_id=agency_id, include_unverified=include_unverified, today=today)
    assert e["budget"] == ref["budget"]
    assert e["realized_quarter"] == ref["realized_quarter"]
    assert e["realized_cumulative"] == ref["realized_cumulative"]
    assert e["realization_pct"] == _pct(ref["realized_cumulative"], ref["budget"])
    assert _close(e["achievement_pct"], ref["raw"]) and _rating_ok(e["rating"], ref["raw"])
    assert e["rated_indicator_count"] == len(ref["raw"])
    assert e["indicator_count"] == len(ref["indicators"])
    assert sum(e["rating_counts"].values()) == len(ref["indicators"])
    for code in ("sangat_tinggi", "tinggi", "sedang", "rendah", "sangat_rendah"):
        assert e["rating_counts"][code] == sum(1 for i in ref["indicators"].values() if i["rating"] == code)

    assert {a["agency_id"] for a in e["agencies"]} == set(ref["agencies"])
    for a in e["agencies"]:
        cell = ref["agencies"][a["agency_id"]]
        for key in ("budget", "budget_original", "realized_quarter", "realized_cumulative",
                    *figures.COMPLETENESS_MEASURES):
            assert a[key] == cell[key], key
        assert a["realization_pct"] == _pct(cell["realized_cumulative"], cell["budget"])
        assert a["previous_realization_pct"] == (None if quarter == 1 else _pct(cell["previous"], cell["budget"]))
        assert _close(a["achievement_pct"], cell["raw"]) and _rating_ok(a["rating"], cell["raw"])
    for s in e["strategies"]:
        cell = ref["strategies"].get(s["strategy"], {"budget": 0, "realized_cumulative": 0, "budget_original": 0})
        assert (s["budget"], s["budget_original"], s["realized_cumulative"]) == (
            cell["budget"], cell["budget_original"], cell["realized_cumulative"])
        assert s["realization_pct"] == _pct(cell["realized_cumulative"], cell["budget"])

    assert {i["indicator_id"] for i in e["indicators"]} == set(ref["indicators"])
    for i in e["indicators"]:
        want = ref["indicators"][i["indicator_id"]]
        assert (i["quarters"], i["cumulative"], i["achievement_pct"], i["rating"]) == (
            want["quarters"], want["cumulative"], want["achievement_pct"], want["rating"])
    assert {a["activity_id"] for a in e["activities"]} == set(ref["activities"])
    for a in e["activities"]:
        want = ref["activities"][a["activity_id"]]
        for key in ("budget", "budget_original", "realized_quarter", "realized_cumulative", "realization_pct",
                    "realized_quarters", "physical_progress", "status", "counted", "late", "problems"):
            assert a[key] == want[key], key
        assert _close(a["achievement_pct"], [want["raw_achievement"]] if want["raw_achievement"] is not None else [])
    csr = {k: v for k, v in e["csr"].items() if k not in ("cut_off", "scope")}
    assert csr == ref["csr"]

    trend = {t["activity_id"]: t for t in compare.trend_for_projection(YEAR, quarter, agency_id=agency_id,
                                                                         include_unverified=include_unverified)}
    assert set(trend) == set(ref["activities"])
    counted = {"verified", "submitted"} if include_unverified else {"verified"}
    for a in stored["activities"]:
        if a["id"] not in trend:
            continue
        t, budget = trend[a["id"]], a["revised"] if a["revised"] is not None else a["budget"]
        for k in range(1, quarter + 1):
            reports = a["reports"][:k]
            assert t["realization_pct_series"][k - 1] == _pct(
                sum(rep["realized"] for rep in reports if rep["status"] in counted), budget)
            physical = [rep["physical"] for rep in reports if rep["status"] in counted]
            assert t["physical_series"][k - 1] == (physical[-1] if physical else None)
            raw = [_achievement(ind, [rep["values"][n] if rep["status"] in counted else None
                                      for rep in a["reports"]], k)[1] for n, ind in enumerate(a["indicators"])]
            assert _close(t["achievement_series"][k - 1], [x for x in raw if x is not None])

    series = compare.quarters_of_year(YEAR, agency_id=agency_id, include_unverified=include_unverified)
    point = series["quarters"][quarter - 1]
    assert (point["realized_cumulative"], point["realization_pct"]) == (ref["realized_cumulative"],
                                                                        e["realization_pct"])
    assert _close(point["achievement_pct"], ref["raw"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=world, quarter=st.integers(1, 4), include_unverified=st.booleans(), pick_agency=st.booleans())
def test_figures_equal_the_reference(app, spec, quarter, include_unverified, pick_agency):
    db.session.remove()
    empty_tables(app)
    stored = _store(spec)
    agency_id = stored["agencies"][0] if pick_agency else None
    _check(stored, quarter, include_unverified, agency_id, spec["today"])
