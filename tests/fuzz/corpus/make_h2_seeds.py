#!/usr/bin/python3
"""Writes the seed corpora of the h2 fuzz targets (tests/fuzz/h2/):
h2_frame/ (frames alone), h2_server/ (what a client sends after its preface),
h2_client/ (what a server sends). Frames are built from the RFC 9113 layouts;
header blocks use HPACK static table entries (RFC 7541 Appendix A).
Run from anywhere: /usr/bin/python3 tests/fuzz/corpus/make_h2_seeds.py"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload


DATA, HEADERS, PRIORITY, RST, SETTINGS, PUSH, PING, GOAWAY, WU, CONT = range(10)
GET = b"\x82\x87\x84\x41\x0bexample.com"           # :method GET :scheme https :path / :authority
POST = b"\x83\x87\x44\x05/echo\x5f\x10application/grpc\x40\x02te\x08trailers"
STATUS_200 = b"\x88\x5f\x10application/grpc"
TRAILERS = b"\x40\x0bgrpc-status\x010"


def settings(*pairs):
    return frame(SETTINGS, 0, 0, b"".join(struct.pack(">HI", i, v) for i, v in pairs))


def write(directory, name, data):
    os.makedirs(os.path.join(HERE, directory), exist_ok=True)
    with open(os.path.join(HERE, directory, name), "wb") as f:
        f.write(data)


frames = {
    "data": frame(DATA, 1, 1, b"hello"),
    "data_padded": frame(DATA, 0x08, 1, b"\x03abc\x00\x00\x00"),
    "headers": frame(HEADERS, 0x05, 1, GET),
    "headers_priority_padded": frame(HEADERS, 0x2c, 3, b"\x02\x80\x00\x00\x01\x10" + GET + b"\x00\x00"),
    "priority": frame(PRIORITY, 0, 5, b"\x00\x00\x00\x03\x10"),
    "rst_stream": frame(RST, 0, 1, b"\x00\x00\x00\x08"),
    "settings": settings((1, 4096), (3, 100), (4, 65535), (5, 16384), (6, 16384)),
    "settings_ack": frame(SETTINGS, 1, 0),
    "push_promise": frame(PUSH, 0x04, 1, b"\x00\x00\x00\x02" + GET),
    "ping": frame(PING, 0, 0, b"12345678"),
    "goaway": frame(GOAWAY, 0, 0, b"\x00\x00\x00\x01\x00\x00\x00\x00debug"),
    "window_update": frame(WU, 0, 0, b"\x00\x01\x00\x00"),
    "continuation": frame(CONT, 0x04, 1, b"\x84"),
    "unknown": frame(0xee, 0xff, 7, b"ext"),
}
for name, data in frames.items():
    write("h2_frame", name, b"\x00" + data)
    write("h2_frame", name + "_big", b"\x01" + data)

# What a client sends after its preface and SETTINGS (two control octets first:
# salt, chunk size).
server_seeds = {
    "get": settings() + frame(SETTINGS, 1, 0) + frame(HEADERS, 0x05, 1, GET),
    "post_with_trailers": frame(SETTINGS, 1, 0) + frame(HEADERS, 0x04, 1, POST) + frame(DATA, 0, 1, b"\x00\x00\x00\x00\x03abc")
    + frame(HEADERS, 0x05, 1, TRAILERS),
    "split_block": frame(HEADERS, 0x01, 1, GET[:3]) + frame(CONT, 0, 1, GET[3:6]) + frame(CONT, 0x04, 1, GET[6:]),
    "many_streams": b"".join(frame(HEADERS, 0x05, 2 * i + 1, GET) for i in range(12)),
    "reset_and_ping": frame(HEADERS, 0x04, 1, GET) + frame(RST, 0, 1, b"\x00\x00\x00\x08") + frame(PING, 0, 0, b"abcdefgh")
    + frame(WU, 0, 0, b"\x00\x00\x10\x00"),
    "padded_data": frame(HEADERS, 0x04, 1, POST) + frame(DATA, 0x09, 1, b"\x02xy\x00\x00"),
    "settings_window": settings((4, 10), (5, 20000)) + frame(HEADERS, 0x05, 1, GET) + frame(WU, 0, 1, b"\x00\x00\x01\x00"),
    "goaway": frame(HEADERS, 0x05, 1, GET) + frame(GOAWAY, 0, 0, b"\x00\x00\x00\x01\x00\x00\x00\x00"),
}
for i, (name, data) in enumerate(server_seeds.items()):
    write("h2_server", name, bytes([i * 37 % 256, i * 13 % 64]) + data)

# What a server sends to a client with streams 1, 3 and 5 open.
client_seeds = {
    "response": settings((3, 100)) + frame(SETTINGS, 1, 0) + frame(HEADERS, 0x04, 1, STATUS_200)
    + frame(DATA, 0, 1, b"\x00\x00\x00\x00\x02hi") + frame(HEADERS, 0x05, 1, TRAILERS),
    "window_updates": settings((4, 1000000)) + frame(WU, 0, 0, b"\x00\x10\x00\x00") + frame(WU, 0, 5, b"\x00\x10\x00\x00"),
    "goaway_retry": settings() + frame(GOAWAY, 0, 0, b"\x00\x00\x00\x01\x00\x00\x00\x00"),
    "informational": settings() + frame(HEADERS, 0x04, 1, b"\x08\x03103") + frame(HEADERS, 0x05, 1, STATUS_200),
    "reset": settings() + frame(RST, 0, 3, b"\x00\x00\x00\x07") + frame(PING, 1, 0, b"\x00" * 8),
    "table_size": settings((1, 0)) + frame(SETTINGS, 1, 0) + frame(HEADERS, 0x05, 1, b"\x20" + STATUS_200),
}
for i, (name, data) in enumerate(client_seeds.items()):
    write("h2_client", name, bytes([i * 53 % 256, i * 7 % 64]) + data)
