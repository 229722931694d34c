"""What the tests of `h2pb decode --proto F --type T` share: the .proto files
of tests/data and docs/examples, protoc (the reference encoder and decoder),
running h2pb decode, and counting checks.

usage (from a test): import decode_schema_common as c; c.init(H2PB, ROOT)
"""
import os
import subprocess
import sys

H2PB = ROOT = DATA = EXAMPLES = TYPES = GROUPS = ANALYTICS = WKT = None
failures = []
checks = 0


def init(h2pb_path, root):
    global H2PB, ROOT, DATA, EXAMPLES, TYPES, GROUPS, ANALYTICS, WKT
    H2PB, ROOT = h2pb_path, root
    DATA = os.path.join(ROOT, "tests", "data")
    EXAMPLES = os.path.join(ROOT, "docs", "examples")
    TYPES = os.path.join(DATA, "types.proto")
    GROUPS = os.path.join(DATA, "groups.proto")
    ANALYTICS = os.path.join(EXAMPLES, "analytics_service.proto")
    WKT = os.path.join(DATA, "wkt.proto")


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def protoc(mode, proto, type_name, data):
    """protoc --encode / --decode of one message."""
    r = subprocess.run(
        ["protoc", "--" + mode + "=" + type_name, "-I", os.path.dirname(proto), os.path.basename(proto)],
        input=data, capture_output=True, check=True)
    return r.stdout


def descriptor_set(proto):
    """protoc's FileDescriptorSet of proto, imports included."""
    r = subprocess.run(
        ["protoc", "--descriptor_set_out=/dev/stdout", "--include_imports", "-I", os.path.dirname(proto),
         os.path.basename(proto)], capture_output=True, check=True)
    return r.stdout


def h2pb(*args, data=b"", encoding="latin-1"):
    """Runs h2pb decode ARGS: (exit status, standard output, standard error)."""
    r = subprocess.run([H2PB, "decode", *args], input=data, capture_output=True)
    return r.returncode, r.stdout.decode(encoding), r.stderr.decode()


def finish():
    print(f"{checks - len(failures)}/{checks} checks passed")
    sys.exit(1 if failures else 0)


# Messages in protoc's text format: (proto, full type name, text).
def cases():
    return [
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
