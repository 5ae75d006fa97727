"""`make install` (cmake --install with DESTDIR and a prefix) puts every file
where the installed binary and systemd look for it, and the installed binary
serves from those files rather than from the source tree: the test marks the
installed copies and finds the marks in what the server sends. Also checks the
systemd unit (systemd-analyze verify and its exposure score) and the man page."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from deploy_util import SOURCE_DIR, Serve, build_dir, get_json, http


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pg-install-")
        cls.root = os.path.join(cls.tmp, "root")
        r = subprocess.run(["cmake", "--install", build_dir(), "--prefix", "/usr"],
                           env={**os.environ, "DESTDIR": cls.root}, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise AssertionError("cmake --install failed: " + r.stdout + r.stderr)
        cls.usr = os.path.join(cls.root, "usr")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, rel):
        return os.path.join(self.usr, rel)

    def read(self, rel):
        with open(self.path(rel)) as f:
            return f.read()

    def test_every_file_is_installed_under_the_prefix(self):
        for rel in ["bin/playground", "share/playground/models/demo/stories260K.gguf",
                    "share/man/man1/playground.1", "share/playground/swagger-ui/swagger-ui.css",
                    "share/playground/swagger-ui/swagger-ui-bundle.js",
                    "lib/systemd/system/playground.service", "lib/sysusers.d/playground.conf"]:
            self.assertTrue(os.path.isfile(self.path(rel)), rel + " is not installed")
        self.assertTrue(os.access(self.path("bin/playground"), os.X_OK))
        if os.path.isfile(os.path.join(SOURCE_DIR, "web/dist/index.html")):
            self.assertTrue(os.path.isfile(self.path("share/playground/web/index.html")), "web UI not installed")
        # Nothing lands outside DESTDIR/usr.
        self.assertEqual(sorted(os.listdir(self.root)), ["usr"])

    def test_version_names_the_commit_and_the_kernel_paths(self):
        out = subprocess.run([self.path("bin/playground"), "--version"], capture_output=True, text=True,
                             timeout=10).stdout
        self.assertRegex(out, r"^playground \d+\.\d+\.\d+ \(git ([0-9a-f]{7,}|unknown), ")
        self.assertIn("simd ", out)
        self.assertRegex(out, r"kernel paths on this CPU: scalar")

    def test_systemd_unit_runs_the_installed_binary_as_its_own_user(self):
        unit = self.read("lib/systemd/system/playground.service")
        self.assertIn("ExecStart=/usr/bin/playground serve\n", unit)
        self.assertIn("User=playground\n", unit)
        self.assertIn("NoNewPrivileges=yes\n", unit)
        self.assertIn("ProtectSystem=strict\n", unit)
        self.assertIn("u playground ", self.read("lib/sysusers.d/playground.conf"))
        analyze = shutil.which("systemd-analyze")
        if not analyze:
            self.skipTest("systemd-analyze not installed: unit syntax not verified")
        # verify needs the binary at the unit's path: point it at the staged one.
        staged = os.path.join(self.tmp, "playground.service")
        with open(staged, "w") as f:
            f.write(unit.replace("ExecStart=/usr/bin/playground", "ExecStart=" + self.path("bin/playground")))
        r = subprocess.run([analyze, "verify", "--man=no", staged], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = subprocess.run([analyze, "security", "--offline=yes", staged], capture_output=True, text=True,
                           timeout=60)
        m = re.search(r"Overall exposure level for playground.service: ([0-9.]+)", r.stdout + r.stderr)
        self.assertIsNotNone(m, r.stdout + r.stderr)
        self.assertLessEqual(float(m.group(1)), 2.0, "the unit lost hardening: " + m.group(0))

    def test_man_page_renders_without_warnings(self):
        r = subprocess.run(["man", "--warnings", "-l", "-P", "cat", self.path("share/man/man1/playground.1")],
                           capture_output=True, text=True, timeout=30, env={**os.environ, "MANWIDTH": "80"})
        if r.returncode != 0 and "not found" in r.stderr:
            self.skipTest("man not installed")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.strip(), "")
        self.assertIn("playground - self-hosted LLM playground", r.stdout)
        for command in ["serve", "ingest", "ask", "user", "bench"]:
            self.assertRegex(r.stdout, r"\n\s+" + command + r"\b", command + " missing from the man page")

    def test_installed_binary_serves_its_installed_files(self):
        marker = "/* installed copy */"
        with open(self.path("share/playground/swagger-ui/swagger-ui.css"), "a") as f:
            f.write(marker)
        demo = self.path("share/playground/models/demo/stories260K.gguf")
        os.utime(demo, (978307200, 978307200))  # 2001-01-01: the listed model is this copy
        web_index = self.path("share/playground/web/index.html")
        if os.path.isfile(web_index):
            with open(web_index, "a") as f:
                f.write("<!-- installed copy -->")
        server = Serve(self.path("bin/playground"), os.path.join(self.tmp, "data"))
        try:
            status, _, body = http("GET", server.url + "/docs/swagger-ui.css")
            self.assertEqual(status, 200)
            self.assertTrue(body.decode().endswith(marker), "swagger-ui.css did not come from the installed files")
            status, models = get_json(server.url + "/api/v1/models")
            self.assertEqual(status, 200)
            demo_entry = [m for m in models["models"] if m["name"] == "stories260K"]
            self.assertEqual(len(demo_entry), 1, models)
            self.assertTrue(demo_entry[0]["modified_at"].startswith("2001-01-01"), demo_entry[0])
            if os.path.isfile(web_index):
                status, _, body = http("GET", server.url + "/")
                self.assertEqual(status, 200)
                self.assertIn("<!-- installed copy -->", body.decode())
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
