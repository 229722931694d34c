#!/usr/bin/python3
"""Counts meson test results over several build directories.

usage: summarize-tests.py FAILED_BUILDS TESTLOG.json...
Prints any failures, then the final line "N passed, N failed". A build that
failed counts as one failure; a missing log (its build failed) adds nothing.
"""
import json
import sys

PASSED = {"OK", "EXPECTEDFAIL"}
FAILED = {"FAIL", "UNEXPECTEDPASS", "TIMEOUT", "ERROR", "INTERRUPT"}

passed = 0
failed = int(sys.argv[1])
skipped = []
failures = []
for path in sys.argv[2:]:
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
    except OSError:
        continue
    for line in lines:
        line = line.strip()
        if not line:
            continue
        rec = json.loads(line)
        where = path.split("/")[0] + ": " + rec["name"]
        if rec["result"] in PASSED:
            passed += 1
        elif rec["result"] in FAILED:
            failed += 1
            failures.append(where + " (" + rec["result"] + ")")
        else:
            skipped.append(where)

for s in skipped:
    print("skipped:", s)
for f in failures:
    print("FAILED:", f)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
