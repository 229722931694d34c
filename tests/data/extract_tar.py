#!/usr/bin/python3
"""Extracts a test-data archive into the build directory.

    extract_tar.py ARCHIVE OUT_DIR FOLDER STAMP

Removes OUT_DIR/FOLDER (a previous extraction), extracts ARCHIVE (any
compression python's tarfile reads: .tar.xz here) into OUT_DIR, checks that
OUT_DIR/FOLDER is there, then writes STAMP, the custom target's output that
the tests depend on. Members that would land outside OUT_DIR, links and device
files are refused (tarfile's "data" filter where python has it, else the same
check made here), so a damaged archive cannot write elsewhere.
"""
import os
import shutil
import sys
import tarfile


def safe_members(tar, out_dir):
    root = os.path.realpath(out_dir)
    for m in tar.getmembers():
        target = os.path.realpath(os.path.join(out_dir, m.name))
        if not (m.isfile() or m.isdir()) or os.path.commonpath([root, target]) != root:
            raise SystemExit(f"{tar.name}: refusing member {m.name!r}")
        yield m


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    archive, out_dir, folder, stamp = sys.argv[1:]
    shutil.rmtree(os.path.join(out_dir, folder), ignore_errors=True)
    with tarfile.open(archive) as tar:
        members = list(safe_members(tar, out_dir))
        if hasattr(tarfile, "data_filter"):
            tar.extractall(out_dir, members=members, filter="data")
        else:
            tar.extractall(out_dir, members=members)
    if not os.path.isdir(os.path.join(out_dir, folder)):
        raise SystemExit(f"{archive} has no folder {folder}/")
    with open(stamp, "w", encoding="ascii") as f:
        f.write(f"extracted {archive}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
