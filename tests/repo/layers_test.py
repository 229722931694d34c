#!/usr/bin/python3
"""The layering rules of docs/architecture.md, checked over every header.

usage: layers_test.py SOURCE_ROOT

Each header belongs to a layer by its folder (rpc/generated/ splits by file:
NAME.h2pb.hpp messages are rpc, NAME.h2pb.grpc.hpp services are rpc/asio).
A layer may include h2pb headers only from the layers ALLOWED lists for it,
and, outside the two Asio layers, nothing that does I/O: no Boost, no
OpenSSL, no sockets, files, threads or clocks (BANNED_HEADERS, and the
BANNED_CALLS in the code with comments and string literals removed). Any
other header from outside the standard library must be listed in
EXTERNAL_OK. Every include of every header is checked; a violation prints
`FILE:LINE: LAYER may not include X (why)` and the test fails.

Before the tree, the checker runs on a small made-up tree with one violation
of each kind and must report each, so that the test can fail.
"""
import os
import re
import sys
import tempfile

LAYERS = ["wire", "proto_codec", "hpack", "h2", "h2/asio", "rpc", "rpc/asio"]

# Which h2pb layers a layer's headers may include (itself included).
# proto_codec and hpack are siblings on top of wire; h2 frames HPACK blocks;
# rpc uses h2's error codes, HPACK's field type and generated messages
# (proto_codec); only the */asio layers may include an Asio layer.
ALLOWED = {
    "wire": {"wire"},
    "proto_codec": {"wire", "proto_codec"},
    "hpack": {"wire", "hpack"},
    "h2": {"wire", "hpack", "h2"},
    "h2/asio": {"wire", "hpack", "h2", "h2/asio"},
    "rpc": {"wire", "proto_codec", "hpack", "h2", "rpc"},
    "rpc/asio": {"wire", "proto_codec", "hpack", "h2", "h2/asio", "rpc", "rpc/asio"},
}
ASIO_LAYERS = {"h2/asio", "rpc/asio"}

# Headers of other libraries, by layer: (file pattern, include pattern).
EXTERNAL_OK = {
    "h2/asio": [(r".*", r"boost/.*"), (r".*", r"openssl/.*")],
    "rpc/asio": [(r".*", r"boost/.*")],
    # Optional gzip/deflate, in its own header and its own meson dependency.
    "rpc": [(r"rpc/zlib\.hpp", r"zlib\.h")],
    # The SIMD base64 path, guarded by __SSSE3__ (compiler intrinsics:
    # tmmintrin.h, SSSE3's own header, not immintrin.h's every extension).
    "wire": [(r"wire/base64\.hpp", r"tmmintrin\.h")],
}

# Below the Asio layers, nothing does I/O, spawns a thread or reads a clock.
BANNED_HEADERS = {
    "thread", "future", "condition_variable", "semaphore", "latch", "barrier", "stop_token",
    "fstream", "iostream", "filesystem",
}
BANNED_CALLS = re.compile(
    r"\bstd::(?:thread|jthread|this_thread|async|cout|cerr|getenv)\b|_clock::now\b|"
    r"\b(?:fopen|socket|getenv)\s*\(")

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
H2PB = re.compile(r"^h2pb/([a-z_0-9]+)(?:/(asio|generated|detail))?/")
STD_HEADER = re.compile(r"^[a-z_0-9]+$")  # <vector>, <cstdint>, ...


def layer_of(rel):
    """The layer of a header, by its path relative to the source root."""
    parts = rel.split("/")
    if parts[0] in ("h2", "rpc") and len(parts) > 2 and parts[1] == "asio":
        return parts[0] + "/asio"
    if parts[0] == "rpc" and len(parts) > 2 and parts[1] == "generated":
        return "rpc/asio" if rel.endswith(".grpc.hpp") else "rpc"
    return parts[0] if parts[0] in LAYERS else None


def included_layer(path):
    """The layer of an included h2pb header (h2pb/LAYER/...), or None."""
    m = H2PB.match(path)
    if not m:
        return None
    if m.group(2) == "asio":
        return m.group(1) + "/asio"
    if m.group(2) == "generated":
        return "rpc/asio" if path.endswith(".grpc.hpp") else "rpc"
    return m.group(1)


def code_only(text):
    """The text with comments, string and character literals blanked."""
    text = re.sub(r'R"(\w*)\((?:.|\n)*?\)\1"', '""', text)
    text = re.sub(r"//[^\n]*|/\*(?:.|\n)*?\*/", " ", text)
    return re.sub(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', '""', text)


def check_file(root, rel):
    layer = layer_of(rel)
    problems = []
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        text = f.read()
    for n, line in enumerate(text.splitlines(), 1):
        m = INCLUDE.match(line)
        if not m:
            continue
        inc = m.group(2)
        where = f"{rel}:{n}: {layer} may not include {inc}"
        target = included_layer(inc)
        if target is not None:
            if target not in ALLOWED[layer]:
                problems.append(f"{where} (it may include {', '.join(sorted(ALLOWED[layer]))})")
        elif inc.startswith("h2pb/"):
            problems.append(f"{where} (not a layer of h2pb)")
        elif STD_HEADER.match(inc):
            if inc in BANNED_HEADERS and layer not in ASIO_LAYERS:
                problems.append(f"{where} (I/O, threads or clocks belong to the Asio layers)")
        elif not any(re.fullmatch(fp, rel) and re.fullmatch(ip, inc)
                     for fp, ip in EXTERNAL_OK.get(layer, [])):
            problems.append(f"{where} (another library: only EXTERNAL_OK lists them)")
    if layer not in ASIO_LAYERS:
        code = code_only(text)
        for m in BANNED_CALLS.finditer(code):
            n = code.count("\n", 0, m.start()) + 1
            problems.append(f"{rel}:{n}: {layer} may not use {m.group(0).strip()} "
                            "(I/O, threads or clocks belong to the Asio layers)")
    return problems


def check_tree(root):
    problems, count = [], 0
    for layer_dir in ("wire", "proto_codec", "hpack", "h2", "rpc"):
        for dirpath, _, files in os.walk(os.path.join(root, layer_dir)):
            for name in sorted(files):
                if name.endswith(".hpp"):
                    count += 1
                    problems += check_file(root, os.path.relpath(os.path.join(dirpath, name), root))
    return problems, count


SELF_TEST = {
    # (file, content, the phrase its report must contain)
    "wire/a.hpp": ("#include <h2pb/hpack/field.hpp>\n", "wire may not include h2pb/hpack"),
    "hpack/b.hpp": ("#include <h2pb/proto_codec/scalar.hpp>\n", "hpack may not include h2pb/proto"),
    "h2/c.hpp": ("#include <boost/asio.hpp>\n", "h2 may not include boost/asio.hpp"),
    "h2/d.hpp": ("#include <h2pb/h2/asio/server.hpp>\n", "h2 may not include h2pb/h2/asio"),
    "rpc/e.hpp": ("#include <thread>\n", "rpc may not include thread"),
    "rpc/f.hpp": ("// std::thread in a comment is fine\nauto t = std::chrono::steady_clock::now();\n",
                  "rpc/f.hpp:2: rpc may not use _clock::now"),
    "rpc/generated/x/g.h2pb.hpp": ('#include "h2pb/rpc/asio/service.hpp"\n',
                                   "rpc may not include h2pb/rpc/asio"),
    "proto_codec/h.hpp": ("#include <zlib.h>\n", "proto_codec may not include zlib.h"),
    "rpc/i.hpp": ("#include <h2pb/rpc/generated/x/g.h2pb.grpc.hpp>\n",
                  "rpc may not include h2pb/rpc/generated/x/g.h2pb.grpc.hpp"),
}
SELF_TEST_CLEAN = {
    "h2/asio/ok.hpp": "#include <boost/asio.hpp>\n#include <h2pb/h2/connection.hpp>\n#include <thread>\n",
    "rpc/asio/ok.hpp": '#include "h2pb/rpc/generated/x/g.h2pb.grpc.hpp"\n#include <h2pb/h2/asio/server.hpp>\n',
    "rpc/ok.hpp": '#include <h2pb/h2/error_code.hpp>\nconst char* s = "std::thread";\n',
}


def self_test():
    with tempfile.TemporaryDirectory() as tmp:
        for rel, text in list(SELF_TEST_CLEAN.items()) + [(r, c) for r, (c, _) in SELF_TEST.items()]:
            os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
            with open(os.path.join(tmp, rel), "w", encoding="utf-8") as f:
                f.write(text)
        problems, _ = check_tree(tmp)
    ok = True
    for rel, (_, phrase) in SELF_TEST.items():
        if not any(p.startswith(rel + ":") and phrase in p for p in problems):
            print(f"self-test: no report for {rel} ({phrase!r}); got {problems}")
            ok = False
    for rel in SELF_TEST_CLEAN:
        for p in problems:
            if p.startswith(rel + ":"):
                print(f"self-test: false report {p}")
                ok = False
    return ok


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    if not self_test():
        return 1
    problems, count = check_tree(sys.argv[1])
    for p in problems:
        print(p)
    print(f"{count} headers checked, {len(problems)} layering violations")
    return 1 if problems or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
