"""Peers that misbehave, written with python-hyper h2 (/usr/bin/python3)
and raw frames, against `h2pb serve`; after each, the server must still be
up and serve a well-behaved client.

  1. never reads: opens 60 streams for a 17 MiB file with huge windows and
     never reads its socket -> the server's memory stays bounded (stream and
     connection windows, the output cap, TCP backpressure)
  2. stops at half a frame -> idle timeout: GOAWAY(NO_ERROR), then close
  3. never ACKs our SETTINGS -> GOAWAY(SETTINGS_TIMEOUT) (RFC 9113 §6.5.3)
  4a. breaks a rule mid-transfer (WINDOW_UPDATE with increment 0 on the
      connection) -> GOAWAY(PROTOCOL_ERROR) (§6.9)
  4b. sends GOAWAY(INTERNAL_ERROR) mid-transfer and goes away -> the server
      drops the connection, nothing else
  5. a flood of PINGs without reading the answers -> memory stays bounded
  6. never answers the keepalive PING -> GOAWAY(NO_ERROR, keepalive timeout);
     a peer that answers stays connected
  7. a TLS client that never starts its handshake -> closed at the timeout

usage: misbehaving.py H2PB SCRATCH_DIR
"""

import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import H2pbServer, check, finish, make_cert, make_files, need, rss_kib, run, scratch  # noqa: E402
from harness import GOAWAY, PREFACE, SETTINGS, connect, frame, goaway_code, read_frames, wait_eof  # noqa: E402

need("nghttp")
try:
    import h2.config
    import h2.connection
    import h2.events
    import h2.settings
except ImportError:
    print("SKIP: python3-h2 is not installed for /usr/bin/python3")
    sys.exit(77)

h2pb, work = sys.argv[1], scratch(sys.argv[2])
root = os.path.join(work, "www")
make_files(root)
small = open(os.path.join(root, "100.bin"), "rb").read()

def well_behaved(srv, what):
    r = run(["nghttp", srv.url("/100.bin")], timeout=20)
    check(r.returncode == 0 and r.stdout == small, "a well-behaved client is served %s" % what)


def h2_client():
    c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    c.local_settings = h2.settings.Settings(client=True, initial_values={
        h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 2 ** 31 - 1,
        h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 1000})
    c.initiate_connection()
    c.increment_flow_control_window(2 ** 31 - 1 - 65535)
    return c


def request(c, stream, path, port):
    c.send_headers(stream, [(":method", "GET"), (":scheme", "http"), (":authority", "127.0.0.1:%d" % port),
                            (":path", path)], end_stream=True)


settings_timeout, idle_timeout = 2, 3
with H2pbServer(h2pb, root, "--settings-timeout", str(settings_timeout), "--idle-timeout", str(idle_timeout),
                "--max-output", "262144") as srv:
    well_behaved(srv, "at the start")
    base = rss_kib(srv.pid, "RssAnon:")

    # 1. Never reads.
    s = connect(srv.port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c = h2_client()
    for i in range(60):
        request(c, 1 + 2 * i, "/big.bin", srv.port)
    s.sendall(c.data_to_send())
    # Private memory is what buffering costs; the file is mapped (shared
    # page cache), so its pages show in RssFile once per mapping, not here.
    time.sleep(1.5)
    peak = rss_kib(srv.pid, "RssAnon:")
    for _ in range(5):
        time.sleep(0.3)
        peak = max(peak, rss_kib(srv.pid, "RssAnon:"))
    well_behaved(srv, "while a peer does not read 60 x 17 MiB")
    grown = (peak - base) / 1024
    check(grown < 16, "server memory stays bounded with a non-reading peer: anonymous memory +%.1f MiB "
          "(60 streams x 17 MiB asked)" % grown)
    s.close()

    # 2. Half a frame, then silence (SETTINGS acknowledged, so only idleness is left).
    s = connect(srv.port)
    s.sendall(PREFACE + frame(SETTINGS, 0, 0) + frame(SETTINGS, 1, 0))
    headers = frame(1, 0x05, 1, b"\x82\x86\x84\x41\x0f" + b"127.0.0.1:12345")  # a GET, cut in two
    s.sendall(headers[:7])
    f, eof, secs = read_frames(s, lambda t, fl, st, p: t == GOAWAY, idle_timeout + 5)
    check(goaway_code(f) == "NO_ERROR" and b"idle" in f[3][8:],
          "half a frame, then silence: GOAWAY(NO_ERROR, idle timeout) after %.1f s (idle timeout %d s)"
          % (secs, idle_timeout))
    check(wait_eof(s, 5), "... and the server closes the connection")
    s.close()
    well_behaved(srv, "after the half-frame peer")

    # 3. Never ACKs SETTINGS.
    s = connect(srv.port)
    s.sendall(PREFACE + frame(SETTINGS, 0, 0))
    f, eof, secs = read_frames(s, lambda t, fl, st, p: t == GOAWAY, settings_timeout + 5)
    check(goaway_code(f) == "SETTINGS_TIMEOUT",
          "SETTINGS never acknowledged: GOAWAY(SETTINGS_TIMEOUT) after %.1f s (timeout %d s)"
          % (secs, settings_timeout))
    check(wait_eof(s, 5), "... and the server closes the connection")
    s.close()
    well_behaved(srv, "after the peer that never ACKs SETTINGS")

    # 4a. A connection error mid-transfer: WINDOW_UPDATE with increment 0 on stream 0.
    s = connect(srv.port)
    c = h2_client()
    request(c, 1, "/big.bin", srv.port)
    s.sendall(c.data_to_send())
    got, _, _ = read_frames(s, lambda t, fl, st, p: t == 0 and st == 1, 5)  # the first DATA frame
    check(got is not None, "the transfer started")
    s.sendall(frame(8, 0, 0, b"\x00\x00\x00\x00"))
    f, eof, secs = read_frames(s, lambda t, fl, st, p: t == GOAWAY, 5)
    check(goaway_code(f) == "PROTOCOL_ERROR", "WINDOW_UPDATE(0) mid-transfer: GOAWAY(PROTOCOL_ERROR) (got %s)"
          % goaway_code(f))
    check(f is not None and int.from_bytes(f[3][0:4], "big") == 1, "... naming stream 1 as the last processed")
    check(wait_eof(s, 5), "... and the server closes the connection")
    s.close()
    well_behaved(srv, "after a connection error")

    # 4b. The peer ends the connection with GOAWAY(INTERNAL_ERROR) mid-transfer.
    s = connect(srv.port)
    c = h2_client()
    for i in range(4):
        request(c, 1 + 2 * i, "/big.bin", srv.port)
    s.sendall(c.data_to_send())
    read_frames(s, lambda t, fl, st, p: t == 0, 5)
    c.close_connection(error_code=2)
    s.sendall(c.data_to_send())
    check(wait_eof(s, 5), "peer GOAWAY(INTERNAL_ERROR) mid-transfer: the server closes the connection")
    s.close()
    well_behaved(srv, "after the peer's GOAWAY")

    # 5. A PING flood from a peer that does not read.
    s = connect(srv.port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(PREFACE + frame(SETTINGS, 0, 0) + frame(SETTINGS, 1, 0))
    pings = b"".join(frame(6, 0, 0, struct.pack(">Q", i)) for i in range(1000))
    before = rss_kib(srv.pid, "RssAnon:")
    s.settimeout(0.5)
    sent = 0
    try:
        for _ in range(300):  # up to 300,000 PINGs, until the server stops reading or closes
            s.sendall(pings)
            sent += 1000
    except (socket.timeout, BrokenPipeError, ConnectionResetError):
        pass
    grown = (rss_kib(srv.pid, "RssAnon:") - before) / 1024
    check(grown < 16, "PING flood (%d sent, answers unread): server memory +%.1f MiB" % (sent, grown))
    s.close()
    well_behaved(srv, "after the PING flood")
    check(srv.alive(), "the server is still running")

# 6. A peer that never answers the keepalive PING.
with H2pbServer(h2pb, root, "--keepalive", "0.5", "--keepalive-timeout", "0.5") as srv:
    s = connect(srv.port)
    s.sendall(PREFACE + frame(SETTINGS, 0, 0) + frame(SETTINGS, 1, 0))
    f, _, secs = read_frames(s, lambda t, fl, st, p: t == 6 and not fl & 1, 5)
    check(f is not None, "keepalive: a PING after 0.5 s without input (%.1f s)" % secs)
    f, _, secs = read_frames(s, lambda t, fl, st, p: t == GOAWAY, 5)
    check(goaway_code(f) == "NO_ERROR" and b"keepalive" in f[3][8:],
          "keepalive: no PING ACK within 0.5 s: GOAWAY(NO_ERROR, keepalive timeout) (%s)" % goaway_code(f))
    check(wait_eof(s, 5), "... and the server closes the connection")
    s.close()
    # A peer that answers stays connected.
    s = connect(srv.port)
    s.sendall(PREFACE + frame(SETTINGS, 0, 0) + frame(SETTINGS, 1, 0))
    answered = 0
    deadline = time.monotonic() + 2.2
    while time.monotonic() < deadline:
        f, eof, _ = read_frames(s, lambda t, fl, st, p: t in (6, GOAWAY), deadline - time.monotonic())
        if f is None or eof or f[0] == GOAWAY:
            break
        if not f[1] & 1:
            s.sendall(frame(6, 1, 0, f[3]))
            answered += 1
    check(answered >= 2 and f is None, "a peer that answers the PINGs stays connected (%d answered)" % answered)
    s.close()
    well_behaved(srv, "with keepalive on")

# 7. A TLS client that connects and never starts its handshake.
cert, key = make_cert(work)
with H2pbServer(h2pb, root, "--handshake-timeout", "1", tls=(cert, key)) as srv:
    s = connect(srv.port)
    start = time.monotonic()
    eof = wait_eof(s, 5)
    secs = time.monotonic() - start
    check(eof and 0.8 < secs < 3, "TLS handshake never started: closed after %.1f s (timeout 1 s)" % secs)
    s.close()
    check(srv.alive(), "the TLS server is still running")

finish()
