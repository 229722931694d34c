#!/usr/bin/python3
"""gRPC clients side by side: h2pb's client (benchmarks/grpc/h2pb_client_bench)
against grpc C++ 1.51's (benchmarks/grpc/grpc_cpp_client), each loading the
same server, first the grpc C++ server (grpc_cpp_server), then h2pb's
(`h2pb interop-server`, the one grpc_vs.py measures).

Per server, each client runs (one at a time, the server restarted for none):
  unary   --channels 8 --calls 32: 8 connections, 32 UnaryCalls in flight on
          each (closed loop), 100-octet request and response payloads, for
          --duration seconds after a 2 s warm-up: calls/s, p50/p99 latency
          (call start to completion), client CPU per call (getrusage of the
          client process: every thread, user + system, over the window).
  stream  StreamingOutputCall for 100-octet messages, 10,000 per call, on
          --stream-channels channels x --stream-calls calls (default 1 x 1,
          as grpc_vs.py's streaming figure): messages/s and client CPU per
          message.
grpc C++ runs twice, with the callback API and with the completion-queue API
(unary only; one thread driving its queue); h2pb is compared with whichever
made more calls/s on that server ("callback or async, whichever is faster").

Threads: the machine this was written for has 2 cores: the client gets one
thread of its own (h2pb: one io_context thread; grpc cq: one thread in
CompletionQueue::Next) and the server the rest. grpc's callback API cannot be
held to one thread (its callback threads are clamp(cores / 2, 2, 16), plus
timer and executor threads); it runs as grpc runs it, and its CPU per call
includes them all. Nothing is pinned.

Targets (issue 10): h2pb calls/s >= 3x grpc's at no more client CPU per call;
p99 at most half of grpc's. Ratios are printed h2pb/grpc.

  ninja -C build bench-grpc-client        # or by hand:
  /usr/bin/python3 benchmarks/grpc/client_vs.py \\
      --grpc-server build/benchmarks/grpc/grpc_cpp_server \\
      --grpc-client build/benchmarks/grpc/grpc_cpp_client \\
      --h2pb-client build/benchmarks/grpc/h2pb_client_bench \\
      --h2pb-server "build/tools/h2pb/h2pb interop-server" [--rounds R] [--duration 10] [--json FILE]

With --rounds R every client runs R times per server (order alternating per
round) and each figure is the median of its R values; the JSON keeps them all.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import grpc_vs  # noqa: E402  (server start/stop, CPU of a process, machine info)

WARMUP = 2  # seconds of load before each measured window


def run_client(cmd, srv, mode, a, short):
    """One client run against srv; its JSON line, with the server's CPU over
    the whole run (warm-up included) next to it. `short`: the window the h2pb
    server allows (see --short-seconds)."""
    warm, unary_s, stream_s = (1, a.short_seconds, a.short_seconds) if short else \
        (WARMUP, a.duration, a.stream_seconds)
    argv = list(cmd) + ["--target", srv.target(), "--mode", mode, "--warmup", str(warm), "--size",
                        str(grpc_vs.PAYLOAD)]
    if mode == "unary":
        argv += ["--channels", str(a.channels), "--calls", str(a.calls), "--seconds", str(unary_s)]
    else:
        argv += ["--channels", str(a.stream_channels), "--calls", str(a.stream_calls), "--seconds",
                 str(stream_s)]
    c0, w0 = grpc_vs.cpu_seconds(srv.pid), time.monotonic()
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    c1, w1 = grpc_vs.cpu_seconds(srv.pid), time.monotonic()
    if r.returncode != 0 and short and b"Socket closed" in r.stderr:
        # The h2pb server's GOAWAY (see --short-seconds) came before the
        # window ended: the run is recorded as lost, not averaged in.
        return {"failed": r.stderr.decode(errors="replace").strip()}
    if r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(argv), r.returncode, r.stderr.decode(errors="replace")))
    out = json.loads(r.stdout)
    out["server_cpu_s_whole_run"] = round(c1 - c0, 3)
    # Cores the server kept busy over the client's whole run (warm-up and
    # connection setup included): near 1 or more on this 2-core machine
    # means the server, not the client, bounds calls/s.
    out["server_cores_busy"] = round((c1 - c0) / (w1 - w0), 2)
    return out


def medians(runs):
    """Each figure's median over the rounds (figure by figure: the median
    calls/s and the median p99 may come from different rounds)."""
    keys = ("per_s", "cpu_us_per_op", "p50_us", "p99_us", "server_cores_busy")
    ok = [r for r in runs if "failed" not in r]
    if not ok:
        raise RuntimeError("every round was lost: " + runs[0]["failed"])
    out = {k: statistics.median(r[k] for r in ok) for k in keys}
    out["rounds_lost"] = len(runs) - len(ok)
    return out


def ratio(h, g):
    return h / g if g else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--grpc-server", required=True)
    ap.add_argument("--h2pb-server", required=True, help="command, e.g. 'build/tools/h2pb/h2pb interop-server'")
    ap.add_argument("--grpc-client", required=True)
    ap.add_argument("--h2pb-client", required=True)
    ap.add_argument("--duration", type=int, default=10, help="measured seconds per unary run")
    ap.add_argument("--stream-seconds", type=int, default=8)
    ap.add_argument("--channels", type=int, default=8)
    ap.add_argument("--calls", type=int, default=32)
    ap.add_argument("--stream-channels", type=int, default=1)
    ap.add_argument("--stream-calls", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1, help="client threads (h2pb, grpc cq)")
    ap.add_argument("--short-seconds", type=int, default=2,
                    help="measured seconds (after 1 s of warm-up) of every run against the h2pb server; "
                         "0: the full --duration. h2pb's server (h2/connection.hpp, on_window_update) "
                         "charges each WINDOW_UPDATE on a closed stream to its control-frame bucket "
                         "(burst 10,000, 1,000/s), and grpc C++ sends one per unary call just after "
                         "the server ended the stream, so at more than 1,000 calls/s per connection "
                         "the server sends GOAWAY(ENHANCE_YOUR_CALM, 'too many control frames') "
                         "after roughly 10,000 / (rate - 1,000) seconds")
    ap.add_argument("--rounds", type=int, default=1, help="runs of every client per server; medians are reported")
    ap.add_argument("--json")
    a = ap.parse_args()

    info = grpc_vs.machine()
    servers = [("grpc", a.grpc_server), ("h2pb", a.h2pb_server)]
    clients = [
        ("grpc-callback", [a.grpc_client, "--api", "callback"], True),
        ("grpc-cq", [a.grpc_client, "--api", "cq", "--threads", str(a.threads)], False),
        ("h2pb", [a.h2pb_client, "--threads", str(a.threads)], True),
    ]
    res = {"machine": info, "settings": vars(a), "servers": {}}
    for sname, scmd in servers:
        srv = grpc_vs.server(sname, scmd)
        per = {}
        try:
            raw = {cname: {"unary": [], "stream": []} for cname, _, _ in clients}
            for rnd in range(a.rounds):
                # The clients' order alternates per round, so that none
                # always runs first (or last) in a drifting machine load.
                for cname, cmd, streams in (clients if rnd % 2 == 0 else clients[::-1]):
                    short = sname == "h2pb" and a.short_seconds > 0
                    u = run_client(cmd, srv, "unary", a, short)
                    raw[cname]["unary"].append(u)
                    if streams:
                        raw[cname]["stream"].append(run_client(cmd, srv, "stream", a, short))
                    if "failed" in u:
                        print("round %d server %-5s client %-13s lost: %s" % (rnd + 1, sname, cname, u["failed"]),
                              file=sys.stderr, flush=True)
                        continue
                    print("round %d server %-5s client %-13s %9.0f calls/s %7.2f us CPU/call p99 %6d us" % (
                        rnd + 1, sname, cname, u["per_s"], u["cpu_us_per_op"], u["p99_us"]), file=sys.stderr,
                        flush=True)
        finally:
            srv.stop()
        for cname, _, streams in clients:
            per[cname] = {"unary": medians(raw[cname]["unary"]), "rounds": raw[cname]}
            if streams:
                per[cname]["stream"] = medians(raw[cname]["stream"])
        best = max(("grpc-callback", "grpc-cq"), key=lambda c: per[c]["unary"]["per_s"])
        h, g, gs = per["h2pb"]["unary"], per[best]["unary"], per["grpc-callback"]["stream"]
        hs = per["h2pb"]["stream"]
        per["compared_with"] = best
        per["ratios"] = {
            "calls_per_s": ratio(h["per_s"], g["per_s"]),
            "cpu_us_per_call": ratio(h["cpu_us_per_op"], g["cpu_us_per_op"]),
            "p50_us": ratio(h["p50_us"], g["p50_us"]),
            "p99_us": ratio(h["p99_us"], g["p99_us"]),
            "stream_msgs_per_s": ratio(hs["per_s"], gs["per_s"]),
            "stream_cpu_us_per_msg": ratio(hs["cpu_us_per_op"], gs["cpu_us_per_op"]),
        }
        res["servers"][sname] = per

    print("%s; nproc %s; %s; load average at start %s; unary %d s x (%d channels x %d calls), 100-octet "
          "payloads; client threads %d; medians of %d round(s)" % (
              info["date_utc"], info["nproc"], info["cpu_model"], " ".join(info["loadavg_start"]), a.duration,
              a.channels, a.calls, a.threads, a.rounds))
    if a.short_seconds > 0:
        print("against the h2pb server every run is 1 s of warm-up + %d s measured (--short-seconds)"
              % a.short_seconds)
    print("load average at end %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    print()
    print("| server | client | calls/s | client CPU us/call | p50 us | p99 us | server cores busy |")
    print("|---|---|---|---|---|---|---|")
    for sname, _ in servers:
        per = res["servers"][sname]
        for cname, _, _ in clients:
            u = per[cname]["unary"]
            lost = " (%d of %d rounds lost to GOAWAY)" % (u["rounds_lost"], a.rounds) if u["rounds_lost"] else ""
            print("| %s | %s | %.0f%s | %.2f | %d | %d | %.2f |" % (
                sname, cname, u["per_s"], lost, u["cpu_us_per_op"], u["p50_us"], u["p99_us"],
                u["server_cores_busy"]))
    print()
    print("| server | client | msgs/s (streaming) | client CPU us/msg | server cores busy |")
    print("|---|---|---|---|---|")
    for sname, _ in servers:
        per = res["servers"][sname]
        for cname, _, streams in clients:
            if streams:
                s = per[cname]["stream"]
                print("| %s | %s | %.0f | %.3f | %.2f |" % (sname, cname, s["per_s"], s["cpu_us_per_op"],
                                                         s["server_cores_busy"]))
    print()
    print("| server | h2pb vs | calls/s ratio (target >= 3) | CPU/call ratio (target <= 1) | p99 ratio "
          "(target <= 0.5) | stream msgs/s ratio | stream CPU/msg ratio |")
    print("|---|---|---|---|---|---|---|")
    for sname, _ in servers:
        per = res["servers"][sname]
        r = per["ratios"]
        print("| %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f |" % (
            sname, per["compared_with"], r["calls_per_s"], r["cpu_us_per_call"], r["p99_us"],
            r["stream_msgs_per_s"], r["stream_cpu_us_per_msg"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
