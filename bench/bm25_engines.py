#!/usr/bin/env python3
"""BM25 search on SQLite against PostgreSQL, side by side: starts two real
`playground serve` processes on free loopback ports, one on an SQLite database
and one on a PostgreSQL database (--postgres URL), both already holding the same
collection (ingest it into each first, see docs/BENCHMARKS.md), sends the same
queries to POST /api/v1/collections/{name}/search (mode bm25, top_k 10) on each,
and reports per engine the mean, p50 and p95 latency over HTTP, and how much of
SQLite's top 10 PostgreSQL's top 10 holds. Standard library only; figures go to
docs/BENCHMARKS.md.

usage: bench/bm25_engines.py --sqlite-data-dir DIR --postgres URL --collection NAME
                             [--binary build/playground] [--rounds 3]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

QUERIES = [
    "linear model regression", "data frame subset", "garbage collection memory", "regular expression matching",
    "factor levels", "random number generator seed", "matrix multiplication", "apply function over list",
    "install packages from a repository", "plot axis labels", "environment variables", "namespace import export",
    "S4 classes and methods", "reading csv files", "date and time formats", "string encoding UTF-8",
    "sorting and ordering", "missing values NA", "complex numbers", "bitwise operations", "connections and files",
    "R CMD check", "vignette building", "Fortran interface", "C API memory protection PROTECT",
    "lazy evaluation promises", "closures and scoping", "hypothesis test p-value", "time series analysis",
    "graphics devices pdf",
]


def start(binary, args):
    proc = subprocess.Popen([binary, "serve", "--port", "0", "--auth", "off", "--log-level", "warn"] + args,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stdout.readline()
        if "listening on " in line:
            return proc, line.split("listening on ", 1)[1].strip()
    proc.kill()
    sys.exit("playground serve did not start: " + " ".join(args))


def search(url, collection, query):
    body = json.dumps({"query": query, "mode": "bm25", "top_k": 10}).encode()
    req = urllib.request.Request(url + "/api/v1/collections/%s/search" % collection, data=body,
                                 headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as r:
        reply = json.load(r)
    took = (time.perf_counter() - start) * 1000
    # A hit is named by its document's file and its chunk index: ids may differ between the databases.
    return took, [(h["document"]["file_name"], h["chunk"]["index"]) for h in reply["hits"]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="build/playground")
    ap.add_argument("--sqlite-data-dir", required=True)
    ap.add_argument("--postgres", required=True)
    ap.add_argument("--collection", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    servers = {"sqlite": start(a.binary, ["--data-dir", a.sqlite_data_dir]),
               "postgres": start(a.binary, ["--data-dir", a.sqlite_data_dir + "-pg", "--database", a.postgres])}
    try:
        times = {name: [] for name in servers}
        tops = {name: {} for name in servers}
        for _ in range(a.rounds):
            for q in QUERIES:
                for name, (_, url) in servers.items():
                    took, ids = search(url, a.collection, q)
                    times[name].append(took)
                    tops[name][q] = ids
        shared = sum(len(set(tops["sqlite"][q]) & set(tops["postgres"][q])) for q in QUERIES)
        total = sum(len(set(tops["sqlite"][q])) for q in QUERIES)
        for name, t in times.items():
            t.sort()
            print("%-9s %d queries: mean %.2f ms, p50 %.2f ms, p95 %.2f ms" %
                  (name, len(t), statistics.mean(t), t[len(t) // 2], t[int(len(t) * 0.95)]))
        print("PostgreSQL's top 10 holds %.3f of SQLite's (%d of %d hits)" % (shared / max(total, 1), shared, total))
    finally:
        for proc, _ in servers.values():
            proc.kill()


if __name__ == "__main__":
    main()
