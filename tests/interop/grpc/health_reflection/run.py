#!/usr/bin/python3
"""grpcio clients against h2pb's health and reflection services.

  run.py health     --server PATH [--scratch DIR]
  run.py reflection --server PATH [--scratch DIR]
  run.py go         --server PATH --go-client PATH   (../go/healthrefl: grpc-go's clients)

The server (server.cpp) prints "PORT n" and takes commands on stdin (set,
clear, shutdown). The stubs for grpc.health.v1 and grpc.reflection.v1 /
v1alpha are generated here with protoc and Debian's grpc_python_plugin from
/usr/share/grpc-proto; the reflection client has no stub of the service it
calls: it learns grpc.testing.TestService from the server, builds
SimpleRequest from the descriptors it fetched (descriptor_pool +
message_factory) and calls UnaryCall through a generic channel method.

health-checking.md is the spec for the health case; server-reflection.md and
grpc's reflection.proto for the other. Every check prints a line; the exit
status is 1 when one fails.
"""
import argparse
import importlib
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import grpc

PROTO_ROOT = '/usr/share/grpc-proto'
PROTOS = ['grpc/health/v1/health.proto', 'grpc/reflection/v1/reflection.proto',
          'grpc/reflection/v1alpha/reflection.proto']
PYTHON_PLUGIN = '/usr/bin/grpc_python_plugin'

failures = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what, flush=True)
    if not cond:
        failures.append(what)


def load_stubs(scratch):
    for tool in ('protoc', PYTHON_PLUGIN):
        if shutil.which(tool) is None:
            print(f'SKIP: {tool} not found')
            sys.exit(77)
    out = tempfile.mkdtemp(prefix='stubs-', dir=scratch)
    subprocess.run(['protoc', f'-I{PROTO_ROOT}', f'--python_out={out}', f'--grpc_python_out={out}',
                    f'--plugin=protoc-gen-grpc_python={PYTHON_PLUGIN}'] + PROTOS, check=True)
    # The generated modules live in the protobuf package grpc.*, inside
    # grpcio's own `grpc` package (see ../grpc_stubs.py).
    grpc.__path__.append(f'{out}/grpc')
    return {name: importlib.import_module(name) for name in (
        'grpc.health.v1.health_pb2', 'grpc.health.v1.health_pb2_grpc',
        'grpc.reflection.v1.reflection_pb2', 'grpc.reflection.v1.reflection_pb2_grpc',
        'grpc.reflection.v1alpha.reflection_pb2', 'grpc.reflection.v1alpha.reflection_pb2_grpc')}


class Server:
    def __init__(self, path):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline().split()
        if len(line) != 2 or line[0] != 'PORT':
            raise RuntimeError(f'server said {line!r}')
        self.port = int(line[1])

    def command(self, cmd):
        self.p.stdin.write(cmd + '\n')
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def close(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.write('quit\n')
                self.p.stdin.flush()
            except BrokenPipeError:
                pass
        try:
            self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            failures.append('server did not exit')


class Watcher:
    """A Watch call read on a thread: its messages go to a queue."""

    def __init__(self, stub, hpb, service, timeout=None):
        self.call = stub.Watch(hpb.HealthCheckRequest(service=service), timeout=timeout)
        self.q = queue.Queue()
        self.error = None
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        try:
            for m in self.call:
                self.q.put(m.status)
        except grpc.RpcError as e:
            self.error = e.code()
        self.q.put(None)

    def next(self, timeout=5):
        try:
            return self.q.get(timeout=timeout)
        except queue.Empty:
            return 'nothing'


def health_case(m, srv):
    hpb = m['grpc.health.v1.health_pb2']
    R = hpb.HealthCheckResponse
    ch = grpc.insecure_channel(f'127.0.0.1:{srv.port}')
    stub = m['grpc.health.v1.health_pb2_grpc'].HealthStub(ch)
    svc = 'grpc.testing.TestService'

    r = stub.Check(hpb.HealthCheckRequest(), timeout=5)
    check(r.status == R.SERVING, 'Check("") is SERVING from the start')
    try:
        stub.Check(hpb.HealthCheckRequest(service=svc), timeout=5)
        check(False, 'Check of an unregistered service fails')
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.NOT_FOUND,
              f'Check of an unregistered service: NOT_FOUND (got {e.code()})')
    check(srv.command(f'set {svc} SERVING') == 'OK', 'set SERVING')
    r = stub.Check(hpb.HealthCheckRequest(service=svc), timeout=5)
    check(r.status == R.SERVING, 'Check sees SERVING')

    w = Watcher(stub, hpb, svc)
    check(w.next() == R.SERVING, 'Watch sends the current status at once')
    srv.command(f'set {svc} NOT_SERVING')
    check(w.next() == R.NOT_SERVING, 'Watch sends the change to NOT_SERVING')
    srv.command(f'set {svc} NOT_SERVING')  # no change: no message
    srv.command(f'set {svc} SERVING')
    check(w.next() == R.SERVING, 'Watch: a set that changes nothing sends nothing; the next change')

    u = Watcher(stub, hpb, 'no.Such')
    check(u.next() == R.SERVICE_UNKNOWN, 'Watch of an unknown service: SERVICE_UNKNOWN')
    srv.command('set no.Such NOT_SERVING')
    check(u.next() == R.NOT_SERVING, 'then the status once it is registered')
    srv.command('clear no.Such')
    check(u.next() == R.SERVICE_UNKNOWN, 'and SERVICE_UNKNOWN when it is cleared')
    u.call.cancel()
    check(u.next() == None and u.error == grpc.StatusCode.CANCELLED, 'a Watch cancelled by the client ends')

    # A deadline long enough for the first message on a loaded 2-core machine.
    d = Watcher(stub, hpb, '', timeout=2.0)
    check(d.next() == R.SERVING, 'Watch("") with a deadline: the status')
    check(d.next(timeout=10) is None and d.error == grpc.StatusCode.DEADLINE_EXCEEDED,
          f'then DEADLINE_EXCEEDED (got {d.error})')
    r = stub.Check(hpb.HealthCheckRequest(service=svc), timeout=5)
    check(r.status == R.SERVING, 'the server still answers after cancelled watches')

    # Shutdown: every service NOT_SERVING, watchers told before the streams end.
    wa = Watcher(stub, hpb, '')
    wb = Watcher(stub, hpb, svc)
    check(wa.next() == R.SERVING and wb.next() == R.SERVING, 'two watches before shutdown')
    many = [Watcher(stub, hpb, svc) for _ in range(20)]
    check(all(x.next() == R.SERVING for x in many), '20 more watches of one service')
    check(srv.command('shutdown 1500') == 'OK', 'graceful shutdown (1.5 s grace)')
    check(wa.next() == R.NOT_SERVING, 'shutdown: Watch("") sees NOT_SERVING')
    check(wb.next() == R.NOT_SERVING, f'shutdown: Watch("{svc}") sees NOT_SERVING')
    check(all(x.next() == R.NOT_SERVING for x in many), 'shutdown: all 20 see NOT_SERVING')
    end = wa.next(timeout=10)
    check(end is None, f'the Watch ends when the grace period is over ({wa.error})')
    ch.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('case', choices=['health', 'reflection', 'go'])
    ap.add_argument('--server', required=True)
    ap.add_argument('--go-client')
    ap.add_argument('--scratch', default=None)
    a = ap.parse_args()
    scratch = a.scratch or tempfile.mkdtemp()
    os.makedirs(scratch, exist_ok=True)
    m = load_stubs(scratch)
    srv = Server(a.server)
    try:
        if a.case == 'health':
            health_case(m, srv)
        elif a.case == 'go':
            rc = subprocess.run([a.go_client, '-addr', f'127.0.0.1:{srv.port}'], timeout=60).returncode
            check(rc == 0, f'grpc-go health and reflection clients (exit status {rc})')
        else:
            import reflection_client
            reflection_client.run(m, srv, check)
    finally:
        srv.close()
    if failures:
        print(f'{len(failures)} FAILED')
        return 1
    print('all passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
