#!/usr/bin/python3
"""`h2pb decode --format protojson --proto F --type T` against libprotobuf's
Python json_format.MessageToJson of the same message.

usage: decode_protojson_test.py H2PB SOURCE_ROOT

Input bytes come from `protoc --encode` (plus gRPC prefixes per
PROTOCOL-HTTP2.md); the expected JSON is what google.protobuf.json_format
prints for the same bytes, parsed with a pool built from protoc's descriptor
set, never h2pb's own output. Both are compared as parsed JSON (the
whitespace differs: MessageToJson indents) and by the order of the
top-level keys (json.md: fields in field-number order... both print so).
Each failed check is printed; the exit status is 1 if any failed.
"""
import json
import os
import struct
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import decode_schema_common as c  # noqa: E402
from decode_schema_common import check, protoc  # noqa: E402

c.init(sys.argv[1], sys.argv[2])

_pools = {}


def h2pb(*args, data=b""):
    return c.h2pb(*args, data=data, encoding="utf-8")  # JSON text is UTF-8 (RFC 8259 §8.1)


def reference_json(proto, type_name, data):
    """MessageToJson of data parsed as type_name, compact."""
    if proto not in _pools:
        pool = descriptor_pool.DescriptorPool()
        for f in descriptor_pb2.FileDescriptorSet.FromString(c.descriptor_set(proto)).file:
            pool.Add(f)
        _pools[proto] = pool
    pool = _pools[proto]
    cls = message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName(type_name))
    m = cls.FromString(data)
    return json_format.MessageToJson(m, indent=None, descriptor_pool=pool)


def same_json(ours, theirs):
    a = json.loads(ours, object_pairs_hook=lambda kv: kv)
    b = json.loads(theirs, object_pairs_hook=lambda kv: kv)
    top = ([k for k, _ in a], [k for k, _ in b]) if isinstance(a, list) else (None, None)
    return json.loads(ours) == json.loads(theirs) and top[0] == top[1]


CASES = c.cases() + [
    (c.WKT, "h2pb.test3.WithWkt", """
        at { seconds: 1700000000 nanos: 5000000 } took { seconds: -1 nanos: -500000000 }
        attrs { fields { key: "a" value { number_value: 1.5 } } fields { key: "b" value { list_value {
          values { string_value: "x" } values { bool_value: true } values { null_value: NULL_VALUE } } } } }
        count { value: -7 } maybe: 0
        detail { type_url: "type.googleapis.com/google.protobuf.Duration" value: "\\010\\003" }
        values { struct_value { } } values { number_value: 2 }
    """),
    (c.WKT, "h2pb.test3.WithWkt",
     'detail { type_url: "type.googleapis.com/google.protobuf.Int64Value" value: "\\010\\005" } count { }'),
    (c.WKT, "h2pb.test3.WithWkt", "at { } took { nanos: 1000 }"),
]

for proto, type_name, text in CASES:
    data = protoc("encode", proto, type_name, text.encode())
    expected = reference_json(proto, type_name, data)
    rc, out, err = h2pb("--format", "protojson", "--proto", proto, "--type", type_name, "--binary", data=data)
    what = f"{type_name} {' '.join(text.split())[:50]!r}"
    check(rc == 0 and out.endswith("\n") and out.count("\n") == 1, f"{what}: exit {rc}, one line: {err}{out}")
    check(rc == 0 and same_json(out, expected), f"{what}: JSON differs\n--- h2pb\n{out}--- json_format\n{expected}")

# gRPC framing: one JSON object per message per line (JSON Lines).
m1 = protoc("encode", c.ANALYTICS, "analytics.v1.Event", b'event_id: "a"')
m2 = protoc("encode", c.ANALYTICS, "analytics.v1.Event", b'event_type: "b" properties { key: "k" value: "" }')
framed = struct.pack(">BI", 0, len(m1)) + m1 + struct.pack(">BI", 0, 0) + struct.pack(">BI", 0, len(m2)) + m2
rc, out, err = h2pb("--grpc", "--format", "protojson", "--proto", c.ANALYTICS, "--type", "Event", "--binary",
                    data=framed)
lines = out.splitlines()
check(rc == 0 and len(lines) == 3, f"grpc: exit {rc}, three lines: {err}{out}")
for line, m in zip(lines, [m1, b"", m2]):
    expected = reference_json(c.ANALYTICS, "analytics.v1.Event", m)
    check(same_json(line, expected), f"grpc: {line} vs {expected}")

# A compressed message is not inflated: noted on standard error, not printed.
framed = struct.pack(">BI", 1, 2) + b"\x1f\x8b" + struct.pack(">BI", 0, len(m1)) + m1
rc, out, err = h2pb("--grpc", "--format", "protojson", "--proto", c.ANALYTICS, "--type", "Event", "--binary",
                    data=framed)
check(rc == 0 and out.count("\n") == 1 and "compressed" in err, f"compressed: exit {rc} {err!r} {out!r}")

# An Any whose type the schema lacks has no JSON form (json.md, "Any"):
# json_format fails too.
data = protoc("encode", c.WKT, "h2pb.test3.WithWkt", b'detail { type_url: "type.googleapis.com/x.Nope" value: "" }')
try:
    reference_json(c.WKT, "h2pb.test3.WithWkt", data)
    reference_fails = False
except Exception:  # json_format raises TypeError/SerializeToJsonError
    reference_fails = True
rc, out, err = h2pb("--format", "protojson", "--proto", c.WKT, "--type", "WithWkt", "--binary", data=data)
check(reference_fails and rc == 1 and out == "" and "detail" in err, f"unknown Any: exit {rc} {err!r} {out!r}")

# Malformed bytes: exit 1 and the offset on standard error.
rc, out, err = h2pb("--format", "protojson", "--proto", c.TYPES, "--type", "AllTypes", "0a", "05", "61")
check(rc == 1 and "offset" in err, f"truncated: exit {rc}, stderr {err!r}")

# Without a schema protojson is a usage error; --format json keeps its tree.
rc, out, err = h2pb("--format", "protojson", "08", "01")
check(rc == 2 and "--proto" in err, f"protojson without schema: exit {rc} {err!r}")
rc, out, err = h2pb("--format", "json", "--proto", c.TYPES, "--type", "AllTypes", "28", "05")
check(rc == 0 and json.loads(out)["fields"][0]["offset"] == 0, f"--format json is the annotated tree: {out}")

c.finish()
