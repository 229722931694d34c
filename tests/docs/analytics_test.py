#!/usr/bin/python3
"""docs/grpc_client.md's client for the article's AnalyticsService, run.

usage: analytics_test.py SOURCE_ROOT ANALYTICS_SERVER_FULL ANALYTICS_CLIENT [H2PB]

1. h2pb client against h2pb server (docs/examples/analytics_client.cpp and
   analytics_server_full.cpp): the client prints EXPECTED and the line of its
   interceptor; the server's log shows that GetReport's downstream call
   ended DEADLINE_EXCEEDED when the client's 150 ms did (the deadline was
   propagated: without it the downstream call would have run to its end,
   OK); SIGTERM stops the server with status 0.
2. h2pb client against a grpcio server for the same .proto
   (tests/docs/analytics_grpcio.py server): the same output.
3. grpcio client (analytics_grpcio.py client) against the h2pb server: the
   same output but the interceptor line (grpcio's interceptors differ).
4. Every code block of docs/grpc_client.md after `<!-- file: PATH -->` is a
   run of lines of PATH (page_blocks.py, as for docs/grpc_call.md), and the
   page shows the client's output as above.
5. With H2PB: `h2pb call` against the server, the schema from its
   reflection service (enable_reflection()): with the token, `list` names
   analytics.v1.AnalyticsService and the two reflection services, and
   GetReport prints the report as protobuf JSON (json.md: int64 as decimal
   strings, lowerCamelCase names, empty maps left out), equal to the report
   the store and rules above give; without the token, reflection meets the
   auth interceptor: UNAUTHENTICATED, exit 64 + 16. docs/health_reflection.md
   shows both commands and their output as printed (CALL_BLOCK).

Exit 77 (skip) if analytics_grpcio.py cannot generate its stubs.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import page_blocks  # noqa: E402  (tests/docs/page_blocks.py)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from peers import START_TIMEOUT_S, first_line, stop_gracefully  # noqa: E402

root, server_exe, client_exe = sys.argv[1:4]
h2pb_exe = sys.argv[4] if len(sys.argv) > 4 else None
grpcio_py = os.path.join(root, "tests", "docs", "analytics_grpcio.py")
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)


# What the client must print, derived from the server's store and rules
# (analytics_server_full.cpp; analytics_grpcio.py has the same):
#   store: abc123 click 1710000000, abd456 view 1720000000,
#          abe789 click 1730000000, abf012 purchase 1740000000
#   GetReport [1710000000, 1730000000): the end is excluded, so abe789 is not
#     in it; 150 ms is less than the 4 x 100 ms the store needs: timed out.
#   StreamEvents: every event, in order; the client cancels after three.
#   UploadBatch: the server counts the five RawEvents.
#   ProcessPipeline: purchase -> conversion 0.95, page_view -> browsing 0.80,
#     click -> interaction 0.70.
#   A call without the token: the auth interceptor's UNAUTHENTICATED.
EXPECTED = """\
GetReport weekly: 2 events
  [click] abc123 at 1710000000
  [view] abd456 at 1720000000
GetReport with 150 ms: Call timed out!
  [click] abc123 at 1710000000
  [view] abd456 at 1720000000
  [click] abe789 at 1730000000
StreamEvents: 3 events, then CANCELLED
UploadBatch: sent 5, server received 5
  [e001] -> conversion (confidence: 0.95)
  [e002] -> browsing (confidence: 0.80)
  [e003] -> interaction (confidence: 0.70)
ProcessPipeline: OK
without a token: UNAUTHENTICATED: Invalid or missing auth token
"""
# The client interceptor's on_finish saw every call of the token channel end,
# in order (not the call without a token, made on another channel).
INTERCEPTOR = ("interceptor saw: GetReport OK; GetReport DEADLINE_EXCEEDED; "
               "StreamEvents CANCELLED; UploadBatch OK; ProcessPipeline OK;\n")
PROPAGATED = "GetReport: downstream StreamEvents ended DEADLINE_EXCEEDED"


def skip(name, output):
    """Skips this test (exit 77) because the program `name` skipped: one line
    `SKIP: name: reason`, the reason being the program's own SKIP line."""
    reasons = [l[len("SKIP:"):].strip() for l in output.splitlines() if l.startswith("SKIP:")]
    reason = reasons[-1] if reasons else " ".join(output.split())
    print(f"SKIP: {name}: {reason}")
    sys.exit(77)


def start(cmd, name):
    """Starts a server; returns (process, port) or (None, None)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    first = (first_line(p, START_TIMEOUT_S) or b"").decode(errors="replace").strip()
    m = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)", first)
    if not m:
        if first:  # still running: it must not linger (at EOF it is exiting)
            p.kill()
        _, rest = stop_gracefully(p, 20)
        if p.returncode == 77:
            skip(name, first + "\n" + rest)
        fail(f"{name}'s first line: {first!r} {rest!r}")
        return None, None
    return p, int(m.group(1))


def stop(p, name):
    """SIGTERM; returns the rest of the server's output."""
    status, rest = stop_gracefully(p, 20)
    if status is None:
        fail(f"{name} did not exit within 20 s of SIGTERM")
    elif status != 0 or "stopped" not in rest:
        fail(f"{name} after SIGTERM: status {status}, output {rest!r}")
    return rest


def run_client(cmd, name, want):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if r.returncode == 77:
        skip(name, r.stdout + "\n" + r.stderr)
    if r.returncode != 0:
        fail(f"{name} exited {r.returncode}: {r.stdout} {r.stderr}")
    elif r.stdout != want:
        fail(f"{name} printed:\n{r.stdout}\nexpected:\n{want}")
    else:
        print(f"ok: {name}")


def pair(server_cmd, server_name, client_cmd, client_name, want):
    server, port = start(server_cmd, server_name)
    if not server:
        return
    try:
        run_client(client_cmd + [f"127.0.0.1:{port}"], f"{client_name} vs {server_name}", want)
    finally:
        log = stop(server, server_name)
    if PROPAGATED not in log:
        fail(f"{server_name}'s log lacks {PROPAGATED!r} (the deadline was not propagated "
             f"to the downstream call): {log!r}")


h2pb_server = [server_exe, "0"]
grpcio_server = ["/usr/bin/python3", grpcio_py, "server", "0"]
# --- 1. h2pb against h2pb ----------------------------------------------------
pair(h2pb_server, "analytics_server_full", [client_exe], "analytics_client", EXPECTED + INTERCEPTOR)
# --- 2. h2pb client, grpcio server -------------------------------------------
pair(grpcio_server, "grpcio server", [client_exe], "analytics_client", EXPECTED + INTERCEPTOR)
# --- 3. grpcio client, h2pb server -------------------------------------------
pair(h2pb_server, "analytics_server_full", ["/usr/bin/python3", grpcio_py, "client"],
     "grpcio client", EXPECTED)

# --- 5. h2pb call, the schema from the server's reflection ------------------
TOKEN = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbmFseXRpY3MtY2xpZW50In0.c2lnbmF0dXJl"
# The commands as docs/health_reflection.md shows them ($TOKEN and PORT
# stand for the token above and the server's port).
CALL_LIST = 'h2pb call --plaintext -H "authorization: $TOKEN" 127.0.0.1:PORT list'
CALL_REPORT = ("h2pb call --plaintext -H \"authorization: $TOKEN\" \\\n"
               "    -d '{\"reportId\": \"weekly\", \"startTimestamp\": 1710000000, "
               "\"endTimestamp\": 1730000000}' \\\n"
               "    127.0.0.1:PORT analytics.v1.AnalyticsService/GetReport")
# The report the store gives for [1710000000, 1730000000) (section 1), in
# the JSON mapping of json.md.
WANT_REPORT = {"reportId": "weekly", "events": [
    {"eventId": "abc123", "eventType": "click", "timestamp": "1710000000"},
    {"eventId": "abd456", "eventType": "view", "timestamp": "1720000000"}]}
WANT_LIST = ["analytics.v1.AnalyticsService", "grpc.reflection.v1.ServerReflection",
             "grpc.reflection.v1alpha.ServerReflection"]


def h2pb_call_section():
    import json
    import shlex
    server, port = start(h2pb_server, "analytics_server_full")
    if not server:
        return
    outputs = {}
    try:
        for shown in [CALL_LIST, CALL_REPORT]:
            argv = shlex.split(shown.replace("\\\n", " ").replace("$TOKEN", TOKEN)
                               .replace("PORT", str(port)))
            r = subprocess.run([h2pb_exe] + argv[1:], capture_output=True, text=True, timeout=60)
            if r.returncode != 0:
                fail(f"{shown}: exit {r.returncode}: {r.stdout} {r.stderr}")
            outputs[shown] = r.stdout
        no_token = subprocess.run([h2pb_exe, "call", "--plaintext", f"127.0.0.1:{port}", "list"],
                                  capture_output=True, text=True, timeout=60)
        if no_token.returncode != 1 or "UNAUTHENTICATED: Invalid or missing auth token" \
                not in no_token.stderr:
            fail(f"list without the token: exit {no_token.returncode}, {no_token.stderr!r}")
        no_token = subprocess.run(
            [h2pb_exe, "call", "--plaintext", "--proto", "analytics_service.proto", "-I",
             os.path.join(root, "docs", "examples"), "-d", '{"reportId": "weekly"}',
             f"127.0.0.1:{port}", "analytics.v1.AnalyticsService/GetReport"],
            capture_output=True, text=True, timeout=60)
        if no_token.returncode != 64 + 16 or "Code: Unauthenticated" not in no_token.stderr:
            fail(f"GetReport without the token: exit {no_token.returncode}, {no_token.stderr!r}")
    finally:
        stop(server, "analytics_server_full")
    if outputs.get(CALL_LIST, "").splitlines() != WANT_LIST:
        fail(f"list printed {outputs.get(CALL_LIST)!r}, expected {WANT_LIST}")
    try:
        got = json.loads(outputs.get(CALL_REPORT, ""))
    except ValueError:
        got = None
    if got != WANT_REPORT:
        fail(f"GetReport printed {outputs.get(CALL_REPORT)!r}, expected {WANT_REPORT}")
    block = "".join(f"$ {cmd}\n{outputs.get(cmd, '')}" for cmd in [CALL_LIST, CALL_REPORT])
    page = open(os.path.join(root, "docs", "health_reflection.md"), encoding="utf-8").read()
    if "```text\n" + block + "```" not in page:
        fail("docs/health_reflection.md does not show h2pb call's output as it is:\n" + block)
    else:
        print("ok: h2pb call against analytics_server_full, and the page's block")


if h2pb_exe:
    h2pb_call_section()

# --- 4. the page's code blocks are the client's source -----------------------
page_name = os.path.join("docs", "grpc_client.md")
shown, problems = page_blocks.check_file_blocks(root, page_name)
for problem in problems:
    fail(problem)
if shown < 4:
    fail(f"{page_name} shows {shown} checked code blocks, expected one per kind of call")
page_text = open(os.path.join(root, page_name), encoding="utf-8").read()
if "```text\n" + EXPECTED + INTERCEPTOR + "```" not in page_text:
    fail(f"{page_name} does not show the client's output as it is")

print(f"{shown} code blocks of {page_name} checked")
sys.exit(1 if failures else 0)
