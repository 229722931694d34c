#!/usr/bin/python3
"""Tests `h2pb hpack` (tools/h2pb/cmd_hpack.cpp).

Expected header lists and tables are RFC 7541 Appendix C's; encoder output is
checked by decoding it with python-hpack (python3-hpack, an independent
implementation) as well as with `h2pb hpack decode`.

usage: hpack_cli_test.py PATH_TO_H2PB
"""
import json
import subprocess
import sys

H2PB = sys.argv[1]
failures = []


def run(*args, stdin=None):
    p = subprocess.run([H2PB, "hpack", *args], input=stdin, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


# RFC 7541 C.3.1-C.3.3 (requests, no Huffman), decoded in sequence.
C3 = ["8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
      "8286 84be 5808 6e6f 2d63 6163 6865",
      "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"]
C3_HEADERS = [
    [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")],
    [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"),
     ("cache-control", "no-cache")],
    [(":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"),
     ("custom-key", "custom-value")],
]
C3_TABLES = [
    [(57, ":authority", "www.example.com")],
    [(53, "cache-control", "no-cache"), (57, ":authority", "www.example.com")],
    [(54, "custom-key", "custom-value"), (53, "cache-control", "no-cache"), (57, ":authority", "www.example.com")],
]
C3_SIZES = [57, 110, 164]

code, out, err = run("decode", "--format", "json", *C3)
check(code == 0, f"C.3 decode exits 0 (got {code}, {err})")
doc = json.loads(out)
check(doc["ok"] is True, "C.3 ok")
check(len(doc["blocks"]) == 3, "C.3 three blocks")
for i, block in enumerate(doc["blocks"]):
    got = [(h["name"], h["value"]) for h in block["headers"]]
    check(got == C3_HEADERS[i], f"C.3.{i + 1} header list: {got}")
    table = [(e["size"], e["name"], e["value"]) for e in block["table"]["entries"]]
    check(table == C3_TABLES[i], f"C.3.{i + 1} dynamic table: {table}")
    check(block["table"]["size"] == C3_SIZES[i], f"C.3.{i + 1} table size")
    check(block["hex"] == C3[i].replace(" ", ""), f"C.3.{i + 1} echoes its octets")
# Representation details, as the RFC's "Decoding process" shows them.
reps = doc["blocks"][0]["representations"]
check([r["kind"] for r in reps] == ["indexed"] * 3 + ["literal_with_indexing"], "C.3.1 kinds")
check([r.get("index") for r in reps[:3]] == [2, 6, 4], "C.3.1 indexes")
check(reps[3]["name_index"] == 1 and reps[3]["value_octets"] == 15 and reps[3]["value_huffman"] is False,
      "C.3.1 literal: name index 1, raw value of 15 octets")
check(reps[3]["offset"] == 3 and reps[3]["length"] == 17 and reps[3]["added"] is True, "C.3.1 literal octets")
check(doc["blocks"][1]["representations"][3]["index"] == 62, "C.3.2 uses dynamic index 62")

# C.4.1 (Huffman): the text output says so.
code, out, err = run("decode", "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff")
check(code == 0, "C.4.1 decode exits 0")
check("huffman 12 octets -> 15" in out and ":authority: www.example.com" in out, "C.4.1 text names Huffman")
check("[ 62] (s =  57) :authority: www.example.com" in out, "C.4.1 text shows the dynamic table")

# C.5 with SETTINGS_HEADER_TABLE_SIZE 256: after C.5.3 three entries remain.
C5 = ["4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 "
      "3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
      "4803 3330 37c1 c0bf",
      "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 "
      "666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 "
      "3630 303b 2076 6572 7369 6f6e 3d31"]
code, out, err = run("decode", "--format", "json", "--table-size", "256", *C5)
check(code == 0, f"C.5 decode exits 0 ({err})")
last = json.loads(out)["blocks"][2]["table"]
check([e["size"] for e in last["entries"]] == [98, 52, 65] and last["size"] == 215, f"C.5.3 table {last}")

# Malformed input: exit 1, offset and rule.
code, out, err = run("decode", "82", "80")
check(code == 1, "index 0 exits 1")
check("block 2, offset 0" in err and "index 0" in err, f"index 0 message: {err!r}")
code, out, err = run("decode", "--format", "json", "41 84 ff ff ff ff")
check(code == 1, "EOS exits 1")
e = json.loads(out)["blocks"][0]["error"]
check(e["code"] == "huffman_eos" and e["offset"] == 2, f"EOS error in JSON: {e}")
code, out, err = run("decode", "3fe21f")
check(code == 1 and "offset 0" in err and "SETTINGS_HEADER_TABLE_SIZE" in err, f"size update too large: {err!r}")
code, out, err = run("decode", "zz")
check(code == 1 and "not hex" in err, "non-hex input exits 1")
code, out, err = run("encode", stdin="no colon here\n")
check(code == 1 and "line 1" in err, "encode: a line without ':' exits 1")
code, out, err = run("frobnicate")
check(code == 2, "unknown mode is a usage error")

# Encode: the output decodes back, with python-hpack and with h2pb.
LISTS = [
    [(":method", "GET"), (":scheme", "https"), (":path", "/helloworld.Greeter/SayHello"),
     (":authority", "localhost:50051"), ("content-type", "application/grpc"), ("te", "trailers"),
     ("authorization", "Bearer abc"), ("grpc-timeout", "1S")],
    [(":method", "GET"), (":scheme", "https"), (":path", "/helloworld.Greeter/SayHello"),
     (":authority", "localhost:50051"), ("content-type", "application/grpc"), ("te", "trailers"),
     ("x-odd", "caf\u00e9 <>{}")],
]
text = "\n\n".join("\n".join(f"{n}: {v}" for n, v in block) for block in LISTS) + "\n"
code, out, err = run("encode", "--format", "json", stdin=text)
check(code == 0, f"encode exits 0 ({err})")
blocks = json.loads(out)["blocks"]
check(len(blocks) == 2, "encode: two blocks")
try:
    import hpack  # python3-hpack, a dependency of python3-h2
    d = hpack.Decoder()
    for i, block in enumerate(blocks):
        got = [(n, v) for n, v in d.decode(bytes.fromhex(block["hex"]), raw=False)]
        check(got == LISTS[i], f"python-hpack decodes encode block {i + 1}: {got}")
except ImportError:
    print("note: python3-hpack not installed; checked with h2pb only")
# h2pb's own decoder, and the never-indexed mark of authorization.
code, out, err = run("decode", "--format", "json", *[b["hex"] for b in blocks])
check(code == 0, "h2pb decodes encode's output")
doc = json.loads(out)
for i, block in enumerate(doc["blocks"]):
    got = [(h["name"], h["value"]) for h in block["headers"]]
    check(got == LISTS[i], f"h2pb decodes encode block {i + 1}: {got}")
auth = [h for h in doc["blocks"][0]["headers"] if h["name"] == "authorization"][0]
check(auth["never_indexed"] is True, "authorization is sent never indexed")
check(len(blocks[1]["hex"]) < len(blocks[0]["hex"]) // 2, "the second block reuses the dynamic table")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
