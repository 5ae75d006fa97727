"""The container and deployment files stay the plain mirror of the README's
steps (no Docker engine runs here, so they are checked by reading them): the
Dockerfile builds with `make build` and `make install`, its runtime stage
installs a Debian package for every shared library the built binary links
directly (objdump NEEDED + ldd + dpkg -S, so a new dependency cannot be
forgotten; apt brings the libraries' own dependencies), compose.yaml mounts
only files that exist, the two nginx configs differ only in their upstreams,
and the devcontainer runs Makefile targets that exist."""
import json
import os
import re
import subprocess
import unittest

from deploy_util import SOURCE_DIR, binary

# Packages every debian:12-slim image has (essential or required by apt).
BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}


def read(rel):
    with open(os.path.join(SOURCE_DIR, rel)) as f:
        return f.read()


class DeploymentFiles(unittest.TestCase):
    def test_dockerfile_builds_with_the_makefile(self):
        docker = read("Dockerfile")
        self.assertRegex(docker, r"FROM debian:12 AS build")
        self.assertRegex(docker, r"RUN make build\b")
        self.assertRegex(docker, r"make install PREFIX=/usr DESTDIR=/out")
        self.assertRegex(docker, r"FROM debian:12-slim")
        self.assertRegex(docker, r"\nUSER playground\n")
        self.assertIn("HEALTHCHECK", docker)
        self.assertIn("/api/v1/health", docker)

    def test_runtime_stage_has_a_package_for_every_linked_library(self):
        docker = read("Dockerfile")
        runtime = docker[docker.index("FROM debian:12-slim"):]
        installed = set(re.findall(r"\b(lib[a-z0-9.+-]+|zlib1g|curl|ca-certificates)\b", runtime))
        # The libraries the binary itself needs (ELF NEEDED); apt brings theirs.
        dynamic = subprocess.run(["objdump", "-p", binary()], capture_output=True, text=True, timeout=30).stdout
        direct = set(re.findall(r"NEEDED\s+(\S+)", dynamic))
        ldd = subprocess.run(["ldd", binary()], capture_output=True, text=True, timeout=30).stdout
        libs = [os.path.realpath(path) for name, path in re.findall(r"(\S+) => (/\S+)", ldd) if name in direct]
        self.assertGreater(len(libs), 5, ldd)
        needed = set()
        for lib in libs:
            owner = subprocess.run(["dpkg", "-S", lib], capture_output=True, text=True).stdout
            if not owner:
                # usrmerge: dpkg knows /lib/... for files under /usr/lib/...
                owner = subprocess.run(["dpkg", "-S", lib.replace("/usr/lib/", "/lib/", 1)],
                                       capture_output=True, text=True).stdout
            self.assertTrue(owner, "no Debian package owns " + lib)
            needed.add(owner.split(":")[0])
        missing = needed - installed - BASE_IMAGE_PACKAGES
        self.assertEqual(missing, set(), "add these to the Dockerfile's runtime stage")

    def test_compose_mounts_only_files_that_exist(self):
        compose = read("compose.yaml")
        self.assertIn("build: .", compose)
        for path in re.findall(r'"\./([^":]+):', compose):
            self.assertTrue(os.path.exists(os.path.join(SOURCE_DIR, path)), "compose.yaml mounts missing " + path)
        for profile in ("single", "ollama", "scaled"):
            self.assertIn(f'profiles: ["{profile}"]', compose)

    def test_nginx_configs_differ_only_in_upstreams_and_listen(self):
        def body(text):
            lines = [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#")]
            return [re.sub(r"server \S+ max_fails", "server X max_fails", re.sub(r"listen \S+;", "listen X;", l))
                    for l in lines]
        self.assertEqual(body(read("deploy/nginx/playground.conf")), body(read("deploy/nginx/compose.conf")))
        self.assertIn("proxy_buffering off;", read("deploy/nginx/playground.conf"))

    def test_devcontainer_runs_existing_make_targets(self):
        text = re.sub(r"^\s*//.*$", "", read(".devcontainer/devcontainer.json"), flags=re.M)
        config = json.loads(text)
        makefile = read("Makefile")
        for target in re.findall(r"make ([a-z-]+(?: [a-z-]+)*)", config["postCreateCommand"]):
            for t in target.split():
                self.assertRegex(makefile, rf"(?m)^{re.escape(t)}:", "devcontainer runs unknown target " + t)
        self.assertIn(8080, config["forwardPorts"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
