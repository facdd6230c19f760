#!/usr/bin/env python3
"""The programs in the docs are the ones the tests run (issue 15: "a C program and a Python
script from the docs back up, verify, prune and restore the fixture").

  doc_programs.py c DOCS_DIR EXAMPLES_DIR
      the C program of docs/c-api.md ("A complete program") is, byte for byte,
      examples/c/nightly_backup.c (which the test example_c builds and runs)
  doc_programs.py python DOCS_DIR WORK_DIR SOURCE_DB TARGET_DB
      runs the script of docs/python.md ("A complete example") with this interpreter, its
      backup directory and databases replaced by WORK_DIR, SOURCE_DB and TARGET_DB (the
      cluster of PGHOST/PGPORT), and checks the restored database has the source's rows
"""
import difflib
import os
import subprocess
import sys


def block_after(path, heading, lang):
    """The first ```lang block after the line `heading`."""
    lines = open(path, encoding="utf-8").read().split("\n")
    start = lines.index(heading)
    opening = lines.index("```" + lang, start)
    closing = lines.index("```", opening + 1)
    return "\n".join(lines[opening + 1:closing]) + "\n"


def check_c(docs, examples):
    doc = block_after(os.path.join(docs, "c-api.md"), "## A complete program", "c")
    path = os.path.join(examples, "c", "nightly_backup.c")
    source = open(path, encoding="utf-8").read()
    if doc != source:
        sys.stdout.writelines(difflib.unified_diff(source.splitlines(True), doc.splitlines(True),
                                                   path, "docs/c-api.md"))
        print("docs/c-api.md's complete program is not examples/c/nightly_backup.c: bring them in step")
        return 1
    print("docs/c-api.md's complete program is examples/c/nightly_backup.c")
    return 0


def count(db):
    return subprocess.run(["psql", "-X", "-At", "-d", db, "-c", "SELECT count(*) FROM public.asset"],
                          check=True, capture_output=True, text=True).stdout.strip()


def run_python(docs, work, source_db, target_db):
    script = block_after(os.path.join(docs, "python.md"), "## A complete example", "python")
    for old, new in (("/srv/backups", os.path.join(work, "backups")),
                      ('"dbname=immich"', f'"dbname={source_db}"'),
                      ('"dbname=immich_copy"', f'"dbname={target_db}"')):
        if old not in script:
            print(f"docs/python.md's complete example no longer says {old}: update doc_programs.py")
            return 1
        script = script.replace(old, new)
    os.makedirs(os.path.join(work, "backups"), exist_ok=True)
    subprocess.run(["psql", "-X", "-q", "-d", "postgres", "-c", f'DROP DATABASE IF EXISTS "{target_db}"'], check=True)
    subprocess.run([os.environ["IMMICHBAK_FIXTURE_DB"], source_db], check=True)
    with open(os.path.join(work, "example.py"), "w", encoding="utf-8") as f:
        f.write(script)
    subprocess.run([sys.executable, os.path.join(work, "example.py")], check=True)
    if count(target_db) != count(source_db):
        print(f"restored {count(target_db)} assets, the source has {count(source_db)}")
        return 1
    print(f"docs/python.md's complete example backed up, verified, pruned and restored {count(target_db)} assets")
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "c":
        return check_c(argv[2], argv[3])
    if len(argv) == 6 and argv[1] == "python":
        return run_python(*argv[2:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
