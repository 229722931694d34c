#!/usr/bin/python3
"""One unary call of AnalyticsService.GetReport (analytics_service.proto)
over h2c, with python-hyper's h2 as the client, recording every byte each
side sent: docs/grpc_call.md takes the two recordings apart.

usage: get_report_capture.py HOST:PORT OUTDIR

Writes OUTDIR/client.hex (what the client sent) and OUTDIR/server.hex (what
the server sent), 16 octets of hex per line (what `h2pb frames` reads), and
prints the call's outcome. The bytes depend on nothing but the two programs:
the request names the server "localhost:50051" in :authority whatever port
it dials, sends a fixed grpc-timeout, and the client waits for the server's
SETTINGS and the acknowledgment of its own before it starts the call, so the
frames always come in the same order.
"""
import os
import socket
import sys

import h2.config
import h2.connection
import h2.events

address, outdir = sys.argv[1], sys.argv[2]
host, port = address.rsplit(":", 1)

# ReportRequest { report_id: "r-1" start_timestamp: 1700000000 end_timestamp: 1715000000 }
# (encoded by hand: see docs/grpc_call.md, where protoc encodes it too)
request_message = (b"\x0a\x03r-1"                 # field 1, LEN 3: "r-1"
                   b"\x10\x80\xe2\xcf\xaa\x06"     # field 2, VARINT 1700000000
                   b"\x18\xc0\xa5\xe3\xb1\x06")    # field 3, VARINT 1715000000


def grpc_message(payload):
    """A gRPC Length-Prefixed-Message: flag 0, 4-octet big-endian length."""
    return b"\x00" + len(payload).to_bytes(4, "big") + payload


sent = bytearray()
received = bytearray()
sock = socket.create_connection((host, int(port)), timeout=10)
conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding=None))


def flush():
    out = conn.data_to_send()
    if out:
        sent.extend(out)
        sock.sendall(out)


def receive_until(done):
    """Reads and hands bytes to h2 until done(event) is true for an event."""
    while True:
        data = sock.recv(65536)
        if not data:
            raise SystemExit("the server closed the connection")
        received.extend(data)
        finished = False
        for event in conn.receive_data(data):
            events.append(event)
            finished = finished or done(event)
        flush()  # SETTINGS ACK, WINDOW_UPDATE
        if finished:
            return


events = []
conn.initiate_connection()  # preface + SETTINGS
flush()
# The server's SETTINGS, then its ACK of ours: the connection is set up.
receive_until(lambda e: isinstance(e, h2.events.SettingsAcknowledged))

sid = conn.get_next_available_stream_id()
conn.send_headers(sid, [
    (b":method", b"POST"), (b":scheme", b"http"), (b":path", b"/analytics.v1.AnalyticsService/GetReport"),
    (b":authority", b"localhost:50051"), (b"grpc-timeout", b"5S"), (b"content-type", b"application/grpc"),
    (b"te", b"trailers"),
])
conn.send_data(sid, grpc_message(request_message), end_stream=True)
flush()
receive_until(lambda e: isinstance(e, h2.events.StreamEnded) and e.stream_id == sid)
sock.close()

headers, trailers, body = [], [], b""
for e in events:
    if isinstance(e, h2.events.ResponseReceived):
        headers = e.headers
    elif isinstance(e, h2.events.TrailersReceived):
        trailers = e.headers
    elif isinstance(e, h2.events.DataReceived):
        body += e.data


def write_hex(name, data):
    with open(os.path.join(outdir, name), "w") as f:
        for i in range(0, len(data), 16):
            f.write(" ".join(f"{b:02x}" for b in data[i:i + 16]) + "\n")


os.makedirs(outdir, exist_ok=True)
write_hex("client.hex", sent)
write_hex("server.hex", received)
status = dict(trailers).get(b"grpc-status", b"?").decode()
print(f"sent {len(sent)} octets, received {len(received)}; "
      f"response {len(body)} octets of DATA, grpc-status {status}")
