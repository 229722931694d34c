#!/usr/bin/python3
"""Writes the seed corpora of tests/fuzz/rpc/server_call_fuzz.cpp (rpc_server_call/)
and client_call_fuzz.cpp (rpc_client_call/). Header sections are text lines
"name: value" as the targets read them, with the fields of PROTOCOL-HTTP2.md's
Request-Headers / Response-Headers / Trailers; messages use its 5-byte prefix.
Run from anywhere: /usr/bin/python3 tests/fuzz/corpus/make_rpc_call_seeds.py"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def msg(body, compressed=False):
    return bytes([1 if compressed else 0]) + struct.pack(">I", len(body)) + body


def lines(fields):
    return b"".join(n + b": " + v + b"\n" for n, v in fields) + b"\n"


REQUEST = [(b":method", b"POST"), (b":scheme", b"http"), (b":path", b"/helloworld.Greeter/SayHello"),
           (b":authority", b"localhost"), (b"content-type", b"application/grpc"), (b"te", b"trailers")]


def write(directory, name, data):
    os.makedirs(os.path.join(HERE, directory), exist_ok=True)
    with open(os.path.join(HERE, directory, name), "wb") as f:
        f.write(data)


def server(name, mode, fields, stream):
    write("rpc_server_call", name, bytes([mode]) + b"\x12\x34\x56\x78" + lines(fields) + stream)


def client(name, mode, headers, stream, trailers):
    write("rpc_client_call", name, bytes([mode]) + b"\x12\x34\x56\x78" + struct.pack(">H", len(stream))
          + lines(headers) + stream + lines(trailers))


# log2 max message size 12 (4 KiB) in the low bits, echo (bit 5) on.
server("unary", 12 | 32, REQUEST, msg(b"hello"))
server("streaming", 12 | 32, REQUEST + [(b"grpc-timeout", b"100m")], msg(b"a") + msg(b"") + msg(b"b" * 40))
server("compressed", 12 | 32 | 128, REQUEST + [(b"grpc-encoding", b"rev")], msg(b"olleh", True) + msg(b"x"))
server("metadata", 12, REQUEST + [(b"x-id", b"42"), (b"trace-bin", b"Zm9vYg"), (b"grpc-accept-encoding", b"rev")],
       msg(b"m"))
server("bad_method", 12, [(b":method", b"GET")] + REQUEST[1:], b"")
server("bad_encoding", 12, REQUEST + [(b"grpc-encoding", b"gzip")], msg(b"z", True))
server("too_large", 2, REQUEST, msg(b"0123456789"))
server("reset", 12 | 64, REQUEST, msg(b"hello")[:7])

RESPONSE = [(b":status", b"200"), (b"content-type", b"application/grpc")]
OK = [(b"grpc-status", b"0")]
client("unary", 12, RESPONSE, msg(b"hello"), OK)
client("trailers_only", 12 | 16, RESPONSE + [(b"grpc-status", b"12"), (b"grpc-message", b"unknown%20method")], b"", [])
client("compressed", 12 | 128, RESPONSE + [(b"grpc-encoding", b"rev")], msg(b"olleh", True), OK + [(b"x-bin", b"AAE=")])
client("http_503", 12 | 16, [(b":status", b"503"), (b"content-type", b"text/html")], b"", [])
client("no_trailers", 12 | 32 | 64, RESPONSE, msg(b"a") + msg(b"b"), [])
client("error_details", 12, RESPONSE, b"", [(b"grpc-status", b"5"), (b"grpc-message", b"no%20such"),
                                            (b"grpc-status-details-bin", b"CAUSB25vIHN1Y2g")])
