#!/bin/sh
# The whole test suite, from a fresh Debian 12 machine:
#   1. install missing packages (scripts/install-deps.sh)
#   2. g++ release build: unit tests, real-peer interop tests, consumer test
#   3. clang address+undefined sanitizer build: unit tests again, then each
#      libFuzzer target for a short while (suite "fuzz")
# The last line is "N passed, N failed, N skipped" over every test of both
# builds, after a "skipped: BUILD: TEST: REASON" line per skipped test (the
# reason is the test's own "SKIP: reason" line; scripts/summarize-tests.py).
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
failed_builds=0

scripts/install-deps.sh || exit 1

run_phase() {  # run_phase NAME BUILD_KIND BUILD_DIR MESON_TEST_ARGS...
  name=$1; kind=$2; dir=$3; shift 3
  echo "=== $name"
  if ! scripts/build.sh "$kind"; then
    echo "=== $name: BUILD FAILED"
    failed_builds=$((failed_builds + 1))
    return
  fi
  rm -f "$dir/meson-logs/testlog.json"
  meson test -C "$dir" --no-rebuild --print-errorlogs --num-processes "$(nproc)" "$@" || true
}

run_phase "release build (g++): unit, interop, consumer" release build --no-suite fuzz
run_phase "sanitizer build (clang, address+undefined): unit, fuzz" sanitize build-san --suite unit --suite fuzz

/usr/bin/python3 "$root/scripts/summarize-tests.py" "$failed_builds" build/meson-logs/testlog.json \
  build-san/meson-logs/testlog.json
