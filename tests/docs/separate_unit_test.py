#!/usr/bin/python3
"""The separately compiled mode keeps the HTTP/2 stack out of a program's own
units (h2/asio/config.hpp, README "Separately compiled mode").

usage: separate_unit_test.py CONTROL UNIT...

Every UNIT (an object file or an archive of the program's own units, built
with -DH2PB_SEPARATE_COMPILATION) must define none of the functions of the
HTTP/2 stack: the sessions (server_session, client_session, session,
transport), the server's body (h2::asio::detail::server_impl), the HTTP/2
connection state machine (h2::connection), the HPACK coder (hpack::encoder,
hpack::decoder) and the TLS set-up (make_server_context, make_client_context).
They are compiled once, into libh2pb.a.

CONTROL is the same program built header-only: it must define some of them,
so that a pattern that no longer names anything (a renamed class) fails here
instead of passing for the wrong reason.
"""
import re
import subprocess
import sys

STACK = re.compile(
    r" [TtWw] (?:h2pb::h2::asio::(?:server_session|client_session|session|transport"
    r"|detail::server_impl)::|h2pb::h2::connection::|h2pb::hpack::(?:encoder|decoder)::"
    r"|h2pb::h2::asio::make_(?:server|client)_context\()")


def stack_symbols(path):
    out = subprocess.run(["nm", "-C", path], check=True, capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if STACK.search(line)]


def report(path, what, found):
    """Prints whether PATH holds FOUND (its lines of `nm -C` that belong to
    WHAT); returns 1 when it does (a failure), else 0. Also used by
    separate_link_test.py."""
    if not found:
        print(f"ok: {path} holds none of the {what}")
        return 0
    print(f"FAIL: {path} defines {len(found)} symbols of the {what}, e.g.")
    for line in found[:10]:
        print("   ", line)
    return 1


def main():
    control, units = sys.argv[1], sys.argv[2:]
    failures = 0
    if not stack_symbols(control):
        print(f"FAIL: {control} (header-only) defines none of the stack's functions: stale pattern")
        failures += 1
    for unit in units:
        failures += report(unit, "HTTP/2 stack", stack_symbols(unit))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
