#!/usr/bin/python3
"""`PROGRAM --version` prints exactly "NAME VERSION" and exits 0, where VERSION
is meson's project version (meson.build's `version:`), passed by the meson test.

usage: version_test.py PROGRAM NAME VERSION
"""
import subprocess
import sys


def main():
    program, name, version = sys.argv[1:]
    r = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    want = f"{name} {version}\n"
    if r.returncode != 0 or r.stdout != want:
        print(f"{program} --version: exit {r.returncode}, stdout {r.stdout!r}, stderr {r.stderr!r}; "
              f"expected exit 0 and {want!r}")
        return 1
    print(f"{program} --version: {r.stdout.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
