#!/bin/sh
# Installs the npm packages of tests/interop/grpc/node (grpc-js and
# proto-loader, the grpc-js interop client's dependencies; connect-es,
# protobuf-es, esbuild and puppeteer-core, the gRPC-Web tests' in
# tests/interop/grpcweb) exactly as pinned by its package-lock.json, with
# `npm ci`, into tests/interop/grpc/node/node_modules.
# Skipped when node_modules already matches the lockfile: after a successful
# install the lockfile is copied to node_modules/.h2pb-lock-stamp, and an equal
# stamp means up to date.
# Needs node >= 20 and npm, and network access the first time.
set -eu

dir=$(cd "$(dirname "$0")/../tests/interop/grpc/node" && pwd)
if ! command -v npm >/dev/null 2>&1; then
  echo "install-npm: npm not found; the grpc-js and gRPC-Web tests will be skipped" >&2
  exit 0
fi
stamp="$dir/node_modules/.h2pb-lock-stamp"
if [ -f "$stamp" ] && cmp -s "$stamp" "$dir/package-lock.json"; then
  echo "install-npm: $dir/node_modules up to date"
  exit 0
fi
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
cp "$dir/package-lock.json" "$stamp"
echo "install-npm: installed $dir/node_modules"
