"""A server-reflection client on grpcio that knows nothing of the service but
the server's address (run.py reflection). For grpc.reflection.v1 and
v1alpha it lists the services, fetches the file of the one that is neither
health nor reflection (and its imports), builds a DescriptorPool from them,
makes SimpleRequest from the pool (python protobuf's message_factory), calls
UnaryCall through a generic channel method and checks the answer. It also
checks the descriptors against protoc's own (--descriptor_set_out), the
other kinds of request, and the NOT_FOUND error_response of unknown names
(server-reflection.md; reflection.proto)."""
import os
import subprocess
import tempfile

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

NOT_FOUND = grpc.StatusCode.NOT_FOUND.value[0]  # 5
UNIMPLEMENTED = grpc.StatusCode.UNIMPLEMENTED.value[0]  # 12
PROTO_ROOT = '/usr/share/grpc-proto'


def message_class(desc):
    # protobuf >= 4.22 has GetMessageClass; 4.21 (Debian 12) MessageFactory.
    if hasattr(message_factory, 'GetMessageClass'):
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(desc.file.pool).GetPrototype(desc)


def protoc_descriptors():
    """protoc's FileDescriptorProtos of test.proto and its imports, by name."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, 'set.pb')
        subprocess.run(['protoc', f'-I{PROTO_ROOT}', '--include_imports',
                        f'--descriptor_set_out={out}', 'grpc/testing/test.proto'], check=True)
        s = descriptor_pb2.FileDescriptorSet.FromString(open(out, 'rb').read())
    return {f.name: f for f in s.file}


def run(m, srv, check):
    expected = protoc_descriptors()
    for version in ('v1', 'v1alpha'):
        rpb = m[f'grpc.reflection.{version}.reflection_pb2']
        stub = m[f'grpc.reflection.{version}.reflection_pb2_grpc'].ServerReflectionStub(
            grpc.insecure_channel(f'127.0.0.1:{srv.port}'))
        Req = rpb.ServerReflectionRequest
        tag = f'[{version}]'

        def ask(*reqs):
            return list(stub.ServerReflectionInfo(iter(reqs), timeout=10))

        lreq = Req(host='localhost', list_services='*')
        [r] = ask(lreq)
        names = [s.name for s in r.list_services_response.service]
        check(sorted(names) == sorted(['grpc.testing.TestService', 'grpc.health.v1.Health',
                                       'grpc.reflection.v1.ServerReflection',
                                       'grpc.reflection.v1alpha.ServerReflection']),
              f'{tag} list_services: {names}')
        check(r.valid_host == 'localhost' and r.original_request == lreq,
              f'{tag} valid_host and original_request echo the request')

        # The client knows only what reflection told it from here on.
        targets = [n for n in names if not n.startswith(('grpc.health.', 'grpc.reflection.'))]
        check(len(targets) == 1, f'{tag} one application service listed')
        target = targets[0]
        [r] = ask(Req(file_containing_symbol=target))
        check(r.WhichOneof('message_response') == 'file_descriptor_response',
              f'{tag} file_containing_symbol({target}) answers files')
        protos = [descriptor_pb2.FileDescriptorProto.FromString(b)
                  for b in r.file_descriptor_response.file_descriptor_proto]
        got = [p.name for p in protos]
        check(got[:1] == ['grpc/testing/test.proto'] and sorted(got) == sorted(expected),
              f'{tag} the file first, then its imports transitively: {got}')
        for p in protos:
            check(p == expected.get(p.name),
                  f"{tag} {p.name}: the same FileDescriptorProto as protoc's --descriptor_set_out")

        pool = descriptor_pool.DescriptorPool()
        added = set()
        while len(added) < len(protos):  # imports before the files that import them
            progress = False
            for p in protos:
                if p.name not in added and all(d in added for d in p.dependency):
                    pool.Add(p)
                    added.add(p.name)
                    progress = True
            if not progress:
                check(False, f'{tag} the imports are all there')
                break
        sd = pool.FindServiceByName(target)
        md = sd.methods_by_name['UnaryCall']
        RequestT, ResponseT = message_class(md.input_type), message_class(md.output_type)
        req = RequestT()
        # Fields set by name as the descriptor has them: response_size, fill_username.
        fields = md.input_type.fields_by_name
        check('response_size' in fields and 'fill_username' in fields,
              f'{tag} {md.input_type.full_name} has the fields the test sets')
        setattr(req, 'response_size', 7)
        setattr(req, 'fill_username', True)
        call = grpc.insecure_channel(f'127.0.0.1:{srv.port}').unary_unary(
            f'/{sd.full_name}/{md.name}', request_serializer=RequestT.SerializeToString,
            response_deserializer=ResponseT.FromString)
        resp = call(req, timeout=5)
        check(len(resp.payload.body) == 7 and resp.username == 'h2pb-user',
              f'{tag} UnaryCall built from reflected descriptors: {len(resp.payload.body)} bytes, '
              f'user {resp.username!r}')

        # Every kind of request, several in one stream, errors in between.
        rs = ask(Req(file_by_filename='grpc/testing/empty.proto'),
                 Req(file_by_filename='no/such.proto'),
                 Req(file_containing_symbol='grpc.testing.SimpleRequest.response_size'),
                 Req(file_containing_symbol='grpc.testing.TestService.UnaryCall'),
                 Req(file_containing_symbol='grpc.testing.COMPRESSABLE'),
                 Req(file_containing_symbol='grpc.testing.NoSuch'),
                 Req(file_containing_symbol='grpc.health.v1.Health'),
                 Req(all_extension_numbers_of_type='grpc.testing.SimpleRequest'),
                 Req(all_extension_numbers_of_type='grpc.testing.NoSuch'),
                 Req(file_containing_extension=rpb.ExtensionRequest(
                     containing_type='grpc.testing.SimpleRequest', extension_number=100)),
                 Req(file_containing_extension=rpb.ExtensionRequest(
                     containing_type='grpc.testing.NoSuch', extension_number=100)),
                 Req(host='x'),
                 Req(list_services=''))
        check(len(rs) == 13, f'{tag} one response per request in one stream ({len(rs)})')
        if len(rs) != 13:
            continue

        def first_file(r):
            if r.WhichOneof('message_response') != 'file_descriptor_response':
                return None
            return descriptor_pb2.FileDescriptorProto.FromString(
                r.file_descriptor_response.file_descriptor_proto[0]).name

        def error(r):
            if r.WhichOneof('message_response') != 'error_response':
                return None
            return r.error_response.error_code

        check(first_file(rs[0]) == 'grpc/testing/empty.proto', f'{tag} file_by_filename')
        check(error(rs[1]) == NOT_FOUND, f'{tag} file_by_filename of an unknown file: NOT_FOUND')
        check(first_file(rs[2]) == 'grpc/testing/messages.proto', f'{tag} symbol of a field')
        check(first_file(rs[3]) == 'grpc/testing/test.proto', f'{tag} symbol of a method')
        check(first_file(rs[4]) == 'grpc/testing/messages.proto', f'{tag} symbol of an enum value')
        check(error(rs[5]) == NOT_FOUND, f'{tag} unknown symbol: NOT_FOUND')
        check(first_file(rs[6]) == 'grpc/health/v1/health.proto', f'{tag} the health service file')
        check(rs[7].all_extension_numbers_response.base_type_name == 'grpc.testing.SimpleRequest'
              and list(rs[7].all_extension_numbers_response.extension_number) == [],
              f'{tag} all_extension_numbers_of_type: none')
        check(error(rs[8]) == NOT_FOUND, f'{tag} all_extension_numbers_of_type unknown: NOT_FOUND')
        check(error(rs[9]) == NOT_FOUND, f'{tag} file_containing_extension unknown number')
        check(error(rs[10]) == NOT_FOUND, f'{tag} file_containing_extension unknown type')
        check(error(rs[11]) == UNIMPLEMENTED, f'{tag} no request set: UNIMPLEMENTED')
        check(len(rs[12].list_services_response.service) == 4, f'{tag} the stream goes on')
