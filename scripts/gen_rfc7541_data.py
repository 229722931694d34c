#!/usr/bin/python3
"""Copies RFC 7541's appendices A, B and C into tests/data/rfc7541/.

    scripts/gen_rfc7541_data.py RFC7541_TXT OUT_DIR          # write the files
    scripts/gen_rfc7541_data.py RFC7541_TXT OUT_DIR --check  # exit 1 if one differs

The tests and the table generators read these files, so that a plain clone of
the repository needs nothing beside it:

    appendix-a-static-table.txt  Appendix A, the static table
                                 (tests/hpack/static_table_test.cpp)
    appendix-b-huffman-code.txt  Appendix B, the Huffman code
                                 (scripts/gen_hpack_huffman.py -> hpack/huffman_table.hpp)
    appendix-c-examples.txt      Appendix C, the examples
                                 (scripts/gen_rfc7541_examples.py -> tests/hpack/rfc7541_examples.hpp)

Each file is a short header of '#' lines (where the text comes from), then the
appendix exactly as the RFC prints it, from its title line up to the next
appendix (or "Acknowledgments"), with the page furniture left out: the page
footer ("Peon & Ruellan ... [Page N]"), the form feed, the running header
("RFC 7541  HPACK  May 2015") and the run of blank lines a page break leaves
(any run of blank lines becomes one). Nothing else is changed, so the meson
test hpack/rfc7541_data_matches_rfc (defined when the RFC text is beside the
repository, in ../shared/reference) can check every file against the RFC.
"""
import os
import re
import sys

# (file name, first line's prefix, the prefix of the line after the appendix)
APPENDICES = [
    ("appendix-a-static-table.txt", "Appendix A.", "Appendix B."),
    ("appendix-b-huffman-code.txt", "Appendix B.", "Appendix C."),
    ("appendix-c-examples.txt", "Appendix C.", "Acknowledgments"),
]

FOOTER = re.compile(r"^Peon & Ruellan\s+Standards Track\s+\[Page \d+\]$")
RUNNING_HEADER = re.compile(r"^RFC 7541\s+HPACK\s+May 2015$")


def without_page_furniture(lines):
    out = []
    for line in lines:
        if FOOTER.match(line) or RUNNING_HEADER.match(line) or "\f" in line:
            continue
        if not line.strip() and out and not out[-1].strip():
            continue  # one blank line where a page break left several
        out.append(line.rstrip())
    while out and not out[-1].strip():
        out.pop()
    return out


def appendix(rfc_lines, first, after):
    try:
        start = next(i for i, l in enumerate(rfc_lines) if l.startswith(first))
        end = next(i for i, l in enumerate(rfc_lines) if i > start and l.startswith(after))
    except StopIteration:
        raise SystemExit(f"RFC text: no section from {first!r} to {after!r}")
    return without_page_furniture(rfc_lines[start:end])


def render(name, body):
    title = body[0].split(".", 1)[1].strip()
    section = body[0].split(".", 1)[0]
    head = [
        f"# RFC 7541 (HPACK: Header Compression for HTTP/2), {section}: {title}.",
        "# Source: https://www.rfc-editor.org/rfc/rfc7541.txt, the appendix as the RFC",
        "# prints it with the page footers, running headers and page-break blank lines",
        "# left out. Copyright (c) 2015 IETF Trust and the persons identified as the",
        "# document authors. All rights reserved. See README.md beside this file.",
        f"# Written by scripts/gen_rfc7541_data.py; do not edit ({name}).",
        "",
    ]
    return "\n".join(head + body) + "\n"


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    if len(args) != 2:
        raise SystemExit(__doc__)
    rfc, out_dir = args
    with open(rfc, encoding="ascii") as f:
        rfc_lines = f.read().splitlines()
    status = 0
    for name, first, after in APPENDICES:
        text = render(name, appendix(rfc_lines, first, after))
        path = os.path.join(out_dir, name)
        if "--check" in sys.argv:
            try:
                with open(path, encoding="ascii") as f:
                    current = f.read()
            except FileNotFoundError:
                current = None
            if current != text:
                print(f"{path} is not {first[:-1]} of {rfc} (run {sys.argv[0]} without --check)",
                      file=sys.stderr)
                status = 1
            else:
                print(f"{path} is {first[:-1]} of {rfc}")
        else:
            with open(path, "w", encoding="ascii") as f:
                f.write(text)
    return status


if __name__ == "__main__":
    sys.exit(main())
