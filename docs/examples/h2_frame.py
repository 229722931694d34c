#!/usr/bin/python3
"""Cuts one frame out of a recorded HTTP/2 byte stream (a file of hex, as
get_report_capture.py writes), so that the other tools can take it apart:
docs/grpc_call.md hands header blocks to `h2pb hpack decode` and DATA
payloads to `h2pb decode --grpc` this way.

usage: h2_frame.py [--payload | --header] FILE TYPE [N]

Prints the N-th frame (default 1) of type TYPE (DATA, HEADERS, SETTINGS,
...): its 9-octet header on the first line, then its payload, 16 octets per
line. With --header, only the 9-octet header; with --payload, only the
payload, as one word of hex digits (one argument for `h2pb hpack decode`). Only the frame header is read here (RFC
9113 §4.1); checking the frames is `h2pb frames`' job.
"""
import sys

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
TYPES = ["DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY",
         "WINDOW_UPDATE", "CONTINUATION"]

args = sys.argv[1:]
payload_only = "--payload" in args
header_only = "--header" in args
args = [a for a in args if a not in ("--payload", "--header")]
if len(args) not in (2, 3) or args[1] not in TYPES:
    sys.exit(__doc__)
path, wanted, n = args[0], TYPES.index(args[1]), int(args[2]) if len(args) == 3 else 1

data = bytes.fromhex(open(path).read())
pos = len(PREFACE) if data.startswith(PREFACE) else 0
seen = 0
while pos + 9 <= len(data):
    length = int.from_bytes(data[pos:pos + 3], "big")
    header, payload = data[pos:pos + 9], data[pos + 9:pos + 9 + length]
    pos += 9 + length
    if header[3] != wanted:
        continue
    seen += 1
    if seen < n:
        continue
    if payload_only:
        print(payload.hex())
    else:
        print(" ".join(f"{b:02x}" for b in header))
        for i in range(0, 0 if header_only else len(payload), 16):
            print(" ".join(f"{b:02x}" for b in payload[i:i + 16]))
    sys.exit(0)
sys.exit(f"h2_frame.py: {path} has {seen} {args[1]} frame(s), not {n}")
