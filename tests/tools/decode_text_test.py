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
import subprocess
import sys

H2PB, ROOT = sys.argv[1], sys.argv[2]
DATA = os.path.join(ROOT, "tests", "data")
EXAMPLES = os.path.join(ROOT, "docs", "examples")
TYPES = os.path.join(DATA, "types.proto")
GROUPS = os.path.join(DATA, "groups.proto")
ANALYTICS = os.path.join(EXAMPLES, "analytics_service.proto")

failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def protoc(mode, proto, type_name, data):
    r = subprocess.run(
        ["protoc", "--" + mode + "=" + type_name, "-I", os.path.dirname(proto), os.path.basename(proto)],
        input=data, capture_output=True, check=True)
    return r.stdout


def h2pb(*args, data=b""):
    r = subprocess.run([H2PB, "decode", *args], input=data, capture_output=True)
    return r.returncode, r.stdout.decode("latin-1"), r.stderr.decode()


CASES = [
    (TYPES, "h2pb.test.AllTypes", """
        f_double: 0.1 f_float: 3.4028235e38 f_int64: -9223372036854775808 f_uint64: 18446744073709551615
        f_int32: -1 f_fixed64: 1 f_fixed32: 2 f_bool: true f_string: "caf\\303\\251 \\"q\\" \\n\\t\\\\"
        f_message { label: "x" child { child { } } } f_bytes: "\\000\\001\\377'" f_uint32: 7 f_enum: GREEN
        f_sfixed32: -3 f_sfixed64: -4 f_sint32: -5 f_sint64: -6
        packed_int32: [1, -1, 300] packed_fixed32: [5, 6] unpacked_sint64: [-1, 1]
        packed_enum: [RED, 7, GREEN] inner_by_id { key: 2 value { label: "b" } }
        inner_by_id { key: -1 value { } } inner_by_id { key: 0 value { label: "z" } }
        packed_double: [1e300, -0, inf, -inf, 1.5e-310, 0.30000000000000004, 123456789012345678]
    """),
    (TYPES, "h2pb.test.AllTypes", "f_float: 0.1 f_double: 1e-7 packed_double: [100000, 1000000, 1e15, 1e16, 1e17]"),
    (TYPES, "h2pb.test.AllTypes", ""),
    (GROUPS, "h2pb.test2.WithGroup", 'id: 0 Result { url: "u" rank: 0 } note: ""'),
    (ANALYTICS, "analytics.v1.Event", 'event_id: "abc123" event_type: "click" timestamp: 1700000000 properties { key: "b" value: "2" } properties { key: "a" value: "" }'),
]

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

print(f"{checks - len(failures)}/{checks} checks passed")
sys.exit(1 if failures else 0)
