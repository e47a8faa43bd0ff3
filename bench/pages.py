"""Server time and SQL query count per page and API list on the large demo.

    .venv/bin/python bench/pages.py [--repeat 30] [--database-url postgresql://...]

Target (quality.md): p95 <= 150 ms for every page and API list; the query count must not grow
with the data (the tests assert that on small vs. larger data; here it is printed for the record).
"""

from __future__ import annotations

import argparse
import os
import re
import time

from common import large_instance, summary, table

PAGES = [
    ("page", "/"),
    ("page", "/plans/?year=2025"),
    ("page", "/plans/?year=2025&q=rumah"),
    ("page", "/progress/2025/2"),
    ("page", "/progress/review?year=2025&quarter=2"),
    ("page", "/progress/board?year=2025"),
    ("page", "/admin/users/"),
    ("page", "/reference/agencies"),
    ("page", "/audit/"),
    ("api", "/api/v1/activities?year=2025"),
    ("api", "/api/v1/activities?year=2025&strategy=S2&per_page=500"),
    ("api", "/api/v1/progress?year=2025&quarter=2"),
    ("api", "/api/v1/agencies"),
    ("api", "/api/v1/regions?level=desa"),
    ("api", "/api/v1/periods?year=2025"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    env = large_instance(args.database_url)
    os.environ.update({k: v for k, v in env.items() if k in ("TRACKER_INSTANCE_PATH", "DATABASE_URL")})

    from flask_sqlalchemy.record_queries import get_recorded_queries

    from tracker import create_app

    app = create_app({"SQLALCHEMY_RECORD_QUERIES": True, "WTF_CSRF_ENABLED": False})
    web = app.test_client()
    page = web.get("/login").get_data(as_text=True)
    assert "username" in page
    web.post("/login", data={"username": "bappeda", "password": "Bappeda-Mentaya-2025"})
    api = app.test_client()
    token = api.post("/api/v1/tokens", json={"username": "bappeda", "password": "Bappeda-Mentaya-2025"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}

    rows = []
    for kind, path in PAGES:
        client, extra = (web, {}) if kind == "page" else (api, {"headers": headers})
        first = client.get(path, **extra)
        if first.status_code == 404 and re.search(r"/(plans|progress)", path):
            rows.append({"path": path, "status": "404 (feature absent)"})
            continue
        times, queries = [], 0
        for _ in range(args.repeat):
            with app.app_context():
                started = time.perf_counter()
                response = client.get(path, **extra)
                times.append((time.perf_counter() - started) * 1000)
                queries = len(get_recorded_queries())
        s = summary(times)
        rows.append({"path": path, "status": response.status_code, "queries": queries,
                     "p50_ms": f"{s['p50']:.1f}", "p95_ms": f"{s['p95']:.1f}", "max_ms": f"{s['max']:.1f}",
                     "bytes": len(response.data)})
    print(table(rows, ["path", "status", "queries", "p50_ms", "p95_ms", "max_ms", "bytes"]))


if __name__ == "__main__":
    main()
