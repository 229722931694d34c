#!/usr/bin/python3
"""The article's AnalyticsService called the way a browser calls it: gRPC-Web
over TLS with ALPN h2, straight to h2pb's server (no Envoy).

usage: analytics_web_test.py ANALYTICS_SERVER_FULL

Starts docs/examples/analytics_server_full.cpp with a certificate this test
makes (openssl, naming 127.0.0.1 and localhost) and --cors-origin for a page
origin, then speaks raw HTTP/2 (python h2) with the bytes of PROTOCOL-WEB.md:
  1. CORS preflight (OPTIONS) from the allowed origin: 204 and the
     Access-Control-Allow-* fields; from another origin: 403, none of them.
  2. GetReport, application/grpc-web+proto: one message (the report of the
     server's store for [1710000000, 1730000000): abc123 and abd456; the
     server's GetReport reads them through its own TLS port), then the trailer
     frame 0x80 "grpc-status: 0"; no HTTP trailers; CORS fields on it.
  3. StreamEvents, application/grpc-web-text+proto: four events, each flush
     base64 with its own padding, then the trailer frame.
  4. No token: the auth interceptor's UNAUTHENTICATED as Trailers-Only
     (grpc-status in the headers, which CORS exposes to the page).
  5. grpc-timeout 10m: less than GetReport needs; DEADLINE_EXCEEDED.
Exit 77 (skip) if openssl is missing.
"""
import base64
import os
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile

import h2.config
import h2.connection
import h2.events

server_exe = sys.argv[1]
ORIGIN = "https://page.test:8443"
TOKEN = "Bearer " + "t" * 60
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)


def check(cond, msg):
    if not cond:
        fail(msg)


def frame(payload, flag=0):
    return bytes([flag]) + struct.pack(">I", len(payload)) + payload


def unframe(body):
    """[(flag, payload)] of a gRPC-Web body (PROTOCOL-WEB.md framing)."""
    out = []
    while body:
        if len(body) < 5:
            raise ValueError("cut prefix")
        flag, n = body[0], struct.unpack(">I", body[1:5])[0]
        if len(body) < 5 + n:
            raise ValueError("cut frame")
        out.append((flag, body[5:5 + n]))
        body = body[5 + n:]
    return out


def b64_segments(text):
    """Decodes base64 made of padded segments: each ends at its '=' run."""
    out, seg = b"", b""
    for i, c in enumerate(text):
        seg += bytes([c])
        if c == ord("=") and (i + 1 == len(text) or text[i + 1] != ord("=")):
            out += base64.b64decode(seg)
            seg = b""
    return out + (base64.b64decode(seg) if seg else b"")


def pb_string(field, s):
    b = s.encode()
    return bytes([field << 3 | 2, len(b)]) + b


def pb_varint(field, v):
    out = bytes([field << 3])
    while True:
        byte = v & 0x7F
        v >>= 7
        out += bytes([byte | (0x80 if v else 0)])
        if not v:
            return out


def request(port, method, path, headers, body=b""):
    """One request over TLS + ALPN h2: (status, headers dict, body, trailers)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10),
                           server_hostname="localhost")
    if sock.selected_alpn_protocol() != "h2":
        raise RuntimeError("ALPN did not select h2")
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, [(":method", method), (":scheme", "https"),
                            (":authority", "localhost:%d" % port), (":path", path)] + headers,
                      end_stream=not body)
    if body:
        conn.send_data(sid, body, end_stream=True)
    sock.sendall(conn.data_to_send())
    status, hdrs, data, trailers = None, {}, b"", {}
    done = False
    while not done:
        chunk = sock.recv(65536)
        if not chunk:
            break
        for ev in conn.receive_data(chunk):
            if isinstance(ev, h2.events.ResponseReceived):
                hdrs = {k.decode(): v.decode() for k, v in ev.headers}
                status = int(hdrs[":status"])
            elif isinstance(ev, h2.events.DataReceived):
                data += ev.data
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.TrailersReceived):
                trailers = {k.decode(): v.decode() for k, v in ev.headers}
            elif isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                done = True
        sock.sendall(conn.data_to_send())
    sock.close()
    return status, hdrs, data, trailers


def web_headers(ct, token=True, extra=()):
    h = [("content-type", ct), ("x-grpc-web", "1"), ("x-user-agent", "grpc-web-javascript/0.1"),
         ("origin", ORIGIN)]
    if token:
        h.append(("authorization", TOKEN))
    return h + list(extra)


def main():
    if not shutil.which("openssl"):
        print("SKIP: no openssl")
        return 77
    tmp = tempfile.mkdtemp()
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    srv = subprocess.Popen([server_exe, "--tls-cert", cert, "--tls-key", key,
                            "--cors-origin", ORIGIN], stdout=subprocess.PIPE, text=True)
    try:
        first = srv.stdout.readline().strip()
        port = int(first.rsplit(":", 1)[1])

        # 1. preflight
        st, h, _, _ = request(port, "OPTIONS", "/analytics.v1.AnalyticsService/GetReport", [
            ("origin", ORIGIN), ("access-control-request-method", "POST"),
            ("access-control-request-headers", "authorization,content-type,x-grpc-web,"
                                               "x-user-agent,grpc-timeout")])
        check(st == 204, "preflight status %s" % st)
        check(h.get("access-control-allow-origin") == ORIGIN, "preflight allow-origin %s" % h)
        check(h.get("access-control-allow-methods") == "POST", "preflight methods %s" % h)
        check("authorization" in h.get("access-control-allow-headers", ""),
              "preflight allow-headers %s" % h)
        st, h, _, _ = request(port, "OPTIONS", "/analytics.v1.AnalyticsService/GetReport", [
            ("origin", "https://evil.test"), ("access-control-request-method", "POST")])
        check(st == 403 and "access-control-allow-origin" not in h, "refused preflight %s %s" % (st, h))

        # 2. unary, binary
        req = pb_string(1, "r1") + pb_varint(2, 1710000000) + pb_varint(3, 1730000000)
        st, h, body, tr = request(port, "POST", "/analytics.v1.AnalyticsService/GetReport",
                                  web_headers("application/grpc-web+proto"), frame(req))
        check(st == 200 and h.get("content-type") == "application/grpc-web+proto",
              "GetReport headers %s %s" % (st, h))
        check(h.get("access-control-allow-origin") == ORIGIN, "GetReport CORS %s" % h)
        check("grpc-status" in h.get("access-control-expose-headers", ""), "expose %s" % h)
        check(not tr, "HTTP trailers sent: %s" % tr)
        frames = unframe(body)
        check(len(frames) == 2 and frames[0][0] == 0 and frames[1][0] == 0x80,
              "GetReport frames %s" % frames)
        if len(frames) == 2:
            check(frames[0][1].startswith(pb_string(1, "r1")), "report id %r" % frames[0][1])
            check(b"abc123" in frames[0][1] and b"abd456" in frames[0][1]
                  and b"abe789" not in frames[0][1], "report events %r" % frames[0][1])
            check(frames[1][1] == b"grpc-status: 0\r\n", "trailer frame %r" % frames[1][1])

        # 3. server streaming, text
        st, h, body, tr = request(port, "POST", "/analytics.v1.AnalyticsService/StreamEvents",
                                  web_headers("application/grpc-web-text+proto"),
                                  base64.b64encode(frame(b"")))
        check(h.get("content-type") == "application/grpc-web-text+proto", "text ct %s" % h)
        frames = unframe(b64_segments(body))
        ids = [f[1][2:8] for f in frames if f[0] == 0]
        check(ids == [b"abc123", b"abd456", b"abe789", b"abf012"], "streamed %s" % ids)
        check(frames and frames[-1] == (0x80, b"grpc-status: 0\r\n"), "stream end %s" % frames[-1:])
        check(body.count(b"=") >= 4, "each flush padded on its own: %r" % body[:80])

        # 4. no token: Trailers-Only
        st, h, body, _ = request(port, "POST", "/analytics.v1.AnalyticsService/GetReport",
                                 web_headers("application/grpc-web+proto", token=False), frame(req))
        check(h.get("grpc-status") == "16" and body == b"", "no token %s %r" % (h, body))
        check(h.get("grpc-message") == "Invalid or missing auth token", "no token msg %s" % h)
        check(h.get("access-control-allow-origin") == ORIGIN, "Trailers-Only CORS %s" % h)

        # 5. a deadline too short for the report
        st, h, body, _ = request(port, "POST", "/analytics.v1.AnalyticsService/GetReport",
                                 web_headers("application/grpc-web+proto",
                                             extra=[("grpc-timeout", "10m")]), frame(req))
        check(h.get("grpc-status") == "4", "deadline %s %r" % (h, body))
    finally:
        srv.terminate()
        srv.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
