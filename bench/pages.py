"""Server time and SQL query count per page and API list on the large demo.

    .venv/bin/python bench/pages.py [--repeat 30] [--database-url postgresql+psycopg://...] [--only evaluation]
                                    [--instance DIR]

``--instance DIR``: an instance directory that already holds a loaded large demo (a copy, so that
two versions of the code can be measured on the same data while nobody else writes to it).

Target (quality.md 1): p95 <= 100 ms for every page and API list; the query count must not grow
with the data (the tests assert that on small vs. larger data; here it is printed for the record).
The home page is measured for each role that has a dashboard (Bappeda, the administrator, a viewer,
an OPD user) and the evaluation pages and API for the kabupaten and for one OPD.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import time

from common import large_instance, summary, table

YEAR, QUARTER = 2025, 2
EV = f"year={YEAR}&quarter={QUARTER}"
USERS = {"bappeda": "Bappeda-Mentaya-2025", "admin": "Admin-Sampit-2025", "bupati": "Bupati-Kotim-2025",
         "dinsos": "Dinsos-Baamang-2025"}
OPD = "{opd}"  # replaced by Dinsos' id

# (kind, user, path): "page" goes through a browser session, "api" through a token.
PAGES = [
    ("page", "bappeda", "/"),
    ("page", "bappeda", f"/?{EV}"),
    ("page", "admin", f"/?{EV}"),
    ("page", "bupati", f"/?{EV}"),
    ("page", "dinsos", f"/?{EV}"),
    ("page", "bappeda", "/plans/?year=2025"),
    ("page", "bappeda", "/plans/?year=2025&q=rumah"),
    ("page", "bappeda", "/progress/2025/2"),
    ("page", "bappeda", "/progress/review?year=2025&quarter=2"),
    ("page", "bappeda", "/progress/board?year=2025"),
    ("page", "bappeda", "/admin/users/"),
    ("page", "bappeda", "/reference/agencies"),
    ("page", "bappeda", "/audit/"),
    ("page", "bappeda", f"/evaluation/?{EV}"),
    ("page", "bappeda", f"/evaluation/?{EV}&page=30"),
    ("page", "bappeda", f"/evaluation/?{EV}&include_unverified=1"),
    ("page", "bappeda", f"/evaluation/?{EV}&agency_id={OPD}"),
    ("page", "dinsos", f"/evaluation/?{EV}"),
    ("page", "bappeda", f"/evaluation/table?{EV}"),
    ("page", "bappeda", f"/evaluation/table?{EV}&page=30"),
    ("page", "bappeda", f"/evaluation/table?{EV}&agency_id={OPD}"),
    ("page", "dinsos", f"/evaluation/table?{EV}"),
    ("page", "bappeda", f"/evaluation/compare?{EV}"),
    ("page", "bappeda", f"/evaluation/compare?{EV}&agency_id={OPD}"),
    ("page", "dinsos", f"/evaluation/compare?{EV}"),
    ("page", "bappeda", f"/csr/?year={YEAR}"),
    ("page", "bappeda", f"/csr/summary?year={YEAR}"),
    ("page", "bappeda", "/csr/review"),
    ("page", "bappeda", "/poverty/"),
    ("page", "bappeda", f"/poverty/money?year={YEAR}"),
    ("page", "bappeda", "/meetings/"),
    ("page", "bappeda", "/meetings/followup"),
    ("page", "bappeda", "/reports/"),
    ("page", "bappeda", f"/beneficiaries/coverage?year={YEAR}"),
    ("page", "dinsos", f"/beneficiaries/coverage?year={YEAR}"),
    ("page", "bappeda", f"/beneficiaries/coverage/unreached?year={YEAR}"),
    ("page", "bappeda", f"/beneficiaries/households?year={YEAR}"),
    ("page", "bappeda", f"/beneficiaries/households?year={YEAR}&reached=0&desil=1"),
    ("page", "dinsos", f"/beneficiaries/households?year={YEAR}"),
    ("page", "bappeda", "/beneficiaries/targets"),
    ("page", "bappeda", "/beneficiaries/verval"),
    ("api", "bappeda", "/api/v1/activities?year=2025"),
    ("api", "bappeda", "/api/v1/activities?year=2025&strategy=S2&per_page=500"),
    ("api", "bappeda", "/api/v1/progress?year=2025&quarter=2"),
    ("api", "bappeda", f"/api/v1/csr/commitments?year={YEAR}"),
    ("api", "bappeda", f"/api/v1/csr/contributions?year={YEAR}"),
    ("api", "bappeda", f"/api/v1/csr/summary?year={YEAR}"),
    ("api", "bappeda", "/api/v1/meetings"),
    ("api", "bappeda", "/api/v1/agreements"),
    ("api", "bappeda", "/api/v1/poverty-stats"),
    ("api", "bappeda", f"/api/v1/target-households?year={YEAR}&per_page=100"),
    ("api", "bappeda", f"/api/v1/coverage?year={YEAR}"),
    ("api", "bappeda", "/api/v1/agencies"),
    ("api", "bappeda", "/api/v1/regions?level=desa"),
    ("api", "bappeda", "/api/v1/periods?year=2025"),
    ("api", "bappeda", f"/api/v1/evaluation/{YEAR}/{QUARTER}"),
    ("api", "bappeda", f"/api/v1/evaluation/{YEAR}/{QUARTER}?agency_id={OPD}"),
    ("api", "dinsos", f"/api/v1/evaluation/{YEAR}/{QUARTER}"),
    ("api", "bappeda", f"/api/v1/evaluation/{YEAR}/{QUARTER}/compare"),
    ("api", "bappeda", f"/api/v1/evaluation/{YEAR}/{QUARTER}/compare?agency_id={OPD}"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url")
    parser.add_argument("--only", help="measure only the paths containing this text (several: comma-separated)")
    parser.add_argument("--instance", help="an instance directory with the large demo already loaded")
    args = parser.parse_args()
    if args.instance:
        env = {"TRACKER_INSTANCE_PATH": os.path.abspath(args.instance)}
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
    else:
        env = large_instance(args.database_url)
    os.environ.update({k: v for k, v in env.items() if k in ("TRACKER_INSTANCE_PATH", "DATABASE_URL")})

    from flask_sqlalchemy.record_queries import get_recorded_queries
    from sqlalchemy import select

    from tracker import create_app
    from tracker.extensions import db
    from tracker.reference.models import Agency

    app = create_app({"SQLALCHEMY_RECORD_QUERIES": True, "WTF_CSRF_ENABLED": False})
    gc.freeze()  # as wsgi.py does in production
    with app.app_context():
        opd = db.session.scalar(select(Agency.id).where(Agency.short_name == "Dinsos"))
    web, api = {}, {}
    for username, password in USERS.items():
        browser = app.test_client()
        assert "username" in browser.get("/login").get_data(as_text=True)
        browser.post("/login", data={"username": username, "password": password})
        web[username] = browser
        answer = app.test_client().post("/api/v1/tokens", json={"username": username, "password": password})
        api[username] = {"Authorization": f"Bearer {answer.get_json()['token']}"}
    client = app.test_client()

    rows = []
    for kind, user, path in PAGES:
        path = path.replace(OPD, str(opd))
        if args.only and not any(part in path for part in args.only.split(",")):
            continue
        get = (lambda p, u=user: web[u].get(p)) if kind == "page" else (lambda p, u=user: client.get(p, headers=api[u]))
        with app.app_context():
            started = time.perf_counter()
            first = get(path)
            first_ms = (time.perf_counter() - started) * 1000  # computed: nothing remembered yet (tracker.memo)
        if first.status_code == 404 and re.search(r"/(plans|progress)", path):
            rows.append({"path": path, "user": user, "status": "404 (feature absent)"})
            continue
        times, queries = [], 0
        for _ in range(args.repeat):
            with app.app_context():
                started = time.perf_counter()
                response = get(path)
                times.append((time.perf_counter() - started) * 1000)
                queries = len(get_recorded_queries())
        s = summary(times)
        rows.append({"path": path, "user": user, "status": response.status_code, "queries": queries,
                     "first_ms": f"{first_ms:.1f}", "p50_ms": f"{s['p50']:.1f}", "p95_ms": f"{s['p95']:.1f}", "max_ms": f"{s['max']:.1f}",
                     "bytes": len(response.data), "ok": "yes" if s["p95"] <= 100 else "NO"})
    print(table(rows, ["path", "user", "status", "queries", "first_ms", "p50_ms", "p95_ms", "max_ms", "bytes", "ok"]))


if __name__ == "__main__":
    main()
