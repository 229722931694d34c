#!/usr/bin/python3
"""docs/grpc_web.md shows real gRPC-Web calls, traced by `h2pb trace`, as they
are now.

usage: grpc_web_test.py SOURCE_ROOT ANALYTICS_SERVER_FULL H2PB [--update]

1. analytics_server_full (docs/examples/analytics_server_full.cpp, h2c, with
   --cors-origin for a page's origin) starts on a free port, and `h2pb trace
   --no-time --data-octets 0 --proto analytics_service.proto` in front of it.
2. Through the trace, python-hyper's h2 makes one call per connection: the
   GetReport call of docs/grpc_call.md in native gRPC, the same call in
   gRPC-Web binary and -text, the CORS preflight a browser sends first, and
   the call without a token (Trailers-Only). As in
   docs/examples/get_report_capture.py, each client waits for the SETTINGS
   exchange before its request and names the server "localhost:50051", so
   the frames, their offsets and the HPACK indices do not depend on timing
   or on the port.
3. Each connection's HEADERS and DATA frames of stream 1 (the call; the
   connection's SETTINGS and WINDOW_UPDATE frames are docs/http2.md's) must
   equal the ```text block after `<!-- trace: NAME -->` on the page, and the
   trace must flag no rule. --update rewrites the blocks instead.
4. The JavaScript block after `<!-- file: PATH -->` is lines of PATH
   (tests/docs/page_blocks.py), and the octets the prose quotes are in the
   page's blocks (tests/docs/inline_bytes.py).
"""
import base64
import os
import re
import socket
import subprocess
import sys

import h2.config
import h2.connection
import h2.events

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import inline_bytes  # noqa: E402  (tests/docs/inline_bytes.py)
import page_blocks  # noqa: E402  (tests/docs/page_blocks.py)

root, server_exe, h2pb = sys.argv[1:4]
update = "--update" in sys.argv[4:]
page_path = os.path.join(root, "docs", "grpc_web.md")
ORIGIN = "https://localhost:8443"
TOKEN = b"Bearer " + b"t" * 60
PATH = b"/analytics.v1.AnalyticsService/GetReport"
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)


# ReportRequest { report_id: "r-1" start_timestamp: 1700000000
# end_timestamp: 1715000000 }: docs/grpc_call.md's request.
REQUEST = b"\x0a\x03r-1\x10\x80\xe2\xcf\xaa\x06\x18\xc0\xa5\xe3\xb1\x06"


def framed(payload, flag=0):
    return bytes([flag]) + len(payload).to_bytes(4, "big") + payload


def call(port, method, headers, body):
    """One request on its own connection, after the SETTINGS exchange."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    conn = h2.connection.H2Connection(
        h2.config.H2Configuration(client_side=True, header_encoding=None))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())

    def receive_until(done):
        while True:
            data = sock.recv(65536)
            if not data:
                raise SystemExit("the server closed the connection")
            finished = False
            for ev in conn.receive_data(data):
                finished = finished or done(ev)
            out = conn.data_to_send()
            if out:
                sock.sendall(out)
            if finished:
                return

    receive_until(lambda e: isinstance(e, h2.events.SettingsAcknowledged))
    conn.send_headers(1, [(b":method", method), (b":scheme", b"http"), (b":path", PATH),
                          (b":authority", b"localhost:50051")] + headers,
                      end_stream=not body)
    if body:
        conn.send_data(1, body, end_stream=True)
    sock.sendall(conn.data_to_send())
    receive_until(lambda e: isinstance(e, (h2.events.StreamEnded, h2.events.StreamReset)))
    sock.close()


WEB = [(b"x-grpc-web", b"1"), (b"x-user-agent", b"grpc-web-javascript/0.1"),
       (b"origin", ORIGIN.encode())]
CALLS = [
    ("native", b"POST", [(b"content-type", b"application/grpc"), (b"te", b"trailers"),
                         (b"authorization", TOKEN)], framed(REQUEST)),
    ("web", b"POST", [(b"content-type", b"application/grpc-web+proto")] + WEB +
     [(b"authorization", TOKEN)], framed(REQUEST)),
    ("text", b"POST", [(b"content-type", b"application/grpc-web-text+proto"),
                       (b"accept", b"application/grpc-web-text")] + WEB +
     [(b"authorization", TOKEN)], base64.b64encode(framed(REQUEST))),
    ("preflight", b"OPTIONS", [(b"origin", ORIGIN.encode()),
                               (b"access-control-request-method", b"POST"),
                               (b"access-control-request-headers",
                                b"authorization,content-type,x-grpc-web,x-user-agent")], b""),
    ("trailers-only", b"POST", [(b"content-type", b"application/grpc-web+proto")] + WEB,
     framed(REQUEST)),
]


def events_by_connection(text):
    """{connection number: [event text]} of h2pb trace's text output."""
    out = {}
    for line in text.splitlines(keepends=True):
        m = re.match(r"#(\d+) ", line)
        if m:
            out.setdefault(int(m.group(1)), []).append(line)
        elif line.startswith(" ") and out:
            last = max(out)
            out[last][-1] += line
    return out


def dedent(events):
    """Each event's continuation lines lose the width of "#N " so that the
    block does not depend on the connection's number."""
    out = []
    for e in events:
        lines = e.split("\n")
        head = re.match(r"#\d+ ", lines[0]).group(0)
        out.append("\n".join([lines[0][len(head):]] + [l[len(head):] for l in lines[1:]]))
    return "".join(out)


def main():
    server = subprocess.Popen([server_exe, "--cors-origin", ORIGIN], stdout=subprocess.PIPE,
                              text=True)
    trace = None
    try:
        port = int(server.stdout.readline().strip().rsplit(":", 1)[1])
        trace = subprocess.Popen(
            [h2pb, "trace", "--listen", "0", "--to", f"127.0.0.1:{port}", "--no-time",
             "--data-octets", "0", "--proto", "analytics_service.proto", "-I",
             os.path.join(root, "docs", "examples"), "--max-connections", str(len(CALLS))],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        tport = int(re.search(r"listening on [^:]+:(\d+)", trace.stdout.readline()).group(1))
        for name, method, headers, body in CALLS:
            call(tport, method, headers, body)
        # Through the streams readline() used: communicate(timeout=...) would
        # read the descriptors directly and lose what readline() buffered.
        out = trace.stdout.read()
        err = trace.stderr.read()
        trace.wait(timeout=60)
        if trace.returncode != 0:
            fail(f"h2pb trace exit {trace.returncode}: {err}")
    finally:
        if trace and trace.poll() is None:
            trace.kill()
        server.terminate()
        server.wait(timeout=10)
    if "!! violation" in out:
        fail("the trace flags a rule:\n" + out)
    conns = events_by_connection(out)
    if sorted(conns) != list(range(1, len(CALLS) + 1)):
        fail(f"connections traced: {sorted(conns)}")
        return 1
    page = open(page_path, encoding="utf-8").read()
    for i, (name, *_) in enumerate(CALLS):
        block = dedent([e for e in conns[i + 1]
                        if re.search(r"  (HEADERS|DATA)  stream 1 ", e.split("\n", 1)[0])])
        marker = f"<!-- trace: {name} -->\n```text\n"
        at = page.find(marker)
        if at < 0:
            fail(f"docs/grpc_web.md has no {marker!r}")
            continue
        start = at + len(marker)
        end = page.find("```\n", start)
        if page[start:end] != block:
            if update:
                page = page[:start] + block + page[end:]
            else:
                fail(f"docs/grpc_web.md's trace {name!r} differs from h2pb trace's:\n{block}")
    if update:
        with open(page_path, "w", encoding="utf-8") as f:
            f.write(page)
    shown, problems = page_blocks.check_file_blocks(root, os.path.join("docs", "grpc_web.md"))
    for p in problems:
        fail(p)

    def run(cmd):
        r = subprocess.run(["sh", "-c", cmd], cwd=root, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        return r.stdout.rstrip("\n").split("\n")

    quoted, problems = inline_bytes.check_inline_bytes(page, "docs/grpc_web.md", run)
    for p in problems:
        fail(p)
    print(f"{len(CALLS)} traced calls, {shown} file blocks, {quoted} inline octet quotes; "
          f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
