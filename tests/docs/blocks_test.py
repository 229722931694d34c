#!/usr/bin/python3
"""Every C++ block of every page is code the tests build, or a list of
declarations that are in a header the build generates.

usage: blocks_test.py SOURCE_ROOT BUILD_ROOT

Walks README.md and docs/*.md. A fenced ```cpp block must come right after
one of two markers:

  <!-- file: PATH -->            the block is a run of consecutive lines of
                                 PATH (relative to SOURCE_ROOT), a program or
                                 a snippet file the tests compile
                                 (page_blocks.py does this check)
  <!-- signatures: @build/PATH CLASS -->
                                 each line of the block (comment removed) is a
                                 declaration of PATH (relative to BUILD_ROOT,
                                 a header protoc-gen-h2pb generates), with M
                                 standing for CLASS, modulo whitespace,
                                 parameter-less `::` qualification and the
                                 inline body

A ```cpp block without a marker fails: nothing a page shows as C++ is left
unchecked.
"""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import page_blocks  # noqa: E402  (tests/docs/page_blocks.py)

root, build = sys.argv[1], sys.argv[2]
SIGNATURES = re.compile(r"<!-- signatures: @build/(\S+) (\w+) -->")


def normal(declaration):
    """One declaration as compared: no comment, no inline body (what follows
    the parameter list's `)` and `const`), no `;`, no leading `::`, single
    spaces."""
    d = declaration.split("//")[0]
    body = re.match(r"^(.*?\)(?:\s*const)?)\s*\{", d)
    if body:
        d = body.group(1)
    d = re.sub(r"(?<![\w:])::", "", d)
    d = d.strip().rstrip(";").strip()
    return re.sub(r"\s+", " ", d)


def check_signatures(page_name, line_no, header, cls, block):
    path = os.path.join(build, header)
    if not os.path.exists(path):
        return [f"{page_name} line {line_no}: {header} is not in the build tree (build it first)"]
    declared = {normal(re.sub(rf"\b{cls}\b", "M", line)) for line in open(path, encoding="utf-8")}
    problems = []
    for k, b in enumerate(block):
        if b.strip() and normal(b) not in declared:
            problems.append(f"{page_name} line {line_no + 2 + k}: `{normal(b)}` is not declared in {header}"
                            f" (for {cls})")
    return problems


pages = ["README.md"] + sorted(os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "docs", "*.md")))
problems = []
cpp_blocks = file_blocks = signature_blocks = 0
for page_name in pages:
    lines = open(os.path.join(root, page_name), encoding="utf-8").read().split("\n")
    for i, line in enumerate(lines):
        if not re.match(r"```\s*(cpp|c\+\+)\s*$", line):
            continue
        cpp_blocks += 1
        before = lines[i - 1] if i else ""
        j = i + 1
        while j < len(lines) and lines[j] != "```":
            j += 1
        sig = SIGNATURES.fullmatch(before)
        if sig:
            signature_blocks += 1
            problems += check_signatures(page_name, i, sig.group(1), sig.group(2), lines[i + 1:j])
        elif not re.fullmatch(r"<!-- file: \S+ -->", before):
            problems.append(f"{page_name} line {i + 1}: a cpp block without <!-- file: PATH --> "
                            "or <!-- signatures: ... --> right before it")
    shown, p = page_blocks.check_file_blocks(root, page_name)
    file_blocks += shown
    problems += p

for p in problems:
    print("FAIL:", p)
print(f"{len(pages)} pages, {cpp_blocks} cpp blocks ({signature_blocks} signature lists), "
      f"{file_blocks} blocks checked against their files, {len(problems)} problem(s)")
sys.exit(1 if problems or cpp_blocks == 0 else 0)
