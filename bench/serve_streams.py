#!/usr/bin/env python3
"""Aggregate generation throughput of `playground serve` with 1, 4 and 8 (or
any) concurrent streams: starts a real server on a free loopback port, sends N
simultaneous /api/v1/models/generate requests (same prompt, different seeds,
`ignore_eos` so every stream generates exactly --tokens tokens; --temperature
0.8 unless given) and reports the
generated tokens per second of all streams together, best of --repeat rounds.
The scheduler decodes all generating slots in one batched forward pass, so the
weights are read once per step for every stream: aggregate throughput should
grow with the number of streams. With --llama-server the same load (same
prompt, seeds, sampling and token counts, ignore_eos) then goes to llama-server
started with -np as many slots as the most streams, through its /completion.
Standard library only; numbers go to docs/BENCHMARKS.md.

usage: bench/serve_streams.py [--binary build/playground] -m MODEL [--streams 1,4,8]
                              [--tokens 64] [--threads 2] [--repeat 3] [--temperature T] [--json]
                              [--llama-server PATH [--llama-args ARGS]]
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import playground_server


def start_server(binary, model, slots, threads, ctx):
    args = ["-m", model, "--slots", str(slots), "--threads", str(threads), "--ctx-size", str(ctx),
            "--queue-size", str(slots * 2)]
    return playground_server.start(binary, args, os.path.join("/tmp", "pg-bench-streams-%d" % os.getpid()))


def generate(url, seed, tokens, temperature, results, index):
    body = json.dumps({"prompt": "Once upon a time", "max_tokens": tokens, "seed": seed, "temperature": temperature,
                       "ignore_eos": True}).encode()
    request = urllib.request.Request(url + "/api/v1/models/generate", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        results[index] = json.loads(response.read())


def generate_llama(url, seed, tokens, temperature, results, index):
    body = json.dumps({"prompt": "Once upon a time", "n_predict": tokens, "seed": seed, "temperature": temperature,
                       "ignore_eos": True, "cache_prompt": False}).encode()
    request = urllib.request.Request(url + "/completion", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            reply = json.loads(response.read())
    except urllib.error.HTTPError as e:
        results[index] = {"error": "HTTP %d: %s" % (e.code, e.read().decode("utf-8", "replace")[:200])}
        return
    results[index] = {"usage": {"completion_tokens": reply["tokens_predicted"]}}


def start_llama_server(path, model, slots, threads, ctx, extra):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # llama-server splits its context between the slots: each gets ctx.
    proc = subprocess.Popen([path, "-m", model, "-np", str(slots), "-c", str(ctx * slots), "-t", str(threads),
                             "--host", "127.0.0.1", "--port", str(port)] + extra.split(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = "http://127.0.0.1:%d" % port
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/health", timeout=5) as r:
                if json.loads(r.read()).get("status") == "ok":
                    return proc, url
        except Exception:
            time.sleep(0.5)
    proc.kill()
    sys.exit("error: llama-server did not start: " + path)


def run_round(url, streams, tokens, temperature, send=generate):
    results = [None] * streams
    workers = [threading.Thread(target=send, args=(url, 1000 + i, tokens, temperature, results, i))
               for i in range(streams)]
    start = time.time()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    seconds = time.time() - start
    failed = [(r or {"error": "no reply"})["error"] for r in results if r is None or "error" in r]
    if failed:  # a round with a failed request has no rate
        print("%d of %d requests failed, e.g. %s" % (len(failed), streams, failed[0]), file=sys.stderr)
        return None, 0
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
    parser.add_argument("--temperature", type=float, default=0.8,
                        help="sampling temperature of every stream (0: greedy, which llama-server's output "
                             "parser accepts on random-weight files)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--llama-server", help="also run the load on this llama-server binary")
    parser.add_argument("--llama-args", default="", help="more llama-server flags")
    a = parser.parse_args()
    counts = [int(n) for n in a.streams.split(",")]
    engines = [("playground", lambda: start_server(a.binary, a.model, max(counts), a.threads, a.ctx), generate)]
    if a.llama_server:
        engines.append(("llama-server", lambda: start_llama_server(a.llama_server, a.model, max(counts), a.threads,
                                                                   a.ctx, a.llama_args), generate_llama))
    report = {"model": a.model, "threads": a.threads}
    for engine, start, send in engines:
        proc, url = start()
        try:
            run_round(url, 1, 4, a.temperature, send)  # warm-up: pages the weights in
            rows = []
            for n in counts:
                rates = [run_round(url, n, a.tokens, a.temperature, send)[0] for _ in range(a.repeat)]
                measured = [r for r in rates if r is not None]
                rows.append({"streams": n, "tokens_per_stream": a.tokens,
                             "aggregate_tokens_per_s": max(measured) if measured else None, "rounds": rates})
            base = rows[0]["aggregate_tokens_per_s"]
            for r in rows:
                r["vs_first"] = r["aggregate_tokens_per_s"] / base if base and r["aggregate_tokens_per_s"] else None
            report[engine] = rows
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    if a.json:
        report["rows"] = report["playground"]
        print(json.dumps(report, indent=2))
        return
    print("model: %s | threads: %d | %d tokens per stream, best of %d" % (a.model, a.threads, a.tokens, a.repeat))
    for engine, _, _ in engines:
        print("\n%s\n| streams | aggregate t/s | per stream t/s | vs %d stream(s) |" % (engine, counts[0]))
        print("|--:|--:|--:|--:|")
        for r in report.get(engine, []):
            if r["aggregate_tokens_per_s"] is None:
                print("| %d | every round had a failed request | | |" % r["streams"])
                continue
            print("| %d | %.1f | %.1f | %s |" % (r["streams"], r["aggregate_tokens_per_s"],
                                                 r["aggregate_tokens_per_s"] / r["streams"],
                                                 "%.2fx" % r["vs_first"] if r["vs_first"] else "-"))


if __name__ == "__main__":
    main()
