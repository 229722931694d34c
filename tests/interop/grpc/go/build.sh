#!/bin/sh
# Builds the grpc-go interop client and the reference TestService server
# (tests/interop/grpc/go/{client,server}) into OUTDIR, offline, from Debian
# packages only: golang-go (Go 1.19) and golang-google-grpc-dev (grpc-go 1.33),
# in GOPATH mode against /usr/share/gocode.
#
# Debian's grpc-go does not ship google.golang.org/grpc/interop (the official
# case implementations and their generated stubs), and its
# test/grpc_testing/test.proto is an old, reduced copy (no EchoStatus, no
# BoolValue compression fields, no UnimplementedService). So the stubs are
# generated here from the grpc-proto package's protos (the ones h2pb serves)
# with protoc-gen-go 1.3.5 (golang-github-golang-protobuf-1-3-dev, which has the
# grpc plugin built in).
#
# Usage: build.sh OUTDIR   -> OUTDIR/go-interop-client, OUTDIR/go-interop-server
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
protos=/usr/share/grpc-proto

export GO111MODULE=off
export GOPATH="$out/gopath:/usr/share/gocode"
export GOCACHE="$out/gocache"
export GOFLAGS=
export GOPROXY=off
export CGO_ENABLED=0

mkdir -p "$out/gopath/bin"
go build -o "$out/gopath/bin/protoc-gen-go" github.com/golang/protobuf/protoc-gen-go

# All three files are package grpc.testing and carry no go_package option: map
# them to one Go package by import path (the M parameter).
pkg=h2pb/interop/grpc_testing
map="Mgrpc/testing/empty.proto=$pkg,Mgrpc/testing/messages.proto=$pkg,Mgrpc/testing/test.proto=$pkg"
gen="$out/gen"
rm -rf "$gen" "$out/gopath/src/$pkg"
mkdir -p "$gen" "$out/gopath/src/$pkg"
PATH="$out/gopath/bin:$PATH" protoc -I"$protos" \
  --go_out="plugins=grpc,paths=source_relative,$map:$gen" \
  grpc/testing/empty.proto grpc/testing/messages.proto grpc/testing/test.proto
cp "$gen"/grpc/testing/*.pb.go "$out/gopath/src/$pkg/"

cd "$here"
go build -o "$out/go-interop-client" ./client
go build -o "$out/go-interop-server" ./server
echo "built $out/go-interop-client $out/go-interop-server"
