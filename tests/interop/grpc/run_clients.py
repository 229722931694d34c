#!/usr/bin/python3
"""Runs gRPC interop clients against one interop server.

Usage:
  run_clients.py --server CMD [ARG...] --client NAME=CMD [ARG...] [--client ...]
                 [--tls | --no-tls] [--cases a,b,c] [--extra-cases a,b]
                 [--skip CASE:REASON ...] --scratch DIR

--server and each --client take the rest of the words up to the next option
of this script (--server, --client, --tls, --no-tls, --cases, --extra-cases,
--skip, --scratch), so a command's own flags must not use those names.
--extra-cases adds cases after the default ones (or --cases): for a client
that implements more of interop-test-descriptions.md than the others
(h2pb interop-client's rpc_soak and channel_soak).

--skip CASE:REASON (one argument, repeatable) does not run CASE and reports it
as SKIP with REASON: for a case the server's library cannot serve (say, a
server that never compresses responses and a server_compressed_* case).

The server contract (h2pb interop-server and reference_server.py):
  SERVER --port 0 [--tls-cert CERT --tls-key KEY]
  prints `listening on HOST:PORT` as its first stdout line, serves
  grpc.testing.TestService as interop-test-descriptions.md's "Server" section
  asks, and stops on SIGTERM.

The client contract (client_cpp, client_py.py, and the grpc-go and grpc-js
clients registered the same way), the official interop client's flags:
  CLIENT --server_host=HOST --server_port=PORT --test_case=NAME
         [--use_tls=true --ca_file=CA.pem --server_host_override=foo.test.google.fr]
  Both `--flag=value` and `--flag value` spellings are given as `--flag=value`;
  --use_tls=false is passed on plaintext (h2c) runs.
  Exit status: 0 the case passed; 77 the case is skipped (the library cannot do
  it; print a line saying why); anything else failed: print the reason on
  stderr. A client must finish a case within CASE_TIMEOUT_S.
  Cases: empty_unary large_unary client_streaming server_streaming ping_pong
  empty_stream timeout_on_sleeping_server cancel_after_begin
  cancel_after_first_response custom_metadata status_code_and_message
  special_status_message unimplemented_method unimplemented_service
  client_compressed_unary server_compressed_unary client_compressed_streaming
  server_compressed_streaming (as interop-test-descriptions.md describes
  them) and concurrent_unary (1,000 concurrent unary calls on one channel),
  slow_reader (a 16 MiB server stream, 256 x 64 KiB, read slowly and checked),
  cancel_mid_stream (cancel a server stream after a few responses, then a
  unary call on the same channel must succeed).

With --tls the harness makes, in the scratch directory, a CA and a server
certificate for DNS foo.test.google.fr and IP 127.0.0.1 (openssl), starts the
server with them, and gives clients --ca_file and
--server_host_override=foo.test.google.fr (the name the official interop
tests use).

Output: one line per (client, case): PASS/FAIL/SKIP, the time taken, and on
failure the client's output. Exit 0 if all passed or skipped with at least
one pass, 77 if everything was skipped, 1 otherwise (also if the server died).
"""

import concurrent.futures
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from peers import start_listening, stop_process  # noqa: E402

DEFAULT_CASES = [
    "empty_unary", "large_unary", "client_streaming", "server_streaming", "ping_pong", "empty_stream",
    "timeout_on_sleeping_server", "cancel_after_begin", "cancel_after_first_response", "custom_metadata",
    "status_code_and_message", "special_status_message", "unimplemented_method", "unimplemented_service",
    "client_compressed_unary", "server_compressed_unary", "client_compressed_streaming",
    "server_compressed_streaming", "concurrent_unary", "slow_reader", "cancel_mid_stream",
]

# Wall-clock limit of one (client, case) run; the slowest case (slow_reader)
# takes a few seconds, so this only catches hangs.
CASE_TIMEOUT_S = 60
# How long the server may take to print its `listening on` line.
SERVER_START_TIMEOUT_S = 30
# At most this many clients run at once (the test machines have 2 cores).
PARALLEL_CASES = 2
SKIP = 77
TLS_NAME = "foo.test.google.fr"

OWN_OPTIONS = {
    "--server", "--client", "--tls", "--no-tls", "--cases", "--extra-cases", "--skip", "--scratch"}


def parse_args(argv):
    server, clients, tls, cases, scratch = None, [], False, DEFAULT_CASES, None
    skips = {}
    extra = []
    i = 0

    def words():
        nonlocal i
        out = []
        while i < len(argv) and argv[i] not in OWN_OPTIONS:
            out.append(argv[i])
            i += 1
        return out

    while i < len(argv):
        opt = argv[i]
        i += 1
        if opt == "--server":
            server = words()
        elif opt == "--client":
            cmd = words()
            if not cmd or "=" not in cmd[0]:
                sys.exit("run_clients: --client NAME=CMD [ARG...]")
            name, first = cmd[0].split("=", 1)
            clients.append((name, [first] + cmd[1:]))
        elif opt == "--tls":
            tls = True
        elif opt == "--no-tls":
            tls = False
        elif opt == "--cases":
            cases = [c for c in argv[i].split(",") if c]
            i += 1
        elif opt == "--extra-cases":
            extra = [c for c in argv[i].split(",") if c]
            i += 1
        elif opt == "--skip":
            case, sep, reason = argv[i].partition(":")
            if not sep or not reason.strip():
                sys.exit("run_clients: --skip CASE:REASON")
            skips[case] = reason.strip()
            i += 1
        elif opt == "--scratch":
            scratch = argv[i]
            i += 1
        else:
            sys.exit(f"run_clients: unknown option {opt}")
    if not server or not clients or not scratch:
        sys.exit("run_clients: need --server, at least one --client, and --scratch")
    return server, clients, tls, list(cases) + extra, scratch, skips


def make_certificates(scratch):
    """A throwaway CA and a server certificate signed by it, valid for
    TLS_NAME and 127.0.0.1 (subjectAltName, RFC 5280 section 4.2.1.6)."""
    ca_key, ca_cert = os.path.join(scratch, "ca.key"), os.path.join(scratch, "ca.pem")
    key, csr, cert = (os.path.join(scratch, n) for n in ("server.key", "server.csr", "server.pem"))
    ext = os.path.join(scratch, "server.ext")
    with open(ext, "w") as f:
        f.write(f"subjectAltName=DNS:{TLS_NAME},IP:127.0.0.1\n"
                "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n")
    run = lambda *a: subprocess.run(["openssl", *a], check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_cert, "-days", "2",
        "-subj", "/CN=h2pb interop test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={TLS_NAME}")
    run("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial", "-out", cert,
        "-days", "2", "-extfile", ext)
    return ca_cert, cert, key


def start_server(cmd, tls_files):
    args = cmd + ["--port", "0"]
    if tls_files:
        args += ["--tls-cert", tls_files[1], "--tls-key", tls_files[2]]
    return start_listening(args, "run_clients: server", SERVER_START_TIMEOUT_S)


def run_case(name, cmd, case, host, port, tls_files):
    args = cmd + [f"--server_host={host}", f"--server_port={port}", f"--test_case={case}"]
    if tls_files:
        args += ["--use_tls=true", f"--ca_file={tls_files[0]}", f"--server_host_override={TLS_NAME}"]
    else:
        args += ["--use_tls=false"]
    start = time.monotonic()
    try:
        p = subprocess.run(args, capture_output=True, timeout=CASE_TIMEOUT_S)
        rc, out = p.returncode, (p.stdout + p.stderr).decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        rc, out = None, f"timed out after {CASE_TIMEOUT_S} s\n" + ((e.stdout or b"") + (e.stderr or b"")).decode(
            errors="replace")
    return name, case, rc, out, time.monotonic() - start


def main():
    server_cmd, clients, tls, cases, scratch, skips = parse_args(sys.argv[1:])
    os.makedirs(scratch, exist_ok=True)
    tls_files = make_certificates(scratch) if tls else None
    server, host, port = start_server(server_cmd, tls_files)
    print(f"server {' '.join(server_cmd)} on {host}:{port} ({'TLS' if tls else 'h2c'})", flush=True)
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    for name, _ in clients:
        for case in cases:
            if case in skips:
                counts["SKIP"] += 1
                print(f"SKIP {name} {case}: {skips[case]}", flush=True)
    cases = [c for c in cases if c not in skips]
    try:
        with concurrent.futures.ThreadPoolExecutor(PARALLEL_CASES) as pool:
            jobs = [pool.submit(run_case, name, cmd, case, host, port, tls_files)
                    for name, cmd in clients for case in cases]
            for job in jobs:
                name, case, rc, out, took = job.result()
                verdict = "PASS" if rc == 0 else "SKIP" if rc == SKIP else "FAIL"
                counts[verdict] += 1
                line = f"{verdict} {name} {case} ({took:.2f} s)"
                if verdict == "SKIP":
                    line += ": " + out.strip().splitlines()[-1] if out.strip() else ""
                print(line, flush=True)
                if verdict == "FAIL":
                    print(f"  exit status {rc}; output:\n" + "\n".join("    " + l for l in out.splitlines()),
                          flush=True)
        alive = server.poll() is None
        if not alive:
            print(f"FAIL server exited ({server.returncode}) during the run", flush=True)
            counts["FAIL"] += 1
    finally:
        stop_process(server)
    print(f"{counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
    if counts["FAIL"]:
        return 1
    if counts["PASS"] == 0:
        print(f"SKIP: all {counts['SKIP']} cases skipped (the SKIP lines above say why)")
        return SKIP
    return 0


if __name__ == "__main__":
    sys.exit(main())
