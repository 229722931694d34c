#!/bin/sh
# Installs what h2pb needs to build and test on Debian 12, and nothing else:
# only packages that are missing, so a second run is quick. Needs root or sudo.
set -eu

packages="
  g++ meson ninja-build pkg-config clang libclang-rt-14-dev clang-format clang-tidy
  catch2 libbenchmark-dev
  libprotobuf-dev libprotoc-dev protobuf-compiler python3 python3-protobuf
  libnghttp2-dev nghttp2-client nghttp2-server curl
  libboost-dev libssl-dev openssl zlib1g-dev
  python3-h2 python3-grpcio libgrpc++-dev protobuf-compiler-grpc grpc-proto
  golang-go golang-google-grpc-dev
  chromium
"

missing=""
for p in $packages; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -n "$missing" ]; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  echo "install-deps: installing$missing"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
echo "install-deps: all packages present"

# npm packages of the grpc-js interop client, pinned by its lockfile.
"$(dirname "$0")/install-npm.sh"
