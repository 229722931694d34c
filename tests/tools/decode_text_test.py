#!/usr/bin/python3
"""`h2pb decode --format text --proto F --type T` against `protoc --decode`.

usage: decode_text_test.py H2PB SOURCE_ROOT

Input bytes come from `protoc --encode` (plus hand-made unknown fields and
gRPC prefixes per PROTOCOL-HTTP2.md); the expected text is what
`protoc --decode` prints for the same bytes, never h2pb's own output. Each
failed check is printed; the exit status is 1 if any failed.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import decode_schema_common as c  # noqa: E402
from decode_schema_common import check, protoc, h2pb  # noqa: E402

c.init(sys.argv[1], sys.argv[2])
TYPES, GROUPS, ANALYTICS = c.TYPES, c.GROUPS, c.ANALYTICS
CASES = c.cases()

for proto, type_name, text in CASES:
    data = protoc("encode", proto, type_name, text.encode())
    expected = protoc("decode", proto, type_name, data).decode("latin-1")
    rc, out, err = h2pb("--format", "text", "--proto", proto, "--type", type_name, "--binary", data=data)
    check(rc == 0, f"{type_name} {text[:40]!r}: exit {rc}: {err}")
    check(out == expected, f"{type_name} {text[:40]!r}: text differs\n--- h2pb\n{out}--- protoc\n{expected}")

# Unknown fields (numbers the schema lacks, every wire type, a nested
# message and a group) print by number as protoc prints them.
known = protoc("encode", TYPES, "h2pb.test.AllTypes", b"f_int32: 5")
unknown = bytes.fromhex("c03e9601" "cd3e01000000" "d13e0200000000000000" "da3e026162" "e23e020801" "eb3e0802ec3e"
                        "f23e03ffff01")
data = known + unknown
expected = protoc("decode", TYPES, "h2pb.test.AllTypes", data).decode("latin-1")
rc, out, err = h2pb("--format", "text", "--proto", TYPES, "--type", "AllTypes", "--binary", data=data)
check(rc == 0 and out == expected, f"unknown fields: exit {rc} {err}\n--- h2pb\n{out}--- protoc\n{expected}")

# gRPC framing: each message under a '#' comment, its text as protoc's.
m1 = protoc("encode", ANALYTICS, "analytics.v1.Event", b'event_id: "a"')
m2 = protoc("encode", ANALYTICS, "analytics.v1.Event", b'event_type: "b" properties { key: "" value: "" }')
framed = struct.pack(">BI", 0, len(m1)) + m1 + struct.pack(">BI", 0, len(m2)) + m2
rc, out, err = h2pb("--grpc", "--format", "text", "--proto", ANALYTICS, "--type", "Event", "--binary", data=framed)
body = [line for line in out.splitlines(keepends=True) if not line.startswith("#")]
expected = (protoc("decode", ANALYTICS, "analytics.v1.Event", m1) +
            protoc("decode", ANALYTICS, "analytics.v1.Event", m2)).decode()
check(rc == 0 and "".join(body) == expected, f"grpc: exit {rc} {err}\n{out}")
check(out.count("# gRPC message") == 2, f"grpc: two message comments\n{out}")

# The text parses back with protoc --encode to the same message.
data = protoc("encode", TYPES, "h2pb.test.AllTypes", CASES[0][2].encode())
rc, out, err = h2pb("--format", "text", "--proto", TYPES, "--type", "AllTypes", "--binary", data=data)
# (compared as protoc --decode prints both: protoc --encode keeps map entries
# in the order written, h2pb prints them sorted by key, as protoc --decode)
again = protoc("encode", TYPES, "h2pb.test.AllTypes", out.encode("latin-1"))
check(protoc("decode", TYPES, "h2pb.test.AllTypes", again) == protoc("decode", TYPES, "h2pb.test.AllTypes", data),
      "protoc --encode reads it back")

# Malformed bytes: exit 1 and the offset on standard error.
rc, out, err = h2pb("--format", "text", "--proto", TYPES, "--type", "AllTypes", "0a", "05", "61")
check(rc == 1 and "offset" in err, f"truncated: exit {rc}, stderr {err!r}")

# Without --format text (the default), the table as before.
rc, out, err = h2pb("--proto", TYPES, "--type", "AllTypes", "28", "05")
check(rc == 0 and "as h2pb.test.AllTypes" in out, f"default format is the table: {out}")

c.finish()
