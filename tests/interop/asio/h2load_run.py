"""h2load against `h2pb serve`: 100,000 requests over 8 connections with 32
concurrent streams each (h2c), and the same over TLS; every request must
succeed with status 200 (no failed, errored or timed-out request).

usage: h2load_run.py H2PB SCRATCH_DIR
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import H2pbServer, check, finish, make_cert, make_files, need, run, scratch  # noqa: E402

need("h2load", "openssl")
h2pb, work = sys.argv[1], scratch(sys.argv[2])
root = os.path.join(work, "www")
make_files(root)
cert, key = make_cert(work)


def h2load(url, n):
    r = run(["h2load", "-n", str(n), "-c", "8", "-m", "32", url], timeout=180)
    text = r.stdout.decode(errors="replace")
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                  r"(\d+) errored, (\d+) timeout", text)
    codes = re.search(r"status codes: (\d+) 2xx", text)
    rate = re.search(r"finished in .*?, ([\d.]+) req/s", text)
    print("  " + (rate.group(0) if rate else text[-400:]))
    return m, codes


for tls, n in ((None, 100000), ((cert, key), 100000)):
    mode = "TLS" if tls else "h2c"
    with H2pbServer(h2pb, root, "--threads", "2", tls=tls) as srv:
        m, codes = h2load(srv.url("/100.bin"), n)
        check(m is not None and int(m.group(4)) == n and m.group(5) == "0" and m.group(6) == "0"
              and m.group(7) == "0" and codes and int(codes.group(1)) == n,
              "%s h2load -n %d -c 8 -m 32: all succeeded with 2xx (%s)" % (mode, n, m.group(0) if m else "no summary"))
        m, codes = h2load(srv.url("/echo"), 2000)
        check(m is not None and int(m.group(4)) == 2000, "%s h2load on the coroutine /echo handler" % mode)
        check(srv.alive(), "%s server still running" % mode)

finish()
