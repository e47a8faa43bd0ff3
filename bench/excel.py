"""Excel speed on the large demo, through the API as a user would (quality.md target 6).

    .venv/bin/python bench/excel.py [--rows 3000] [--database-url postgresql://...]

Prints: export of the whole large year (target <= 5 s), and import of a filled template with
ROWS new activities into an empty OPD plan (target <= 10 s), plus the same file with every row
broken (all errors listed, nothing written).
"""

from __future__ import annotations

import argparse
import io
import os
import time

from common import large_instance, table

YEAR = 2025


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    env = large_instance(args.database_url)
    os.environ.update({k: v for k, v in env.items() if k in ("TRACKER_INSTANCE_PATH", "DATABASE_URL")})

    from openpyxl import load_workbook

    from tracker import create_app

    app = create_app({"WTF_CSRF_ENABLED": False, "MAX_CONTENT_LENGTH": 64 * 1024 * 1024})
    client = app.test_client()
    token = client.post("/api/v1/tokens", json={"username": "admin", "password": "Admin-Sampit-2025"}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    rows = []

    started = time.perf_counter()
    export = client.get(f"/api/v1/plans/export.xlsx?year={YEAR}", headers=auth)
    elapsed = time.perf_counter() - started
    exported = sum(1 for _row in load_workbook(io.BytesIO(export.data), read_only=True).active.iter_rows())
    rows.append({"step": f"export year {YEAR} (all OPDs)", "status": export.status_code, "rows": f"{exported} sheet rows",
                 "seconds": f"{elapsed:.2f}", "bytes": len(export.data)})

    # A new OPD with an empty plan, filled offline with ROWS activities of one indicator each.
    code = f"8.{int(time.time()) % 100:02d}.{os.getpid() % 100:02d}"
    agency = client.post("/api/v1/agencies", headers=auth, json={
        "code": code, "name": f"Dinas Bench {code}", "short_name": f"Bench {code}"}).get_json()
    kecamatan = client.get("/api/v1/regions?level=kecamatan&per_page=500", headers=auth).get_json()["items"]
    template = client.get(f"/api/v1/plans/{agency['id']}/{YEAR}/template.xlsx", headers=auth)

    def filled(broken: bool) -> bytes:
        wb = load_workbook(io.BytesIO(template.data))
        ws, ind = wb["Kegiatan"], wb["Indikator"]
        for n in range(1, args.rows + 1):
            region = kecamatan[n % len(kecamatan)]["code"]
            budget = "dua juta" if broken else 50_000_000 + n * 1000
            values = [n, None, None, f"1.06.04.2.02.{n:04d}", "Program Rehabilitasi Sosial",
                      "Rehabilitasi Sosial Dasar", f"Kegiatan bench {n}", "S1", "APBD_KAB", budget, None, None,
                      region, 100, "KK"]
            for c, value in enumerate(values, start=1):
                ws.cell(4 + n, c).value = value
            for c, value in enumerate([n, None, f"Penerima manfaat {n}", "KK", "sum", 100, 25, 25, 25, 25], start=1):
                ind.cell(4 + n, c).value = value
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    for broken in (True, False):
        data = filled(broken)
        started = time.perf_counter()
        response = client.post(f"/api/v1/plans/{agency['id']}/{YEAR}/import", headers=auth,
                               data={"file": (io.BytesIO(data), "rencana.xlsx")}, content_type="multipart/form-data")
        elapsed = time.perf_counter() - started
        body = response.get_json() or {}
        error = body.get("error") or {}
        result = (f"{len(error.get('fields') or {})} cells listed; {error.get('message')}" if broken
                  else f"{body.get('created')} created")
        rows.append({"step": f"import {args.rows} rows" + (" (every row bad)" if broken else ""),
                     "status": response.status_code, "rows": result, "seconds": f"{elapsed:.2f}", "bytes": len(data)})
    print(table(rows, ["step", "status", "seconds", "bytes", "rows"]))


if __name__ == "__main__":
    main()
