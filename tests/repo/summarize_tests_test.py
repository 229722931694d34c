#!/usr/bin/python3
"""scripts/summarize-tests.py over made-up testlogs: the counts, each skip with
the reason from its own `SKIP: reason` line (stdout or stderr, the last one
wins), a skip without one flagged, a passing test's indented SKIP line listed
as "partly skipped", failures listed, a failed build counted,
a missing log ignored, and the exit status.

usage: summarize_tests_test.py SUMMARIZE_TESTS_PY
"""
import json
import os
import subprocess
import sys
import tempfile

RECORDS = [
    {"name": "h2pb:unit / a", "result": "OK", "stdout": "All tests passed\n"},
    {"name": "h2pb:unit / b", "result": "EXPECTEDFAIL", "stdout": ""},
    {"name": "h2pb:interop / c", "result": "SKIP",
     "stdout": "SKIP python client_streaming: not this one\nSKIP: all 2 cases skipped\n"},
    {"name": "h2pb:interop / d", "result": "SKIP", "stdout": "",
     "stderr": "SKIP: protoc not found (Debian: protobuf-compiler)\n"},
    {"name": "h2pb:interop / e", "result": "SKIP", "stdout": "no reason here\n"},
    {"name": "h2pb:unit / f", "result": "TIMEOUT", "stdout": "SKIP: not a skip\n"},
    # Passed with a part left out (Catch2 WARN, indented): listed, counted as passed.
    {"name": "h2pb:unit / g", "result": "OK",
     "stdout": "warning:\n  SKIP: ASan build: not counted\n\nAll tests passed\n"},
]

EXPECTED = """\
partly skipped: b1: h2pb:unit / g: ASan build: not counted
skipped: b1: h2pb:interop / c: all 2 cases skipped
skipped: b1: h2pb:interop / d: protoc not found (Debian: protobuf-compiler)
skipped: b1: h2pb:interop / e: (no SKIP: line in the test's output)
FAILED: b1: h2pb:unit / f (TIMEOUT)
3 passed, 2 failed, 3 skipped
"""


def main():
    script = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "b1", "meson-logs"))
        with open(os.path.join(tmp, "b1", "meson-logs", "testlog.json"), "w") as f:
            for r in RECORDS:
                f.write(json.dumps(r) + "\n")
        # One failed build (the 1), one build without a log.
        r = subprocess.run([sys.executable, script, "1", "b1/meson-logs/testlog.json",
                            "b2/meson-logs/testlog.json"], cwd=tmp, capture_output=True, text=True)
        ok = r.stdout == EXPECTED and r.returncode == 1
        # Everything passed: exit 0, zero counts spelled out.
        with open(os.path.join(tmp, "b1", "meson-logs", "testlog.json"), "w") as f:
            f.write(json.dumps(RECORDS[0]) + "\n")
        r2 = subprocess.run([sys.executable, script, "0", "b1/meson-logs/testlog.json"], cwd=tmp,
                            capture_output=True, text=True)
        ok2 = r2.stdout == "1 passed, 0 failed, 0 skipped\n" and r2.returncode == 0
    if not ok:
        print(f"got (exit {r.returncode}):\n{r.stdout}{r.stderr}\nexpected (exit 1):\n{EXPECTED}")
    if not ok2:
        print(f"all passed: got (exit {r2.returncode}):\n{r2.stdout}{r2.stderr}")
    return 0 if ok and ok2 else 1


if __name__ == "__main__":
    sys.exit(main())
