#!/usr/bin/python3
"""Keeps the docs honest: re-runs every command shown in them and compares.

usage: docs_test.py H2PB SOURCE_ROOT [--update] FILE.md...

In the Markdown files, a fenced block tagged `console` holds commands, each
on a line starting with "$ ", followed by their expected output (standard
output and standard error together) up to the next "$ " line or the end of
the block. Each command runs with `sh -c` in SOURCE_ROOT, with the folder of
H2PB first on PATH (so "h2pb" is the tool under test). Any difference fails
the test. With --update the blocks are rewritten from what the commands
print (how the docs are produced: never by hand).

The octets the prose quotes inline (`0a 03 72 2d 31`) are checked too
(tests/docs/inline_bytes.py): each must be in a block of the page or in the
output of the page's `<!-- bytes: COMMAND -->` for its paragraph.
"""
import difflib
import os
import re
import subprocess
import sys

h2pb, root = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(root, "tests", "docs"))
import inline_bytes  # noqa: E402  (tests/docs/inline_bytes.py)
rest = sys.argv[3:]
update = "--update" in rest
files = [f for f in rest if f != "--update"]

env = dict(os.environ)
env["PATH"] = os.path.dirname(os.path.abspath(h2pb)) + os.pathsep + env.get("PATH", "")
env["LC_ALL"] = "C.UTF-8"

FENCE = re.compile(r"^```console\s*$")


def run(cmd):
    r = subprocess.run(["sh", "-c", cmd], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return r.stdout.decode().rstrip("\n").split("\n") if r.stdout else []


failed = 0
commands = 0
for name in files:
    path = os.path.join(root, name)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        i += 1
        if not FENCE.match(line):
            continue
        block = []
        while i < len(lines) and lines[i] != "```":
            block.append(lines[i])
            i += 1
        # Split the block into (command, expected output) pairs.
        pairs = []
        for b in block:
            if b.startswith("$ "):
                pairs.append((b[2:], []))
            elif pairs:
                pairs[-1][1].append(b)
            else:
                print(f"{name}: console block has output before its first command: {b!r}")
                failed += 1
        for cmd, expected in pairs:
            commands += 1
            got = run(cmd)
            out.append("$ " + cmd)
            out.extend(got)
            if got != expected:
                failed += 1
                print(f"{name}: output of `{cmd}` differs from the doc:")
                sys.stdout.writelines(l + "\n" for l in difflib.unified_diff(expected, got, "doc", "now", lineterm=""))
    if update:
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(out))
    quoted, problems = inline_bytes.check_inline_bytes("\n".join(lines), name, run)
    for p in problems:
        failed += 1
        print(p)
    if quoted:
        print(f"{name}: {quoted} inline octet quotes checked")
if commands == 0:
    print("no console blocks found")
    failed += 1
print(f"{commands} commands re-run, {failed} differences")
sys.exit(0 if update or failed == 0 else 1)
