"""Throughput of a page under gunicorn with N concurrent clients (loopback only, bounded in time).

    .venv/bin/python bench/load.py [--clients 8] [--seconds 20] [--path /] [--workers 2]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse

from common import ROOT, large_instance, summary

PORT = 5188


def login_cookie() -> str:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(r'name="csrf_token" value="([^"]+)"', page)
    body = urllib.parse.urlencode({"username": "bappeda", "password": "Bappeda-Mentaya-2025", "csrf_token": token.group(1)})
    conn.request("POST", "/login", body=body, headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    return response.getheader("Set-Cookie").split(";")[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--path", default="/")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    env = large_instance(args.database_url)
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "--workers", str(args.workers),
         "--bind", f"127.0.0.1:{PORT}", "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/health")
                break
            except OSError:
                time.sleep(0.1)
        cookie = login_cookie()
        latencies: list[float] = []
        errors = 0
        lock = threading.Lock()
        deadline = time.perf_counter() + args.seconds

        def worker():
            nonlocal errors
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                conn.request("GET", args.path, headers={"Cookie": cookie})
                response = conn.getresponse()
                response.read()
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    if response.status != 200:
                        errors += 1

        threads = [threading.Thread(target=worker) for _ in range(args.clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        s = summary(latencies)
        print(f"path {args.path}  clients {args.clients}  gunicorn workers {args.workers}  {wall:.1f} s")
        print(f"requests {s['n']}  non-200 {errors}  throughput {s['n'] / wall:.0f} req/s")
        print(f"latency ms  p50 {s['p50']:.1f}  p95 {s['p95']:.1f}  p99 {sorted(latencies)[int(0.99 * (len(latencies) - 1))]:.1f}  max {s['max']:.1f}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
