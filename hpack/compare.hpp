// h2pb::hpack — equality of short octet strings, inline.
//
// The encoder compares header names and values with table entries on every
// lookup hit; they are mostly shorter than 32 octets, where a call to memcmp
// costs more than the comparison. Strings of 4 to 16 octets are compared with
// two overlapping loads from each end (never reading outside either string).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace h2pb::hpack {

namespace detail {
template <class T>
inline T load(const char* p) noexcept {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
}  // namespace detail

/// a[0..n) == b[0..n)
[[gnu::always_inline]] inline bool equal_octets(const char* a, const char* b,
                                                std::size_t n) noexcept {
    using detail::load;
    if (n >= 8) {
        if (n > 16) return std::memcmp(a, b, n) == 0;
        return ((load<std::uint64_t>(a) ^ load<std::uint64_t>(b)) |
                (load<std::uint64_t>(a + n - 8) ^ load<std::uint64_t>(b + n - 8))) == 0;
    }
    if (n >= 4) {
        return ((load<std::uint32_t>(a) ^ load<std::uint32_t>(b)) |
                (load<std::uint32_t>(a + n - 4) ^ load<std::uint32_t>(b + n - 4))) == 0;
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (a[i] != b[i]) return false;
    }
    return true;
}

[[gnu::always_inline]] inline bool equal_octets(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && equal_octets(a.data(), b.data(), a.size());
}

}  // namespace h2pb::hpack
