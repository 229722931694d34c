// A tiny JSON reader for test data (hpack-test-case stories, tool output).
//
// Objects keep their members in document order (the stories' header lists are
// arrays of one-member objects whose order matters). Strings are decoded to
// UTF-8, \uXXXX escapes and surrogate pairs included. Numbers are doubles.
// Malformed text gives std::nullopt and a message with the offset.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace h2pb::test::json {

struct member;

struct value {
    enum class kind { null, boolean, number, string, array, object };
    kind type = kind::null;
    bool boolean = false;
    double number = 0;
    std::string string;
    std::vector<value> items;     ///< array
    std::vector<member> members;  ///< object, in order

    bool is_object() const { return type == kind::object; }
    bool is_array() const { return type == kind::array; }
    bool is_string() const { return type == kind::string; }
    bool is_number() const { return type == kind::number; }

    /// The first member named `key`, or nullptr.
    const value* find(std::string_view key) const;
};

struct member {
    std::string key;
    value val;
};

inline const value* value::find(std::string_view key) const {
    for (const auto& [k, v] : members)
        if (k == key) return &v;
    return nullptr;
}

namespace detail {

class parser {
  public:
    explicit parser(std::string_view text) : s_(text) {}

    std::optional<value> document(std::string* error) {
        value v;
        skip_space();
        if (!parse(v, 0)) return fail_with(error);
        skip_space();
        if (i_ != s_.size()) {
            why_ = "trailing characters";
            return fail_with(error);
        }
        return v;
    }

  private:
    static constexpr int max_depth = 200;

    std::optional<value> fail_with(std::string* error) {
        if (error != nullptr) *error = "offset " + std::to_string(i_) + ": " + why_;
        return std::nullopt;
    }
    bool fail(const char* why) {
        why_ = why;
        return false;
    }
    void skip_space() {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t'))
            ++i_;
    }
    bool literal(std::string_view word) {
        if (s_.substr(i_, word.size()) != word) return fail("unknown literal");
        i_ += word.size();
        return true;
    }

    bool parse(value& v, int depth) {
        if (depth > max_depth) return fail("nested too deeply");
        if (i_ >= s_.size()) return fail("unexpected end");
        switch (s_[i_]) {
            case '{':
                return object(v, depth);
            case '[':
                return array(v, depth);
            case '"':
                v.type = value::kind::string;
                return string(v.string);
            case 't':
                v.type = value::kind::boolean;
                v.boolean = true;
                return literal("true");
            case 'f':
                v.type = value::kind::boolean;
                return literal("false");
            case 'n':
                v.type = value::kind::null;
                return literal("null");
            default:
                return number(v);
        }
    }

    bool object(value& v, int depth) {
        v.type = value::kind::object;
        ++i_;
        skip_space();
        if (i_ < s_.size() && s_[i_] == '}') {
            ++i_;
            return true;
        }
        for (;;) {
            skip_space();
            std::string key;
            if (i_ >= s_.size() || s_[i_] != '"') return fail("expected a member name");
            if (!string(key)) return false;
            skip_space();
            if (i_ >= s_.size() || s_[i_] != ':') return fail("expected ':'");
            ++i_;
            skip_space();
            value item;
            if (!parse(item, depth + 1)) return false;
            v.members.push_back({std::move(key), std::move(item)});
            skip_space();
            if (i_ < s_.size() && s_[i_] == ',') {
                ++i_;
                continue;
            }
            if (i_ < s_.size() && s_[i_] == '}') {
                ++i_;
                return true;
            }
            return fail("expected ',' or '}'");
        }
    }

    bool array(value& v, int depth) {
        v.type = value::kind::array;
        ++i_;
        skip_space();
        if (i_ < s_.size() && s_[i_] == ']') {
            ++i_;
            return true;
        }
        for (;;) {
            skip_space();
            value item;
            if (!parse(item, depth + 1)) return false;
            v.items.push_back(std::move(item));
            skip_space();
            if (i_ < s_.size() && s_[i_] == ',') {
                ++i_;
                continue;
            }
            if (i_ < s_.size() && s_[i_] == ']') {
                ++i_;
                return true;
            }
            return fail("expected ',' or ']'");
        }
    }

    bool hex4(std::uint32_t& out) {
        if (i_ + 4 > s_.size()) return fail("short \\u escape");
        out = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = s_[i_++];
            out <<= 4;
            if (c >= '0' && c <= '9')
                out |= static_cast<std::uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f')
                out |= static_cast<std::uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                out |= static_cast<std::uint32_t>(c - 'A' + 10);
            else
                return fail("bad \\u escape");
        }
        return true;
    }
    static void utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        }
    }

    bool string(std::string& out) {
        ++i_;  // opening quote
        while (i_ < s_.size()) {
            const char c = s_[i_++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) break;
            const char e = s_[i_++];
            switch (e) {
                case '"':
                    out += '"';
                    break;
                case '\\':
                    out += '\\';
                    break;
                case '/':
                    out += '/';
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    std::uint32_t cp = 0;
                    if (!hex4(cp)) return false;
                    if (cp >= 0xd800 && cp < 0xdc00) {
                        std::uint32_t low = 0;
                        if (s_.substr(i_, 2) != "\\u") return fail("lone high surrogate");
                        i_ += 2;
                        if (!hex4(low) || low < 0xdc00 || low >= 0xe000)
                            return fail("bad low surrogate");
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                    }
                    utf8(out, cp);
                    break;
                }
                default:
                    return fail("unknown escape");
            }
        }
        return fail("unterminated string");
    }

    bool number(value& v) {
        const std::size_t start = i_;
        while (i_ < s_.size() &&
               (std::string_view("+-.eE0123456789").find(s_[i_]) != std::string_view::npos))
            ++i_;
        if (i_ == start) return fail("unexpected character");
        const std::string digits(s_.substr(start, i_ - start));
        char* end = nullptr;
        v.type = value::kind::number;
        v.number = std::strtod(digits.c_str(), &end);
        if (end != digits.c_str() + digits.size()) return fail("bad number");
        return true;
    }

    std::string_view s_;
    std::size_t i_ = 0;
    const char* why_ = "";
};

}  // namespace detail

/// Parses a whole JSON document.
inline std::optional<value> parse(std::string_view text, std::string* error = nullptr) {
    return detail::parser(text).document(error);
}

}  // namespace h2pb::test::json
