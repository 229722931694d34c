// h2pb::proto::json — a JSON text writer for protobuf's JSON mapping.
//
// The writer appends to a std::string it is given and allocates nothing else:
// numbers are formatted into a stack buffer by std::to_chars, strings are
// copied in runs between the characters that need escaping. It places the
// commas, colons and (when pretty) the line breaks; the caller says what comes
// next:
//
//   std::string out;
//   json::json_writer w(out);
//   w.begin_object();
//   w.key("id");    w.int64(-5);                 // int64 as a string: "-5"
//   w.key("tags");  w.begin_array(); w.string("a\"b"); w.end_array();
//   w.key("ratio"); w.float64(0.1);
//   w.end_object();                               // {"id":"-5","tags":["a\"b"],"ratio":0.1}
//
// Value forms (json.md, the table of scalar types):
//   - int32/uint32 (also fixed32, sint32, ...): a bare number.
//   - int64/uint64 (also fixed64, ...): a decimal string, "because JavaScript
//     numbers lose precision above 2^53" (json.md, "Strings for int64").
//   - float/double: the shortest text that reads back as the same value
//     (std::to_chars); NaN and the infinities, which JSON numbers cannot
//     spell, are the strings "NaN", "Infinity", "-Infinity".
//   - bytes: standard base64 with padding, as a string.
//   - map keys are always strings: key() with the formatted integer or
//     "true"/"false" (the map_key_* helpers).
//
// Strings are escaped per RFC 8259 §7: '"' and '\' and the control characters
// U+0000..U+001F (as \b \f \n \r \t or \u00XX); everything else is copied
// as is. The writer trusts its strings to be UTF-8 (proto3 string fields are
// checked when they are decoded); it does not check them again.
#pragma once

#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <h2pb/wire/base64.hpp>

namespace h2pb::proto::json {

namespace detail {
/// For every octet: 0 = copy as is, 'u' = \u00XX, otherwise the letter after '\'.
inline constexpr std::array<char, 256> escape_table = [] {
    std::array<char, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[c] = 'u';
    t['\b'] = 'b';
    t['\f'] = 'f';
    t['\n'] = 'n';
    t['\r'] = 'r';
    t['\t'] = 't';
    t['"'] = '"';
    t['\\'] = '\\';
    return t;
}();

/// Appends `s` as a quoted, escaped JSON string.
inline void append_quoted(std::string& out, std::string_view s) {
    out.push_back('"');
    const char* p = s.data();
    const char* const end = p + s.size();
    const char* run = p;
    while (p != end) {
        const char e = escape_table[static_cast<unsigned char>(*p)];
        if (e == 0) {
            ++p;
            continue;
        }
        out.append(run, static_cast<std::size_t>(p - run));
        if (e == 'u') {
            static constexpr char hex[] = "0123456789abcdef";
            const auto c = static_cast<unsigned char>(*p);
            const char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            out.append(u, 6);
        } else {
            const char two[2] = {'\\', e};
            out.append(two, 2);
        }
        run = ++p;
    }
    out.append(run, static_cast<std::size_t>(end - run));
    out.push_back('"');
}
}  // namespace detail

class json_writer {
  public:
    explicit json_writer(std::string& out, bool pretty = false) noexcept
        : out_(out), pretty_(pretty) {}

    void begin_object() { open('{'); }
    void end_object() { close('}'); }
    void begin_array() { open('['); }
    void end_array() { close(']'); }

    /// An object member's name; the next call writes its value.
    void key(std::string_view name) {
        before_value();
        detail::append_quoted(out_, name);
        if (pretty_)
            out_.append(": ", 2);
        else
            out_.push_back(':');
        after_key_ = true;
    }

    /// Map keys: JSON object keys are strings, so integer and bool keys are
    /// their decimal or true/false text, quoted (json.md, "map<K, V>" row).
    void map_key_int(std::int64_t k) { key(format_int(k)); }
    void map_key_uint(std::uint64_t k) { key(format_int(k)); }
    void map_key_bool(bool k) { key(k ? "true" : "false"); }

    void string(std::string_view utf8) {
        before_value();
        detail::append_quoted(out_, utf8);
    }

    /// Standard base64 with padding (json.md, "bytes" row), quoted.
    void bytes(std::string_view raw) {
        before_value();
        out_.push_back('"');
        wire::base64_encode(raw, out_);
        out_.push_back('"');
    }

    void boolean(bool b) {
        before_value();
        if (b)
            out_.append("true", 4);
        else
            out_.append("false", 5);
    }
    void null() {
        before_value();
        out_.append("null", 4);
    }

    void int32(std::int32_t v) { bare_number(v); }
    void uint32(std::uint32_t v) { bare_number(v); }
    void int64(std::int64_t v) { quoted_number(v); }
    void uint64(std::uint64_t v) { quoted_number(v); }

    void float32(float v) { floating(v); }
    void float64(double v) { floating(v); }

    /// An already-formatted JSON value, copied as is.
    void raw(std::string_view json) {
        before_value();
        out_.append(json);
    }

    std::string& output() noexcept { return out_; }

  private:
    /// A small stack buffer holding a formatted integer (a view into it).
    struct int_text {
        char buf[24];
        std::size_t n;
        operator std::string_view() const noexcept { return {buf, n}; }
    };
    template <class T>
    static int_text format_int(T v) noexcept {
        int_text t{};
        t.n = static_cast<std::size_t>(std::to_chars(t.buf, t.buf + sizeof t.buf, v).ptr - t.buf);
        return t;
    }

    template <class T>
    void bare_number(T v) {
        before_value();
        char buf[24];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        out_.append(buf, static_cast<std::size_t>(r.ptr - buf));
    }
    template <class T>
    void quoted_number(T v) {
        before_value();
        char buf[26];
        buf[0] = '"';
        auto r = std::to_chars(buf + 1, buf + sizeof buf - 1, v);
        *r.ptr++ = '"';
        out_.append(buf, static_cast<std::size_t>(r.ptr - buf));
    }
    template <class T>
    void floating(T v) {
        before_value();
        if (std::isnan(v)) {
            out_.append("\"NaN\"", 5);
        } else if (std::isinf(v)) {
            if (v > 0)
                out_.append("\"Infinity\"", 10);
            else
                out_.append("\"-Infinity\"", 11);
        } else {
            // Shortest round-trip form (C++17 [charconv.to.chars]); at most 24
            // characters for a double ("-2.2250738585072014e-308").
            char buf[32];
            const auto r = std::to_chars(buf, buf + sizeof buf, v);
            out_.append(buf, static_cast<std::size_t>(r.ptr - buf));
        }
    }

    void newline_indent() {
        out_.push_back('\n');
        out_.append(static_cast<std::size_t>(depth_) * 2, ' ');
    }

    /// The separator before a value or a key: nothing after a key, else ','
    /// unless it is the first in its container (and a line break when pretty).
    void before_value() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (!first_) out_.push_back(',');
        first_ = false;
        if (pretty_ && depth_ > 0) newline_indent();
    }
    void open(char c) {
        before_value();
        out_.push_back(c);
        ++depth_;
        first_ = true;
    }
    void close(char c) {
        --depth_;
        if (pretty_ && !first_) newline_indent();
        out_.push_back(c);
        first_ = false;
        after_key_ = false;
    }

    std::string& out_;
    bool pretty_;
    bool first_ = true;       // nothing written yet in the innermost container
    bool after_key_ = false;  // a key was written; its value comes next
    std::uint32_t depth_ = 0;
};

}  // namespace h2pb::proto::json
