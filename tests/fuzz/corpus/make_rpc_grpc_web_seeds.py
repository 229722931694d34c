#!/usr/bin/python3
"""Writes the seed corpus of tests/fuzz/rpc/grpc_web_fuzz.cpp (rpc_grpc_web/).
Byte 0 is the mode (bit 0 text, bit 1 response parser, bits 2..6 log2 of the
max message size), bytes 1..4 the chunk seed, then a body built from
PROTOCOL-WEB.md: 5-byte-prefixed frames, the trailer frame with flag 0x80 and
"name: value\\r\\n" lines, and for -text the padded base64 of each flush.
Run from anywhere: /usr/bin/python3 tests/fuzz/corpus/make_rpc_grpc_web_seeds.py"""
import base64
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "rpc_grpc_web")


def frame(body, flag=0):
    return bytes([flag]) + struct.pack(">I", len(body)) + body


def seed(mode, body, log2max=16):
    return bytes([mode | (log2max << 2)]) + b"\x01\x02\x03\x04" + body


def text(*flushes):
    return b"".join(base64.b64encode(f) for f in flushes)


TRAILERS = frame(b"grpc-status: 0\r\ngrpc-message: ok\r\n", 0x80)
SEEDS = {
    "request_binary": seed(0, frame(b"hello") + frame(b"")),
    "request_text": seed(1, text(frame(b"hello"))),
    "request_text_segments": seed(1, text(b"\0\0\0\0\5", b"hello")),
    "request_text_unpadded": seed(1, base64.b64encode(frame(b"hello")).rstrip(b"=")),
    "request_text_bad": seed(1, b"AAAA AA=A"),
    "response_binary": seed(2, frame(b"one") + frame(b"two") + TRAILERS),
    "response_text": seed(3, text(frame(b"one"), frame(b"two"), TRAILERS)),
    "response_trailers_only_cut": seed(2, TRAILERS[:9]),
    "response_compressed_trailers": seed(2, frame(b"grpc-status: 0\r\n", 0x81)),
}

os.makedirs(OUT, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
