#!/usr/bin/env python3
"""Time to first token of a long RAG question, ours next to llama-server: starts
`playground serve` on a free loopback port, ingests the given text files into a
collection, then asks POST /api/v1/rag/query (streamed) with enough sources to
fill about 3000 prompt tokens (--context-share of a 4096 context) and times the first answer text. The same
sources and question as one plain prompt then go to our /v1/completions and,
with --llama-server, to llama-server's /completion (same GGUF file, same
threads, prompt cache off), each timed to its first streamed token. Every run
starts with a different first line, so no engine can reuse an earlier prompt.
Standard library only; numbers go to docs/BENCHMARKS.md.

usage: bench/rag_ttft.py [--binary build/playground] -m MODEL --docs FILE [FILE ...]
                         [--llama-server PATH [--llama-args ARGS]] [--question TEXT]
                         [--context-share 0.75] [--threads 2] [--ctx 4096] [--repeat 3]
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

import playground_server


def call(url, method="GET", body=None, content_type="application/json"):
    return playground_server.call(url, method, body, content_type, timeout=600)


def ingest(base, files):
    c = call(base + "/api/v1/collections", "POST", {"name": "ttft-%d" % os.getpid()})
    boundary = "ttftboundary5c1"
    parts = []
    for path in files:
        with open(path, "rb") as f:
            content = f.read()
        name = os.path.basename(path)
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"files\"; filename=\"%s\"\r\n"
                      "Content-Type: text/plain\r\n\r\n" % (boundary, name)).encode() + content + b"\r\n")
    body = b"".join(parts) + ("--%s--\r\n" % boundary).encode()
    call("%s/api/v1/collections/%s/documents" % (base, c["id"]), "POST", body,
         "multipart/form-data; boundary=" + boundary)
    deadline = time.time() + 600
    while time.time() < deadline:
        docs = call("%s/api/v1/collections/%s/documents" % (base, c["id"])).get("documents", [])
        if docs and all(d.get("status") in ("indexed", "failed") for d in docs):
            if any(d.get("status") == "failed" for d in docs):
                sys.exit("a document failed to ingest: " + json.dumps(docs))
            return c["name"]
        time.sleep(0.5)
    sys.exit("the documents were not ingested in 10 minutes")


def stream_events(url, body):
    """Yields (seconds since the request, parsed JSON of each SSE data line)."""
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    try:
        response = urllib.request.urlopen(req, timeout=600)
    except urllib.error.HTTPError as e:
        sys.exit("%s: HTTP %d: %s" % (url, e.code, e.read().decode("utf-8", "replace")))
    with response as r:
        event = None
        for raw in r:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                yield time.perf_counter() - start, event, json.loads(data)


def rag_ttft(base, collection, question, top_k, share, nonce):
    """Seconds to the first answer text, the sources and the prompt token count."""
    body = {"collection": collection, "question": question, "stream": True, "top_k": top_k, "mode": "bm25",
            "context_share": share, "system_prompt": nonce + " Answer from the sources and cite them as [n].",
            "params": {"max_tokens": 2, "temperature": 0}}
    first, sources, prompt_tokens = None, [], None
    for seconds, event, data in stream_events(base + "/api/v1/rag/query", body):
        if event == "sources":
            sources = data.get("sources", [])
        elif event == "text" and first is None:
            first = seconds
        elif event == "done":
            prompt_tokens = data.get("usage", {}).get("prompt_tokens")
            if first is None:
                first = seconds
    return first, sources, prompt_tokens


def plain_prompt(nonce, sources, question):
    lines = [nonce, "Answer the question from these sources and cite them as [n].", ""]
    for i, s in enumerate(sources, 1):
        lines.append("[%d] %s" % (i, s.get("text", "")))
    lines += ["", "Question: " + question, "Answer:"]
    return "\n".join(lines)


def completion_ttft(url, body):
    """Seconds to the first streamed token and the prompt token count if reported."""
    first, prompt_tokens = None, None
    for seconds, _, data in stream_events(url, body):
        if first is None:
            first = seconds
        usage = data.get("usage") or {}
        timings = data.get("timings") or {}
        prompt_tokens = usage.get("prompt_tokens", timings.get("prompt_n", prompt_tokens))
    return first, prompt_tokens


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_llama_server(path, model, threads, ctx, extra):
    port = free_port()
    proc = subprocess.Popen([path, "-m", model, "-t", str(threads), "-c", str(ctx), "-np", "1", "--port", str(port),
                             "--host", "127.0.0.1"] + extra.split(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = "http://127.0.0.1:%d" % port
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if call(url + "/health").get("status") == "ok":
                return proc, url
        except Exception:
            time.sleep(0.5)
    proc.kill()
    sys.exit("llama-server did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "..", "build", "playground"))
    parser.add_argument("-m", "--model", required=True)
    parser.add_argument("--docs", nargs="+", required=True)
    parser.add_argument("--llama-server")
    parser.add_argument("--llama-args", default="",
                        help="more llama-server flags, e.g. --override-kv llama.context_length=int:4096 for a "
                             "model trained on a shorter context")
    parser.add_argument("--question", default="How does the shell expand parameters and what do the options do?")
    parser.add_argument("--top-k", type=int, default=100)
    parser.add_argument("--context-share", type=float, default=0.75,
                        help="share of the free context for sources (0.75 of 4096: about 3000 prompt tokens)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--ctx", type=int, default=4096)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    proc, base = playground_server.start(args.binary, ["-m", args.model, "--slots", "1", "--threads",
                                                       str(args.threads), "--ctx-size", str(args.ctx)],
                                         os.path.join("/tmp", "pg-bench-ttft-%d" % os.getpid()))
    results = {"rag_query": [], "ours_completion": [], "llama_completion": []}
    try:
        collection = ingest(base, args.docs)
        model_name = call(base + "/api/v1/models")["models"][0]["name"]
        prompts = []
        for i in range(args.repeat):
            seconds, sources, tokens = rag_ttft(base, collection, args.question, args.top_k, args.context_share,
                                              "Run %d of %d." % (i, os.getpid()))
            results["rag_query"].append((seconds, tokens))
            prompts.append(plain_prompt("Plain run %d of %d." % (i, os.getpid()), sources, args.question))
            print("rag/query: %.3f s to the first token, %s prompt tokens, %d sources" % (seconds, tokens, len(sources)),
                  flush=True)
        for i, prompt in enumerate(prompts):
            seconds, tokens = completion_ttft(base + "/v1/completions", {"model": model_name, "prompt": prompt,
                                                                          "max_tokens": 1, "stream": True,
                                                                          "stream_options": {"include_usage": True}})
            results["ours_completion"].append((seconds, tokens))
            print("ours /v1/completions: %.3f s, %s prompt tokens" % (seconds, tokens), flush=True)
    finally:
        proc.kill()
        proc.wait()
    if args.llama_server:
        lproc, lurl = start_llama_server(args.llama_server, args.model, args.threads, args.ctx,
                                          args.llama_args)
        try:
            for prompt in prompts:
                seconds, tokens = completion_ttft(lurl + "/completion", {"prompt": prompt, "n_predict": 1,
                                                                        "stream": True, "cache_prompt": False})
                results["llama_completion"].append((seconds, tokens))
                print("llama-server /completion: %.3f s, %s prompt tokens" % (seconds, tokens), flush=True)
        finally:
            lproc.kill()
            lproc.wait()
    print(json.dumps({k: {"median_s": statistics.median(s for s, _ in v), "prompt_tokens": [t for _, t in v]}
                      for k, v in results.items() if v}))


if __name__ == "__main__":
    main()
