"""h2pb's client (`h2pb get`) against nghttpd, h2c and TLS: downloads of a
small and a 17 MiB file, uploads echoed by nghttpd --echo-upload, several
URLs at once on one connection, trailers, --trace; bodies compared byte for
byte with the files.

usage: client_nghttpd.py H2PB SCRATCH_DIR
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Nghttpd, check, finish, make_cert, make_files, need, read_file, run, scratch  # noqa: E402

need("nghttpd", "openssl")
h2pb, work = sys.argv[1], scratch(sys.argv[2])
root = os.path.join(work, "www")
make_files(root)
cert, key = make_cert(work)
big = read_file(os.path.join(root, "big.bin"))
small = read_file(os.path.join(root, "100.bin"))
upload = os.urandom(16 * 1024 * 1024 + 11)
upload_path = os.path.join(work, "upload.bin")
with open(upload_path, "wb") as f:
    f.write(upload)
out = os.path.join(work, "out.bin")


def get(*args, timeout=90):
    if os.path.exists(out):
        os.remove(out)
    return run([h2pb, "get"] + list(args), timeout=timeout)


for tls in (None, (cert, key)):
    mode = "TLS" if tls else "h2c"
    opts = ["--cacert", cert] if tls else []
    with Nghttpd(root, tls=tls, extra=["--trailer", "x-from-nghttpd: trailer-value"]) as srv:
        host = "localhost"
        for path, want in (("/100.bin", small), ("/big.bin", big)):
            r = get(*opts, "-o", out, srv.url(path, host))
            body = read_file(out) if os.path.exists(out) else b""
            check(r.returncode == 0 and body == want,
                  "%s GET %s: %d octets identical (exit %d)" % (mode, path, len(body), r.returncode))
        text = r.stdout.decode(errors="replace")
        check(":status: 200" in text and "content-length: %d" % len(big) in text,
              "%s status and header fields printed" % mode)
        check("x-from-nghttpd: trailer-value" in text, "%s trailers printed after the body" % mode)

        r = get(*opts, "--data", upload_path, "-o", out, srv.url("/upload", host), timeout=120)
        body = read_file(out) if os.path.exists(out) else b""
        check(r.returncode == 0 and body == upload,
              "%s POST 16 MiB echoed by nghttpd --echo-upload: %d octets identical" % (mode, len(body)))

        urls = [srv.url(p, host) for p in ("/100.bin", "/big.bin", "/index.html", "/sub/a.txt")] * 5
        r = get(*opts, "--no-body", *urls, timeout=120)
        lengths = [int(m) for m in re.findall(rb"\((\d+) octets of body\)", r.stdout)]
        want = [len(small), len(big), len(read_file(os.path.join(root, "index.html"))),
                len(read_file(os.path.join(root, "sub", "a.txt")))] * 5
        check(r.returncode == 0 and lengths == want, "%s 20 URLs concurrently on one connection" % mode)

        r = get(*opts, "--trace", srv.url("/100.bin", host))
        t = r.stdout.decode(errors="replace")
        check(r.returncode == 0 and "client preface" in t and re.search(r"send\s+\d+\s+HEADERS\s+stream 1", t)
              and re.search(r"recv\s+\d+\s+DATA\s+stream 1\s+length 100", t) and ":path: /100.bin" in t,
              "%s --trace shows the preface, HEADERS (decoded) and DATA" % mode)

        r = get(*opts, srv.url("/no-such-file", host))
        check(r.returncode == 0 and b":status: 404" in r.stdout, "%s 404 is a response, not an error" % mode)
        if tls:
            r = get(srv.url("/100.bin", host))
            check(r.returncode == 1 and b"certificate verify failed" in r.stderr,
                  "without --cacert the self-signed certificate is refused")
            r = get("--insecure", "-o", out, srv.url("/100.bin", host))
            check(r.returncode == 0 and read_file(out) == small, "--insecure skips verification")
            r = get("--cacert", cert, "-o", out, srv.url("/100.bin", "127.0.0.1"))
            check(r.returncode == 0 and read_file(out) == small, "the certificate's IP address SAN is checked")

r = get("http://127.0.0.1:1/")
check(r.returncode == 1 and b"cannot connect" in r.stderr, "connection refused is reported")
finish()
