// h2pb::proto — the encoding primitives generated writers call.
//
// Encoding is two passes over the message:
//   1. size:  _h2pb_size(cache) adds up every field's bytes. A sub-message
//      (and a packed varint field) is prefixed by its length, so its size is
//      computed once here and remembered in the size_cache, in visiting order.
//   2. write: the caller prepares exactly that many bytes in the output
//      buffer once; _h2pb_write(p, cache) stores fields with raw pointer
//      writes (no capacity check per field) and takes the remembered lengths
//      back from the cache in the same order.
// Fields are written in field-number order, unknown fields last, map entries
// sorted by key: the same bytes as libprotobuf's deterministic serialization.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <h2pb/proto_codec/scalar.hpp>
#include <h2pb/proto_codec/unknown_fields.hpp>
#include <h2pb/proto_codec/wire_format.hpp>
#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/bytes.hpp>
#include <h2pb/wire/varint.hpp>

namespace h2pb::proto {

using wire::byte;

/// Bytes the write pass may store past the end of the message, beyond the
/// committed size: encode() prepares n + write_slop. (No writer uses it
/// today; it keeps room for branch-free writers that store whole words.)
inline constexpr std::size_t write_slop = 16;

/// What the size pass leaves for the write pass: lengths (of sub-messages,
/// of packed payloads) in visiting order, and packed varint payloads already
/// encoded into a scratch buffer. A packed varint field must be measured
/// element by element before its length prefix can be written; encoding it
/// right away while measuring, then copying the bytes in the write pass,
/// does that work once instead of twice.
class size_cache {
  public:
    /// Reserves the next slot; returns its index.
    std::size_t push() {
        values_.push_back(0);
        return values_.size() - 1;
    }
    void set(std::size_t slot, std::size_t v) noexcept { values_[slot] = v; }
    /// The next remembered value (write pass).
    std::size_t next() noexcept { return values_[read_++]; }
    void clear() noexcept {
        values_.clear();
        read_ = 0;
        scratch_.clear();
    }
    wire::buffer& scratch() noexcept { return scratch_; }

  private:
    std::vector<std::size_t> values_;
    std::size_t read_ = 0;
    wire::buffer scratch_;
};

/// Bytes of a tag (a compile-time constant for generated code).
constexpr std::size_t tag_size(std::uint32_t tag) noexcept {
    return varint_size(tag);
}

/// Writes a constant tag.
template <std::uint32_t Tag>
inline byte* write_tag(byte* p) noexcept {
    if constexpr (Tag < (1U << 7)) {
        p[0] = static_cast<byte>(Tag);
        return p + 1;
    } else if constexpr (Tag < (1U << 14)) {
        p[0] = static_cast<byte>(Tag | 0x80);
        p[1] = static_cast<byte>(Tag >> 7);
        return p + 2;
    } else {
        return wire::write_varint(p, Tag);
    }
}

inline byte* write_varint(byte* p, std::uint64_t v) noexcept {
    if (v < 0x80) [[likely]] {
        *p = static_cast<byte>(v);
        return p + 1;
    }
    return wire::write_varint(p, v);
}

/// Bytes of a length-delimited value of n bytes (length prefix + n).
constexpr std::size_t len_size(std::size_t n) noexcept {
    return varint_size(n) + n;
}

/// Writes a length prefix and the bytes.
inline byte* write_bytes(byte* p, const void* data, std::size_t n) noexcept {
    p = write_varint(p, n);
    if (n != 0) std::memcpy(p, data, n);
    return p + n;
}
inline byte* write_bytes(byte* p, std::string_view s) noexcept {
    return write_bytes(p, s.data(), s.size());
}
inline byte* write_bytes(byte* p, const std::string& s) noexcept {
    return write_bytes(p, s.data(), s.size());
}

inline byte* write_unknown(byte* p, const unknown_fields& u) noexcept {
    if (u.empty()) return p;
    std::memcpy(p, u.view().data(), u.size());
    return p + u.size();
}

/// Sum of the encoded sizes of a repeated scalar's elements (no tags).
template <kind K, class Vec>
inline std::size_t packed_payload_size(const Vec& v) noexcept {
    using tr = scalar_traits<K>;
    if constexpr (tr::fixed_size != 0) {
        return v.size() * tr::fixed_size;
    } else if constexpr (K == kind::int32 || K == kind::enum_ || K == kind::uint32 ||
                         K == kind::sint32) {
        // Comparisons instead of bit_width, summed in 32 bits per chunk:
        // this form vectorizes (SSE2). A negative int32/enum is sign-extended
        // to 64 bits on the wire: 10 bytes.
        std::size_t n = 0;
        const auto* d = v.data();
        std::size_t left = v.size();
        while (left != 0) {
            const std::size_t chunk = left < (std::size_t{1} << 24) ? left : (std::size_t{1} << 24);
            std::uint32_t c = 0;
            for (std::size_t i = 0; i < chunk; ++i) {
                if constexpr (K == kind::int32 || K == kind::enum_) {
                    const auto x = static_cast<std::int32_t>(d[i]);
                    c += 1U + (x > 0x7f) + (x > 0x3fff) + (x > 0x1fffff) + (x > 0xfffffff) +
                         (x < 0 ? 9U : 0U);
                } else {
                    const auto x = static_cast<std::uint32_t>(
                        tr::to_varint(static_cast<typename tr::type>(d[i])));
                    c += 1U + (x > 0x7fU) + (x > 0x3fffU) + (x > 0x1fffffU) + (x > 0xfffffffU);
                }
            }
            n += c;
            d += chunk;
            left -= chunk;
        }
        return n;
    } else {
        std::size_t n = 0;
        for (auto x : v) n += scalar_size<K>(x);
        return n;
    }
}

/// Writes the elements of a repeated scalar back to back (packed payload).
template <kind K, class Vec>
inline byte* write_packed_payload(byte* p, const Vec& v) noexcept {
    using tr = scalar_traits<K>;
    if constexpr (tr::fixed_size != 0 &&
                  std::is_same_v<typename tr::type, typename Vec::value_type> &&
                  std::endian::native == std::endian::little) {
        const std::size_t n = v.size() * tr::fixed_size;
        if (n != 0) std::memcpy(p, v.data(), n);
        return p + n;
    } else {
        for (auto x : v) p = write_scalar<K>(p, x);
        return p;
    }
}

/// Packed varint payloads up to this many elements are encoded once, in the
/// size pass, into the size cache's scratch buffer (at most 10 bytes each:
/// 40 KiB of scratch); longer ones are measured, then encoded in place.
inline constexpr std::size_t packed_stash_limit = 4096;

/// Size pass of a packed varint field (v not empty): returns the payload
/// size and leaves two cache slots (size, scratch offset or npos).
template <kind K, class Vec>
inline std::size_t measure_packed(const Vec& v, size_cache& cache) {
    const std::size_t size_slot = cache.push();
    const std::size_t offset_slot = cache.push();
    std::size_t s;
    if (v.size() <= packed_stash_limit) {
        wire::buffer& scratch = cache.scratch();
        const std::size_t offset = scratch.size();
        byte* begin = scratch.prepare(v.size() * wire::max_varint_size);
        s = static_cast<std::size_t>(write_packed_payload<K>(begin, v) - begin);
        scratch.commit(s);
        cache.set(offset_slot, offset);
    } else {
        s = packed_payload_size<K>(v);
        cache.set(offset_slot, static_cast<std::size_t>(-1));
    }
    cache.set(size_slot, s);
    return s;
}

/// Write pass of a packed varint field: length prefix, then the payload
/// (copied from the scratch buffer when the size pass encoded it there).
template <kind K, class Vec>
inline byte* write_packed(byte* p, const Vec& v, size_cache& cache) noexcept {
    const std::size_t s = cache.next();
    const std::size_t offset = cache.next();
    p = write_varint(p, s);
    if (offset != static_cast<std::size_t>(-1)) {
        std::memcpy(p, cache.scratch().data() + offset, s);
        return p + s;
    }
    return write_packed_payload<K>(p, v);
}

}  // namespace h2pb::proto
