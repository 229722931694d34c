"""The check that the bytes a page quotes in its prose are bytes the tools
produce.

An inline code span of two or more hex octets (`0a 03 72 2d 31`, or with
`...` for octets left out: `40 89 ... 82 6f 77`) in a page's prose must occur,
octet for octet (each run between `...` in order), in one of:

- a fenced block of the same page — the outputs (and the inputs) of the
  commands the page shows, and its dumps; the page's own test already checks
  that those are what the tools print (tests/tools/docs_test.py,
  tests/hpack/hpack_docs_test.py) or what protoc encodes
  (tests/interop/proto_codec/doc_dumps_test.py);
- or, for the quotes of a paragraph followed by comments
  `<!-- bytes: COMMAND -->` (no blank line between), only in the output of
  those commands, which the test runs (`sh -c` in the source root): how a
  statement is checked against a tool or a reference library — that these
  octets are the number the prose says (python's `hpack`, protobuf's
  python encoder, protoc, h2pb).

Octets are read from any text as the two-hex-digit words in it, so a dump
may wrap lines and carry offsets and labels between its columns only where
the quote leaves octets out with `...`.
"""
import re

SPAN = re.compile(r"`((?:[0-9a-f]{2}|\.\.\.)(?: (?:[0-9a-f]{2}|\.\.\.))+)`")
OCTET = re.compile(r"(?<![0-9A-Za-z_])[0-9a-f]{2}(?![0-9A-Za-z_])")
EVIDENCE = re.compile(r"<!-- bytes: (.*?) -->")


def octets(text):
    return OCTET.findall(text)


def _contains(stream, pieces):
    """True when the runs `pieces` occur in `stream`, in order."""
    start = 0
    for piece in pieces:
        n = len(piece)
        for k in range(start, len(stream) - n + 1):
            if stream[k:k + n] == piece:
                start = k + n
                break
        else:
            return False
    return True


def check_inline_bytes(page_text, page_name, run):
    """Returns (number of quotes checked, list of problems). `run(command)`
    returns a command's output lines (standard output and error)."""
    lines = page_text.split("\n")
    blocks = []      # one octet stream per fenced block
    paragraphs = []  # (first line number, text, evidence commands)
    current = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            blocks.append(octets("\n".join(lines[i + 1:j])))
            current = None
            i = j + 1
            continue
        evidence = EVIDENCE.findall(line)
        if evidence and current is not None:
            current[2].extend(evidence)
        elif not line.strip() or line.startswith("<!--"):
            current = None
        else:
            if current is None:
                current = (i + 1, [], [])
                paragraphs.append(current)
            current[1].append(line)
        i += 1
    checked, problems = 0, []
    for first, text, commands in paragraphs:
        streams = blocks
        if commands:
            streams = []
            for cmd in commands:
                out = run(cmd)
                streams.append(octets("\n".join(out)))
                if not streams[-1]:
                    problems.append(f"{page_name} line {first}: `{cmd}` printed no octets: {out!r}")
        for m in SPAN.finditer(" ".join(text)):
            pieces = [p.split() for p in m.group(1).split("...")]
            pieces = [p for p in pieces if p]
            if sum(len(p) for p in pieces) < 2:
                continue
            checked += 1
            if not any(_contains(s, pieces) for s in streams):
                where = "its <!-- bytes: ... --> commands' output" if commands else "any block of the page"
                problems.append(f"{page_name} (paragraph at line {first}): `{m.group(1)}` is not in {where}")
    return checked, problems
