// h2pb::proto — UTF-8 validation for proto3 `string` fields.
//
// proto3 requires a `string` field to hold valid UTF-8; a parser must reject
// the message otherwise (libprotobuf fails the parse). proto2 strings are not
// checked (libprotobuf only logs), and `bytes` never are.
//
// Valid UTF-8 (RFC 3629 §4): one to four bytes per code point, no overlong
// forms, no UTF-16 surrogates (U+D800..U+DFFF), nothing above U+10FFFF:
//
//   U+0000..U+007F      00..7F
//   U+0080..U+07FF      C2..DF 80..BF
//   U+0800..U+0FFF      E0     A0..BF 80..BF
//   U+1000..U+CFFF      E1..EC 80..BF 80..BF
//   U+D000..U+D7FF      ED     80..9F 80..BF
//   U+E000..U+FFFF      EE..EF 80..BF 80..BF
//   U+10000..U+3FFFF    F0     90..BF 80..BF 80..BF
//   U+40000..U+FFFFF    F1..F3 80..BF 80..BF 80..BF
//   U+100000..U+10FFFF  F4     80..8F 80..BF 80..BF
//
// Most protobuf strings are ASCII, so the validator first skips eight bytes
// at a time while none has its high bit set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <h2pb/wire/bytes.hpp>

namespace h2pb::proto {

namespace detail {
constexpr bool is_continuation(wire::byte b) noexcept {
    return (b & 0xC0) == 0x80;
}
}  // namespace detail

/// True when [p, p+n) is valid UTF-8 (the table above).
inline bool is_valid_utf8(const wire::byte* p, std::size_t n) noexcept {
    const wire::byte* end = p + n;
    while (p != end) {
        // ASCII fast path: eight bytes per step while none has the high bit.
        while (end - p >= 8) {
            std::uint64_t w;
            std::memcpy(&w, p, 8);
            if ((w & 0x8080808080808080ULL) != 0) break;
            p += 8;
        }
        if (p == end) break;
        const wire::byte c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        const std::ptrdiff_t left = end - p;
        if (c < 0xC2) return false;  // a continuation byte, or an overlong C0/C1 lead
        if (c < 0xE0) {
            if (left < 2 || !detail::is_continuation(p[1])) return false;
            p += 2;
            continue;
        }
        if (c < 0xF0) {
            if (left < 3 || !detail::is_continuation(p[1]) || !detail::is_continuation(p[2]))
                return false;
            if (c == 0xE0 && p[1] < 0xA0) return false;   // overlong
            if (c == 0xED && p[1] >= 0xA0) return false;  // surrogate
            p += 3;
            continue;
        }
        if (c < 0xF5) {
            if (left < 4 || !detail::is_continuation(p[1]) || !detail::is_continuation(p[2]) ||
                !detail::is_continuation(p[3]))
                return false;
            if (c == 0xF0 && p[1] < 0x90) return false;   // overlong
            if (c == 0xF4 && p[1] >= 0x90) return false;  // above U+10FFFF
            p += 4;
            continue;
        }
        return false;  // F5..FF never appear in UTF-8
    }
    return true;
}

inline bool is_valid_utf8(wire::bytes_view b) noexcept {
    return is_valid_utf8(b.data(), b.size());
}

}  // namespace h2pb::proto
