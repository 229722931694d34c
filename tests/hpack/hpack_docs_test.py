#!/usr/bin/python3
"""Runs every `h2pb` command shown in docs/hpack.md and compares its output
(standard output, then standard error) with the text under it.

    hpack_docs_test.py PATH_TO_H2PB PATH_TO_DOCS_HPACK_MD [--write]

A command block is a ```console fence whose first line is "$ h2pb ..."; a
command ending in <<'EOF' takes the following lines up to "EOF" as standard
input. --write replaces each block's expected output with the actual one
(for editing the page); the test itself never writes.

The octets the prose quotes inline are checked too (tests/docs/inline_bytes.py).
"""
import os
import re
import shlex
import subprocess
import sys

h2pb, page = sys.argv[1], sys.argv[2]
root = os.path.dirname(os.path.dirname(os.path.abspath(page)))
sys.path.insert(0, os.path.join(root, "tests", "docs"))
import inline_bytes  # noqa: E402  (tests/docs/inline_bytes.py)
write = "--write" in sys.argv
text = open(page, encoding="utf-8").read()
blocks = list(re.finditer(r"```console\n(.*?)```", text, re.S))
failures = 0
pieces, last = [], 0
for m in blocks:
    lines = m.group(1).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    command = lines[0]
    if not command.startswith("$ h2pb "):
        print(f"FAIL: console block does not start with '$ h2pb': {command!r}")
        failures += 1
        continue
    rest = lines[1:]
    stdin = None
    if command.endswith("<<'EOF'"):
        end = rest.index("EOF")
        stdin = "\n".join(rest[:end]) + "\n"
        command_lines, expected = lines[: end + 2], rest[end + 1:]
        command = command[: -len("<<'EOF'")]
    else:
        command_lines, expected = lines[:1], rest
    args = shlex.split(command[2:])
    p = subprocess.run([h2pb] + args[1:], input=stdin, capture_output=True, text=True)
    actual = (p.stdout + p.stderr).rstrip("\n").split("\n")
    if actual != expected:
        failures += 1
        print(f"FAIL: {command}")
        for i in range(max(len(actual), len(expected))):
            a = actual[i] if i < len(actual) else None
            e = expected[i] if i < len(expected) else None
            if a != e:
                print(f"  first difference at line {i + 1}:\n    expected: {e!r}\n    actual:   {a!r}")
                break
    pieces.append(text[last:m.start(1)])
    pieces.append("\n".join(command_lines + actual) + "\n")
    last = m.end(1)
pieces.append(text[last:])
if write:
    with open(page, "w", encoding="utf-8") as f:
        f.write("".join(pieces))
    print(f"wrote the output of {len(blocks)} commands")
    sys.exit(0)


def run(cmd):
    env = dict(os.environ, PATH=os.path.dirname(os.path.abspath(h2pb)) + os.pathsep + os.environ.get("PATH", ""))
    r = subprocess.run(["sh", "-c", cmd], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return r.stdout.decode().split("\n")


quoted, problems = inline_bytes.check_inline_bytes(text, page, run)
for p in problems:
    failures += 1
    print("FAIL:", p)
print(f"{len(blocks)} commands, {quoted} inline octet quotes, {failures} failure(s)")
sys.exit(1 if failures else 0)
