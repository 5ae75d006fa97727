"""Starting `playground serve` for the benchmark scripts in bench/: a real server
on a free loopback port whose URL is read from its "listening on" log line; its
remaining output is drained in the background. Also the scripts' one JSON call
helper. Standard library only."""
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request


def start(binary, serve_args, data_dir):
    """Runs `binary serve --port 0 --log-level warn SERVE_ARGS` with its data in
    data_dir; returns (process, base URL). Exits when it does not start in 2 min."""
    args = [binary, "serve", "--port", "0", "--log-level", "warn"] + list(serve_args)
    env = dict(os.environ, PLAYGROUND_DATA_DIR=data_dir)
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        match = re.search(r"listening on (http://[^\s]+)", line)
        if match:
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, match.group(1).rstrip("/")
    proc.kill()
    sys.exit("error: the server did not start: " + binary)


def call(url, method="GET", body=None, content_type="application/json", timeout=60):
    """One HTTP request: body as JSON (or raw bytes with content_type); returns the parsed JSON reply."""
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", content_type)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"null")
