"""The rules about what follows a request's header section, checked against
a running `h2pb serve` by a raw peer (frames written by hand, header blocks
encoded with python-hyper's hpack, /usr/bin/python3).

`h2pb serve` answers a file request once the request is complete (END_STREAM
received), as nghttpd and nginx do, so every one of these rules is in force
while the request is open. For each case the exact frames the server answers
are asserted: RST_STREAM with its code, GOAWAY with its code, or nothing (a
PING sent after the case is answered and nothing else is).

  1. a second HEADERS without END_STREAM     -> RST_STREAM(PROTOCOL_ERROR) §8.1
  2. a pseudo-header field in trailers       -> RST_STREAM(PROTOCOL_ERROR) §8.1, §8.3
  3. DATA beyond content-length              -> RST_STREAM(PROTOCOL_ERROR) §8.1.1
     DATA short of content-length at the end -> RST_STREAM(PROTOCOL_ERROR) §8.1.1
  4. DATA after the peer's own RST_STREAM    -> RST_STREAM(STREAM_CLOSED)  §5.1 closed
  5. DATA after the server's RST_STREAM      -> ignored                    §5.1 closed
  6. WINDOW_UPDATE of 0 on the stream        -> RST_STREAM(PROTOCOL_ERROR) §6.9
  7. PRIORITY: the stream depends on itself  -> RST_STREAM(PROTOCOL_ERROR) on an
     open stream; GOAWAY(PROTOCOL_ERROR) on an idle one (RFC 7540 §5.3.1; §6.4
     forbids RST_STREAM on an idle stream)
  8. well-formed: no answer before END_STREAM; then 200 and the file, whether
     the request ends with an empty DATA or with trailers; no RST_STREAM

usage: serve_rules.py H2PB SCRATCH_DIR
"""

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import CODES, GOAWAY, PREFACE, SETTINGS, H2pbServer, check, finish, make_files, scratch  # noqa: E402
from harness import connect, frame, read_frames  # noqa: E402

try:
    import hpack
except ImportError:
    print("SKIP: python3-hpack (python3-h2) is not installed for /usr/bin/python3")
    sys.exit(77)

DATA, HEADERS, PRIORITY, RST_STREAM, PING, WINDOW_UPDATE = 0, 1, 2, 3, 6, 8
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4
PROBE = b"probe!!!"

h2pb, work = sys.argv[1], scratch(sys.argv[2])
root = os.path.join(work, "www")
make_files(root)
small = open(os.path.join(root, "100.bin"), "rb").read()


class Peer:
    """One connection: handshake done, one HPACK context each way."""

    def __init__(self, port):
        self.port = port
        self.sock = connect(port)
        self.enc = hpack.Encoder()
        self.dec = hpack.Decoder()
        self.sock.sendall(PREFACE + frame(SETTINGS, 0, 0) + frame(SETTINGS, ACK, 0))

    def request(self, extra=(), path="/100.bin", method="GET"):
        return [(":method", method), (":scheme", "http"), (":authority", "127.0.0.1:%d" % self.port),
                (":path", path)] + list(extra)

    def headers(self, stream, fields, end_stream=False):
        block = self.enc.encode(fields)
        self.sock.sendall(frame(HEADERS, END_HEADERS | (END_STREAM if end_stream else 0), stream, block))

    def send(self, *frames):
        self.sock.sendall(b"".join(frames))

    def answer(self, timeout=5):
        """Sends a PING and returns every frame up to its ACK (or GOAWAY, or
        EOF), the server's SETTINGS and SETTINGS ACK left out."""
        self.sock.sendall(frame(PING, 0, 0, PROBE))
        got = []

        def until(t, fl, st, p):
            if t == SETTINGS:
                return False
            if t == HEADERS:  # keep the HPACK context in step
                p = self.dec.decode(p[1 + p[0]:] if fl & 0x8 else p)
            got.append((t, fl, st, p))
            return (t == PING and fl & ACK and p == PROBE) or t == GOAWAY

        read_frames(self.sock, until, timeout)
        return got

    def close(self):
        self.sock.close()


def rst(stream, code):
    return frame(RST_STREAM, 0, stream, struct.pack(">I", code))


def describe(frames):
    names = {DATA: "DATA", HEADERS: "HEADERS", PRIORITY: "PRIORITY", RST_STREAM: "RST_STREAM", PING: "PING",
             GOAWAY: "GOAWAY", WINDOW_UPDATE: "WINDOW_UPDATE"}
    out = []
    for t, fl, st, p in frames:
        what = "%s(%d" % (names.get(t, str(t)), st)
        if t == RST_STREAM:
            what += ", " + CODES.get(int.from_bytes(p[0:4], "big"), "?")
        elif t == GOAWAY:
            what += ", " + CODES.get(int.from_bytes(p[4:8], "big"), "?")
        out.append(what + ")")
    return " ".join(out) or "nothing"


def only_probe(frames):
    """Nothing but the PING ACK (WINDOW_UPDATEs giving back credit aside)."""
    rest = [f for f in frames if f[0] != WINDOW_UPDATE]
    return len(rest) == 1 and rest[0][0] == PING


def expect_rst(frames, stream, code, what):
    """Exactly one RST_STREAM, on `stream` with `code`; no response, no GOAWAY."""
    rsts = [f for f in frames if f[0] == RST_STREAM]
    ok = (len(rsts) == 1 and rsts[0][2] == stream and int.from_bytes(rsts[0][3][0:4], "big") == code
          and not any(f[0] in (HEADERS, DATA, GOAWAY) for f in frames)
          and frames and frames[-1][0] == PING)
    check(ok, "%s -> RST_STREAM(%d, %s) (got %s)" % (what, stream, CODES[code], describe(frames)))


def expect_goaway(frames, code, what):
    ok = bool(frames) and frames[-1][0] == GOAWAY and int.from_bytes(frames[-1][3][4:8], "big") == code
    ok = ok and not any(f[0] == RST_STREAM for f in frames)
    check(ok, "%s -> GOAWAY(%s) (got %s)" % (what, CODES[code], describe(frames)))


def expect_file(frames, stream, what):
    hs = [f for f in frames if f[0] == HEADERS and f[2] == stream]
    body = b"".join(f[3] for f in frames if f[0] == DATA and f[2] == stream)
    ended = any(f[0] == DATA and f[2] == stream and f[1] & END_STREAM for f in frames)
    ok = (len(hs) == 1 and (":status", "200") in hs[0][3] and body == small and ended
          and not any(f[0] in (RST_STREAM, GOAWAY) for f in frames))
    check(ok, "%s -> 200 and the file, no RST_STREAM (got %s)" % (what, describe(frames)))


PROTOCOL_ERROR, STREAM_CLOSED, CANCEL = 1, 5, 8

with H2pbServer(h2pb, root) as srv:
    # 1. §8.1: a second HEADERS without END_STREAM (trailers must end the stream).
    p = Peer(srv.port)
    p.headers(1, p.request())
    p.headers(1, [("x-trailer", "1")], end_stream=False)
    expect_rst(p.answer(), 1, PROTOCOL_ERROR, "§8.1 second HEADERS without END_STREAM")
    p.close()

    # 2. §8.1, §8.3: a pseudo-header field in the trailers.
    p = Peer(srv.port)
    p.headers(1, p.request())
    p.headers(1, [(":path", "/100.bin")], end_stream=True)
    expect_rst(p.answer(), 1, PROTOCOL_ERROR, "§8.1 pseudo-header field in trailers")
    p.close()

    # 3. §8.1.1: DATA that disagrees with content-length, both ways.
    p = Peer(srv.port)
    p.headers(1, p.request([("content-length", "3")]))
    p.send(frame(DATA, 0, 1, b"12345"))
    expect_rst(p.answer(), 1, PROTOCOL_ERROR, "§8.1.1 DATA beyond content-length")
    # 5. §5.1 closed: after the server's RST_STREAM, what the peer had in
    # flight on the stream is ignored (and the connection lives on).
    p.send(frame(DATA, END_STREAM, 1, b"x"))
    got = p.answer()
    check(only_probe(got), "§5.1 DATA after the server's RST_STREAM is ignored (got %s)" % describe(got))
    p.headers(3, p.request([("content-length", "10")]))
    p.send(frame(DATA, END_STREAM, 3, b"12345"))
    expect_rst(p.answer(), 3, PROTOCOL_ERROR, "§8.1.1 END_STREAM short of content-length")
    p.close()

    # 4. §5.1 closed: DATA after the peer's own RST_STREAM.
    p = Peer(srv.port)
    p.headers(1, p.request())
    p.send(rst(1, CANCEL), frame(DATA, 0, 1, b"late"))
    expect_rst(p.answer(), 1, STREAM_CLOSED, "§5.1 DATA after the peer's RST_STREAM")
    p.close()

    # 6. §6.9: WINDOW_UPDATE with an increment of 0 on the stream.
    p = Peer(srv.port)
    p.headers(1, p.request())
    p.send(frame(WINDOW_UPDATE, 0, 1, struct.pack(">I", 0)))
    expect_rst(p.answer(), 1, PROTOCOL_ERROR, "§6.9 WINDOW_UPDATE(0) on an open stream")
    p.close()

    # 7. RFC 7540 §5.3.1 (kept by RFC 9113 §5.3.2): a stream depending on itself.
    p = Peer(srv.port)
    p.headers(1, p.request())
    p.send(frame(PRIORITY, 0, 1, struct.pack(">I", 1) + b"\x10"))
    expect_rst(p.answer(), 1, PROTOCOL_ERROR, "PRIORITY: open stream depends on itself")
    p.close()
    p = Peer(srv.port)
    p.send(frame(PRIORITY, 0, 5, struct.pack(">I", 5) + b"\x10"))
    expect_goaway(p.answer(), PROTOCOL_ERROR, "PRIORITY: idle stream depends on itself")
    p.close()

    # 8. Well-formed: the answer waits for END_STREAM.
    p = Peer(srv.port)
    p.headers(1, p.request())
    got = p.answer()
    check(only_probe(got), "no answer before the request ends (got %s)" % describe(got))
    p.send(frame(DATA, END_STREAM, 1, b""))
    expect_file(p.answer(), 1, "the request ends with an empty DATA")
    p.headers(3, p.request())
    p.headers(3, [("x-trailer", "1")], end_stream=True)
    expect_file(p.answer(), 3, "the request ends with trailers")
    p.headers(5, p.request(), end_stream=True)
    expect_file(p.answer(), 5, "a GET with END_STREAM on its HEADERS")
    p.close()

    check(srv.alive(), "h2pb serve is still running")

finish()
