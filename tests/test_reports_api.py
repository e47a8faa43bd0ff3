"""The report API (api.md "Evaluation and reports"): 200 with the file when ready, else 202 with a job
to poll; the job's status and download with the same token; scoping (an OPD user gets only their own
OPD, another user's job is 404); errors as api.md; the OpenAPI document."""

from __future__ import annotations

import json

import pytest

from tests.reports_jobs_helpers import empty_queue, install, run_queue  # noqa: F401  (fixture)
from tracker.reports import registry

URL = "/api/v1/reports/evaluation/2025/2"


@pytest.fixture
def coordinator(make_user):
    return make_user(role="coordinator")


def rendered_params(response) -> dict:
    """The stand-in renderer writes its parameters into the file."""
    return json.loads(response.data.split(b"\n", 1)[1] if response.data.startswith(b"%PDF") else response.data[4:])


def test_202_then_the_file_with_its_name_and_type(app, monkeypatch, coordinator, api_as):
    install(monkeypatch)
    api = api_as(coordinator)
    for fmt, media in (("pdf", "application/pdf"), ("xlsx", registry.MEDIA_TYPES["xlsx"])):
        first = api.get(f"{URL}.{fmt}")
        assert first.status_code == 202
        body = first.get_json()
        assert set(body) == {"job_id", "status_url"} and body["status_url"] == f"/api/v1/jobs/{body['job_id']}"
        assert first.headers["Location"] == body["status_url"]
        run_queue(app)
        ready = api.get(f"{URL}.{fmt}")
        assert ready.status_code == 200 and ready.mimetype == media
        assert ready.headers["Content-Disposition"] == f"attachment; filename=laporan-uji-2025-tw2.{fmt}"
        assert "no-store" in ready.headers["Cache-Control"]
        job = api.get(body["status_url"]).get_json()
        assert job["status"] == "done" and job["format"] == fmt and job["kind"] == "evaluation"
        download = api.get(job["download_url"])
        assert download.status_code == 200 and download.data == ready.data
        assert api.client.get(job["download_url"]).status_code == 401  # the token is needed


def test_parameters_reach_the_renderer(app, monkeypatch, coordinator, api_as, make_agency):
    probe = install(monkeypatch)
    agency = make_agency()
    api_as(coordinator).get(f"{URL}.pdf?agency_id={agency.id}&include_unverified=1&annex=0")
    run_queue(app)
    p = probe.calls[0]
    assert (p.kind, p.fmt, p.year, p.quarter, p.agency_id, p.include_unverified, p.annex) == \
        ("evaluation", "pdf", 2025, 2, agency.id, True, False)
    assert p.locale == "id"


def test_an_opd_user_gets_only_their_own_opd(app, monkeypatch, make_user, make_agency, api_as):
    probe = install(monkeypatch)
    own, other = make_agency(), make_agency()
    api = api_as(make_user(role="agency", agency=own))
    assert api.get(f"{URL}.pdf").status_code == 202  # no OPD named: their own
    assert api.get(f"{URL}.pdf?agency_id={other.id}").status_code == 404
    assert api.get(f"{URL}.pdf?agency_id=999999").status_code == 404
    run_queue(app)
    assert [c.agency_id for c in probe.calls] == [own.id]


def test_another_users_job_is_not_found(app, monkeypatch, coordinator, make_user, make_agency, api_as):
    install(monkeypatch)
    agency = make_agency()
    owner = api_as(make_user(role="agency", agency=agency))
    job = owner.get(f"{URL}.pdf").get_json()
    run_queue(app)
    stranger = api_as(make_user(role="agency", agency=agency))  # the same OPD, another user
    assert stranger.get(job["status_url"]).status_code == 404
    assert stranger.get(job["status_url"] + "/download").status_code == 404
    viewer = api_as(make_user(role="viewer"))
    assert viewer.get(job["status_url"]).status_code == 404
    assert api_as(make_user(role="admin")).get(job["status_url"]).get_json()["status"] == "done"
    assert api_as(coordinator).get(job["status_url"] + "/download").status_code == 200
    missing = owner.get("/api/v1/jobs/" + "0" * 32)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert owner.get("/api/v1/jobs/" + "x" * 300).status_code == 404


def test_a_job_not_done_has_no_download(app, monkeypatch, coordinator, api_as):
    install(monkeypatch)
    api = api_as(coordinator)
    job = api.get(f"{URL}.pdf").get_json()
    response = api.get(job["status_url"] + "/download")
    assert response.status_code == 404 and "belum tersedia" in response.get_json()["error"]["message"]


def test_errors_follow_the_api_contract(app, monkeypatch, coordinator, api_as, make_user):
    install(monkeypatch)
    api = api_as(coordinator)
    assert api.get("/api/v1/reports/evaluation/2025/5.pdf").status_code == 404
    assert api.get("/api/v1/reports/evaluation/1999/2.pdf").status_code == 404
    bad = api.get(f"{URL}.pdf?agency_id=abc")
    assert bad.status_code == 400 and "agency_id" in bad.get_json()["error"]["fields"]
    assert api.get(f"{URL}.pdf?include_unverified=perhaps").status_code == 400
    assert api.get(f"{URL}.docx").status_code == 404
    assert api_as(make_user(role="company")).get(f"{URL}.pdf").status_code == 403
    assert api.client.get(f"{URL}.pdf").status_code == 401


def test_a_report_kind_not_yet_available_is_404(app, monkeypatch, coordinator, api_as):
    monkeypatch.delitem(registry._KINDS, ("opd_form", "xlsx"), raising=False)
    response = api_as(coordinator).get("/api/v1/reports/opd-form/2025/2.xlsx")
    assert response.status_code == 404 and "belum tersedia" in response.get_json()["error"]["message"]


def test_the_opd_form_needs_an_opd_except_for_an_opd_user(app, monkeypatch, coordinator, make_user, make_agency,
                                                          api_as):
    probe = install(monkeypatch, kind="opd_form")
    response = api_as(coordinator).get("/api/v1/reports/opd-form/2025/2.pdf")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"agency_id": "Pilih OPD."}
    agency = make_agency()
    assert api_as(make_user(role="agency", agency=agency)).get("/api/v1/reports/opd-form/2025/2.pdf").status_code == 202
    run_queue(app)
    assert probe.calls[0].agency_id == agency.id


def test_csr_and_agreements_reports(app, monkeypatch, coordinator, api_as, make_company):
    csr = install(monkeypatch, kind="csr")
    agreements = install(monkeypatch, kind="agreements")
    api = api_as(coordinator)
    company = make_company()
    assert api.get(f"/api/v1/reports/csr/2025.xlsx?company_id={company.id}").status_code == 202
    assert api.get("/api/v1/reports/csr/2025.pdf?company_id=999999").status_code == 404
    assert api.get("/api/v1/reports/agreements.pdf").status_code == 202
    assert api.get("/api/v1/reports/agreements.pdf?meeting_id=999999").status_code == 422
    run_queue(app)
    assert [(c.year, c.company_id, c.fmt) for c in csr.calls] == [(2025, company.id, "xlsx")]
    assert [(c.kind, c.year, c.quarter) for c in agreements.calls] == [("agreements", None, None)]


def test_the_document_describes_files_and_jobs(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    pdf = doc["paths"]["/api/v1/reports/evaluation/{year}/{quarter}.pdf"]["get"]
    assert list(pdf["responses"]["200"]["content"]) == ["application/pdf"]
    assert pdf["responses"]["202"]["content"]["application/json"]["schema"]["$ref"].endswith("/JobAccepted")
    xlsx = doc["paths"]["/api/v1/reports/csr/{year}.xlsx"]["get"]
    assert list(xlsx["responses"]["200"]["content"]) == [registry.MEDIA_TYPES["xlsx"]]
    assert {"agency_id", "include_unverified", "annex"} <= {p["name"] for p in pdf["parameters"]}
    job = doc["paths"]["/api/v1/jobs/{job_id}"]["get"]
    assert job["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/JobOut")
    status = doc["components"]["schemas"]["JobOut"]["properties"]["status"]
    assert set(status["enum"]) == {"queued", "running", "done", "failed"}
    assert "/api/v1/jobs/{job_id}/download" in doc["paths"]
    assert "/api/v1/reports/agreements.xlsx" in doc["paths"]
