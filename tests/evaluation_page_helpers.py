"""A small hand-built kabupaten for the evaluation page and API tests, every figure worked out here.

Year 2025, quarter II (verified data only unless said):

* Dinsos — ``a1`` pagu 100 jt, APBD-P 120 jt, S1; indicators: sum target 100 (Renstra: end target 500,
  200 achieved before) with 30 + 25 = 55 → 55,00 % rendah, last target 80 with 60 → 75,00 % sedang;
  realised 20 jt (TW I) + 30 jt (TW II), remarks "Kendala A" / "Tindak A".
  ``a2`` pagu 50 jt, S2; sum target 10; TW I *submitted* (10 jt, value 4), TW II a *draft* (40 jt,
  "Rahasia draf Dinsos").  Verified only its indicator has no achievement (null / "—").
* DPMD — ``b1`` pagu 200 jt, S3; last target 50 with 20 (TW I) → 40,00 % sangat rendah; TW II a draft
  (70 jt, "Rahasia draf DPMD").  ``b2`` pagu 0, no indicators: realisation % null / "—".
  ``old`` (2024, same code as b1) pagu 10 jt, 9 jt realised in TW II 2024 → 90,00 %.
* CSR: 1 jt committed to a1 (300 rb verified in May, 50 rb submitted), 500 rb unlinked (200 rb
  verified on 30 June); a 2024 commitment that never counts.

Kabupaten: pagu 370 jt (murni 350 jt), TW II 30 jt, cumulative 100 jt = 27,03 % (TW I 70 jt = 18,92 %),
achievement mean(55, 75, 40) = 56,67 % rendah.  With unverified: cumulative 110 jt = 29,73 %,
achievement mean(55, 75, 40, 40) = 52,50 %.
"""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

from tests.evaluation_helpers import activity, report
from tracker.csr.models import CsrCommitment, CsrContribution
from tracker.extensions import db

M = 1_000_000
YEAR, QUARTER = 2025, 2


def named(act, name):
    act.name = name
    db.session.commit()
    return act


def build_world(make_agency, make_company, make_user) -> dict:
    """The kabupaten of the module docstring (call it from a test module's ``world`` fixture)."""
    dinsos = make_agency(code="1.06.01", short_name="Dinsos", name="Dinas Sosial")
    dpmd = make_agency(code="2.13.01", short_name="DPMD", name="Dinas Pemberdayaan Masyarakat dan Desa")
    a1 = named(activity(dinsos, budget=100 * M, revised=120 * M, strategy="S1", code="1.06.05.2.02.0003", indicators=[
        {"target": 100, "aggregation": "sum", "target_end": 500, "achieved_before": 200, "name": "Keluarga dibantu"},
        {"target": 80, "aggregation": "last", "name": "Persentase tepat sasaran", "unit": "%"}]),
        "Bantuan sembako keluarga miskin ekstrem")
    report(a1, 1, realized=20 * M, physical=20, values={0: 30, 1: 40})
    report(a1, 2, realized=30 * M, physical=45, values={0: 25, 1: 60}, problems="Kendala A", follow_up="Tindak A")
    a2 = named(activity(dinsos, budget=50 * M, strategy="S2", code="1.06.05.2.02.0002",
                        indicators=[{"target": 10, "aggregation": "sum", "name": "Kelompok KUBE"}]), "Pembinaan KUBE")
    report(a2, 1, status="submitted", realized=10 * M, physical=10, values={0: 4})
    report(a2, 2, status="draft", realized=40 * M, physical=80, values={0: 10}, problems="Rahasia draf Dinsos")
    b1 = named(activity(dpmd, budget=200 * M, strategy="S3", code="2.13.04.2.01.0006",
                        indicators=[{"target": 50, "aggregation": "last", "name": "Desa padat karya"}]),
               "Padat karya tunai desa DPMD")
    report(b1, 1, realized=50 * M, physical=30, values={0: 20})
    report(b1, 2, status="draft", realized=70 * M, values={0: 49}, problems="Rahasia draf DPMD")
    b2 = named(activity(dpmd, budget=0, strategy="S1", code="2.13.05.2.01.0002"), "Pembinaan BUMDes tanpa pagu")
    old = activity(dpmd, year=2024, budget=10 * M, code=b1.code)
    report(old, 2, realized=9 * M)

    company = make_company(name="PT Sawit Sejahtera")
    c1 = CsrCommitment(company_id=company.id, year=YEAR, title="Air bersih", strategy="S1", amount=1_000_000,
                       activity_id=a1.id)
    c2 = CsrCommitment(company_id=company.id, year=YEAR, title="Beasiswa", strategy="S2", amount=500_000)
    c3 = CsrCommitment(company_id=company.id, year=2024, title="Lama", strategy="S2", amount=9)
    db.session.add_all([c1, c2, c3])
    db.session.flush()
    for commitment, amount, status, day in ((c1, 300_000, "verified", date(2025, 5, 1)),
                                            (c1, 50_000, "submitted", date(2025, 6, 1)),
                                            (c2, 200_000, "verified", date(2025, 6, 30)),
                                            (c3, 5, "verified", date(2024, 6, 1))):
        db.session.add(CsrContribution(commitment_id=commitment.id, date=day, kind="cash", amount=amount,
                                       status=status, beneficiaries=0, beneficiary_unit="KK"))
    db.session.commit()
    users = {"coordinator": make_user(role="coordinator"), "admin": make_user(role="admin"),
             "viewer": make_user(role="viewer"), "dinsos": make_user(role="agency", agency=dinsos),
             "dpmd": make_user(role="agency", agency=dpmd), "company": make_user(role="company", company=company)}
    return {"dinsos": dinsos, "dpmd": dpmd, "a1": a1, "a2": a2, "b1": b1, "b2": b2, "old": old, "users": users}


def more_activities(agency, n: int = 5) -> None:
    """More of the same (for the query counts): each with an indicator and two verified reports."""
    for _ in range(n):
        act = activity(agency, budget=10 * M, indicators=[{"target": 10, "target_end": 40, "achieved_before": 5}])
        report(act, 1, realized=M, values={0: 2})
        report(act, 2, realized=M, values={0: 3}, problems="Kendala lain")


# ---- reading the pages -------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Texts(HTMLParser):
    """The text of every element carrying ``attr`` (nested ones too), by the attribute's value."""

    def __init__(self, attr: str):
        super().__init__()
        self.attr, self.open, self.found, self.order = attr, [], {}, []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        value = dict(attrs).get(self.attr)
        self.open.append((tag, value))
        if value is not None:
            self.found.setdefault(value, [])
            self.order.append(value)

    def handle_endtag(self, tag):
        while self.open:
            open_tag, _value = self.open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        for _tag, value in self.open:
            if value is not None:
                self.found[value].append(data)


def texts(html: str, attr: str) -> dict[str, str]:
    """{attribute value: the text of its elements (all of them with that value), whitespace collapsed}."""
    parser = _Texts(attr)
    parser.feed(html)
    return {k: " ".join(" ".join(v).split()) for k, v in parser.found.items()}


def attr_order(html: str, attr: str) -> list[str]:
    """The values of ``attr`` in document order."""
    parser = _Texts(attr)
    parser.feed(html)
    return parser.order


class _Cells(HTMLParser):
    """The cells (td/th texts) of every row carrying ``attr``, by the attribute's value."""

    def __init__(self, attr: str):
        super().__init__()
        self.attr, self.row, self.cell, self.found = attr, None, None, {}

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            value = dict(attrs).get(self.attr)
            self.row = value
            if value is not None:
                self.found[value] = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.found[self.row].append(" ".join(" ".join(self.cell).split()))
            self.cell = None
        elif tag == "tr":
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def cells(html: str, attr: str, value) -> list[str]:
    """The texts of the cells of the row whose ``attr`` is ``value``."""
    parser = _Cells(attr)
    parser.feed(html)
    return parser.found[str(value)]
