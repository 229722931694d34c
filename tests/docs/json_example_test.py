#!/usr/bin/python3
"""docs/proto_codec.md, "JSON": the page's JSON outputs are what the example
program prints, and what libprotobuf prints for the same messages.

usage: json_example_test.py SOURCE_ROOT PROGRAM PROTOC

PROGRAM (docs/examples/snippets/json.cpp) runs the page's C++ blocks and
prints each output under a line "== NAME ==". On the page, a fenced block
right after `<!-- json-output: NAME -->` must be exactly that output (every
such marker must name an output, and every output must be shown). Each
output is then compared with libprotobuf's python json_format (protobuf
4.21, the same C++ library underneath) for the messages the blocks build:
the compact text byte for byte, the pretty one as the same JSON value, the
Any with its "@type", and the error case must be rejected by
json_format.Parse too.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from google.protobuf import any_pb2, json_format

root, program, protoc = sys.argv[1:4]
problems = []

run = subprocess.run([program], capture_output=True, text=True)
if run.returncode != 0:
    problems.append(f"{program} exited {run.returncode}: {run.stderr}")
outputs = {}
name = None
for line in run.stdout.split("\n"):
    m = re.fullmatch(r"== (\w+) ==", line)
    if m:
        name = m.group(1)
        outputs[name] = []
    elif name is not None:
        outputs[name].append(line)
outputs = {k: "\n".join(v).rstrip("\n") for k, v in outputs.items()}

# The page's output blocks.
page_name = "docs/proto_codec.md"
page = open(os.path.join(root, page_name), encoding="utf-8").read().split("\n")
shown = set()
for i, line in enumerate(page):
    m = re.fullmatch(r"<!-- json-output: (\w+) -->", line)
    if not m:
        continue
    j = i + 2
    while j < len(page) and page[j] != "```":
        j += 1
    block = "\n".join(page[i + 2:j])
    if not page[i + 1].startswith("```"):
        problems.append(f"{page_name} line {i + 1}: no fenced block after the marker")
    elif m.group(1) not in outputs:
        problems.append(f"{page_name} line {i + 1}: the program prints no output {m.group(1)}")
    elif block != outputs[m.group(1)]:
        problems.append(f"{page_name} line {i + 1}: the block differs from the program's output:\n"
                        f"--- page\n{block}\n--- program\n{outputs[m.group(1)]}")
    shown.add(m.group(1))
for k in outputs:
    if k not in shown:
        problems.append(f"{page_name}: output {k} is not shown on the page")

# The reference: the same messages through libprotobuf's json_format.
with tempfile.TemporaryDirectory() as tmp:
    subprocess.run([protoc, "--python_out=" + tmp, "-I", os.path.join(root, "docs/examples"),
                    "analytics_service.proto"], check=True)
    sys.path.insert(0, tmp)
    import analytics_service_pb2 as pb  # noqa: E402

    ev = pb.Event(event_id="abc123", event_type="click", timestamp=1710000000,
                  properties={"page": "/checkout"})
    compact = json.dumps(json_format.MessageToDict(ev), separators=(",", ":"))
    if outputs.get("compact") != compact:
        problems.append(f"compact: {outputs.get('compact')!r}\n  libprotobuf: {compact!r}")
    with_options = json_format.MessageToDict(pb.Event(event_id="abc123"), preserving_proto_field_name=True,
                                             including_default_value_fields=True)
    pretty = json.dumps(with_options, indent=2)
    if outputs.get("options") != pretty:
        problems.append(f"options: {outputs.get('options')!r}\n  libprotobuf: {pretty!r}")
    try:
        json_format.Parse('{"eventId": "a", "properties": {"page": 7}}', pb.Event())
        problems.append("error: libprotobuf accepts the text the page shows rejected")
    except json_format.ParseError:
        pass
    if "error" not in outputs or not outputs["error"].startswith("$.properties.page: "):
        problems.append(f"error: {outputs.get('error')!r} does not name $.properties.page")
    a = any_pb2.Any()
    a.Pack(ev)
    any_text = json.dumps(json_format.MessageToDict(a), separators=(",", ":"))
    if outputs.get("any") != any_text:
        problems.append(f"any: {outputs.get('any')!r}\n  libprotobuf: {any_text!r}")

for p in problems:
    print("FAIL:", p)
print(f"{len(outputs)} outputs, {len(shown)} page blocks, {len(problems)} problem(s)")
sys.exit(1 if problems or not outputs else 0)
