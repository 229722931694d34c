#!/usr/bin/python3
"""Generates grpc C++ stubs for grpc.testing.TestService at build time.

protoc names its outputs after the import path (grpc/testing/test.pb.h for
"grpc/testing/test.proto"), and a meson custom_target cannot declare outputs
in subdirectories. So protoc writes its tree under OUTDIR/gen, and this
script writes flat files meson can declare: one .cc per generated .cc that
includes it, and one header that includes the service header.

usage: gen_stubs.py PROTOC GRPC_CPP_PLUGIN PROTO_ROOT OUTDIR
"""

import os
import subprocess
import sys

PROTOS = ["grpc/testing/empty.proto", "grpc/testing/messages.proto", "grpc/testing/test.proto"]


def write_if_changed(path, text):
    """Leaves an unchanged file alone so its dependants are not rebuilt."""
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except OSError:
        pass
    with open(path, "w") as f:
        f.write(text)


def main():
    protoc, plugin, root, outdir = sys.argv[1:5]
    gen = os.path.join(outdir, "gen")
    os.makedirs(gen, exist_ok=True)
    subprocess.run([protoc, "--plugin=protoc-gen-grpc=" + plugin, "--cpp_out=" + gen, "--grpc_out=" + gen,
                    "-I" + root] + PROTOS, check=True)
    flat = []
    for p in PROTOS:
        stem = p[:-len(".proto")]
        flat.append((os.path.basename(stem) + "_pb.cc", stem + ".pb.cc"))
    flat.append(("test_grpc_pb.cc", "grpc/testing/test.grpc.pb.cc"))
    for name, target in flat:
        write_if_changed(os.path.join(outdir, name), '#include "%s"\n' % target)
    write_if_changed(os.path.join(outdir, "grpc_testing.h"),
                     "#pragma once\n#include \"grpc/testing/test.grpc.pb.h\"\n")


if __name__ == "__main__":
    main()
