#!/usr/bin/python3
"""h2pb serve against nghttpd, side by side in one run, under h2load.

Both servers serve the same 100-byte file from the same directory, with the
same number of threads (h2pb serve --threads N, nghttpd -n N), over h2c on
127.0.0.1. Rounds alternate which server goes first. The figures:

  throughput   h2load -n REQUESTS -c 8 -m 32 -t 1: requests/s (median of rounds);
               in the same runs, the server's CPU time per request
               (utime + stime from /proc/PID/stat, before and after), the
               client's (h2load's own rusage), and the octets per response
               (h2load's "traffic" line: all octets received, and those of
               HEADERS frames, divided by the requests). On 2 cores h2load and
               the server share the CPU, so requests/s is often bounded by the
               load generator; the CPU times per request are not.
  latency      h2load -n LAT_REQUESTS -c 1 -m 1: per-request latency from
               h2load's --log-file, p50 and p99 (all rounds pooled)
  idle memory  1,000 connections, each after one GET of the file, left open
               and idle: server RSS (VmRSS, /proc) with them, minus before

usage: h2load_vs_nghttpd.py H2PB [--threads N] [--rounds R] [--requests N] [--json FILE]
       [--h2pb-args "..."]
Prints a Markdown table (ratios h2pb / nghttpd) and, with --json, the raw figures.
"""

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "support"))
from peers import PREFACE, cpu_seconds, frame, free_port, percentile, rss_kib, stop_process, wait_port  # noqa: E402
from peers import h2load_latencies as latencies, start_listening  # noqa: E402


class server:
    def __init__(self, kind, h2pb, root, threads, extra):
        self.kind = kind
        if kind == "h2pb":
            cmd = [h2pb, "serve", "--port", "0", "--root", root, "--threads", str(threads)] + extra
            self.proc, _, self.port = start_listening(cmd, "h2pb serve", stderr=subprocess.DEVNULL,
                                                      start_new_session=False)
        else:
            self.port = free_port()
            cmd = ["nghttpd", "-a", "127.0.0.1", "--no-tls", "-n", str(threads), "-d", root, str(self.port)]
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if not wait_port(self.port):
                raise RuntimeError("nghttpd did not start")

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        stop_process(self.proc)


def h2load(args, log=None, server_pid=None):
    """Runs h2load; returns requests/s, and with server_pid a dict of per-request
    figures: server and client CPU microseconds, octets received in all and in
    HEADERS frames."""
    cmd = ["h2load"] + args + (["--log-file", log] if log else [])
    server_before = cpu_seconds(server_pid) if server_pid else 0.0
    ru_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    ru_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_after = cpu_seconds(server_pid) if server_pid else 0.0
    text = r.stdout.decode(errors="replace")
    m = re.search(r"finished in [^,]+, ([\d.]+) req/s", text)
    ok = re.search(r"requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored", text)
    if not m or not ok or ok.group(3) != "0" or ok.group(4) != "0":
        raise RuntimeError("h2load failed:\n" + text)
    if server_pid is None:
        return float(m.group(1))
    n = int(ok.group(2))
    # "traffic: 2.74MB (2873400) total, 546.89KB (560019) headers (space savings 94.32%), ..."
    t = re.search(r"traffic: \S+ \((\d+)\) total, \S+ \((\d+)\) headers", text)
    client = (ru_after.ru_utime + ru_after.ru_stime) - (ru_before.ru_utime + ru_before.ru_stime)
    return float(m.group(1)), {
        "server_cpu_us": (server_after - server_before) * 1e6 / n,
        "client_cpu_us": client * 1e6 / n,
        "octets": int(t.group(1)) / n if t else float("nan"),
        "header_octets": int(t.group(2)) / n if t else float("nan"),
    }


def idle_connections(port, n):
    """n connections; on each: preface, SETTINGS, a GET of /100.bin (HPACK:
    indexed :method GET, :scheme http, literal :path and :authority without
    indexing), the server's SETTINGS acknowledged, the response read; then
    left open and idle. Returns the sockets."""
    block = b"\x82\x86" + b"\x04\x08/100.bin" + b"\x01\x09127.0.0.1"
    request = PREFACE + frame(4, 0, 0) + frame(1, 0x05, 1, block)
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
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
                ftype, flags, sid = buf[3], buf[4], int.from_bytes(buf[5:9], "big")
                buf = buf[9 + length:]
                if ftype == 4 and not flags & 1 and not acked:
                    s.sendall(frame(4, 1, 0))
                    acked = True
                if sid == 1 and flags & 1 and ftype in (0, 1):
                    done = True
    return socks


def count_allocations(h2pb, root, work, extra):
    """mallocs per request of h2pb serve in steady state: the server runs
    with benchmarks/asio/malloc_count.c preloaded; after a warm-up on the
    same connections' pattern, the count over a second h2load run is divided
    by its requests (the connections of that run are new: their setup is
    included, so the figure is an upper bound)."""
    shim = os.path.join(work, "malloc_count.so")
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "malloc_count.c")
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc or subprocess.run([cc, "-shared", "-fPIC", "-O2", "-o", shim, src]).returncode != 0:
        return None
    env = dict(os.environ, LD_PRELOAD=shim)
    proc, _, port = start_listening([h2pb, "serve", "--port", "0", "--root", root] + extra, "h2pb serve",
                                    stderr=subprocess.PIPE, env=env, start_new_session=False)
    url = "http://127.0.0.1:%d/100.bin" % port
    os.set_blocking(proc.stderr.fileno(), False)

    def snapshot():
        proc.send_signal(signal.SIGUSR1)
        time.sleep(0.2)
        text = (proc.stderr.read() or b"").decode()
        return int(re.findall(r"mallocs (\d+)", text)[-1])

    out = {}
    for name, args, n in (("c8_m32", ["-c", "8", "-m", "32"], 100000), ("c1_m1", ["-c", "1", "-m", "1"], 10000)):
        h2load(["-n", "5000"] + args + [url])
        before = snapshot()
        h2load(["-n", str(n)] + args + ["-t", "1", url])
        out[name] = (snapshot() - before) / n
    proc.terminate()
    proc.wait(10)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("h2pb")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--latency-requests", type=int, default=20000)
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--json")
    ap.add_argument("--h2pb-args", default="")
    a = ap.parse_args()
    for p in ("h2load", "nghttpd"):
        if shutil.which(p) is None:
            sys.exit("%s is not installed (scripts/install-deps.sh)" % p)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * a.idle + 256)), hard))

    work = tempfile.mkdtemp(prefix="h2pb-bench-")
    root = os.path.join(work, "www")
    os.makedirs(root)
    with open(os.path.join(root, "100.bin"), "wb") as f:
        f.write(os.urandom(100))
    extra = a.h2pb_args.split()
    kinds = ["nghttpd", "h2pb"]
    rps = {k: [] for k in kinds}
    per_req = {k: [] for k in kinds}
    lat = {k: [] for k in kinds}
    idle = {k: [] for k in kinds}
    try:
        for rnd in range(a.rounds):
            order = kinds if rnd % 2 == 0 else kinds[::-1]
            for k in order:
                srv = server(k, a.h2pb, root, a.threads, extra)
                try:
                    url = srv.url("/100.bin")
                    h2load(["-n", "2000", "-c", "8", "-m", "32", url])  # warm up
                    r, figures = h2load(["-n", str(a.requests), "-c", "8", "-m", "32", "-t", "1", url],
                                        server_pid=srv.proc.pid)
                    rps[k].append(r)
                    per_req[k].append(figures)
                    log = os.path.join(work, "lat-%s-%d.log" % (k, rnd))
                    h2load(["-n", str(a.latency_requests), "-c", "1", "-m", "1", "-t", "1", url], log=log)
                    lat[k].extend(latencies(log))
                    if rnd < 2:  # memory: two rounds are plenty
                        time.sleep(0.2)
                        before = rss_kib(srv.proc.pid)
                        socks = idle_connections(srv.port, a.idle)
                        time.sleep(0.5)
                        after = rss_kib(srv.proc.pid)
                        idle[k].append((before, after))
                        for s in socks:
                            s.close()
                    print("round %d %-7s %9.0f req/s" % (rnd + 1, k, r), file=sys.stderr, flush=True)
                finally:
                    srv.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    work = tempfile.mkdtemp(prefix="h2pb-bench-")
    try:
        root = os.path.join(work, "www")
        os.makedirs(root)
        with open(os.path.join(root, "100.bin"), "wb") as f:
            f.write(os.urandom(100))
        allocs = count_allocations(a.h2pb, root, work, extra)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    res = {"threads": a.threads, "rounds": a.rounds, "requests": a.requests, "idle_connections": a.idle,
           "h2pb_mallocs_per_request": allocs}
    for k in kinds:
        res[k] = {
            "rps_median": statistics.median(rps[k]),
            "rps_all": rps[k],
            "per_request_all": per_req[k],
            "server_cpu_us": statistics.median(f["server_cpu_us"] for f in per_req[k]),
            "client_cpu_us": statistics.median(f["client_cpu_us"] for f in per_req[k]),
            "octets_per_response": statistics.median(f["octets"] for f in per_req[k]),
            "header_octets_per_response": statistics.median(f["header_octets"] for f in per_req[k]),
            "latency_p50_us": percentile(lat[k], 50),
            "latency_p99_us": percentile(lat[k], 99),
            "idle_rss_kib": [after for _, after in idle[k]],
            "idle_delta_kib": [after - before for before, after in idle[k]],
        }
    h, n = res["h2pb"], res["nghttpd"]
    d_h = statistics.median(h["idle_delta_kib"])
    d_n = statistics.median(n["idle_delta_kib"])
    res["ratios"] = {
        "rps": h["rps_median"] / n["rps_median"],
        "server_cpu": h["server_cpu_us"] / n["server_cpu_us"],
        "client_cpu": h["client_cpu_us"] / n["client_cpu_us"],
        "octets": h["octets_per_response"] / n["octets_per_response"],
        "header_octets": h["header_octets_per_response"] / n["header_octets_per_response"],
        "p50": h["latency_p50_us"] / n["latency_p50_us"],
        "p99": h["latency_p99_us"] / n["latency_p99_us"],
        "idle_rss": statistics.median(h["idle_rss_kib"]) / statistics.median(n["idle_rss_kib"]),
        "idle_delta": d_h / d_n if d_n else float("nan"),
    }
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)
    r = res["ratios"]
    print("| figure (threads: %d each) | h2pb serve | nghttpd | h2pb / nghttpd | target |" % a.threads)
    print("|---|---|---|---|---|")
    print("| req/s, -c 8 -m 32 (median of %d) | %.0f | %.0f | %.2f | >= 1.20 |"
          % (a.rounds, h["rps_median"], n["rps_median"], r["rps"]))
    print("| server CPU per request, same runs | %.2f us | %.2f us | %.2f | |"
          % (h["server_cpu_us"], n["server_cpu_us"], r["server_cpu"]))
    print("| h2load (client) CPU per response, same runs | %.2f us | %.2f us | %.2f | |"
          % (h["client_cpu_us"], n["client_cpu_us"], r["client_cpu"]))
    print("| octets per response (all received) | %.1f | %.1f | %.2f | |"
          % (h["octets_per_response"], n["octets_per_response"], r["octets"]))
    print("| octets of HEADERS frames per response | %.1f | %.1f | %.2f | |"
          % (h["header_octets_per_response"], n["header_octets_per_response"], r["header_octets"]))
    print("| latency p50, -c 1 -m 1 | %d us | %d us | %.2f | |" % (h["latency_p50_us"], n["latency_p50_us"], r["p50"]))
    print("| latency p99, -c 1 -m 1 | %d us | %d us | %.2f | <= 1.00 |"
          % (h["latency_p99_us"], n["latency_p99_us"], r["p99"]))
    print("| RSS with %d idle connections | %.1f MiB | %.1f MiB | %.2f | <= 1.00 |"
          % (a.idle, statistics.median(h["idle_rss_kib"]) / 1024, statistics.median(n["idle_rss_kib"]) / 1024,
             r["idle_rss"]))
    print("| RSS added by them, per connection | %.1f KiB | %.1f KiB | %.2f | |"
          % (d_h / a.idle, d_n / a.idle, r["idle_delta"]))
    if allocs:
        print("\nh2pb serve, mallocs per request (new connections' setup included): "
              "%.4f at -c 8 -m 32, %.4f at -c 1 -m 1" % (allocs["c8_m32"], allocs["c1_m1"]))


if __name__ == "__main__":
    main()
