"""Two `playground serve` instances on one PostgreSQL database behind nginx,
for real: a PostgreSQL server started in a temp folder as an ordinary user,
nginx running deploy/nginx/playground.conf, both instances with auth on, one
token secret, one shared documents folder. Checks what issue 10 asks: a user
created through one instance logs in through the other; a document uploaded
through one is found by a question asked through the other within a second;
an instance killed (SIGKILL) in the middle of an ingestion job leaves the job
to the other, which finishes it with no chunk lost or duplicated. Skips with a
message when the PostgreSQL server or nginx is not installed."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from deploy_util import Nginx, PostgresServer, Serve, binary, get_json, http, multipart

SECRET = "a-shared-token-secret-of-more-than-32-bytes"
ADMIN_PASSWORD = "scaleout-granite-ferry-42"


class PostgresScaleOut(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pg-pgscale-")
        cls.pg = cls.nginx = None
        cls.servers = []
        try:
            cls.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start(cls):
        cls.pg = PostgresServer(cls.tmp)
        cls.db = "playground"
        url = cls.pg.create_database(cls.db)
        docs = os.path.join(cls.tmp, "shared-documents")
        os.makedirs(docs)
        r = subprocess.run([binary(), "user", "add", "admin", "--role", "admin", "--password-stdin", "--password-cost",
                            "min", "--database", url, "--data-dir", os.path.join(cls.tmp, "cli"), "--env-file",
                            os.devnull], input=ADMIN_PASSWORD + "\n", capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
        common = ["--database", url, "--auth", "on", "--secret", SECRET, "--password-cost", "min",
                  "--documents-dir", docs, "--ingest-lease", "3"]
        for name in ("a", "b"):
            cls.servers.append(Serve(binary(), os.path.join(cls.tmp, name), common))
        cls.nginx = Nginx(cls.tmp, [s.port for s in cls.servers])
        cls.a, cls.b = cls.servers

    @classmethod
    def tearDownClass(cls):
        if cls.nginx:
            cls.nginx.stop()
        for s in cls.servers:
            s.stop()
        if cls.pg:
            cls.pg.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def login(self, base, user, password):
        status, _, body = http("POST", base + "/api/v1/auth/login", {"username": user, "password": password})
        self.assertEqual(status, 200, body)
        return {"Authorization": "Bearer " + json.loads(body)["access_token"]}

    def upload(self, base, auth, collection, files):
        body, ctype = multipart(files)
        req = urllib.request.Request(f"{base}/api/v1/collections/{collection}/documents", data=body, method="POST",
                                     headers={**auth, "Content-Type": ctype})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                self.assertEqual(r.status, 202)
                return json.loads(r.read())["job"]["id"]
        except urllib.error.HTTPError as e:
            self.fail(f"upload answered {e.code}: {e.read()[:500]}")

    def job(self, base, auth, job_id):
        status, _, body = http("GET", f"{base}/api/v1/ingest/jobs/{job_id}", headers=auth)
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def test_1_a_user_made_on_one_instance_logs_in_through_the_other(self):
        admin_a = self.login(self.a.url, "admin", ADMIN_PASSWORD)
        status, _, body = http("POST", self.a.url + "/api/v1/users",
                               {"username": "bob", "password": "lantern-quay-77", "role": "user"}, headers=admin_a)
        self.assertEqual(status, 201, body)
        bob_b = self.login(self.b.url, "bob", "lantern-quay-77")
        status, me = get_json_auth(self.b.url + "/api/v1/auth/me", bob_b)
        self.assertEqual(status, 200)
        self.assertEqual(me["user"]["username"], "bob")
        # And a token from one instance is accepted by the other (one secret, one database).
        status, me = get_json_auth(self.a.url + "/api/v1/auth/me", bob_b)
        self.assertEqual(status, 200)
        through_nginx = self.login(self.nginx.url, "bob", "lantern-quay-77")
        self.assertEqual(get_json_auth(self.nginx.url + "/api/v1/auth/me", through_nginx)[0], 200)

    def test_2_a_document_uploaded_to_one_is_found_through_the_other_within_a_second(self):
        auth = self.login(self.nginx.url, "admin", ADMIN_PASSWORD)
        status, _, body = http("POST", self.a.url + "/api/v1/collections", {"name": "notes"}, headers=auth)
        self.assertEqual(status, 201, body)
        text = b"# Walruses\n\nThe walrus sleeps on drifting ice floes in the Arctic.\n\nWalruses eat clams.\n"
        job_id = self.upload(self.a.url, auth, "notes", [("walrus.md", text)])
        deadline = time.time() + 30
        while self.job(self.a.url, auth, job_id)["status"] != "done":
            self.assertLess(time.time(), deadline, "the upload was not ingested within 30 s")
            time.sleep(0.02)
        indexed = time.monotonic()
        while True:
            status, _, body = http("POST", self.b.url + "/api/v1/collections/notes/search",
                                   {"query": "where does the walrus sleep", "top_k": 3}, headers=auth)
            self.assertEqual(status, 200, body)
            hits = json.loads(body)["hits"]
            if hits:
                break
            self.assertLess(time.monotonic() - indexed, 1.0, "not found through the other instance within 1 s")
            time.sleep(0.02)
        self.assertLess(time.monotonic() - indexed, 1.0)
        self.assertEqual(hits[0]["document"]["file_name"], "walrus.md")
        status, _, body = http("POST", self.b.url + "/api/v1/rag/query",
                               {"collection": "notes", "question": "where does the walrus sleep", "max_tokens": 8},
                               headers=auth)
        self.assertEqual(status, 200, body)
        self.assertTrue(json.loads(body)["sources"], body)

    def test_3_an_instance_killed_mid_job_leaves_it_to_the_other(self):
        auth = self.login(self.nginx.url, "admin", ADMIN_PASSWORD)
        status, _, body = http("POST", self.a.url + "/api/v1/collections", {"name": "books"}, headers=auth)
        self.assertEqual(status, 201, body)
        files = []
        for i in range(8):
            paragraphs = [f"Book {i}, paragraph {p}: " + " ".join(f"word{(i * 7919 + p * 31 + w) % 5000}"
                                                                  for w in range(60)) for p in range(4000)]
            files.append((f"book{i}.txt", "\n\n".join(paragraphs).encode()))
        job_id = self.upload(self.a.url, auth, "books", files)
        deadline = time.time() + 60
        while self.job(self.b.url, auth, job_id)["files_done"] < 1:
            self.assertLess(time.time(), deadline, "no file ingested within 60 s")
            time.sleep(0.02)
        self.a.kill()
        killed_at = self.job(self.b.url, auth, job_id)
        self.assertLess(killed_at["files_done"], 8, "the job ended before the kill; make the files larger")
        deadline = time.time() + 120
        while True:
            j = self.job(self.b.url, auth, job_id)
            if j["finished"]:
                break
            self.assertLess(time.time(), deadline, "the surviving instance did not finish the job: " + json.dumps(j))
            time.sleep(0.1)
        self.assertEqual(j["status"], "done", json.dumps(j))
        self.assertEqual(j["files_done"], 8)
        # No chunk lost or duplicated: every document indexed, its chunk indexes 0..n-1 each once.
        rows = self.pg.query(self.db, "SELECT d.status, count(k.id), count(DISTINCT k.chunk_index), "
                                      "coalesce(max(k.chunk_index), -1) FROM documents d JOIN collections c ON "
                                      "c.id = d.collection_id AND c.name = 'books' LEFT JOIN chunks k ON "
                                      "k.document_id = d.id GROUP BY d.id, d.status ORDER BY d.id")
        docs = [r.split("|") for r in rows.splitlines()]
        self.assertEqual(len(docs), 8)
        for status, n, distinct, top in docs:
            self.assertEqual(status, "indexed")
            self.assertGreater(int(n), 10)
            self.assertEqual(int(n), int(distinct))
            self.assertEqual(int(top), int(n) - 1)
        survivor = get_json(self.b.url + "/api/v1/health")[1]["instance"]
        taken_over = self.pg.query(self.db, f"SELECT count(*) FROM ingest_job_files WHERE job_id = '{job_id}' "
                                            f"AND claimed_by = 'worker-{survivor}'")
        self.assertGreaterEqual(int(taken_over), 1, "the surviving instance ingested none of the files")


def get_json_auth(url, headers):
    status, _, body = http("GET", url, headers=headers)
    return status, json.loads(body) if body else None


if __name__ == "__main__":
    unittest.main(verbosity=2)
