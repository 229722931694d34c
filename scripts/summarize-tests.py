#!/usr/bin/python3
"""Counts meson test results over several build directories.

usage: summarize-tests.py FAILED_BUILDS TESTLOG.json...
Prints each skipped test with its reason, then any failures, then the final
line "N passed, N failed, N skipped". A build that failed counts as one
failure; a missing log (its build failed) adds nothing.

A test skips by exiting 77 after printing one line "SKIP: reason" (on stdout
or stderr); the reason shown is the last such line of the test's output as
meson logged it (the testlog's "stdout" and "stderr" fields). A skip without
one shows "(no SKIP: line in the test's output)", which is a bug in the test.

A test that passes but left part of itself out (a case that cannot run in
this build, such as allocation counting under AddressSanitizer) prints a
"SKIP: reason" line too (leading spaces allowed: Catch2 indents its WARN
messages); it counts as passed and is listed as "partly skipped" with each
reason, so nothing is left out silently.
"""
import json
import re
import sys

PASSED = {"OK", "EXPECTEDFAIL"}
FAILED = {"FAIL", "UNEXPECTEDPASS", "TIMEOUT", "ERROR", "INTERRUPT"}
SKIP_LINE = re.compile(r"^[ \t]*SKIP:[ \t]*(.*?)\s*$", re.M)


def skip_reasons(rec):
    """The `SKIP: reason` lines of the test's stdout and stderr, in order,
    each once."""
    reasons = []
    for field in ("stdout", "stderr"):
        for r in SKIP_LINE.findall(rec.get(field) or ""):
            if r and r not in reasons:
                reasons.append(r)
    return reasons


def skip_reason(rec):
    """The last `SKIP: reason` line of the test's stdout and stderr."""
    reasons = skip_reasons(rec)
    return reasons[-1] if reasons else "(no SKIP: line in the test's output)"


def main():
    passed = 0
    failed = int(sys.argv[1])
    skipped = []
    partly = []
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
                for r in skip_reasons(rec):
                    partly.append(where + ": " + r)
            elif rec["result"] in FAILED:
                failed += 1
                failures.append(where + " (" + rec["result"] + ")")
            else:
                skipped.append(where + ": " + skip_reason(rec))

    for s in partly:
        print("partly skipped:", s)
    for s in skipped:
        print("skipped:", s)
    for f in failures:
        print("FAILED:", f)
    print(f"{passed} passed, {failed} failed, {len(skipped)} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
