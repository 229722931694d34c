#!/usr/bin/python3
"""Checks every byte dump in docs/protobuf.md against `protoc --encode`.

A dump is a fenced block of hex bytes preceded by a comment naming what it
encodes:
    <!-- dump: TYPE FILE | TEXT-FORMAT -->            the message's bytes
    <!-- dump-grpc-frame: TYPE FILE | TEXT-FORMAT --> 5-byte gRPC prefix + bytes
A fenced block of hex bytes without such a comment fails the test (every
dump must be checked). The octets the prose quotes inline are checked too
(tests/docs/inline_bytes.py).

usage: doc_dumps_test.py DOC PROTOC PROTOS_DIR
"""
import os
import re
import subprocess
import sys

MARK = re.compile(r"<!--\s*(dump|dump-grpc-frame):\s*(\S+)\s+(\S+)\s*\|\s*(.*?)\s*-->")
HEX_LINE = re.compile(r"^([0-9a-f]{2})( [0-9a-f]{2})*$")


def main() -> int:
    doc, protoc, protos = sys.argv[1:4]
    lines = open(doc, encoding="utf-8").read().split("\n")
    failures = 0
    checked = 0
    pending = None
    i = 0
    while i < len(lines):
        line = lines[i]
        m = MARK.search(line)
        if m:
            pending = m.groups()
        elif line.startswith("```"):
            j = i + 1
            body = []
            while j < len(lines) and not lines[j].startswith("```"):
                body.append(lines[j].strip())
                j += 1
            is_hex = bool(body) and all(HEX_LINE.match(b) for b in body if b)
            if is_hex:
                dump = " ".join(b for b in body if b)
                if pending is None:
                    print("FAIL line %d: hex dump without a <!-- dump: ... --> comment" % (i + 1))
                    failures += 1
                else:
                    kind, msg_type, proto, text = pending
                    out = subprocess.run([protoc, "--encode=" + msg_type, "-I", protos, proto],
                                         input=text.encode(), capture_output=True, check=True).stdout
                    if kind == "dump-grpc-frame":
                        out = b"\x00" + len(out).to_bytes(4, "big") + out
                    expected = " ".join("%02x" % b for b in out)
                    checked += 1
                    if expected != dump:
                        print("FAIL line %d (%s %s):\n  doc:    %s\n  protoc: %s" % (i + 1, msg_type, text, dump, expected))
                        failures += 1
                    else:
                        print("ok   line %d: %s" % (i + 1, dump))
            pending = None
            i = j
        i += 1
    root = os.path.dirname(os.path.dirname(os.path.abspath(doc)))
    sys.path.insert(0, os.path.join(root, "tests", "docs"))
    import inline_bytes  # tests/docs/inline_bytes.py

    def run(cmd):
        r = subprocess.run(["sh", "-c", cmd], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return r.stdout.decode().split("\n")

    quoted, problems = inline_bytes.check_inline_bytes("\n".join(lines), doc, run)
    for p in problems:
        print("FAIL", p)
        failures += 1
    print("%d dumps and %d inline octet quotes checked, %d failed" % (checked, quoted, failures))
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
