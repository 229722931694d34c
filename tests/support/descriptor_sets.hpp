// The descriptor sets protoc writes at build time (meson passes their paths
// as H2PB_DESC_* macros), loaded into a proto::descriptor_pool for the tests
// of the layers that work from run-time schemas (dynamic_message,
// json_dynamic, text_format).
#pragma once

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>

#include <h2pb/proto_codec/descriptor.hpp>
#include <h2pb/wire/bytes.hpp>

namespace h2pb::test {

/// A pool holding the FileDescriptorSet at `path`. A set that does not load
/// is a broken build, not a test result: it throws, and every test using
/// the pool fails with the reason.
inline proto::descriptor_pool load_descriptor_set(const char* path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(std::string("cannot read descriptor set ") + path);
    const std::string set{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    proto::descriptor_pool pool;
    if (const auto e = pool.add_file_descriptor_set(wire::as_bytes(set)))
        throw std::runtime_error(std::string("bad descriptor set ") + path + ": " + e.message());
    return pool;
}

/// The message type `name` (full name) of `pool`; throws if it has none.
inline const proto::message_descriptor& message_type(const proto::descriptor_pool& pool,
                                                     std::string_view name) {
    const proto::message_descriptor* m = pool.find_message(name);
    if (m == nullptr) throw std::runtime_error("no such message: " + std::string(name));
    return *m;
}

}  // namespace h2pb::test
