// protoc-gen-h2pb — the protoc plugin that turns .proto files into h2pb's
// header-only C++ (one `NAME.h2pb.hpp` per `NAME.proto`).
//
//   protoc --plugin=protoc-gen-h2pb=PATH --h2pb_out=OUT_DIR -I SRC SRC/foo.proto
//
// What it emits, per message, is a plain value struct (see
// docs/proto_codec.md for the full mapping):
//
//   proto3 scalar/string/enum      T                        (implicit presence)
//   proto3 `optional`, proto2      std::optional<T>         (explicit presence)
//   message (singular)             h2pb::proto::box<M>      (presence, recursion ok)
//   repeated                       std::vector<T>
//   map<K, V>                      h2pb::proto::map_field<K, V> (sorted by key)
//   oneof                          std::variant<std::monostate, ...>; message
//                                  members as h2pb::proto::heap<M>
//   enum                           enum class E : std::int32_t
//
// and the members that encode, decode and merge it with the primitives of
// proto_codec/ (decode.hpp, encode.hpp): one switch-on-tag parse loop, a size
// pass and a write pass.
//
// Every message also gets the protobuf JSON mapping (protobuf-docs/json.md):
// `bool to_json(json::json_writer&, const json::print_options&) const` and
// `bool from_json(json::json_reader&, const json::parse_options&)`, used
// through proto_codec/json.hpp (json::to_json(m), json::from_json(m, text)).
// Fields print in field-number order; keys are looked up by a generated
// switch on the key's length and one character; the well-known types get
// their special forms, Any through the registry of proto_codec/json_any.hpp.
// The code they share is proto_codec/json_codec.hpp. (Views get none.)
//
// With the parameter `services` (--h2pb_out=services:OUT_DIR, combinable:
// views,services) it also writes NAME.h2pb.grpc.hpp, always, even for a file
// without services; `services=only` writes that header alone. Per `service
// S` it holds a class S deriving from h2pb::rpc::asio::service
// (rpc/asio/service.hpp): S::M_method, a constexpr rpc::method_descriptor
// per method, S::M_request / S::M_response, S::method_descriptors (all of
// them), one virtual coroutine per method in the shape of its kind answering
// UNIMPLEMENTED until overridden, register_methods() adding each method bound
// to `this`, and S::stub<Channel>, a client whose methods forward to
// channel.template unary / server_streaming / client_streaming /
// bidi_streaming<Req, Resp>(descriptor, [request,] options).
//
// With the parameter `descriptors`, NAME.h2pb.hpp also embeds the file's
// serialized FileDescriptorProto as an h2pb::proto::embedded_file
// (proto_codec/embedded_file.hpp), each message gets `static constexpr
// const ::h2pb::proto::embedded_file* _h2pb_file()` pointing at it (what
// proto_codec/text.hpp builds its schema from), and each service class
// overrides proto_file() to point at it: server reflection
// (rpc/asio/reflection.hpp) serves these without parsing anything at run
// time. `include_prefix=DIR` makes the
// generated headers include each other as "DIR/NAME.h2pb.hpp" (what the
// checked-in rpc/generated/ headers use: DIR = h2pb/rpc/generated).
// `single_header=FILE` makes them include h2pb's single header FILE
// (h2pb.hpp, or h2pb_asio.hpp for services; scripts/amalgamate.py) instead
// of <h2pb/...> headers, for a program that has only that file.
//
// With the parameter `source` (combinable: source,services,descriptors) it
// also writes NAME.h2pb.cpp, as protoc's C++ writes NAME.pb.cc: the header
// then holds the enums, the structs and their member declarations, and the
// .cpp the bodies (parse, size, write, clear, merge, is_initialized, JSON),
// ordinary definitions rather than inline ones. A unit that includes the
// header then parses neither those bodies nor proto_codec/json_codec.hpp
// (the header declares the four JSON types it names); the program compiles
// NAME.h2pb.cpp once and links it in. With `services` too, it also writes
// NAME.h2pb.grpc.cpp (as grpc's NAME.grpc.pb.cc): each service's methods
// are declared in the class and their default bodies (UNIMPLEMENTED) and
// register_methods(), which instantiates the method adapters of
// rpc/asio/service.hpp, are defined there; a program that serves the
// service compiles it, one that only uses S::stub need not. Without
// `source` the output does not change.
//
// The parts are in the files generator.hpp lists.
#include <google/protobuf/compiler/code_generator.h>
#include <google/protobuf/compiler/plugin.h>
#include <google/protobuf/io/printer.h>
#include <google/protobuf/io/zero_copy_stream.h>

#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "generator.hpp"

#include "h2pb_tools_version.hpp"  // H2PB_TOOLS_VERSION, meson's project version

namespace {

namespace pb = google::protobuf;

/// Writes `text` to the output file `name`.
void write_output(pb::compiler::GeneratorContext* context, const std::string& name,
                  const std::string& text) {
    std::unique_ptr<pb::io::ZeroCopyOutputStream> stream(context->Open(name));
    pb::io::Printer printer(stream.get(), '$');
    printer.PrintRaw(text);
}

class generator final : public pb::compiler::CodeGenerator {
  public:
    std::uint64_t GetSupportedFeatures() const override { return FEATURE_PROTO3_OPTIONAL; }

    bool Generate(const pb::FileDescriptor* file, const std::string& parameter,
                  pb::compiler::GeneratorContext* context, std::string* error) const override {
        h2pb_gen::options opt;
        if (!h2pb_gen::parse_options(parameter, opt, error)) return false;
        if (opt.messages) {
            h2pb_gen::gen_context g(opt, file);
            h2pb_gen::emit_file(g, file);
            if (opt.descriptors) {
                h2pb_gen::emit_descriptor(g, file);
                h2pb_gen::emit_file_accessors(g, file);
            }
            write_output(context, h2pb_gen::header_name(file->name()), g.o.str());
            if (opt.source)
                write_output(context, h2pb_gen::source_name(file->name()), g.source_text.str());
        }
        if (opt.services) {
            h2pb_gen::gen_context g(opt, file);
            if (opt.source) h2pb_gen::emit_services_source_head(g, file);
            h2pb_gen::emit_services_file(g, file);
            write_output(context, h2pb_gen::grpc_header_name(file->name()), g.o.str());
            if (opt.source) {
                write_output(context, h2pb_gen::grpc_source_name(file->name()),
                             g.source_text.str());
            }
        }
        return true;
    }
};

}  // namespace

int main(int argc, char* argv[]) {
    // protoc runs a plugin without arguments (the request comes on stdin);
    // PluginMain itself knows no --version, so answer it here.
    if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
        std::cout << "protoc-gen-h2pb " << H2PB_TOOLS_VERSION << '\n';
        return 0;
    }
    generator g;
    return google::protobuf::compiler::PluginMain(argc, argv, &g);
}
