"""Generates the Python protobuf and grpcio stubs for grpc.testing.TestService.

The interop protos come from Debian's grpc-proto package
(/usr/share/grpc-proto/grpc/testing/{test,messages,empty}.proto). The stubs are
generated at run time into a scratch directory, never committed: protoc
--python_out for the messages and /usr/bin/grpc_python_plugin (Debian
protobuf-compiler-grpc) for the service stubs. protoc takes a fraction of a
second, so every process generates its own copy in a temporary directory that
is removed at exit.

The generated modules belong to the protobuf package grpc.testing, so they
import each other as `from grpc.testing import ...`: that package name lies
inside grpcio's own `grpc` package. grpcio ships no grpc/testing (that is the
separate grpcio-testing distribution), so appending the scratch grpc/ folder
to grpc.__path__ makes grpc.testing resolve to the generated code.
"""

import atexit
import importlib
import shutil
import subprocess
import sys
import tempfile

import grpc

PROTO_ROOT = "/usr/share/grpc-proto"
PROTOS = ["grpc/testing/empty.proto", "grpc/testing/messages.proto", "grpc/testing/test.proto"]
PYTHON_PLUGIN = "/usr/bin/grpc_python_plugin"


def load():
    """Returns the modules (empty_pb2, messages_pb2, test_pb2_grpc), generated afresh."""
    for tool in ("protoc", PYTHON_PLUGIN):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} not found (Debian: protobuf-compiler, protobuf-compiler-grpc)")
            sys.exit(77)
    out = tempfile.mkdtemp(prefix="grpc-testing-stubs-")
    atexit.register(shutil.rmtree, out, True)
    subprocess.run(
        ["protoc", f"-I{PROTO_ROOT}", f"--python_out={out}", f"--grpc_python_out={out}",
         f"--plugin=protoc-gen-grpc_python={PYTHON_PLUGIN}"] + PROTOS,
        check=True)
    grpc.__path__.append(f"{out}/grpc")
    return (importlib.import_module("grpc.testing.empty_pb2"),
            importlib.import_module("grpc.testing.messages_pb2"),
            importlib.import_module("grpc.testing.test_pb2_grpc"))
