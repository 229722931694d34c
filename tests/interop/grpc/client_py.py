#!/usr/bin/python3
"""gRPC interop client on grpcio (Python): the cases of
interop-test-descriptions.md, plus concurrent_unary, slow_reader and
cancel_mid_stream. The command line and exit codes follow the contract at the
top of run_clients.py:

  client_py.py --server_host H --server_port P --test_case NAME
               [--use_tls [true|false] --ca_file F --server_host_override NAME]

Exit 0: passed; 1: failed (the reason on stderr); 77: skipped (grpcio cannot
do what the case needs; a SKIP line says why).

What grpcio cannot do, and how the cases cope:
- grpcio does not show the Compressed-Flag of a received message, so
  server_compressed_* check sizes and contents only ("if supported by the
  implementation", say the descriptions).
- grpcio compresses per call (the compression= argument), not per message, so
  client_compressed_streaming (a compressed then an uncompressed message on
  one call) is skipped.
"""

import argparse
import sys
import threading
import time

import grpc

import grpc_stubs

empty_pb2, messages_pb2, test_pb2_grpc = grpc_stubs.load()
m = messages_pb2

SKIP = 77

# Per-call deadline so a hung server fails a case instead of hanging it.
CALL_TIMEOUT_S = 30
# concurrent_unary: calls in flight at once on one channel.
CONCURRENT_CALLS = 1000
# slow_reader: 256 responses of 64 KiB = 16 MiB, with a pause after each read
# so the client's flow-control window fills and the server must wait.
SLOW_READER_MESSAGES = 256
SLOW_READER_MESSAGE_BYTES = 64 * 1024
SLOW_READER_PAUSE_S = 0.002
# Messages up to 16 MiB in total but each well under grpcio's 4 MiB default.

ECHO_INITIAL = ("x-grpc-test-echo-initial", "test_initial_metadata_value")
ECHO_TRAILING = ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab")


class Failure(Exception):
    pass


class Skip(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def zeros(n):
    return m.Payload(body=bytes(n))


def check_payload(payload, size, what):
    check(len(payload.body) == size, f"{what}: payload is {len(payload.body)} bytes, want {size}")
    check(payload.body == bytes(size), f"{what}: payload is not all zeros")


def expect_status(call_fn, code, what):
    try:
        call_fn()
    except grpc.RpcError as e:
        check(e.code() == code, f"{what}: status {e.code()} ({e.details()!r}), want {code}")
        return e
    raise Failure(f"{what}: call succeeded, want {code}")


def large_request(**fields):
    return m.SimpleRequest(response_size=314159, payload=zeros(271828), **fields)


def empty_unary(stub, channel):
    check(stub.EmptyCall(empty_pb2.Empty(), timeout=CALL_TIMEOUT_S) is not None, "no response")


def large_unary(stub, channel):
    check_payload(stub.UnaryCall(large_request(), timeout=CALL_TIMEOUT_S).payload, 314159, "response")


def client_compressed_unary(stub, channel):
    probe = large_request(expect_compressed={"value": True})
    expect_status(lambda: stub.UnaryCall(probe, timeout=CALL_TIMEOUT_S), grpc.StatusCode.INVALID_ARGUMENT,
                  "uncompressed probe with expect_compressed")
    r = stub.UnaryCall(probe, timeout=CALL_TIMEOUT_S, compression=grpc.Compression.Gzip)
    check_payload(r.payload, 314159, "compressed request")
    r = stub.UnaryCall(large_request(expect_compressed={"value": False}), timeout=CALL_TIMEOUT_S,
                       compression=grpc.Compression.NoCompression)
    check_payload(r.payload, 314159, "uncompressed request")


def server_compressed_unary(stub, channel):
    # Compressed-Flag not visible in grpcio: sizes and contents only.
    for flag in (True, False):
        r = stub.UnaryCall(large_request(response_compressed={"value": flag}), timeout=CALL_TIMEOUT_S)
        check_payload(r.payload, 314159, f"response_compressed={flag}")


def client_streaming(stub, channel):
    sizes = [27182, 8, 1828, 45904]
    r = stub.StreamingInputCall(iter([m.StreamingInputCallRequest(payload=zeros(n)) for n in sizes]),
                                timeout=CALL_TIMEOUT_S)
    check(r.aggregated_payload_size == 74922, f"aggregated_payload_size {r.aggregated_payload_size}, want 74922")


def client_compressed_streaming(stub, channel):
    raise Skip("grpcio compresses per call, not per message")


def server_streaming(stub, channel):
    sizes = [31415, 9, 2653, 58979]
    req = m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=n) for n in sizes])
    got = list(stub.StreamingOutputCall(req, timeout=CALL_TIMEOUT_S))
    check(len(got) == 4, f"{len(got)} responses, want 4")
    for i, (r, n) in enumerate(zip(got, sizes)):
        check_payload(r.payload, n, f"response {i}")


def server_compressed_streaming(stub, channel):
    # Compressed-Flag not visible in grpcio: sizes and contents only.
    req = m.StreamingOutputCallRequest(response_parameters=[
        m.ResponseParameters(size=31415, compressed={"value": True}),
        m.ResponseParameters(size=92653, compressed={"value": False})])
    got = list(stub.StreamingOutputCall(req, timeout=CALL_TIMEOUT_S))
    check(len(got) == 2, f"{len(got)} responses, want 2")
    check_payload(got[0].payload, 31415, "response 0")
    check_payload(got[1].payload, 92653, "response 1")


class Requests:
    """A request iterator fed from the test: put() sends, close() half-closes."""

    def __init__(self):
        self._cv = threading.Condition()
        self._items = []
        self._closed = False

    def put(self, item):
        with self._cv:
            self._items.append(item)
            self._cv.notify()

    def close(self):
        with self._cv:
            self._closed = True
            self._cv.notify()

    def __iter__(self):
        return self

    def __next__(self):
        with self._cv:
            while not self._items and not self._closed:
                self._cv.wait()
            if self._items:
                return self._items.pop(0)
            raise StopIteration


def ping_pong(stub, channel):
    pairs = [(31415, 27182), (9, 8), (2653, 1828), (58979, 45904)]
    requests = Requests()
    responses = stub.FullDuplexCall(requests, timeout=CALL_TIMEOUT_S)
    for i, (out, inp) in enumerate(pairs):
        requests.put(m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=out)],
                                                  payload=zeros(inp)))
        check_payload(next(responses).payload, out, f"response {i}")
    requests.close()
    rest = list(responses)
    check(not rest, f"{len(rest)} responses after the fourth")
    check(responses.code() == grpc.StatusCode.OK, f"status {responses.code()}")


def empty_stream(stub, channel):
    got = list(stub.FullDuplexCall(iter([]), timeout=CALL_TIMEOUT_S))
    check(not got, f"{len(got)} responses, want 0")


def timeout_on_sleeping_server(stub, channel):
    requests = Requests()
    requests.put(m.StreamingOutputCallRequest(payload=zeros(27182)))
    call = stub.FullDuplexCall(requests, timeout=0.001)
    expect_status(lambda: list(call), grpc.StatusCode.DEADLINE_EXCEEDED, "FullDuplexCall with 1 ms timeout")
    requests.close()


def cancel_after_begin(stub, channel):
    requests = Requests()
    future = stub.StreamingInputCall.future(requests, timeout=CALL_TIMEOUT_S)
    future.cancel()
    requests.close()
    check(future.cancelled() or future.code() == grpc.StatusCode.CANCELLED, f"status {future.code()}")
    check(future.code() == grpc.StatusCode.CANCELLED, f"status {future.code()}, want CANCELLED")


def cancel_after_first_response(stub, channel):
    requests = Requests()
    call = stub.FullDuplexCall(requests, timeout=CALL_TIMEOUT_S)
    requests.put(m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=31415)],
                                              payload=zeros(27182)))
    check_payload(next(call).payload, 31415, "first response")
    call.cancel()
    requests.close()
    check(call.code() == grpc.StatusCode.CANCELLED, f"status {call.code()}, want CANCELLED")


def custom_metadata(stub, channel):
    metadata = [ECHO_INITIAL, ECHO_TRAILING]

    def check_echo(call, what):
        initial = list(call.initial_metadata())
        trailing = list(call.trailing_metadata())
        check(ECHO_INITIAL in initial, f"{what}: initial metadata {initial} lacks {ECHO_INITIAL}")
        check(ECHO_TRAILING in trailing, f"{what}: trailing metadata {trailing} lacks {ECHO_TRAILING}")

    r, call = stub.UnaryCall.with_call(large_request(), metadata=metadata, timeout=CALL_TIMEOUT_S)
    check_payload(r.payload, 314159, "UnaryCall response")
    check_echo(call, "UnaryCall")
    req = m.StreamingOutputCallRequest(response_parameters=[m.ResponseParameters(size=314159)],
                                       payload=zeros(271828))
    call = stub.FullDuplexCall(iter([req]), metadata=metadata, timeout=CALL_TIMEOUT_S)
    got = list(call)
    check(len(got) == 1, f"FullDuplexCall: {len(got)} responses, want 1")
    check_payload(got[0].payload, 314159, "FullDuplexCall response")
    check_echo(call, "FullDuplexCall")


def _status_echo(stub, message, duplex):
    status = m.EchoStatus(code=2, message=message)
    e = expect_status(lambda: stub.UnaryCall(m.SimpleRequest(response_status=status), timeout=CALL_TIMEOUT_S),
                      grpc.StatusCode.UNKNOWN, "UnaryCall")
    check(e.details() == message, f"UnaryCall: message {e.details()!r}, want {message!r}")
    if duplex:
        req = m.StreamingOutputCallRequest(response_status=status)
        e = expect_status(lambda: list(stub.FullDuplexCall(iter([req]), timeout=CALL_TIMEOUT_S)),
                          grpc.StatusCode.UNKNOWN, "FullDuplexCall")
        check(e.details() == message, f"FullDuplexCall: message {e.details()!r}, want {message!r}")


def status_code_and_message(stub, channel):
    _status_echo(stub, "test status message", duplex=True)


def special_status_message(stub, channel):
    _status_echo(stub, "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n", duplex=False)


def unimplemented_method(stub, channel):
    call = channel.unary_unary("/grpc.testing.TestService/UnimplementedCall",
                               request_serializer=empty_pb2.Empty.SerializeToString,
                               response_deserializer=empty_pb2.Empty.FromString)
    expect_status(lambda: call(empty_pb2.Empty(), timeout=CALL_TIMEOUT_S), grpc.StatusCode.UNIMPLEMENTED,
                  "TestService/UnimplementedCall")


def unimplemented_service(stub, channel):
    other = test_pb2_grpc.UnimplementedServiceStub(channel)
    expect_status(lambda: other.UnimplementedCall(empty_pb2.Empty(), timeout=CALL_TIMEOUT_S),
                  grpc.StatusCode.UNIMPLEMENTED, "UnimplementedService/UnimplementedCall")


def concurrent_unary(stub, channel):
    futures = [stub.UnaryCall.future(m.SimpleRequest(response_size=i % 100, payload=zeros(i % 50)),
                                     timeout=CALL_TIMEOUT_S) for i in range(CONCURRENT_CALLS)]
    for i, f in enumerate(futures):
        try:
            check_payload(f.result().payload, i % 100, f"call {i}")
        except grpc.RpcError as e:
            raise Failure(f"call {i}: status {e.code()} ({e.details()!r})")


def slow_reader(stub, channel):
    req = m.StreamingOutputCallRequest(response_parameters=[
        m.ResponseParameters(size=SLOW_READER_MESSAGE_BYTES) for _ in range(SLOW_READER_MESSAGES)])
    count = 0
    for r in stub.StreamingOutputCall(req, timeout=CALL_TIMEOUT_S):
        check_payload(r.payload, SLOW_READER_MESSAGE_BYTES, f"response {count}")
        count += 1
        time.sleep(SLOW_READER_PAUSE_S)
    check(count == SLOW_READER_MESSAGES, f"{count} responses, want {SLOW_READER_MESSAGES}")


def cancel_mid_stream(stub, channel):
    req = m.StreamingOutputCallRequest(response_parameters=[
        m.ResponseParameters(size=1024, interval_us=10000) for _ in range(1000)])
    call = stub.StreamingOutputCall(req, timeout=CALL_TIMEOUT_S)
    for i in range(3):
        check_payload(next(call).payload, 1024, f"response {i}")
    call.cancel()
    check(call.code() == grpc.StatusCode.CANCELLED, f"status {call.code()}, want CANCELLED")
    check_payload(stub.UnaryCall(m.SimpleRequest(response_size=7), timeout=CALL_TIMEOUT_S).payload, 7,
                  "unary call after the cancel")


CASES = {f.__name__: f for f in [
    empty_unary, large_unary, client_streaming, server_streaming, ping_pong, empty_stream,
    timeout_on_sleeping_server, cancel_after_begin, cancel_after_first_response, custom_metadata,
    status_code_and_message, special_status_message, unimplemented_method, unimplemented_service,
    client_compressed_unary, server_compressed_unary, client_compressed_streaming,
    server_compressed_streaming, concurrent_unary, slow_reader, cancel_mid_stream]}


def parse_bool(text):
    return text.lower() in ("true", "1", "yes")


def main():
    parser = argparse.ArgumentParser(description="gRPC interop client (grpcio)")
    parser.add_argument("--server_host", default="127.0.0.1")
    parser.add_argument("--server_port", type=int, required=True)
    parser.add_argument("--test_case", required=True, choices=sorted(CASES))
    parser.add_argument("--use_tls", nargs="?", const="true", default="false")
    parser.add_argument("--ca_file")
    parser.add_argument("--server_host_override")
    args = parser.parse_args()

    target = f"{args.server_host}:{args.server_port}"
    options = [("grpc.max_receive_message_length", 8 * 1024 * 1024)]
    if parse_bool(args.use_tls):
        root = open(args.ca_file, "rb").read() if args.ca_file else None
        if args.server_host_override:
            options.append(("grpc.ssl_target_name_override", args.server_host_override))
        channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(root), options=options)
    else:
        channel = grpc.insecure_channel(target, options=options)
    stub = test_pb2_grpc.TestServiceStub(channel)
    try:
        CASES[args.test_case](stub, channel)
    except Skip as e:
        print(f"SKIP {args.test_case}: {e}")
        return SKIP
    except Failure as e:
        print(f"FAIL {args.test_case}: {e}", file=sys.stderr)
        return 1
    except grpc.RpcError as e:
        print(f"FAIL {args.test_case}: unexpected status {e.code()} ({e.details()!r})", file=sys.stderr)
        return 1
    finally:
        channel.close()
    print(f"PASS {args.test_case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
