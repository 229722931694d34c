#!/usr/bin/python3
"""Tests of `h2pb decode` against protoc.

usage: decode_test.py H2PB SOURCE_ROOT GROUP
GROUP: article | schema | raw | grpc | malformed

Expected bytes come from `protoc --encode` (and the gRPC prefix from
struct.pack, following PROTOCOL-HTTP2.md), expected values from the text
given to protoc, never from h2pb. Each failed check is printed; the exit
status is 1 if any failed.
"""
import json
import os
import struct
import subprocess
import sys

H2PB, ROOT, GROUP = sys.argv[1], sys.argv[2], sys.argv[3]
EXAMPLES = os.path.join(ROOT, "docs", "examples")
DATA = os.path.join(ROOT, "tests", "data")
FRUIT = os.path.join(EXAMPLES, "fruit.proto")
ANALYTICS = os.path.join(EXAMPLES, "analytics_service.proto")
TYPES = os.path.join(DATA, "types.proto")
GROUPS = os.path.join(DATA, "groups.proto")

# The article's byte dumps, verbatim.
ARTICLE_APPLE_FRAME = bytes.fromhex("00 00 00 00 0a 08 96 01 12 05 41 70 70 6c 65".replace(" ", ""))
ARTICLE_EVENT = bytes.fromhex("0a 06 61 62 63 31 32 33 12 05 63 6c 69 63 6b 18 80 f8 cb 9a 06".replace(" ", ""))

failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def protoc_encode(proto, type_name, text):
    r = subprocess.run(
        ["protoc", "--encode=" + type_name, "-I", os.path.dirname(proto), os.path.basename(proto)],
        input=text.encode(), capture_output=True, check=True)
    return r.stdout


def protoc_decode(proto, type_name, data):
    r = subprocess.run(
        ["protoc", "--decode=" + type_name, "-I", os.path.dirname(proto), os.path.basename(proto)],
        input=data, capture_output=True, check=True)
    return r.stdout.decode()


def frame(payload, flag=0):
    """The gRPC Length-Prefixed-Message: flag byte, big-endian u32 length."""
    return struct.pack(">BI", flag, len(payload)) + payload


def h2pb(*args, data=None):
    """Runs h2pb decode; returns (exit status, stdout, stderr)."""
    r = subprocess.run([H2PB, "decode", *args], input=data, capture_output=True)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def h2pb_json(*args, data=None, expect_rc=0):
    rc, out, err = h2pb("--format", "json", *args, data=data)
    check(rc == expect_rc, f"exit status {rc} (want {expect_rc}) for {args}: {err}")
    try:
        return json.loads(out)
    except ValueError as e:
        check(False, f"JSON output does not parse ({e}) for {args}: {out[:200]}")
        return {}


def hexwords(b):
    return [f"{x:02x}" for x in b]


def by_number(fields, n):
    return [f for f in fields if f.get("number") == n]


def rows(text):
    """Table rows of the text output, split into columns on runs of 2+ spaces."""
    import re
    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines() if line.strip()]


# ---------------------------------------------------------------------------
def test_article():
    # Fruit { weight: 150, name: "Apple" }: protoc's bytes are the article's.
    fruit = protoc_encode(FRUIT, "tour.Fruit", 'weight: 150 name: "Apple"')
    check(len(fruit) == 10, f"protoc's Fruit is {len(fruit)} bytes, the article says 10")
    check(frame(fruit) == ARTICLE_APPLE_FRAME, "the article's 15-byte frame = prefix + protoc's Fruit")

    rc, out, err = h2pb(*hexwords(fruit))
    check(rc == 0 and err == "", f"raw Fruit decodes: {rc} {err}")
    r = rows(out)
    check(["0-2", "08", "1", "VARINT", "96 01", "150", "(sint 75)"] in r, f"raw Fruit field 1 row: {out}")
    check(["3-9", "12", "2", "LEN", "05", '"Apple"', "(5 bytes)"] in r, f"raw Fruit field 2 row: {out}")

    rc, out, err = h2pb("--proto", FRUIT, "--type", "tour.Fruit", *hexwords(fruit))
    r = rows(out)
    check(rc == 0, f"--proto Fruit exit {rc}: {err}")
    check("as tour.Fruit" in out, "--proto output names the type")
    check(["0-2", "08", "1 weight", "VARINT", "96 01", "150"] in r, f"weight row: {out}")
    check(["3-9", "12", "2 name", "LEN", "05", '"Apple"'] in r, f"name row: {out}")
    # Short type names resolve too.
    rc2, out2, _ = h2pb("--proto", FRUIT, "--type", "Fruit", *hexwords(fruit))
    check(rc2 == 0 and out2 == out, "--type Fruit is --type tour.Fruit")

    # The 15-byte gRPC frame.
    rc, out, err = h2pb("--grpc", *hexwords(ARTICLE_APPLE_FRAME))
    check(rc == 0, f"--grpc exit {rc}: {err}")
    check("gRPC message 1: bytes 0-14" in out, "--grpc names the message's bytes")
    check(["0", "00", "compressed-flag = 0 (not compressed)"] in rows(out), f"flag row: {out}")
    check(["1-4", "00 00 00 0a", "message-length = 10 (big-endian uint32)"] in rows(out), f"length row: {out}")
    check(["5-7", "08", "1", "VARINT", "96 01", "150", "(sint 75)"] in rows(out), f"field offsets count the prefix: {out}")
    j = h2pb_json("--grpc", "--proto", FRUIT, "--type", "Fruit", *hexwords(ARTICLE_APPLE_FRAME))
    msgs = j.get("grpc_messages", [])
    check(len(msgs) == 1, "one gRPC message")
    if msgs:
        m = msgs[0]
        check((m["offset"], m["size"], m["prefix"], m["compressed_flag"], m["message_length"], m["message_offset"])
              == (0, 15, "00 00 00 00 0a", 0, 10, 5), f"gRPC prefix in JSON: {m}")
        f = m["fields"]
        check([(x["offset"], x["size"], x["tag"], x["number"], x["wire_type"], x["name"], x["value"]) for x in f]
              == [(5, 3, "08", 1, "VARINT", "weight", 150), (8, 7, "12", 2, "LEN", "name", "Apple")],
              f"Fruit fields in JSON: {f}")

    # The analytics Event of the article.
    ev_text = 'event_id: "abc123" event_type: "click" timestamp: 1710000000'
    event = protoc_encode(ANALYTICS, "analytics.v1.Event", ev_text)
    check(len(event) == len(ARTICLE_EVENT) == 21, f"Event is {len(event)} bytes (article: 21)")
    check(event[:15] == ARTICLE_EVENT[:15], "the article's event_id and event_type bytes are protoc's")
    j = h2pb_json("--proto", ANALYTICS, "--type", "analytics.v1.Event", data=event)
    f = j.get("fields", [])
    check([(x["name"], x["type"], x["value"]) for x in f]
          == [("event_id", "string", "abc123"), ("event_type", "string", "click"), ("timestamp", "int64", 1710000000)],
          f"Event fields: {f}")
    check([(x["offset"], x["size"]) for x in f] == [(0, 8), (8, 7), (15, 6)], "Event field offsets")
    # The article's own 21 bytes: whatever timestamp protoc reads in them,
    # h2pb must read the same.
    article_ts = [line.split(":")[1].strip() for line in protoc_decode(ANALYTICS, "analytics.v1.Event", ARTICLE_EVENT)
                  .splitlines() if line.startswith("timestamp:")]
    j = h2pb_json("--proto", ANALYTICS, "--type", "analytics.v1.Event", *hexwords(ARTICLE_EVENT))
    ts = [x["value"] for x in j.get("fields", []) if x.get("name") == "timestamp"]
    check(len(article_ts) == 1 and ts == [int(article_ts[0])], f"article's timestamp bytes: protoc {article_ts}, h2pb {ts}")

    # An Event with map properties.
    ev_map = protoc_encode(ANALYTICS, "analytics.v1.Event",
                           ev_text + ' properties { key: "page" value: "/home" } properties { key: "button" value: "buy" }')
    j = h2pb_json("--proto", ANALYTICS, "--type", "analytics.v1.Event", data=ev_map)
    props = [x for x in j.get("fields", []) if x.get("name") == "properties"]
    check(len(props) == 2, f"two map entries: {props}")
    entries = []
    for p in props:
        check(p.get("map_entry") is True and p.get("type") == "map<string, string>", f"map entry field: {p}")
        kv = {c["name"]: c["value"] for c in p.get("fields", [])}
        entries.append((kv.get("key"), kv.get("value")))
    check(sorted(entries) == [("button", "buy"), ("page", "/home")], f"map entries: {entries}")
    rc, out, err = h2pb("--proto", ANALYTICS, "--type", "Event", data=ev_map)
    check('map entry "page" -> "/home"' in out and 'map entry "button" -> "buy"' in out, f"text map entries: {out}")
    # Without the schema the entries are guessed as nested messages.
    j = h2pb_json(data=ev_map)
    f4 = by_number(j.get("fields", []), 4)
    check(len(f4) == 2 and all(x.get("guess") == "message" for x in f4), f"raw map entries are messages: {f4}")
    check([c.get("value") for c in f4[0].get("fields", [])] == ["page", "/home"] if f4 else False,
          "raw map entry's key and value are strings")


# ---------------------------------------------------------------------------
ALL_TEXT = r'''
f_double: -2.5 f_float: 0.25 f_int64: -3 f_uint64: 18446744073709551615 f_int32: -1
f_fixed64: 1234567890123 f_fixed32: 4000000000 f_bool: true f_string: "h\303\251llo"
f_message { label: "in" child { label: "deeper" } } f_bytes: "\001\002\377" f_uint32: 4294967295
f_enum: GREEN f_sfixed32: -7 f_sfixed64: -8 f_sint32: -150 f_sint64: 9223372036854775807
packed_int32: [1, -2, 300] packed_fixed32: [7, 8] unpacked_sint64: [-1, 1] packed_enum: [RED, GREEN, 5]
inner_by_id { key: 7 value { label: "seven" } } packed_double: [1.5]
'''

EXPECTED_SCALARS = {
    "f_double": -2.5, "f_float": 0.25, "f_int64": -3, "f_uint64": 18446744073709551615, "f_int32": -1,
    "f_fixed64": 1234567890123, "f_fixed32": 4000000000, "f_bool": True, "f_string": "h\u00e9llo",
    "f_uint32": 4294967295, "f_enum": 2, "f_sfixed32": -7, "f_sfixed64": -8, "f_sint32": -150,
    "f_sint64": 9223372036854775807,
}


def test_schema():
    data = protoc_encode(TYPES, "h2pb.test.AllTypes", ALL_TEXT)
    j = h2pb_json("--proto", TYPES, "--type", "AllTypes", data=data)
    fields = j.get("fields", [])
    byname = {}
    for f in fields:
        byname.setdefault(f.get("name"), []).append(f)
    for name, want in EXPECTED_SCALARS.items():
        got = [f.get("value") for f in byname.get(name, [])]
        check(got == [want] and type(got[0]) is type(want), f"{name}: got {got}, want {want!r}")
    check(byname["f_enum"][0].get("enum") == "GREEN", "enum shown by name")
    check(byname["f_bytes"][0].get("hex") == "01 02 ff", f"bytes as hex: {byname['f_bytes']}")
    msg = byname["f_message"][0]
    check(msg.get("type") == "h2pb.test.Inner", "nested message type")
    inner = msg.get("fields", [])
    check([c.get("name") for c in inner] == ["label", "child"] and inner[0].get("value") == "in", f"nested: {inner}")
    check(inner[1].get("fields", [{}])[0].get("value") == "deeper", "nested twice")
    # Packed repeated fields: one LEN field, elements with offsets.
    p = byname["packed_int32"][0]
    check(p.get("packed") is True and p.get("wire_type") == "LEN", "packed_int32 is packed")
    check([e.get("value") for e in p.get("elements", [])] == [1, -2, 300], f"packed int32 values: {p}")
    els = p.get("elements", [])
    check(all(els[i]["offset"] + els[i]["size"] == els[i + 1]["offset"] for i in range(len(els) - 1)),
          "packed elements are contiguous")
    check(els and els[0]["offset"] == p["offset"] + len(p["tag"].split()) + 1, "first element after tag and length")
    check([e.get("value") for e in byname["packed_fixed32"][0].get("elements", [])] == [7, 8], "packed fixed32")
    check([e.get("value") for e in byname["packed_double"][0].get("elements", [])] == [1.5], "packed double")
    pe = byname["packed_enum"][0].get("elements", [])
    check([(e.get("value"), e.get("enum")) for e in pe] == [(1, "RED"), (2, "GREEN"), (5, None)], f"packed enum: {pe}")
    check([f.get("value") for f in byname["unpacked_sint64"]] == [-1, 1] and
          all(f.get("wire_type") == "VARINT" for f in byname["unpacked_sint64"]), "[packed=false] sint64")
    m = byname["inner_by_id"][0]
    check(m.get("type") == "map<int32, h2pb.test.Inner>" and m.get("map_entry") is True, f"map field: {m}")
    kv = {c["name"]: c for c in m.get("fields", [])}
    check(kv.get("key", {}).get("value") == 7 and kv.get("value", {}).get("fields", [{}])[0].get("value") == "seven",
          f"map<int32, Inner> entry: {kv}")
    # Offsets tile the message exactly.
    check(fields and fields[0]["offset"] == 0 and all(fields[i]["offset"] + fields[i]["size"] == fields[i + 1]["offset"]
                                                      for i in range(len(fields) - 1))
          and fields[-1]["offset"] + fields[-1]["size"] == len(data), "field offsets tile the input")

    # Text output shows the same values.
    rc, out, err = h2pb("--proto", TYPES, "--type", "AllTypes", data=data)
    check(rc == 0, f"text decode exit {rc}: {err}")
    for needle in ["17 f_sint32", "-150", "GREEN (2)", "5 (no such value in h2pb.test.Color)", '"h\u00e9llo"',
                   "packed 3 values", "map entry 7 -> h2pb.test.Inner"]:
        check(needle in out, f"text output has {needle!r}")

    # A proto2 group, with and without the schema.
    g = protoc_encode(GROUPS, "h2pb.test2.WithGroup", 'id: 1 Result { url: "u" rank: 2 } note: "n"')
    j = h2pb_json("--proto", GROUPS, "--type", "WithGroup", data=g)
    grp = [f for f in j.get("fields", []) if f.get("wire_type") == "SGROUP"]
    check(len(grp) == 1 and [(c["name"], c["value"]) for c in grp[0].get("fields", [])] == [("url", "u"), ("rank", 2)],
          f"group fields: {grp}")
    check(grp and grp[0].get("end_group", {}).get("offset") == grp[0]["offset"] + grp[0]["size"] - 1, "EGROUP offset")
    rc, out, err = h2pb("--proto", GROUPS, "--type", "WithGroup", data=g)
    check("EGROUP" in out and "end of group 2" in out, f"text shows the end-group tag: {out}")

    # Decoding bytes as the wrong type: unknown fields and wire type mismatches.
    event = protoc_encode(ANALYTICS, "analytics.v1.Event", 'event_id: "x" timestamp: 5')
    j = h2pb_json("--proto", FRUIT, "--type", "Fruit", data=event)
    f = j.get("fields", [])
    check(len(f) == 2 and f[0].get("wire_type_mismatch") is True and f[0].get("value") == "x", f"mismatch: {f}")
    check(len(f) == 2 and f[1].get("unknown") is True and f[1].get("value") == 5, f"unknown field 3: {f}")

    # Usage errors exit 2.
    for args in (["--proto", FRUIT], ["--type", "Fruit"], ["--proto", FRUIT, "--type", "Nope"],
                 ["--proto", "/nonexistent.proto", "--type", "X"], ["--format", "xml"], ["--bogus"]):
        rc, out, err = h2pb(*args, "08", "01")
        check(rc == 2 and "\nh2pb decode: " in "\n" + err and out == "", f"usage error {args}: {rc} {err}")
    rc, out, err = h2pb("--help")
    check(rc == 0 and "--proto FILE" in out and "--grpc" in out and "--format" in out, "--help")


# ---------------------------------------------------------------------------
def test_raw():
    data = protoc_encode(TYPES, "h2pb.test.AllTypes",
                         "f_float: 0.25 f_int64: -3 f_sint32: -150 f_double: -2.5 f_bytes: '\\001\\002' f_string: ''")
    j = h2pb_json(data=data)
    f = {x["number"]: x for x in j.get("fields", [])}
    check(f[2]["wire_type"] == "I32" and f[2]["float"] == 0.25 and f[2]["hex"] == "0x3e800000", f"I32: {f[2]}")
    check(f[1]["wire_type"] == "I64" and f[1]["double"] == -2.5 and f[1]["int64"] == struct.unpack("<q", struct.pack("<d", -2.5))[0],
          f"I64: {f[1]}")
    check(f[3]["value"] == 2 ** 64 - 3 and f[3]["int64"] == -3, f"negative int64 varint: {f[3]}")
    check(f[17]["value"] == 299 and f[17]["sint"] == -150, f"sint32 varint: {f[17]}")
    check(f[12]["guess"] == "bytes" and f[12]["hex"] == "01 02", f"bytes guess: {f[12]}")
    # An empty LEN payload is the empty string (as protoc --decode_raw shows it).
    rc, out, err = h2pb("0a", "00")
    check(rc == 0 and ["0-1", "0a", "1", "LEN", "00", '""', "(0 bytes)"] in rows(out), f"empty LEN: {out}")

    # Nesting deeper than the limit: LEN payloads stop being expanded, no error.
    inner = b""
    for _ in range(150):
        inner = b"\x0a" + bytes([len(inner)]) + inner if len(inner) < 128 else b"\x0a" + bytes([len(inner) & 0x7f | 0x80, len(inner) >> 7]) + inner
    rc, out, err = h2pb("--max-depth", "5", data=inner, *[])
    check(rc == 0 and "depth limit" in out, f"LEN guesses stop at --max-depth: {rc} {err}")
    check(max(len(line) - len(line.lstrip()) for line in out.splitlines()) < 40, "depth bounded in output")
    rc, out, err = h2pb(data=inner)
    check(rc == 0, f"150 nested LEN fields decode without error: {err}")

    # Input forms: hex text file, binary file, stdin, 0x-style words.
    fruit = ARTICLE_APPLE_FRAME[5:]
    outs = set()
    for args, data in [(hexwords(fruit), None), ([], fruit), ([], fruit.hex().encode()),
                       (["--binary"], fruit), (["--hex"], b"08 96 01\n12 05 41 70 70 6c 65  # apple\n"),
                       (["0x08,0x96,0x01", "1205", "4170706c65"], None)]:
        rc, out, err = h2pb(*args, data=data)
        check(rc == 0, f"input form {args}: {err}")
        outs.add(out)
    check(len(outs) == 1, "every input form gives the same output")
    rc, out, err = h2pb("--file", "/nonexistent/input")
    check(rc == 2 and "cannot read" in err, "unreadable file is a usage error")


# ---------------------------------------------------------------------------
def test_grpc():
    fruit = protoc_encode(FRUIT, "tour.Fruit", 'weight: 150 name: "Apple"')
    event = protoc_encode(ANALYTICS, "analytics.v1.Event", 'event_id: "abc123" event_type: "click" timestamp: 1710000000')
    stream = frame(fruit) + frame(b"") + frame(fruit)
    j = h2pb_json("--grpc", "--proto", FRUIT, "--type", "Fruit", data=stream)
    m = j.get("grpc_messages", [])
    check([(x["offset"], x["message_length"]) for x in m] == [(0, 10), (15, 0), (20, 10)], f"three messages: {m}")
    check(m and [f["offset"] for f in m[2]["fields"]] == [25, 28], "offsets in the third message are stream offsets")
    rc, out, err = h2pb("--grpc", data=stream)
    check(rc == 0 and "gRPC message 3: bytes 20-34" in out and "(empty message" in out, f"text, three messages: {out}")
    # Compressed flag: explained, not inflated.
    j = h2pb_json("--grpc", data=frame(b"\x1f\x8b\x08", 1))
    m = j.get("grpc_messages", [])
    check(len(m) == 1 and m[0]["compressed_flag"] == 1 and m[0]["compressed_hex"] == "1f 8b 08", f"compressed: {m}")
    # A different message type per frame is the same framing.
    j = h2pb_json("--grpc", data=frame(event))
    check(j.get("grpc_messages", [{}])[0].get("message_length") == 21, "Event frame")
    # Max message size: default 4 MiB accepts exactly 4 MiB, a setting lowers it.
    n = 4 * 1024 * 1024 - 5  # field 1, LEN: 1-byte tag + 4-byte length + n bytes = 4 MiB
    big = frame(b"\x0a" + bytes([n & 0x7f | 0x80, (n >> 7) & 0x7f | 0x80, (n >> 14) & 0x7f | 0x80, n >> 21]) + bytes(n))
    check(len(big) == 5 + 4 * 1024 * 1024, "4 MiB message")
    rc, out, err = h2pb("--grpc", data=big)
    check(rc == 0 and "message-length = 4194304" in out, f"4 MiB message: {out[:300]}")
    check(rc == 0, f"4 MiB message accepted by default: {err}")
    rc, out, err = h2pb("--grpc", "--max-message-size", "9", data=stream)
    check(rc == 1 and err == "h2pb decode: offset 1: message-length exceeds the maximum message size\n", f"max size: {err}")


# ---------------------------------------------------------------------------
# (input, extra args, offset, words of the rule)
MALFORMED = [
    ("80", [], 0, "input ends inside a tag or value"),
    ("08", [], 1, "input ends inside a tag or value"),
    ("08 96", [], 1, "input ends inside a tag or value"),
    # Varint errors are at the byte that breaks the rule: the 10th (offset
    # 1 + 9), where proto_codec/decode.hpp reports them too.
    ("08 ff ff ff ff ff ff ff ff ff ff 01", [], 10, "varint longer than 10 bytes"),
    ("08 ff ff ff ff ff ff ff ff ff 02", [], 10, "varint's 10th byte"),
    ("08 01 12 ff ff ff ff ff ff ff ff ff 02", [], 12, "varint's 10th byte"),
    ("00 01", [], 0, "field number 0"),
    ("0e 01", [], 0, "wire type 6 or 7"),
    ("0f 01", [], 0, "wire type 6 or 7"),
    ("80 80 80 80 10", [], 0, "field number above 2^29-1"),
    ("0a 05 61 62", [], 1, "length prefix runs past the end"),
    ("08 96 01 12 05 41 70", [], 4, "length prefix runs past the end"),
    ("0c", [], 0, "end-group tag without a matching start-group"),
    ("0b 14", [], 1, "end-group tag's field number differs"),
    ("0b 08 01", [], 3, "input ends inside a group"),
    ("0d 01 02", [], 1, "input ends inside a tag or value"),
    ("09 01 02 03", [], 1, "input ends inside a tag or value"),
    ("0b 0b 0b 0c 0c 0c", ["--max-depth", "2"], 3, "nested deeper than the depth limit"),
    ("0b " * 101 + "0c " * 101, [], 101, "nested deeper than the depth limit"),
    # With a schema.
    ("12 02 c3 28", ["--proto", FRUIT, "--type", "Fruit"], 2, "not valid UTF-8"),
    ("5a 04 12 02 12 00", ["--proto", TYPES, "--type", "AllTypes", "--max-depth", "2"], 4, "nested deeper"),
    ("aa 01 03 01 02 03", ["--proto", TYPES, "--type", "AllTypes"], 3, "not a multiple of its width"),
    ("a2 01 02 01 ff", ["--proto", TYPES, "--type", "AllTypes"], 4, "input ends inside a tag or value"),
    # gRPC framing.
    ("02 00 00 00 00", ["--grpc"], 0, "compressed-flag byte is neither 0 nor 1"),
    ("00 00 00 00 0a 08 96 01 12 05 41 70 70 6c 65 07", ["--grpc"], 15, "compressed-flag byte is neither 0 nor 1"),
    ("00 00 40 00 01", ["--grpc"], 1, "exceeds the maximum message size"),
    ("00 00 00", ["--grpc"], 3, "stream ends inside a 5-byte message prefix"),
    ("00 00 00 00 0a 08 96", ["--grpc"], 7, "stream ends before message-length bytes"),
    ("00 00 00 00 02 08 96", ["--grpc"], 6, "input ends inside a tag or value"),
    # Hex text.
    ("0g", [], 1, "not a hexadecimal digit"),
    ("0a 6", [], 3, "odd number of hexadecimal digits"),
]


def test_malformed():
    for text, extra, offset, rule in MALFORMED:
        what = f"{text!r} {extra}"
        rc, out, err = h2pb(*extra, "--hex", "--file", "-", data=text.encode())
        check(rc == 1, f"{what}: exit status {rc}, want 1 ({err.strip()})")
        lines = err.strip().splitlines()
        want_prefix = f"h2pb decode: offset {offset}: " if "hex" not in rule else f"h2pb decode: hex input, character {offset}: "
        check(len(lines) == 1 and lines[0].startswith(want_prefix) and rule in lines[0],
              f"{what}: stderr {err.strip()!r}, want {want_prefix}...{rule}...")
        if "hex" in rule:
            continue
        j = h2pb_json(*extra, "--hex", "--file", "-", data=text.encode(), expect_rc=1)
        e = j.get("error", {})
        check(e.get("offset") == offset and rule in e.get("rule", ""), f"{what}: JSON error {e}")
    # A 10th varint byte above 1 breaks no encoding rule: protoc (the
    # reference) accepts it. h2pb rejects it by policy and must say so.
    raw = bytes.fromhex("08 ff ff ff ff ff ff ff ff ff 02")
    ref = subprocess.run(["protoc", "--decode_raw"], input=raw, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check(ref.returncode == 0, f"protoc --decode_raw accepts a 10th byte of 02: {ref.stderr!r}")
    rc, out, err = h2pb("08", "ff", "ff", "ff", "ff", "ff", "ff", "ff", "ff", "ff", "02")
    check(rc == 1 and "h2pb's policy" in err and "protowire" in err and "protoc" in err,
          f"the 10th-byte rule is named as h2pb's policy: {err!r}")
    # What was decoded before the error is printed.
    rc, out, err = h2pb("08", "96", "01", "12", "05", "41", "70")
    check(rc == 1 and ["0-2", "08", "1", "VARINT", "96 01", "150", "(sint 75)"] in rows(out),
          f"fields before the error are printed: {out}")
    j = h2pb_json("08", "96", "01", "12", "05", "41", "70", expect_rc=1)
    check([f["value"] for f in j.get("fields", [])] == [150], f"JSON keeps the fields before the error: {j}")
    rc, out, err = h2pb("--grpc", *hexwords(ARTICLE_APPLE_FRAME), "02")
    check(rc == 1 and "gRPC message 1" in out and '"Apple"' in out, "first gRPC message printed before the bad one")


{"article": test_article, "schema": test_schema, "raw": test_raw, "grpc": test_grpc,
 "malformed": test_malformed}[GROUP]()
print(f"{checks - len(failures)} of {checks} checks passed")
sys.exit(1 if failures else 0)
