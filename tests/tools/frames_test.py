#!/usr/bin/python3
"""Tests `h2pb frames` against python-hyper (h2, hyperframe, hpack) run at test time.

usage: frames_test.py H2PB

python3-h2 plays a gRPC client and server and writes the bytes of a real
exchange (two calls on one connection, so the HPACK dynamic table is used,
a padded DATA frame, a CONTINUATION split, PING, WINDOW_UPDATE, GOAWAY...).
hyperframe and hpack, the reference decoders, read the same bytes; `h2pb
frames --format json` must report the same frames, flags, settings, error
codes and header fields. Broken inputs must be reported with the RFC rule.
"""
import json
import os
import subprocess
import sys
import tempfile

import h2.config
import h2.connection
import h2.settings
import hpack
import hyperframe.frame as hf

h2pb = sys.argv[1]
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def run(data, *args):
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(data)
        path = f.name
    try:
        r = subprocess.run([h2pb, "frames", "--file", path, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    finally:
        os.unlink(path)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def grpc_message(payload):
    return b"\x00" + len(payload).to_bytes(4, "big") + payload


# ---------------------------------------------------------------- a real exchange
client = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding=None))
server = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding=None))
client.initiate_connection()
client.update_settings({h2.settings.SettingCodes.MAX_FRAME_SIZE: 20000, 0x99: 7})
server.initiate_connection()
request = [(b":method", b"POST"), (b":scheme", b"http"), (b":path", b"/analytics.v1.AnalyticsService/GetReport"),
           (b":authority", b"localhost:50051"), (b"content-type", b"application/grpc"), (b"te", b"trailers"),
           (b"grpc-timeout", b"1S"), (b"authorization", b"Bearer abc")]
for sid in (1, 3):
    client.send_headers(sid, request)
    client.send_data(sid, grpc_message(b"\x0a\x03r-1"), end_stream=(sid == 3), pad_length=(None if sid == 3 else 4))
client.end_stream(1)
client.ping(b"12345678")
client.increment_flow_control_window(100000)
client_bytes = client.data_to_send()

server.receive_data(client_bytes)
response = [(b":status", b"200"), (b"content-type", b"application/grpc")]
for sid in (1, 3):
    server.send_headers(sid, response)
    server.send_data(sid, grpc_message(b"\x0a\x03r-1\x12\x00"))
    server.send_headers(sid, [(b"grpc-status", b"0"), (b"grpc-message", b"")], end_stream=True)
server.close_connection(error_code=0, additional_data=b"bye")
server_bytes = server.data_to_send()


def reference_frames(data, preface):
    """hyperframe + hpack decode the same bytes."""
    if preface:
        assert data.startswith(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        data = data[24:]
    dec = hpack.Decoder()
    dec.max_allowed_table_size = 65536
    out, offset, block = [], 24 if preface else 0, b""
    while data:
        frame, length = hf.Frame.parse_frame_header(memoryview(data[:9]))
        frame.parse_body(memoryview(data[9:9 + length]))
        fields = None
        if isinstance(frame, (hf.HeadersFrame, hf.ContinuationFrame)):
            block += frame.data
            if "END_HEADERS" in frame.flags:
                fields = [(n.decode(), v.decode()) for n, v in dec.decode(block, raw=True)]
                block = b""
        out.append((offset, frame, length, fields))
        offset += 9 + length
        data = data[9 + length:]
    return out


def compare(data, preface, label):
    code, out, err = run(data, "--format", "json")
    check(code == 0, f"{label}: exit status {code} ({err})")
    mine = json.loads(out)
    ref = reference_frames(data, preface)
    check(mine["client_preface"] == preface, f"{label}: preface")
    check(len(mine["frames"]) == len(ref), f"{label}: {len(mine['frames'])} frames, hyperframe sees {len(ref)}")
    for m, (offset, f, length, fields) in zip(mine["frames"], ref):
        where = f"{label} frame at {offset}"
        check(m["offset"] == offset, f"{where}: offset {m['offset']}")
        check(m["type"] == f.__class__.__name__.replace("Frame", "").upper().replace("RSTSTREAM", "RST_STREAM")
              .replace("WINDOWUPDATE", "WINDOW_UPDATE").replace("PUSHPROMISE", "PUSH_PROMISE"),
              f"{where}: type {m['type']} vs {f.__class__.__name__}")
        check(m["stream_id"] == f.stream_id, f"{where}: stream id")
        check(m["length"] == length, f"{where}: length")
        check(set(m["flags"]) == set(f.flags), f"{where}: flags {m['flags']} vs {sorted(f.flags)}")
        if isinstance(f, hf.SettingsFrame):
            check({s["id"]: s["value"] for s in m.get("settings", [])} == dict(f.settings), f"{where}: settings")
            for s in m.get("settings", []):
                if s["id"] == 5:
                    check(s["name"] == "SETTINGS_MAX_FRAME_SIZE", f"{where}: setting name")
        if isinstance(f, hf.DataFrame):
            check(int(m["data_length"]) == len(f.data), f"{where}: data length")
            if f.pad_length:
                check(int(m["padding"]) == f.pad_length, f"{where}: padding")
        if isinstance(f, hf.WindowUpdateFrame):
            check(int(m["window_size_increment"]) == f.window_increment, f"{where}: increment")
        if isinstance(f, hf.PingFrame):
            check(m["opaque_data"] == " ".join(f"{b:02x}" for b in f.opaque_data), f"{where}: ping data")
        if isinstance(f, hf.GoAwayFrame):
            check(int(m["last_stream_id"]) == f.last_stream_id, f"{where}: last stream id")
            check(m["error_code"] == "NO_ERROR", f"{where}: error code")
            check(m["debug_data"] == '"bye"', f"{where}: debug data")
        if fields is not None:
            check("field_block" in m, f"{where}: field block decoded")
            got = [(x["name"], x["value"]) for x in m["field_block"]["fields"]]
            check(got == fields, f"{where}: fields {got} vs hpack {fields}")
    return mine


mine = compare(client_bytes, True, "client")
# The second request's fields come from the dynamic table the first one filled.
reps = [h for h in mine["frames"] if h["type"] == "HEADERS"]
check(len(reps) == 2, "two request field blocks")
if len(reps) == 2:
    first = [x["representation"] for x in reps[0]["field_block"]["fields"]]
    second = [x["representation"] for x in reps[1]["field_block"]["fields"]]
    check(any(r.startswith("literal with incremental indexing") for r in first), f"first block adds entries {first}")
    # RFC 7541 §6.1 "Indexed Header Field"; indices above 61 are the dynamic table's (§2.3.3)
    check(sum(r.startswith("indexed field 6") and r.endswith("(dynamic)") for r in second) >= 1,
          f"second block uses the dynamic table {second}")
    check(reps[1]["field_block"]["octets"] < reps[0]["field_block"]["octets"], "second block is smaller")
compare(server_bytes, False, "server")

# --grpc: the Length-Prefixed-Messages inside DATA.
code, out, _ = run(server_bytes, "--format", "json", "--grpc")
msgs = [m for f in json.loads(out)["frames"] for m in f.get("grpc_messages", [])]
check(len(msgs) == 2 and msgs[0]["hex"] == "0a 03 72 2d 31 12 00", f"grpc messages {msgs}")

# A field block split by hyperframe into HEADERS + CONTINUATION.
enc = hpack.Encoder()
block = enc.encode(request)
h = hf.HeadersFrame(1, block[:10], flags=["END_STREAM"])
c = hf.ContinuationFrame(1, block[10:], flags=["END_HEADERS"])
code, out, _ = run(h.serialize() + c.serialize(), "--format", "json")
fr = json.loads(out)["frames"]
check(code == 0 and len(fr) == 2 and "field_block" in fr[1], "CONTINUATION joined")
if len(fr) == 2 and "field_block" in fr[1]:
    check([(x["name"], x["value"]) for x in fr[1]["field_block"]["fields"]] ==
          [(n.decode(), v.decode()) for n, v in request], "CONTINUATION fields")

# ---------------------------------------------------------------- broken inputs
bad_ping = b"\x00\x00\x07\x06\x00\x00\x00\x00\x00" + b"1234567"
code, out, _ = run(bad_ping, "--format", "json")
e = json.loads(out)["frames"][0].get("error", {})
check(code == 1, "bad PING: exit 1")
check(e.get("code") == "FRAME_SIZE_ERROR" and e.get("section") == "6.7" and e.get("scope") == "connection",
      f"bad PING error {e}")

code, out, _ = run(client_bytes[:-3], "--format", "json")
check(code == 1 and "announces" in json.loads(out).get("error", ""), "truncated stream")

interleaved = hf.HeadersFrame(1, block[:10]).serialize() + hf.PingFrame(0, b"x" * 8).serialize()
code, out, _ = run(interleaved)
check(code == 1 and "CONTINUATION" in out and "PROTOCOL_ERROR" in out, f"interleaved block: {out}")

code, out, _ = run(b"\x00\x00\x00\x04\x00\x00\x00\x00\x01", "--no-preface")
check(code == 1 and "SETTINGS frame on a stream other than 0" in out and "§6.5" in out, f"SETTINGS on stream: {out}")

code, out, _ = run(hf.HeadersFrame(1, b"\x80", flags=["END_HEADERS"]).serialize())
check(code == 1 and "COMPRESSION_ERROR" in out, f"HPACK error: {out}")

code, out, err = run(client_bytes, "--preface")
check(code == 0 and "SETTINGS_ENABLE_PUSH = 1" in out and "UNKNOWN(0x99, ignored) = 7" in out, f"text: {out}")
code, out, err = run(server_bytes, "--preface")
check(code == 1 and "client preface" in err, "--preface on a server stream")
code, out, err = run(client_bytes, "--max-frame-size", "16384")
check(code == 0, "max frame size check passes")
code, out, err = run(b"", "--bogus")
check(code == 2, "bad usage")

# ---------------------------------------------------------------- stream lifecycle (RFC 9113 §5.1, §5.1.1)
# python-h2, as the receiving server, is the reference: each of these client
# byte streams must be refused by it, and by h2pb frames with the section.
import h2.exceptions

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
SETTINGS = hf.SettingsFrame(0).serialize()
REQ = [(b":method", b"GET"), (b":scheme", b"http"), (b":path", b"/"), (b":authority", b"x")]


def H(sid, end=False):
    return hf.HeadersFrame(sid, hpack.Encoder().encode(REQ),
                           flags=["END_HEADERS"] + (["END_STREAM"] if end else [])).serialize()


def D(sid, data=b"x", end=False):
    return hf.DataFrame(sid, data, flags=(["END_STREAM"] if end else [])).serialize()


def h2_server_refuses(data):
    """python-h2's verdict as a server: an exception, or a stream reset it sends."""
    s = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding=None))
    s.initiate_connection()
    try:
        events = s.receive_data(data)
    except h2.exceptions.ProtocolError as e:
        return type(e).__name__
    resets = [e for e in events if isinstance(e, h2.events.StreamReset) and not e.remote_reset]
    return f"reset {resets[0].error_code}" if resets else None


import h2.events

LIFECYCLE = [
    # (label, client bytes after the preface, words, code, section)
    ("HEADERS on an even stream id", SETTINGS + H(2), "wrong parity", "PROTOCOL_ERROR", "§5.1.1"),
    ("stream ids decreasing", SETTINGS + H(3) + H(1), "not greater", "PROTOCOL_ERROR", "§5.1.1"),
    ("DATA after END_STREAM", SETTINGS + H(1, end=True) + D(1), "closed stream", "STREAM_CLOSED", "§5.1"),
    ("DATA on an idle stream", SETTINGS + D(5), "idle stream", "PROTOCOL_ERROR", "§5.1"),
    ("WINDOW_UPDATE on an idle stream", SETTINGS + hf.WindowUpdateFrame(7, window_increment=5).serialize(),
     "idle stream", "PROTOCOL_ERROR", "§5.1"),
]
for label, body, words, code_name, section in LIFECYCLE:
    ref = h2_server_refuses(PREFACE + body)
    check(ref is not None, f"{label}: python-h2 accepts it ({ref})")
    if code_name == "STREAM_CLOSED" and ref is not None and ref.startswith("reset"):
        check(ref == "reset 5", f"{label}: python-h2 resets with {ref}, STREAM_CLOSED is 5")
    code, out, _ = run(PREFACE + body, "--preface")
    check(code == 1 and words in out and code_name in out and f"RFC 9113 {section})" in out,
          f"{label}: exit {code}, {out}")
# The same well-formed exchange passes (python-h2 accepts it too).
ok = SETTINGS + H(1) + D(1, end=True) + H(3, end=True) + hf.WindowUpdateFrame(1, window_increment=9).serialize()
check(h2_server_refuses(PREFACE + ok) is None, "python-h2 accepts the good exchange")
code, out, _ = run(PREFACE + ok, "--preface")
check(code == 0, f"a good client stream passes: {out}")
# §5.1 closed: "An endpoint MUST NOT send frames other than PRIORITY on a
# closed stream" — after its own RST_STREAM (python-h2 discards these).
code, out, _ = run(PREFACE + SETTINGS + H(1) + hf.RstStreamFrame(1).serialize() + D(1), "--preface")
check(code == 1 and "STREAM_CLOSED" in out and "§5.1)" in out, f"DATA after the sender's RST_STREAM: {out}")
code, out, _ = run(PREFACE + SETTINGS + H(1) + hf.RstStreamFrame(1).serialize() +
                   hf.PriorityFrame(1, depends_on=0, stream_weight=15).serialize(), "--preface")
check(code == 0, f"PRIORITY after RST_STREAM is allowed: {out}")
# A server's stream (no preface): HEADERS ending the stream, then DATA.
srv = hf.HeadersFrame(1, hpack.Encoder().encode([(b":status", b"200")]),
                      flags=["END_HEADERS", "END_STREAM"]).serialize() + D(1)
code, out, _ = run(srv, "--no-preface")
check(code == 1 and "STREAM_CLOSED" in out, f"server DATA after END_STREAM: {out}")

# ---------------------------------------------------------------- --grpc: payloads ending inside a message
msg = grpc_message(b"\x08\x96\x01")  # 00 00 00 00 03 08 96 01
code, out, _ = run(D(1, msg[:6]) + D(1, msg[6:], end=True), "--no-preface", "--grpc", "--format", "json")
fr = json.loads(out)["frames"]
check(code == 0 and "grpc_partial" in fr[0] and fr[1].get("grpc_messages", [{}])[0].get("hex") == "08 96 01",
      f"a message split over two DATA frames: {out}")
code, out, _ = run(D(1, msg[:6], end=True), "--no-preface", "--grpc")
# rpc's words, as `h2pb decode --grpc` prints them for the same bytes
check(code == 1 and "END_STREAM inside a gRPC message" in out and "stream ends before message-length bytes" in out,
      f"END_STREAM inside a message: {out}")
code, out, _ = run(D(1, msg[:3]), "--no-preface", "--grpc")
check(code == 1 and "inside a gRPC message" in out and "5-byte message prefix" in out, f"input ends inside: {out}")

# ---------------------------------------------------------------- --raw: the 9 header octets
code, out, _ = run(client_bytes, "--raw", "--format", "json")
for fjs in json.loads(out)["frames"]:
    want = " ".join(f"{b:02x}" for b in client_bytes[fjs["offset"]:fjs["offset"] + 9])
    check(fjs.get("header_hex") == want, f"--raw at {fjs['offset']}: {fjs.get('header_hex')} vs {want}")

# ---------------------------------------------------------------- one --table-size default, one vocabulary
# RFC 7541 §6.3 / §4.2: a size update above SETTINGS_HEADER_TABLE_SIZE
# (initially 4096, RFC 9113 §6.5.2) is a decoding error.
update = hpack.hpack.encode_integer(65536, 5)
update[0] |= 0x20
block = bytes(update) + bytes.fromhex("82")
code, out, _ = run(hf.HeadersFrame(1, block, flags=["END_HEADERS"]).serialize())
check(code == 1 and "COMPRESSION_ERROR" in out, f"size update to 65536 by default: {out}")
code, out, _ = run(hf.HeadersFrame(1, block, flags=["END_HEADERS"]).serialize(), "--table-size", "65536")
check(code == 0, f"size update to 65536 with --table-size 65536: {out}")
r = subprocess.run([h2pb, "hpack", "decode", block.hex()], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
check(r.returncode == 1, "h2pb hpack has the same default")
# RFC 7541 C.3.1: indexed 2, 6, 4 (static), then a literal with incremental
# indexing whose name is static index 1 — the same words in both tools.
c31 = bytes.fromhex("828684410f7777772e6578616d706c652e636f6d")
code, out, _ = run(hf.HeadersFrame(1, c31, flags=["END_HEADERS"]).serialize())
r = subprocess.run([h2pb, "hpack", "decode", c31.hex()], stdout=subprocess.PIPE, text=True)
for words in ["indexed field 2 (static)", "indexed field 6 (static)", "indexed field 4 (static)",
              "literal with incremental indexing, name 1 (static)"]:
    check(f"[{words}]" in out, f"frames says {words!r}: {out}")
    check(words in r.stdout, f"hpack says {words!r}: {r.stdout}")
check("field block 20 octets" in out and "header block" not in out, f"RFC 9113 §4.3 words: {out}")

print(f"{'FAILED' if failures else 'ok'}: {failures} failure(s)")
sys.exit(1 if failures else 0)
