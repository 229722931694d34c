"""nghttp and curl against `h2pb serve`, over h2c (prior knowledge) and TLS
(ALPN h2, a certificate made by openssl for this run): small and large
(>= 16 MiB) downloads, POST bodies echoed back, many concurrent streams on
one connection. Every body is compared byte for byte with the file on disk.

usage: serve_peers.py H2PB SCRATCH_DIR
"""

import hashlib
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (H2pbServer, check, finish, make_cert, make_files, need, read_file, run,  # noqa: E402
                     scratch)

need("nghttp", "curl", "openssl")
h2pb, work = sys.argv[1], scratch(sys.argv[2])
root = os.path.join(work, "www")
make_files(root)
cert, key = make_cert(work)
big = read_file(os.path.join(root, "big.bin"))
small = read_file(os.path.join(root, "100.bin"))
index = read_file(os.path.join(root, "index.html"))
upload = os.urandom(5 * 1024 * 1024 + 7)
upload_path = os.path.join(work, "upload.bin")
with open(upload_path, "wb") as f:
    f.write(upload)


def sha(b):
    return hashlib.sha256(b).hexdigest()[:16]


for tls in (None, (cert, key)):
    mode = "TLS" if tls else "h2c"
    with H2pbServer(h2pb, root, "--threads", "2", tls=tls) as srv:
        curl_mode = ["--http2", "--cacert", cert] if tls else ["--http2-prior-knowledge"]
        host = "localhost"

        # --- nghttp
        for path, want in (("/", index), ("/100.bin", small), ("/big.bin", big)):
            r = run(["nghttp", srv.url(path, host)], timeout=60)
            check(r.returncode == 0 and r.stdout == want,
                  "%s nghttp GET %s: %d octets, sha %s" % (mode, path, len(r.stdout), sha(r.stdout)))
        r = run(["nghttp", "-d", upload_path, srv.url("/echo", host)], timeout=60)
        check(r.returncode == 0 and r.stdout == upload, "%s nghttp POST 5 MiB to /echo comes back" % mode)

        # Many concurrent streams on one connection: nghttp -m 200 sends the
        # request 200 times at once (the server allows 100 concurrent
        # streams: nghttp queues the rest), -n discards the bodies, -s prints
        # per-stream statistics.
        r = run(["nghttp", "-n", "-s", "-m", "200", srv.url("/100.bin", host)], timeout=60)
        stats = re.compile(r"^\s*\d+\s+\+\S+\s+\+\S+\s+\S+\s+(\d+)\s+(\d+)\s+/100.bin$")
        rows = [stats.match(l) for l in r.stdout.decode(errors="replace").splitlines()]
        ok200 = sum(1 for m in rows if m and m.group(1) == "200" and m.group(2) == "100")
        check(r.returncode == 0 and ok200 == 200, "%s nghttp -m 200: %d streams with status 200" % (mode, ok200))
        r = run(["nghttp", "-s"] + [srv.url(p, host) for p in ("/big.bin", "/100.bin", "/sub/a.txt", "/")] * 5,
                timeout=90)
        check(r.returncode == 0, "%s nghttp: 20 concurrent mixed streams (4 of them 17 MiB)" % mode)

        # --- curl
        for path, want in (("/100.bin", small), ("/big.bin", big)):
            r = run(["curl", "-sS", "--fail"] + curl_mode + [srv.url(path, host)], timeout=60)
            check(r.returncode == 0 and r.stdout == want,
                  "%s curl GET %s: %d octets" % (mode, path, len(r.stdout)))
        r = run(["curl", "-sS", "--fail"] + curl_mode + ["--data-binary", "@" + upload_path, srv.url("/echo", host)],
                timeout=60)
        check(r.returncode == 0 and r.stdout == upload, "%s curl POST 5 MiB to /echo comes back" % mode)
        r = run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_version} %{http_code}"] + curl_mode +
                [srv.url("/no/such/file", host)], timeout=30)
        check(r.stdout == b"2 404", "%s curl: missing file is 404 over HTTP/2 (%r)" % (mode, r.stdout))
        # Several URLs: curl multiplexes them on one connection. (curl 7.88
        # fails --parallel with --http2-prior-knowledge against any server,
        # nghttpd included — "Error in the HTTP2 framing layer" before a
        # second stream is sent — so this runs over TLS only.)
        if tls:
            urls = [srv.url("/100.bin", host)] * 20
            r = run(["curl", "-sS", "--fail", "--parallel", "--parallel-max", "20"] + curl_mode + urls, timeout=60)
            check(r.returncode == 0 and r.stdout == small * 20, "%s curl --parallel: 20 streams" % mode)
        r = run(["curl", "-sS", "-I"] + curl_mode + [srv.url("/big.bin", host)], timeout=30)
        check(r.returncode == 0 and b"content-length: %d" % len(big) in r.stdout, "%s curl HEAD: content-length" % mode)
        if tls:
            # TLS 1.2 with the §9.2 restrictions is accepted, ALPN without h2 is refused.
            r = run(["curl", "-sS", "--fail", "--tls-max", "1.2"] + curl_mode + [srv.url("/100.bin", host)],
                    timeout=30)
            check(r.returncode == 0 and r.stdout == small, "TLS 1.2 (ECDHE + AEAD) accepted")
            r = run(["curl", "-sS", "--tls-max", "1.2", "--ciphers", "AES128-SHA"] + curl_mode +
                    [srv.url("/100.bin", host)], timeout=30)
            check(r.returncode != 0, "TLS 1.2 with a non-ephemeral CBC suite (RFC 9113 App. A) refused")
            r = run(["curl", "-sS", "--http1.1", "--cacert", cert, srv.url("/100.bin", host)], timeout=30)
            check(r.returncode != 0 and b"alert" in r.stderr.lower() + r.stdout.lower(),
                  "ALPN without h2: no_application_protocol alert")
        check(srv.alive(), "%s server still running" % mode)

# --trace: the server prints every frame it receives and sends, annotated.
with H2pbServer(h2pb, root, "--trace") as srv:
    r = run(["nghttp", srv.url("/100.bin")], timeout=30)
    time.sleep(0.3)
    text = bytes(srv.out).decode(errors="replace")
    check(r.returncode == 0 and r.stdout == small, "nghttp GET with the server tracing")
    check("client preface" in text and re.search(r"recv\s+\d+\s+HEADERS\s+stream \d+", text) is not None
          and ":path: /100.bin" in text and re.search(r"send\s+\d+\s+DATA\s+stream \d+\s+length 100", text)
          is not None, "serve --trace shows the preface, the decoded request HEADERS and the DATA sent")

finish()
