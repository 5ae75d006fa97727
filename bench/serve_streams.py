#!/usr/bin/env python3
"""Aggregate generation throughput of `playground serve` with 1, 4 and 8 (or
any) concurrent streams: starts a real server on a free loopback port, sends N
simultaneous /api/v1/models/generate requests (same prompt, different seeds,
`ignore_eos` so every stream generates exactly --tokens tokens) and reports the
generated tokens per second of all streams together, best of --repeat rounds.
The scheduler decodes all generating slots in one batched forward pass, so the
weights are read once per step for every stream: aggregate throughput should
grow with the number of streams. Standard library only; numbers go to
docs/BENCHMARKS.md.

usage: bench/serve_streams.py [--binary build/playground] -m MODEL [--streams 1,4,8]
                              [--tokens 64] [--threads 2] [--repeat 3] [--json]
"""
import argparse
import json
import os
import sys
import threading
import time
import urllib.request

import playground_server


def start_server(binary, model, slots, threads, ctx):
    args = ["-m", model, "--slots", str(slots), "--threads", str(threads), "--ctx-size", str(ctx),
            "--queue-size", str(slots * 2)]
    return playground_server.start(binary, args, os.path.join("/tmp", "pg-bench-streams-%d" % os.getpid()))


def generate(url, seed, tokens, results, index):
    body = json.dumps({"prompt": "Once upon a time", "max_tokens": tokens, "seed": seed, "temperature": 0.8,
                       "ignore_eos": True}).encode()
    request = urllib.request.Request(url + "/api/v1/models/generate", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        results[index] = json.loads(response.read())


def run_round(url, streams, tokens):
    results = [None] * streams
    workers = [threading.Thread(target=generate, args=(url, 1000 + i, tokens, results, i)) for i in range(streams)]
    start = time.time()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    seconds = time.time() - start
    generated = sum(r["usage"]["completion_tokens"] for r in results)
    return generated / seconds, generated


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "..", "build", "playground"))
    parser.add_argument("-m", "--model", required=True)
    parser.add_argument("--streams", default="1,4,8")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ctx", type=int, default=512)
    parser.add_argument("--json", action="store_true")
    a = parser.parse_args()
    counts = [int(n) for n in a.streams.split(",")]
    proc, url = start_server(a.binary, a.model, max(counts), a.threads, a.ctx)
    try:
        run_round(url, 1, 4)  # warm-up: pages the weights in
        rows = []
        for n in counts:
            rates = [run_round(url, n, a.tokens)[0] for _ in range(a.repeat)]
            rows.append({"streams": n, "tokens_per_stream": a.tokens, "aggregate_tokens_per_s": max(rates),
                         "rounds": rates})
        base = rows[0]["aggregate_tokens_per_s"]
        for r in rows:
            r["vs_first"] = r["aggregate_tokens_per_s"] / base if base else 0
        if a.json:
            print(json.dumps({"model": a.model, "threads": a.threads, "rows": rows}, indent=2))
        else:
            print("model: %s | threads: %d | %d tokens per stream, best of %d" % (a.model, a.threads, a.tokens, a.repeat))
            print("| streams | aggregate t/s | per stream t/s | vs %d stream(s) |" % counts[0])
            print("|--:|--:|--:|--:|")
            for r in rows:
                print("| %d | %.1f | %.1f | %.2fx |" % (r["streams"], r["aggregate_tokens_per_s"],
                                                        r["aggregate_tokens_per_s"] / r["streams"], r["vs_first"]))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
