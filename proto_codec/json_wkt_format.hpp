// h2pb::proto::json — the string forms of the well-known types Timestamp,
// Duration and FieldMask (json.md, "Well-Known Types"), and protoc's
// json_name rule.
//
//   Timestamp  "1972-01-01T10:00:20.021Z"   RFC 3339 (§5.6 date-time), always
//              written in UTC ("Z") with 0, 3, 6 or 9 fractional digits; read
//              with any offset ("+01:00"). Range 0001-01-01T00:00:00Z to
//              9999-12-31T23:59:59.999999999Z (timestamp.proto).
//   Duration   "1.000340012s", "-0.5s", "1s"  seconds with 0, 3, 6 or 9
//              fractional digits and the suffix "s"; read with 0 to 9
//              fractional digits. Range +-315,576,000,000.999999999s (about
//              10,000 years, duration.proto).
//   FieldMask  "f.fooBar,h"  paths joined by ',', each segment's snake_case
//              name in lowerCamelCase (field_mask.proto, "JSON Encoding").
//
// The parsers are strict where json.md asks for the stricter reading
// ("RFC 3339 as a profile of ISO-8601-2019"): upper-case 'T' and 'Z' only,
// exactly two digits per field, four for the year, no leap second (":60"), no
// white space. The formatters return false for values outside their type's
// range (libprotobuf refuses to print those too).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace h2pb::proto::json {

/// 0001-01-01T00:00:00Z in seconds since the Unix epoch (timestamp.proto's
/// minimum; libprotobuf TimeUtil::kTimestampMinSeconds).
inline constexpr std::int64_t timestamp_min_seconds = -62135596800;
/// 9999-12-31T23:59:59Z (TimeUtil::kTimestampMaxSeconds).
inline constexpr std::int64_t timestamp_max_seconds = 253402300799;
/// duration.proto: "+-315,576,000,000 seconds"  (10,000 years of 365.25 days).
inline constexpr std::int64_t duration_max_seconds = 315576000000;
inline constexpr std::int32_t max_nanos = 999999999;

namespace detail {

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant,
/// "chrono-Compatible Low-Level Date Algorithms", days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil {
    std::int64_t y;
    unsigned m, d;
};
/// The inverse (civil_from_days).
constexpr civil civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2), m, d};
}

constexpr bool is_leap(std::int64_t y) noexcept {
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}
constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
    constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/// Appends v as exactly `width` decimal digits.
inline void append_digits(std::string& out, std::uint64_t v, int width) {
    char buf[20];
    for (int i = width - 1; i >= 0; --i) {
        buf[i] = static_cast<char>('0' + v % 10);
        v /= 10;
    }
    out.append(buf, static_cast<std::size_t>(width));
}

/// Appends ".ddd", ".dddddd" or ".ddddddddd" for nanos (0..999999999): the
/// fewest of 0, 3, 6 or 9 digits that hold it exactly (json.md).
inline void append_nanos(std::string& out, std::uint32_t nanos) {
    if (nanos == 0) return;
    out.push_back('.');
    if (nanos % 1000000 == 0)
        append_digits(out, nanos / 1000000, 3);
    else if (nanos % 1000 == 0)
        append_digits(out, nanos / 1000, 6);
    else
        append_digits(out, nanos, 9);
}

/// Exactly n digits at s[i..i+n) as a number, or -1.
constexpr std::int64_t fixed_digits(std::string_view s, std::size_t i, std::size_t n) noexcept {
    if (s.size() < i + n) return -1;
    std::int64_t v = 0;
    for (std::size_t k = i; k < i + n; ++k) {
        if (s[k] < '0' || s[k] > '9') return -1;
        v = v * 10 + (s[k] - '0');
    }
    return v;
}

/// A fraction ".d..." of 1 to 9 digits at s[i] (just after the '.') as
/// nanoseconds; advances i. False when there are no digits or more than nine.
constexpr bool parse_fraction(std::string_view s, std::size_t& i, std::int32_t& nanos) noexcept {
    std::size_t digits = 0;
    std::int32_t v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (++digits > 9) return false;
        v = v * 10 + (s[i] - '0');
        ++i;
    }
    if (digits == 0) return false;
    for (std::size_t k = digits; k < 9; ++k) v *= 10;
    nanos = v;
    return true;
}

}  // namespace detail

/// Appends the RFC 3339 form of a Timestamp; false (nothing appended) when
/// it is outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59.999999999Z or
/// nanos is outside 0..999999999.
inline bool format_timestamp(std::int64_t seconds, std::int32_t nanos, std::string& out) {
    if (seconds < timestamp_min_seconds || seconds > timestamp_max_seconds || nanos < 0 ||
        nanos > max_nanos)
        return false;
    std::int64_t days = seconds / 86400;
    std::int64_t rem = seconds % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    const detail::civil c = detail::civil_from_days(days);
    detail::append_digits(out, static_cast<std::uint64_t>(c.y), 4);
    out.push_back('-');
    detail::append_digits(out, c.m, 2);
    out.push_back('-');
    detail::append_digits(out, c.d, 2);
    out.push_back('T');
    detail::append_digits(out, static_cast<std::uint64_t>(rem / 3600), 2);
    out.push_back(':');
    detail::append_digits(out, static_cast<std::uint64_t>(rem / 60 % 60), 2);
    out.push_back(':');
    detail::append_digits(out, static_cast<std::uint64_t>(rem % 60), 2);
    detail::append_nanos(out, static_cast<std::uint32_t>(nanos));
    out.push_back('Z');
    return true;
}

/// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" (RFC 3339 §5.6,
/// 1 to 9 fractional digits). False when malformed, not a calendar date or
/// time, or outside the Timestamp range after applying the offset.
inline bool parse_timestamp(std::string_view s, std::int64_t& seconds, std::int32_t& nanos) {
    using detail::fixed_digits;
    const std::int64_t year = fixed_digits(s, 0, 4);
    if (year < 1 || s.size() < 20 || s[4] != '-') return false;
    const std::int64_t month = fixed_digits(s, 5, 2);
    if (month < 1 || month > 12 || s[7] != '-') return false;
    const std::int64_t day = fixed_digits(s, 8, 2);
    if (day < 1 || day > detail::days_in_month(year, static_cast<unsigned>(month)) || s[10] != 'T')
        return false;
    const std::int64_t hour = fixed_digits(s, 11, 2);
    if (hour < 0 || hour > 23 || s[13] != ':') return false;
    const std::int64_t minute = fixed_digits(s, 14, 2);
    if (minute < 0 || minute > 59 || s[16] != ':') return false;
    const std::int64_t second = fixed_digits(s, 17, 2);
    if (second < 0 || second > 59) return false;
    std::size_t i = 19;
    std::int32_t frac = 0;
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (!detail::parse_fraction(s, i, frac)) return false;
    }
    if (i >= s.size()) return false;
    std::int64_t offset = 0;  // seconds east of UTC
    if (s[i] == 'Z') {
        ++i;
    } else if (s[i] == '+' || s[i] == '-') {
        const std::int64_t oh = fixed_digits(s, i + 1, 2);
        const std::int64_t om = fixed_digits(s, i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59 || s[i + 3] != ':') return false;
        offset = (oh * 60 + om) * 60;
        if (s[i] == '-') offset = -offset;
        i += 6;
    } else {
        return false;
    }
    if (i != s.size()) return false;
    const std::int64_t t =
        detail::days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) *
            86400 +
        hour * 3600 + minute * 60 + second - offset;
    if (t < timestamp_min_seconds || t > timestamp_max_seconds) return false;
    seconds = t;
    nanos = frac;
    return true;
}

/// Appends a Duration as "<seconds>[.<fraction>]s"; false (nothing appended)
/// when outside +-315576000000.999999999s or when seconds and nanos have
/// different signs (duration.proto requires the same sign).
inline bool format_duration(std::int64_t seconds, std::int32_t nanos, std::string& out) {
    if (seconds < -duration_max_seconds || seconds > duration_max_seconds || nanos < -max_nanos ||
        nanos > max_nanos || (seconds < 0 && nanos > 0) || (seconds > 0 && nanos < 0))
        return false;
    if (seconds < 0 || nanos < 0) out.push_back('-');
    const std::uint64_t s = static_cast<std::uint64_t>(seconds < 0 ? -seconds : seconds);
    char buf[20];
    int n = 0;
    std::uint64_t v = s;
    do {
        buf[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0) out.push_back(buf[--n]);
    detail::append_nanos(out, static_cast<std::uint32_t>(nanos < 0 ? -nanos : nanos));
    out.push_back('s');
    return true;
}

/// Parses "[-]<digits>[.<1 to 9 digits>]s"; false when malformed or when the
/// seconds are beyond +-315576000000.
inline bool parse_duration(std::string_view s, std::int64_t& seconds, std::int32_t& nanos) {
    std::size_t i = 0;
    const bool negative = !s.empty() && s[0] == '-';
    if (negative) ++i;
    const std::size_t digits_at = i;
    std::int64_t sec = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        sec = sec * 10 + (s[i] - '0');
        if (sec > duration_max_seconds) return false;
        ++i;
    }
    if (i == digits_at) return false;
    std::int32_t frac = 0;
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (!detail::parse_fraction(s, i, frac)) return false;
    }
    if (i + 1 != s.size() || s[i] != 's') return false;
    seconds = negative ? -sec : sec;
    nanos = negative ? -frac : frac;
    return true;
}

/// Appends one FieldMask path in its JSON form: "foo_bar.baz" -> "fooBar.baz".
/// False (out unchanged) for a path that does not survive the round trip, as
/// libprotobuf's FieldMaskUtil::SnakeCaseToCamelCase decides: an upper-case
/// letter, or '_' not followed by a lower-case letter ("foo__bar", "x_0",
/// "foo_").
inline bool field_mask_path_to_json(std::string_view snake, std::string& out) {
    const std::size_t start = out.size();
    bool after_underscore = false;
    for (const char c : snake) {
        if (c >= 'A' && c <= 'Z') {
            out.resize(start);
            return false;
        }
        if (after_underscore) {
            if (c < 'a' || c > 'z') {
                out.resize(start);
                return false;
            }
            out.push_back(static_cast<char>(c - 'a' + 'A'));
            after_underscore = false;
        } else if (c == '_') {
            after_underscore = true;
        } else {
            out.push_back(c);
        }
    }
    if (after_underscore) {
        out.resize(start);
        return false;
    }
    return true;
}

/// Appends one FieldMask path from its JSON form: "fooBar.baz" -> "foo_bar.baz".
/// False (out unchanged) when it holds '_' (FieldMaskUtil::CamelCaseToSnakeCase).
inline bool field_mask_path_from_json(std::string_view camel, std::string& out) {
    const std::size_t start = out.size();
    for (const char c : camel) {
        if (c == '_') {
            out.resize(start);
            return false;
        }
        if (c >= 'A' && c <= 'Z') {
            out.push_back('_');
            out.push_back(static_cast<char>(c - 'A' + 'a'));
        } else {
            out.push_back(c);
        }
    }
    return true;
}

/// Appends a whole FieldMask's JSON string contents: the paths' JSON forms
/// joined by ','. False (out unchanged) when a path cannot be converted.
template <class Paths>
bool field_mask_to_json(const Paths& paths, std::string& out) {
    const std::size_t start = out.size();
    bool first = true;
    for (const auto& p : paths) {
        if (!first) out.push_back(',');
        first = false;
        if (!field_mask_path_to_json(std::string_view(p), out)) {
            out.resize(start);
            return false;
        }
    }
    return true;
}

/// Splits a FieldMask's JSON string at ',' and converts each path; the
/// empty string is the empty mask. Appends to `paths`; false on a bad path
/// (paths unchanged).
inline bool field_mask_from_json(std::string_view json, std::vector<std::string>& paths) {
    const std::size_t start = paths.size();
    if (json.empty()) return true;
    for (;;) {
        const std::size_t comma = json.find(',');
        paths.emplace_back();
        if (!field_mask_path_from_json(json.substr(0, comma), paths.back())) {
            paths.resize(start);
            return false;
        }
        if (comma == std::string_view::npos) return true;
        json.remove_prefix(comma + 1);
    }
}

/// protoc's default json_name of a field (descriptor.cc ToJsonName): each '_'
/// is dropped and the character after it upper-cased; nothing else changes.
/// "foo_bar" -> "fooBar", "foo_bar_2" -> "fooBar2", "_foo" -> "Foo",
/// "FooBar" -> "FooBar".
inline std::string json_name(std::string_view field_name) {
    std::string out;
    out.reserve(field_name.size());
    bool capitalize_next = false;
    for (const char c : field_name) {
        if (c == '_') {
            capitalize_next = true;
        } else if (capitalize_next) {
            out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
            capitalize_next = false;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

}  // namespace h2pb::proto::json
