// h2pb::h2 — the HTTP rules for header sections (RFC 9113 §8.1–§8.3).
//
// A header block that HPACK decoded fine can still be a malformed HTTP
// message (§8.1.1). That is a *stream* error of type PROTOCOL_ERROR, never a
// connection error: the connection and its HPACK state stay good.
//
//   §8.2.1  field names: no octet in 0x00-0x20, 'A'-'Z', 0x7f-0xff, no ':'
//           except the leading one of a pseudo-header (h2pb checks the full
//           token grammar of RFC 9110 §5.1, as §8.2.1 recommends); values: no
//           NUL, CR, LF (nor other controls but HTAB), no leading or trailing
//           SP/HTAB.
//   §8.2.2  no Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding,
//           Upgrade; TE only with the value "trailers".
//   §8.3    pseudo-headers: only the defined ones of the message kind, each at
//           most once, all before the regular fields; none in trailers.
//   §8.3.1  requests: :method, :scheme, :path (non-empty) — CONNECT instead has
//           :authority and neither :scheme nor :path (§8.5).
//   §8.3.2  responses: :status, three digits (101 is not allowed, §8.6).
//   §8.1.1  content-length: digits; repeated only with the same value.
//
// field_checker is fed one field at a time (as the HPACK decoder emits them)
// and keeps the first violation; finish() adds the checks of a complete section.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include <h2pb/h2/errc.hpp>

namespace h2pb::h2 {

/// Which header section a block carries.
enum class section_kind : std::uint8_t {
    request,   ///< the header section of a request (server side)
    response,  ///< a response header section, interim (1xx) or final (client side)
    trailers,  ///< a trailer section (either side)
};

namespace fields {

namespace detail {
/// RFC 9110 §5.6.2 tchar, restricted to lowercase (§8.2.1 forbids 'A'-'Z').
constexpr std::array<bool, 256> make_name_chars() {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
    return t;
}
inline constexpr std::array<bool, 256> name_chars = make_name_chars();

/// RFC 9110 §5.5 field-vchar, SP, HTAB and obs-text: every octet but the
/// controls other than HTAB (NUL, CR and LF among them) and DEL.
constexpr std::array<bool, 256> make_value_chars() {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; ++c)
        t[static_cast<std::size_t>(c)] = (c >= 0x20 && c != 0x7f) || c == '\t';
    return t;
}
inline constexpr std::array<bool, 256> value_chars = make_value_chars();

/// s == the literal `lit`. (std::string_view's operator== compiles to a call
/// to compare() and memcmp with g++ 12; with the length a constant, the
/// comparison here is a couple of inline loads.)
template <std::size_t N>
constexpr bool is(std::string_view s, const char (&lit)[N]) noexcept {
    if (s.size() != N - 1) return false;
    if (std::is_constant_evaluated()) return s == std::string_view(lit, N - 1);
    return std::memcmp(s.data(), lit, N - 1) == 0;
}

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (x != b[i]) return false;
    }
    return true;
}
}  // namespace detail

namespace detail {
/// Whether all 8 octets of `w` are in 'a'-'z', '0'-'9' or '-', the octets of
/// nearly every real field name ("content-type", "grpc-timeout"): a word
/// at a time, the common case of check_name. Range tests on octets below
/// 0x80 (adding 0x80 - low sets an octet's top bit when it is >= low; no
/// octet carries into the next), and an exact per-octet zero test for '-'.
/// False means "look octet by octet", not "invalid".
inline bool word_is_common_name(std::uint64_t w) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101ull;
    constexpr std::uint64_t highs = ones * 0x80;
    constexpr std::uint64_t lows = ones * 0x7f;
    if (w & highs) return false;
    const auto at_least = [w](unsigned low) { return w + ones * (0x80 - low); };
    const std::uint64_t lower = at_least('a') & ~at_least('z' + 1);
    const std::uint64_t digit = at_least('0') & ~at_least('9' + 1);
    const std::uint64_t x = w ^ (ones * '-');
    const std::uint64_t dash = ~(((x & lows) + lows) | x);
    return ((lower | digit | dash) & highs) == highs;
}
}  // namespace detail

/// §8.2.1 for a regular field name (no leading colon).
constexpr errc check_name(std::string_view name) noexcept {
    if (name.empty()) return errc::field_name_empty;
    if (!std::is_constant_evaluated() && name.size() >= 8) {
        // Whole words, the last one overlapping the one before it.
        bool common = true;
        for (std::size_t i = 0; common && i < name.size(); i += 8) {
            const std::size_t at = i + 8 <= name.size() ? i : name.size() - 8;
            std::uint64_t w;
            std::memcpy(&w, name.data() + at, 8);
            common = detail::word_is_common_name(w);
        }
        if (common) return errc::ok;
    }
    for (unsigned char c : name) {
        if (detail::name_chars[c]) continue;
        return c >= 'A' && c <= 'Z' ? errc::field_name_uppercase : errc::field_name_invalid;
    }
    return errc::ok;
}

namespace detail {
/// Whether any of the 8 octets of `w` is a control other than HTAB, or DEL:
/// the octets value_chars refuses. Word at a time (RFC 9113 §8.2.1 values are
/// mostly printable ASCII): "some octet is below 0x20" and "some octet is
/// 0x7f" are the classic exact SWAR tests (bit twiddling hacks' hasless and
/// haszero). HTAB, which is allowed, is below 0x20 too: a flagged word is
/// decided octet by octet.
inline bool word_may_be_invalid(std::uint64_t w) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101ull;
    constexpr std::uint64_t highs = 0x8080808080808080ull;
    const std::uint64_t below_space = (w - ones * 0x20) & ~w & highs;
    const std::uint64_t x = w ^ (ones * 0x7f);
    const std::uint64_t del = (x - ones) & ~x & highs;
    return (below_space | del) != 0;
}
}  // namespace detail

/// §8.2.1 for a field value.
constexpr errc check_value(std::string_view value) noexcept {
    bool scan = true;  // octet by octet
    if (!std::is_constant_evaluated() && value.size() >= 8) {
        // Whole words, the last one overlapping the one before it; a flagged
        // word sends the value to the octet-by-octet scan.
        scan = false;
        for (std::size_t i = 0; !scan && i < value.size(); i += 8) {
            const std::size_t at = i + 8 <= value.size() ? i : value.size() - 8;
            std::uint64_t w;
            std::memcpy(&w, value.data() + at, 8);
            scan = detail::word_may_be_invalid(w);
        }
    }
    if (scan) {
        for (unsigned char c : value)
            if (!detail::value_chars[c]) return errc::field_value_invalid;
    }
    if (!value.empty()) {
        const char first = value.front(), last = value.back();
        if (first == ' ' || first == '\t' || last == ' ' || last == '\t')
            return errc::field_value_whitespace;
    }
    return errc::ok;
}

/// §8.2.2: fields with connection-specific meaning (TE is checked apart).
/// (The length decides which names to compare with: most fields compare
/// with none.)
constexpr bool is_connection_specific(std::string_view name) noexcept {
    switch (name.size()) {
        case 7:
            return detail::is(name, "upgrade");
        case 10:
            return detail::is(name, "connection") || detail::is(name, "keep-alive");
        case 16:
            return detail::is(name, "proxy-connection");
        case 17:
            return detail::is(name, "transfer-encoding");
        default:
            return false;
    }
}

/// Parses a content-length value: 1-19 digits. Returns false if invalid.
constexpr bool parse_content_length(std::string_view v, std::uint64_t& out) noexcept {
    if (v.empty() || v.size() > 19) return false;
    std::uint64_t n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return false;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    out = n;
    return true;
}

}  // namespace fields

/// What a checked header section says about the message, for the rules that
/// follow it (content-length against DATA, 1xx, HEAD).
struct section_info {
    bool has_content_length = false;
    std::uint64_t content_length = 0;
    std::uint16_t status = 0;      ///< responses
    bool head_request = false;     ///< requests: :method is HEAD
    bool connect_request = false;  ///< requests: :method is CONNECT
    bool informational() const noexcept { return status >= 100 && status < 200; }
};

class field_checker {
  public:
    /// Starts a section of the given kind.
    void start(section_kind kind) noexcept {
        kind_ = kind;
        error_ = errc::ok;
        seen_ = 0;
        regular_seen_ = false;
        scheme_http_ = false;
        authority_ = {};
        path_ = {};
        info_ = {};
    }

    /// Checks one field; returns the first violation of the section so far.
    /// `octets_known_valid`: the name and value octets are known to pass
    /// §8.2.1 (the field is an HPACK table entry that passed before), so only
    /// the rules about what the field means in this section are applied.
    constexpr errc add(std::string_view name, std::string_view value,
                       bool octets_known_valid = false) noexcept {
        if (error_ != errc::ok) return error_;
        error_ = check(name, value, octets_known_valid);
        return error_;
    }

    /// Checks what only a complete section can show (required pseudo-headers).
    constexpr errc finish() noexcept {
        if (error_ != errc::ok) return error_;
        if (kind_ == section_kind::request) {
            if (!(seen_ & bit_method)) return error_ = errc::missing_method;
            if (info_.connect_request) {
                if (seen_ & (bit_scheme | bit_path))
                    return error_ = errc::connect_with_scheme_or_path;
                if (!(seen_ & bit_authority)) return error_ = errc::connect_without_authority;
            } else {
                if (!(seen_ & bit_scheme)) return error_ = errc::missing_scheme;
                if (!(seen_ & bit_path) || path_.empty()) return error_ = errc::missing_path;
                if (scheme_http_ && path_[0] != '/' && !fields::detail::is(path_, "*"))
                    return error_ = errc::path_invalid;
                if (scheme_http_ && authority_.find('@') != std::string_view::npos)
                    return error_ = errc::authority_invalid;
            }
        } else if (kind_ == section_kind::response) {
            if (!(seen_ & bit_status)) return error_ = errc::missing_status;
        }
        return errc::ok;
    }

    constexpr errc error() const noexcept { return error_; }
    constexpr const section_info& info() const noexcept { return info_; }
    constexpr section_kind kind() const noexcept { return kind_; }

  private:
    static constexpr std::uint8_t bit_method = 1, bit_scheme = 2, bit_authority = 4, bit_path = 8,
                                  bit_status = 16;

    constexpr errc check(std::string_view name, std::string_view value,
                         bool octets_valid) noexcept {
        if (!name.empty() && name[0] == ':') return check_pseudo(name, value, octets_valid);
        regular_seen_ = true;
        if (!octets_valid) {
            if (auto e = fields::check_name(name); e != errc::ok) return e;
            if (auto e = fields::check_value(value); e != errc::ok) return e;
        }
        if (fields::is_connection_specific(name)) return errc::connection_specific_field;
        if (fields::detail::is(name, "te") && !fields::detail::iequals(value, "trailers"))
            return errc::te_not_trailers;
        if (fields::detail::is(name, "content-length") && kind_ != section_kind::trailers) {
            std::uint64_t n = 0;
            if (!fields::parse_content_length(value, n)) return errc::content_length_invalid;
            if (info_.has_content_length && info_.content_length != n)
                return errc::content_length_invalid;
            info_.has_content_length = true;
            info_.content_length = n;
        }
        return errc::ok;
    }

    constexpr errc check_pseudo(std::string_view name, std::string_view value,
                                bool octets_valid) noexcept {
        if (kind_ == section_kind::trailers) return errc::pseudo_in_trailers;
        if (regular_seen_) return errc::pseudo_after_regular;
        const std::uint8_t bit = pseudo_bit(name);
        if (bit == 0) return errc::pseudo_unknown;
        if (seen_ & bit) return errc::pseudo_duplicate;
        seen_ |= bit;
        if (!octets_valid)
            if (auto e = fields::check_value(value); e != errc::ok) return e;
        switch (bit) {
            case bit_method:
                if (fields::check_name(value) != errc::ok && !is_upper_token(value))
                    return errc::field_value_invalid;  // a method is a token (RFC 9110 §9.1)
                info_.head_request = fields::detail::is(value, "HEAD");
                info_.connect_request = fields::detail::is(value, "CONNECT");
                break;
            case bit_scheme:
                if (value.empty()) return errc::missing_scheme;
                scheme_http_ =
                    fields::detail::is(value, "http") || fields::detail::is(value, "https");
                break;
            case bit_authority:
                authority_ = value;
                break;
            case bit_path:
                path_ = value;
                break;
            case bit_status:
                return check_status(value);
        }
        return errc::ok;
    }

    /// The bit of a pseudo-header defined for this kind of section, 0 for
    /// any other (chosen by length, then compared).
    constexpr std::uint8_t pseudo_bit(std::string_view name) const noexcept {
        if (kind_ == section_kind::request) {
            switch (name.size()) {
                case 5:
                    return fields::detail::is(name, ":path") ? bit_path : 0;
                case 7:
                    return fields::detail::is(name, ":method")   ? bit_method
                           : fields::detail::is(name, ":scheme") ? bit_scheme
                                                                 : 0;
                case 10:
                    return fields::detail::is(name, ":authority") ? bit_authority : 0;
                default:
                    return 0;
            }
        }
        return fields::detail::is(name, ":status") ? bit_status : 0;
    }

    constexpr errc check_status(std::string_view v) noexcept {
        if (v.size() != 3) return errc::status_invalid;
        std::uint16_t n = 0;
        for (char c : v) {
            if (c < '0' || c > '9') return errc::status_invalid;
            n = static_cast<std::uint16_t>(n * 10 + (c - '0'));
        }
        if (n < 100 || n == 101) return errc::status_invalid;  // §8.6: no 101 in HTTP/2
        info_.status = n;
        return errc::ok;
    }

    /// Methods are case-sensitive tokens and conventionally uppercase.
    static constexpr bool is_upper_token(std::string_view v) noexcept {
        if (v.empty()) return false;
        for (unsigned char c : v)
            if (!fields::detail::name_chars[c] && !(c >= 'A' && c <= 'Z')) return false;
        return true;
    }

    section_kind kind_ = section_kind::request;
    errc error_ = errc::ok;
    std::uint8_t seen_ = 0;
    bool regular_seen_ = false;
    bool scheme_http_ = false;
    std::string_view authority_;
    std::string_view path_;
    section_info info_;
};

}  // namespace h2pb::h2
