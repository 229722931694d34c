#!/usr/bin/python3
"""Prints the bytes of two unary gRPC calls on one HTTP/2 connection, as
python-hyper's h2 (the reference implementation used for the docs) writes
them: `client` for what the client sends, `server` for what the server sends.
The calls are AnalyticsService.GetReport of docs/examples/analytics_service.proto.

usage: grpc_call_h2.py client|server [--calls N]
Output: hex, 16 octets per line (what `h2pb frames` reads).
"""
import sys

import h2.config
import h2.connection

side = sys.argv[1] if len(sys.argv) > 1 else "client"
calls = int(sys.argv[sys.argv.index("--calls") + 1]) if "--calls" in sys.argv else 2


def grpc_message(payload):
    """A gRPC Length-Prefixed-Message: flag 0, 4-octet big-endian length."""
    return b"\x00" + len(payload).to_bytes(4, "big") + payload


# ReportRequest { report_id: "r-1" start_timestamp: 1700000000 }
request_message = b"\x0a\x03r-1\x10\x80\xe2\xcf\xaa\x06"
# ReportResponse { report_id: "r-1" }
response_message = b"\x0a\x03r-1"

config = dict(header_encoding=None)
client = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, **config))
server = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, **config))
client.initiate_connection()
server.initiate_connection()
client_bytes = client.data_to_send()
server.receive_data(client_bytes)
server_bytes = server.data_to_send()
client.receive_data(server_bytes)
for i in range(calls):
    sid = 2 * i + 1
    client.send_headers(sid, [
        (b":method", b"POST"), (b":scheme", b"http"), (b":path", b"/analytics.v1.AnalyticsService/GetReport"),
        (b":authority", b"localhost:50051"), (b"content-type", b"application/grpc"), (b"te", b"trailers"),
        (b"grpc-timeout", b"5S"),
    ])
    client.send_data(sid, grpc_message(request_message), end_stream=True)
    out = client.data_to_send()
    client_bytes += out
    server.receive_data(out)
    server.send_headers(sid, [(b":status", b"200"), (b"content-type", b"application/grpc")])
    server.send_data(sid, grpc_message(response_message))
    server.send_headers(sid, [(b"grpc-status", b"0")], end_stream=True)
    out = server.data_to_send()
    server_bytes += out
    client.receive_data(out)
client_bytes += client.data_to_send()  # SETTINGS ACK, WINDOW_UPDATEs

data = client_bytes if side == "client" else server_bytes
for i in range(0, len(data), 16):
    print(" ".join(f"{b:02x}" for b in data[i:i + 16]))
