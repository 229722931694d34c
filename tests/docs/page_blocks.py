"""The check that a doc page's code blocks are the files they come from.

A code block right after a line `<!-- file: PATH -->` must be a run of
consecutive lines of PATH (relative to the source root), so that what a page
shows is code that the tests build and run. Used by grpc_call_test.py
(docs/grpc_call.md), analytics_test.py (docs/grpc_client.md) and
blocks_test.py (every C++ block of every page).
"""
import os
import re


def check_file_blocks(root, page_name):
    """Returns (number of checked blocks, list of problems) for the page
    `page_name` (relative to `root`)."""
    page = open(os.path.join(root, page_name), encoding="utf-8").read().split("\n")
    problems = []
    shown = 0
    i = 0
    while i < len(page):
        m = re.match(r"<!-- file: (\S+) -->", page[i])
        if m and i + 1 < len(page) and page[i + 1].startswith("```"):
            j = i + 2
            block = []
            while j < len(page) and page[j] != "```":
                block.append(page[j])
                j += 1
            lines = open(os.path.join(root, m.group(1)), encoding="utf-8").read().rstrip("\n").split("\n")
            found = any(lines[k:k + len(block)] == block for k in range(len(lines) - len(block) + 1))
            if not block or not found:
                problems.append(f"{page_name} line {i + 1}: the block is not a run of lines of {m.group(1)}")
            shown += 1
            i = j
        i += 1
    return shown, problems
