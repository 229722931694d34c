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
#include <cstdint>
#include <string_view>

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

/// §8.2.1 for a regular field name (no leading colon).
constexpr errc check_name(std::string_view name) noexcept {
    if (name.empty()) return errc::field_name_empty;
    for (unsigned char c : name) {
        if (detail::name_chars[c]) continue;
        return c >= 'A' && c <= 'Z' ? errc::field_name_uppercase : errc::field_name_invalid;
    }
    return errc::ok;
}

/// §8.2.1 for a field value.
constexpr errc check_value(std::string_view value) noexcept {
    for (unsigned char c : value)
        if (!detail::value_chars[c]) return errc::field_value_invalid;
    if (!value.empty()) {
        const char first = value.front(), last = value.back();
        if (first == ' ' || first == '\t' || last == ' ' || last == '\t')
            return errc::field_value_whitespace;
    }
    return errc::ok;
}

/// §8.2.2: fields with connection-specific meaning (TE is checked apart).
constexpr bool is_connection_specific(std::string_view name) noexcept {
    return name == "connection" || name == "keep-alive" || name == "proxy-connection" ||
           name == "transfer-encoding" || name == "upgrade";
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
    constexpr errc add(std::string_view name, std::string_view value) noexcept {
        if (error_ != errc::ok) return error_;
        error_ = check(name, value);
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
                if (scheme_http_ && path_[0] != '/' && path_ != "*")
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

    constexpr errc check(std::string_view name, std::string_view value) noexcept {
        if (!name.empty() && name[0] == ':') return check_pseudo(name, value);
        regular_seen_ = true;
        if (auto e = fields::check_name(name); e != errc::ok) return e;
        if (auto e = fields::check_value(value); e != errc::ok) return e;
        if (fields::is_connection_specific(name)) return errc::connection_specific_field;
        if (name == "te" && !fields::detail::iequals(value, "trailers"))
            return errc::te_not_trailers;
        if (name == "content-length" && kind_ != section_kind::trailers) {
            std::uint64_t n = 0;
            if (!fields::parse_content_length(value, n)) return errc::content_length_invalid;
            if (info_.has_content_length && info_.content_length != n)
                return errc::content_length_invalid;
            info_.has_content_length = true;
            info_.content_length = n;
        }
        return errc::ok;
    }

    constexpr errc check_pseudo(std::string_view name, std::string_view value) noexcept {
        if (kind_ == section_kind::trailers) return errc::pseudo_in_trailers;
        if (regular_seen_) return errc::pseudo_after_regular;
        std::uint8_t bit = 0;
        if (kind_ == section_kind::request) {
            if (name == ":method")
                bit = bit_method;
            else if (name == ":scheme")
                bit = bit_scheme;
            else if (name == ":authority")
                bit = bit_authority;
            else if (name == ":path")
                bit = bit_path;
        } else if (name == ":status") {
            bit = bit_status;
        }
        if (bit == 0) return errc::pseudo_unknown;
        if (seen_ & bit) return errc::pseudo_duplicate;
        seen_ |= bit;
        if (auto e = fields::check_value(value); e != errc::ok) return e;
        switch (bit) {
            case bit_method:
                if (fields::check_name(value) != errc::ok && !is_upper_token(value))
                    return errc::field_value_invalid;  // a method is a token (RFC 9110 §9.1)
                info_.head_request = value == "HEAD";
                info_.connect_request = value == "CONNECT";
                break;
            case bit_scheme:
                if (value.empty()) return errc::missing_scheme;
                scheme_http_ = value == "http" || value == "https";
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
