// h2pb::rpc — the grpc-timeout header (PROTOCOL-HTTP2.md).
//
//   Timeout      → "grpc-timeout" TimeoutValue TimeoutUnit
//   TimeoutValue → {positive integer as ASCII string of at most 8 digits}
//   TimeoutUnit  → "H" / "M" / "S" / "m" / "u" / "n"
//                  hour, minute, second, milli-, micro-, nanosecond
//
//   auto t = rpc::parse_timeout("1S");            // optional<nanoseconds>: 1 s
//   rpc::timeout_text text = rpc::format_timeout(std::chrono::milliseconds(1500));
//   text.view() == "1500000u"                     // 8 digits at most, finest unit that fits
//
// Parsing: 1 to 8 decimal digits then one unit letter, nothing else (no sign,
// no spaces); anything else is nullopt. "0S" is accepted (an already expired
// deadline), as grpc C++ and grpc-go do though the grammar says "positive".
// 99999999H does not fit in int64 nanoseconds (it is ~3.6e20): the value
// saturates at nanoseconds::max() (grpc C++ saturates too).
//
// Formatting: the finest unit in which the duration fits in 8 digits, the
// count rounded UP so that the peer never gets less time than we have (grpc
// C++'s grpc_http2_encode_timeout rounds up as well). A duration of zero or
// less becomes "1n": the grammar has no zero and the call is already out of
// time (grpc C++ sends "1n" too). No allocation: the text lives in a
// 9-character array inside the returned value.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace h2pb::rpc {

/// TimeoutValue has at most 8 digits (PROTOCOL-HTTP2.md).
inline constexpr std::size_t max_timeout_digits = 8;
inline constexpr std::int64_t max_timeout_value = 99'999'999;

namespace detail {
/// Nanoseconds per unit letter, 0 for a letter that is not a unit.
constexpr std::int64_t timeout_unit_ns(char unit) noexcept {
    switch (unit) {
        case 'H':
            return 3'600'000'000'000;
        case 'M':
            return 60'000'000'000;
        case 'S':
            return 1'000'000'000;
        case 'm':
            return 1'000'000;
        case 'u':
            return 1'000;
        case 'n':
            return 1;
        default:
            return 0;
    }
}
}  // namespace detail

/// The duration a grpc-timeout value says, or nullopt when it does not follow
/// the grammar.
constexpr std::optional<std::chrono::nanoseconds> parse_timeout(std::string_view v) noexcept {
    if (v.size() < 2 || v.size() > max_timeout_digits + 1) return std::nullopt;
    const std::int64_t unit = detail::timeout_unit_ns(v.back());
    if (unit == 0) return std::nullopt;
    std::int64_t n = 0;
    for (std::size_t i = 0; i + 1 < v.size(); ++i) {
        if (v[i] < '0' || v[i] > '9') return std::nullopt;
        n = n * 10 + (v[i] - '0');
    }
    constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
    if (n > max / unit) return std::chrono::nanoseconds::max();
    return std::chrono::nanoseconds(n * unit);
}

/// A formatted grpc-timeout value: up to 8 digits and a unit.
struct timeout_text {
    char data[max_timeout_digits + 1] = {};
    std::size_t size = 0;
    constexpr std::string_view view() const noexcept { return {data, size}; }
};

/// The grpc-timeout value for `d`, never shorter than `d` (see above).
template <class Rep, class Period>
constexpr timeout_text format_timeout(std::chrono::duration<Rep, Period> d) noexcept {
    timeout_text out;
    // Saturating conversion to nanoseconds, rounded up.
    using ns = std::chrono::nanoseconds;
    std::int64_t total = 0;
    if (d <= d.zero()) {
        total = 0;
    } else if (std::chrono::duration<double, std::nano>(d).count() >= 9.223372036854775e18) {
        // Would overflow int64 nanoseconds (a few hundred ns below 2^63 already rounds
        // to it in double): saturate, which is never shorter than d.
        total = ns::max().count();
    } else {
        total = std::chrono::ceil<ns>(d).count();
    }
    if (total <= 0) {
        out.data[0] = '1';
        out.data[1] = 'n';
        out.size = 2;
        return out;
    }
    constexpr char units[] = {'n', 'u', 'm', 'S', 'M', 'H'};
    std::int64_t count = 0;
    char unit = 'H';
    for (const char u : units) {
        const std::int64_t per = detail::timeout_unit_ns(u);
        count = total / per + (total % per != 0 ? 1 : 0);  // round up
        unit = u;
        if (count <= max_timeout_value) break;
    }
    if (count > max_timeout_value) count = max_timeout_value;  // > 11 years: the longest we can say
    char digits[max_timeout_digits] = {};
    std::size_t n = 0;
    do {
        digits[n++] = static_cast<char>('0' + count % 10);
        count /= 10;
    } while (count != 0);
    for (std::size_t i = 0; i < n; ++i) out.data[i] = digits[n - 1 - i];
    out.data[n] = unit;
    out.size = n + 1;
    return out;
}

}  // namespace h2pb::rpc
