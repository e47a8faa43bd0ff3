"""Matching (pemadanan) at kabupaten scale: a 200,000-row target list against 50,000 beneficiaries.

    .venv/bin/python bench/matching.py [--targets 200000] [--beneficiaries 50000] [--scales 0.25,1]
                                       [--database-url URL]

For each scale it builds a fresh instance (the small demo: Kotim's 17 kecamatan and 185 desa, the OPDs
and their activities), writes a DTSEN-like CSV of the target list and the beneficiary lists, then in
separate processes, so that each peak memory is its own:

1. ``import``: the target list through ``target_import.import_list`` (streamed, batches of 2,000);
2. ``add``: the beneficiaries onto ten activities of an open quarter through ``services.add_people``
   (5,000 per call, each call matched as it is added): 70 % with the NIK the list has, 10 % with one
   digit of it wrong and the name as another office wrote it (left to the name match), 20 % not on
   the list;
3. ``rematch``: ``matching.rematch()`` of every beneficiary against the whole list, as after a newer
   list: the figure the target (≤ 30 s) is about.

Printed: seconds, rows per second, peak RSS of each phase, the CSV's size, and the match counts. Peak
memory that stays level while the lists grow fourfold is what "bounded" means here.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import OUT, ROOT, table  # noqa: E402

TODAY = "2026-11-20"
ACTIVITIES = 10


def _env(instance: str, database_url: str | None) -> dict:
    env = {**os.environ, "TRACKER_INSTANCE_PATH": instance}
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _prepare(instance: str, database_url: str | None) -> None:
    shutil.rmtree(instance, ignore_errors=True)
    os.makedirs(instance)
    env = _env(instance, database_url)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    if database_url:
        # a PostgreSQL database is emptied first: each run starts from the same small demo
        subprocess.run(flask + ["db", "downgrade", "base"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run(flask + ["db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run(flask + ["demo", "--today", TODAY], env=env, cwd=ROOT, check=True, capture_output=True)


def _files(instance: str, targets: int, beneficiaries: int, seed: int) -> dict:
    """The target list CSV and the beneficiaries (JSON lines), from the demo's desa."""
    from sqlalchemy import select

    from tracker import create_app
    from tracker.demo.beneficiaries_people import HEADER, Registry, csv_row, misspell, typo
    from tracker.extensions import db
    from tracker.reference.models import Region

    app = create_app()
    rng = random.Random(seed)
    with app.app_context():
        regions = db.session.execute(select(Region.id, Region.code, Region.name, Region.parent_id, Region.level)
                                     .order_by(Region.code)).all()
    kecamatan = {r.id: (r.name, r.code.replace(".", "")) for r in regions if r.level == "kecamatan"}
    desa = [r for r in regions if r.level == "desa"]
    digits = sorted(code for _name, code in kecamatan.values())
    registry = Registry(rng)
    chosen = []
    list_path = os.path.join(instance, "dtsen.csv")
    with open(list_path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADER)
        for _n in range(targets):
            d = rng.choice(desa)
            kec_name, kec_digits = kecamatan[d.parent_id]
            person = registry.person(2026, kec_name, [kec_digits] + digits, d.code, d.name, d.id,
                                     rng.choices((1, 2, 3, 4), (4, 3, 2, 1))[0])
            writer.writerow(csv_row(person))
            if len(chosen) < beneficiaries * 0.8 and rng.random() < beneficiaries * 0.8 / targets * 1.05:
                chosen.append(person)
    people_path = os.path.join(instance, "people.jsonl")
    with open(people_path, "w", encoding="utf-8") as out:
        for n in range(beneficiaries):
            roll = rng.random()
            if roll < 0.8 and chosen:
                p = chosen.pop()
                if roll < 0.7:
                    row = {"nik": p.nik, "name": p.name, "region_id": p.desa_id}
                else:
                    row = {"nik": typo(rng, p.nik, registry.niks), "name": misspell(rng, p.name),
                           "birth_date": p.born.isoformat(), "region_id": p.desa_id}
            else:
                d = rng.choice(desa)
                kec_name, kec_digits = kecamatan[d.parent_id]
                p = registry.person(2026, kec_name, [kec_digits] + digits, d.code, d.name, d.id, 1)
                row = {"nik": p.nik, "name": p.name, "region_id": p.desa_id}
            out.write(json.dumps({**row, "activity": n % ACTIVITIES}) + "\n")
    return {"list": list_path, "people": people_path, "mb": os.path.getsize(list_path) / 1024 / 1024}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _phase(name: str, instance: str) -> dict:
    """One phase in this (fresh) process; prints a JSON line."""
    from datetime import date

    from sqlalchemy import select

    from tracker import create_app
    from tracker.auth.models import User
    from tracker.beneficiaries import matching, services, target_import
    from tracker.extensions import db
    from tracker.periods.models import Period
    from tracker.plans.models import Activity

    app = create_app()
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.role == "coordinator").order_by(User.id))
        started = time.perf_counter()
        if name == "import":
            with open(os.path.join(instance, "dtsen.csv"), "rb") as stream:
                result = target_import.import_list(stream, "dtsen.csv", "DTSEN", date(2026, 10, 31), actor)
            db.session.commit()
            out = {"rows": result.rows}
        elif name == "add":
            # an open quarter of a year with enough activities (a locked quarter takes no list)
            for period in db.session.scalars(select(Period).where(Period.locked.is_(False))
                                             .order_by(Period.year.desc(), Period.quarter.desc())):
                activities = db.session.scalars(select(Activity).where(Activity.year == period.year)
                                                .order_by(Activity.id).limit(ACTIVITIES)).all()
                if len(activities) == ACTIVITIES:
                    break
            else:
                sys.exit("no open quarter with enough activities")
            groups: dict[int, list[dict]] = {}
            with open(os.path.join(instance, "people.jsonl"), encoding="utf-8") as lines:
                for line in lines:
                    row = json.loads(line)
                    if row.get("birth_date"):
                        row["birth_date"] = date.fromisoformat(row["birth_date"])
                    groups.setdefault(row.pop("activity"), []).append(row)
            added = 0
            for index, people in groups.items():
                for start in range(0, len(people), services.MAX_PEOPLE // 10):
                    result = services.add_people(activities[index], period.year, period.quarter,
                                                 people[start:start + services.MAX_PEOPLE // 10], actor)
                    added += result["added"]
                    db.session.commit()
            out = {"rows": added}
        else:
            found = matching.rematch()
            db.session.commit()
            out = {"rows": sum(found.values()), **found}  # the demo's own lists (about 1,800 people) included
        out.update(seconds=time.perf_counter() - started, peak_mb=_peak_mb())
    print(json.dumps(out))
    return out


def run(args) -> None:
    rows = []
    for scale in [float(s) for s in args.scales.split(",")]:
        targets, beneficiaries = int(args.targets * scale), int(args.beneficiaries * scale)
        instance = os.path.join(OUT, "matching-instance")
        started = time.perf_counter()
        _prepare(instance, args.database_url)
        env = _env(instance, args.database_url)
        files = json.loads(subprocess.run(
            [sys.executable, __file__, "--files", instance, "--targets", str(targets),
             "--beneficiaries", str(beneficiaries)], env=env, cwd=ROOT, check=True, capture_output=True,
            text=True).stdout.strip().splitlines()[-1])
        print(f"{targets:,} targets / {beneficiaries:,} beneficiaries: set up in "
              f"{time.perf_counter() - started:.0f} s (CSV {files['mb']:.1f} MB)", flush=True)
        for phase in ("import", "add", "rematch"):
            done = subprocess.run([sys.executable, __file__, "--phase", phase, instance], env=env, cwd=ROOT,
                                  capture_output=True, text=True)
            if done.returncode:
                sys.exit(done.stderr[-3000:])
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append({"targets": f"{targets:,}", "beneficiaries": f"{beneficiaries:,}", "phase": phase,
                         "seconds": f"{figures['seconds']:.1f}",
                         "rows/s": f"{figures['rows'] / figures['seconds']:,.0f}",
                         "peak MB": f"{figures['peak_mb']:.0f}",
                         "exact/probable/unmatched": "/".join(f"{figures[k]:,}" for k in ("exact", "probable",
                                                                                           "unmatched"))
                         if phase == "rematch" else "",
                         "target": "≤ 30 s" if phase == "rematch" else ""})
            print(f"  {phase}: {figures['seconds']:.1f} s, peak {figures['peak_mb']:.0f} MB", flush=True)
    print()
    print(table(rows, ["targets", "beneficiaries", "phase", "seconds", "rows/s", "peak MB",
                       "exact/probable/unmatched", "target"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--targets", type=int, default=200_000)
    parser.add_argument("--beneficiaries", type=int, default=50_000)
    parser.add_argument("--scales", default="0.25,1", help="fractions of the sizes to run, e.g. 0.25,1")
    parser.add_argument("--database-url", help="PostgreSQL URL (its tables are dropped and made again)")
    parser.add_argument("--files", metavar="INSTANCE", help=argparse.SUPPRESS)
    parser.add_argument("--phase", nargs=2, metavar=("NAME", "INSTANCE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.files:
        print(json.dumps(_files(args.files, args.targets, args.beneficiaries, seed=2026)))
    elif args.phase:
        _phase(*args.phase)
    else:
        run(args)


if __name__ == "__main__":
    main()
