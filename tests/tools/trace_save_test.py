#!/usr/bin/python3
"""Tests `h2pb get` / `h2pb serve` --trace, --raw, --grpc and --save.

usage: trace_save_test.py H2PB

`h2pb serve --save S` and `h2pb get --save G` record one connection from both
ends. What one end sent is what the other received (TCP), so G.send must equal
S.1.recv and G.recv S.1.send; G.send starts with the client preface (RFC 9113
§3.4). hyperframe (the reference parser) splits the saved bytes into frames;
`h2pb frames` must read the same frames from the same files, and the trace
must print the same frames at the same offsets, with their 9 header octets
under --raw. The request body is a gRPC message that /echo returns: --grpc
shows it in both directions.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import hyperframe.frame as hf

h2pb = sys.argv[1]
failures = 0
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def hyperframe_frames(data):
    """(offset, type name, stream id, 9 header octets) of each frame."""
    out, offset = [], 0
    if data.startswith(PREFACE):
        offset = len(PREFACE)
    while offset + 9 <= len(data):
        frame, length = hf.Frame.parse_frame_header(memoryview(data[offset:offset + 9]))
        name = {hf.RstStreamFrame: "RST_STREAM", hf.WindowUpdateFrame: "WINDOW_UPDATE",
                hf.PushPromiseFrame: "PUSH_PROMISE"}.get(type(frame), type(frame).__name__[:-5].upper())
        out.append((offset, name, frame.stream_id, " ".join(f"{b:02x}" for b in data[offset:offset + 9])))
        offset += 9 + length
    return out


with tempfile.TemporaryDirectory() as tmp:
    body = os.path.join(tmp, "req.bin")
    message = b"\x08\x96\x01\x12\x05Apple"  # the docs' Fruit: 1: 150, 2: "Apple"
    with open(body, "wb") as f:
        f.write(b"\x00" + len(message).to_bytes(4, "big") + message)
    server = subprocess.Popen([h2pb, "serve", "--port", "0", "--root", tmp, "--trace", "--raw", "--grpc",
                               "--save", os.path.join(tmp, "S")], stdout=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()
        port = re.search(r":(\d+) ", first).group(1)
        get = subprocess.run([h2pb, "get", "--trace", "--raw", "--grpc", "--save", os.path.join(tmp, "G"),
                              "--data", body, "--no-body", "-H", "content-type: application/grpc",
                              f"http://127.0.0.1:{port}/echo"], stdout=subprocess.PIPE, text=True, timeout=60)
    finally:
        server.terminate()
        # Read through the same buffered stream as readline() above: with a
        # timeout, communicate() reads the pipe's descriptor directly and
        # loses what readline() already buffered (the legend, when it came in
        # the same read as the first line).
        server_out = server.stdout.read()
        server.wait(timeout=30)
    check(get.returncode == 0, f"h2pb get exit {get.returncode}")
    out = get.stdout

    # The legend: columns named, the two HPACK tables explained.
    check(out.startswith("# [seconds] send|recv OFFSET"), f"legend first: {out[:200]!r}")
    check("RFC 9113 §4.3.1" in out and "fields we send" in out and "fields we receive" in out, "legend names the tables")
    check("send|recv OFFSET" in server_out, "the server prints the legend too")
    # A well-behaved exchange breaks no rule: the lifecycle checks flag nothing.
    check(not re.search(r"error at offset|grpc_error", out + server_out), f"no rule flagged: {out}{server_out}")

    def read(name):
        with open(os.path.join(tmp, name), "rb") as f:
            return f.read()

    g_send, g_recv, s_send, s_recv = read("G.send"), read("G.recv"), read("S.1.send"), read("S.1.recv")
    check(g_send.startswith(PREFACE), "the client's file starts with the preface")
    check(g_send == s_recv, f"client sent {len(g_send)} octets, server received {len(s_recv)}")
    check(g_recv == s_send, f"server sent {len(s_send)} octets, client received {len(g_recv)}")

    for name, data, direction in (("G.send", g_send, "send"), ("G.recv", g_recv, "recv")):
        ref = hyperframe_frames(data)
        r = subprocess.run([h2pb, "frames", "--binary", "--raw", "--grpc", "--format", "json", "--file",
                            os.path.join(tmp, name)], stdout=subprocess.PIPE, text=True)
        check(r.returncode == 0, f"h2pb frames {name}: exit {r.returncode}")
        mine = json.loads(r.stdout)["frames"]
        check([(f["offset"], f["type"], f["stream_id"], f["header_hex"]) for f in mine] == ref,
              f"h2pb frames {name} vs hyperframe: {[(f['offset'], f['type']) for f in mine]} vs {ref}")
        # The trace printed each frame at the same offset, with the same header octets.
        traced = re.findall(rf"^\[ *[0-9.]+\] {direction}  (\d+)  (\w+)  stream (\d+)", out, re.M)
        check([(int(o), t, int(s)) for o, t, s in traced] == [(o, t, s) for o, t, s, _ in ref],
              f"trace {direction} frames {traced} vs hyperframe {ref}")
        raws = re.findall(rf"^\[ *[0-9.]+\] {direction}  \d+ .*\n\s+frame header: ([0-9a-f ]+)$", out, re.M)
        check(raws == [h for _, _, _, h in ref], f"--raw {direction}: {raws} vs {[h for *_, h in ref]}")
        # --grpc: the Fruit message, both ways (the echo returns it).
        msgs = [m["hex"] for f in mine for m in f.get("grpc_messages", [])]
        check(msgs == [message.hex(" ")], f"gRPC message in {name}: {msgs}")
    check(out.count("gRPC message: 10 octets: " + message.hex(" ")) == 2, f"trace --grpc shows the message twice")
    # Each field block names its table: ours for what we send, the peer's for what we receive.
    check(re.search(r"send  .*HEADERS[\s\S]*?\(field block \d+ octets?; dynamic table for fields we send", out) is not None,
          "a sent block names the table for fields we send")
    check(re.search(r"recv  .*HEADERS[\s\S]*?\(field block \d+ octets?; dynamic table for fields we receive", out)
          is not None, "a received block names the table for fields we receive")

print(f"{'FAILED' if failures else 'ok'}: {failures} failure(s)")
sys.exit(1 if failures else 0)
