// h2pb::proto — the decoding primitives generated parsers call.
//
// A generated message parses itself with one loop over its fields:
//
//   while (p < end) {
//       read the tag (one byte for field numbers 1..15, two up to 2047)
//       switch (tag) {                 // (field_number << 3) | wire_type
//           case known tag: read the value with the right primitive; continue;
//           default: parse_unknown(...)  // checks the tag, keeps the field
//       }
//   }
//
// Every primitive takes the current position and the end of the enclosing
// message and returns the position after what it read, or nullptr after
// recording the error (code + where) in the decode_context. Lengths are
// checked against the bytes that remain *before* anything is allocated: a
// length prefix can never make the decoder allocate more than the input holds.
//
// Depth: each sub-message and group entered costs one level of
// decode_context::depth_left (decode_limits::max_depth, 100 by default like
// libprotobuf): 100 nested levels parse, the 101st fails.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <h2pb/proto_codec/errc.hpp>
#include <h2pb/proto_codec/field_reader.hpp>
#include <h2pb/proto_codec/limits.hpp>
#include <h2pb/proto_codec/scalar.hpp>
#include <h2pb/proto_codec/unknown_fields.hpp>
#include <h2pb/proto_codec/utf8.hpp>
#include <h2pb/proto_codec/wire_format.hpp>
#include <h2pb/wire/bytes.hpp>
#include <h2pb/wire/varint.hpp>

namespace h2pb::proto {

/// State shared by one decode: where the input starts (to turn pointers into
/// offsets), how much nesting is left, and the first error.
struct decode_context {
    const byte* begin = nullptr;
    std::size_t depth_left = default_max_depth;
    errc code = errc::ok;
    const byte* at = nullptr;

    /// Records an error and returns nullptr (what every primitive returns on failure).
    [[gnu::cold, gnu::noinline]] const byte* fail(errc c, const byte* where) noexcept {
        code = c;
        at = where;
        return nullptr;
    }
    proto::error error() const noexcept { return {code, static_cast<std::size_t>(at - begin)}; }
    /// Enters a sub-message or group at p: false (and an error) at the depth limit.
    bool enter(const byte* p) noexcept {
        if (depth_left == 0) {
            fail(errc::depth_limit_exceeded, p);
            return false;
        }
        --depth_left;
        return true;
    }
    void leave() noexcept { ++depth_left; }
};

namespace detail {
[[gnu::cold, gnu::noinline]] inline const byte* varint_failure(const byte* p, const byte* end,
                                                               decode_context& ctx) noexcept {
    const wire::errc e = wire::varint_error(p, end);
    return ctx.fail(from_wire(e), wire::varint_error_at(p, e));
}

[[gnu::noinline]] inline const byte* read_tag_slow(const byte* p, const byte* end,
                                                   std::uint32_t* tag,
                                                   decode_context& ctx) noexcept {
    std::uint64_t v = 0;
    const byte* next = wire::parse_varint(p, end, &v);
    if (next == nullptr) return varint_failure(p, end, ctx);
    if (v > 0xFFFFFFFFULL) return ctx.fail(errc::field_number_too_large, p);
    *tag = static_cast<std::uint32_t>(v);
    return next;
}
}  // namespace detail

namespace detail {
/// Gathers the 7-bit groups of up to eight varint bytes (little-endian in x,
/// continuation bits ignored) into one value: pairs, then quads, then all.
constexpr std::uint64_t compress_varint_bytes(std::uint64_t x) noexcept {
    x &= 0x7f7f7f7f7f7f7f7fULL;
    x = (x & 0x007f007f007f007fULL) | ((x & 0x7f007f007f007f00ULL) >> 1);
    x = (x & 0x00003fff00003fffULL) | ((x & 0x3fff00003fff0000ULL) >> 2);
    x = (x & 0x000000000fffffffULL) | ((x & 0x0fffffff00000000ULL) >> 4);
    return x;
}

/// A varint of any length at p, with at least ten readable bytes: the end is
/// found from the continuation bits of one 8-byte load, without a loop.
/// Returns nullptr for an over-long or overflowing varint.
inline const byte* parse_long_varint(const byte* p, std::uint64_t* out) noexcept {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    if constexpr (std::endian::native != std::endian::little) word = wire::load_le64(p);
    const std::uint64_t ends = ~word & 0x8080808080808080ULL;  // bytes without a continuation bit
    if (ends != 0) {
        const unsigned len = static_cast<unsigned>(std::countr_zero(ends)) / 8 + 1;  // 1..8
        *out = compress_varint_bytes(word & (~std::uint64_t{0} >> (64 - 8 * len)));
        return p + len;
    }
    const std::uint64_t low = compress_varint_bytes(word);  // 56 bits
    if (p[8] < 0x80) {
        *out = low | (std::uint64_t{p[8]} << 56);
        return p + 9;
    }
    if (p[9] > 1) return nullptr;  // an 11th byte, or bits above 2^64
    *out = low | ((std::uint64_t{p[8]} & 0x7f) << 56) | (std::uint64_t{p[9]} << 63);
    return p + 10;
}
}  // namespace detail

/// Reads a tag (p < end). Validation of field number and wire type is left
/// to parse_unknown: a tag that matches a known field is valid by construction.
inline const byte* read_tag(const byte* p, const byte* end, std::uint32_t* tag,
                            decode_context& ctx) noexcept {
    if (*p < 0x80) [[likely]] {
        *tag = *p;
        return p + 1;
    }
    if (end - p >= 2 && p[1] < 0x80) [[likely]] {
        *tag = static_cast<std::uint32_t>(p[0] & 0x7f) | (static_cast<std::uint32_t>(p[1]) << 7);
        return p + 2;
    }
    return detail::read_tag_slow(p, end, tag, ctx);
}

inline const byte* read_varint(const byte* p, const byte* end, std::uint64_t* v,
                               decode_context& ctx) noexcept {
    const byte* next = wire::parse_varint(p, end, v);
    if (next == nullptr) [[unlikely]]
        return detail::varint_failure(p, end, ctx);
    return next;
}

/// Reads one scalar of kind K into *out (T is the field's C++ type: the
/// kind's type or an enum).
template <kind K, class T>
inline const byte* read_scalar(const byte* p, const byte* end, T* out,
                               decode_context& ctx) noexcept {
    using tr = scalar_traits<K>;
    if constexpr (tr::fixed_size == 4) {
        if (end - p < 4) [[unlikely]]
            return ctx.fail(errc::truncated, p);
        *out = static_cast<T>(tr::from_bits(load_fixed32(p)));
        return p + 4;
    } else if constexpr (tr::fixed_size == 8) {
        if (end - p < 8) [[unlikely]]
            return ctx.fail(errc::truncated, p);
        *out = static_cast<T>(tr::from_bits(load_fixed64(p)));
        return p + 8;
    } else {
        std::uint64_t v = 0;
        p = read_varint(p, end, &v, ctx);
        if (p != nullptr) *out = static_cast<T>(tr::from_varint(v));
        return p;
    }
}

/// Reads a length prefix and checks it against the bytes left before end.
inline const byte* read_length(const byte* p, const byte* end, std::size_t* n,
                               decode_context& ctx) noexcept {
    std::uint64_t v = 0;
    const byte* body;
    if (p < end && *p < 0x80) [[likely]] {
        v = *p;
        body = p + 1;
    } else {
        body = read_varint(p, end, &v, ctx);
        if (body == nullptr) return nullptr;
    }
    if (v > static_cast<std::uint64_t>(end - body)) [[unlikely]]
        return ctx.fail(errc::length_exceeds_input, p);
    *n = static_cast<std::size_t>(v);
    return body;
}

/// Reads a `string` (utf8 = true: proto3, must be valid UTF-8) or `bytes` field
/// into out, reusing out's capacity.
inline const byte* read_string(const byte* p, const byte* end, std::string& out, bool utf8,
                               decode_context& ctx) {
    std::size_t n = 0;
    const byte* body = read_length(p, end, &n, ctx);
    if (body == nullptr) return nullptr;
    if (utf8 && !is_valid_utf8(body, n)) [[unlikely]]
        return ctx.fail(errc::invalid_utf8, body);
    out.assign(reinterpret_cast<const char*>(body), n);
    return body + n;
}

/// Reads a `string` or `bytes` field as a view into the input (no copy): the
/// input must outlive the view. Used by generated *_view messages.
inline const byte* read_string(const byte* p, const byte* end, std::string_view& out, bool utf8,
                               decode_context& ctx) {
    std::size_t n = 0;
    const byte* body = read_length(p, end, &n, ctx);
    if (body == nullptr) return nullptr;
    if (utf8 && !is_valid_utf8(body, n)) [[unlikely]]
        return ctx.fail(errc::invalid_utf8, body);
    out = std::string_view(reinterpret_cast<const char*>(body), n);
    return body + n;
}

/// Reads a length-delimited sub-message and merges it into target(), which
/// returns the message to merge into. target() is called only after the
/// length prefix has been checked against the input, so a bogus length never
/// makes the decoder allocate a sub-message (box::ensure, vector::emplace_back).
template <class Target>
inline const byte* read_message(const byte* p, const byte* end, decode_context& ctx,
                                Target target) {
    std::size_t n = 0;
    const byte* body = read_length(p, end, &n, ctx);
    if (body == nullptr) return nullptr;
    if (!ctx.enter(p)) return nullptr;
    const byte* next = target()._h2pb_parse(body, body + n, ctx, 0);
    ctx.leave();
    return next;
}

/// Reads a group (proto2) whose SGROUP tag for field `number` has just been
/// read and merges it into m; returns the position after the EGROUP tag.
template <class M>
inline const byte* read_group(const byte* p, const byte* end, M& m, std::uint32_t number,
                              decode_context& ctx) {
    if (!ctx.enter(p)) return nullptr;
    const byte* next = m._h2pb_parse(p, end, ctx, number);
    ctx.leave();
    return next;
}

/// Counts the varints in a packed payload (each ends with one byte below
/// 0x80). Counted 64 bytes at a time into a byte-wide counter, which
/// compilers turn into SIMD compares and adds.
inline std::size_t count_varints(const byte* p, const byte* end) noexcept {
    std::size_t n = 0;
    while (end - p >= 64) {
        std::uint8_t c = 0;
        for (int i = 0; i < 64; ++i) c = static_cast<std::uint8_t>(c + (p[i] < 0x80 ? 1 : 0));
        n += c;
        p += 64;
    }
    for (; p != end; ++p) n += static_cast<std::size_t>(*p < 0x80);
    return n;
}

/// Appends the elements of a packed repeated field (LEN payload) to out.
template <kind K, class T, class Vec>
inline const byte* read_packed(const byte* p, const byte* end, Vec& out, decode_context& ctx) {
    using tr = scalar_traits<K>;
    std::size_t n = 0;
    const byte* body = read_length(p, end, &n, ctx);
    if (body == nullptr) return nullptr;
    const byte* stop = body + n;
    if constexpr (tr::fixed_size != 0) {
        if (n % tr::fixed_size != 0) return ctx.fail(errc::bad_packed_length, p);
        const std::size_t count = n / tr::fixed_size;
        const std::size_t old = out.size();
        out.resize(old + count);
        for (std::size_t i = 0; i < count; ++i, body += tr::fixed_size) {
            if constexpr (tr::fixed_size == 4) {
                out[old + i] = static_cast<T>(tr::from_bits(load_fixed32(body)));
            } else {
                out[old + i] = static_cast<T>(tr::from_bits(load_fixed64(body)));
            }
        }
        return stop;
    } else if constexpr (std::is_same_v<T, bool>) {
        out.reserve(out.size() + count_varints(body, stop));
        while (body < stop) {
            std::uint64_t v = 0;
            body = read_varint(body, stop, &v, ctx);
            if (body == nullptr) return nullptr;
            out.push_back(v != 0);
        }
        return stop;
    } else {
        // Every varint ends with exactly one byte below 0x80, so counting
        // those bytes sizes the vector exactly (never more than the payload
        // holds); the loop then stores through a pointer, without a capacity
        // check per element. A malformed payload fails before the count is
        // exceeded: it can only hold fewer complete varints, never more.
        const std::size_t old = out.size();
        out.resize(old + count_varints(body, stop));
        T* w = out.data() + old;
        // While ten bytes remain, no varint can run past the payload: no
        // bounds checks. One, two and three bytes are decoded inline.
        while (stop - body >= static_cast<std::ptrdiff_t>(wire::max_varint_size)) {
            std::uint64_t v = 0;
            const std::uint64_t b0 = body[0];
            if (b0 < 0x80) {
                v = b0;
                body += 1;
            } else if (const std::uint64_t b1 = body[1]; b1 < 0x80) {
                v = (b0 & 0x7f) | (b1 << 7);
                body += 2;
            } else if (const std::uint64_t b2 = body[2]; b2 < 0x80) {
                v = (b0 & 0x7f) | ((b1 & 0x7f) << 7) | (b2 << 14);
                body += 3;
            } else {
                const byte* next = detail::parse_long_varint(body, &v);
                if (next == nullptr) return detail::varint_failure(body, stop, ctx);
                body = next;
            }
            *w++ = static_cast<T>(tr::from_varint(v));
        }
        while (body < stop) {
            std::uint64_t v = 0;
            body = read_varint(body, stop, &v, ctx);
            if (body == nullptr) return nullptr;
            *w++ = static_cast<T>(tr::from_varint(v));
        }
        return stop;
    }
}

/// A packed closed enum (proto2): values the enum does not define go to the
/// unknown fields as separate VARINT fields, as libprotobuf does.
template <class T, class Vec, class IsKnown>
inline const byte* read_packed_closed_enum(const byte* p, const byte* end, Vec& out,
                                           std::uint32_t number, IsKnown is_known,
                                           unknown_fields* unknown, decode_context& ctx) {
    std::size_t n = 0;
    const byte* body = read_length(p, end, &n, ctx);
    if (body == nullptr) return nullptr;
    const byte* stop = body + n;
    while (body < stop) {
        std::uint64_t v = 0;
        body = read_varint(body, stop, &v, ctx);
        if (body == nullptr) return nullptr;
        const auto e = static_cast<std::int32_t>(v);
        if (is_known(e)) {
            out.push_back(static_cast<T>(e));
        } else if (unknown != nullptr) {
            byte tmp[2 * wire::max_varint_size];
            byte* w = wire::write_varint(tmp, make_tag(number, wire_type::varint));
            w = wire::write_varint(w, v);
            unknown->append(tmp, static_cast<std::size_t>(w - tmp));
        }
    }
    return stop;
}

/// The default branch of a generated parse loop: a tag that is not one of the
/// message's known (number, wire type) pairs. Validates the tag, then skips
/// the value and, when `unknown` is given, keeps the field's bytes.
///   tag_at: where the tag starts; p: just after it; end_group: the number
///   of the group being parsed (0 for a length-delimited message).
/// An EGROUP tag that closes the current group is handled by the caller.
[[gnu::noinline]] inline const byte* parse_unknown(const byte* tag_at, const byte* p,
                                                   const byte* end, std::uint32_t tag,
                                                   std::uint32_t end_group, decode_context& ctx,
                                                   unknown_fields* unknown) {
    const std::uint32_t number = tag_field_number(tag);
    const std::uint8_t wt = tag_wire_type(tag);
    if (number == 0) return ctx.fail(errc::field_number_zero, tag_at);
    if (number > max_field_number) return ctx.fail(errc::field_number_too_large, tag_at);
    if (wt > 5) return ctx.fail(errc::invalid_wire_type, tag_at);
    if (wt == static_cast<std::uint8_t>(wire_type::egroup)) {
        return ctx.fail(end_group == 0 ? errc::unexpected_end_group : errc::end_group_mismatch,
                        tag_at);
    }
    errc err = errc::ok;
    const byte* err_at = p;
    const byte* next =
        skip_value(p, end, number, static_cast<wire_type>(wt), ctx.depth_left, &err, &err_at);
    if (next == nullptr) return ctx.fail(err, err_at);
    if (unknown != nullptr) unknown->append(tag_at, static_cast<std::size_t>(next - tag_at));
    return next;
}

/// Called when a parse loop reaches the end of its bytes: fine for a
/// length-delimited message, an error inside a group.
inline const byte* end_of_input(const byte* p, std::uint32_t end_group,
                                decode_context& ctx) noexcept {
    if (end_group != 0) [[unlikely]]
        return ctx.fail(errc::unterminated_group, p);
    return p;
}

}  // namespace h2pb::proto
