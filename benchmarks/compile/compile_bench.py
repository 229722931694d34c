#!/usr/bin/python3
"""Compile-time benchmark of h2pb (issue 16): what a program of each shape
costs to build, side by side with the same program on the reference library.

For each shape (a small, realistic program) x compiler (g++, clang++) x
optimisation (-O0, -O2) the script compiles every translation unit of the
program under `/usr/bin/time -f '%e %U %S %M'` (wall s, user s, sys s, peak
resident KB of the compiler), links it, strips a copy and reports the
stripped size; the reference libraries are shared objects, so their programs
also get "ref + its .so": the stripped program plus the shared libraries of
the library stack it loads (SYSTEM_LIBRARIES not counted). Repetitions (--repeat N) keep the minimum of each figure.
The main figure is CPU time (user + sys): wall time is skewed when other
jobs share the machine.

  shape          h2pb program                         reference program
  hpack          benchmarks/compile/hpack_h2pb.cpp    hpack_nghttp2.cpp (nghttp2)
  h2_connection  h2_connection_h2pb.cpp               h2_connection_nghttp2.cpp
  asio_server    docs/examples/hello_server.cpp       (none installed of that shape)
  asio_client    docs/examples/hello_client.cpp       (none installed of that shape)
  grpc_server    docs/examples/analytics_server.cpp   grpc_server_grpcpp.cpp (grpc++)
  grpc_client    docs/examples/analytics_client.cpp   grpc_client_grpcpp.cpp (grpc++)
  grpc_server_split
                 grpc_service_h2pb.cpp + grpc_main_h2pb.cpp
                                                      grpc_service_grpcpp.cpp + grpc_main_grpcpp.cpp
  asio_floor     (none)                               asio_floor.cpp (Boost.Asio alone)

grpc_server_split is grpc_server as a project lays it out: the service's
implementation in a unit of its own (which includes the generated headers,
not the server) and main() in another; its "units" rows say what each of
the two costs. asio_floor is no h2pb at all: the I/O skeleton of a
header-only server on Asio's coroutines (accept loop, TLS handshake, read
loop and writes, an idle timer, signals), the floor under any such unit, so
its row has only the reference side.

Each program is one self-contained file on purpose (what is measured is
what a user's file of that shape costs), so the small tables they share with
benchmarks/h2 and with each other (a gRPC request's header list) are
repeated, not shared through a header.

The grpc shapes generate their code from docs/examples/analytics_service.proto:
protoc-gen-h2pb (parameter `services,descriptors`, as tests/docs/meson.build)
for h2pb, protoc's cpp and grpc_cpp plugins for grpc++. h2pb's generated code
is headers, compiled inside the program's one TU; grpc++'s is two more TUs
(.pb.cc, .grpc.pb.cc), whose cost is added to the reference program (CPU
summed, peak memory the largest of the TUs).

Modes: "header-only" always. When the library's sources exist (the
separately compiled mode: SEPARATE_SOURCES, the four parts src/h2_server.cpp,
h2_client.cpp, rpc_server.cpp, rpc_client.cpp, as meson.build builds
libh2pb.a), every h2pb program is also compiled with
-DH2PB_SEPARATE_COMPILATION and linked with a static library of one object
per part, built once per compiler and optimisation; the link takes only the
objects the program uses. The library's own compile time is reported apart
("library" rows: CPU summed over its objects, peak the largest), and each
object in the "units" rows (shape "library"). In that mode the grpc shapes' messages
are generated with the plugin parameter `source` too (services,descriptors,
source): the headers declare the message members and the service's
methods, and analytics_service.h2pb.cpp (the messages) and, for the server,
analytics_service.h2pb.grpc.cpp (default method bodies, register_methods)
define them, more TUs of the program like grpc++'s .pb.cc and .grpc.pb.cc. Every program of more than one TU also gets its units listed
apart ("units" rows: CPU s and peak MB of each TU).

--headers: times `-fsyntax-only` of each public header alone
(include/h2pb/**.hpp, and the analytics service's generated headers) and
lists the heaviest first.

usage: compile_bench.py [--repeat N] [--only SHAPE,...] [--compilers g++,clang++]
                        [--opt O0,O2] [--modes header-only,separate] [--json FILE]
                        [--headers [--top N]]
"""
import argparse
import dataclasses
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

SOURCE_ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent
TIME = "/usr/bin/time"
TIME_FORMAT = "%e %U %S %M"

ASIO_LIBS = ["-pthread", "-lssl", "-lcrypto"]
NGHTTP2_HEADER = pathlib.Path("/usr/include/nghttp2/nghttp2.h")
GRPC_PLUGIN = pathlib.Path("/usr/bin/grpc_cpp_plugin")
PROTO = SOURCE_ROOT / "docs/examples/analytics_service.proto"
# The separately compiled library, one object per part (meson.build's
# h2pb_separate_sources; src/h2pb.cpp is the same as one file, not built here).
SEPARATE_SOURCES = [SOURCE_ROOT / "src" / name for name in
                    ("h2_server.cpp", "h2_client.cpp", "rpc_server.cpp", "rpc_client.cpp")]


class TimeOutputError(ValueError):
    """/usr/bin/time's output file did not end with the four figures."""


@dataclasses.dataclass
class Timing:
    wall: float  # seconds
    user: float  # seconds
    sys: float  # seconds
    peak_kb: int  # the compiler's peak resident set, KiB

    @property
    def cpu(self):
        return self.user + self.sys


def parse_time(text):
    """The figures of `/usr/bin/time -f '%e %U %S %M' -o FILE`'s FILE: its last
    non-empty line (GNU time writes "Command exited with non-zero status N"
    or "Command terminated by signal N" before it when the command failed)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise TimeOutputError("empty /usr/bin/time output")
    fields = lines[-1].split()
    if len(fields) != 4:
        raise TimeOutputError(f"expected 4 fields (%e %U %S %M), got {lines[-1]!r}")
    try:
        wall, user, sys_s = (float(f) for f in fields[:3])
        peak = int(fields[3])
    except ValueError as e:
        raise TimeOutputError(f"not numbers: {lines[-1]!r}") from e
    if min(wall, user, sys_s, peak) < 0:
        raise TimeOutputError(f"negative figure: {lines[-1]!r}")
    return Timing(wall, user, sys_s, peak)


def min_timing(timings):
    """Each figure's minimum over repetitions (the least disturbed run)."""
    return Timing(min(t.wall for t in timings), min(t.user for t in timings),
                  min(t.sys for t in timings), min(t.peak_kb for t in timings))


class CommandFailed(RuntimeError):
    pass


def timed(cmd, workdir):
    """Runs cmd under /usr/bin/time; its Timing, or CommandFailed."""
    time_file = pathlib.Path(workdir) / "time.txt"
    r = subprocess.run([TIME, "-f", TIME_FORMAT, "-o", str(time_file)] + cmd,
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise CommandFailed(f"{' '.join(cmd)}\n{r.stderr[-4000:]}")
    return parse_time(time_file.read_text())


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise CommandFailed(f"{' '.join(map(str, cmd))}\n{r.stderr[-4000:]}")
    return r


@dataclasses.dataclass
class Program:
    """One program: its translation units, include dirs and link flags."""
    library: str  # "h2pb", "nghttp2", "grpc++"
    sources: list
    include_dirs: list
    link_flags: list
    is_h2pb: bool = False
    defines: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Shape:
    name: str
    h2pb: Program
    reference: Program = None
    # The h2pb program in the separately compiled mode, when it differs
    # (generated code with the parameter `source`).
    h2pb_separate: Program = None


def plugin_default():
    return SOURCE_ROOT / "build/tools/protoc-gen-h2pb/protoc-gen-h2pb"


def generate(gen_dir, h2pb_plugin, want_grpcpp):
    """Generates the analytics service's code for both libraries into gen_dir;
    returns (h2pb ok, grpc++ ok, notes)."""
    notes = []
    h2pb_ok = False
    if h2pb_plugin and pathlib.Path(h2pb_plugin).exists() and shutil.which("protoc"):
        run(["protoc", f"--plugin=protoc-gen-h2pb={h2pb_plugin}",
             f"--h2pb_out=services,descriptors:{gen_dir}", f"-I{PROTO.parent}", PROTO.name])
        # The separately compiled mode's: message bodies in a .cpp of their own.
        (gen_dir / "source").mkdir(exist_ok=True)
        run(["protoc", f"--plugin=protoc-gen-h2pb={h2pb_plugin}",
             f"--h2pb_out=services,descriptors,source:{gen_dir / 'source'}", f"-I{PROTO.parent}",
             PROTO.name])
        h2pb_ok = True
    else:
        notes.append(f"protoc-gen-h2pb not found at {h2pb_plugin}: grpc shapes skipped "
                     "(ninja -C build tools/protoc-gen-h2pb/protoc-gen-h2pb)")
    grpcpp_ok = False
    if want_grpcpp and GRPC_PLUGIN.exists() and shutil.which("protoc"):
        run(["protoc", f"--cpp_out={gen_dir}", f"--grpc_out={gen_dir}",
             f"--plugin=protoc-gen-grpc={GRPC_PLUGIN}", f"-I{PROTO.parent}", PROTO.name])
        grpcpp_ok = True
    elif want_grpcpp:
        notes.append("grpc_cpp_plugin not found: no grpc++ reference")
    return h2pb_ok, grpcpp_ok, notes


def pkg_libs(*names):
    r = subprocess.run(["pkg-config", "--libs", *names], capture_output=True, text=True)
    return r.stdout.split() if r.returncode == 0 else None


def shapes(gen_dir, h2pb_gen, grpcpp_gen):
    inc = [SOURCE_ROOT / "include"]
    nghttp2 = NGHTTP2_HEADER.exists()
    ex = SOURCE_ROOT / "docs/examples"

    def h2pb(src, extra_inc=(), libs=()):
        return Program("h2pb", [src], inc + list(extra_inc), list(libs), is_h2pb=True)

    def ng(src):
        return Program("nghttp2", [HERE / src], [], ["-lnghttp2"]) if nghttp2 else None

    out = [
        Shape("hpack", h2pb(HERE / "hpack_h2pb.cpp"), ng("hpack_nghttp2.cpp")),
        Shape("h2_connection", h2pb(HERE / "h2_connection_h2pb.cpp"), ng("h2_connection_nghttp2.cpp")),
        Shape("asio_server", h2pb(ex / "hello_server.cpp", libs=ASIO_LIBS)),
        Shape("asio_client", h2pb(ex / "hello_client.cpp", libs=ASIO_LIBS)),
    ]
    if h2pb_gen:
        grpc_libs = pkg_libs("grpc++", "protobuf") if grpcpp_gen else None

        def gpp(src):
            if grpc_libs is None:
                return None
            return Program("grpc++", [HERE / src, gen_dir / "analytics_service.pb.cc",
                                      gen_dir / "analytics_service.grpc.pb.cc"], [gen_dir],
                           grpc_libs + ["-pthread"])

        def h2pb_source(srcs, server):
            # The program's own units, then the generated ones. A server also
            # compiles the service's .grpc.cpp (its default method bodies and
            # adapters); a client, using the stub alone, needs none of it.
            gen_src = gen_dir / "source"
            units = list(srcs) + [gen_src / "analytics_service.h2pb.cpp"]
            if server:
                units.append(gen_src / "analytics_service.h2pb.grpc.cpp")
            return Program("h2pb", units, inc + [gen_src], list(ASIO_LIBS), is_h2pb=True)

        out += [
            Shape("grpc_server", h2pb(ex / "analytics_server.cpp", [gen_dir], ASIO_LIBS),
                  gpp("grpc_server_grpcpp.cpp"), h2pb_source([ex / "analytics_server.cpp"], True)),
            Shape("grpc_client", h2pb(ex / "analytics_client.cpp", [gen_dir], ASIO_LIBS),
                  gpp("grpc_client_grpcpp.cpp"), h2pb_source([ex / "analytics_client.cpp"], False)),
        ]
        split = [HERE / "grpc_service_h2pb.cpp", HERE / "grpc_main_h2pb.cpp"]
        split_gpp = None
        if grpc_libs is not None:
            split_gpp = Program("grpc++", [HERE / "grpc_service_grpcpp.cpp",
                                           HERE / "grpc_main_grpcpp.cpp",
                                           gen_dir / "analytics_service.pb.cc",
                                           gen_dir / "analytics_service.grpc.pb.cc"],
                                [gen_dir], grpc_libs + ["-pthread"], defines=["COMPILE_BENCH_GRPCPP"])
        out.append(Shape("grpc_server_split",
                         Program("h2pb", split, inc + [gen_dir], list(ASIO_LIBS), is_h2pb=True),
                         split_gpp, h2pb_source(split, True)))
    out.append(Shape("asio_floor", None,
                     Program("Boost.Asio", [HERE / "asio_floor.cpp"], [], list(ASIO_LIBS))))
    return out


# Shared libraries every program here loads or could load (the C and C++
# runtimes, OpenSSL, zlib): not counted in a program's "with .so" size, which
# adds what the library under test brings as shared objects (libnghttp2,
# libgrpc++ with protobuf, abseil, re2, c-ares...). h2pb brings none.
SYSTEM_LIBRARIES = ("linux-vdso", "ld-linux", "libc.so", "libm.so", "libstdc++", "libgcc_s",
                    "libpthread", "libdl.so", "librt.so", "libssl", "libcrypto", "libz.so")


def shared_library_bytes(exe):
    """The size of the shared libraries `exe` loads (ldd), minus SYSTEM_LIBRARIES."""
    r = subprocess.run(["ldd", str(exe)], capture_output=True, text=True)
    total = 0
    for line in r.stdout.splitlines():
        parts = line.split()
        if "=>" not in parts:
            continue
        name = parts[0]
        path = parts[parts.index("=>") + 1]
        if name.startswith(SYSTEM_LIBRARIES) or not path.startswith("/"):
            continue
        total += os.path.getsize(os.path.realpath(path))
    return total


@dataclasses.dataclass
class Build:
    """A program built: compile Timing (CPU summed over its TUs, peak the
    largest), per-TU timings, link seconds, stripped size, and the size of
    the non-system shared libraries it loads."""
    compile: Timing
    units: dict
    link_wall: float
    stripped_bytes: int
    shared_bytes: int


def build_program(prog, compiler, opt, mode, workdir, repeat, library=None):
    flags = ["-std=c++20", f"-{opt}"]
    if mode == "separate" and prog.is_h2pb:
        flags.append("-DH2PB_SEPARATE_COMPILATION")
    flags += [f"-D{d}" for d in prog.defines]
    objs, units = [], {}
    for src in prog.sources:
        obj = pathlib.Path(workdir) / (pathlib.Path(src).stem + ".o")
        cmd = [compiler] + flags + [f"-I{d}" for d in prog.include_dirs] + ["-c", str(src), "-o", str(obj)]
        units[pathlib.Path(src).name] = min_timing([timed(cmd, workdir) for _ in range(repeat)])
        objs.append(str(obj))
    exe = pathlib.Path(workdir) / "program"
    link = [compiler] + flags + objs + ([str(library)] if library else []) + prog.link_flags + ["-o", str(exe)]
    link_timing = timed(link, workdir)
    stripped = pathlib.Path(workdir) / "program.stripped"
    shutil.copyfile(exe, stripped)
    run(["strip", str(stripped)])
    ts = list(units.values())
    total = Timing(sum(t.wall for t in ts), sum(t.user for t in ts), sum(t.sys for t in ts),
                   max(t.peak_kb for t in ts))
    return Build(total, units, link_timing.wall, stripped.stat().st_size, shared_library_bytes(exe))


def build_library(compiler, opt, workdir, repeat):
    """The library's parts compiled once each (separately compiled mode), one
    object per part in one archive: (archive, Timing with CPU summed over the
    objects and peak the largest, {source name: Timing})."""
    objs, units = [], {}
    for src in SEPARATE_SOURCES:
        obj = pathlib.Path(workdir) / (src.stem + ".o")
        cmd = [compiler, "-std=c++20", f"-{opt}", "-DH2PB_SEPARATE_COMPILATION",
               f"-I{SOURCE_ROOT / 'include'}", "-c", str(src), "-o", str(obj)]
        units[src.name] = min_timing([timed(cmd, workdir) for _ in range(repeat)])
        objs.append(str(obj))
    archive = pathlib.Path(workdir) / "libh2pb.a"
    if archive.exists():
        archive.unlink()
    run(["ar", "rcs", str(archive)] + objs)
    ts = list(units.values())
    total = Timing(sum(t.wall for t in ts), sum(t.user for t in ts), sum(t.sys for t in ts),
                   max(t.peak_kb for t in ts))
    return archive, total, units


def fmt_s(t):
    return f"{t:.2f}"


def fmt_mb(kb):
    return f"{kb / 1024:.0f}"


def fmt_kb(n):
    return f"{n / 1024:.0f}"


def matrix(args):
    workroot = pathlib.Path(tempfile.mkdtemp(prefix="h2pb-compile-bench-"))
    try:
        gen_dir = workroot / "gen"
        gen_dir.mkdir()
        selected = set(args.only.split(",")) if args.only else None
        want_grpc = selected is None or bool(selected & {"grpc_server", "grpc_client",
                                                         "grpc_server_split"})
        h2pb_gen, grpcpp_gen, notes = (generate(gen_dir, args.plugin, True) if want_grpc
                                       else (False, False, []))
        all_shapes = shapes(gen_dir, h2pb_gen, grpcpp_gen)
        if selected:
            unknown = selected - {s.name for s in shapes(gen_dir, True, True)}
            if unknown:
                sys.exit(f"unknown shape(s): {', '.join(sorted(unknown))}")
            all_shapes = [s for s in all_shapes if s.name in selected]
        modes = ["header-only"] + (["separate"] if all(s.exists() for s in SEPARATE_SOURCES)
                                   else [])
        if args.modes:
            modes = [m for m in modes if m in args.modes.split(",")]
        rows, libraries = [], []
        print(TABLE_HEAD, flush=True)
        for compiler in args.compilers.split(","):
            for opt in args.opt.split(","):
                library = None
                if "separate" in modes:
                    libdir = workroot / f"lib-{compiler}-{opt}"
                    libdir.mkdir()
                    built = attempt(notes, build_library, compiler, opt, libdir, args.repeat)
                    if built:
                        library, lt, lib_units = built
                        libraries.append({"compiler": compiler, "opt": opt, "cpu": lt.cpu,
                                          "wall": lt.wall, "peak_kb": lt.peak_kb,
                                          "units": {k: dataclasses.asdict(v)
                                                    for k, v in lib_units.items()}})
                for shape in all_shapes:
                    ref = None
                    if shape.reference:
                        d = workroot / f"{shape.name}-{compiler}-{opt}-ref"
                        d.mkdir()
                        ref = attempt(notes, build_program, shape.reference, compiler, opt, "", d,
                                      args.repeat)
                    if shape.h2pb is None:  # a reference alone (asio_floor)
                        if ref is not None:
                            rows.append(row(shape, compiler, opt, "—", None, ref))
                            print(markdown_row(rows[-1]), flush=True)
                        continue
                    for mode in modes:
                        if mode == "separate" and library is None:
                            continue
                        d = workroot / f"{shape.name}-{compiler}-{opt}-{mode}"
                        d.mkdir()
                        prog = shape.h2pb
                        if mode == "separate" and shape.h2pb_separate:
                            prog = shape.h2pb_separate
                        b = attempt(notes, build_program, prog, compiler, opt, mode, d,
                                    args.repeat, library if mode == "separate" else None)
                        if b is None:
                            continue
                        rows.append(row(shape, compiler, opt, mode, b, ref))
                        # A row as soon as it is measured: a long run that is
                        # stopped still leaves its rows.
                        print(markdown_row(rows[-1]), flush=True)
        return {"rows": rows, "libraries": libraries, "modes": modes, "notes": notes,
                "repeat": args.repeat}
    finally:
        shutil.rmtree(workroot, ignore_errors=True)


def attempt(notes, f, *args):
    """f(*args), or None with the failure noted (one program that does not
    build with one compiler does not stop the run)."""
    try:
        return f(*args)
    except CommandFailed as e:
        notes.append("FAILED: " + str(e).splitlines()[0][:300])
        print(f"command failed: {e}", file=sys.stderr, flush=True)
        return None


def build_dict(b):
    return {"cpu": b.compile.cpu, "wall": b.compile.wall, "user": b.compile.user,
            "sys": b.compile.sys, "peak_kb": b.compile.peak_kb, "link_wall": b.link_wall,
            "stripped_bytes": b.stripped_bytes, "shared_bytes": b.shared_bytes,
            "units": {k: dataclasses.asdict(v) for k, v in b.units.items()}}


def row(shape, compiler, opt, mode, b, ref):
    r = {"shape": shape.name, "compiler": compiler, "opt": opt, "mode": mode,
         "h2pb": build_dict(b) if b else None,
         "reference_library": shape.reference.library if ref else None,
         "reference": build_dict(ref) if ref else None}
    r["cpu_ratio"] = (b.compile.cpu / ref.compile.cpu
                      if b and ref and ref.compile.cpu > 0 else None)
    return r


TABLE_HEAD = ("| shape | compiler | opt | mode | h2pb CPU s | h2pb peak MB | reference | ref CPU s "
              "| ref peak MB | CPU h2pb/ref | stripped h2pb KiB | stripped ref KiB "
              "| ref + its .so KiB |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def markdown_row(r):
    h, ref = r["h2pb"], r["reference"]
    cells = [r["shape"], r["compiler"], f"-{r['opt']}", r["mode"], fmt_s(h["cpu"]) if h else "—",
             fmt_mb(h["peak_kb"]) if h else "—", r["reference_library"] or "—",
             fmt_s(ref["cpu"]) if ref else "—", fmt_mb(ref["peak_kb"]) if ref else "—",
             f"{r['cpu_ratio']:.2f}" if r["cpu_ratio"] is not None else "—",
             fmt_kb(h["stripped_bytes"]) if h else "—",
             fmt_kb(ref["stripped_bytes"]) if ref else "—",
             fmt_kb(ref["stripped_bytes"] + ref["shared_bytes"]) if ref else "—"]
    return "| " + " | ".join(cells) + " |"


def markdown_tail(result):
    """What follows the rows (printed as they are measured): the library's
    own compile times, the notes."""
    lines = []
    if result["libraries"]:
        lines += ["", "| library (libh2pb.a: src/h2_server.cpp, h2_client.cpp, rpc_server.cpp, "
                  "rpc_client.cpp, once) | compiler | opt | CPU s (sum) | peak MB (max) |",
                  "|---|---|---|---|---|"]
        for lib in result["libraries"]:
            lines.append(f"| h2pb | {lib['compiler']} | -{lib['opt']} | {fmt_s(lib['cpu'])} "
                         f"| {fmt_mb(lib['peak_kb'])} |")
    units = []
    for lib in result["libraries"]:
        for name, u in lib["units"].items():
            units.append(f"| library | {lib['compiler']} | -{lib['opt']} | separate | h2pb "
                         f"| {name} | {fmt_s(u['user'] + u['sys'])} | {fmt_mb(u['peak_kb'])} |")
    for r in result["rows"]:
        for side in ("h2pb", "reference"):
            b = r[side]
            if not b or len(b["units"]) < 2:
                continue
            library = "h2pb" if side == "h2pb" else r["reference_library"]
            for name, u in b["units"].items():
                units.append(f"| {r['shape']} | {r['compiler']} | -{r['opt']} | {r['mode']} "
                             f"| {library} | {name} | {fmt_s(u['user'] + u['sys'])} "
                             f"| {fmt_mb(u['peak_kb'])} |")
    if units:
        lines += ["", "| units: shape | compiler | opt | mode | library | TU | CPU s | peak MB |",
                  "|---|---|---|---|---|---|---|---|"] + units
    for note in result["notes"]:
        lines.append(f"\nnote: {note}")
    return "\n".join(lines)


def markdown(result):
    return "\n".join([TABLE_HEAD] + [markdown_row(r) for r in result["rows"]] +
                      [markdown_tail(result)])


# ------------------------------------------------------------------ headers

def public_headers():
    """include/h2pb/LAYER/**.hpp, as the names a user includes."""
    root = SOURCE_ROOT / "include"
    found = []
    for layer in sorted((root / "h2pb").iterdir()):
        for path in sorted(layer.resolve().rglob("*.hpp")):
            found.append(f"h2pb/{layer.name}/{path.relative_to(layer.resolve()).as_posix()}")
    return found


def header_times(args):
    workroot = pathlib.Path(tempfile.mkdtemp(prefix="h2pb-header-bench-"))
    try:
        gen_dir = workroot / "gen"
        gen_dir.mkdir()
        h2pb_gen, _, notes = generate(gen_dir, args.plugin, False)
        headers = public_headers()
        if args.only:
            headers = [h for h in headers if any(part in h for part in args.only.split(","))]
        if h2pb_gen:
            headers += [str(gen_dir / "analytics_service.h2pb.hpp"),
                        str(gen_dir / "analytics_service.h2pb.grpc.hpp")]
        rows = []
        for compiler in args.compilers.split(","):
            for header in headers:
                tu = workroot / "tu.cpp"
                tu.write_text(f'#include "{header}"\n' if header.startswith("/")
                              else f"#include <{header}>\n")
                cmd = [compiler, "-std=c++20", "-fsyntax-only", f"-I{SOURCE_ROOT / 'include'}",
                       f"-I{gen_dir}", str(tu)]
                t = min_timing([timed(cmd, workroot) for _ in range(args.repeat)])
                name = pathlib.Path(header).name if header.startswith("/") else header
                print(f"# {name} {compiler} {t.cpu:.2f} s {t.peak_kb} KB", file=sys.stderr,
                      flush=True)
                rows.append({"header": name, "compiler": compiler, "cpu": t.cpu, "wall": t.wall,
                             "peak_kb": t.peak_kb})
        rows.sort(key=lambda r: -r["cpu"])
        return {"headers": rows, "notes": notes, "repeat": args.repeat}
    finally:
        shutil.rmtree(workroot, ignore_errors=True)


def headers_markdown(result, top):
    lines = ["| header | compiler | -fsyntax-only CPU s | peak MB |", "|---|---|---|---|"]
    for r in result["headers"][:top]:
        lines.append(f"| {r['header']} | {r['compiler']} | {fmt_s(r['cpu'])} | {fmt_mb(r['peak_kb'])} |")
    for note in result["notes"]:
        lines.append(f"\nnote: {note}")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=1, help="repetitions; the minimum is kept")
    p.add_argument("--only", help="comma-separated shapes (or, with --headers, header name parts)")
    p.add_argument("--compilers", default=None, help="comma-separated (default g++,clang++; "
                   "g++ with --headers)")
    p.add_argument("--opt", default="O0,O2", help="comma-separated optimisation levels")
    p.add_argument("--modes", help="comma-separated: header-only, separate (default: every "
                   "mode available; separate needs the library's sources, src/h2_server.cpp etc.)")
    p.add_argument("--json", help="also write the results as JSON to this file")
    p.add_argument("--plugin", default=str(plugin_default()), help="protoc-gen-h2pb")
    p.add_argument("--headers", action="store_true", help="time each public header alone")
    p.add_argument("--top", type=int, default=25, help="--headers: rows shown")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    if args.compilers is None:
        args.compilers = "g++" if args.headers else "g++,clang++"
    if not os.path.exists(TIME):
        sys.exit(f"{TIME} (GNU time) is needed")
    try:
        if args.headers:
            result = header_times(args)
            print(headers_markdown(result, args.top))
        else:
            result = matrix(args)  # prints the rows
            print(markdown_tail(result))
    except CommandFailed as e:
        print(f"command failed: {e}", file=sys.stderr)
        return 1
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
