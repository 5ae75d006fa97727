#!/usr/bin/env python3
"""Soak test of `playground serve` under wrk: starts a real server on a free
loopback port with the demo model, makes a collection with one document, then
runs wrk (Debian's package) for --duration seconds at --connections connections
with a mix of health checks, short generations and collection searches
(bench/soak.lua), sampling the server's resident memory every --sample seconds.
Reports requests, throughput, latency, every status seen, socket errors, and RSS
at the start, the end and its peak. Exits non-zero on socket errors or statuses
other than 200 and the documented 429 (queue full). Standard library only;
numbers go to docs/BENCHMARKS.md.

usage: bench/soak.py [--binary build/playground] [--duration 300] [--connections 50]
                     [--threads 2] [--sample 5] [--json]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import playground_server
from playground_server import call

HERE = os.path.dirname(os.path.abspath(__file__))


def start_server(binary, data_dir):
    return playground_server.start(binary, ["--slots", "4", "--queue-size", "64", "--threads", "1"], data_dir)


def make_collection(base):
    c = call(base + "/api/v1/collections", "POST", {"name": "soak"})
    text = ("The lighthouse keeper counted ships every night. Storms came from the west in winter.\n\n"
            "Tides rise twice a day. The keeper wrote each ship's name in a blue book.\n") * 40
    boundary = "soakboundary7d9"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"keeper.md\"\r\n"
            f"Content-Type: text/markdown\r\n\r\n{text}\r\n--{boundary}--\r\n").encode()
    call(f"{base}/api/v1/collections/{c['id']}/documents", "POST", body, f"multipart/form-data; boundary={boundary}")
    deadline = time.time() + 60
    while time.time() < deadline:
        docs = call(f"{base}/api/v1/collections/{c['id']}/documents")
        items = docs.get("documents", [])
        if items and all(d.get("status") == "indexed" for d in items):
            return c["id"]
        time.sleep(0.2)
    sys.exit("the document was not ingested")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(HERE, "..", "build", "playground"))
    ap.add_argument("--duration", type=int, default=300)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sample", type=float, default=5.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    data_dir = tempfile.mkdtemp(prefix="pg-soak-")
    proc, base = start_server(args.binary, data_dir)
    try:
        collection = make_collection(base)
        samples = [(0.0, rss_kib(proc.pid))]
        env = dict(os.environ, SOAK_COLLECTION=str(collection))
        wrk = subprocess.Popen(["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s",
                                "--timeout", "30s", "-s", os.path.join(HERE, "soak.lua"), base],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        t0 = time.time()
        while wrk.poll() is None:
            time.sleep(args.sample)
            samples.append((round(time.time() - t0, 1), rss_kib(proc.pid)))
        out = wrk.stdout.read()
        alive = call(base + "/api/v1/health")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)
    statuses = {m.group(1): int(m.group(2)) for m in re.finditer(r"status (\d+): (\d+)", out)}
    socket_errors = re.search(r"Socket errors: (.*)", out)
    result = {
        "duration_s": args.duration, "connections": args.connections,
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "statuses": statuses,
        "socket_errors": socket_errors.group(1) if socket_errors else "none",
        "rss_kib_start": samples[1][1] if len(samples) > 1 else samples[0][1],
        "rss_kib_end": samples[-1][1], "rss_kib_peak": max(s[1] for s in samples),
        "rss_kib_after_first_minute": next((s[1] for s in samples if s[0] >= 60), samples[-1][1]),
        "health_after": alive.get("status"),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(out)
        print(json.dumps(result, indent=2))
    bad = {k: v for k, v in statuses.items() if k not in ("200", "429")}
    if socket_errors or bad:
        sys.exit(f"errors: socket {result['socket_errors']}, statuses {bad}")


if __name__ == "__main__":
    main()
