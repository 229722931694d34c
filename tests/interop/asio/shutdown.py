"""Graceful shutdown of `h2pb serve` (RFC 9113 §6.8) with a stream in flight,
seen by a small client on raw frames (HPACK by python-hyper hpack):

  - SIGTERM while a 17 MiB download is half read: the client gets
    GOAWAY(2^31-1, NO_ERROR) and a PING, then (after its PING ACK) the final
    GOAWAY naming stream 1 as the last one processed;
  - a new stream opened after that GOAWAY gets no answer (it is beyond the
    last stream id, §6.8), a new TCP connection is refused;
  - the stream in flight completes, byte for byte;
  - the process exits soon after, well within --grace.
And a stream whose reader never reads: the server closes it at the --grace
deadline and exits.

usage: shutdown.py H2PB SCRATCH_DIR
"""

import os
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import H2pbServer, check, finish, make_files, read_file, scratch  # noqa: E402

try:
    import hpack
except ImportError:
    print("SKIP: python3-hpack (with python3-h2) is not installed for /usr/bin/python3")
    sys.exit(77)

h2pb, work = sys.argv[1], scratch(sys.argv[2])
root = os.path.join(work, "www")
make_files(root)
big = read_file(os.path.join(root, "big.bin"))


def frame(ftype, flags, stream, payload=b""):
    return len(payload).to_bytes(3, "big") + bytes([ftype, flags]) + stream.to_bytes(4, "big") + payload


class client:
    """A small HTTP/2 client on raw frames (python-h2 closes its connection
    state on the first GOAWAY and then rejects the frames of the streams
    still in flight, which is exactly what this test needs to receive):
    ACKs SETTINGS and PING, reopens windows as it reads, records GOAWAYs."""

    def __init__(self, port):
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.encoder = hpack.Encoder()
        self.sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0))
        self.next_id = 1
        self.buf = b""
        self.bodies = {}
        self.ended = set()
        self.goaways = []
        self.pings = 0
        self.eof = False

    def get(self, path):
        sid = self.next_id
        self.next_id += 2
        block = self.encoder.encode([(":method", "GET"), (":scheme", "http"),
                                     (":authority", "127.0.0.1:%d" % self.port), (":path", path)])
        self.sock.sendall(frame(1, 0x05, sid, block))
        self.bodies[sid] = bytearray()
        return sid

    def pump(self, until, timeout, read=True):
        """Reads and answers frames until until() or timeout."""
        deadline = time.monotonic() + timeout
        self.sock.settimeout(0.1)
        while not until() and time.monotonic() < deadline and not self.eof:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                self.eof = True
                break
            if not data:
                self.eof = True
                break
            self.buf += data
            out = b""
            while len(self.buf) >= 9:
                length = int.from_bytes(self.buf[0:3], "big")
                if len(self.buf) < 9 + length:
                    break
                ftype, flags = self.buf[3], self.buf[4]
                sid = int.from_bytes(self.buf[5:9], "big") & 0x7fffffff
                payload = self.buf[9:9 + length]
                self.buf = self.buf[9 + length:]
                if ftype == 0:  # DATA (the server sends no padding)
                    self.bodies.setdefault(sid, bytearray()).extend(payload)
                    if flags & 1:
                        self.ended.add(sid)
                    if read and length:
                        inc = length.to_bytes(4, "big")
                        out += frame(8, 0, 0, inc) + (b"" if flags & 1 else frame(8, 0, sid, inc))
                elif ftype == 1 and flags & 1:
                    self.ended.add(sid)
                elif ftype == 4 and not flags & 1:
                    out += frame(4, 1, 0)
                elif ftype == 6 and not flags & 1:
                    self.pings += 1
                    out += frame(6, 1, 0, payload)
                elif ftype == 7:
                    self.goaways.append((int.from_bytes(payload[0:4], "big") & 0x7fffffff,
                                         int.from_bytes(payload[4:8], "big")))
            if out:
                try:
                    self.sock.sendall(out)
                except OSError:
                    pass
        return until()


grace = 6
with H2pbServer(h2pb, root, "--grace", str(grace), *os.environ.get("SHUTDOWN_TRACE", "").split()) as srv:
    c = client(srv.port)
    sid = c.get("/big.bin")
    c.pump(lambda: len(c.bodies[sid]) >= 4 * 1024 * 1024, 10)
    check(len(c.bodies[sid]) >= 4 * 1024 * 1024, "a 17 MiB download is under way (%d octets read)"
          % len(c.bodies[sid]))
    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    c.pump(lambda: len(c.goaways) >= 1, 5)
    check(c.goaways[:1] == [(2 ** 31 - 1, 0)], "first GOAWAY: last stream 2^31-1, NO_ERROR (%r)" % c.goaways[:1])
    c.pump(lambda: len(c.goaways) >= 2, 5)
    check(c.pings >= 1, "a PING came with it (and was answered)")
    check(len(c.goaways) >= 2 and c.goaways[1] == (sid, 0),
          "final GOAWAY: last stream %d, NO_ERROR (%r)" % (sid, c.goaways[1:2]))
    # A stream the client opens now is beyond the GOAWAY: ignored by the server.
    late = c.get("/100.bin")
    refused = False
    try:
        socket.create_connection(("127.0.0.1", srv.port), timeout=2).close()
    except OSError:
        refused = True
    check(refused, "a new TCP connection is refused after the shutdown began")
    c.pump(lambda: sid in c.ended, 20)
    check(sid in c.ended and bytes(c.bodies[sid]) == big,
          "the stream in flight completed: %d octets identical to the file" % len(c.bodies[sid]))
    check(late not in c.bodies or not c.bodies[late], "the stream opened after the final GOAWAY got no answer")
    code = srv.wait(grace + 2)
    elapsed = time.monotonic() - t0
    check(code == 0, "the server exited with status 0 (%r)" % code)
    check(elapsed < grace, "... %.2f s after SIGTERM (grace %d s: it did not wait for the deadline)"
          % (elapsed, grace))
    c.sock.close()
    if os.environ.get("SHUTDOWN_TRACE"):
        print("\n".join(l for l in bytes(srv.out).decode().splitlines() if "DATA" not in l and "data" not in l))

grace = 2
with H2pbServer(h2pb, root, "--grace", str(grace)) as srv:
    c = client(srv.port)
    sid = c.get("/big.bin")
    c.pump(lambda: len(c.bodies[sid]) > 0, 5, read=False)  # never gives the window back
    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    c.pump(lambda: False, grace + 1, read=False)
    code = srv.wait(grace + 3)
    elapsed = time.monotonic() - t0
    check(code == 0 and grace - 0.5 < elapsed < grace + 2,
          "a stalled stream is closed at the deadline: exit %r after %.2f s (grace %d s)" % (code, elapsed, grace))
    check(sid not in c.ended, "... without completing it")
    c.sock.close()

finish()
