"""Scale-out behind a load balancer, for real: nginx (Debian's, started as an
ordinary process with a config in a temp dir) runs deploy/nginx/playground.conf
in front of two `playground serve` instances that share one models directory
and one provider pool (a third `playground serve`, as a vLLM server would be).
Checks that requests reach both instances, that both answer alike from the
pool, that a token stream passes through
as it is made (not buffered), and that after one instance is killed with
SIGKILL new requests still succeed. Skips with a message when nginx is absent."""
import http.client as http_client
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from deploy_util import Nginx, Serve, binary, get_json, http


class NginxScaleOut(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
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
        # One provider pool both instances use: a third playground, as a vLLM or
        # any OpenAI-compatible server would be.
        cls.pool = Serve(binary(), os.path.join(cls.tmp, "pool"))
        config = os.path.join(cls.tmp, "providers.toml")
        with open(config, "w") as f:
            f.write(f'[[providers]]\nname = "pool"\nkind = "openai"\nbase_urls = ["{cls.pool.url}"]\n')
        for name in ("a", "b"):
            cls.servers.append(Serve(binary(), os.path.join(cls.tmp, name), ["--models-dir", models, "--config", config]))
        cls.nginx_proc = Nginx(cls.tmp, [s.port for s in cls.servers])
        cls.port = cls.nginx_proc.port
        cls.url = cls.nginx_proc.url

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "nginx_proc", None):
            cls.nginx_proc.stop()
        for s in getattr(cls, "servers", []):
            s.stop()
        if getattr(cls, "pool", None):
            cls.pool.stop()
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

    def test_1b_both_instances_answer_from_the_shared_provider_pool(self):
        for server in self.servers:
            deadline = time.time() + 15
            while True:
                status, models = get_json(server.url + "/v1/models")
                if status == 200 and "pool/stories260K" in [m["id"] for m in models["data"]]:
                    break
                self.assertLess(time.time(), deadline, "the pool's models were not discovered: " + json.dumps(models))
                time.sleep(0.1)
        answers = set()
        for _ in range(4):
            status, headers, out = http("POST", self.url + "/v1/chat/completions",
                                        {"model": "pool/stories260K", "max_tokens": 6, "temperature": 0,
                                         "messages": [{"role": "user", "content": "Once upon a time"}]})
            self.assertEqual(status, 200, out[:300])
            answers.add(json.loads(out)["choices"][0]["message"]["content"])
        self.assertEqual(len(answers), 1, "greedy answers from one pool differ between instances")

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
                                  {"model": "pool/stories260K" if i % 2 else "stories260K", "max_tokens": 4,
                                   "messages": [{"role": "user", "content": "Hello"}]})
            self.assertEqual(status, 200, f"chat request {i} after the kill: {out[:200]}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
