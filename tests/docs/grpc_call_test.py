#!/usr/bin/python3
"""docs/grpc_call.md shows a real call, and shows it as it is now.

usage: grpc_call_test.py SOURCE_ROOT ANALYTICS_SERVER H2PB

1. analytics_server (docs/examples/analytics_server.cpp) starts on a free
   port; docs/examples/get_report_capture.py makes the GetReport call and
   records both directions. The recordings must equal the ones committed in
   docs/examples/get_report/, which the page's commands read (the capture
   sends a fixed :authority and grpc-timeout and waits for the connection's
   SETTINGS exchange before the call, so nothing in the bytes depends on the
   port or on timing). The line the capture prints is on the page too.
2. The methods the example leaves out answer UNIMPLEMENTED (grpc-status 12),
   and GetReport without a report_id INVALID_ARGUMENT (grpc-status 3), both
   Trailers-Only, as the page says.
3. Every console block of the page is re-run (tests/tools/docs_test.py, the
   same check as the other pages): each dump is the tools' output on the
   committed recordings.
4. Every code block after `<!-- file: PATH -->` is a run of lines of PATH.
5. SIGTERM stops the server with status 0.

To regenerate after a deliberate change: run the server, run the capture
into docs/examples/get_report/, then tests/tools/docs_test.py H2PB ROOT
--update docs/grpc_call.md.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from peers import START_TIMEOUT_S, first_line, stop_gracefully  # noqa: E402

import h2.config
import h2.connection
import h2.events

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import page_blocks  # noqa: E402  (tests/docs/page_blocks.py)

root, server_exe, h2pb = sys.argv[1:4]
page_name = os.path.join("docs", "grpc_call.md")
page_text = open(os.path.join(root, page_name), encoding="utf-8").read()
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)


def trailers_only(port, path):
    """Calls `path` with an empty request message (so report_id is empty);
    returns the fields of the response when it is Trailers-Only (a single
    HEADERS frame with END_STREAM, no DATA), else None."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding=None))
    conn.initiate_connection()
    conn.send_headers(1, [(b":method", b"POST"), (b":scheme", b"http"), (b":path", path),
                          (b":authority", b"localhost"), (b"content-type", b"application/grpc"),
                          (b"te", b"trailers")])
    conn.send_data(1, b"\x00\x00\x00\x00\x00", end_stream=True)
    sock.sendall(conn.data_to_send())
    heads, data, ended = [], 0, False
    while not ended:
        chunk = sock.recv(65536)
        if not chunk:
            break
        for e in conn.receive_data(chunk):
            if isinstance(e, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
                heads.append(dict(e.headers))
                ended = ended or e.stream_ended is not None
            elif isinstance(e, h2.events.DataReceived):
                data += 1
            elif isinstance(e, h2.events.StreamEnded):
                ended = True
        sock.sendall(conn.data_to_send())
    sock.close()
    if len(heads) != 1 or data or not ended:
        return None
    return heads[0]


# --- 1. a real call equals the committed recordings --------------------------
server = subprocess.Popen([server_exe, "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
first = (first_line(server, START_TIMEOUT_S) or b"").decode(errors="replace").strip()
m = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)", first)
if not m:
    server.kill()
    print("FAIL: analytics_server's first line:", repr(first))
    sys.exit(1)
port = int(m.group(1))
try:
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run(["/usr/bin/python3", os.path.join(root, "docs/examples/get_report_capture.py"),
                            f"127.0.0.1:{port}", tmp], capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            fail(f"get_report_capture.py exited {r.returncode}: {r.stdout} {r.stderr}")
        else:
            line = r.stdout.strip()
            if not line.endswith("grpc-status 0"):
                fail(f"the call did not succeed: {line!r}")
            if line not in page_text:
                fail(f"the page does not show the capture's output {line!r}")
            for name in ("client.hex", "server.hex"):
                got = open(os.path.join(tmp, name)).read()
                want = open(os.path.join(root, "docs/examples/get_report", name)).read()
                if got != want:
                    fail(f"a live call's {name} differs from docs/examples/get_report/{name}; "
                         f"now:\n{got}")

    # --- 2. the other methods are not implemented; a bad request ----------
    for method in ("StreamEvents", "UploadBatch", "ProcessPipeline"):
        f = trailers_only(port, b"/analytics.v1.AnalyticsService/" + method.encode())
        if not f or f.get(b":status") != b"200" or f.get(b"grpc-status") != b"12":
            fail(f"{method}: {f!r}, the page says Trailers-Only with grpc-status 12 (UNIMPLEMENTED)")
    f = trailers_only(port, b"/analytics.v1.AnalyticsService/GetReport")
    want = {b":status": b"200", b"content-type": b"application/grpc", b"grpc-status": b"3",
            b"grpc-message": b"report_id is empty"}
    if f != want:
        fail(f"GetReport with an empty report_id: {f!r}, the page says Trailers-Only {want!r}")
finally:
    # --- 5. graceful shutdown ------------------------------------------------
    status, rest = stop_gracefully(server, 20)
    if status is None:
        fail("analytics_server did not exit within 20 s of SIGTERM")
    if server.returncode != 0 or "stopped" not in rest:
        fail(f"analytics_server after SIGTERM: status {server.returncode}, output {rest!r}")

# --- 3. every dump on the page is the tools' output now ----------------------
docs_test = os.path.join(root, "tests", "tools", "docs_test.py")
r = subprocess.run(["/usr/bin/python3", docs_test, h2pb, root, page_name], capture_output=True, text=True)
sys.stdout.write(r.stdout + r.stderr)
if r.returncode != 0:
    fail("a command's output on docs/grpc_call.md differs from what the tools print")

# --- 4. the code blocks are the files -----------------------------------------
shown, problems = page_blocks.check_file_blocks(root, page_name)
for problem in problems:
    fail(problem)
if shown < 2:
    fail(f"{page_name} shows {shown} checked code blocks, expected the server's handler and the capture's request")

print(f"live call matches docs/examples/get_report/; {shown} code blocks checked")
sys.exit(1 if failures else 0)
