"""Model pulls shared by two `playground serve` processes on one PostgreSQL
database (issue 10: downloads' state in the shared database), for real: a
PostgreSQL server in a temp folder, a loopback stand-in for the Hugging Face
Hub (its tree API, resolve redirect and a slow CDN), two instances with their
own models folders and a 3 s pull lease. A pull started through one instance
is listed with its progress through the other, refused there as a duplicate,
followed there over SSE and cancelled there (its owner stops and deletes the
partial file); when the owner is killed (SIGKILL) mid-pull, the other shows
the pull as failed, naming the dead instance, once the lease ran out, and may
pull the model itself. Skips when the PostgreSQL server is not installed."""
import hashlib
import http.server
import json
import os
import shutil
import tempfile
import threading
import time
import unittest
import urllib.request

from deploy_util import PostgresServer, Serve, binary, get_json, http as call

REPO = "acme/Big-GGUF"
FILE = "big.Q4_K_M.gguf"
BLOB = bytes((i * 7919) % 251 for i in range(8 << 20))  # 8 MiB: about 25 s at the CDN's pace
SHA = hashlib.sha256(BLOB).hexdigest()
LEASE = 3


class FakeHub(http.server.ThreadingHTTPServer):
    """The Hub's URL layout (tests/models/fake_model_source.h has the C++ twin),
    serving one repository whose file trickles out at 16 KiB per 50 ms."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), HubHandler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.shutdown()
        self.server_close()


class HubHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.answer(body=False)

    def do_GET(self):
        self.answer(body=True)

    def answer(self, body):
        path = self.path.split("?")[0]
        if path == f"/api/models/{REPO}/tree/main":
            listing = json.dumps([{"type": "file", "oid": "abcd", "size": len(BLOB), "path": FILE,
                                   "lfs": {"oid": SHA, "size": len(BLOB), "pointerSize": 134}}]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(listing)))
            self.end_headers()
            if body:
                self.wfile.write(listing)
        elif path == f"/{REPO}/resolve/main/{FILE}":
            self.send_response(302)
            self.send_header("Location", f"/cdn-lfs/{SHA}?X-Amz-Signature=test")
            self.send_header("X-Linked-Etag", f'"{SHA}"')
            self.send_header("X-Linked-Size", str(len(BLOB)))
            self.send_header("ETag", '"deadbeef"')
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == f"/cdn-lfs/{SHA}":
            start = 0
            rng = self.headers.get("Range", "")
            if rng.startswith("bytes=") and rng[6:].split("-")[0].isdigit():
                start = min(int(rng[6:].split("-")[0]), len(BLOB))
            self.send_response(206 if start else 200)
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(BLOB) - 1}/{len(BLOB)}")
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(BLOB) - start))
            self.send_header("ETag", f'"{SHA}"')
            self.end_headers()
            if not body:
                return
            try:
                for at in range(start, len(BLOB), 16384):
                    self.wfile.write(BLOB[at:at + 16384])
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass  # the instance went away (cancelled or killed)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()


class PostgresPulls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pg-pgpulls-")
        cls.pg = cls.hub = None
        cls.servers = []
        try:
            cls.pg = PostgresServer(cls.tmp)
            url = cls.pg.create_database("playground")
            cls.hub = FakeHub()
            common = ["--database", url, "--auth", "off", "--pull-lease", str(LEASE)]
            for name in ("a", "b"):
                cls.servers.append(Serve(binary(), os.path.join(cls.tmp, name), common,
                                         env={"HF_ENDPOINT": cls.hub.url}))
            cls.a, cls.b = cls.servers
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()
        if cls.hub:
            cls.hub.stop()
        if cls.pg:
            cls.pg.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def pull(self, server):
        status, _, body = call("POST", server.url + "/api/v1/models/pull", {"model": "hf.co/" + REPO})
        self.assertEqual(status, 202, body)
        return json.loads(body)

    def pull_state(self, server, pull_id):
        status, body = get_json(f"{server.url}/api/v1/models/pulls/{pull_id}")
        self.assertEqual(status, 200, body)
        return body

    def wait_for(self, what, predicate, seconds):
        deadline = time.monotonic() + seconds
        while True:
            value = predicate()
            if value:
                return value
            self.assertLess(time.monotonic(), deadline, what)
            time.sleep(0.05)

    def seen_running_through_b(self, pull_id, owner):
        def listed():
            status, body = get_json(self.b.url + "/api/v1/models/pulls")
            self.assertEqual(status, 200, body)
            for p in body["pulls"]:
                if p["id"] == pull_id and p["progress"]["completed_bytes"] > 0:
                    return p
            return None
        p = self.wait_for("B never listed A's pull with progress", listed, 20)
        self.assertEqual(p["instance"], owner)
        self.assertEqual(p["state"], "running")
        self.assertEqual(p["model"], "big.Q4_K_M")
        self.assertEqual(p["progress"]["total_bytes"], len(BLOB))
        return p

    def test_pulls_are_seen_cancelled_and_failed_across_instances(self):
        owner = get_json(self.a.url + "/api/v1/health")[1]["instance"]
        survivor = get_json(self.b.url + "/api/v1/health")[1]["instance"]
        self.assertNotEqual(owner, survivor)
        partial = os.path.join(self.tmp, "a", "models", ".partial", FILE + ".part")

        # Started through A: listed through B with A's progress; B's model list shows it downloading.
        first = self.pull(self.a)
        self.assertEqual(first["instance"], owner)
        self.seen_running_through_b(first["id"], owner)
        models = get_json(self.b.url + "/api/v1/models")[1]["models"]
        self.assertTrue(any(m.get("status") == "downloading" and m["pull"]["id"] == first["id"] for m in models))
        status, _, body = call("POST", self.b.url + "/api/v1/models/pull", {"model": "hf.co/" + REPO})
        self.assertEqual(status, 409, body)
        self.assertIn(first["id"], body.decode())
        self.assertTrue(os.path.exists(partial))

        # B follows it over SSE and cancels it; A stops and deletes its partial file.
        events = []

        def watch():
            with urllib.request.urlopen(f"{self.b.url}/api/v1/models/pull/{first['id']}/events", timeout=30) as r:
                events.append(r.read().decode())
        watcher = threading.Thread(target=watch)
        watcher.start()
        time.sleep(0.5)
        asked = time.monotonic()
        status, _, body = call("DELETE", f"{self.b.url}/api/v1/models/pulls/{first['id']}")
        self.assertEqual(status, 200, body)
        self.wait_for("A did not cancel", lambda: self.pull_state(self.a, first["id"])["state"] == "cancelled", 5)
        cancelled_after = time.monotonic() - asked
        self.assertLess(cancelled_after, 3.0)
        self.wait_for("B does not show it cancelled",
                      lambda: self.pull_state(self.b, first["id"])["state"] == "cancelled", 5)
        self.assertFalse(os.path.exists(partial))
        watcher.join(30)
        self.assertEqual(len(events), 1, "the SSE stream through B did not end")
        last = [b for b in events[0].split("\n\n") if b.strip()][-1]
        self.assertIn("event: done", last)
        self.assertIn('"state":"cancelled"', last.replace(" ", ""))

        # Pulled again through A, then A is killed: B shows it failed once the lease ran out.
        second = self.pull(self.a)
        self.seen_running_through_b(second["id"], owner)
        self.a.kill()
        killed = time.monotonic()
        failed = self.wait_for("B never showed the dead instance's pull as failed",
                               lambda: (lambda p: p if p["state"] == "failed" else None)(
                                   self.pull_state(self.b, second["id"])), LEASE + 10)
        failed_after = time.monotonic() - killed
        self.assertIn(owner, failed["error"])
        self.assertLess(failed_after, LEASE + 5)

        # The reference is free again: B pulls it itself (then cancels, to end the test).
        third = self.pull(self.b)
        self.assertEqual(third["instance"], survivor)
        status, _, body = call("DELETE", f"{self.b.url}/api/v1/models/pulls/{third['id']}")
        self.assertEqual(status, 200, body)
        print(f"\ncancel through the other instance took effect in {cancelled_after:.2f} s; "
              f"a killed owner's pull showed as failed {failed_after:.2f} s after the kill (lease {LEASE} s)")


if __name__ == "__main__":
    unittest.main(verbosity=2)
