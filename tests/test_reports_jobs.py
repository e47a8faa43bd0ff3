"""The report job queue and cache through the API: queued -> running -> done, failures with a short
message, the cache hit on unchanged data and the miss after any change, one rendering for the same
report asked twice, and the worker (its command, its heartbeat and starting it from the web process)."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import replace

import pytest

from tests.evaluation_helpers import activity
from tests.reports_jobs_helpers import empty_queue, install, job_count, run_queue  # noqa: F401  (fixture)
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.reports import queue, registry, settings, worker
from tracker.reports.models import ReportJob

URL = "/api/v1/reports/evaluation/2025/2.pdf"


@pytest.fixture
def coordinator(make_user):
    return make_user(role="coordinator")


def test_a_job_goes_queued_running_done_and_its_file_downloads(app, monkeypatch, coordinator, api_as, make_agency):
    probe = install(monkeypatch)
    activity(make_agency())
    api = api_as(coordinator)
    first = api.get(URL)
    assert first.status_code == 202
    status_url = first.get_json()["status_url"]
    queued = api.get(status_url).get_json()
    assert queued["status"] == "queued" and queued["progress"] == 0 and queued["download_url"] is None

    assert run_queue(app) == 1
    assert probe.seen_status == [["running"]]  # marked running before the renderer ran
    done = api.get(status_url).get_json()
    assert done["status"] == "done" and done["progress"] == 100 and done["error"] is None
    assert done["size"] > 0 and done["finished_at"].endswith("+07:00")
    download = api.get(done["download_url"])
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.data.startswith(b"%PDF")


def test_progress_reaches_the_job_while_it_renders(app, monkeypatch, coordinator, api_as):
    seen = []

    def render(params, progress):
        progress(40)
        with db.engine.connect() as connection:  # what a status request sees meanwhile
            seen.append([tuple(r) for r in connection.exec_driver_sql("SELECT status, progress FROM report_job")])
        return b"%PDF-1.4 x"

    install(monkeypatch).render = render
    monkeypatch.setitem(registry._KINDS, ("evaluation", "pdf"),
                        replace(registry.get("evaluation", "pdf"), render=render))
    api_as(coordinator).get(URL)
    run_queue(app)
    assert seen == [[("running", 40)]]


@pytest.mark.parametrize("error,shown,hidden", [
    (ValidationFailed("Belum ada rencana aksi tahun 2025."), "Belum ada rencana aksi tahun 2025.", None),
    (RuntimeError("psycopg.errors.UndefinedColumn at line 42"), "kesalahan pada server", "UndefinedColumn"),
])
def test_a_failing_renderer_fails_the_job_with_a_short_message(app, monkeypatch, coordinator, api_as, error, shown,
                                                               hidden):
    probe = install(monkeypatch)
    probe.fail = error
    api = api_as(coordinator)
    status_url = api.get(URL).get_json()["status_url"]
    run_queue(app)
    body = api.get(status_url).get_json()
    assert body["status"] == "failed" and body["download_url"] is None
    assert shown in body["error"]
    if hidden:
        assert hidden not in body["error"] and "Traceback" not in body["error"]
    assert api.get(status_url + "/download").status_code == 404


def test_unchanged_data_is_served_from_the_cache(app, monkeypatch, coordinator, api_as, make_agency):
    probe = install(monkeypatch)
    activity(make_agency())
    api = api_as(coordinator)
    api.get(URL)
    run_queue(app)
    jobs_before = job_count()
    again = api.get(URL)
    assert again.status_code == 200 and again.data.startswith(b"%PDF")
    assert len(probe.calls) == 1 and job_count() == jobs_before  # no rendering, no new job


@pytest.mark.parametrize("change", ["update", "insert", "delete", "settings"])
def test_any_change_to_what_the_report_reads_renders_it_anew(app, monkeypatch, coordinator, api_as, make_agency,
                                                              change):
    probe = install(monkeypatch)
    agency = make_agency()
    kept, other = activity(agency), activity(agency)
    api = api_as(coordinator)
    api.get(URL)
    run_queue(app)
    if change == "update":
        db.session.get(type(kept), kept.id).budget = 123_456_789
    elif change == "insert":
        activity(agency)
    elif change == "delete":
        db.session.delete(db.session.get(type(other), other.id))
    else:
        settings.update_settings({"place": "Sampit", "signer_name": "Dr. Uji"}, coordinator)
    db.session.commit()
    assert api.get(URL).status_code == 202
    run_queue(app)
    assert len(probe.calls) == 2
    assert api.get(URL).status_code == 200 and len(probe.calls) == 2


def test_different_parameters_are_different_renderings(app, monkeypatch, coordinator, api_as):
    probe = install(monkeypatch)
    api = api_as(coordinator)
    for url in (URL, URL + "?include_unverified=1", "/api/v1/reports/evaluation/2025/3.pdf",
                "/api/v1/reports/evaluation/2025/2.xlsx"):
        assert api.get(url).status_code == 202
    run_queue(app)
    assert len(probe.calls) == 4


def test_the_same_report_asked_twice_is_rendered_once(app, monkeypatch, coordinator, api_as, make_user):
    probe = install(monkeypatch)
    api = api_as(coordinator)
    first, second = api.get(URL).get_json(), api.get(URL).get_json()
    assert first["job_id"] == second["job_id"]  # the pending job is reused
    other = api_as(make_user(role="viewer"))
    theirs = other.get(URL).get_json()
    assert theirs["job_id"] != first["job_id"]  # their own job, joined to the same rendering
    assert run_queue(app) == 1 and len(probe.calls) == 1
    assert other.get(theirs["status_url"]).get_json()["status"] == "done"
    assert other.get(URL).status_code == 200
    # a third user asking later gets the rendering at once, as a job of their own
    third = api_as(make_user(role="admin"))
    assert third.get(URL).status_code == 200 and len(probe.calls) == 1


def test_a_job_whose_worker_died_is_failed_and_asked_anew(app, monkeypatch, coordinator, api_as):
    install(monkeypatch)
    api = api_as(coordinator)
    stale = api.get(URL).get_json()
    queue.get_queue(app).flush()  # the worker lost it
    monkeypatch.setitem(app.config, "REPORT_JOB_TIMEOUT_SECONDS", 0)
    fresh = api.get(URL).get_json()
    assert fresh["job_id"] != stale["job_id"]
    body = api.get(stale["status_url"]).get_json()
    assert body["status"] == "failed" and "buat ulang" in body["error"]


def test_a_removed_file_is_rendered_again(app, monkeypatch, coordinator, api_as):
    probe = install(monkeypatch)
    api = api_as(coordinator)
    api.get(URL)
    run_queue(app)
    from tracker.reports.cache import report_path
    job = db.session.query(ReportJob).one()
    os.remove(report_path(job.stored_name))
    assert api.get(URL).status_code == 202
    run_queue(app)
    assert len(probe.calls) == 2


# ---- the worker ------------------------------------------------------------------------------------------

def test_the_worker_command_is_there(runner):
    result = runner.invoke(args=["reports", "worker", "--help"])
    assert result.exit_code == 0 and "--workers" in result.output and "--exit-when-idle" in result.output
    refused = runner.invoke(args=["reports", "worker"])  # tests use the in-memory queue
    assert refused.exit_code != 0 and "REPORTS_QUEUE" in refused.output


@pytest.fixture
def sqlite_queue_app(make_app, tmp_path):
    return make_app(REPORTS_QUEUE="sqlite", REPORTS_QUEUE_FILE=str(tmp_path / "queue.sqlite3"),
                    REPORTS_AUTOSTART_WORKER=True)


def test_a_worker_is_started_only_when_none_is_alive(sqlite_queue_app, tmp_path):
    other = sqlite_queue_app
    other.instance_path = str(tmp_path)
    started = []
    with other.app_context():
        assert worker.ensure_worker(other, spawn=started.append) is True
        assert worker.ensure_worker(other, spawn=started.append) is False  # the lock: one start per minute
        os.remove(tmp_path / "reports-worker.spawn")
        worker.beat(other)
        assert worker.worker_alive(other)
        assert worker.ensure_worker(other, spawn=started.append) is False  # a live heartbeat
        later = time.time() + worker.HEARTBEAT_LIVE + 1
        assert not worker.worker_alive(other, now=later)
        assert worker.ensure_worker(other, now=later, spawn=started.append) is True  # its worker died
    assert started == [other, other]
    assert worker.worker_command()[1:4] == ["-m", "flask", "--app"]


def test_no_worker_is_started_in_tests_or_with_autostart_off(app, make_app):
    assert worker.autostart_enabled(app) is False  # testing: the in-memory queue
    off = make_app(REPORTS_QUEUE="sqlite", REPORTS_AUTOSTART_WORKER=False)
    assert worker.autostart_enabled(off) is False


def test_the_worker_renders_the_queue_beats_and_exits_when_idle(sqlite_queue_app, monkeypatch, tmp_path, coordinator,
                                                                  app):
    probe = install(monkeypatch)
    other = sqlite_queue_app
    other.instance_path = str(tmp_path)
    user_class, user_id = type(coordinator), coordinator.id
    db.session.commit()  # outside a request a transaction holds SQLite's write lock
    from tracker.reports import jobs
    from tracker.reports.registry import ReportParams
    with other.app_context():
        user = db.session.get(user_class, user_id)
        monkeypatch.setitem(other.config, "REPORTS_AUTOSTART_WORKER", False)
        job = jobs.request_report(user, ReportParams(kind="evaluation", fmt="pdf", year=2025, quarter=2), wait=0)
        job_id = job.id
        db.session.commit()  # outside a request a transaction holds SQLite's write lock
        handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            started = time.monotonic()
            worker.run_worker(other, workers=1, exit_when_idle=1)
        finally:
            for s, h in handlers.items():
                signal.signal(s, h)
        assert time.monotonic() - started < 20
        assert not os.path.exists(worker.heartbeat_path(other))  # cleared on exit
        db.session.expire_all()
        assert db.session.get(ReportJob, job_id).status == "done"
    assert len(probe.calls) == 1


def test_prune_removes_old_renderings_and_their_unshared_files(app, monkeypatch, coordinator, api_as, make_user,
                                                               runner):
    from datetime import timedelta

    from tracker.reports.cache import report_path
    from tracker.types import utcnow

    install(monkeypatch)
    api_as(coordinator).get(URL)
    run_queue(app)
    assert api_as(make_user(role="viewer")).get(URL).status_code == 200  # a second row, the same file
    rows = db.session.query(ReportJob).order_by(ReportJob.created_at).all()
    path = report_path(rows[0].stored_name)
    rows[0].created_at = utcnow() - timedelta(days=100)
    db.session.commit()
    result = runner.invoke(args=["reports", "prune", "--days", "90"])
    assert result.exit_code == 0 and "dihapus: 1; berkas dihapus: 0" in result.output  # still shared
    assert os.path.exists(path)
    db.session.query(ReportJob).one().created_at = utcnow() - timedelta(days=100)
    db.session.commit()
    assert "dihapus: 1; berkas dihapus: 1" in runner.invoke(args=["reports", "prune"]).output
    assert not os.path.exists(path)


def test_every_link_table_of_a_source_is_in_the_cache_key(app):
    """A change to a many-to-many link alone (a CSR commitment's kecamatan) must make a new rendering:
    each kind's fingerprint covers the link tables of the models it reads."""
    from sqlalchemy import inspect

    from tracker.reports.cache import sources_of

    for kind in registry.all_kinds():
        covered = {t.name for t in sources_of(kind)}
        own = {getattr(s, "__tablename__", getattr(s, "name", None)) for s in kind.sources}  # not ALWAYS
        for source in kind.sources:
            if not hasattr(source, "__mapper__"):
                continue
            for rel in inspect(source).relationships:
                if rel.secondary is not None and rel.target.name in own:
                    assert rel.secondary.name in covered, (kind.kind, kind.fmt, rel.secondary.name)
