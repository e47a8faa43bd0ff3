"""The CSR API (api.md "CSR"): commitments, contributions and their review through the shared state
machine, every rule of ``tracker.csr.validation``, versions, mass assignment, company scoping, evidence
files, bulk review and the figures against a plain-Python reference over random data."""

from __future__ import annotations

import io
import random
from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import audit_rows
from tests.progress_helpers import PDF_BYTES, make_activity
from tracker.csr.models import CsrAttachment, CsrCommitment, CsrContribution
from tracker.csr.validation import MAX_AMOUNT, MAX_BENEFICIARIES, MAX_REGIONS
from tracker.extensions import db
from tracker.types import jakarta_now

API = "/api/v1/csr"
TODAY = jakarta_now().date()
YEAR = TODAY.year
FIRST_DAY = date(YEAR, 1, 1)


@pytest.fixture
def world(kabupaten, make_company, make_user, api_as, make_agency):
    agro = make_company(name="PT Agro Mentaya Lestari", sector="Perkebunan")
    tambang = make_company(name="PT Tambang Sampit", sector="Pertambangan")
    agency = make_agency()
    users = {"agro": make_user(role="company", company=agro), "tambang": make_user(role="company", company=tambang),
             "bappeda": make_user(role="coordinator"), "admin": make_user(role="admin"),
             "opd": make_user(role="agency", agency=agency), "viewer": make_user(role="viewer")}
    return {"agro": agro, "tambang": tambang, "agency": agency, "regions": kabupaten, "users": users,
            "api": {k: api_as(u) for k, u in users.items()}}


def commitment_body(world, **overrides) -> dict:
    body = {"year": YEAR, "title": "Bedah rumah tidak layak huni", "description": "10 unit di Baamang",
            "strategy": "S2", "region_ids": [world["regions"]["kecamatan"][0].id], "amount": 500_000_000}
    body.update(overrides)
    return body


def contribution_body(**overrides) -> dict:
    body = {"date": FIRST_DAY.isoformat(), "kind": "cash", "amount": 50_000_000,
            "description": "Penyaluran tahap I", "beneficiaries": 10, "beneficiary_unit": "KK"}
    body.update(overrides)
    return body


def new_commitment(world, who="agro", **overrides) -> dict:
    body = commitment_body(world, **overrides)
    if who in ("bappeda", "admin"):
        body.setdefault("company_id", world["agro"].id)
    response = world["api"][who].post(f"{API}/commitments", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def new_contribution(world, commitment, who="agro", **overrides) -> dict:
    response = world["api"][who].post(f"{API}/commitments/{commitment['id']}/contributions",
                                      json=contribution_body(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(world, who, contribution, action, **body):
    return world["api"][who].post(f"{API}/contributions/{contribution['id']}/{action}", json=body)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---- commitments --------------------------------------------------------------------------------

def test_company_creates_reads_lists_and_patches_its_commitment(world):
    api = world["api"]["agro"]
    kec, desa = world["regions"]["kecamatan"], world["regions"]["desa"]
    body = new_commitment(world, region_ids=[desa[2].id, kec[0].id])
    assert body["company_id"] == world["agro"].id and body["company_name"] == "PT Agro Mentaya Lestari"
    assert body["region_ids"] == [kec[0].id, desa[2].id]  # by code
    assert {r["level"] for r in body["regions"]} == {"kecamatan", "desa"}
    assert body["amount"] == body["committed"] == 500_000_000
    assert (body["contributed_verified"], body["contributed_pending"], body["over_committed"]) == (0, 0, False)
    assert body["revisions"] == [] and body["version"] == 1 and body["activity_id"] is None

    assert api.get(f"{API}/commitments/{body['id']}").get_json() == body
    listed = api.get(f"{API}/commitments", query_string={"year": YEAR}).get_json()
    assert listed["total"] == 1 and listed["items"] == [body]
    assert api.get(f"{API}/commitments", query_string={"year": YEAR - 1}).get_json()["total"] == 0

    patched = api.patch(f"{API}/commitments/{body['id']}",
                        json={"title": "Bedah rumah (tahap I)", "region_ids": [kec[1].id], "version": 1})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["title"] == "Bedah rumah (tahap I)" and patched.get_json()["version"] == 2
    assert patched.get_json()["region_ids"] == [kec[1].id]
    assert [r.action for r in audit_rows("csr_commitment")] == ["create", "update"]


def test_coordinator_creates_for_a_company_and_must_name_it(world):
    body = new_commitment(world, who="bappeda", company_id=world["tambang"].id)
    assert body["company_id"] == world["tambang"].id
    response = world["api"]["bappeda"].post(f"{API}/commitments", json=commitment_body(world))
    assert response.status_code == 422 and "company_id" in response.get_json()["error"]["fields"]


def test_commitment_may_support_an_activity_of_the_same_year(world):
    activity = make_activity(world["agency"], year=YEAR)
    body = new_commitment(world, activity_id=activity.id)
    assert body["activity_id"] == activity.id
    new_commitment(world, title="Tanpa kegiatan")
    opd = world["api"]["opd"]  # the OPD sees which commitments support its activity
    supporting = opd.get(f"{API}/commitments", query_string={"activity_id": activity.id}).get_json()
    assert [c["id"] for c in supporting["items"]] == [body["id"]]
    api = world["api"]["agro"]
    unlinked = api.patch(f"{API}/commitments/{body['id']}", json={"activity_id": None, "version": 1}).get_json()
    assert unlinked["activity_id"] is None


def test_stale_commitment_version_is_409_and_overwrites_nothing(world):
    body = new_commitment(world)
    api = world["api"]["agro"]
    assert api.patch(f"{API}/commitments/{body['id']}", json={"title": "Pertama", "version": 1}).status_code == 200
    stale = api.patch(f"{API}/commitments/{body['id']}", json={"title": "Kedua", "amount": 1, "version": 1})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "conflict"
    now = api.get(f"{API}/commitments/{body['id']}").get_json()
    assert (now["title"], now["amount"], now["version"]) == ("Pertama", 500_000_000, 2)
    missing = api.patch(f"{API}/commitments/{body['id']}", json={"title": "Tanpa versi"})
    assert missing.status_code == 422 and "version" in missing.get_json()["error"]["fields"]


def test_amount_change_after_verified_contributions_is_a_revision_with_reason(world):
    commitment = new_commitment(world, amount=100_000_000)
    contribution = new_contribution(world, commitment, amount=120_000_000)
    assert act(world, "bappeda", contribution, "verify").status_code == 200
    api = world["api"]["agro"]
    now = api.get(f"{API}/commitments/{commitment['id']}").get_json()
    assert (now["contributed_verified"], now["contributed_pending"]) == (120_000_000, 0)
    assert now["over_committed"] is True  # more than promised: flagged, not refused

    refused = api.patch(f"{API}/commitments/{commitment['id']}", json={"amount": 150_000_000, "version": now["version"]})
    assert refused.status_code == 422 and "revision_reason" in refused.get_json()["error"]["fields"]
    too_long = api.patch(f"{API}/commitments/{commitment['id']}", json={
        "amount": 150_000_000, "revision_reason": "x" * 1001, "version": now["version"]})
    assert too_long.status_code == 422 and "revision_reason" in too_long.get_json()["error"]["fields"]
    revised = api.patch(f"{API}/commitments/{commitment['id']}", json={
        "amount": 150_000_000, "revision_reason": "Tambahan anggaran TJSL", "version": now["version"]})
    assert revised.status_code == 200, revised.get_json()
    body = revised.get_json()
    assert body["amount"] == 150_000_000 and body["over_committed"] is False
    assert [(r["old_amount"], r["new_amount"], r["reason"]) for r in body["revisions"]] == [
        (100_000_000, 150_000_000, "Tambahan anggaran TJSL")]
    # before any verified contribution the amount changes freely
    other = new_commitment(world)
    free = api.patch(f"{API}/commitments/{other['id']}", json={"amount": 1_000, "version": 1}).get_json()
    assert free["amount"] == 1_000 and free["revisions"] == []


# ---- contributions and the review machine ---------------------------------------------------------

def test_contribution_cycle_submit_return_fix_resubmit_verify(world):
    commitment = new_commitment(world)
    c = new_contribution(world, commitment)
    assert c["status"] == "submitted" and c["submitted_at"] and c["year"] == YEAR
    assert c["company_id"] == world["agro"].id and c["commitment_title"] == commitment["title"]
    api = world["api"]["agro"]
    # submitted: not editable by anyone until returned
    assert api.patch(f"{API}/contributions/{c['id']}", json={"amount": 1, "version": c["version"]}).status_code == 409
    assert act(world, "agro", c, "verify").status_code == 403  # a company does not review itself

    no_comment = act(world, "bappeda", c, "return")
    assert no_comment.status_code == 422 and "comment" in no_comment.get_json()["error"]["fields"]
    blank = act(world, "bappeda", c, "return", comment="   ")
    assert blank.status_code == 422 and "comment" in blank.get_json()["error"]["fields"]
    returned = act(world, "bappeda", c, "return", comment="Lampirkan kuitansi")
    assert returned.status_code == 200
    assert returned.get_json()["status"] == "returned" and returned.get_json()["review_comment"] == "Lampirkan kuitansi"
    assert act(world, "bappeda", c, "verify").status_code == 409  # wrong state

    fixed = api.patch(f"{API}/contributions/{c['id']}", json={"amount": 45_000_000,
                                                              "version": returned.get_json()["version"]})
    assert fixed.status_code == 200 and fixed.get_json()["status"] == "returned"
    resubmitted = act(world, "agro", c, "submit")
    assert resubmitted.status_code == 200 and resubmitted.get_json()["status"] == "submitted"
    verified = act(world, "bappeda", c, "verify", comment="Sesuai")
    assert verified.status_code == 200 and verified.get_json()["status"] == "verified"
    assert verified.get_json()["verified_at"]

    # verified: read-only for everyone, every transition 409
    for who in ("agro", "bappeda"):
        response = world["api"][who].patch(f"{API}/contributions/{c['id']}",
                                           json={"amount": 1, "version": verified.get_json()["version"]})
        assert response.status_code == 409, who
    for action, body in (("submit", {}), ("verify", {}), ("return", {"comment": "x"})):
        assert act(world, "bappeda", c, action, **body).status_code == 409, action
    assert api.get(f"{API}/contributions/{c['id']}").get_json()["amount"] == 45_000_000

    events = api.get(f"{API}/contributions/{c['id']}/events").get_json()
    assert [(e["action"], e["to_status"]) for e in events["items"]] == [
        ("create", "draft"), ("submit", "submitted"), ("return", "returned"), ("update", "returned"),
        ("submit", "submitted"), ("verify", "verified")]
    assert events["items"][2]["comment"] == "Lampirkan kuitansi"
    assert events["items"][2]["username"] == world["users"]["bappeda"].username
    actions = [r.action for r in audit_rows("csr_contribution")]
    assert actions == ["create", "submit", "return", "update", "submit", "verify"]


def test_draft_when_asked_edited_submitted_and_deleted_while_never_submitted(world):
    commitment = new_commitment(world)
    draft = new_contribution(world, commitment, submit=False)
    assert draft["status"] == "draft" and draft["submitted_at"] is None
    api = world["api"]["agro"]
    edited = api.patch(f"{API}/contributions/{draft['id']}", json={"kind": "in_kind", "description": "Semen 200 sak",
                                                                   "version": draft["version"]})
    assert edited.status_code == 200 and edited.get_json()["kind"] == "in_kind"
    other = new_contribution(world, commitment, submit=False)
    assert api.delete(f"{API}/contributions/{other['id']}").status_code == 204
    assert api.get(f"{API}/contributions/{other['id']}").status_code == 404
    submitted = act(world, "agro", draft, "submit", version=edited.get_json()["version"])
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    assert api.delete(f"{API}/contributions/{draft['id']}").status_code == 422  # once submitted it stays
    stale = act(world, "bappeda", draft, "verify", version=edited.get_json()["version"])
    assert stale.status_code == 409


def test_stale_contribution_version_is_409_and_overwrites_nothing(world):
    commitment = new_commitment(world)
    c = new_contribution(world, commitment, submit=False)
    api = world["api"]["agro"]
    first = api.patch(f"{API}/contributions/{c['id']}", json={"amount": 1_000, "version": c["version"]})
    assert first.status_code == 200
    before = len(audit_rows("csr_contribution"))
    stale = api.patch(f"{API}/contributions/{c['id']}", json={"amount": 2_000, "beneficiaries": 99,
                                                              "version": c["version"]})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "conflict"
    now = api.get(f"{API}/contributions/{c['id']}").get_json()
    assert (now["amount"], now["beneficiaries"], now["version"]) == (1_000, 10, first.get_json()["version"])
    assert len(audit_rows("csr_contribution")) == before


# ---- every rule of tracker.csr.validation ---------------------------------------------------------

@pytest.mark.parametrize("overrides,field", [
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"description": "x" * 4001}, "description"),
    ({"strategy": "S4"}, "strategy"),
    ({"amount": 0}, "amount"),
    ({"amount": -5}, "amount"),
    ({"amount": MAX_AMOUNT + 1}, "amount"),
    ({"year": 1999}, "year"),
    ({"year": 2101}, "year"),
    ({"region_ids": []}, "region_ids"),
    ({"region_ids": [999_999]}, "region_ids"),
    ({"region_ids": "kabupaten"}, "region_ids"),  # the kabupaten itself is not a location
    ({"region_ids": list(range(1, MAX_REGIONS + 2))}, "region_ids"),
    ({"activity_id": 999_999}, "activity_id"),
    ({"activity_id": "other-year"}, "activity_id"),
    ({"company_id": 999_999}, "company_id"),
], ids=lambda v: str(v)[:40] if not isinstance(v, str) else v)
def test_commitment_rules_answer_422_naming_the_field(world, overrides, field):
    if overrides.get("region_ids") == "kabupaten":
        overrides = {"region_ids": [world["regions"]["kabupaten"].id]}
    if overrides.get("activity_id") == "other-year":
        overrides = {"activity_id": make_activity(world["agency"], year=YEAR - 1).id}
    response = world["api"]["bappeda"].post(f"{API}/commitments", json=commitment_body(
        world, **{"company_id": world["agro"].id, **overrides}))
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"] and error["fields"][field]
    assert count(CsrCommitment) == 0


@pytest.mark.parametrize("overrides,field", [
    ({"date": date(YEAR - 1, 12, 31).isoformat()}, "date"),
    ({"date": (TODAY + timedelta(days=1)).isoformat()}, "date"),
    ({"kind": "transfer"}, "kind"),
    ({"amount": 0}, "amount"),
    ({"amount": MAX_AMOUNT + 1}, "amount"),
    ({"kind": "in_kind", "description": ""}, "description"),
    ({"kind": "in_kind", "description": "   "}, "description"),
    ({"description": "x" * 4001}, "description"),
    ({"beneficiaries": -1}, "beneficiaries"),
    ({"beneficiaries": MAX_BENEFICIARIES + 1}, "beneficiaries"),
    ({"beneficiary_unit": "orang"}, "beneficiary_unit"),
    ({"beneficiary_unit": ""}, "beneficiary_unit"),
])
def test_contribution_rules_answer_422_naming_the_field(world, overrides, field):
    commitment = new_commitment(world)
    response = world["api"]["agro"].post(f"{API}/commitments/{commitment['id']}/contributions",
                                         json=contribution_body(**overrides))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert count(CsrContribution) == 0


@pytest.mark.parametrize("body,field", [
    ({"kind": "in_kind", "description": ""}, "description"),  # the rule sees the stored fields too
    ({"date": f"{YEAR - 1}-06-01"}, "date"),
    ({"amount": 0}, "amount"),
    ({"beneficiaries": -3}, "beneficiaries"),
])
def test_patch_applies_the_same_rules(world, body, field):
    commitment = new_commitment(world)
    c = new_contribution(world, commitment, submit=False, description="")
    response = world["api"]["agro"].patch(f"{API}/contributions/{c['id']}", json={**body, "version": c["version"]})
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    assert world["api"]["agro"].get(f"{API}/contributions/{c['id']}").get_json()["version"] == c["version"]


@pytest.mark.parametrize("body", [{"amount": "500"}, {"amount": 1.5}, {"region_ids": ["1"]}, {"title": None},
                                  {"date": "10-04-2025"}])
def test_wrong_types_are_400(world, body):
    commitment = new_commitment(world)
    target = f"{API}/commitments/{commitment['id']}/contributions" if "date" in body else f"{API}/commitments"
    payload = contribution_body(**body) if "date" in body else commitment_body(world, **body)
    response = world["api"]["agro"].post(target, json=payload)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"


# ---- mass assignment --------------------------------------------------------------------------------

def test_server_owned_fields_in_bodies_are_ignored(world):
    api = world["api"]["agro"]
    commitment = api.post(f"{API}/commitments", json=commitment_body(
        world, id=424242, version=77, created_by_id=world["users"]["admin"].id)).get_json()
    assert commitment["id"] != 424242 and commitment["version"] == 1
    bappeda = world["users"]["bappeda"]
    c = api.post(f"{API}/commitments/{commitment['id']}/contributions", json=contribution_body(
        status="verified", verified_by_id=bappeda.id, verified_at="2025-01-01T00:00:00+07:00",
        commitment_id=999, company_id=world["tambang"].id, review_comment="Oke", version=50)).get_json()
    assert c["status"] == "submitted" and c["verified_at"] is None and c["review_comment"] == ""
    assert c["commitment_id"] == commitment["id"] and c["company_id"] == world["agro"].id
    row = db.session.get(CsrContribution, c["id"])
    assert row.verified_by_id is None and row.status == "submitted"

    patched = api.patch(f"{API}/commitments/{commitment['id']}", json={
        "company_id": world["tambang"].id, "year": YEAR - 1, "title": "Judul baru", "version": 1}).get_json()
    assert patched["company_id"] == world["agro"].id and patched["year"] == YEAR and patched["title"] == "Judul baru"
    returned = act(world, "bappeda", c, "return", comment="Perbaiki").get_json()
    edited = api.patch(f"{API}/contributions/{c['id']}", json={"status": "verified", "verified_by_id": bappeda.id,
                                                                "amount": 10, "version": returned["version"]})
    assert edited.status_code == 200 and edited.get_json()["status"] == "returned"
    assert db.session.get(CsrContribution, c["id"]).verified_by_id is None


# ---- scoping ------------------------------------------------------------------------------------------

def test_another_company_gets_404_everywhere(world):
    commitment = new_commitment(world)
    c = new_contribution(world, commitment, submit=False)
    attachment = world["api"]["agro"].post(f"{API}/contributions/{c['id']}/attachments",
                                           data={"file": (io.BytesIO(PDF_BYTES), "kuitansi.pdf")},
                                           content_type="multipart/form-data").get_json()
    other = world["api"]["tambang"]
    agro_id = world["agro"].id
    for method, path, body in [
        ("GET", f"{API}/commitments/{commitment['id']}", None),
        ("PATCH", f"{API}/commitments/{commitment['id']}", {"title": "Diambil alih", "version": 1}),
        ("POST", f"{API}/commitments/{commitment['id']}/contributions", contribution_body()),
        ("GET", f"{API}/contributions/{c['id']}", None),
        ("PATCH", f"{API}/contributions/{c['id']}", {"amount": 1, "version": c["version"]}),
        ("DELETE", f"{API}/contributions/{c['id']}", None),
        ("POST", f"{API}/contributions/{c['id']}/submit", {}),
        ("GET", f"{API}/contributions/{c['id']}/events", None),
        ("POST", f"{API}/contributions/{c['id']}/attachments", None),
        ("GET", f"{API}/attachments/{attachment['id']}", None),
        ("DELETE", f"{API}/attachments/{attachment['id']}", None),
        ("GET", f"{API}/commitments?company_id={agro_id}", None),
        ("GET", f"{API}/contributions?company_id={agro_id}", None),
        ("GET", f"{API}/summary?company_id={agro_id}", None),
        ("POST", f"{API}/commitments", commitment_body(world, company_id=agro_id)),
    ]:
        if path.endswith("/attachments") and method == "POST":
            response = other.post(path, data={"file": (io.BytesIO(PDF_BYTES), "x.pdf")},
                                  content_type="multipart/form-data")
        else:
            response = other.open(path, method=method, json=body)
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.get_json()["error"]["code"] == "not_found"
    # its own lists hold nothing of the other company, whatever the filters
    for path in ("commitments", "contributions"):
        assert other.get(f"{API}/{path}").get_json() == {"items": [], "total": 0, "page": 1, "per_page": 50}
    assert other.get(f"{API}/summary").get_json()["totals"]["commitments"] == 0
    bulk = other.post(f"{API}/contributions/bulk", json={"action": "submit", "contribution_ids": [c["id"]]}).get_json()
    assert bulk["done"] == [] and str(c["id"]) in bulk["errors"]
    now = world["api"]["agro"].get(f"{API}/contributions/{c['id']}").get_json()
    assert now["status"] == "draft" and now["version"] == c["version"]
    assert [a["id"] for a in now["attachments"]] == [attachment["id"]]
    assert count(CsrCommitment) == 1


def test_opd_users_and_viewers_read_everything_and_change_nothing(world):
    commitment = new_commitment(world)
    c = new_contribution(world, commitment, submit=False)
    submitted = new_contribution(world, commitment)
    attachment = world["api"]["agro"].post(f"{API}/contributions/{c['id']}/attachments",
                                           data={"file": (io.BytesIO(PDF_BYTES), "kuitansi.pdf")},
                                           content_type="multipart/form-data").get_json()
    audit_before = len(audit_rows())
    for who in ("opd", "viewer"):
        api = world["api"][who]
        for path in (f"commitments/{commitment['id']}", f"contributions/{c['id']}", "commitments", "contributions",
                     f"contributions/{c['id']}/events", "summary", f"attachments/{attachment['id']}"):
            assert api.get(f"{API}/{path}").status_code == 200, (who, path)
        writes = [
            ("POST", f"{API}/commitments", commitment_body(world, company_id=world["agro"].id)),
            ("PATCH", f"{API}/commitments/{commitment['id']}", {"title": "X", "version": 1}),
            ("POST", f"{API}/commitments/{commitment['id']}/contributions", contribution_body()),
            ("PATCH", f"{API}/contributions/{c['id']}", {"amount": 1, "version": c["version"]}),
            ("DELETE", f"{API}/contributions/{c['id']}", None),
            ("POST", f"{API}/contributions/{c['id']}/submit", {}),
            ("POST", f"{API}/contributions/{submitted['id']}/verify", {}),
            ("POST", f"{API}/contributions/{submitted['id']}/return", {"comment": "x"}),
            ("POST", f"{API}/contributions/bulk", {"action": "verify", "contribution_ids": [submitted["id"]]}),
            ("DELETE", f"{API}/attachments/{attachment['id']}", None),
        ]
        for method, path, body in writes:
            response = api.open(path, method=method, json=body)
            assert response.status_code == 403, (who, method, path, response.status_code)
            assert response.get_json()["error"]["code"] == "forbidden"
        upload = api.post(f"{API}/contributions/{c['id']}/attachments",
                          data={"file": (io.BytesIO(PDF_BYTES), "x.pdf")}, content_type="multipart/form-data")
        assert upload.status_code == 403
    assert len(audit_rows()) == audit_before
    assert count(CsrAttachment) == 1


def test_company_lists_are_its_own_and_filters_apply(world):
    mine = new_commitment(world, strategy="S1")
    new_commitment(world, who="bappeda", company_id=world["tambang"].id)
    old = new_commitment(world, year=YEAR - 1, title="Beasiswa")
    c1 = new_contribution(world, mine)
    c2 = new_contribution(world, mine, submit=False)
    c3 = new_contribution(world, old, date=f"{YEAR - 1}-07-01", kind="in_kind", description="Buku")
    api = world["api"]["agro"]
    assert {i["id"] for i in api.get(f"{API}/commitments").get_json()["items"]} == {mine["id"], old["id"]}
    assert api.get(f"{API}/commitments?strategy=S1").get_json()["items"][0]["id"] == mine["id"]
    assert api.get(f"{API}/commitments?q=beasiswa").get_json()["items"][0]["id"] == old["id"]

    def ids(query):
        return [i["id"] for i in api.get(f"{API}/contributions", query_string=query).get_json()["items"]]

    assert ids({}) == [c2["id"], c1["id"], c3["id"]]  # newest date first
    assert ids({"status": "submitted"}) == [c1["id"], c3["id"]]
    assert ids({"year": YEAR - 1}) == [c3["id"]]
    assert ids({"kind": "in_kind"}) == [c3["id"]]
    assert ids({"commitment_id": mine["id"]}) == [c2["id"], c1["id"]]
    coordinator = world["api"]["bappeda"]
    assert coordinator.get(f"{API}/commitments").get_json()["total"] == 3
    assert coordinator.get(f"{API}/commitments?company_id={world['tambang'].id}").get_json()["total"] == 1
    assert api.get(f"{API}/commitments?company_id={world['agro'].id}").get_json()["total"] == 2
    assert api.get(f"{API}/contributions?status=shipped").status_code == 400


# ---- evidence files ---------------------------------------------------------------------------------

def test_evidence_upload_download_delete(world):
    commitment = new_commitment(world)
    submitted = new_contribution(world, commitment)
    api = world["api"]["agro"]
    refused = api.post(f"{API}/contributions/{submitted['id']}/attachments",
                       data={"file": (io.BytesIO(PDF_BYTES), "bukti.pdf")}, content_type="multipart/form-data")
    assert refused.status_code == 409  # submitted: no new files until returned
    c = new_contribution(world, commitment, submit=False)
    response = api.post(f"{API}/contributions/{c['id']}/attachments",
                        data={"file": (io.BytesIO(PDF_BYTES), "kuitansi tahap I.pdf")},
                        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["original_name"] == "kuitansi tahap I.pdf" and body["content_type"] == "application/pdf"
    assert body["download_url"] == f"{API}/attachments/{body['id']}" and body["contribution_id"] == c["id"]
    download = world["api"]["bappeda"].get(body["download_url"])
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert download.headers["Content-Disposition"].startswith("attachment")
    wrong = api.post(f"{API}/contributions/{c['id']}/attachments",
                     data={"file": (io.BytesIO(b"not a pdf at all"), "palsu.pdf")}, content_type="multipart/form-data")
    assert wrong.status_code == 422 and "file" in wrong.get_json()["error"]["fields"]
    not_multipart = api.post(f"{API}/contributions/{c['id']}/attachments", json={"file": "x"})
    assert not_multipart.status_code == 400
    assert api.delete(body["download_url"]).status_code == 204
    assert api.get(body["download_url"]).status_code == 404
    assert [e["action"] for e in api.get(f"{API}/contributions/{c['id']}/events").get_json()["items"]] == [
        "create", "attach", "detach"]


# ---- bulk review ----------------------------------------------------------------------------------

def test_bulk_verify_does_each_on_its_own_rules(world):
    commitment = new_commitment(world)
    submitted = [new_contribution(world, commitment, amount=1_000 * (i + 1)) for i in range(3)]
    draft = new_contribution(world, commitment, submit=False)
    done_already = new_contribution(world, commitment)
    assert act(world, "bappeda", done_already, "verify").status_code == 200
    ids = [c["id"] for c in submitted] + [draft["id"], done_already["id"], 999_999]
    assert world["api"]["agro"].post(f"{API}/contributions/bulk",
                                     json={"action": "verify", "contribution_ids": ids}).status_code == 403
    response = world["api"]["bappeda"].post(f"{API}/contributions/bulk", json={"action": "verify", "contribution_ids": ids})
    assert response.status_code == 200
    body = response.get_json()
    assert body["done"] == sorted(c["id"] for c in submitted)
    assert set(body["errors"]) == {str(draft["id"]), str(done_already["id"]), "999999"}
    summary = world["api"]["bappeda"].get(f"{API}/commitments/{commitment['id']}").get_json()
    assert summary["contributed_verified"] == 6_000 + done_already["amount"] and summary["contributed_pending"] == 0
    back = world["api"]["bappeda"].post(f"{API}/contributions/bulk",
                                        json={"action": "return", "contribution_ids": [draft["id"]]}).get_json()
    assert back["done"] == [] and str(draft["id"]) in back["errors"]
    missing = world["api"]["bappeda"].post(f"{API}/contributions/bulk", json={"action": "verify", "contribution_ids": []})
    assert missing.status_code == 422


# ---- figures against a plain-Python reference -------------------------------------------------------

def strip(row: dict, *keys: str) -> dict:
    return {k: v for k, v in row.items() if k not in keys}


def _expected(commitments, contributions, kecamatan_code):
    """The figures computed the long way: each commitment's amount and its verified / submitted sums,
    summed per key; per kecamatan split equally (whole Rupiah, remainder on the first by code)."""
    per = {c["id"]: {"committed": c["amount"], "verified": 0, "pending": 0} for c in commitments}
    for x in contributions:
        if x["status"] == "verified":
            per[x["commitment_id"]]["verified"] += x["amount"]
        elif x["status"] == "submitted":
            per[x["commitment_id"]]["pending"] += x["amount"]

    def group(key):
        out = defaultdict(lambda: {"commitments": 0, "committed": 0, "contributed_verified": 0,
                                   "contributed_pending": 0})
        for c in commitments:
            cell = out[key(c)]
            cell["commitments"] += 1
            cell["committed"] += per[c["id"]]["committed"]
            cell["contributed_verified"] += per[c["id"]]["verified"]
            cell["contributed_pending"] += per[c["id"]]["pending"]
        return dict(out)

    kecamatan = defaultdict(lambda: {"commitments": 0, "committed": 0, "contributed_verified": 0,
                                     "contributed_pending": 0})
    for c in commitments:
        places = sorted({r["id"] if r["level"] == "kecamatan" else kecamatan_code[r["id"]] for r in c["regions"]},
                        key=lambda k: kecamatan_code[k])
        for position, k in enumerate(places):
            kecamatan[k]["commitments"] += 1
            for name, key in (("committed", "committed"), ("contributed_verified", "verified"),
                              ("contributed_pending", "pending")):
                share, rest = divmod(per[c["id"]][key], len(places))
                kecamatan[k][name] += share + (rest if position == 0 else 0)
    return group(lambda c: "all").get("all"), group, dict(kecamatan)


def test_summary_equals_a_plain_python_sum_over_random_data(world, make_company, make_user, api_as):
    rng = random.Random(20250810)
    third = make_company(name="PT Sawit Kotim", sector="Perkebunan")
    companies = [world["agro"], world["tambang"], third]
    sector_of = {c.id: c.sector for c in companies}
    kec, desa = world["regions"]["kecamatan"], world["regions"]["desa"]
    # kecamatan id -> code, desa id -> its kecamatan id (the reference's own map)
    kecamatan_code = {k.id: k.code for k in kec} | {d.id: d.parent_id for d in desa}
    coordinator = world["api"]["bappeda"]
    commitments, contributions = [], []
    for _ in range(14):
        company = rng.choice(companies)
        year = rng.choice([YEAR, YEAR - 1])
        regions = rng.sample([r.id for r in kec + desa], rng.randint(1, 3))
        c = new_commitment(world, who="bappeda", company_id=company.id, year=year, strategy=rng.choice(["S1", "S2", "S3"]),
                           amount=rng.randint(1, 10**9), region_ids=regions)
        commitments.append(c)
        for _ in range(rng.randint(0, 4)):
            last = TODAY if year == YEAR else date(year, 12, 31)
            day = date(year, 1, 1) + timedelta(days=rng.randint(0, (last - date(year, 1, 1)).days))
            x = new_contribution(world, c, who="bappeda", date=day.isoformat(), amount=rng.randint(1, 10**8),
                                 submit=rng.random() < 0.8)
            fate = rng.choice(["stay", "verify", "return"]) if x["status"] == "submitted" else "stay"
            if fate != "stay":
                response = act(world, "bappeda", x, fate, **({"comment": "Perbaiki"} if fate == "return" else {}))
                assert response.status_code == 200
                x = response.get_json()
            contributions.append(x)
    assert {x["status"] for x in contributions} == {"draft", "submitted", "verified", "returned"}

    def check(summary, chosen):
        chosen_ids = {c["id"] for c in chosen}
        mine = [x for x in contributions if x["commitment_id"] in chosen_ids]
        totals, group, by_kecamatan = _expected(chosen, mine, kecamatan_code)
        assert summary["totals"] == (totals or {"commitments": 0, "committed": 0, "contributed_verified": 0,
                                                "contributed_pending": 0})
        assert {r["company_id"]: strip(r, "company_id", "company_name", "sector") for r in summary["by_company"]} == \
            group(lambda c: c["company_id"])
        assert {r["sector"]: strip(r, "sector") for r in summary["by_sector"]} == group(lambda c: sector_of[c["company_id"]])
        assert {r["strategy"]: strip(r, "strategy", "name") for r in summary["by_strategy"]} == \
            group(lambda c: c["strategy"])
        assert {r["year"]: strip(r, "year") for r in summary["by_year"]} == group(lambda c: c["year"])
        assert {r["region_id"]: strip(r, "region_id", "code", "name") for r in summary["by_kecamatan"]} == by_kecamatan
        if chosen:
            assert sum(r["committed"] for r in summary["by_kecamatan"]) == summary["totals"]["committed"]

    check(coordinator.get(f"{API}/summary").get_json(), commitments)
    check(coordinator.get(f"{API}/summary?year={YEAR - 1}").get_json(), [c for c in commitments if c["year"] == YEAR - 1])
    check(coordinator.get(f"{API}/summary?strategy=S2").get_json(), [c for c in commitments if c["strategy"] == "S2"])
    check(coordinator.get(f"{API}/summary", query_string={"sector": "Perkebunan"}).get_json(),
          [c for c in commitments if sector_of[c["company_id"]] == "Perkebunan"])
    inside = {kec[0].id} | {d.id for d in desa if d.parent_id == kec[0].id}
    check(coordinator.get(f"{API}/summary?region_id={kec[0].id}").get_json(),
          [c for c in commitments if inside & set(c["region_ids"])])
    # a company user's figures are its own company's, without asking
    check(world["api"]["agro"].get(f"{API}/summary").get_json(),
          [c for c in commitments if c["company_id"] == world["agro"].id])
    # and each commitment's own figures are the same sums
    listed = {c["id"]: c for c in coordinator.get(f"{API}/commitments?per_page=500").get_json()["items"]}
    for c in commitments:
        mine = [x for x in contributions if x["commitment_id"] == c["id"]]
        verified = sum(x["amount"] for x in mine if x["status"] == "verified")
        assert listed[c["id"]]["contributed_verified"] == verified
        assert listed[c["id"]]["contributed_pending"] == sum(x["amount"] for x in mine if x["status"] == "submitted")
        assert listed[c["id"]]["over_committed"] is (verified > c["amount"])


# ---- the document says what the routes answer ------------------------------------------------------

def test_documented_fields_are_the_answers_fields(world, client):
    commitment = new_commitment(world)
    c = new_contribution(world, commitment)
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    api = world["api"]["bappeda"]
    assert set(schemas["CommitmentOut"]["properties"]) == set(api.get(f"{API}/commitments/{commitment['id']}").get_json())
    assert set(schemas["ContributionOut"]["properties"]) == set(api.get(f"{API}/contributions/{c['id']}").get_json())
    summary = api.get(f"{API}/summary").get_json()
    assert set(schemas["CsrSummaryOut"]["properties"]) == set(summary)
    assert set(schemas["CompanyFiguresOut"]["properties"]) == set(summary["by_company"][0])
    assert set(schemas["KecamatanFiguresOut"]["properties"]) == set(summary["by_kecamatan"][0])
    post = doc["paths"]["/api/v1/csr/commitments/{commitment_id}/contributions"]["post"]
    assert "201" in post["responses"] and post["requestBody"]["required"] is True
    contribution_in = schemas["ContributionIn"]["properties"]
    assert contribution_in["kind"]["enum"] == ["cash", "in_kind"]
    assert contribution_in["amount"]["minimum"] == 1 and contribution_in["amount"]["maximum"] == MAX_AMOUNT
    assert schemas["CommitmentIn"]["properties"]["region_ids"]["maxItems"] == MAX_REGIONS
