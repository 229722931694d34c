"""Peer processes on the loopback, shared by the Python tests and benchmarks
(run with /usr/bin/python3): ports, starting a server and learning its port,
stopping it whatever it does, running a client with a time limit, and raw
HTTP/2 frames to talk to a server by hand.

A script finds this module through its own location, whoever runs it (meson,
a shell, another script):

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
    import peers

Everything listens on 127.0.0.1 (ephemeral ports); every wait has a time
limit, so that a peer that hangs fails the test instead of hanging it.
"""

import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

# How long a server may take to print its first line: a grpc++ or grpc-js
# server loading its libraries on a busy 2-core machine takes seconds.
START_TIMEOUT_S = 30
# How long a stopped process may take to exit after SIGTERM before SIGKILL.
STOP_TIMEOUT_S = 10

# A server's first line: `listening on HOST:PORT` (h2pb serve, h2pb's
# examples and interop servers, reference_server.py) or `PORT N` (grpc-js's
# node/server.js). HOST may be an [IPv6] address; anything may follow.
LISTENING = re.compile(r"(?:listening on (\S+):|PORT )(\d+)")


def free_port():
    """A port nobody listens on now (for peers that cannot take port 0, like
    nghttpd; another process may take it before the peer does: retry)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10.0):
    """Polls until 127.0.0.1:PORT accepts a connection; False at the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def first_line(proc, timeout):
    """The first line PROC prints on its stdout (a pipe), as bytes with its
    newline; without it if stdout ended first (b"" if it printed nothing);
    None at the timeout.

    Read octet by octet from the file descriptor, so that nothing after the
    line is taken out of the pipe into Python's buffer: the caller may go on
    reading the rest (proc.stdout.read(), then proc.wait(); not
    communicate(timeout=...), which would lose what a readline() buffered)."""
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 1)
        if not chunk:
            break
        line += chunk
    return line


def start_listening(cmd, what, timeout=START_TIMEOUT_S, **popen):
    """Starts CMD, a server that prints `listening on HOST:PORT` (or `PORT N`)
    first, with its stdout a pipe and in a session of its own (stop_process
    then ends the whole group); returns (proc, host, port), host 127.0.0.1
    when the server listens on every address. When the server says nothing
    in time, exits first or prints something else, the test stops with a
    message that starts with WHAT (sys.exit)."""
    popen.setdefault("start_new_session", True)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, **popen)
    line = first_line(proc, timeout)
    if line is None:
        stop_process(proc)
        sys.exit(f"{what} printed no `listening on` line within {timeout} s")
    if not line.endswith(b"\n"):
        sys.exit(f"{what} exited ({proc.wait()}) before listening")
    m = LISTENING.match(line.decode(errors="replace"))
    if not m:
        stop_process(proc)
        sys.exit(f"{what}: unexpected first line {line!r}")
    host = (m.group(1) or "").strip("[]")
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return proc, host, int(m.group(2))


def stop_process(proc, timeout=STOP_TIMEOUT_S):
    """SIGTERM, then SIGKILL if it is still there after TIMEOUT seconds; a
    process started in a session of its own (start_listening) is signalled
    with its whole process group, so that the children it forked go too."""
    if proc.poll() is not None:
        return proc.returncode

    def send(sig):
        try:
            if os.getpgid(proc.pid) == proc.pid:
                os.killpg(proc.pid, sig)
            else:
                proc.send_signal(sig)
        except ProcessLookupError:
            pass

    send(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        return proc.wait()


def stop_gracefully(proc, timeout):
    """SIGTERM, then what PROC prints on its stdout (a pipe) until it exits,
    as text; returns (exit status, text), the status None when it was still
    there after TIMEOUT seconds and was killed. The rest is read with
    proc.stdout.read() in a thread, then proc.wait(): communicate(timeout=...)
    would lose what a readline() had already buffered."""
    rest = []
    reader = threading.Thread(target=lambda: rest.append(proc.stdout.read()), daemon=True)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    reader.start()
    reader.join(timeout)
    status = None
    if reader.is_alive():
        proc.kill()
        reader.join(STOP_TIMEOUT_S)
        proc.wait()
    else:
        status = proc.wait()
    text = rest[0] if rest else b""
    return status, text.decode(errors="replace") if isinstance(text, bytes) else text


def run(cmd, timeout=60, input=None):
    """Runs a peer program (h2load, nghttp, curl...) to its end, stdout and
    stderr captured as bytes. Never hangs past TIMEOUT: a program still
    running then is killed and reported with return code -1."""
    try:
        return subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        print("timeout after %ss: %s" % (timeout, " ".join(cmd)))
        return subprocess.CompletedProcess(cmd, -1, e.stdout or b"", e.stderr or b"")


def rss_kib(pid, field="VmRSS:"):
    """A memory figure of /proc/PID/status in KiB (VmRSS, RssAnon...)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    """utime + stime of a whole process (all its threads), /proc/PID/stat
    fields 14 and 15 (proc(5)); the command name may contain spaces, so the
    fields are counted after its closing parenthesis."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- h2load

def h2load_latencies(log):
    """The microseconds of each request answered 200 in an h2load --log-file
    (tab-separated: start time, status, microseconds)."""
    out = []
    with open(log) as f:
        for line in f:
            parts = line.split("\t")
            if len(parts) >= 3 and parts[1] == "200":
                out.append(int(parts[2]))
    return out


def percentile(values, p):
    """The nearest-rank P-th percentile of VALUES (0 <= P <= 100)."""
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * (len(values) - 1)))))
    return values[k]


# ---------------------------------------------------------------- raw frames
# A peer written by hand: the connection preface (RFC 9113 §3.4) and frames
# as bytes (§4.1: 24-bit length, type, flags, R bit + 31-bit stream id).

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload
