// h2pb::rpc::detail::json — a small, bounded JSON reader (RFC 8259) for the
// service config (service_config.md: gRPC takes the config as JSON text).
// It is internal: protobuf's JSON mapping belongs to proto_codec.
//
// Bounds, so that a hostile config (it may come from DNS, gRFC A2) costs
// little: the text is at most `limits::max_bytes` octets, nesting at most
// `limits::max_depth` deep (the recursion depth of the reader), and every
// value consumes at least one octet of text, so the tree is O(text).
// Duplicate object keys are an error (grpc C++'s JSON reader refuses them
// too); numbers keep their text as well as a double, so that integer fields
// can be checked exactly.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace h2pb::rpc::detail::json {

/// A service config is a few hundred octets; 64 KiB leaves room for large
/// method lists while bounding the tree (about 150 octets a value).
inline constexpr std::size_t default_max_bytes = std::size_t{64} * 1024;
/// Real configs nest 5 deep (methodConfig[] / {} / retryPolicy / codes[]);
/// 32 bounds the reader's recursion.
inline constexpr std::size_t default_max_depth = 32;

struct limits {
    std::size_t max_bytes = default_max_bytes;
    std::size_t max_depth = default_max_depth;
};

enum class kind : std::uint8_t { null, boolean, number, string, array, object };

struct member;

struct value {
    json::kind kind = json::kind::null;
    bool boolean = false;
    double number = 0;
    /// A string's decoded text, or a number's text as written.
    std::string text;
    std::vector<value> items;     ///< array
    std::vector<member> members;  ///< object, in order

    /// The member named `key` of an object, or null.
    inline const value* get(std::string_view key) const noexcept;
};

/// One name/value pair of an object (a struct, not std::pair: value is
/// incomplete where it names its members).
struct member {
    std::string first;
    value second;
};

inline const value* value::get(std::string_view key) const noexcept {
    for (const auto& [k, v] : members)
        if (k == key) return &v;
    return nullptr;
}

/// Why a text is not JSON: what and where (octet offset).
struct error {
    std::size_t offset = 0;
    std::string what;
    std::string to_string() const { return what + " at offset " + std::to_string(offset); }
};

namespace impl {

class reader {
  public:
    reader(std::string_view t, const limits& l) : t_(t), lim_(l) {}

    bool parse(value& out, error& err) {
        if (t_.size() > lim_.max_bytes)
            return fail(err, 0,
                        "JSON text longer than " + std::to_string(lim_.max_bytes) + " octets");
        skip_ws();
        if (!parse_value(out, 0, err)) return false;
        skip_ws();
        if (p_ != t_.size()) return fail(err, p_, "trailing characters after the JSON value");
        return true;
    }

  private:
    static bool fail(error& err, std::size_t at, std::string what) {
        err.offset = at;
        err.what = std::move(what);
        return false;
    }
    void skip_ws() {
        while (p_ < t_.size() &&
               (t_[p_] == ' ' || t_[p_] == '\t' || t_[p_] == '\n' || t_[p_] == '\r'))
            ++p_;
    }
    bool literal(std::string_view word) {
        if (t_.substr(p_, word.size()) != word) return false;
        p_ += word.size();
        return true;
    }

    bool parse_value(value& out, std::size_t depth, error& err) {
        if (p_ >= t_.size()) return fail(err, p_, "unexpected end of the JSON text");
        const char c = t_[p_];
        if (c == '{' || c == '[') {
            if (depth >= lim_.max_depth)
                return fail(err, p_, "JSON nested deeper than " + std::to_string(lim_.max_depth));
            return c == '{' ? parse_object(out, depth + 1, err) : parse_array(out, depth + 1, err);
        }
        if (c == '"') {
            out.kind = kind::string;
            return parse_string(out.text, err);
        }
        if (literal("true") || literal("false")) {
            out.kind = kind::boolean;
            out.boolean = c == 't';
            return true;
        }
        if (literal("null")) {
            out.kind = kind::null;
            return true;
        }
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number(out, err);
        return fail(err, p_, std::string("unexpected character '") + c + "'");
    }

    bool parse_object(value& out, std::size_t depth, error& err) {
        out.kind = kind::object;
        ++p_;  // '{'
        skip_ws();
        if (p_ < t_.size() && t_[p_] == '}') {
            ++p_;
            return true;
        }
        for (;;) {
            skip_ws();
            if (p_ >= t_.size() || t_[p_] != '"')
                return fail(err, p_, "expected a string (object key)");
            const std::size_t key_at = p_;
            std::string key;
            if (!parse_string(key, err)) return false;
            if (out.get(key) != nullptr) return fail(err, key_at, "duplicate key \"" + key + "\"");
            skip_ws();
            if (p_ >= t_.size() || t_[p_] != ':') return fail(err, p_, "expected ':'");
            ++p_;
            skip_ws();
            value v;
            if (!parse_value(v, depth, err)) return false;
            out.members.push_back(member{std::move(key), std::move(v)});
            skip_ws();
            if (p_ < t_.size() && t_[p_] == ',') {
                ++p_;
                continue;
            }
            if (p_ < t_.size() && t_[p_] == '}') {
                ++p_;
                return true;
            }
            return fail(err, p_, "expected ',' or '}'");
        }
    }

    bool parse_array(value& out, std::size_t depth, error& err) {
        out.kind = kind::array;
        ++p_;  // '['
        skip_ws();
        if (p_ < t_.size() && t_[p_] == ']') {
            ++p_;
            return true;
        }
        for (;;) {
            skip_ws();
            value v;
            if (!parse_value(v, depth, err)) return false;
            out.items.push_back(std::move(v));
            skip_ws();
            if (p_ < t_.size() && t_[p_] == ',') {
                ++p_;
                continue;
            }
            if (p_ < t_.size() && t_[p_] == ']') {
                ++p_;
                return true;
            }
            return fail(err, p_, "expected ',' or ']'");
        }
    }

    // RFC 8259 §6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
    bool parse_number(value& out, error& err) {
        const std::size_t start = p_;
        auto digits = [&] {
            const std::size_t b = p_;
            while (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9') ++p_;
            return p_ - b;
        };
        if (t_[p_] == '-') ++p_;
        if (p_ < t_.size() && t_[p_] == '0') {
            ++p_;
        } else if (digits() == 0) {
            return fail(err, p_, "expected a digit");
        }
        if (p_ < t_.size() && t_[p_] == '.') {
            ++p_;
            if (digits() == 0) return fail(err, p_, "expected a digit after '.'");
        }
        if (p_ < t_.size() && (t_[p_] == 'e' || t_[p_] == 'E')) {
            ++p_;
            if (p_ < t_.size() && (t_[p_] == '+' || t_[p_] == '-')) ++p_;
            if (digits() == 0) return fail(err, p_, "expected a digit in the exponent");
        }
        out.kind = kind::number;
        out.text = std::string(t_.substr(start, p_ - start));
        const auto r =
            std::from_chars(out.text.data(), out.text.data() + out.text.size(), out.number);
        if (r.ec != std::errc{}) return fail(err, start, "number out of range");
        return true;
    }

    static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
    bool hex4(std::uint32_t& u, error& err) {
        if (t_.size() - p_ < 4) return fail(err, p_, "truncated \\u escape");
        u = 0;
        for (int i = 0; i < 4; ++i) {
            const int h = hex(t_[p_ + static_cast<std::size_t>(i)]);
            if (h < 0) return fail(err, p_, "bad hex digit in \\u escape");
            u = u * 16 + static_cast<std::uint32_t>(h);
        }
        p_ += 4;
        return true;
    }
    static void put_utf8(std::string& s, std::uint32_t u) {
        if (u < 0x80) {
            s.push_back(static_cast<char>(u));
        } else if (u < 0x800) {
            s.push_back(static_cast<char>(0xC0 | (u >> 6)));
            s.push_back(static_cast<char>(0x80 | (u & 0x3F)));
        } else if (u < 0x10000) {
            s.push_back(static_cast<char>(0xE0 | (u >> 12)));
            s.push_back(static_cast<char>(0x80 | ((u >> 6) & 0x3F)));
            s.push_back(static_cast<char>(0x80 | (u & 0x3F)));
        } else {
            s.push_back(static_cast<char>(0xF0 | (u >> 18)));
            s.push_back(static_cast<char>(0x80 | ((u >> 12) & 0x3F)));
            s.push_back(static_cast<char>(0x80 | ((u >> 6) & 0x3F)));
            s.push_back(static_cast<char>(0x80 | (u & 0x3F)));
        }
    }

    // RFC 8259 §7: escapes, \uXXXX with surrogate pairs; no raw control
    // characters.
    bool parse_string(std::string& s, error& err) {
        ++p_;  // '"'
        for (;;) {
            if (p_ >= t_.size()) return fail(err, p_, "unterminated string");
            const char c = t_[p_];
            if (c == '"') {
                ++p_;
                return true;
            }
            if (static_cast<unsigned char>(c) < 0x20)
                return fail(err, p_, "control character in a string");
            if (c != '\\') {
                s.push_back(c);
                ++p_;
                continue;
            }
            if (++p_ >= t_.size()) return fail(err, p_, "unterminated escape");
            const char e = t_[p_++];
            switch (e) {
                case '"':
                case '\\':
                case '/':
                    s.push_back(e);
                    break;
                case 'b':
                    s.push_back('\b');
                    break;
                case 'f':
                    s.push_back('\f');
                    break;
                case 'n':
                    s.push_back('\n');
                    break;
                case 'r':
                    s.push_back('\r');
                    break;
                case 't':
                    s.push_back('\t');
                    break;
                case 'u': {
                    std::uint32_t u = 0;
                    if (!hex4(u, err)) return false;
                    if (u >= 0xDC00 && u <= 0xDFFF)
                        return fail(err, p_ - 6, "lone low surrogate in \\u escape");
                    if (u >= 0xD800 && u <= 0xDBFF) {
                        if (t_.substr(p_, 2) != "\\u")
                            return fail(err, p_, "high surrogate without its low half");
                        p_ += 2;
                        std::uint32_t lo = 0;
                        if (!hex4(lo, err)) return false;
                        if (lo < 0xDC00 || lo > 0xDFFF)
                            return fail(err, p_ - 6, "high surrogate without its low half");
                        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                    }
                    put_utf8(s, u);
                    break;
                }
                default:
                    return fail(err, p_ - 1, std::string("bad escape '\\") + e + "'");
            }
        }
    }

    std::string_view t_;
    limits lim_;
    std::size_t p_ = 0;
};

}  // namespace impl

/// Parses `text` into `out`; false with `err` set when it is not JSON (or
/// exceeds `lim`).
inline bool parse(std::string_view text, value& out, error& err, const limits& lim = {}) {
    out = value{};
    impl::reader r(text, lim);
    return r.parse(out, err);
}

}  // namespace h2pb::rpc::detail::json
