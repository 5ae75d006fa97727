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


class PostgresServer:
    """A real PostgreSQL server in a temp folder on a free loopback port, run
    as an ordinary user (as `postgres` when the tests run as root). Raises
    unittest.SkipTest when the server binaries are missing."""

    def __init__(self, root):
        import glob
        import pwd
        import shutil as _shutil
        import unittest
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            raise unittest.SkipTest("PostgreSQL server not installed (Debian package postgresql; `make test` installs it)")
        self.bin = os.path.dirname(bins[-1])
        self.dir = os.path.join(root, "postgres")
        os.makedirs(self.dir)
        self.prefix = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            os.chmod(root, os.stat(root).st_mode | 0o711)  # the server's user must reach its folder
            self.prefix = ["runuser", "-u", "postgres", "--"]
        data = os.path.join(self.dir, "data")
        self._run([os.path.join(self.bin, "initdb"), "-D", data, "-A", "trust", "-U", "playground", "-E", "UTF8",
                   "--locale=C", "--no-sync", "--no-instructions"])
        self.port = free_port()
        self._run([os.path.join(self.bin, "pg_ctl"), "-D", data, "-l", os.path.join(self.dir, "server.log"), "-w",
                   "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start"])
        self.data = data
        self.psql = _shutil.which("psql")

    def _run(self, cmd):
        r = subprocess.run(self.prefix + cmd, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(" ".join(cmd) + " failed: " + r.stdout + r.stderr)

    def url(self, database):
        return f"postgresql://playground@127.0.0.1:{self.port}/{database}"

    def create_database(self, name):
        self.query("postgres", f"CREATE DATABASE {name}")
        return self.url(name)

    def query(self, database, sql):
        r = subprocess.run([self.psql, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", self.url(database), "-c", sql],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"psql {sql!r}: {r.stderr}")
        return r.stdout.strip()

    def stop(self):
        subprocess.run(self.prefix + [os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", "immediate", "-w",
                                      "stop"], capture_output=True, timeout=60)


def multipart(files):
    """(body, content type) of a multipart/form-data upload of (name, bytes) files."""
    boundary = "pgtestboundary7d1c"
    parts = []
    for name, data in files:
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Nginx:
    """nginx (Debian's) as an ordinary process running deploy/nginx/playground.conf
    in front of the given instance ports. Raises unittest.SkipTest when nginx
    is not installed."""

    def __init__(self, root, upstream_ports):
        import shutil as _shutil
        import unittest
        exe = _shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
        if not exe:
            raise unittest.SkipTest("nginx not installed (Debian package nginx; `make test` installs it)")
        t = os.path.join(root, "nginx")
        os.makedirs(t)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with open(os.path.join(SOURCE_DIR, "deploy/nginx/playground.conf")) as f:
            site = f.read()
        servers = [l for l in site.splitlines() if l.strip().startswith("server 127.0.0.1:")]
        assert len(servers) == 2, "deploy/nginx/playground.conf changed shape"
        lines = [servers[0].replace("127.0.0.1:8081", f"127.0.0.1:{p}") for p in upstream_ports]
        site = site.replace(servers[0] + "\n" + servers[1], "\n".join(lines))
        site = site.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{self.port};")
        assert all(str(p) in site for p in upstream_ports) and str(self.port) in site, "config not rewritten"
        with open(os.path.join(t, "playground.conf"), "w") as f:
            f.write(site)
        user = "user root;" if os.geteuid() == 0 else ""
        with open(os.path.join(t, "nginx.conf"), "w") as f:
            f.write(f"""{user}
worker_processes 1;
daemon off;
pid {t}/nginx.pid;
error_log {t}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log {t}/access.log;
  client_body_temp_path {t}/body;
  proxy_temp_path {t}/proxy;
  fastcgi_temp_path {t}/fastcgi;
  uwsgi_temp_path {t}/uwsgi;
  scgi_temp_path {t}/scgi;
  include {t}/playground.conf;
}}
""")
        self.proc = subprocess.Popen([exe, "-p", t, "-c", os.path.join(t, "nginx.conf"), "-e",
                                      os.path.join(t, "error.log")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited: " + self.proc.stderr.read().decode())
            try:
                if get_json(self.url + "/api/v1/health", timeout=2)[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx did not answer within 15 s")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
