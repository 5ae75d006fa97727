"""Helpers of the deployment tests (tests/deploy): free loopback ports, a
`playground serve` child process that is always stopped, and small HTTP calls
with timeouts. Standard library only; never touches anything outside the
temporary directories the tests make."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build_dir():
    return os.environ.get("PLAYGROUND_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))


def binary():
    return os.environ.get("PLAYGROUND_BINARY", os.path.join(build_dir(), "playground"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, timeout=10, headers=None):
    """(status, headers, body bytes); HTTP errors are answers, not exceptions."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def get_json(url, timeout=10):
    status, _, body = http("GET", url, timeout=timeout)
    return status, json.loads(body) if body else None


class Serve:
    """A `playground serve` on a free loopback port with its own data dir."""

    def __init__(self, exe, data_dir, extra=(), port=None, env=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        os.makedirs(data_dir, exist_ok=True)
        self.log_path = os.path.join(data_dir, "serve.log")
        self.log = open(self.log_path, "wb")
        cmd = [exe, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", data_dir,
               "--threads", "1", "--env-file", os.devnull, *extra]
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("PLAYGROUND_")}
        full_env.update(env or {})
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=full_env,
                                     cwd=data_dir)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"playground serve exited with {self.proc.returncode}: {self.output()}")
            try:
                status, _ = get_json(self.url + "/api/v1/health", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("playground serve did not answer /api/v1/health within 30 s: " + self.output())

    def output(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-4000:]

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()
