"""Scale-out behind a load balancer, for real: nginx (Debian's, started as an
ordinary process with a config in a temp dir) runs deploy/nginx/playground.conf
in front of two `playground serve` instances that share one models directory.
Checks that requests reach both instances, that a token stream passes through
as it is made (not buffered), and that after one instance is killed with
SIGKILL new requests still succeed. Skips with a message when nginx is absent."""
import http.client as http_client
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from deploy_util import SOURCE_DIR, Serve, binary, free_port, get_json, http


def nginx_binary():
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


class NginxScaleOut(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.nginx = nginx_binary()
        if not cls.nginx:
            raise unittest.SkipTest("nginx not installed (Debian package nginx; `make test` installs it)")
        cls.tmp = tempfile.mkdtemp(prefix="pg-nginx-")
        cls.servers, cls.nginx_proc = [], None
        try:
            cls.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start(cls):
        models = os.path.join(cls.tmp, "models")
        os.makedirs(models)
        # A model slow enough (a few ms a token on one thread) that a stream
        # lasts long enough to see whether it arrives piece by piece.
        r = subprocess.run([binary(), "synth", "--dim", "512", "--layers", "4", "--heads", "8", "--ffn", "1408",
                            "--vocab", "32000", "--type", "Q8_0", "--threads", "1",
                            os.path.join(models, "slow.gguf")], capture_output=True, timeout=120)
        assert r.returncode == 0, r.stderr.decode(errors="replace")
        for name in ("a", "b"):
            cls.servers.append(Serve(binary(), os.path.join(cls.tmp, name), ["--models-dir", models]))
        cls.port = free_port()
        cls.url = f"http://127.0.0.1:{cls.port}"
        with open(os.path.join(SOURCE_DIR, "deploy/nginx/playground.conf")) as f:
            site = f.read()
        site = site.replace("server 127.0.0.1:8081 ", f"server 127.0.0.1:{cls.servers[0].port} ")
        site = site.replace("server 127.0.0.1:8082 ", f"server 127.0.0.1:{cls.servers[1].port} ")
        site = site.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{cls.port};")
        assert str(cls.servers[0].port) in site and str(cls.port) in site, "deploy/nginx/playground.conf changed shape"
        with open(os.path.join(cls.tmp, "playground.conf"), "w") as f:
            f.write(site)
        t = cls.tmp
        main = f"""
{'user root;' if os.geteuid() == 0 else ''}
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
"""
        with open(os.path.join(t, "nginx.conf"), "w") as f:
            f.write(main)
        cls.nginx_proc = subprocess.Popen([cls.nginx, "-p", t, "-c", os.path.join(t, "nginx.conf"), "-e",
                                           os.path.join(t, "error.log")],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 15
        while time.time() < deadline:
            assert cls.nginx_proc.poll() is None, "nginx exited: " + cls.nginx_proc.stderr.read().decode()
            try:
                if get_json(cls.url + "/api/v1/health", timeout=2)[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("nginx did not answer within 15 s")

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "nginx_proc", None) and cls.nginx_proc.poll() is None:
            cls.nginx_proc.send_signal(signal.SIGQUIT)
            try:
                cls.nginx_proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                cls.nginx_proc.kill()
        for s in getattr(cls, "servers", []):
            s.stop()
        if getattr(cls, "tmp", None):
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def instance_of(self, server):
        return get_json(server.url + "/api/v1/health")[1]["instance"]

    def test_1_requests_reach_both_instances(self):
        seen = set()
        for _ in range(12):
            status, body = get_json(self.url + "/api/v1/health")
            self.assertEqual(status, 200)
            seen.add(body["instance"])
        self.assertEqual(seen, {self.instance_of(s) for s in self.servers})
        # Work too, not only health: generations answered through nginx.
        for _ in range(4):
            status, _, body = http("POST", self.url + "/api/v1/models/generate",
                                   {"prompt": "Once upon a time", "max_tokens": 8, "temperature": 0})
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["usage"]["completion_tokens"], 8)

    def test_2_a_stream_passes_through_as_it_is_made(self):
        conn = http_client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        body = json.dumps({"model": "slow", "prompt": "Once upon a time", "max_tokens": 256, "ignore_eos": True,
                           "temperature": 0, "stream": True})
        start = time.monotonic()
        # As a browser asks: a proxy that compresses would hold the stream back.
        conn.request("POST", "/api/v1/models/generate", body,
                     {"Content-Type": "application/json", "Accept-Encoding": "gzip"})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertIn("text/event-stream", resp.getheader("Content-Type", ""))
        arrivals, done = [], False
        while True:
            line = resp.readline()
            if not line:
                break
            if line.startswith(b"event: start"):
                start = time.monotonic()  # the model is loaded: count from here
            if line.startswith(b"event: text"):
                arrivals.append(time.monotonic() - start)
            if line.startswith(b"event: done"):
                done = True
        total = time.monotonic() - start
        conn.close()
        self.assertTrue(done)
        self.assertGreaterEqual(len(arrivals), 128, "too few text events")
        # Unbuffered: the first piece arrives while most of the stream is still
        # to come (nginx buffering would hold several KB of events back), and
        # the pieces arrive spread over the generation, not in a few bursts.
        self.assertLess(arrivals[0], 0.25 * total, f"first piece after {arrivals[0]:.3f} s of {total:.3f} s")
        distinct = len({round(a, 3) for a in arrivals})
        self.assertGreater(distinct, len(arrivals) // 2, f"pieces came in bursts: {distinct} distinct arrival times")

    def test_3_killing_an_instance_fails_no_new_request(self):
        victim, survivor = self.servers[1], self.servers[0]
        victim.kill()
        survivor_id = self.instance_of(survivor)
        for i in range(10):
            status, body = get_json(self.url + "/api/v1/health")
            self.assertEqual(status, 200, f"request {i} after the kill")
            self.assertEqual(body["instance"], survivor_id)
            status, _, out = http("POST", self.url + "/v1/chat/completions",
                                  {"model": "stories260K", "max_tokens": 4,
                                   "messages": [{"role": "user", "content": "Hello"}]})
            self.assertEqual(status, 200, f"chat request {i} after the kill: {out[:200]}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
