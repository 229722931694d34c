#!/usr/bin/python3
"""A grpc.testing.TestService server on grpcio: the reference the interop
clients are validated against before they are pointed at `h2pb interop-server`.

Usage: reference_server.py --port N [--host ADDR] [--tls-cert F --tls-key F]

The same command line as `h2pb interop-server`; the first line on stdout is
`listening on HOST:PORT` (with the port actually bound, so --port 0 works).
SIGTERM or SIGINT stop it (exit 0).

It implements the server features of interop-test-descriptions.md ("Server"
section): EmptyCall, UnaryCall (response_size, response_type), CompressedResponse,
CompressedRequest, StreamingInputCall, StreamingOutputCall, FullDuplexCall,
HalfDuplexCall, Echo Status, Echo Metadata and ResponseParameters.interval_us.
UnimplementedCall is left unimplemented on purpose: the unimplemented_method
case expects UNIMPLEMENTED (12), which grpcio's generated base class returns.

CompressedRequest needs the Compressed-Flag of each request message
(PROTOCOL-HTTP2.md, "Length-Prefixed-Message"), which grpcio does not show a
handler (nor the grpc-encoding header). So the server runs with the channel
argument grpc.per_message_decompression = 0: grpc core then hands the handler
each message as it came off the wire, and the request deserializers below tell
compressed from plain by the first octets: gzip (RFC 1952) starts 1f 8b and
zlib "deflate" (RFC 1950) starts 78 with (CMF*256+FLG) % 31 == 0. Neither can
start a plain request message here: 0x1f would be field 3 with the invalid
wire type 7, 0x78 field 15, which no TestService request message has.
"""

import argparse
import zlib
import concurrent.futures
import signal
import sys
import threading
import time

import grpc

import grpc_stubs

empty_pb2, messages_pb2, test_pb2_grpc = grpc_stubs.load()

# Handler threads. Calls beyond this wait in grpcio's queue (so the
# concurrent_unary case with 1,000 calls on one channel still completes); the
# streaming cases hold a thread each for their whole life.
MAX_WORKERS = 64

# Largest message either way: the slow_reader case streams 64 KiB messages and
# large_unary's are ~300 KiB; grpcio's default receive limit is 4 MiB.
MAX_MESSAGE_BYTES = 8 * 1024 * 1024

ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"

STATUS_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}


def payload(size):
    # Payloads of type COMPRESSABLE are zeros (messages.proto, PayloadType).
    return messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=bytes(size))


def echo_metadata(context):
    """Echo Metadata: x-grpc-test-echo-initial back as initial metadata,
    x-grpc-test-echo-trailing-bin back as trailing metadata."""
    initial, trailing = [], []
    for key, value in context.invocation_metadata():
        if key == ECHO_INITIAL:
            initial.append((key, value))
        elif key == ECHO_TRAILING:
            trailing.append((key, value))
    if initial:
        context.send_initial_metadata(initial)
    if trailing:
        context.set_trailing_metadata(trailing)


class Received:
    """A request message and whether it arrived compressed."""

    def __init__(self, message, compressed):
        self.message = message
        self.compressed = compressed


def deserializer(message_type):
    """A request deserializer for message_type that undoes gzip or deflate
    itself (see the module comment) and records whether it had to."""

    def parse(data):
        compressed = False
        if data[:2] == b"\x1f\x8b":
            data, compressed = inflate(data, zlib.MAX_WBITS | 16), True
        elif len(data) >= 2 and data[0] == 0x78 and (data[0] * 256 + data[1]) % 31 == 0:
            data, compressed = inflate(data, zlib.MAX_WBITS), True
        return Received(message_type.FromString(data), compressed)

    return parse


def inflate(data, wbits):
    inflater = zlib.decompressobj(wbits)
    out = inflater.decompress(data, MAX_MESSAGE_BYTES)
    if inflater.unconsumed_tail:
        raise ValueError(f"request inflates beyond {MAX_MESSAGE_BYTES} bytes")
    return out


def check_expect_compressed(received, context):
    """CompressedRequest: a message with expect_compressed true must arrive
    compressed, else INVALID_ARGUMENT; one with expect_compressed false must
    arrive plain (the official servers check both ways)."""
    request = received.message
    if "expect_compressed" in request.DESCRIPTOR.fields_by_name and request.HasField("expect_compressed"):
        if request.expect_compressed.value and not received.compressed:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                          "expect_compressed is set but the request is not compressed")
        if not request.expect_compressed.value and received.compressed:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                          "expect_compressed is false but the request is compressed")


def check_response_type(request, context):
    if request.response_type != messages_pb2.COMPRESSABLE:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                      f"unsupported response_type {request.response_type}")


def echo_status(request, context):
    """Echo Status: close the call with the requested code and message."""
    if request.HasField("response_status") and request.response_status.code != 0:
        code = STATUS_BY_NUMBER.get(request.response_status.code, grpc.StatusCode.UNKNOWN)
        context.abort(code, request.response_status.message)


class TestService:
    """The handlers take Received (message + compressed flag) requests."""

    def EmptyCall(self, received, context):
        echo_metadata(context)
        return empty_pb2.Empty()

    def UnaryCall(self, received, context):
        request = received.message
        echo_metadata(context)
        check_expect_compressed(received, context)
        echo_status(request, context)
        check_response_type(request, context)
        if request.HasField("response_compressed") and request.response_compressed.value:
            context.set_compression(grpc.Compression.Gzip)
        else:
            context.set_compression(grpc.Compression.NoCompression)
        return messages_pb2.SimpleResponse(payload=payload(request.response_size))

    def StreamingInputCall(self, request_iterator, context):
        echo_metadata(context)
        total = 0
        for received in request_iterator:
            check_expect_compressed(received, context)
            total += len(received.message.payload.body)
        return messages_pb2.StreamingInputCallResponse(aggregated_payload_size=total)

    def _respond(self, request, context):
        """The responses one StreamingOutputCallRequest asks for, honouring
        interval_us (a sleep before each response) and per-response compression."""
        check_response_type(request, context)
        for params in request.response_parameters:
            if params.interval_us > 0:
                time.sleep(params.interval_us / 1e6)
            if not context.is_active():
                return
            if params.HasField("compressed") and params.compressed.value:
                context.set_compression(grpc.Compression.Gzip)
            else:
                context.disable_next_message_compression()
            yield messages_pb2.StreamingOutputCallResponse(payload=payload(params.size))

    def StreamingOutputCall(self, received, context):
        echo_metadata(context)
        check_expect_compressed(received, context)
        yield from self._respond(received.message, context)
        echo_status(received.message, context)

    def FullDuplexCall(self, request_iterator, context):
        echo_metadata(context)
        for received in request_iterator:
            check_expect_compressed(received, context)
            echo_status(received.message, context)
            yield from self._respond(received.message, context)

    def HalfDuplexCall(self, request_iterator, context):
        echo_metadata(context)
        requests = list(request_iterator)
        for received in requests:
            check_expect_compressed(received, context)
            echo_status(received.message, context)
            yield from self._respond(received.message, context)


def handlers(service):
    """grpc.testing.TestService's method table, with our own request
    deserializers. UnimplementedCall is absent, so it gets UNIMPLEMENTED."""
    m = messages_pb2
    out = lambda t: t.SerializeToString  # noqa: E731
    table = {
        "EmptyCall": grpc.unary_unary_rpc_method_handler(
            service.EmptyCall, deserializer(empty_pb2.Empty), out(empty_pb2.Empty)),
        "UnaryCall": grpc.unary_unary_rpc_method_handler(
            service.UnaryCall, deserializer(m.SimpleRequest), out(m.SimpleResponse)),
        "StreamingOutputCall": grpc.unary_stream_rpc_method_handler(
            service.StreamingOutputCall, deserializer(m.StreamingOutputCallRequest),
            out(m.StreamingOutputCallResponse)),
        "StreamingInputCall": grpc.stream_unary_rpc_method_handler(
            service.StreamingInputCall, deserializer(m.StreamingInputCallRequest),
            out(m.StreamingInputCallResponse)),
        "FullDuplexCall": grpc.stream_stream_rpc_method_handler(
            service.FullDuplexCall, deserializer(m.StreamingOutputCallRequest),
            out(m.StreamingOutputCallResponse)),
        "HalfDuplexCall": grpc.stream_stream_rpc_method_handler(
            service.HalfDuplexCall, deserializer(m.StreamingOutputCallRequest),
            out(m.StreamingOutputCallResponse)),
    }
    return grpc.method_handlers_generic_handler("grpc.testing.TestService", table)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")

    server = grpc.server(
        concurrent.futures.ThreadPoolExecutor(max_workers=MAX_WORKERS),
        options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                 ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                 ("grpc.per_message_decompression", 0)])
    server.add_generic_rpc_handlers([handlers(TestService())])
    address = f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"
    if args.tls_cert:
        with open(args.tls_key, "rb") as f:
            key = f.read()
        with open(args.tls_cert, "rb") as f:
            cert = f.read()
        port = server.add_secure_port(address, grpc.ssl_server_credentials([(key, cert)]))
    else:
        port = server.add_insecure_port(address)
    if port == 0:
        print(f"reference_server: cannot listen on {address}", file=sys.stderr)
        return 1
    server.start()
    print(f"listening on {args.host}:{port}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1.0):
        pass
    server.stop(grace=1.0).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
