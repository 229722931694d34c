// h2pb::rpc — the old names of proto::embedded_file and
// proto::extension_number (proto_codec/embedded_file.hpp): a .proto file as
// server reflection serves it, embedded in the generated code by
// protoc-gen-h2pb's `descriptors`. rpc/reflection.hpp and code generated
// before the move use these names.
#pragma once

#include <h2pb/proto_codec/embedded_file.hpp>

namespace h2pb::rpc {

using file_descriptor = ::h2pb::proto::embedded_file;
using extension_number = ::h2pb::proto::extension_number;

}  // namespace h2pb::rpc
