#!/usr/bin/env python3
"""immichbak(1): made with help2man from the built tool, and checked against it.

  generate  help2man sees only `immichbak --help`; this adds a COMMANDS section with every
            subcommand's --help (as roff) to docs/immichbak.h2m and runs help2man with both.
  check     (the man_page test) every option of every subcommand, as `immichbak SUB --help`
            lists it, must appear in the man page and in docs/cli.md; names what is missing.

Usage:
  man_page.py generate --cli CLI --help2man H2M --include docs/immichbak.h2m --work DIR --output immichbak.1
  man_page.py check --cli CLI --man immichbak.1 --cli-md docs/cli.md
"""
import argparse
import os
import re
import subprocess
import sys

PROG = "immichbak"


def run_help(cli, args):
    # argv[0] is the bare name, so "Usage:" lines read "immichbak ..." and not a build path
    r = subprocess.run([PROG] + args + ["--help"], executable=cli, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{PROG} {' '.join(args)} --help failed ({r.returncode}): {r.stderr}")
    return r.stdout


def sections(text):
    """CLI11 help text -> {heading: [lines]} ("" for the lines before the first heading)."""
    out, cur = {"": []}, ""
    for line in text.splitlines():
        m = re.match(r"^([A-Z][A-Za-z ]*):$", line)
        if m:
            cur = m.group(1)
            out[cur] = []
        else:
            out[cur].append(line)
    return out


def subcommands(cli):
    return [m.group(1) for line in sections(run_help(cli, [])).get("Subcommands", [])
            if (m := re.match(r"^  ([a-z][a-z0-9-]*)\s", line))]


def option_entries(lines):
    """[(names, argument text, description)] from a CLI11 "Options:" block."""
    entries = []
    for line in lines:
        m = re.match(r"^  (-[^\s]+)(?: (.*?))?(?:\s{2,}(.*))?$", line)
        if m:
            # "--binary-copy,--text-copy{false}": CLI11 marks a negating name with the value it sets.
            names = [re.sub(r"\{[^}]*\}$", "", n) for n in m.group(1).split(",")]
            entries.append([names, (m.group(2) or "").strip(), (m.group(3) or "").strip()])
        elif line.strip() and entries:
            entries[-1][2] = (entries[-1][2] + " " + line.strip()).strip()
    return entries


def roff(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return ("\\&" + text) if text[:1] in (".", "'") else text


def commands_section(cli):
    out = ["[COMMANDS]"]
    for sub in subcommands(cli):
        sec = sections(run_help(cli, [sub]))
        out.append(f'.SS "{PROG} {sub}"')
        for line in sec[""]:
            if line.strip():
                out.append(roff(line.strip()))
                out.append(".br")
        for heading, lines in sec.items():
            if heading == "" or heading == "Options":
                continue
            out.append(f".PP\n{roff(heading)}:")
            for line in lines:
                if line.strip():
                    out.append(".br\n" + roff(line.strip()))
        for names, arg, desc in option_entries(sec.get("Options", [])):
            out.append(".TP")
            head = ", ".join(f"\\fB{roff(n)}\\fR" for n in names)
            out.append(head + (f" {roff(arg)}" if arg else ""))
            out.append(roff(desc) if desc else "")
    return "\n".join(out) + "\n"


def generate(a):
    os.makedirs(a.work, exist_ok=True)
    gen = os.path.join(a.work, "immichbak-commands.h2m")
    with open(gen, "w", encoding="utf-8") as f:
        f.write(commands_section(a.cli))
    # help2man runs `PROG --help` / `--version` by name: a directory with PROG in it on PATH
    bindir = os.path.join(a.work, "help2man-bin")
    os.makedirs(bindir, exist_ok=True)
    link = os.path.join(bindir, PROG)
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(os.path.abspath(a.cli), link)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    cmd = [a.help2man, "--no-info", "--section", "1", "--include", a.include, "--include", gen,
           "--output", a.output, PROG]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"help2man failed ({r.returncode}): {r.stderr}")
    return 0


def plain_man(text):
    """The man page's text without roff escapes and font changes, for searching."""
    text = re.sub(r"\\f[BIRP]", "", text)
    return text.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")


def check(a):
    if not os.path.exists(a.man):
        print(f"{a.man} does not exist: build the target immichbak_man_page (part of `all`)")
        return 1
    man = plain_man(open(a.man, encoding="utf-8").read())
    md = open(a.cli_md, encoding="utf-8").read()
    missing, total = [], 0
    for sub in [""] + subcommands(a.cli):
        where = f"{PROG} {sub}".strip()
        for names, _, _ in option_entries(sections(run_help(a.cli, [sub] if sub else [])).get("Options", [])):
            longs = [n for n in names if n.startswith("--")]
            for n in names:
                total += 1
                pat = re.compile(r"(?<![\w-])" + re.escape(n) + r"(?![\w-])")
                if not pat.search(man):
                    missing.append(f"{where}: {n} is not in the man page ({a.man})")
                # docs/cli.md names every long option; a short one only when it has no long form
                if (n.startswith("--") or not longs) and not pat.search(md):
                    missing.append(f"{where}: {n} is not in docs/cli.md")
    for m in missing:
        print("missing: " + m)
    if missing:
        print(f"{len(missing)} of {total} option names missing")
        return 1
    print(f"all {total} option names of every subcommand are in the man page and in docs/cli.md")
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["generate", "check"])
    ap.add_argument("--cli", required=True)
    ap.add_argument("--help2man", default="help2man")
    ap.add_argument("--include")
    ap.add_argument("--work")
    ap.add_argument("--output")
    ap.add_argument("--man")
    ap.add_argument("--cli-md")
    a = ap.parse_args()
    return generate(a) if a.mode == "generate" else check(a)


if __name__ == "__main__":
    sys.exit(main())
