"""Two versions of the code on the same pages, measured turn about so that both see the same load.

    .venv/bin/python bench/ab.py --base /path/to/other/checkout --base-instance DIR --instance DIR \
        [--database-url URL --base-database-url URL] [--repeat 20] [--only evaluation]

Each side runs in its own process (its own ``tracker`` package, instance and database), logs in
as in ``pages.py``, and then the two answer the same request one after the other, request by
request, so a busy machine slows both alike (``pages.py`` alone measures one version at a time).
Prints p50/p95 server time and queries per page for each side.  The paths are ``pages.py``'s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time

from common import summary, table


def _worker(root: str, instance: str, database_url: str | None, conn) -> None:
    os.environ["TRACKER_INSTANCE_PATH"] = os.path.abspath(instance)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, root)
    from flask_sqlalchemy.record_queries import get_recorded_queries
    from sqlalchemy import select

    from pages import OPD, USERS  # the same users and placeholder as pages.py
    from tracker import create_app
    from tracker.extensions import db
    from tracker.reference.models import Agency

    app = create_app({"SQLALCHEMY_RECORD_QUERIES": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        opd = db.session.scalar(select(Agency.id).where(Agency.short_name == "Dinsos"))
    web, tokens = {}, {}
    for username, password in USERS.items():
        browser = app.test_client()
        browser.post("/login", data={"username": username, "password": password})
        web[username] = browser
        answer = app.test_client().post("/api/v1/tokens", json={"username": username, "password": password})
        tokens[username] = {"Authorization": f"Bearer {answer.get_json()['token']}"}
    api = app.test_client()
    conn.send("ready")
    while True:
        job = conn.recv()
        if job is None:
            return
        kind, user, path = job
        path = path.replace(OPD, str(opd))
        with app.app_context():
            started = time.perf_counter()
            response = web[user].get(path) if kind == "page" else api.get(path, headers=tokens[user])
            elapsed = (time.perf_counter() - started) * 1000
            conn.send((response.status_code, elapsed, len(get_recorded_queries()), len(response.data)))


def main() -> None:
    from pages import OPD, PAGES

    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True, help="the other checkout (its root directory)")
    parser.add_argument("--base-instance", required=True)
    parser.add_argument("--instance", required=True)
    parser.add_argument("--database-url")
    parser.add_argument("--base-database-url")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", help="measure only the paths containing this text (several: comma-separated)")
    args = parser.parse_args()
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sides = {"before": (os.path.abspath(args.base), args.base_instance, args.base_database_url),
             "after": (here, args.instance, args.database_url)}
    context = multiprocessing.get_context("spawn")
    pipes = {}
    for name, (root, instance, url) in sides.items():
        mine, theirs = context.Pipe()
        context.Process(target=_worker, args=(root, instance, url, theirs), daemon=True).start()
        pipes[name] = mine
    for pipe in pipes.values():
        assert pipe.recv() == "ready"
    rows = []
    for job in PAGES:
        if args.only and not any(part in job[2] for part in args.only.split(",")):
            continue
        samples = {name: [] for name in pipes}
        answers = {}
        for n in range(args.repeat + 1):
            order = list(pipes) if n % 2 else list(reversed(pipes))  # turn about, who goes first too
            for name in order:
                pipes[name].send(job)
                answers[name] = pipes[name].recv()
                if n:  # the first round warms up
                    samples[name].append(answers[name][1])
        row = {"path": job[2].replace(OPD, "<dinsos>"), "user": job[1]}
        for name in pipes:
            status, _ms, queries, size = answers[name]
            s = summary(samples[name])
            row.update({f"{name}_status": status, f"{name}_q": queries, f"{name}_p50": f"{s['p50']:.1f}",
                        f"{name}_p95": f"{s['p95']:.1f}", f"{name}_kb": size // 1024})
        rows.append(row)
    for pipe in pipes.values():
        pipe.send(None)
    columns = ["path", "user"] + [f"{n}_{c}" for n in pipes for c in ("status", "q", "p50", "p95", "kb")]
    print(table(rows, columns))


if __name__ == "__main__":
    main()
