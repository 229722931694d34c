#!/usr/bin/python3
"""Throughput ratios from a Google Benchmark JSON report.

Benchmarks are paired by name: CASE/h2pb and CASE/REFERENCE (any other
implementation name, e.g. libprotobuf, nghttp2). For each CASE this prints
both times, the ratio REFERENCE time / h2pb time (above 1: h2pb is faster),
any user counters (allocs_per_op, ...), and whether --target is met.

With --benchmark_repetitions the median aggregate is used; otherwise the
mean of the iteration runs of each name.

usage: ratios.py REPORT.json [--target 1.5] [--markdown]
       BENCH --benchmark_format=json | ratios.py - [--target 1.5]
"""
import argparse
import json
import statistics
import sys
from collections import OrderedDict


def load(path):
    if path == "-":
        return json.load(sys.stdin)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def collect(report):
    """name -> {"time": ns, "counters": {...}} (median aggregate if present)."""
    runs = OrderedDict()
    medians = {}
    std_keys = {"name", "run_name", "run_type", "repetitions", "repetition_index", "threads", "iterations",
                "real_time", "cpu_time", "time_unit", "family_index", "per_family_instance_index",
                "aggregate_name", "aggregate_unit", "bytes_per_second", "items_per_second", "label",
                "error_occurred", "error_message"}
    scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
    for b in report.get("benchmarks", []):
        if b.get("error_occurred"):
            continue
        name = b.get("run_name", b["name"])
        t = b["cpu_time"] * scale.get(b.get("time_unit", "ns"), 1.0)
        counters = {k: v for k, v in b.items() if k not in std_keys and isinstance(v, (int, float))}
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[name] = {"time": t, "counters": counters}
            continue
        runs.setdefault(name, []).append({"time": t, "counters": counters})
    out = OrderedDict()
    for name, rs in runs.items():
        if name in medians:
            out[name] = medians[name]
        else:
            keys = set().union(*(r["counters"].keys() for r in rs))
            out[name] = {
                "time": statistics.mean(r["time"] for r in rs),
                "counters": {k: statistics.mean(r["counters"].get(k, 0.0) for r in rs) for k in keys},
            }
    for name, m in medians.items():
        out.setdefault(name, m)
    return out


def pairs(results):
    cases = OrderedDict()
    for name, r in results.items():
        if "/" not in name:
            continue
        case, impl = name.rsplit("/", 1)
        cases.setdefault(case, {})[impl] = r
    return cases


def fmt_time(ns):
    return "%.0f ns" % ns if ns >= 100 else "%.1f ns" % ns


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report")
    ap.add_argument("--target", type=float, default=None, help="ratio each case should reach")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = ap.parse_args()
    cases = pairs(collect(load(args.report)))
    rows = []
    misses = 0
    for case, impls in cases.items():
        if "h2pb" not in impls:
            continue
        refs = [k for k in impls if k != "h2pb"]
        for ref in refs:
            h, r = impls["h2pb"], impls[ref]
            ratio = r["time"] / h["time"] if h["time"] > 0 else float("inf")
            met = "" if args.target is None else ("yes" if ratio >= args.target else "MISS")
            if met == "MISS":
                misses += 1
            counters = []
            for k in sorted(set(h["counters"]) | set(r["counters"])):
                counters.append("%s %.2f / %.2f" % (k, h["counters"].get(k, float("nan")), r["counters"].get(k, float("nan"))))
            rows.append((case, ref, fmt_time(h["time"]), fmt_time(r["time"]), "%.2fx" % ratio, met, "; ".join(counters)))
    head = ("case", "reference", "h2pb", "reference time", "ratio", "target met", "counters (h2pb / reference)")
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)] if rows else [len(h) for h in head]
        for row in [head] + rows:
            print("  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip())
    if args.target is not None:
        print("%d of %d cases below %.2fx" % (misses, len(rows), args.target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
