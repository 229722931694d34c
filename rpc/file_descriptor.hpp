// h2pb::rpc — a .proto file as server reflection serves it, embedded in the
// generated code so that nothing is parsed or built at run time.
//
// protoc-gen-h2pb with the parameter `descriptors` writes, into NAME.h2pb.hpp,
//
//   namespace h2pb_files {             // (under the `namespace=` prefix, if any)
//   inline constexpr ::h2pb::rpc::file_descriptor grpc_Shealth_Sv1_Shealth_Dproto{...};
//   }
//
// holding the file's name, its package, the FileDescriptorProto that protoc
// built from it, serialized (google/protobuf/descriptor.proto; what grpc C++'s
// and grpc-go's reflection services send, source info left out), pointers to
// the file_descriptors of its imports, and the fully-qualified names of every
// symbol it defines. The variable's name is the file's path mangled: "_" is
// "__", "/" is "_S", "." is "_D", any other byte that cannot be in a C++ name
// "_xHH" — distinct paths give distinct names.
//
// Server reflection (server-reflection.md) answers from these alone:
// file_by_filename by `name`, file_containing_symbol by `symbols`,
// file_containing_extension and all_extension_numbers_of_type by
// `extensions`; each answer carries the file and, transitively, its
// `dependencies`, as grpc's reflection services send them.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace h2pb::rpc {

/// `extend Extendee { ... = number; }`: an extension field the file defines.
struct extension_number {
    std::string_view extendee;  ///< fully-qualified, no leading dot ("pkg.Msg")
    std::int32_t number;
};

struct file_descriptor {
    /// The path protoc was given, relative to its import root
    /// ("grpc/health/v1/health.proto"): what file_by_filename asks for.
    std::string_view name;
    /// "grpc.health.v1" (empty for none).
    std::string_view package;
    /// The serialized google.protobuf.FileDescriptorProto.
    std::string_view serialized;
    /// The files it imports, in import order.
    std::span<const file_descriptor* const> dependencies;
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

}  // namespace h2pb::rpc
