#!/usr/bin/env python3
"""The include-graph check of the layers in docs/ARCHITECTURE.md.

Reads two tables from docs/ARCHITECTURE.md, each right after a marker comment:

  <!-- check_layers: layers -->      | Rank | Layer | Folders | Never includes |
  <!-- check_layers: exceptions -->  | File | May include | Why |

then scans every file under src/ for #include lines and prints one line per
violation (file:line: what is wrong), exiting 1 when there is any:

- a quoted include of a header in a higher-ranked layer than the including
  file's (folders of the same rank may include each other);
- an include, direct or through headers of src/, of a header the including
  file's layer never includes (`httplib.h`; a name ending in "/" means every
  header of that src/ folder), unless the exceptions table lists the file;
- a folder of src/ that the layer table does not list, a file directly in
  src/ that is not a template of a generated header, a quoted include that
  resolves to no file of src/ and to no generated header.

Quoted includes resolve as the compiler does: next to the including file
first, then from src/ (the include root). A header `X.h` is generated when
`src/X.h.in` exists (build_info.h, build_paths.h: CMake writes them into the
build directory); every layer may include them, and their templates, scanned
like any other file, rank below every layer, so they may include nothing of
src/. Angle-bracket includes are only checked against "Never includes".

Exit status: 0 clean, 1 violations, 2 the tables or arguments are unusable.
`--self-test` runs the check on small temporary trees, one clean and several
with a deliberate violation each, and fails unless each is judged as expected.
Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

LAYERS_MARKER = "<!-- check_layers: layers -->"
EXCEPTIONS_MARKER = "<!-- check_layers: exceptions -->"
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
GENERATED_RANK = 0  # templates of generated headers: below every layer


class TableError(Exception):
    pass


@dataclass
class Layer:
    rank: int
    name: str
    folders: list[str]
    never: list[str]  # header names ("httplib.h") or folder prefixes ("cli/")


@dataclass
class HeaderException:
    pattern: str  # path under src/, fnmatch wildcards allowed
    headers: list[str]
    why: str


@dataclass
class Tables:
    layers: list[Layer]
    exceptions: list[HeaderException]
    by_folder: dict[str, Layer] = field(default_factory=dict)


# ---------------------------------------------------------------- the tables


def _cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip() for c in s.split("|")]


def _table_after(lines: list[str], marker: str, doc: Path) -> list[list[str]]:
    """Rows of the markdown table that follows `marker` (header and rule skipped)."""
    starts = [i for i, l in enumerate(lines) if l.strip() == marker]
    if len(starts) != 1:
        raise TableError(f"{doc}: expected exactly one line '{marker}', found {len(starts)}")
    i = starts[0] + 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    rows = []
    while i < len(lines) and lines[i].lstrip().startswith("|"):
        rows.append(_cells(lines[i]))
        i += 1
    if len(rows) < 3 or not all(re.fullmatch(r":?-+:?", c) for c in rows[1]):
        raise TableError(f"{doc}: no markdown table (header, rule, rows) after '{marker}'")
    return rows[2:]


def _names(cell: str) -> list[str]:
    """`a`, `b` -> ["a", "b"]; "—", "-" or "" -> []."""
    cell = cell.replace("`", "").strip()
    if cell in ("", "-", "—", "–", "none"):
        return []
    return [n.strip() for n in cell.split(",") if n.strip()]


def read_tables(doc: Path) -> Tables:
    try:
        lines = doc.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise TableError(f"cannot read {doc}: {e}")
    layers = []
    for row in _table_after(lines, LAYERS_MARKER, doc):
        if len(row) < 4:
            raise TableError(f"{doc}: layer row {row} has fewer than 4 cells (Rank, Layer, Folders, Never includes)")
        try:
            rank = int(row[0])
        except ValueError:
            raise TableError(f"{doc}: layer rank '{row[0]}' is not a number")
        if rank <= GENERATED_RANK:
            raise TableError(f"{doc}: layer ranks start at 1 (0 is the generated headers'), got {rank}")
        folders = _names(row[2])
        if not folders:
            raise TableError(f"{doc}: layer '{row[1]}' lists no folder")
        layers.append(Layer(rank, row[1].replace("`", ""), folders, _names(row[3])))
    exceptions = []
    for row in _table_after(lines, EXCEPTIONS_MARKER, doc):
        if len(row) < 3 or not _names(row[0]) or not _names(row[1]) or not row[2]:
            raise TableError(f"{doc}: exception row {row} needs a file, the headers it may include and a reason")
        for pattern in _names(row[0]):
            exceptions.append(HeaderException(pattern, _names(row[1]), row[2]))
    t = Tables(layers, exceptions)
    for layer in layers:
        for f in layer.folders:
            if "/" in f:
                raise TableError(f"{doc}: folder '{f}' must be a folder directly under src/")
            if f in t.by_folder:
                raise TableError(f"{doc}: folder '{f}' is in two layers")
            t.by_folder[f] = layer
    return t


# ---------------------------------------------------------------- the sources


@dataclass
class Include:
    line: int
    text: str      # as written between the quotes or brackets
    quoted: bool
    target: str | None  # resolved path under src/ ("server/x.h"), None when not a file of src/


def scan(src: Path) -> dict[str, list[Include]]:
    files: dict[str, list[Include]] = {}
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(src).as_posix()
            incs = []
            with open(path, encoding="utf-8", errors="replace") as fh:
                for n, line in enumerate(fh, 1):
                    m = INCLUDE_RE.match(line)
                    if not m:
                        continue
                    quoted, text = m.group(1) == '"', m.group(2).strip()
                    target = None
                    if quoted:
                        for base in (path.parent, src):
                            cand = Path(os.path.normpath(base / text))
                            if cand.is_file():
                                try:
                                    target = cand.relative_to(src).as_posix()
                                except ValueError:
                                    target = "../" + text  # a file outside src/
                                break
                    incs.append(Include(n, text, quoted, target))
            files[rel] = incs
    return files


def folder_of(rel: str) -> str | None:
    return rel.split("/", 1)[0] if "/" in rel else None


def check(root: Path, doc: Path) -> list[str]:
    src = (root / "src").resolve()
    if not src.is_dir():
        raise TableError(f"no src/ folder in {root}")
    t = read_tables(doc)
    generated = {p.name[: -len(".in")] for p in src.iterdir() if p.is_file() and p.name.endswith(".in")}
    files = scan(src)
    out: list[str] = []

    for d in sorted(p.name for p in src.iterdir() if p.is_dir()):
        if d not in t.by_folder:
            out.append(f"src/{d}/: folder is in no layer of the table in {doc.name} (place it in one)")

    def rank_of(rel: str) -> tuple[int, str] | None:
        f = folder_of(rel)
        if f is None:
            return (GENERATED_RANK, "generated-header templates") if rel.endswith(".in") else None
        layer = t.by_folder.get(f)
        return (layer.rank, f"{layer.name} ({f})") if layer else None

    def excepted(rel: str, header: str) -> bool:
        return any(fnmatch.fnmatchcase(rel, e.pattern) and header in e.headers for e in t.exceptions)

    def matches_never(inc: Include, never: str) -> bool:
        if never.endswith("/"):
            return inc.target is not None and inc.target.startswith(never)
        return inc.text == never or inc.text.endswith("/" + never)

    # Forbidden headers reached through headers of src/: the shortest chain of
    # includes from `start` to one matching `never`, searched breadth first.
    memo: dict[tuple[str, str], list[str] | None] = {}

    def chain_to(start: str, never: str) -> list[str] | None:
        key = (start, never)
        if key not in memo:
            parent: dict[str, str | None] = {start: None}
            queue, found = [start], None
            while queue and found is None:
                nxt = []
                for rel in queue:
                    for inc in files.get(rel, []):
                        if matches_never(inc, never):
                            found = [inc.text]
                            node: str | None = rel
                            while node is not None and node != start:
                                found.insert(0, node)
                                node = parent[node]
                            break
                        if inc.target and inc.target in files and inc.target not in parent:
                            parent[inc.target] = rel
                            nxt.append(inc.target)
                    if found is not None:
                        break
                queue = nxt
            memo[key] = found
        return memo[key]

    for rel in sorted(files):
        mine = rank_of(rel)
        where = f"src/{rel}"
        if mine is None:
            if folder_of(rel) is None:
                out.append(f"{where}: file directly in src/ that is no template of a generated header (*.in)")
            continue  # its folder is already reported
        my_rank, my_name = mine
        layer = t.by_folder.get(folder_of(rel) or "")
        for inc in files[rel]:
            loc = f"{where}:{inc.line}"
            reported = len(out)
            if inc.quoted:
                if inc.target is None:
                    if inc.text not in generated:
                        out.append(f'{loc}: includes "{inc.text}", which is no file of src/ and no generated header')
                elif inc.target.startswith("../"):
                    out.append(f'{loc}: includes "{inc.text}", which lies outside src/')
                else:
                    theirs = rank_of(inc.target)
                    if theirs is None:
                        out.append(f'{loc}: includes {inc.target}, which is in no layer')
                    elif theirs[0] > my_rank:
                        out.append(f"{loc}: includes {inc.target} (layer {theirs[0]} {theirs[1]}) "
                                   f"from layer {my_rank} {my_name}")
            if layer is None or len(out) > reported:
                continue  # one line per include: fixing the upward include fixes what it brings in
            for never in layer.never:
                if excepted(rel, never):
                    continue
                if matches_never(inc, never):
                    shown = inc.target if never.endswith("/") else inc.text
                    out.append(f"{loc}: includes {shown}, which layer {my_rank} {my_name} never includes")
                elif inc.target and inc.target in files:
                    chain = chain_to(inc.target, never)
                    if chain:
                        out.append(f"{loc}: includes {inc.target}, which brings in {' -> '.join(chain)}; "
                                   f"layer {my_rank} {my_name} never includes {never}")
    return out


# ---------------------------------------------------------------- self-test

SELF_TEST_DOC = """# Test layers

<!-- check_layers: layers -->
| Rank | Layer | Folders (src/) | Never includes |
|---:|---|---|---|
| 1 | base | `base` | `net.h` |
| 2 | middle | `core`, `lib` | `net.h` |
| 3 | faces | `face`, `tool` | `tool/` |
| 3 | faces | `cmd` | — |

<!-- check_layers: exceptions -->
| File (src/) | May include | Why |
|---|---|---|
| `lib/client.*` | `net.h` | the one network client below the faces |
"""

SELF_TEST_CLEAN = {
    "src/ver.h.in": "#pragma once\n#define VER 1\n",
    "src/base/a.h": "#pragma once\n#include <vector>\n",
    "src/core/b.h": '#pragma once\n#include "base/a.h"\n#include "lib/c.h"\n',
    "src/core/b.cpp": '#include "core/b.h"\n#include "b.h"\n#include "ver.h"\n#include <string>\n',
    "src/lib/c.h": '#pragma once\n#include "core/b.h"\n',
    "src/lib/client.h": "#pragma once\n#include <net.h>\n",
    "src/lib/client.cpp": '#include "lib/client.h"\n',
    "src/face/d.cpp": '#include "core/b.h"\n#include "lib/client.h"\n#include <net.h>\n',
    "src/cmd/e.h": '#pragma once\n#include "face/d.h"\n#include "tool/t.h"\n',  # cmd may include tool/
    "src/face/d.h": "#pragma once\n",
    "src/tool/t.h": "#pragma once\n",
}

# name -> (files added to or replaced in the clean tree, a part of each line expected: one line per violation)
SELF_TEST_CASES = {
    "upward include": ({"src/base/a.h": '#pragma once\n#include "core/b.h"\n'},
                       ["src/base/a.h:2: includes core/b.h (layer 2 middle (core)) from layer 1 base (base)"]),
    "upward through ..": ({"src/core/x.cpp": '#include "../face/d.h"\n'},
                          ["src/core/x.cpp:1: includes face/d.h (layer 3"]),
    "forbidden header": ({"src/core/x.cpp": "#include <vector>\n#include <net.h>\n"},
                         ["src/core/x.cpp:2: includes net.h, which layer 2 middle (core) never includes"]),
    "forbidden header through an excepted one": (
        {"src/core/x.cpp": '#include "lib/client.h"\n'},
        ["src/core/x.cpp:1: includes lib/client.h, which brings in net.h; layer 2 middle (core) never includes net.h"]),
    "forbidden folder in the same rank": ({"src/face/y.cpp": '#include "tool/t.h"\n'},
                                          ["src/face/y.cpp:1: includes tool/t.h, which layer 3 faces (face) never includes"]),
    "folder in no layer": ({"src/extra/z.cpp": '#include "base/a.h"\n'},
                           ["src/extra/: folder is in no layer"]),
    "stray file in src/": ({"src/stray.cpp": "int x;\n"}, ["src/stray.cpp: file directly in src/"]),
    "unresolved include": ({"src/base/u.cpp": '#include "nowhere.h"\n'},
                           ['src/base/u.cpp:1: includes "nowhere.h", which is no file of src/']),
    "generated-header template including a layer": ({"src/ver.h.in": '#include "base/a.h"\n'},
                                                    ["src/ver.h.in:1: includes base/a.h (layer 1 base (base)) from layer 0"]),
}


def _write_tree(root: Path, files: dict[str, str]) -> None:
    (root / "docs").mkdir(parents=True, exist_ok=True)
    (root / "docs" / "ARCHITECTURE.md").write_text(SELF_TEST_DOC, encoding="utf-8")
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def _run_on(root: Path) -> tuple[int, list[str], str]:
    r = subprocess.run([sys.executable, os.path.abspath(__file__), "--root", str(root)],
                       capture_output=True, text=True, timeout=60)
    return r.returncode, [l for l in r.stdout.splitlines() if l.strip()], r.stderr


def self_test() -> int:
    failures = []
    with tempfile.TemporaryDirectory(prefix="check_layers_") as tmp:
        clean = Path(tmp) / "clean"
        _write_tree(clean, SELF_TEST_CLEAN)
        rc, lines, err = _run_on(clean)
        if rc != 0 or lines:
            failures.append(f"clean tree: expected exit 0 and no output, got {rc}: {lines} {err.strip()}")
        for i, (name, (changes, expected)) in enumerate(SELF_TEST_CASES.items()):
            root = Path(tmp) / f"case{i}"
            _write_tree(root, {**SELF_TEST_CLEAN, **changes})
            rc, lines, err = _run_on(root)
            ok = rc == 1 and len(lines) == len(expected) and all(
                any(e in l for l in lines) for e in expected)
            if not ok:
                failures.append(f"{name}: expected exit 1 and {expected}, got {rc}: {lines} {err.strip()}")
        bad_doc = Path(tmp) / "bad_doc"
        _write_tree(bad_doc, SELF_TEST_CLEAN)
        (bad_doc / "docs" / "ARCHITECTURE.md").write_text("# no tables\n", encoding="utf-8")
        rc, lines, err = _run_on(bad_doc)
        if rc != 2:
            failures.append(f"document without the tables: expected exit 2, got {rc}: {lines} {err.strip()}")
    for f in failures:
        print(f"self-test FAILED: {f}")
    n = len(SELF_TEST_CASES) + 2
    print(f"self-test: {n - len(failures)} of {n} cases as expected", file=sys.stderr)
    return 1 if failures else 0


# ---------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                    help="the checkout (default: the one this script is in)")
    ap.add_argument("--doc", type=Path, help="the document with the tables (default: ROOT/docs/ARCHITECTURE.md)")
    ap.add_argument("--self-test", action="store_true", help="check the checker on temporary trees")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    root = args.root.resolve()
    doc = args.doc or root / "docs" / "ARCHITECTURE.md"
    try:
        violations = check(root, doc)
    except TableError as e:
        print(f"check_layers: {e}", file=sys.stderr)
        return 2
    for v in violations:
        print(v)
    if violations:
        print(f"check_layers: {len(violations)} violation(s) of the layers in {doc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
