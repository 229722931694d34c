#!/usr/bin/python3
"""benchmarks/compile/compile_bench.py (issue 16's compile-time benchmark):

  1. parse_time() over made-up /usr/bin/time -f '%e %U %S %M' outputs: the
     figures of the last line, also after GNU time's "Command exited with
     non-zero status" line; an error for an empty file, a wrong field count,
     words instead of numbers, a negative figure. min_timing() keeps each
     figure's minimum.
  2. A real run of the cheapest cell (the hpack shape, g++, -O0, header-only):
     exit 0, a markdown table whose hpack row has numbers (CPU seconds > 0,
     peak MB > 0, stripped KiB > 0, and the nghttp2 reference with a ratio
     and its libnghttp2.so counted in "ref + its .so" when nghttp2's header is
     installed), and --json with the same figures.
  3. The asio_floor shape (Boost.Asio alone, g++, -O0): a row with the
     Boost.Asio program's figures on the reference side and none on h2pb's,
     and no ratio (it keeps benchmarks/compile/asio_floor.cpp compiling).

usage: compile_bench_test.py SOURCE_ROOT
"""
import importlib.util
import json
import pathlib
import re
import subprocess
import sys
import tempfile

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"FAIL: {what}")


def load(path):
    spec = importlib.util.spec_from_file_location("compile_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parsing(cb):
    t = cb.parse_time("1.53 1.20 0.25 151236\n")
    check((t.wall, t.user, t.sys, t.peak_kb) == (1.53, 1.20, 0.25, 151236), f"plain line: {t}")
    check(abs(t.cpu - 1.45) < 1e-9, f"cpu = user + sys: {t.cpu}")
    t = cb.parse_time("Command exited with non-zero status 1\n0.02 0.01 0.00 3400\n")
    check((t.wall, t.peak_kb) == (0.02, 3400), f"after an exit-status line: {t}")
    for bad in ["", "\n\n", "1.0 2.0 3.0\n", "1.0 2.0 3.0 4 5\n", "a b c d\n", "1.0 2.0 0.1 12.5\n",
                "-1.0 0.1 0.1 100\n", "Command terminated by signal 9\n"]:
        try:
            cb.parse_time(bad)
            check(False, f"no error for {bad!r}")
        except cb.TimeOutputError:
            pass
    m = cb.min_timing([cb.Timing(2.0, 1.0, 0.5, 100), cb.Timing(1.5, 1.2, 0.4, 120)])
    check((m.wall, m.user, m.sys, m.peak_kb) == (1.5, 1.0, 0.4, 100), f"min_timing: {m}")


NUMBER = re.compile(r"^\d+(\.\d+)?$")


def run_cell(script, shape, extra=()):
    """Runs compile_bench.py on one cell (shape, g++, -O0, header-only) and
    returns the cells of its one table row for `shape`, or None (a failed
    check says why)."""
    r = subprocess.run([sys.executable, str(script), "--only", shape, "--compilers", "g++",
                        "--opt", "O0", "--modes", "header-only", *extra],
                       capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, f"{shape}: exit {r.returncode}: {r.stderr[-2000:]}")
    rows = [line for line in r.stdout.splitlines() if line.startswith(f"| {shape} |")]
    check(len(rows) == 1, f"one {shape} row expected in:\n{r.stdout}")
    if len(rows) != 1:
        return None
    print(rows[0])
    return [c.strip() for c in rows[0].strip("|").split("|")]


def smoke(script):
    with tempfile.TemporaryDirectory() as tmp:
        out_json = pathlib.Path(tmp) / "r.json"
        cells = run_cell(script, "hpack", ["--json", str(out_json)])
        if cells is None:
            return
        check(cells[1:4] == ["g++", "-O0", "header-only"], f"row's compiler/opt/mode: {cells}")
        check(all(NUMBER.match(c) for c in (cells[4], cells[5], cells[10])),
              f"h2pb CPU, peak MB, stripped KiB are numbers: {cells}")
        check(float(cells[4]) > 0 and float(cells[5]) > 0 and float(cells[10]) > 0,
              f"figures above zero: {cells}")
        if pathlib.Path("/usr/include/nghttp2/nghttp2.h").exists():
            check(cells[6] == "nghttp2" and NUMBER.match(cells[7]) and NUMBER.match(cells[9]),
                  f"nghttp2 reference and a ratio: {cells}")
            # The reference links libnghttp2.so: its size counts in "ref + its .so".
            check(len(cells) == 13 and NUMBER.match(cells[12]) and float(cells[12]) > float(cells[11]),
                  f"ref + its .so above the stripped reference: {cells}")
        data = json.loads(out_json.read_text())
        check(len(data["rows"]) == 1 and data["rows"][0]["h2pb"]["stripped_bytes"] > 0
              and data["rows"][0]["h2pb"]["cpu"] > 0, f"--json rows: {data['rows']}")


def floor(script):
    cells = run_cell(script, "asio_floor")
    if cells is None:
        return
    check(cells[4] == "—" and cells[5] == "—" and cells[9] == "—" and cells[10] == "—",
          f"asio_floor: no h2pb figures and no ratio: {cells}")
    check(cells[6] == "Boost.Asio" and all(NUMBER.match(cells[i]) for i in (7, 8, 11))
          and float(cells[7]) > 0, f"asio_floor: the Boost.Asio program's figures: {cells}")


def main():
    script = pathlib.Path(sys.argv[1]) / "benchmarks/compile/compile_bench.py"
    cb = load(script)
    parsing(cb)
    smoke(script)
    floor(script)
    print("FAILED" if failures else "compile_bench ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
