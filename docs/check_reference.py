#!/usr/bin/env python3
"""The docs_reference test: the API reference builds without a single Doxygen warning, and
every public entity has a comment.

Runs doxygen on the configured Doxyfile (docs/Doxyfile.in: WARN_IF_UNDOCUMENTED, warnings
fail) with XML output instead of HTML, into WORK, then reads the XML: Doxygen 1.9.4 (Debian
12) does not warn about undocumented enumerators, nor about functions of a file that has no
comment (a C header without \\file), so those are checked here. Macros are not checked.

Usage: check_reference.py --doxygen DOXYGEN --doxyfile Doxyfile --work DIR
"""
import argparse
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

CHECKED_KINDS = {"function", "variable", "enum", "typedef", "friend", "signal", "slot", "property"}


def described(node):
    for tag in ("briefdescription", "detaileddescription"):
        d = node.find(tag)
        if d is not None and "".join(d.itertext()).strip():
            return True
    return False


def undocumented(xml_dir):
    found = []
    index = ET.parse(os.path.join(xml_dir, "index.xml")).getroot()
    for compound in index.findall("compound"):
        kind = compound.get("kind")
        if kind not in ("class", "struct", "union", "namespace", "file"):
            continue
        if kind == "namespace" and compound.findtext("name") == "std":
            continue
        root = ET.parse(os.path.join(xml_dir, compound.get("refid") + ".xml")).getroot()
        cdef = root.find("compounddef")
        name = cdef.findtext("compoundname")
        loc = cdef.find("location")
        where = f"{loc.get('file')}:{loc.get('line')}" if loc is not None else name
        if kind in ("class", "struct", "union") and not described(cdef):
            found.append(f"{where}: {kind} {name}")
        for section in cdef.findall("sectiondef"):
            for m in section.findall("memberdef"):
                if m.get("prot") not in (None, "public") or m.get("kind") not in CHECKED_KINDS:
                    continue
                mloc = m.find("location")
                mwhere = f"{mloc.get('file')}:{mloc.get('line')}" if mloc is not None else where
                qname = m.findtext("qualifiedname") or f"{name}::{m.findtext('name')}"
                if not described(m):
                    found.append(f"{mwhere}: {m.get('kind')} {qname}{m.findtext('argsstring') or ''}")
                if m.get("kind") == "enum":
                    for v in m.findall("enumvalue"):
                        if not described(v):
                            found.append(f"{mwhere}: enumerator {qname}::{v.findtext('name')}")
    return sorted(set(found))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--doxygen", required=True)
    ap.add_argument("--doxyfile", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    log = os.path.join(a.work, "warnings.log")
    cfg = os.path.join(a.work, "Doxyfile")
    with open(cfg, "w", encoding="utf-8") as f:
        f.write(f'@INCLUDE = "{os.path.abspath(a.doxyfile)}"\n'
                f'OUTPUT_DIRECTORY = "{os.path.abspath(a.work)}"\n'
                f'WARN_LOGFILE = "{log}"\n'
                "GENERATE_HTML = NO\nGENERATE_XML = YES\nXML_OUTPUT = xml\n")
    r = subprocess.run([a.doxygen, cfg], cwd=a.work, capture_output=True, text=True)
    warnings = open(log, encoding="utf-8").read().strip() if os.path.exists(log) else ""
    problems = 0
    if warnings:
        print("doxygen warnings (each is an error):\n" + warnings)
        problems += len(warnings.splitlines())
    if r.returncode != 0:
        print(f"doxygen exited with {r.returncode}\n{r.stdout}{r.stderr}")
        problems += 1
    xml_dir = os.path.join(a.work, "xml")
    if os.path.exists(os.path.join(xml_dir, "index.xml")):
        missing = undocumented(xml_dir)
        for m in missing:
            print(f"undocumented: {m}")
        problems += len(missing)
    else:
        print("doxygen wrote no XML")
        problems += 1
    if problems:
        print(f"{problems} problem(s): document them with /// comments in the public headers")
        return 1
    print("the API reference builds without warnings; every public entity is documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
