#!/usr/bin/python3
"""Writes the seed corpus of tests/fuzz/rpc/zlib_fuzz.cpp:
tests/fuzz/corpus/rpc_zlib/. Each seed is one octet of limit (max_size =
octet * 64) followed by a message compressed by Python's gzip or zlib module."""
import gzip
import io
import os
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "rpc_zlib")

HELLO = b"hello, gRPC"
ABC = b"abc" * 100


def gzip_named(data):
    b = io.BytesIO()
    with gzip.GzipFile(filename="m.bin", mode="wb", fileobj=b, mtime=0) as f:
        f.write(data)
    return b.getvalue()


SEEDS = {
    "gzip_hello": (1, gzip.compress(HELLO, mtime=0)),
    "gzip_abc300": (4, gzip.compress(ABC, mtime=0)),
    "gzip_abc300_too_large": (2, gzip.compress(ABC, mtime=0)),
    "gzip_empty": (0, gzip.compress(b"", mtime=0)),
    "gzip_fname": (1, gzip_named(HELLO)),
    "deflate_hello": (1, zlib.compress(HELLO)),
    "deflate_stored": (1, zlib.compress(HELLO, 0)),
    "deflate_abc300_l9": (255, zlib.compress(ABC, 9)),
    "deflate_empty": (0, zlib.compress(b"")),
    "deflate_zeros_bomb": (8, zlib.compress(bytes(1 << 20), 9)),
}

os.makedirs(OUT, exist_ok=True)
for name, (limit, body) in SEEDS.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([limit]) + body)
