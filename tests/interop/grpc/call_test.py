#!/usr/bin/python3
"""h2pb call (the grpcurl-like client) against real gRPC servers.

Usage: call_test.py H2PB PROTO_ROOT (--proto | --reflect) [--tls SCRATCH]
                    -- SERVER_CMD [ARG...]

SERVER_CMD gets `--port 0` (and --tls-cert/--tls-key with --tls); its first
line is `listening on HOST:PORT` or `PORT N`. The --proto suite runs against
each real library's TestService: grpcio (reference_server.py), grpc++
(server_cpp.cpp) and grpc-js (node/server.js); issue 11 counts a feature done
when they all agree with it.

--proto: the schema comes from grpc/testing/test.proto (h2pb call --proto,
compiled by protoc); the server is grpc.testing.TestService in full (grpcio's
reference_server.py). Checked:
  * unary: UnaryCall with a JSON request; the printed JSON, parsed by
    libprotobuf's JSON parser (google.protobuf.json_format), equals the
    SimpleResponse the server makes for that request
    (interop-test-descriptions.md: a payload of response_size zeros), field
    by field; -d @FILE and -d @ (stdin) give the same;
  * server streaming: StreamingOutputCall, one JSON object per response,
    each with the size asked for; --format json-compact prints one per line;
  * client streaming: StreamingInputCall with several JSON objects in -d,
    one message each: aggregated_payload_size is the sum of their bodies;
  * bidi: FullDuplexCall, one response per request, in order;
  * an error status (the server echoes SimpleRequest.response_status):
    exit status 64 + code, "Code: NotFound" and the message on stderr;
  * -v with -H: the request metadata, the echoed initial metadata in the
    response headers, the trailers, the message counts;
  * -H 'NAME-bin: BASE64': the value is base64 (standard or URL-safe, padded
    or not, as grpcurl's decode takes it) and the octets it encodes are
    sent: the server echoes x-grpc-test-echo-trailing-bin in its trailers
    (interop-test-descriptions.md, custom_metadata) and -v prints -bin
    values as padded standard base64 (grpcurl's MetadataToString); a value
    that is not base64 is a usage error (exit 2);
  * --deadline: a StreamingOutputCall whose response waits (interval_us)
    longer than the deadline ends DEADLINE_EXCEEDED (exit 64 + 4) about when
    the deadline passes, and --trace shows the grpc-timeout request header
    (PROTOCOL-HTTP2.md: Timeout → TimeoutValue TimeoutUnit, at most 8
    digits);
  * --trace: the call's frames, HPACK fields, gRPC messages and protobuf
    fields (named by the schema) on stderr, the response still right;
  * list and describe against the .proto as libprotobuf reads it
    (test_pb2's descriptors): the service names, the methods, each field of
    a message as "TYPE name = NUMBER;", a streaming method's signature, an
    enum's values; an unknown method is a local error (exit 1).
--reflect: the schema from the server's reflection service; list must name
  grpc.testing.TestService, describe its UnaryCall, and a UnaryCall's
  response must again equal the expected message. The reflection exchange
  and the call share one connection, as grpcurl's do: checked through
  `h2pb trace --json --max-connections 1` between the tool and the server
  (both :paths on connection 1, and no second connection).
--tls SCRATCH: the server gets a certificate of a throwaway CA
  (run_clients.make_certificates, made in SCRATCH), valid for
  foo.test.google.fr and 127.0.0.1. Checked: a UnaryCall and a
  StreamingOutputCall with --ca (verified); --insecure without the CA; the
  default (TLS, verified against the system's CAs only) fails before any
  call with a certificate verification error (exit 1, not a status);
  --authority foo.test.google.fr with --ca passes (the name the certificate
  has, and SNI), --authority wrong.example fails verification. None of the
  interop servers echoes :authority, so what is sent as :authority is not
  checked here.
"""
import base64
import json
import os
import shutil
import re
import subprocess
import sys
import tempfile
import time

import grpc_stubs
from run_clients import TLS_NAME, make_certificates
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from peers import start_listening, stop_process  # noqa: E402

START_TIMEOUT_S = 30
CALL_TIMEOUT_S = 60

empty_pb2, messages_pb2, test_pb2_grpc = grpc_stubs.load()
from google.protobuf import json_format  # noqa: E402  (after the stubs: same protobuf)
import importlib  # noqa: E402

test_pb2 = importlib.import_module("grpc.testing.test_pb2")

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    return cond


def start_server(cmd):
    # stdin stays open (a pipe): the reflection server quits at its end.
    proc, _, port = start_listening(cmd + ["--port", "0"], "call_test: the server", START_TIMEOUT_S,
                                    stdin=subprocess.PIPE)
    return proc, port


class Caller:
    def __init__(self, h2pb, target, schema_args, transport=("--plaintext",)):
        self.h2pb, self.target, self.schema_args = h2pb, target, schema_args
        self.transport = list(transport)

    def __call__(self, *args, data=None, stdin=None):
        cmd = [self.h2pb, "call"] + self.transport + self.schema_args
        if data is not None:
            cmd += ["-d", data]
        cmd += list(args[:-1]) + [self.target, args[-1]] if args else [self.target]
        r = subprocess.run(cmd, input=stdin, capture_output=True, timeout=CALL_TIMEOUT_S)
        return r.returncode, r.stdout.decode(), r.stderr.decode()

    def tail(self, *words, data=None):
        """`h2pb call [schema] TARGET WORDS...` (list / describe)."""
        cmd = [self.h2pb, "call"] + self.transport + self.schema_args + [self.target] + list(words)
        r = subprocess.run(cmd, capture_output=True, timeout=CALL_TIMEOUT_S)
        return r.returncode, r.stdout.decode(), r.stderr.decode()


def json_objects(text):
    """The JSON values printed one after the other (pretty or one per line)."""
    dec = json.JSONDecoder()
    out, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            return out
        v, i = dec.raw_decode(text, i)
        out.append(v)


def parsed(obj, cls):
    """A JSON object as printed by h2pb call, read by libprotobuf's parser."""
    return json_format.Parse(json.dumps(obj), cls())


def expected_simple(size):
    return messages_pb2.SimpleResponse(payload=messages_pb2.Payload(body=bytes(size)))


def unary_checks(call, what):
    req = messages_pb2.SimpleRequest(response_size=7, payload=messages_pb2.Payload(body=b"\x01\x02"))
    data = json_format.MessageToJson(req)
    rc, out, err = call("grpc.testing.TestService/UnaryCall", data=data)
    if check(rc == 0, f"{what}: UnaryCall exit {rc}: {err}"):
        objs = json_objects(out)
        if check(len(objs) == 1, f"{what}: UnaryCall printed {len(objs)} objects: {out!r}"):
            got = parsed(objs[0], messages_pb2.SimpleResponse)
            check(got == expected_simple(7), f"{what}: UnaryCall response {got} != expected")
            check(objs[0] == {"payload": {"body": "AAAAAAAAAA=="}},
                  f"{what}: UnaryCall JSON {objs[0]} (json.md: bytes as padded base64)")


def proto_suite(call):
    unary_checks(call, "proto")

    # -d @FILE and -d @ (stdin); the dotted method form.
    req = json.dumps({"responseSize": 3})
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(req)
    try:
        rc, out, err = call("grpc.testing.TestService.UnaryCall", data="@" + f.name)
        check(rc == 0 and parsed(json_objects(out)[0], messages_pb2.SimpleResponse) ==
              expected_simple(3), f"-d @FILE: {rc} {out!r} {err}")
    finally:
        os.unlink(f.name)
    rc, out, err = call("grpc.testing.TestService/UnaryCall", data="@", stdin=req.encode())
    check(rc == 0 and parsed(json_objects(out)[0], messages_pb2.SimpleResponse) ==
          expected_simple(3), f"-d @ (stdin): {rc} {out!r} {err}")

    # Server streaming.
    sizes = [3, 0, 5]
    data = json.dumps({"responseParameters": [{"size": n} for n in sizes]})
    rc, out, err = call("grpc.testing.TestService/StreamingOutputCall", data=data)
    if check(rc == 0, f"StreamingOutputCall exit {rc}: {err}"):
        got = [parsed(o, messages_pb2.StreamingOutputCallResponse) for o in json_objects(out)]
        want = [messages_pb2.StreamingOutputCallResponse(payload=messages_pb2.Payload(body=bytes(n)))
                for n in sizes]
        check(got == want, f"StreamingOutputCall responses {got} != {want}")
    rc, out, err = call("--format", "json-compact", "grpc.testing.TestService/StreamingOutputCall",
                        data=data)
    lines = out.splitlines()
    check(rc == 0 and len(lines) == 3 and all(json.loads(x) is not None for x in lines),
          f"json-compact: one line per message: {out!r}")

    # Client streaming: several objects in -d, separated by white space.
    bodies = [b"\x00" * 4, b"abc", b"", b"\xff" * 10]
    data = "\n".join(json_format.MessageToJson(
        messages_pb2.StreamingInputCallRequest(payload=messages_pb2.Payload(body=b)))
        for b in bodies)
    rc, out, err = call("grpc.testing.TestService/StreamingInputCall", data=data)
    if check(rc == 0, f"StreamingInputCall exit {rc}: {err}"):
        got = parsed(json_objects(out)[0], messages_pb2.StreamingInputCallResponse)
        check(got.aggregated_payload_size == sum(map(len, bodies)),
              f"StreamingInputCall: {got} (sent {sum(map(len, bodies))} octets)")

    # Bidi: one response per request.
    sizes = [1, 4, 2]
    data = " ".join(json.dumps({"responseParameters": [{"size": n}]}) for n in sizes)
    rc, out, err = call("grpc.testing.TestService/FullDuplexCall", data=data)
    if check(rc == 0, f"FullDuplexCall exit {rc}: {err}"):
        got = [len(parsed(o, messages_pb2.StreamingOutputCallResponse).payload.body)
               for o in json_objects(out)]
        check(got == sizes, f"FullDuplexCall: response sizes {got} != {sizes}")

    # An error status, echoed by the server.
    data = json.dumps({"responseStatus": {"code": 5, "message": "no such thing"}})
    rc, out, err = call("grpc.testing.TestService/UnaryCall", data=data)
    check(rc == 64 + 5, f"error status: exit {rc}, want 69")
    check("ERROR:\n  Code: NotFound\n  Message: no such thing\n" in err,
          f"error status: stderr {err!r}")
    check(out == "", f"error status: stdout {out!r}")

    # -v and -H: the echo metadata case (interop-test-descriptions.md).
    rc, out, err = call("-v", "-H", "x-grpc-test-echo-initial: hello-h2pb",
                        "grpc.testing.TestService/UnaryCall", data='{"responseSize": 1}')
    check(rc == 0, f"-v exit {rc}: {err}")
    for want in ["Request metadata to send:\nx-grpc-test-echo-initial: hello-h2pb",
                 "Response headers received:", "x-grpc-test-echo-initial: hello-h2pb",
                 "Response trailers received:", "Sent 1 request and received 1 response",
                 "rpc UnaryCall ( .grpc.testing.SimpleRequest ) returns"
                 " ( .grpc.testing.SimpleResponse );"]:
        check(want in out, f"-v: {want!r} not in {out!r}")
    headers = out.split("Response headers received:")[1].split("Response contents:")[0]
    check("x-grpc-test-echo-initial: hello-h2pb" in headers, f"-v: echoed header {headers!r}")

    bin_header_checks(call)
    deadline_checks(call)

    # --trace: every layer on stderr, the response unchanged.
    rc, out, err = call("--trace", "grpc.testing.TestService/UnaryCall",
                        data='{"responseSize": 2}')
    if check(rc == 0, f"--trace exit {rc}: {err}"):
        check(parsed(json_objects(out)[0], messages_pb2.SimpleResponse) == expected_simple(2),
              f"--trace: response {out!r}")
        for want in [":path", "/grpc.testing.TestService/UnaryCall", "HEADERS", "DATA",
                     "grpc-status", "response_size", "payload"]:
            check(want in err, f"--trace: {want!r} not on stderr:\n{err}")
        check("violation" not in err, f"--trace flagged a violation:\n{err}")

    # Unknown method, bad JSON: local errors.
    rc, _, err = call("grpc.testing.TestService/NoSuchCall")
    check(rc == 1 and "not found" in err, f"unknown method: {rc} {err!r}")
    rc, _, err = call("grpc.testing.TestService/UnaryCall", data='{"noSuchField": 1}')
    check(rc == 1 and "noSuchField" in err, f"unknown JSON field: {rc} {err!r}")

    describe_checks(call, "proto")


def bin_header_checks(call):
    """-H with a -bin key: base64 in, the octets on the wire, base64 out."""
    octets = b"\x00\x01\xfe\xff\x80"
    std_padded = base64.b64encode(octets).decode()           # AAH+/4A=
    url_unpadded = base64.urlsafe_b64encode(octets).decode().rstrip("=")  # AAH-_4A
    for given in [std_padded, url_unpadded]:
        rc, out, err = call("-v", "-H", f"x-grpc-test-echo-trailing-bin: {given}",
                            "grpc.testing.TestService/UnaryCall", data='{"responseSize": 1}')
        if not check(rc == 0, f"-bin {given}: exit {rc}: {err}"):
            continue
        line = f"x-grpc-test-echo-trailing-bin: {std_padded}\n"
        sent = out.split("Request metadata to send:")[1].split("Response headers received:")[0]
        check(line in sent, f"-bin {given}: the request metadata {sent!r} lacks {line!r}")
        trailers = out.split("Response trailers received:")[1]
        check(line in trailers, f"-bin {given}: the echoed trailers {trailers!r} lack {line!r}")
    rc, out, err = call("-H", "x-grpc-test-echo-trailing-bin: not base64!",
                        "grpc.testing.TestService/UnaryCall")
    check(rc == 2 and "base64" in err, f"-bin not base64: exit {rc} {err!r}")


# The server waits this long before its one response; the deadline is far
# shorter, so the call must end when the deadline passes.
DEADLINE_INTERVAL_US = 3_000_000
DEADLINE_S = "0.5"


def deadline_checks(call):
    data = json.dumps({"responseParameters": [{"size": 1, "intervalUs": DEADLINE_INTERVAL_US}]})
    for extra in [[], ["--trace"]]:
        start = time.monotonic()
        rc, out, err = call(*extra, "--deadline", DEADLINE_S,
                            "grpc.testing.TestService/StreamingOutputCall", data=data)
        took = time.monotonic() - start
        what = "--deadline" + (" --trace" if extra else "")
        check(rc == 64 + 4, f"{what}: exit {rc}, want 68: {err[-2000:]}")
        check("ERROR:\n  Code: DeadlineExceeded\n" in err, f"{what}: stderr {err[-2000:]!r}")
        check(out == "", f"{what}: stdout {out!r} (no response is due before the deadline)")
        check(took < DEADLINE_INTERVAL_US / 1e6 - 0.5,
              f"{what}: took {took:.2f} s: the call waited for the server, not the deadline")
        if extra:
            # The request's HEADERS carry grpc-timeout: 1 to 8 digits and a
            # unit (PROTOCOL-HTTP2.md), at most the 500 ms asked for.
            m = re.search(r"grpc-timeout\W+(\d{1,8})([HMSmun])\b", err)
            if check(m, f"{what}: no grpc-timeout header in the trace:\n{err[-4000:]}"):
                scale = {"H": 3600e9, "M": 60e9, "S": 1e9, "m": 1e6, "u": 1e3, "n": 1}
                ns = int(m.group(1)) * scale[m.group(2)]
                check(0 < ns <= float(DEADLINE_S) * 1e9,
                      f"{what}: grpc-timeout {m.group(0)!r} is not within {DEADLINE_S} s")


def one_connection_checks(h2pb, server_port):
    """Reflection and the call on one connection, seen by h2pb trace."""
    # The trace's output goes to a file: through a pipe read only at the
    # end, its JSON would fill the pipe and stall the proxy.
    log_file = tempfile.TemporaryFile()
    proxy = subprocess.Popen([h2pb, "trace", "--to", f"127.0.0.1:{server_port}", "--json",
                              "--max-connections", "1", "--listen", "0"],
                             stdout=log_file, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    m = None
    while m is None and time.monotonic() < deadline and proxy.poll() is None:
        time.sleep(0.05)
        log_file.seek(0)
        m = re.match(rb"listening on \S+:(\d+)", log_file.readline())
    if not check(m is not None, "one connection: h2pb trace printed no `listening on` line"):
        stop_process(proxy)
        return
    port = int(m.group(1))
    try:
        call = Caller(h2pb, f"127.0.0.1:{port}", [])
        rc, out, err = call("grpc.testing.TestService/UnaryCall", data='{"responseSize": 2}')
        check(rc == 0 and parsed(json_objects(out)[0], messages_pb2.SimpleResponse) ==
              expected_simple(2), f"one connection: the call through the trace: {rc} {out!r} {err}")
        try:
            proxy.wait(timeout=CALL_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            check(False, "one connection: the trace did not see its one connection close")
            return
    finally:
        stop_process(proxy)
    log_file.seek(0)
    log = log_file.read()
    events = [json.loads(x) for x in log.decode().splitlines() if x.startswith("{")]
    conns = {e.get("connection") for e in events}
    check(conns == {1}, f"one connection: events on connections {sorted(map(str, conns))}")
    text = log.decode()
    check(re.search(r"/grpc\.reflection\.v1(alpha)?\.ServerReflection/ServerReflectionInfo", text),
          "one connection: no reflection call on the traced connection")
    check("/grpc.testing.TestService/UnaryCall" in text,
          "one connection: no UnaryCall on the traced connection")


def tls_checks(h2pb, proto_root, port, ca):
    schema = ["--proto", "grpc/testing/test.proto", "-I", proto_root]
    target = f"127.0.0.1:{port}"
    call = Caller(h2pb, target, schema, transport=["--ca", ca])
    unary_checks(call, "tls --ca")
    rc, out, err = call("grpc.testing.TestService/StreamingOutputCall",
                        data='{"responseParameters": [{"size": 2}, {"size": 1}]}')
    got = [len(parsed(o, messages_pb2.StreamingOutputCallResponse).payload.body)
           for o in json_objects(out)] if rc == 0 else None
    check(got == [2, 1], f"tls --ca: StreamingOutputCall {rc} {got} {err}")
    unary_checks(Caller(h2pb, target, schema, transport=["--insecure"]), "tls --insecure")
    # The default: TLS verified against the system's CAs, which do not
    # know the throwaway CA.
    rc, out, err = Caller(h2pb, target, schema, transport=[])(
        "grpc.testing.TestService/UnaryCall")
    check(rc == 64 + 14 and out == "" and "certificate verify failed" in err and
          "--ca FILE to trust its CA, or --insecure" in err,
          f"tls default: an untrusted certificate must fail verification: {rc} {err!r}")
    rc, out, err = Caller(h2pb, target, schema, transport=["--ca", ca, "--authority", TLS_NAME])(
        "grpc.testing.TestService/UnaryCall", data='{"responseSize": 1}')
    check(rc == 0 and parsed(json_objects(out)[0], messages_pb2.SimpleResponse) ==
          expected_simple(1), f"tls --authority {TLS_NAME}: {rc} {out!r} {err}")
    rc, out, err = Caller(h2pb, target, schema, transport=["--ca", ca, "--authority", "wrong.example"])(
        "grpc.testing.TestService/UnaryCall")
    check(rc != 0 and out == "" and re.search(r"certificate verify failed|hostname|name", err),
          f"tls --authority wrong.example must fail verification: {rc} {err!r}")
    # Reflection-free list over TLS, to be sure the schema path is unaffected.
    rc, out, err = Caller(h2pb, target, schema, transport=["--ca", ca]).tail("list")
    check(rc == 0 and "grpc.testing.TestService" in out.splitlines(), f"tls list: {rc} {out!r}")


def describe_checks(call, what, services_exact=True):
    svc = test_pb2.DESCRIPTOR.services_by_name["TestService"]
    rc, out, err = call.tail("list")
    check(rc == 0 and "grpc.testing.TestService" in out.splitlines(), f"{what}: list: {out!r} {err}")
    if services_exact:
        want = sorted(s.full_name for s in test_pb2.DESCRIPTOR.services_by_name.values())
        check(out.splitlines() == want, f"{what}: list {out.splitlines()} != {want}")
    rc, out, err = call.tail("list", "grpc.testing.TestService")
    want = [m.full_name for m in svc.methods]
    check(rc == 0 and out.splitlines() == want, f"{what}: list TestService {out!r} != {want}")

    rc, out, err = call.tail("describe", "grpc.testing.TestService.StreamingOutputCall")
    check(rc == 0 and out == "grpc.testing.TestService.StreamingOutputCall is a method:\n"
          "rpc StreamingOutputCall ( .grpc.testing.StreamingOutputCallRequest ) returns "
          "( stream .grpc.testing.StreamingOutputCallResponse );\n",
          f"{what}: describe method: {out!r} {err}")
    rc, out, err = call.tail("describe", "grpc.testing.TestService")
    check(rc == 0 and out.startswith("grpc.testing.TestService is a service:\nservice TestService {"),
          f"{what}: describe service: {out!r}")
    for m in svc.methods:
        sig = (f"rpc {m.name} ( {'stream ' if m.client_streaming else ''}.{m.input_type.full_name}"
               f" ) returns ( {'stream ' if m.server_streaming else ''}.{m.output_type.full_name} );")
        check(sig in out, f"{what}: describe service: {sig!r} missing")

    scalar = {v: k[len("TYPE_"):].lower() for k, v in
              json_format.descriptor.FieldDescriptor.__dict__.items() if k.startswith("TYPE_")}
    for name in ["SimpleRequest", "StreamingOutputCallRequest", "Payload", "EchoStatus"]:
        md = messages_pb2.DESCRIPTOR.message_types_by_name[name]
        rc, out, err = call.tail("describe", md.full_name)
        check(rc == 0 and out.startswith(f"{md.full_name} is a message:\nmessage {name} {{\n"),
              f"{what}: describe {name}: {out!r} {err}")
        for f in md.fields:
            t = "." + (f.message_type or f.enum_type).full_name \
                if (f.message_type or f.enum_type) else scalar[f.type]
            label = "repeated " if f.label == f.LABEL_REPEATED else ""
            line = f"  {label}{t} {f.name} = {f.number};\n"
            check(line in out, f"{what}: describe {name}: {line!r} not in {out!r}")
        check(out.count(" = ") == len(md.fields), f"{what}: describe {name}: extra fields {out!r}")
    ed = messages_pb2.DESCRIPTOR.enum_types_by_name["PayloadType"]
    rc, out, err = call.tail("describe", ed.full_name)
    want = f"{ed.full_name} is an enum:\nenum PayloadType {{\n" + "".join(
        f"  {v.name} = {v.number};\n" for v in ed.values) + "}\n"
    check(rc == 0 and out == want, f"{what}: describe enum: {out!r} != {want!r}")
    rc, out, err = call.tail("describe", "grpc.testing.NoSuchThing")
    check(rc == 1 and "not found" in err, f"{what}: describe unknown: {rc} {err!r}")


def main():
    argv = sys.argv[1:]
    sep = argv.index("--")
    opts, server_cmd = argv[:sep], argv[sep + 1:]
    h2pb, proto_root, mode = opts[0], opts[1], opts[2]
    tls_files = None
    if "--tls" in opts:
        scratch = opts[opts.index("--tls") + 1]
        shutil.rmtree(scratch, ignore_errors=True)
        os.makedirs(scratch)
        tls_files = make_certificates(scratch)
        server_cmd = server_cmd + ["--tls-cert", tls_files[1], "--tls-key", tls_files[2]]
    proc, port = start_server(server_cmd)
    try:
        target = f"127.0.0.1:{port}"
        if tls_files:
            tls_checks(h2pb, proto_root, port, tls_files[0])
        elif mode == "--proto":
            call = Caller(h2pb, target, ["--proto", "grpc/testing/test.proto", "-I", proto_root])
            proto_suite(call)
        else:
            call = Caller(h2pb, target, [])
            unary_checks(call, "reflect")
            describe_checks(call, "reflect", services_exact=False)
            one_connection_checks(h2pb, port)
    finally:
        stop_process(proc)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
