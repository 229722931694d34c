#!/usr/bin/python3
"""The docs read as one course, and no link of theirs is broken.

usage: pages_test.py SOURCE_ROOT

1. Reading order. docs/README.md lists the pages as a numbered list whose
   items start `N. **NAME** — [FILE](FILE)` (the link may wrap to the next
   line). Every page in that order must end with the navigation line

       Previous: [NAME](FILE) · [Reading order](README.md) · Next: [NAME](FILE)

   naming the page before it and the page after it by their NAMEs (the
   first page has no "Previous: ..." part, the last no "... · Next: ..."),
   and docs/README.md itself must end with `Start: [NAME](FILE)` for the
   first page. Every docs/*.md page must be in the order.
2. Links. Every relative Markdown link `[text](target)` outside fenced
   blocks in README.md and docs/*.md must point at a file or folder that
   exists, and a `#anchor` at a heading of the target page (GitHub's
   heading ids: lower case, punctuation dropped, spaces as hyphens).
3. Parts blocks. A fenced block after `<!-- parts -->` splits a dump into
   its parts (as RFC 7541 Appendix C does): each line holds octets, then
   after a `|` what they mean. Each line's octets, the lines in order, must
   occur in a ```console block of the same page, whose output the page's own test
   checks against the tool (tests/hpack/hpack_docs_test.py).
"""
import glob
import os
import re
import sys

root = sys.argv[1]
sys.path.insert(0, os.path.join(root, "tests", "docs"))
import inline_bytes  # noqa: E402  (tests/docs/inline_bytes.py)

failures = []
ITEM = re.compile(r"^\d+\. \*\*(.+?)\*\*\s+—\s+\[[^\]]*\]\(([\w.-]+\.md)\)", re.M)
LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def last_line(text):
    lines = [l for l in text.split("\n") if l.strip()]
    return lines[-1] if lines else ""


def prose(text):
    """The page without its fenced blocks (links there are code, not links)."""
    out, fenced = [], False
    for line in text.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
            out.append("")
            continue
        out.append("" if fenced else line)
    return "\n".join(out)


def slug(heading):
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(path):
    ids = {}
    result = set()
    for line in prose(read(path)).split("\n"):
        m = re.match(r"^#{1,6} (.*)$", line)
        if m:
            base = slug(m.group(1))
            n = ids.get(base, 0)
            ids[base] = n + 1
            result.add(base if n == 0 else f"{base}-{n}")
    return result


# 1. Reading order and navigation lines.
docs = os.path.join(root, "docs")
index = read(os.path.join(docs, "README.md"))
order = ITEM.findall(index)
if not order:
    failures.append("docs/README.md: no numbered reading order found")
names = [f for _, f in order]
for page in sorted(os.path.basename(p) for p in glob.glob(os.path.join(docs, "*.md"))):
    if page != "README.md" and page not in names:
        failures.append(f"docs/{page} is not in the reading order of docs/README.md")
if len(set(names)) != len(names):
    failures.append(f"docs/README.md: a page appears twice in the reading order: {names}")
if order:
    want = f"Start: [{order[0][0]}]({order[0][1]})"
    if last_line(index) != want:
        failures.append(f"docs/README.md: last line is {last_line(index)!r}, expected {want!r}")
for i, (name, page) in enumerate(order):
    path = os.path.join(docs, page)
    if not os.path.exists(path):
        failures.append(f"docs/README.md: reading order names {page}, which does not exist")
        continue
    parts = []
    if i > 0:
        parts.append(f"Previous: [{order[i - 1][0]}]({order[i - 1][1]})")
    parts.append("[Reading order](README.md)")
    if i + 1 < len(order):
        parts.append(f"Next: [{order[i + 1][0]}]({order[i + 1][1]})")
    want = " · ".join(parts)
    got = last_line(read(path))
    if got != want:
        failures.append(f"docs/{page}: last line is {got!r}, expected {want!r}")

# 2. Relative links and anchors.
links = 0
for path in [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(docs, "*.md"))):
    rel = os.path.relpath(path, root)
    text = prose(read(path))
    for n, line in enumerate(text.split("\n"), 1):
        for m in LINK.finditer(line):
            target = m.group(2)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                continue
            links += 1
            file_part, _, anchor = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
            if not os.path.exists(dest):
                failures.append(f"{rel}:{n}: link {target!r}: {os.path.relpath(dest, root)} does not exist")
                continue
            if anchor:
                if not dest.endswith(".md"):
                    failures.append(f"{rel}:{n}: link {target!r}: anchor into a file that is not Markdown")
                elif anchor not in anchors(dest):
                    failures.append(f"{rel}:{n}: link {target!r}: no heading #{anchor} in {os.path.relpath(dest, root)}")

# 3. Parts blocks: their octets come from a checked console block.
FENCED = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
parts_checked = 0
for path in sorted(glob.glob(os.path.join(docs, "*.md"))):
    rel = os.path.relpath(path, root)
    text = read(path)
    blocks = list(FENCED.finditer(text))
    consoles = [inline_bytes.octets(b.group(2)) for b in blocks if b.group(1) == "console"]
    for b in blocks:
        if b.group(1) == "console" or not text[:b.start()].rstrip().endswith("<!-- parts -->"):
            continue
        parts_checked += 1
        first = text.count("\n", 0, b.start()) + 1
        # The octets are the column before the first "|" of each line.
        rows = [inline_bytes.octets(l.split("|")[0]) for l in b.group(2).split("\n")]
        rows = [r for r in rows if r]
        if not rows:
            failures.append(f"{rel}:{first}: parts block holds no octets")
        elif not any(inline_bytes._contains(c, rows) for c in consoles):
            shown = " | ".join(" ".join(r) for r in rows)
            failures.append(f"{rel}:{first}: parts block {shown} is not in any console block of the page")

for f in failures:
    print("FAIL:", f)
print(f"{len(order)} pages in order, {links} relative links, {parts_checked} parts blocks, "
      f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
