#!/usr/bin/python3
"""A program linked with the separately compiled library (libh2pb.a) holds
only the parts of h2pb it uses (src/h2_server.cpp, README "Separately
compiled mode"): libh2pb.a has one object per part (HTTP/2 server, HTTP/2
client, gRPC server, gRPC client), and a static-library link pulls an object
only when the program refers to one of its symbols.

usage: separate_link_test.py SERVER CLIENT SERVER_ONEFILE CLIENT_ONEFILE

SERVER is docs/examples/hello_server.cpp, an HTTP/2 server, linked with
libh2pb.a: it must define no function of the gRPC server or client and none
of the HTTP/2 client. CLIENT is hello_client.cpp, an HTTP/2 client: it must
define none of gRPC and none of the HTTP/2 server.

SERVER_ONEFILE and CLIENT_ONEFILE are the same programs linked with the
library built as one object (src/h2pb.cpp), which a link takes whole: they
must define some function of every part named above, so that a pattern that
no longer names anything (a renamed class) fails here instead of passing for
the wrong reason, and so that the test is seen to fail with the one-object
library.
"""
import re
import subprocess
import sys

from separate_unit_test import report  # this script's folder is on sys.path

# One pattern per part, matched against `nm -C --defined-only` lines (the
# symbol after the type letter; text and weak text, data, read-only data).
PARTS = {
    "gRPC server and client": re.compile(r" [TtWwVvDdRrBbu] h2pb::rpc::asio::"),
    "HTTP/2 server": re.compile(
        r" [TtWwVvDdRrBbu] (?:h2pb::h2::asio::detail::server_impl|h2pb::h2::asio::server::"
        r"|h2pb::h2::asio::server_session::)"),
    "HTTP/2 client": re.compile(
        r" [TtWwVvDdRrBbu] h2pb::h2::asio::(?:client|client_stream|client_session)::"),
}
# What each program must not hold: the parts it does not use.
UNUSED = {
    "server": ["gRPC server and client", "HTTP/2 client"],
    "client": ["gRPC server and client", "HTTP/2 server"],
}


def defined(path):
    out = subprocess.run(["nm", "-C", "--defined-only", path], check=True, capture_output=True,
                         text=True).stdout
    return out.splitlines()


def check(kind, program, control):
    failures = 0
    have, have_control = defined(program), defined(control)
    for part in UNUSED[kind]:
        pattern = PARTS[part]
        if not any(pattern.search(line) for line in have_control):
            print(f"FAIL: {control} (one-object library) defines nothing of the {part}: "
                  "stale pattern")
            failures += 1
        failures += report(program, part, [line for line in have if pattern.search(line)])
    return failures


server, client, server_onefile, client_onefile = sys.argv[1:5]
failures = check("server", server, server_onefile) + check("client", client, client_onefile)
sys.exit(1 if failures else 0)
