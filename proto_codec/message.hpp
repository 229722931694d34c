// h2pb::proto — what every generated message can do, in one place.
//
// protoc-gen-h2pb emits plain structs whose members call these templates:
//
//   M::encoded_size()       bytes encode() will append
//   M::encode(buffer&)      appends the message (deterministic bytes)
//   M::decode(bytes)        clears, then merges bytes; error on bad input or
//                           a missing proto2 `required` field (like
//                           libprotobuf's ParseFromString)
//   M::merge(bytes)         merges bytes into what is there (MergeFromString)
//
// When decode or merge fails the message is left empty (cleared): never
// half-decoded, never with a map whose order invariant is broken.
//
// A generated message M provides, for these templates:
//   const byte* _h2pb_parse(const byte* p, const byte* end, decode_context&, std::uint32_t
//   end_group); std::size_t _h2pb_size(size_cache&) const; byte* _h2pb_write(byte* p, size_cache&)
//   const; bool _h2pb_is_initialized() const; void clear();
#pragma once

#include <cassert>
#include <cstddef>
#include <string>

#include <h2pb/proto_codec/decode.hpp>
#include <h2pb/proto_codec/encode.hpp>
#include <h2pb/proto_codec/errc.hpp>
#include <h2pb/proto_codec/limits.hpp>
#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/bytes.hpp>

namespace h2pb::proto {

namespace detail {
/// One size cache per thread, reused: steady-state encoding allocates nothing.
inline size_cache& thread_size_cache() {
    thread_local size_cache cache;
    return cache;
}
}  // namespace detail

template <class M>
std::size_t encoded_size(const M& m) {
    size_cache& cache = detail::thread_size_cache();
    cache.clear();
    return m._h2pb_size(cache);
}

template <class M>
void encode(const M& m, wire::buffer& out) {
    size_cache& cache = detail::thread_size_cache();
    cache.clear();
    const std::size_t n = m._h2pb_size(cache);
    byte* p = out.prepare(n + write_slop);
    [[maybe_unused]] byte* end = m._h2pb_write(p, cache);
    assert(end == p + n);  // the size pass and the write pass agree
    out.commit(n);
}

/// Encodes into a new std::string (convenience for tests and tools).
template <class M>
std::string encode_to_string(const M& m) {
    wire::buffer b;
    encode(m, b);
    return std::string(b.chars());
}

template <class M>
error merge(M& m, wire::bytes_view in, decode_limits limits = {}) {
    if (in.size() > limits.max_message_size)
        return {errc::message_too_large, limits.max_message_size};
    decode_context ctx;
    ctx.begin = in.data();
    ctx.depth_left = limits.max_depth;
    const byte* end = in.data() + in.size();
    if (m._h2pb_parse(in.data(), end, ctx, 0) == nullptr) {
        m.clear();  // never leave a half-decoded message behind
        return ctx.error();
    }
    if (!m._h2pb_is_initialized()) {
        m.clear();
        return {errc::missing_required_field, in.size()};
    }
    return {};
}

template <class M>
error decode(M& m, wire::bytes_view in, decode_limits limits = {}) {
    m.clear();
    return merge(m, in, limits);
}

}  // namespace h2pb::proto
