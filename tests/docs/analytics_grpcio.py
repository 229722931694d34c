#!/usr/bin/python3
"""The article's AnalyticsService on grpcio: a server and a client that do
what docs/examples/analytics_server_full.cpp and analytics_client.cpp do,
written as the article writes them, so that each h2pb program can be run
against a real gRPC library (tests/docs/analytics_test.py).

usage: analytics_grpcio.py server PORT        (0: a free port; prints
                                              "listening on 127.0.0.1:N")
       analytics_grpcio.py client HOST:PORT   (prints what analytics_client
                                              prints, but the interceptor line)

The Python stubs are generated at run time from
docs/examples/analytics_service.proto into a scratch directory: with
`python3 -m grpc_tools.protoc` when grpcio-tools is installed, else with
protoc and /usr/bin/grpc_python_plugin (Debian protobuf-compiler-grpc).
Exit status 77 (skip) when neither is there.
"""
import atexit
import collections
import importlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent import futures

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.join(HERE, "..", "..", "docs", "examples")
PYTHON_PLUGIN = "/usr/bin/grpc_python_plugin"

# The same data and rules as analytics_server_full.cpp.
STORED_EVENTS = [
    ("abc123", "click", 1710000000),
    ("abd456", "view", 1720000000),
    ("abe789", "click", 1730000000),
    ("abf012", "purchase", 1740000000),
]
EVENT_PACE = 0.1  # seconds between streamed events
MIN_TIME_FOR_REPORT = 0.02
CLASSES = {"purchase": ("conversion", 0.95), "page_view": ("browsing", 0.80),
           "click": ("interaction", 0.70)}
TOKEN = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbmFseXRpY3MtY2xpZW50In0.c2lnbmF0dXJl"


def load_stubs():
    """Returns (analytics_service_pb2, analytics_service_pb2_grpc), generated afresh."""
    out = tempfile.mkdtemp(prefix="analytics-stubs-")
    atexit.register(shutil.rmtree, out, True)
    try:
        import grpc_tools  # noqa: F401  (grpcio-tools, if installed)
        cmd = [sys.executable, "-m", "grpc_tools.protoc"]
    except ImportError:
        for tool in ("protoc", PYTHON_PLUGIN):
            if shutil.which(tool) is None:
                print(f"SKIP: {tool} not found (Debian: protobuf-compiler, protobuf-compiler-grpc)")
                sys.exit(77)
        cmd = ["protoc", f"--plugin=protoc-gen-grpc_python={PYTHON_PLUGIN}"]
    subprocess.run(cmd + [f"-I{PROTO_DIR}", f"--python_out={out}", f"--grpc_python_out={out}",
                          "analytics_service.proto"], check=True)
    sys.path.insert(0, out)
    return (importlib.import_module("analytics_service_pb2"),
            importlib.import_module("analytics_service_pb2_grpc"))


pb, pb_grpc = load_stubs()


# ------------------------------------------------------------------ server

class AuthInterceptor(grpc.ServerInterceptor):
    """The article's AuthInterceptor, for all four kinds of method."""

    def intercept_service(self, continuation, handler_call_details):
        metadata = dict(handler_call_details.invocation_metadata)
        token = metadata.get("authorization", "")
        if not self._validate_token(token):
            handler = continuation(handler_call_details)

            def abort(ignored_request, context):
                context.abort(grpc.StatusCode.UNAUTHENTICATED, "Invalid or missing auth token")
            if handler is None:
                return None
            if handler.request_streaming and handler.response_streaming:
                return grpc.stream_stream_rpc_method_handler(abort)
            if handler.request_streaming:
                return grpc.stream_unary_rpc_method_handler(abort)
            if handler.response_streaming:
                return grpc.unary_stream_rpc_method_handler(abort)
            return grpc.unary_unary_rpc_method_handler(abort)
        return continuation(handler_call_details)

    def _validate_token(self, token: str) -> bool:
        return token.startswith("Bearer ") and len(token) > 50


class AnalyticsServiceServicer(pb_grpc.AnalyticsServiceServicer):
    def __init__(self, downstream):
        self.downstream = downstream  # a stub for the events store

    def StreamEvents(self, request, context):
        for event_id, event_type, ts in STORED_EVENTS:
            if request.event_type and request.event_type != event_type:
                continue
            time.sleep(EVENT_PACE)
            # Check if the client has cancelled
            if context.is_active() is False:
                print("StreamEvents: the caller gave up", flush=True)
                return
            yield pb.Event(event_id=event_id, event_type=event_type, timestamp=ts)

    def GetReport(self, request, context):
        if not request.report_id:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "report_id is empty")
        remaining = context.time_remaining()
        if remaining is not None and remaining < MIN_TIME_FOR_REPORT:
            context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "no time left for a report")
        token = dict(context.invocation_metadata()).get("authorization", "")
        response = pb.ReportResponse(report_id=request.report_id)
        try:
            # The downstream call inherits the time that remains.
            for e in self.downstream.StreamEvents(pb.EventFilter(), timeout=remaining,
                                                  metadata=[("authorization", token)]):
                if request.start_timestamp <= e.timestamp < request.end_timestamp:
                    response.events.append(e)
        except grpc.RpcError as e:
            print(f"GetReport: downstream StreamEvents ended {e.code().name}", flush=True)
            context.abort(e.code(), e.details())
        return response

    def UploadBatch(self, request_iterator, context):
        return pb.BatchSummary(received=sum(1 for _ in request_iterator))

    def ProcessPipeline(self, request_iterator, context):
        for event in request_iterator:
            event_id, _, event_type = event.payload.decode().partition(" ")
            category, confidence = CLASSES.get(event_type, ("unknown", 0.0))
            yield pb.ProcessedEvent(event_id=event_id, category=category, confidence=confidence)


def serve(port):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=10),
                         interceptors=[AuthInterceptor()])
    port = server.add_insecure_port(f"127.0.0.1:{port}")
    with grpc.insecure_channel(f"127.0.0.1:{port}") as store:
        pb_grpc.add_AnalyticsServiceServicer_to_server(
            AnalyticsServiceServicer(pb_grpc.AnalyticsServiceStub(store)), server)
        server.start()
        print(f"listening on 127.0.0.1:{port}", flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        stop.wait()
        server.stop(5).wait()
    print("stopped", flush=True)


# ------------------------------------------------------------------ client

class _Details(collections.namedtuple(
        "_Details", ("method", "timeout", "metadata", "credentials", "wait_for_ready",
                     "compression")), grpc.ClientCallDetails):
    pass


class TokenInterceptor(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
                       grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Attaches the `authorization` token to every call of the channel."""

    def _add(self, d):
        md = list(d.metadata or []) + [("authorization", TOKEN)]
        return _Details(d.method, d.timeout, md, d.credentials, d.wait_for_ready, d.compression)

    def intercept_unary_unary(self, continuation, d, request):
        return continuation(self._add(d), request)

    def intercept_unary_stream(self, continuation, d, request):
        return continuation(self._add(d), request)

    def intercept_stream_unary(self, continuation, d, request_iterator):
        return continuation(self._add(d), request_iterator)

    def intercept_stream_stream(self, continuation, d, request_iterator):
        return continuation(self._add(d), request_iterator)


def print_event(e):
    print(f"  [{e.event_type}] {e.event_id} at {e.timestamp}")


def client(target):
    with grpc.insecure_channel(target) as plain:
        channel = grpc.intercept_channel(plain, TokenInterceptor())
        stub = pb_grpc.AnalyticsServiceStub(channel)

        request = pb.ReportRequest(report_id="weekly", start_timestamp=1710000000,
                                   end_timestamp=1730000000)
        report = stub.GetReport(request, timeout=5.0)
        print(f"GetReport {report.report_id}: {len(report.events)} events")
        for e in report.events:
            print_event(e)
        try:
            stub.GetReport(request, timeout=0.15)
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                print("GetReport with 150 ms: Call timed out!")

        events = stub.StreamEvents(pb.EventFilter())
        seen = 0
        try:
            for e in events:
                print_event(e)
                seen += 1
                if seen == 3:
                    events.cancel()
        except grpc.RpcError:
            pass
        print(f"StreamEvents: {seen} events, then {events.code().name}")

        def readings():
            for i in range(1, 6):
                yield pb.RawEvent(payload=f"sensor_042 reading {i}".encode())
        summary = stub.UploadBatch(readings())
        print(f"UploadBatch: sent 5, server received {summary.received}")

        def event_generator():
            for e in ("e001 purchase", "e002 page_view", "e003 click"):
                yield pb.RawEvent(payload=e.encode())
        results = stub.ProcessPipeline(event_generator())
        for r in results:
            print(f"  [{r.event_id}] -> {r.category} (confidence: {r.confidence:.2f})")
        print(f"ProcessPipeline: {results.code().name}")

        try:
            pb_grpc.AnalyticsServiceStub(plain).GetReport(pb.ReportRequest(report_id="weekly"))
            print("without a token: OK")
        except grpc.RpcError as e:
            print(f"without a token: {e.code().name}: {e.details()}")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("server", "client"):
        print(__doc__)
        sys.exit(2)
    if sys.argv[1] == "server":
        serve(int(sys.argv[2]))
    else:
        client(sys.argv[2])
