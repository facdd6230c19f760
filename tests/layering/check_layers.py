#!/usr/bin/env python3
"""The layering test: every #include between folders of libimmichbak/src runs one way, down.

  check_layers.py SRC_DIR        check the tree (exit 1 naming each file:line that breaks a rule)
  check_layers.py --self-test    show that the check fails on an upward and a sideways include

Layers, bottom to top (docs/architecture.md, "Layers"):

  0 util                                      no immichbak folder below it
  1 pg                                        the only code that speaks libpq
  2 format                                    the file format
  3 schema, sqlscript, immich, load, copytext shared engines: may use each other, never in a
                                              cycle (a pair that includes both ways is an error)
  4 backup, restore, verify, inspect,         commands: never include each other; what two
    retention, run                            share moves down into an engine

A folder may include its own headers and those of any lower layer. A folder not in the table
is an error too: a new folder gets its place here (and in docs/architecture.md) first.
Public headers (<immichbak/...>) may be included anywhere.
"""
import os
import re
import sys
import tempfile

LAYERS = [
    ("util",),
    ("pg",),
    ("format",),
    ("schema", "sqlscript", "immich", "load", "copytext"),
    ("backup", "restore", "verify", "inspect", "retention", "run"),
]
RANK = {folder: rank for rank, folders in enumerate(LAYERS) for folder in folders}
ENGINES = 3
INCLUDE = re.compile(r'^\s*#\s*include\s+"([A-Za-z0-9_]+)/[^"]*"')


def check(src):
    problems = []
    engine_edges = {}  # (from, to) -> first file:line, for the cycle check
    for root, _dirs, files in os.walk(src):
        rel_root = os.path.relpath(root, src)
        if rel_root == ".":
            for f in files:
                problems.append(f"{f}: a file directly in src/: put it in the folder of its layer")
            continue
        folder = rel_root.split(os.sep)[0]
        for f in sorted(files):
            path = os.path.join(root, f)
            rel = os.path.relpath(path, src)
            if folder not in RANK:
                problems.append(f"{rel}: folder '{folder}' has no layer: add it to tests/layering/check_layers.py "
                                "and docs/architecture.md")
                break
            with open(path, encoding="utf-8", errors="replace") as fh:
                for n, line in enumerate(fh, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    target = m.group(1)
                    where = f"{rel}:{n}"
                    if target == folder:
                        continue
                    if target not in RANK:
                        problems.append(f"{where}: includes \"{target}/...\", a folder with no layer")
                    elif RANK[target] > RANK[folder]:
                        problems.append(f"{where}: {folder} (layer {RANK[folder]}) includes {target} (layer "
                                        f"{RANK[target]}), a layer above it: move what both need down")
                    elif RANK[target] == RANK[folder] and RANK[folder] > ENGINES:
                        problems.append(f"{where}: command {folder} includes command {target}: commands never include "
                                        "each other; move what they share into an engine below them")
                    elif RANK[target] == RANK[folder]:
                        engine_edges.setdefault((folder, target), where)
    for (a, b), where in sorted(engine_edges.items()):
        if (b, a) in engine_edges and a < b:
            problems.append(f"{where} and {engine_edges[(b, a)]}: engines {a} and {b} include each other "
                            "(a cycle): one of them must depend on the other only")
    return problems


def self_test():
    """An upward include, a command reaching into another, an engine cycle, an unknown folder:
    each must be reported with its file and line; a clean tree must pass."""
    with tempfile.TemporaryDirectory() as d:
        def write(rel, text):
            path = os.path.join(d, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
        write("util/clean.cpp", '#include "util/clean.hpp"\n#include <immichbak/error.hpp>\n')
        write("format/reader.cpp", '#include "pg/connection.hpp"\n#include "util/hex.hpp"\n')
        if check(d):
            print("self-test: a clean tree was reported:", check(d))
            return 1
        write("util/up.cpp", '// a comment\n#include "pg/connection.hpp"\n')
        write("restore/loader.cpp", '#include "load/loader.hpp"\n#include "backup/session.hpp"\n')
        write("schema/a.cpp", '#include "sqlscript/b.hpp"\n')
        write("sqlscript/b.cpp", '#include "schema/a.hpp"\n')
        write("newthing/x.cpp", '#include "util/hex.hpp"\n')
        found = "\n".join(check(d))
        expected = ["util/up.cpp:2: util (layer 0) includes pg (layer 1)",
                    "restore/loader.cpp:2: command restore includes command backup",
                    "engines schema and sqlscript include each other",
                    "folder 'newthing' has no layer"]
        missing = [e for e in expected if e not in found]
        if missing or "restore/loader.cpp:1" in found:
            print("self-test FAILED\nexpected:\n  " + "\n  ".join(expected) + "\nreported:\n" + found)
            return 1
        print("self-test: every planted violation reported, with its file and line:\n" + found)
        return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 2:
        print(__doc__)
        return 2
    problems = check(argv[1])
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) break the layering (tests/layering/check_layers.py)")
        return 1
    print("layering: every include in libimmichbak/src runs down")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
