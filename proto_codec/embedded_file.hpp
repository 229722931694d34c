// h2pb::proto — a .proto file embedded in the generated code: its
// serialized FileDescriptorProto and what it defines, so that nothing is
// parsed or built at run time until a user asks for it.
//
// protoc-gen-h2pb with the parameter `descriptors` writes, into NAME.h2pb.hpp,
//
//   namespace h2pb_files {             // (under the `namespace=` prefix, if any)
//   inline constexpr ::h2pb::proto::embedded_file grpc_Shealth_Sv1_Shealth_Dproto{...};
//   }
//
// holding the file's name, its package, the FileDescriptorProto that protoc
// built from it, serialized (google/protobuf/descriptor.proto; what grpc C++'s
// and grpc-go's reflection services send, source info left out), pointers to
// the embedded_files of its imports, and the fully-qualified names of every
// symbol it defines. The variable's name is the file's path mangled: "_" is
// "__", "/" is "_S", "." is "_D", any other byte that cannot be in a C++ name
// "_xHH" — distinct paths give distinct names. Each generated message then
// has `static constexpr const embedded_file* _h2pb_file()`.
//
// Two users read it:
// - server reflection (rpc/reflection.hpp, server-reflection.md), which
//   answers from these alone: file_by_filename by `name`,
//   file_containing_symbol by `symbols`, file_containing_extension and
//   all_extension_numbers_of_type by `extensions`; each answer carries the
//   file and, transitively, its `dependencies`, as grpc's reflection
//   services send them. (rpc/file_descriptor.hpp keeps the old name
//   rpc::file_descriptor for it.)
// - the text format of generated messages (proto_codec/text.hpp), which
//   builds a descriptor_pool (descriptor.hpp) from `serialized` of the file
//   and its imports.
//
// Not to be confused with proto::file_descriptor (descriptor.hpp): that is
// a file as a descriptor_pool builds it at run time, with resolved types.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace h2pb::proto {

/// `extend Extendee { ... = number; }`: an extension field the file defines.
struct extension_number {
    std::string_view extendee;  ///< fully-qualified, no leading dot ("pkg.Msg")
    std::int32_t number;
};

struct embedded_file {
    /// The path protoc was given, relative to its import root
    /// ("grpc/health/v1/health.proto"): what file_by_filename asks for.
    std::string_view name;
    /// "grpc.health.v1" (empty for none).
    std::string_view package;
    /// The serialized google.protobuf.FileDescriptorProto.
    std::string_view serialized;
    /// The files it imports, in import order.
    std::span<const embedded_file* const> dependencies;
    /// Every fully-qualified name it defines: messages (nested ones too),
    /// enums, enum values (scoped as protobuf scopes them: beside their enum,
    /// "pkg.Msg.VALUE" for an enum in pkg.Msg), fields, oneofs, extensions,
    /// services and methods ("pkg.Service.Method"). No leading dot.
    std::span<const std::string_view> symbols;
    /// The extensions it defines (for file_containing_extension).
    std::span<const extension_number> extensions;

    bool defines(std::string_view symbol) const noexcept {
        for (std::string_view s : symbols)
            if (s == symbol) return true;
        return false;
    }
};

}  // namespace h2pb::proto
