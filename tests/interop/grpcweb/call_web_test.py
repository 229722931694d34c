#!/usr/bin/python3
"""`h2pb call --web` and `--web-text` against two gRPC-Web servers of the
article's AnalyticsService: connect-node (server.mjs, a third-party
implementation; its -text adapter serves application/grpc-web-text) and
h2pb's own (docs/examples/analytics_server_full.cpp), both over TLS (ALPN h2)
with a throwaway CA (certs.mjs).

usage: call_web_test.py SOURCE_ROOT H2PB ANALYTICS_SERVER_FULL NODE
                        NODE_MODULES PROTOC WORK_DIR

The expected values are cases.mjs's (the contract every server under test
keeps): the token, the stored events and the bulk:N events are read from
cases.mjs itself through node; the report request and which stored events
it selects, from its REPORT and REPORT_EVENTS lines. Exit 77 (SKIP) when
node's packages are missing.
"""
import json
import os
import re
import shutil
import subprocess
import sys

root, h2pb, full_server, node, node_modules, protoc, work = sys.argv[1:8]
# Paths given relative to the build directory stay valid after chdir (cwd=).
h2pb, full_server, work = (os.path.abspath(p) for p in (h2pb, full_server, work))
here = os.path.join(root, "tests", "interop", "grpcweb")
proto = os.path.join(root, "docs", "examples", "analytics_service.proto")
METHOD = "analytics.v1.AnalyticsService/"
# The long stream of the issue ("a server stream of 1,000 messages").
BULK = 1000
# Generous: a loaded 2-core machine; the calls themselves take < 1 s.
CALL_TIMEOUT_S = 60

for pkg in ["@connectrpc/connect-node", "@bufbuild/protoc-gen-es"]:
    if not os.path.exists(os.path.join(node_modules, pkg, "package.json")):
        print(f"SKIP: {pkg} is not in {node_modules} (scripts/install-npm.sh installs it)")
        sys.exit(77)

# ---------------------------------------------------------- the work directory
# As run.mjs makes it: the scripts, node_modules, the protoc-gen-es code.
shutil.rmtree(work, ignore_errors=True)
os.makedirs(os.path.join(work, "gen"))
os.symlink(os.path.abspath(node_modules), os.path.join(work, "node_modules"))
for f in os.listdir(here):
    if f.endswith(".mjs"):
        shutil.copy(os.path.join(here, f), work)
subprocess.run([protoc, "--plugin=protoc-gen-es=" + os.path.join(node_modules, ".bin", "protoc-gen-es"),
                "--es_out=" + os.path.join(work, "gen"), "--es_opt=target=js",
                "-I" + os.path.dirname(proto), proto], check=True)


def node_json(script):
    out = subprocess.run([node, "--input-type=module", "-e", script], cwd=work, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


certs = node_json(f'import {{ makeCerts }} from "./certs.mjs"; '
                  f'console.log(JSON.stringify(makeCerts({json.dumps(os.path.join(work, "certs"))})))')
want = node_json(f'import * as c from "./cases.mjs"; console.log(JSON.stringify('
                 f'{{token: c.TOKEN, stored: c.STORED_EVENTS, bulk: c.bulkEvents({BULK}), deadlineMs: c.SHORT_DEADLINE_MS}}))')
cases_src = open(os.path.join(here, "cases.mjs")).read()
m = re.search(r'const REPORT = \{ reportId: "(\w*)", startTimestamp: (\d+)n, endTimestamp: (\d+)n \}',
              cases_src)
REPORT = {"reportId": m.group(1), "startTimestamp": m.group(2), "endTimestamp": m.group(3)}
m = re.search(r"const REPORT_EVENTS = STORED_EVENTS\.slice\((\d+), (\d+)\);", cases_src)
REPORT_EVENTS = want["stored"][int(m.group(1)):int(m.group(2))]
TOKEN = want["token"]


def from_json(e):
    """An Event as h2pb call prints it (protobuf JSON: int64 as a string,
    json.md) in cases.mjs's plain() form."""
    out = {"eventId": e.get("eventId", ""), "eventType": e.get("eventType", ""),
           "timestamp": int(e.get("timestamp", "0"))}
    if e.get("properties"):
        out["properties"] = dict(sorted(e["properties"].items()))
    return out


# ---------------------------------------------------------- the servers
def start(argv, log):
    p = subprocess.Popen(argv, cwd=work, stdout=subprocess.PIPE, stderr=open(log, "w"), text=True)
    line = p.stdout.readline()
    m = re.search(r"listening on (\S+):(\d+)", line)
    if not m:
        p.kill()
        sys.exit(f"{argv[0]} did not start: {line!r}; see {log}")
    return p, int(m.group(2))


servers = {}
procs = []
try:
    p, port = start([node, os.path.join(work, "server.mjs"), "--cert", certs["cert"], "--key", certs["key"]],
                    os.path.join(work, "connect.log"))
    procs.append(p)
    servers["connect"] = port
    # The chain: GetReport calls this server itself, trusting its --tls-cert file as the CA.
    p, port = start([full_server, "--tls-cert", certs["chain"], "--tls-key", certs["key"]],
                    os.path.join(work, "h2pb.log"))
    procs.append(p)
    servers["h2pb"] = port

    failures = []

    def call(port, fmt, method, data, token=True, extra=()):
        argv = [h2pb, "call", fmt, "--ca", certs["ca"], "--proto", proto, "-I", os.path.dirname(proto),
                "--format", "json-compact", "-d", json.dumps(data), *extra]
        if token:
            argv += ["-H", "authorization: " + TOKEN]
        argv += [f"localhost:{port}", METHOD + method]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=CALL_TIMEOUT_S)
        msgs = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
        return r.returncode, msgs, r.stderr

    def check(name, got, expected, stderr=""):
        ok = got == expected
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
        if not ok:
            print(f"  got:  {json.dumps(got)[:2000]}\n  want: {json.dumps(expected)[:2000]}\n  stderr: {stderr}")
            failures.append(name)

    for server, port in servers.items():
        for fmt in ["--web", "--web-text"]:
            tag = f"{server} {fmt}"
            rc, msgs, err = call(port, fmt, "GetReport", REPORT)
            check(f"{tag} unary",
                  (rc, [{"reportId": x.get("reportId", ""), "events": [from_json(e) for e in x.get("events", [])]}
                        for x in msgs]),
                  (0, [{"reportId": REPORT["reportId"], "events": REPORT_EVENTS}]), err)
            rc, msgs, err = call(port, fmt, "StreamEvents", {})
            check(f"{tag} stream", (rc, [from_json(e) for e in msgs]), (0, want["stored"]), err)
            rc, msgs, err = call(port, fmt, "StreamEvents", {"eventType": f"bulk:{BULK}"})
            got = [from_json(e) for e in msgs]
            check(f"{tag} stream of {BULK}", (rc, len(got), got == want["bulk"]), (0, BULK, True), err)
            # Non-OK: exit 64 + the code, the code and message on stderr.
            rc, msgs, err = call(port, fmt, "GetReport", REPORT, token=False)
            check(f"{tag} unauthenticated",
                  (rc, msgs, "Code: Unauthenticated" in err, "Message: Invalid or missing auth token" in err),
                  (64 + 16, [], True, True), err)
            rc, msgs, err = call(port, fmt, "StreamEvents", {}, token=False)
            check(f"{tag} stream unauthenticated", (rc, msgs, "Message: Invalid or missing auth token" in err),
                  (64 + 16, [], True), err)
            rc, msgs, err = call(port, fmt, "GetReport", dict(REPORT, reportId=""))
            check(f"{tag} invalid argument", (rc, msgs, "Message: report_id is empty" in err),
                  (64 + 3, [], True), err)
            # GetReport takes >= 400 ms; cases.mjs's SHORT_DEADLINE_MS expires.
            rc, msgs, err = call(port, fmt, "GetReport", REPORT,
                                 extra=["--deadline", str(want["deadlineMs"] / 1000)])
            check(f"{tag} deadline", (rc, msgs, "Code: DeadlineExceeded" in err), (64 + 4, [], True), err)
finally:
    for p in procs:
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()

if failures:
    print(f"{len(failures)} failed: {', '.join(failures)}")
    sys.exit(1)
print("all passed")
