#!/usr/bin/python3
"""gRPC servers side by side: grpc C++ (benchmarks/grpc/grpc_cpp_server) and
any other grpc.testing.TestService server, in one run.

Each server is given as NAME=CMD; CMD is started with `--port 0` appended and
must print `listening on HOST:PORT` as its first line on stdout. Servers run
one after the other (with --rounds R, alternating which goes first), each on
an idle machine apart from the load generator; nothing is pinned. Per server:

  unary        h2load (-t 1) POSTs a pre-encoded UnaryCall to
               /grpc.testing.TestService/UnaryCall: SimpleRequest
               {response_size: 100, payload.body: 100 zero octets} encoded by
               `protoc --encode`, behind gRPC's 5-octet message prefix
               (PROTOCOL-HTTP2.md "Length-Prefixed-Message"), with
               content-type application/grpc and te: trailers. Two loads,
               each bounded in time (-D, after a separate warm-up run):
                 -c 8 -m 32  requests/s, h2load's mean time per request
                 -c 1 -m 1   requests/s, p50/p99 latency from h2load's
                             --log-file (h2load itself prints no percentiles)
               For each: server CPU per call (utime + stime of every thread,
               /proc/PID/stat, over the h2load run, divided by the succeeded
               requests; the 8 or 1 connection setups are included), octets
               received per response (h2load's traffic total / succeeded).
               h2load counts HTTP 2xx only, so the gRPC status is checked
               separately: the same request body is sent on one HTTP/2
               connection (python h2) and grpc-status 0 with a 100-octet
               payload is required in the trailers; and one real grpc C++
               client UnaryCall (grpc_cpp_stream_client --unary-check) must
               return OK.
  streaming    grpc_cpp_stream_client: StreamingOutputCall for 100-octet
               messages, 10,000 per call, for --stream-seconds: messages/s,
               and server CPU per message.
  idle memory  on a fresh start of the server (memory freed after the load
               would otherwise be reused and hide part of the cost):
               --idle connections (default 1,000), each: preface, SETTINGS,
               the server's SETTINGS acknowledged, one UnaryCall (the same
               request) answered, then left open and idle. Server VmRSS
               (/proc/PID/status) with them minus before, per connection.

The threads each server had (names and CPU seconds per thread name, from
/proc/PID/task) are recorded in the JSON: grpc C++ picks its own.

Example (from the repository root, after
`ninja -C build benchmarks/grpc/grpc_cpp_server benchmarks/grpc/grpc_cpp_stream_client`):

  /usr/bin/python3 benchmarks/grpc/grpc_vs.py --json grpc.json \
      --server grpc=build/benchmarks/grpc/grpc_cpp_server \
      --server h2pb="build/tools/h2pb/h2pb interop-server"

One server takes about 35 s with the defaults (two h2load runs of 10 s,
8 s of streaming, the idle test); the machine's load average is printed
with the results, since every figure moves with it.

usage: grpc_vs.py --server NAME=CMD [--server NAME=CMD ...] [--baseline NAME]
       [--duration S] [--stream-seconds S] [--idle N] [--rounds R] [--json FILE]
       [--client PATH]
With two servers, the ratios compare the other one against the baseline
(default: the server named grpc, else the first), each oriented so that
above 1 means "better than the baseline": req/s and msgs/s other/baseline;
CPU per call, p99 and memory baseline/other.
"""

import argparse
import json
import os
import re
import resource
import shlex
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

import h2.config
import h2.connection
import h2.events
import hpack

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PROTO_ROOT = "/usr/share/grpc-proto"
UNARY_PATH = "/grpc.testing.TestService/UnaryCall"
PAYLOAD = 100  # request payload and response_size, octets
CLK_TCK = os.sysconf("SC_CLK_TCK")

sys.path.insert(0, os.path.join(REPO, "tests", "support"))
from peers import PREFACE, cpu_seconds, frame, percentile, rss_kib, start_listening, stop_process  # noqa: E402
from peers import h2load_latencies as latencies  # noqa: E402


# ---------------------------------------------------------------- servers

class server:
    """A server process started as CMD --port 0, its address read from its
    first line."""

    def __init__(self, name, cmd, start_timeout=15.0):
        self.name = name
        argv = shlex.split(cmd) + ["--port", "0"]
        self.proc, self.host, self.port = start_listening(argv, "%s (%s)" % (name, cmd), timeout=start_timeout,
                                                          stderr=subprocess.DEVNULL, start_new_session=False)
        self.pid = self.proc.pid

    def target(self):
        return "%s:%d" % (self.host, self.port)

    def url(self, path):
        return "http://%s:%d%s" % (self.host, self.port, path)

    def stop(self):
        stop_process(self.proc)


def thread_cpu(pid):
    """CPU seconds per thread id, with the thread's name."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                text = f.read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        out[tid] = (name, (int(fields[11]) + int(fields[12])) / CLK_TCK)
    return out


def thread_cpu_delta(before, after):
    """CPU seconds spent between two thread_cpu() samples, per thread name
    (threads that ended in between are missed; new ones count from 0)."""
    by_name = {}
    for tid, (name, sec) in after.items():
        d = sec - before.get(tid, (name, 0.0))[1]
        by_name[name] = round(by_name.get(name, 0.0) + d, 3)
    return by_name


def thread_names(pid):
    names = {}
    for name, _ in thread_cpu(pid).values():
        names[name] = names.get(name, 0) + 1
    return names


# ---------------------------------------------------------------- request

def encode_request(protoc):
    """The gRPC body of one UnaryCall: SimpleRequest encoded by protoc (the
    reference encoder), prefixed by compressed-flag 0 and the 4-octet
    big-endian length (PROTOCOL-HTTP2.md, Length-Prefixed-Message)."""
    text = "response_size: %d payload { body: \"%s\" }" % (PAYLOAD, "\\000" * PAYLOAD)
    r = subprocess.run([protoc, "--encode=grpc.testing.SimpleRequest", "-I" + PROTO_ROOT,
                        "grpc/testing/messages.proto"], input=text.encode(), stdout=subprocess.PIPE,
                       check=True)
    return b"\x00" + struct.pack(">I", len(r.stdout)) + r.stdout


def request_headers(authority):
    return [(":method", "POST"), (":scheme", "http"), (":path", UNARY_PATH), (":authority", authority),
            ("content-type", "application/grpc"), ("te", "trailers")]


def check_grpc_ok(srv, body):
    """Sends the benchmark's request body on one HTTP/2 connection and
    returns (grpc-status, response message length, octets received for the
    call). The response message is SimpleResponse{payload{body: 100 octets}};
    its encoded length is checked by the caller."""
    s = socket.create_connection((srv.host, srv.port), timeout=10)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    s.sendall(conn.data_to_send())
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, request_headers(srv.target()))
    conn.send_data(sid, body, end_stream=True)
    s.sendall(conn.data_to_send())
    status, data, received, done = None, b"", 0, False
    headers = {}
    while not done:
        chunk = s.recv(65536)
        if not chunk:
            break
        received += len(chunk)
        for ev in conn.receive_data(chunk):
            if isinstance(ev, h2.events.ResponseReceived):
                headers.update(dict(ev.headers))
            elif isinstance(ev, h2.events.DataReceived):
                data += ev.data
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.TrailersReceived):
                headers.update(dict(ev.headers))
            elif isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                done = True
        s.sendall(conn.data_to_send())
    s.close()
    status = headers.get("grpc-status")
    length = struct.unpack(">I", data[1:5])[0] if len(data) >= 5 else None
    return status, length, headers.get(":status")


# ---------------------------------------------------------------- h2load

def h2load(args, log=None):
    cmd = ["h2load"] + args + (["--log-file", log] if log else [])
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    text = r.stdout.decode(errors="replace")
    rps = re.search(r"finished in [^,]+, ([\d.]+) req/s", text)
    ok = re.search(r"requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, "
                   r"(\d+) errored", text)
    traffic = re.search(r"traffic: .*?\((\d+)\) total, .*?\((\d+)\) headers.*?\((\d+)\) data", text)
    mean = re.search(r"time for request:\s+(\S+)\s+(\S+)\s+(\S+)", text)
    if not rps or not ok or ok.group(3) != "0" or ok.group(4) != "0" or int(ok.group(2)) == 0:
        raise RuntimeError("h2load failed:\n" + text)
    return {"rps": float(rps.group(1)), "succeeded": int(ok.group(2)),
            "traffic_octets": int(traffic.group(1)) if traffic else None,
            "header_octets": int(traffic.group(2)) if traffic else None,
            "data_octets": int(traffic.group(3)) if traffic else None,
            "time_for_request_mean": mean.group(3) if mean else None}


def to_us(text):
    m = re.match(r"([\d.]+)(us|ms|s)$", text or "")
    if not m:
        return None
    return float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)]


def unary_load(srv, body_file, conc, duration, work, tag, log_latency):
    """One time-bounded h2load run with server CPU measured around it; with
    log_latency, per-request times from h2load's --log-file (left off at
    -c 8 -m 32, where writing ~10^6 log lines would load h2load's one
    thread, and latency there is mostly queueing: concurrency / rate)."""
    url = srv.url(UNARY_PATH)
    common = ["-d", body_file, "-H", "content-type: application/grpc", "-H", "te: trailers", "-t", "1"]
    h2load(["-n", "2000"] + conc + common + [url])  # warm up: connections, allocator, caches
    log = os.path.join(work, "lat-%s.log" % tag) if log_latency else None
    t0, c0 = thread_cpu(srv.pid), cpu_seconds(srv.pid)
    r = h2load(["-D", str(duration)] + conc + common + [url], log=log)
    c1, t1 = cpu_seconds(srv.pid), thread_cpu(srv.pid)
    if log:
        lat = latencies(log)
        os.unlink(log)
        r["p50_us"] = percentile(lat, 50)
        r["p99_us"] = percentile(lat, 99)
        r["latency_samples"] = len(lat)
    r["server_cpu_s"] = round(c1 - c0, 3)
    r["cpu_us_per_call"] = (c1 - c0) * 1e6 / r["succeeded"]
    r["octets_per_response"] = r["traffic_octets"] / r["succeeded"] if r["traffic_octets"] else None
    r["thread_cpu_s"] = thread_cpu_delta(t0, t1)
    return r


# ---------------------------------------------------------------- streaming

def streaming(srv, client, seconds):
    c0, t0 = cpu_seconds(srv.pid), thread_cpu(srv.pid)
    r = subprocess.run([client, "--target", srv.target(), "--seconds", str(seconds), "--messages",
                        "100000000", "--size", str(PAYLOAD)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=seconds + 60)
    c1, t1 = cpu_seconds(srv.pid), thread_cpu(srv.pid)
    if r.returncode != 0:
        raise RuntimeError("streaming client failed: " + r.stderr.decode(errors="replace"))
    out = json.loads(r.stdout)
    out["server_cpu_s"] = round(c1 - c0, 3)
    out["server_cpu_us_per_message"] = (c1 - c0) * 1e6 / out["messages"]
    out["thread_cpu_s"] = thread_cpu_delta(t0, t1)
    return out


# ---------------------------------------------------------------- idle memory


def idle_connections(srv, n, body):
    """n connections; on each: preface, empty SETTINGS, one UnaryCall
    (HEADERS, then DATA with END_STREAM, RFC 9113 section 8.1), the server's
    SETTINGS acknowledged and the call's trailers (HEADERS with END_STREAM on
    stream 1) awaited; then left open and idle. Returns the sockets."""
    block = hpack.Encoder().encode(request_headers(srv.target()))
    request = (PREFACE + frame(4, 0, 0) + frame(1, 0x04, 1, block) + frame(0, 0x01, 1, body))
    socks = []
    for _ in range(n):
        s = socket.create_connection((srv.host, srv.port), timeout=10)
        s.sendall(request)
        socks.append(s)
    for s in socks:
        buf = b""
        acked = done = False
        while not done:
            data = s.recv(65536)
            if not data:
                raise RuntimeError("server closed an idle-test connection")
            buf += data
            while len(buf) >= 9:
                length = int.from_bytes(buf[:3], "big")
                if len(buf) < 9 + length:
                    break
                ftype, flags, sid = buf[3], buf[4], int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
                payload = buf[9:9 + length]
                buf = buf[9 + length:]
                if ftype == 4 and not flags & 1 and not acked:
                    s.sendall(frame(4, 1, 0))
                    acked = True
                elif ftype == 6 and not flags & 1:  # PING (grpc's BDP probe): answered as a peer would
                    s.sendall(frame(6, 1, 0, payload))
                if sid == 1 and flags & 1 and ftype in (0, 1):
                    done = True
    return socks


def idle_memory(srv, n, body):
    time.sleep(0.3)
    before = rss_kib(srv.pid)
    socks = idle_connections(srv, n, body)
    time.sleep(1.0)
    after = rss_kib(srv.pid)
    for s in socks:
        s.close()
    return {"connections": n, "rss_before_kib": before, "rss_after_kib": after,
            "kib_per_connection": (after - before) / n}


# ---------------------------------------------------------------- main

def run_server(name, cmd, a, body, body_file, work, rnd):
    srv = server(name, cmd)
    try:
        status, length, http_status = check_grpc_ok(srv, body)
        expect = len(encode_simple_response())
        if http_status != "200" or status != "0" or length != expect:
            raise RuntimeError("%s: benchmark request answered :status %s grpc-status %s, message of %s "
                               "octets (expected 200, 0, %d)" % (name, http_status, status, length, expect))
        r = subprocess.run([a.client, "--target", srv.target(), "--unary-check", "--size", str(PAYLOAD)],
                           stdout=subprocess.PIPE, timeout=30)
        if r.returncode != 0:
            raise RuntimeError("%s: grpc C++ UnaryCall check failed: %s" % (name, r.stdout.decode()))
        res = {"threads_at_start": thread_names(srv.pid)}
        tag = "%s-%d" % (name, rnd)
        res["c8_m32"] = unary_load(srv, body_file, ["-c", "8", "-m", "32"], a.duration, work, tag + "-a", False)
        res["c1_m1"] = unary_load(srv, body_file, ["-c", "1", "-m", "1"], a.duration, work, tag + "-b", True)
        res["streaming"] = streaming(srv, a.client, a.stream_seconds)
        res["threads_at_end"] = thread_names(srv.pid)
        res["grpc_check"] = {"h2_grpc_status": status, "cpp_client": json.loads(r.stdout)}
    finally:
        srv.stop()
    # Idle memory on a fresh process: after the load, memory the allocator
    # kept from it is reused by the new connections and hides part of their
    # cost (grpc C++: ~11 KiB per connection measured after the load against
    # ~35 KiB on a fresh process, for 200 connections).
    srv = server(name, cmd)
    try:
        res["idle"] = idle_memory(srv, a.idle, body)
    finally:
        srv.stop()
    return res


def encode_simple_response():
    """SimpleResponse{payload{type COMPRESSABLE (0, not encoded), body: 100
    octets}}: field 1 (payload) length-delimited, holding field 2 (body)
    length-delimited: 1+1 + (1+1+100) = 104 octets."""
    return b"\x0a\x66\x12\x64" + b"\x00" * PAYLOAD


def machine():
    model = ""
    try:
        out = subprocess.run(["lscpu"], stdout=subprocess.PIPE).stdout.decode()
        m = re.search(r"Model name:\s*(.*)", out)
        model = m.group(1).strip() if m else ""
    except OSError:
        pass
    return {"date_utc": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "nproc": os.cpu_count(),
            "cpu_model": model, "loadavg_start": open("/proc/loadavg").read().split()[:3]}


def median_of(rounds, *keys):
    vals = []
    for r in rounds:
        v = r
        for k in keys:
            v = v[k]
        vals.append(v)
    return statistics.median(vals)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", action="append", required=True, metavar="NAME=CMD")
    ap.add_argument("--baseline")
    ap.add_argument("--duration", type=int, default=10, help="seconds per h2load run (default 10)")
    ap.add_argument("--stream-seconds", type=int, default=8)
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--client", default=os.path.join(REPO, "build/benchmarks/grpc/grpc_cpp_stream_client"))
    ap.add_argument("--protoc", default=shutil.which("protoc") or "protoc")
    ap.add_argument("--json")
    a = ap.parse_args()
    servers = []
    for s in a.server:
        name, sep, cmd = s.partition("=")
        if not sep or not name or not cmd:
            sys.exit("--server wants NAME=CMD, got %r" % s)
        servers.append((name, cmd))
    if shutil.which("h2load") is None:
        sys.exit("h2load is not installed (scripts/install-deps.sh)")
    if not os.access(a.client, os.X_OK):
        sys.exit("%s not built (ninja -C build benchmarks/grpc/grpc_cpp_stream_client)" % a.client)
    # Both ends of the idle test need a descriptor per connection; the
    # servers inherit the raised limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 2 * a.idle + 256)), hard))

    info = machine()
    body = encode_request(a.protoc)
    work = tempfile.mkdtemp(prefix="h2pb-grpc-bench-")
    body_file = os.path.join(work, "unary.grpc")
    with open(body_file, "wb") as f:
        f.write(body)
    per = {name: [] for name, _ in servers}
    try:
        for rnd in range(a.rounds):
            order = servers if rnd % 2 == 0 else servers[::-1]
            for name, cmd in order:
                r = run_server(name, cmd, a, body, body_file, work, rnd)
                per[name].append(r)
                print("round %d %-8s %9.0f req/s (c8 m32) %8.0f req/s (c1 m1) %9.0f msgs/s %6.1f KiB/conn"
                      % (rnd + 1, name, r["c8_m32"]["rps"], r["c1_m1"]["rps"], r["streaming"]["messages_per_s"],
                         r["idle"]["kib_per_connection"]), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    summary = {}
    for name, _ in servers:
        rs = per[name]
        summary[name] = {
            "rps_c8_m32": median_of(rs, "c8_m32", "rps"),
            "rps_c1_m1": median_of(rs, "c1_m1", "rps"),
            "cpu_us_per_call_c8_m32": median_of(rs, "c8_m32", "cpu_us_per_call"),
            "cpu_us_per_call_c1_m1": median_of(rs, "c1_m1", "cpu_us_per_call"),
            "p50_us_c1_m1": median_of(rs, "c1_m1", "p50_us"),
            "p99_us_c1_m1": median_of(rs, "c1_m1", "p99_us"),
            "mean_us_c8_m32": statistics.median([to_us(r["c8_m32"]["time_for_request_mean"]) or 0 for r in rs]),
            "octets_per_response": median_of(rs, "c8_m32", "octets_per_response"),
            "msgs_per_s": median_of(rs, "streaming", "messages_per_s"),
            "cpu_us_per_message": median_of(rs, "streaming", "server_cpu_us_per_message"),
            "kib_per_idle_connection": median_of(rs, "idle", "kib_per_connection"),
        }
    res = {"machine": info, "settings": {"duration_s": a.duration, "stream_seconds": a.stream_seconds,
                                         "idle_connections": a.idle, "rounds": a.rounds, "payload": PAYLOAD,
                                         "request_body_octets": len(body)},
           "servers": {name: cmd for name, cmd in servers}, "summary": summary, "rounds": per}

    names = [n for n, _ in servers]
    rows = [
        ("req/s, -c 8 -m 32", "rps_c8_m32", "%.0f", "up"),
        ("req/s, -c 1 -m 1", "rps_c1_m1", "%.0f", "up"),
        ("server CPU us/call, -c 8 -m 32", "cpu_us_per_call_c8_m32", "%.2f", "down"),
        ("server CPU us/call, -c 1 -m 1", "cpu_us_per_call_c1_m1", "%.2f", "down"),
        ("mean time/request, -c 8 -m 32 (h2load), us", "mean_us_c8_m32", "%.0f", "down"),
        ("latency p50, -c 1 -m 1 (--log-file), us", "p50_us_c1_m1", "%d", "down"),
        ("latency p99, -c 1 -m 1 (--log-file), us", "p99_us_c1_m1", "%d", "down"),
        ("octets received per response", "octets_per_response", "%.1f", "down"),
        ("streaming msgs/s (100-octet messages)", "msgs_per_s", "%.0f", "up"),
        ("server CPU us/streamed message", "cpu_us_per_message", "%.3f", "down"),
        ("KiB per idle connection (%d, RSS)" % a.idle, "kib_per_idle_connection", "%.1f", "down"),
    ]
    baseline = other = None
    if len(names) == 2:
        baseline = a.baseline or ("grpc" if "grpc" in names else names[0])
        if baseline not in names:
            sys.exit("--baseline %s is not one of the servers" % baseline)
        other = names[1] if names[0] == baseline else names[0]
        res["ratios"] = {}
    head = "| figure | " + " | ".join(names) + " |"
    sep = "|---|" + "---|" * len(names)
    if other:
        head += " ratio (above 1: %s better) |" % other
        sep += "---|"
    print("%s; nproc %s; %s; load %s; %d round(s), h2load -D %d s" % (
        info["date_utc"], info["nproc"], info["cpu_model"], " ".join(info["loadavg_start"]), a.rounds, a.duration))
    print(head)
    print(sep)
    for label, key, fmt, better in rows:
        line = "| %s | " % label + " | ".join(fmt % summary[n][key] for n in names) + " |"
        if other:
            b, o = summary[baseline][key], summary[other][key]
            ratio = (o / b if better == "up" else b / o) if b and o else float("nan")
            res["ratios"][key] = ratio
            line += " %.2f |" % ratio
        print(line)
    for n in names:
        print("%s threads: %s" % (n, ", ".join("%s x%d" % kv for kv in sorted(per[n][-1]["threads_at_end"].items()))))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
