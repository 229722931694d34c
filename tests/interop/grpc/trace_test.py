#!/usr/bin/python3
"""h2pb trace between a grpcio client (client_py.py) and a real gRPC server.

Usage: trace_test.py H2PB PROTO_ROOT [--tls SCRATCH] [--reflect] [--client-arg A ...]
                     -- SERVER_CMD [ARG...]

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
  * each frame event carries "t", its time in seconds since the connection
    began, and the times of each direction never go back;
  * the text output (no --json) of large_unary shows the :path line, the
    message lengths and grpc-status, and the time ("#1 c->s [  0.003]  ")
    on each frame's first line.

Options:
  --tls SCRATCH   TLS on both sides: a throwaway CA and server certificate
                  are made in SCRATCH (run_clients.make_certificates), the
                  server gets them (--tls-cert/--tls-key), the proxy accepts
                  TLS with the same certificate (--tls-listen) and connects
                  with TLS verifying it (--tls-to --ca --authority), and the
                  client verifies the proxy's certificate. The trace must
                  report ALPN h2 on both sessions. The text run then goes
                  through two proxies with TLS on one side each: the first
                  --tls-listen with an h2c upstream, the second h2c in and
                  --tls-to --insecure out; each must report only its side.
  --reflect       the proxy gets its schema from the server's reflection
                  service (--reflect) instead of --proto; the server needs
                  to serve only UnaryCall, so only large_unary runs. Fields
                  must still be named (payload.body) and the message typed.
  --client-arg A  the interop client's command, one token per option
                  (default: grpcio's client_py.py); it gets the standard
                  interop flags (--server_port=, --test_case=, --use_tls=...).

SERVER_CMD gets `--port 0` (and --tls-cert/--tls-key with --tls); its first
line is `listening on HOST:PORT` or `PORT N`.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import threading

from run_clients import TLS_NAME, make_certificates
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from peers import start_listening, stop_process  # noqa: E402

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
    # stdin stays open (a pipe): the reflection server quits at its end.
    proc, _, port = start_listening(cmd, f"trace_test: {what}", START_TIMEOUT_S, stdin=subprocess.PIPE)
    return proc, port


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
            stop_process(proc)
            ok = False
        t.join()
        return ok, b"".join(chunks).decode()
    return finish


def run_client(client, port, case, tls_files):
    args = client + [f"--server_host=127.0.0.1", f"--server_port={port}", f"--test_case={case}"]
    if tls_files:
        args += ["--use_tls=true", f"--ca_file={tls_files[0]}",
                 f"--server_host_override={TLS_NAME}"]
    else:
        args += ["--use_tls=false"]
    r = subprocess.run(args, capture_output=True, text=True, timeout=CASE_TIMEOUT_S)
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
    last = {}
    for e in frames:
        t = e.get("t")
        if not isinstance(t, (int, float)) or t < 0 or t < last.get(e["direction"], 0):
            fail(f"{e['direction']} offset {e['offset']}: time {t!r} after {last.get(e['direction'])}")
            break
        last[e["direction"]] = t
    c2s = [e for e in frames if e["direction"] == "client->server"]
    s2c = [e for e in frames if e["direction"] == "server->client"]
    if not any(e.get("event") == "preface" for e in events):
        fail("no client preface event")

    def fields_of(e):
        return {f["name"]: f["value"] for f in e.get("field_block", {}).get("fields", [])}

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
        # grpc-js (protobufjs) also writes payload.type = COMPRESSABLE (0)
        # although proto3 leaves a default value out: a varint field with a
        # one-octet tag and value 0 adds 2 octets. It is counted when the
        # trace shows the field (so the trace's own decoding is still checked
        # against the length in the gRPC prefix).
        messages = [g for e in s2c for g in e.get("grpc", []) if g["kind"] == "message"]
        explicit_type = any(g.get("name") == "type" for m in messages for f in m.get("fields", [])
                            if f.get("name") == "payload" for g in f.get("fields", []))
        want = len_field_size((2 if explicit_type else 0) + len_field_size(314159))
        got = [m["length"] for m in messages]
        if got != [want]:
            fail(f"SimpleResponse length {got}, the encoding gives {want}")


def check_tls(events, errors):
    """--tls: both TLS sessions of each connection were reported, with ALPN h2."""
    by_conn = {}
    for e in events:
        if e.get("event") == "tls":
            by_conn.setdefault(e["connection"], []).append(e["text"])
    for conn in sorted({e["connection"] for e in events}):
        texts = by_conn.get(conn, [])
        for who in ("client", "server"):
            if not any(t.startswith(f"TLS with the {who}: ") and t.endswith("ALPN=h2")
                       for t in texts):
                errors.append(f"connection {conn}: no TLS session with the {who} with ALPN h2: "
                              f"{texts}")


def main():
    if "--" not in sys.argv[3:] or len(sys.argv) < 5:
        sys.exit(__doc__)
    sep = sys.argv.index("--", 3)
    h2pb, proto_root, opts, server_cmd = sys.argv[1], sys.argv[2], sys.argv[3:sep], sys.argv[sep + 1:]
    tls_scratch, reflect, client = None, False, []
    while opts:
        o = opts.pop(0)
        if o == "--tls" and opts:
            tls_scratch = opts.pop(0)
        elif o == "--reflect":
            reflect = True
        elif o == "--client-arg" and opts:
            client.append(opts.pop(0))
        else:
            sys.exit(f"trace_test: unknown option {o}\n{__doc__}")
    client = client or [PY, os.path.join(HERE, "client_py.py")]
    cases = {"large_unary": CASES["large_unary"]} if reflect else CASES

    tls_files = None
    if tls_scratch:
        shutil.rmtree(tls_scratch, ignore_errors=True)
        os.makedirs(tls_scratch)
        tls_files = make_certificates(tls_scratch)
    server_args = ["--port", "0"]
    if tls_files:
        server_args += ["--tls-cert", tls_files[1], "--tls-key", tls_files[2]]
    server, server_port = start(server_cmd + server_args, "server")
    errors = []
    try:
        trace_cmd = [h2pb, "trace", "--listen", "0", "--to", f"127.0.0.1:{server_port}"]
        if reflect:
            trace_cmd += ["--reflect"]
        else:
            trace_cmd += ["--proto", "grpc/testing/test.proto", "-I", proto_root]
        if tls_files:
            trace_cmd += ["--tls-listen", "--cert", tls_files[1], "--key", tls_files[2],
                          "--tls-to", "--ca", tls_files[0], "--authority", TLS_NAME]
        proxy, port = start(trace_cmd + ["--json", "--max-connections", str(len(cases))], "trace")
        finish = drain(proxy)
        for case in cases:
            rc, out = run_client(client, port, case, tls_files)
            if rc != 0:
                errors.append(f"{case}: the client failed through the proxy: {out.strip()}")
            else:
                print(out.strip())
        ok, out = finish(CASE_TIMEOUT_S)
        if not ok:
            errors.append("h2pb trace did not exit after its connections closed")
        by_conn = {}
        events = [json.loads(line) for line in out.splitlines()]
        for e in events:
            by_conn.setdefault(e["connection"], []).append(e)
        for n, case in enumerate(cases, 1):
            check_connection(case, by_conn.get(n, []), errors)
        if tls_files:
            check_tls(events, errors)

        # The text form of large_unary. With --tls, through two proxies that
        # each have TLS on one side only: the client's TLS ends at the first
        # (--tls-listen, h2c upstream), the second carries h2c to the
        # server's TLS (--tls-to --insecure: no certificate check).
        hops = [trace_cmd]
        if tls_files:
            base = trace_cmd[:trace_cmd.index("--tls-listen")]
            hops = [base + ["--tls-to", "--insecure"], None]
        finishes, port = [], server_port
        for n, cmd in enumerate(hops):
            if cmd is None:  # the client-facing hop, to the previous one
                cmd = [h2pb, "trace", "--listen", "0", "--to", f"127.0.0.1:{port}",
                       "--tls-listen", "--cert", tls_files[1], "--key", tls_files[2]] + \
                    trace_cmd[trace_cmd.index("--to") + 2:trace_cmd.index("--tls-listen")]
            proxy, port = start(cmd + ["--max-connections", "1"], f"trace (text) {n}")
            finishes.append(drain(proxy))
        rc, _ = run_client(client, port, "large_unary", tls_files)
        texts = [finish(CASE_TIMEOUT_S)[1] for finish in reversed(finishes)]
        for n, text in enumerate(texts):
            for want in (":path: /grpc.testing.TestService/UnaryCall",
                         "gRPC message complete: 271840 octets as grpc.testing.SimpleRequest",
                         "(271828 bytes)", "(314159 bytes)", "grpc-status: 0",
                         "note: gRPC status 0"):
                if want not in text:
                    errors.append(f"text output {n} lacks {want!r}")
            if "!! violation" in text:
                errors.append(f"text output {n}: a violation was flagged")
            if not re.search(r"^#1 c->s \[ *\d+\.\d{3}\]  0  client preface", text, re.M):
                errors.append(f"text output {n}: no time on the preface line")
        if tls_files:
            # texts[0] is the client-facing hop, texts[1] the server-facing one.
            for text, has, lacks in ((texts[0], "client", "server"), (texts[1], "server", "client")):
                if not re.search(rf"TLS with the {has}: TLSv1\.[23] .* ALPN=h2", text) or \
                        f"TLS with the {lacks}" in text:
                    errors.append(f"a one-sided TLS hop: expected TLS with the {has} only")
        if rc != 0:
            errors.append("text run: the client failed")
    finally:
        stop_process(server)
    for e in errors:
        print("FAIL", e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
