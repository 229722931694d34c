#!/usr/bin/python3
"""h2pb trace between a grpcio client (client_py.py) and a real gRPC server.

Usage: trace_test.py H2PB PROTO_ROOT -- SERVER_CMD [ARG...]

Starts SERVER_CMD --port 0, then `h2pb trace --listen 0 --to SERVER --json
--proto grpc/testing/test.proto` in front of it, and runs grpcio's interop
client through the proxy, one case after the other (one connection each):
large_unary, server_streaming, client_streaming, ping_pong. It checks

  * each case PASSes through the proxy (the bytes were forwarded unchanged:
    both peers' own checks succeed);
  * the printed annotations agree with what the interop descriptions
    (interop-test-descriptions.md) make the peers send: the :path of each
    call, grpc-status 0 in the trailers, the number of gRPC messages each
    way, each message's payload body length and its protobuf length,
    computed here from the protobuf encoding rules, and that the DATA frames
    of each direction carry exactly the messages' octets (5-octet prefix +
    message, no padding from these peers);
  * no violation is flagged on this well-formed traffic;
  * the text output (no --json) of large_unary shows the :path line, the
    message lengths and grpc-status.
"""
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"
START_TIMEOUT_S = 30
CASE_TIMEOUT_S = 60

# interop-test-descriptions.md: the payload sizes each case sends.
CASES = {
    "large_unary": ("/grpc.testing.TestService/UnaryCall", [271828], [314159]),
    "server_streaming": ("/grpc.testing.TestService/StreamingOutputCall", [None],
                         [31415, 9, 2653, 58979]),
    "client_streaming": ("/grpc.testing.TestService/StreamingInputCall",
                         [27182, 8, 1828, 45904], [None]),
    "ping_pong": ("/grpc.testing.TestService/FullDuplexCall", [27182, 8, 1828, 45904],
                  [31415, 9, 2653, 58979]),
}


def varint_size(n):
    size = 1
    while n >= 0x80:
        n >>= 7
        size += 1
    return size


def len_field_size(payload_len):
    """A LEN field with a one-octet tag (protobuf encoding: tag, varint length, payload)."""
    return 1 + varint_size(payload_len) + payload_len


def start(cmd, what):
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([proc.stdout], [], [], left)[0]:
            stop(proc)
            sys.exit(f"trace_test: {what} printed no `listening on` line")
        chunk = os.read(proc.stdout.fileno(), 1)
        if not chunk:
            sys.exit(f"trace_test: {what} exited ({proc.wait()}) before listening")
        line += chunk
    m = re.match(r"listening on (\S+):(\d+)", line.decode())
    if not m:
        stop(proc)
        sys.exit(f"trace_test: {what}: unexpected first line {line!r}")
    return proc, int(m.group(2))


def drain(proc):
    """Reads the proxy's output as it comes: a full pipe would block it."""
    chunks = []
    t = threading.Thread(target=lambda: chunks.extend(iter(lambda: proc.stdout.read(65536), b"")))
    t.start()

    def finish(timeout):
        try:
            proc.wait(timeout=timeout)
            ok = True
        except subprocess.TimeoutExpired:
            stop(proc)
            ok = False
        t.join()
        return ok, b"".join(chunks).decode()
    return finish


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_client(port, case):
    r = subprocess.run([PY, os.path.join(HERE, "client_py.py"), "--server_port", str(port),
                        "--test_case", case], capture_output=True, text=True,
                       timeout=CASE_TIMEOUT_S)
    return r.returncode, r.stdout + r.stderr


def body_len(fields):
    """The payload body length of a SimpleRequest/SimpleResponse/Streaming* message."""
    for f in fields:
        if f.get("name") == "payload":
            for g in f.get("fields", []):
                if g.get("name") == "body":
                    m = re.search(r"\((\d+) bytes\)$", g["value"])
                    return int(m.group(1)) if m else len(g["value"]) // 3
    return None


def check_connection(case, events, errors):
    path, sent, received = CASES[case]

    def fail(msg):
        errors.append(f"{case}: {msg}")

    for e in events:
        for v in e.get("violations", []):
            fail(f"unexpected violation at {e['direction']} offset {e['offset']}: {v}")
    frames = [e for e in events if e.get("event") == "frame"]
    c2s = [e for e in frames if e["direction"] == "client->server"]
    s2c = [e for e in frames if e["direction"] == "server->client"]
    if not any(e.get("event") == "preface" for e in events):
        fail("no client preface event")

    def fields_of(e):
        return {f["name"]: f["value"] for f in e.get("header_block", {}).get("fields", [])}

    heads = [e for e in c2s if e["type"] == "HEADERS"]
    if len(heads) != 1 or fields_of(heads[0]).get(":path") != path:
        fail(f"expected one request HEADERS with :path {path}, got "
             f"{[fields_of(h).get(':path') for h in heads]}")
        return
    stream = heads[0]["stream_id"]
    trailers = [e for e in s2c if e["type"] == "HEADERS" and "END_STREAM" in e["flags"]]
    if len(trailers) != 1 or fields_of(trailers[0]).get("grpc-status") != "0":
        fail(f"expected trailers with grpc-status 0, got {[fields_of(t) for t in trailers]}")

    for direction, expected in (("client->server", sent), ("server->client", received)):
        data = [e for e in frames if e["direction"] == direction and e["type"] == "DATA"
                and e["stream_id"] == stream]
        messages = [g for e in data for g in e.get("grpc", []) if g["kind"] == "message"]
        if len(messages) != len(expected):
            fail(f"{direction}: {len(messages)} gRPC messages, expected {len(expected)}")
            continue
        octets = sum(int(e["details"]["data_length"]) for e in data)
        if octets != sum(5 + m["length"] for m in messages):
            fail(f"{direction}: DATA carries {octets} octets, messages {[m['length'] for m in messages]}")
        for m, size in zip(messages, expected):
            if size is None:
                continue
            if body_len(m["fields"]) != size:
                fail(f"{direction}: payload body {body_len(m['fields'])}, expected {size}")
        print(f"{case}: {direction}: {len(data)} DATA frames, {octets} octets, messages "
              f"{[m['length'] for m in messages]}")
    if case == "large_unary":
        # SimpleResponse{payload{body: 314159 zeros}}: field 1 LEN around field 2 LEN.
        want = len_field_size(len_field_size(314159))
        got = [g["length"] for e in s2c for g in e.get("grpc", []) if g["kind"] == "message"]
        if got != [want]:
            fail(f"SimpleResponse length {got}, the encoding gives {want}")


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.exit(__doc__)
    h2pb, proto_root, server_cmd = sys.argv[1], sys.argv[2], sys.argv[4:]
    server, server_port = start(server_cmd + ["--port", "0"], "server")
    errors = []
    try:
        trace_cmd = [h2pb, "trace", "--listen", "0", "--to", f"127.0.0.1:{server_port}",
                     "--proto", "grpc/testing/test.proto", "-I", proto_root]
        proxy, port = start(trace_cmd + ["--json", "--max-connections", str(len(CASES))], "trace")
        finish = drain(proxy)
        for case in CASES:
            rc, out = run_client(port, case)
            if rc != 0:
                errors.append(f"{case}: the client failed through the proxy: {out.strip()}")
            else:
                print(out.strip())
        ok, out = finish(CASE_TIMEOUT_S)
        if not ok:
            errors.append("h2pb trace did not exit after its connections closed")
        by_conn = {}
        for line in out.splitlines():
            e = json.loads(line)
            by_conn.setdefault(e["connection"], []).append(e)
        for n, case in enumerate(CASES, 1):
            check_connection(case, by_conn.get(n, []), errors)

        # The text form of large_unary.
        proxy, port = start(trace_cmd + ["--max-connections", "1"], "trace (text)")
        finish = drain(proxy)
        rc, _ = run_client(port, "large_unary")
        _, text = finish(CASE_TIMEOUT_S)
        for want in (":path: /grpc.testing.TestService/UnaryCall",
                     "gRPC message complete: 271840 octets as grpc.testing.SimpleRequest",
                     "(271828 bytes)", "(314159 bytes)", "grpc-status: 0", "note: gRPC status 0"):
            if want not in text:
                errors.append(f"text output lacks {want!r}")
        if rc != 0 or "!! violation" in text:
            errors.append("text run: client failed or a violation was flagged")
    finally:
        stop(server)
    for e in errors:
        print("FAIL", e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
