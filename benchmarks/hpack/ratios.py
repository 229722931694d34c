#!/usr/bin/python3
"""Ratios of benchmark pairs CASE/h2pb vs CASE/REFERENCE from Google
Benchmark's JSON output.

    bench_hpack --benchmark_format=json --benchmark_repetitions=5 > out.json
    benchmarks/hpack/ratios.py out.json

With repetitions, the median aggregates are used. The speed ratio is
REFERENCE time / h2pb time (above 1: h2pb is faster), from CPU time (the
machine is shared, so wall time includes waiting for a core) and, for
reference, from real time. Counters of both sides are printed too.
"""
import json
import sys


def main():
    doc = json.load(open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin)
    runs = {}
    have_medians = any(b.get("aggregate_name") == "median" for b in doc["benchmarks"])
    for b in doc["benchmarks"]:
        if have_medians and b.get("aggregate_name") != "median":
            continue
        name = b.get("run_name", b["name"])
        runs[name] = b
    ctx = doc.get("context", {})
    print(f"date {ctx.get('date')}  host {ctx.get('host_name')}  {ctx.get('num_cpus')} cpus "
          f"@ {ctx.get('mhz_per_cpu')} MHz  ({'median of repetitions' if have_medians else 'single run'})")
    for name in sorted(runs):
        case, _, impl = name.rpartition("/")
        if impl != "h2pb":
            continue
        mine = runs[name]
        others = [n for n in runs if n.startswith(case + "/") and n != name]
        if not others:
            rate = mine.get("bytes_per_second")
            extra = f"  {rate / 1e6:.1f} MB/s" if rate else ""
            print(f"{case}: h2pb alone, cpu {mine['cpu_time']:.3f} {mine['time_unit']}{extra}")
            continue
        for other in others:
            ref = runs[other]
            cpu = ref["cpu_time"] / mine["cpu_time"]
            real = ref["real_time"] / mine["real_time"]
            print(f"{case}: h2pb {mine['cpu_time']:.3f} vs {other.rpartition('/')[2]} "
                  f"{ref['cpu_time']:.3f} {mine['time_unit']} cpu -> {cpu:.2f}x (real time: {real:.2f}x)")
            for counter in sorted(k for k in mine if k not in ref or k in ("encoded_bytes",
                                                                              "allocs_per_block",
                                                                              "steady_allocs_per_block")):
                if counter in ("encoded_bytes", "allocs_per_block", "steady_allocs_per_block"):
                    print(f"    {counter}: h2pb {mine[counter]:g}, {other.rpartition('/')[2]} {ref.get(counter, float('nan')):g}")


if __name__ == "__main__":
    main()
