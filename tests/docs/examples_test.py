#!/usr/bin/python3
"""docs/asio.md's example programs: the page shows them as they are, and
they do what the page says.

usage: examples_test.py SOURCE_ROOT HELLO_SERVER HELLO_CLIENT

1. Every ```cpp block of docs/asio.md that follows a line
   `<!-- file: PATH -->` equals that part of PATH (the page shows whole
   files or runs of consecutive lines of them, never retyped code).
2. hello_server starts on a free port; hello_client talks to it and prints
   exactly what the page says it prints.
3. curl (a real HTTP/2 peer, --http2-prior-knowledge) gets the same answers
   from hello_server: GET /hello, and POST /echo of 1 MiB, octet for octet,
   with the x-echo-length trailer.
4. SIGTERM makes hello_server shut down gracefully and exit with status 0.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from peers import START_TIMEOUT_S, first_line, stop_gracefully  # noqa: E402

root, server_exe, client_exe = sys.argv[1:4]
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)


# --- 1. the page shows the files ------------------------------------------
page_path = os.path.join(root, "docs", "asio.md")
page = open(page_path, encoding="utf-8").read().split("\n")
shown = 0
expected_client_output = None
i = 0
while i < len(page):
    m = re.match(r"<!-- file: (\S+) -->", page[i])
    if m and i + 1 < len(page) and page[i + 1].startswith("```"):
        fence = page[i + 1]
        j = i + 2
        block = []
        while j < len(page) and page[j] != "```":
            block.append(page[j])
            j += 1
        target = os.path.join(root, m.group(1))
        lines = open(target, encoding="utf-8").read().rstrip("\n").split("\n")
        found = any(lines[k:k + len(block)] == block for k in range(len(lines) - len(block) + 1))
        if not block or not found:
            fail(f"docs/asio.md line {i + 1}: the block is not a run of lines of {m.group(1)}")
        if fence == "```text" and m.group(1) == "tests/docs/hello_client.out":
            expected_client_output = "\n".join(block) + "\n"
        shown += 1
        i = j
    i += 1
if shown < 3:
    fail(f"docs/asio.md shows {shown} checked blocks, expected the server, the client and its output")
if expected_client_output is None:
    fail("docs/asio.md does not show hello_client's output (tests/docs/hello_client.out)")

# --- 2. server and client ---------------------------------------------------
server = subprocess.Popen([server_exe, "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
first = (first_line(server, START_TIMEOUT_S) or b"").decode(errors="replace").strip()
m = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)", first)
if not m:
    server.kill()
    print("FAIL: hello_server's first line:", repr(first))
    sys.exit(1)
port = m.group(1)
url = f"http://127.0.0.1:{port}"
try:
    r = subprocess.run([client_exe, url], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        fail(f"hello_client exited {r.returncode}: {r.stderr}")
    want = open(os.path.join(root, "tests", "docs", "hello_client.out"), encoding="utf-8").read()
    if r.stdout != want:
        fail(f"hello_client printed {r.stdout!r}, expected {want!r}")
    if expected_client_output is not None and expected_client_output != want:
        fail("the output on the page differs from tests/docs/hello_client.out")

    # --- 3. curl -----------------------------------------------------------
    curl = shutil.which("curl")
    if not curl:
        fail("curl not found (scripts/install-deps.sh installs it)")
    else:
        r = subprocess.run([curl, "-sS", "--http2-prior-knowledge", url + "/hello"],
                           capture_output=True, timeout=30)
        if r.returncode != 0 or r.stdout != b"hello\n":
            fail(f"curl GET /hello: status {r.returncode}, body {r.stdout!r}, {r.stderr!r}")
        body = bytes((i * 7 + i // 251) % 256 for i in range(1 << 20))
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "body")
            out = os.path.join(tmp, "echoed")
            hdr = os.path.join(tmp, "headers")
            open(src, "wb").write(body)
            r = subprocess.run([curl, "-sS", "--http2-prior-knowledge", "--data-binary", "@" + src,
                                "-D", hdr, "-o", out, url + "/echo"], capture_output=True, timeout=60)
            if r.returncode != 0:
                fail(f"curl POST /echo: status {r.returncode}, {r.stderr!r}")
            else:
                echoed = open(out, "rb").read()
                if echoed != body:
                    fail(f"curl POST /echo: {len(echoed)} octets back of {len(body)}, or different ones")
                headers = open(hdr, encoding="latin-1").read().lower()
                if not headers.startswith("http/2 200"):
                    fail(f"curl POST /echo: response head {headers[:40]!r}")
                if f"x-echo-length: {len(body)}" not in headers:
                    fail(f"curl POST /echo: no trailer x-echo-length: {len(body)} in {headers!r}")
finally:
    # --- 4. graceful shutdown ----------------------------------------------
    status, rest = stop_gracefully(server, 20)
    if status is None:
        fail("hello_server did not exit within 20 s of SIGTERM")
    if server.returncode != 0 or "stopped" not in rest:
        fail(f"hello_server after SIGTERM: status {server.returncode}, output {rest!r}")

print(f"{shown} blocks of docs/asio.md checked against the files; examples run against each other and curl")
sys.exit(1 if failures else 0)
