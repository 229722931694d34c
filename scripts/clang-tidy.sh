#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy at the root) over every translation unit of the
# repository: the unit tests, interop tests, fuzz targets, benchmarks, tools,
# the protoc plugin and the documentation examples; the headers they include
# are checked through HeaderFilterRegex (the layer folders, tools/, tests/,
# benchmarks/, docs/ and the plugin's generated *.h2pb.hpp / *.h2pb.grpc.hpp,
# also those generated into the build dir). Subprojects and the sources that
# protoc and grpc_cpp_plugin generate (*.pb.cc) are not ours and are left out.
#
# Usage: scripts/clang-tidy.sh [-j N] [--build DIR] [--fix] [FILTER...]
#   FILTER   a Python regular expression searched in each TU's path relative to
#            the repository root (tests/hpack/, 'wire|hpack', tools/h2pb/main.cpp);
#            a TU is checked when any filter matches. No filter: every TU.
#   -j N     parallel clang-tidy processes (default 2; runs under nice -n 5).
#   --build  the build dir (default build-tidy). Configured when missing with
#            clang (the fuzz targets build only with clang: -Dfuzzing=true) and
#            every part the compile database needs: tests, interop, tools,
#            protoc plugin, benchmarks. An existing dir is reused as it is.
#   --fix    pass --fix to clang-tidy (review the diff; run clang-format after).
# Environment: CLANG_TIDY (default clang-tidy-14, else clang-tidy),
#   BENCHMARKS=auto to configure without requiring Google Benchmark.
#
# The generated headers (protoc-gen-h2pb outputs, protoc stubs, HPACK tables)
# are built first: every custom-command output that is a header or source.
#
# Output: each warning once (a header's warning shows up in every TU that
# includes it; it is printed for the first and counted once), then a summary
# per check and per file. Exit status 0 only when there is no warning and no
# clang-tidy error (a TU that does not compile counts as an error).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=build-tidy
jobs=2
fix=()
filters=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -j) jobs="$2"; shift 2 ;;
    -j*) jobs="${1#-j}"; shift ;;
    --build) build="$2"; shift 2 ;;
    --fix) fix=(--fix); shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) filters+=("$1"); shift ;;
  esac
done
[[ "$build" = /* ]] || build="$root/$build"

tidy=${CLANG_TIDY:-}
if [[ -z "$tidy" ]]; then
  if command -v clang-tidy-14 >/dev/null; then tidy=clang-tidy-14; else tidy=clang-tidy; fi
fi

if [[ ! -f "$build/compile_commands.json" ]]; then
  echo "== configuring $build (clang, fuzzing, tests, interop, tools, plugin, benchmarks)"
  CC=${CC:-clang} CXX=${CXX:-clang++} meson setup "$build" "$root" --buildtype=debug \
    -Dtests=true -Dinterop=true -Dtools=true -Dprotoc_plugin=enabled \
    -Dbenchmarks="${BENCHMARKS:-enabled}" -Dfuzzing=true >"$build.setup.log" 2>&1 ||
    { cat "$build.setup.log"; exit 2; }
fi

echo "== generating headers in $build"
# build.ninja first: after a pull that changed a meson.build, the listing
# below must see the new generated files (and compile_commands.json the new
# units).
ninja -C "$build" build.ninja >/dev/null
mapfile -t generated < <(ninja -C "$build" -t targets all | sed -n 's/: CUSTOM_COMMAND$//p' |
  grep / | grep -E '\.(hpp|h|cc|inc)$' || true)
if [[ ${#generated[@]} -gt 0 ]]; then
  nice -n 5 ninja -C "$build" -j "$jobs" "${generated[@]}" >/dev/null
fi

exec /usr/bin/python3 - "$root" "$build" "$tidy" "$jobs" "${#fix[@]}" "${filters[@]}" <<'PY'
import collections, concurrent.futures, json, os, re, subprocess, sys, time

root, build, tidy, jobs, fix = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] != '0'
filters = [re.compile(f) for f in sys.argv[6:]]

with open(os.path.join(build, 'compile_commands.json')) as f:
    db = json.load(f)
units = []
for entry in db:
    path = os.path.realpath(os.path.join(entry['directory'], entry['file']))
    rel = os.path.relpath(path, root)
    # Ours: inside the repository, outside subprojects/ and build dirs (whose
    # sources are protoc's and grpc_cpp_plugin's *.pb.cc).
    if rel.startswith('..') or rel.startswith('subprojects/') or path.startswith(os.path.realpath(build) + '/'):
        continue
    if filters and not any(f.search(rel) for f in filters):
        continue
    if rel not in units:
        units.append(rel)
units.sort()
if not units:
    print('no translation unit matches', ' '.join(sys.argv[6:]))
    sys.exit(2)
print(f'== clang-tidy ({tidy}) on {len(units)} translation units, {jobs} at a time')

diag = re.compile(r'^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<kind>warning|error): (?P<msg>.*?)(?: \[(?P<check>[^\]]+)\])?$')

def run(rel):
    cmd = ['nice', '-n', '5', tidy, '-p', build, '--quiet'] + (['--fix'] if fix else []) + [os.path.join(root, rel)]
    start = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=root)
    return rel, p.returncode, p.stdout, p.stderr, time.monotonic() - start

seen = {}          # (file, line, col, check) -> first TU
per_check = collections.Counter()
per_file = collections.Counter()
errors = collections.Counter()
failed_units = []
blocks = []

def record(rel, out):
    # A diagnostic block: the warning line and its notes / source excerpt up to
    # the next warning or error.
    block = None
    for line in out.splitlines():
        m = diag.match(line)
        if m:
            path = os.path.realpath(os.path.join(build, m['file'])) if not os.path.isabs(m['file']) else os.path.realpath(m['file'])
            shown = os.path.relpath(path, root)
            if shown.startswith('..'):
                shown = path
            key = (shown, int(m['line']), int(m['col']), m['check'] or m['kind'])
            if key in seen:
                block = None
                continue
            seen[key] = rel
            check = m['check'] or ('clang-diagnostic-error' if m['kind'] == 'error' else 'unknown')
            if m['kind'] == 'error':
                errors[check] += 1
            per_check[check] += 1
            per_file[shown] += 1
            block = [f'{shown}:{m["line"]}:{m["col"]}: {m["kind"]}: {m["msg"]} [{check}]']
            blocks.append(block)
        elif block is not None and line.strip() and not re.match(r'^\d+ warnings? (and \d+ errors? )?generated', line):
            block.append(line)

start = time.monotonic()
with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
    for n, (rel, rc, out, err, secs) in enumerate(pool.map(run, units), 1):
        before = len(blocks)
        record(rel, out)
        if rc != 0 and len(blocks) == before and 'error' in err:
            failed_units.append(rel)
            print(err, file=sys.stderr)
        if rc != 0 and not out and not err:
            failed_units.append(rel)
        new = len(blocks) - before
        print(f'[{n}/{len(units)}] {rel} ({secs:.0f} s){"" if not new else f": {new} new"}', flush=True)
        for block in blocks[before:]:
            print('\n'.join(block), flush=True)

print()
print(f'== summary: {len(units)} translation units in {time.monotonic() - start:.0f} s, '
      f'{sum(per_check.values())} distinct diagnostics ({sum(errors.values())} errors)')
if per_check:
    print('-- per check')
    for check, n in per_check.most_common():
        print(f'{n:6}  {check}')
    print('-- per file')
    for path, n in sorted(per_file.items()):
        print(f'{n:6}  {path}')
if failed_units:
    print('-- clang-tidy failed on')
    for rel in failed_units:
        print('        ' + rel)
sys.exit(1 if per_check or failed_units else 0)
PY
