#!/usr/bin/env python3
"""The generated code h2pb ships under rpc/generated/ (header-only consumers
cannot run protoc-gen-h2pb): grpc.health.v1 and grpc.reflection.v1/v1alpha,
from Debian's grpc-proto (/usr/share/grpc-proto).

  checked_in.py --plugin PATH [--protoc protoc] [--clang-format clang-format] --check
                                     # exit 1 if rpc/generated differs
  checked_in.py --plugin PATH --update                     # rewrite rpc/generated

The plugin's output is passed through clang-format (the repository's
.clang-format) before it is compared or written, so the checked-in files are
as clang-format clean as the rest of the tree.

The parameters: messages and services, the embedded file descriptors
(`descriptors`, for server reflection) and includes that work from the
installed include tree (`include_prefix=h2pb/rpc/generated`).
"""
import argparse
import filecmp
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

PROTO_ROOT = '/usr/share/grpc-proto'
PROTOS = [
    'grpc/health/v1/health.proto',
    'grpc/reflection/v1/reflection.proto',
    'grpc/reflection/v1alpha/reflection.proto',
]
PARAMS = 'services,descriptors,include_prefix=h2pb/rpc/generated'
REPO = pathlib.Path(__file__).resolve().parents[2]
SOURCE = REPO / 'rpc' / 'generated'


def generate(protoc, plugin, out):
    subprocess.run([protoc, f'--plugin=protoc-gen-h2pb={plugin}', f'--proto_path={PROTO_ROOT}',
                    f'--h2pb_out={PARAMS}:{out}'] + PROTOS, check=True)


def format_all(clang_format, root):
    files = [str(pathlib.Path(root) / rel) for rel in files_under(root)]
    subprocess.run([clang_format, '-i', f'--style=file:{REPO / ".clang-format"}'] + files, check=True)


def files_under(root):
    return sorted(p.relative_to(root) for p in pathlib.Path(root).rglob('*.hpp'))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--plugin', required=True)
    ap.add_argument('--protoc', default='protoc')
    ap.add_argument('--clang-format', default='clang-format')
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument('--check', action='store_true')
    mode.add_argument('--update', action='store_true')
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generate(a.protoc, a.plugin, tmp)
        format_all(a.clang_format, tmp)
        fresh = files_under(tmp)
        if a.update:
            for rel in fresh:
                dst = SOURCE / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(pathlib.Path(tmp) / rel, dst)
            print(f'wrote {len(fresh)} files under {SOURCE}')
            return 0
        kept = files_under(SOURCE) if SOURCE.is_dir() else []
        bad = []
        if kept != fresh:
            bad.append(f'file lists differ: checked in {kept}, generated {fresh}')
        for rel in fresh:
            if (SOURCE / rel).exists() and not filecmp.cmp(pathlib.Path(tmp) / rel, SOURCE / rel,
                                                           shallow=False):
                bad.append(f'{rel} differs from what the plugin generates')
        for b in bad:
            print('FAIL:', b)
        if bad:
            print('regenerate with: tools/protoc-gen-h2pb/checked_in.py --plugin PATH --update')
            return 1
        print(f'OK: {len(fresh)} files match')
        return 0


if __name__ == '__main__':
    sys.exit(main())
