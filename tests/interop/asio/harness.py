"""Shared plumbing of the h2/asio interop tests (run with /usr/bin/python3).

Everything listens on 127.0.0.1 on ephemeral ports; servers are started by
the tests and always stopped (context managers), child processes have
timeouts, and readiness is known, not guessed: `h2pb serve` prints
"listening on HOST:PORT" as its first line; nghttpd is polled until its port
accepts connections.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from peers import PREFACE, frame, free_port, rss_kib, run, wait_port  # noqa: E402,F401  (the tests' names)
import peers  # noqa: E402

SKIP = 77  # meson: the test was skipped

failures = []


def check(cond, what):
    """Records a failed expectation (the test goes on and fails at the end)."""
    if cond:
        print("ok   " + what, flush=True)
    else:
        print("FAIL " + what, flush=True)
        failures.append(what)
    return cond


def finish():
    if failures:
        print("\n%d check(s) failed:" % len(failures))
        for f in failures:
            print("  " + f)
        sys.exit(1)
    print("\nall checks passed")
    sys.exit(0)


def need(*programs):
    """Skips the test (exit 77) when a peer program is not installed."""
    for p in programs:
        if shutil.which(p) is None and not os.path.exists(p):
            print("SKIP: %s is not installed (scripts/install-deps.sh installs it)" % p)
            sys.exit(SKIP)


def scratch(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return os.path.abspath(path)


def make_files(root):
    """A small page, a 100-byte file, a 17 MiB random file (>= 16 MiB)."""
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write("<!DOCTYPE html>\n<title>h2pb</title>\n<p>hello from h2pb serve</p>\n")
    with open(os.path.join(root, "100.bin"), "wb") as f:
        f.write(os.urandom(100))
    with open(os.path.join(root, "big.bin"), "wb") as f:
        f.write(os.urandom(17 * 1024 * 1024 + 123))
    os.makedirs(os.path.join(root, "sub"), exist_ok=True)
    with open(os.path.join(root, "sub", "a.txt"), "w") as f:
        f.write("a\n" * 1000)


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


def make_cert(directory):
    """A self-signed certificate for localhost and 127.0.0.1, made by openssl."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
    return cert, key


class H2pbServer:
    """`h2pb serve` on an ephemeral port; the port comes from its first line."""

    def __init__(self, h2pb, root, *extra, tls=None, timeout=10.0):
        cmd = [h2pb, "serve", "--port", "0", "--root", root] + list(extra)
        if tls:
            cmd += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.port = None
        line = (peers.first_line(self.proc, timeout) or b"").decode(errors="replace").strip()
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError("h2pb serve did not start: %r %s" % (line, self.stderr_text()))
        self.port = int(line.split()[2].rsplit(":", 1)[1])
        self.scheme = "https" if tls else "http"
        # Drain both pipes so that the server never blocks on a full pipe.
        self.out = bytearray()
        self.err = bytearray()
        self._drains = [threading.Thread(target=self._drain, args=(self.proc.stdout, self.out), daemon=True),
                        threading.Thread(target=self._drain, args=(self.proc.stderr, self.err), daemon=True)]
        for t in self._drains:
            t.start()

    @staticmethod
    def _drain(pipe, sink):
        for chunk in iter(lambda: pipe.read1(65536), b""):
            sink += chunk

    def url(self, path="/", host="127.0.0.1"):
        return "%s://%s:%d%s" % (self.scheme, host, self.port, path)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def stderr_text(self):
        return bytes(getattr(self, "err", b"")).decode(errors="replace")

    def signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        peers.stop_process(self.proc, 5)
        for t in getattr(self, "_drains", []):
            t.join(2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Nghttpd:
    """nghttpd serving a directory (and echoing uploads) on an ephemeral port."""

    def __init__(self, root, tls=None, extra=()):
        for attempt in range(5):
            self.port = free_port()
            cmd = ["nghttpd", "-a", "127.0.0.1", "-d", root, "--echo-upload"] + list(extra)
            if tls:
                cmd += [str(self.port), tls[1], tls[0]]
            else:
                cmd += ["--no-tls", str(self.port)]
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if wait_port(self.port, 5.0) and self.proc.poll() is None:
                break
            self.stop()
        else:
            raise RuntimeError("nghttpd did not start")
        self.scheme = "https" if tls else "http"

    def url(self, path="/", host="127.0.0.1"):
        return "%s://%s:%d%s" % (self.scheme, host, self.port, path)

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        peers.stop_process(self.proc, 5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@contextlib.contextmanager
def closing_all(*things):
    try:
        yield things
    finally:
        for t in things:
            t.stop()


# ---------------------------------------------------------------- raw frames
# A peer written by hand: frames as bytes (RFC 9113 §4.1), read back whole.

GOAWAY, SETTINGS = 7, 4
CODES = {0: "NO_ERROR", 1: "PROTOCOL_ERROR", 2: "INTERNAL_ERROR", 3: "FLOW_CONTROL_ERROR", 4: "SETTINGS_TIMEOUT",
         5: "STREAM_CLOSED", 6: "FRAME_SIZE_ERROR", 7: "REFUSED_STREAM", 8: "CANCEL", 9: "COMPRESSION_ERROR",
         11: "ENHANCE_YOUR_CALM"}


pending = {}  # socket -> octets of an incomplete frame, kept between calls


def read_frames(sock, until, timeout):
    """Reads frames until until(type, flags, stream, payload) is true, EOF or
    timeout. Returns (matching frame or None, saw_eof, seconds)."""
    start = time.monotonic()
    buf = pending.pop(sock, b"")
    sock.settimeout(0.2)
    while time.monotonic() - start < timeout:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return None, True, time.monotonic() - start
        if not data:
            return None, True, time.monotonic() - start
        buf += data
        while len(buf) >= 9:
            length = int.from_bytes(buf[0:3], "big")
            if len(buf) < 9 + length:
                break
            f = (buf[3], buf[4], int.from_bytes(buf[5:9], "big") & 0x7fffffff, buf[9:9 + length])
            buf = buf[9 + length:]
            if until(*f):
                pending[sock] = buf
                return f, False, time.monotonic() - start
    return None, False, time.monotonic() - start


def goaway_code(f):
    return CODES.get(int.from_bytes(f[3][4:8], "big"), "?") if f else None


def wait_eof(sock, timeout):
    _, eof, _ = read_frames(sock, lambda *f: False, timeout)
    return eof


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s
