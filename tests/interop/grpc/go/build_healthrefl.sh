#!/bin/sh
# Builds go/healthrefl (grpc-go's health and reflection v1alpha clients,
# Debian's golang-google-grpc-dev in GOPATH mode, offline) into OUTDIR.
#
# Usage: build_healthrefl.sh OUTDIR   -> OUTDIR/go-health-reflection-client
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)

export GO111MODULE=off
export GOPATH="$out/gopath:/usr/share/gocode"
export GOCACHE="$out/gocache"
export GOFLAGS=
export GOPROXY=off
export CGO_ENABLED=0

cd "$here"
go build -o "$out/go-health-reflection-client" ./healthrefl
echo "built $out/go-health-reflection-client"
