#!/bin/sh
# Runs a libFuzzer target for a while: new inputs go to a scratch corpus in
# the build tree, the committed seeds are read only.
# usage: run_fuzz.sh FUZZER SCRATCH_CORPUS SEED_CORPUS SECONDS
set -eu
mkdir -p "$2"
exec "$1" -max_total_time="$4" -print_final_stats=1 -artifact_prefix="$2/" "$2" "$3"
