// h2pb::proto::json — a pull reader of JSON text (RFC 8259) with protobuf's
// rules for scalar values (json.md, the table of scalar types).
//
// The caller walks the text in the order it expects it, asking for the next
// key, element or value; the reader checks the grammar as it goes:
//
//   json::json_reader r(text, json::parse_options{});
//   std::string scratch;
//   std::string_view key;
//   if (!r.begin_object()) return r.error();
//   while (r.next_key(scratch, key)) {                // false at '}' (or an error)
//       if (key == "id") { std::int64_t id; if (!r.read_int64(id)) break; }
//       else if (!r.skip_value()) break;
//   }
//   if (!r.finish()) return r.error();                // also reports any earlier error
//
// Every read_* returns false with error() set; the first error wins and
// every later call returns false at once, so a loop like the one above ends
// and the caller finds the error afterwards. Nothing throws. The reader keeps
// one explicit stack of open objects and arrays (never recursion), bounded by
// parse_options::max_depth; the text is bounded by max_input_size. An error
// carries its octet offset and the JSON path of the value, "$.a[2].b".
//
// Performance: the text is scanned with pointers, never copied; a string
// without escapes is returned as a view into the text (read_string_view) and
// its end is found eight octets at a time; UTF-8 is checked only when an octet
// above 0x7F was seen.
//
// Protobuf's scalar rules (json.md):
//   - integers (int32, uint32, int64, uint64 and their fixed/sint forms) are a
//     number or a string holding one; exponents and zero fractions are
//     accepted when the value is integral ("1e3", 1.0), a nonzero fraction is
//     json_errc::not_integer, a value outside the type is out_of_range;
//   - float and double are a number, a string holding one, or one of the
//     strings "NaN", "Infinity", "-Infinity"; a finite number beyond float's
//     range is out_of_range for a float (beyond double's for a double);
//   - bytes are a base64 string, standard or URL-safe, padded or not;
//   - "Empty strings are invalid" for numbers; white space inside the quotes
//     is too.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include <h2pb/proto_codec/json_error.hpp>
#include <h2pb/proto_codec/json_options.hpp>
#include <h2pb/proto_codec/utf8.hpp>
#include <h2pb/wire/base64.hpp>

namespace h2pb::proto::json {

namespace detail {

constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

/// The parts of a JSON number (RFC 8259 §6):
///   number = [ "-" ] int [ frac ] [ exp ];  int = "0" / digit1-9 *DIGIT
///   frac = "." 1*DIGIT;  exp = ("e" / "E") [ "-" / "+" ] 1*DIGIT
struct number_parts {
    const char* begin = nullptr;  // the whole number
    const char* end = nullptr;
    bool negative = false;
    const char* int_digits = nullptr;
    std::size_t int_len = 0;
    const char* frac_digits = nullptr;
    std::size_t frac_len = 0;
    std::int64_t exp = 0;  // saturated at +-exp_saturation
};

/// Exponents beyond this are clamped: no double or integer needs more, and
/// the clamp keeps the arithmetic below from overflowing on "1e99999999999".
inline constexpr std::int64_t exp_saturation = 100000000;

/// Scans a JSON number starting at p; returns its end, or nullptr when the
/// text there is not a number.
inline const char* scan_number(const char* p, const char* end, number_parts& n) noexcept {
    n.begin = p;
    if (p != end && *p == '-') {
        n.negative = true;
        ++p;
    }
    if (p == end || !is_digit(*p)) return nullptr;
    n.int_digits = p;
    if (*p == '0') {
        ++p;  // "01" is not JSON: a leading zero stands alone
    } else {
        while (p != end && is_digit(*p)) ++p;
    }
    n.int_len = static_cast<std::size_t>(p - n.int_digits);
    if (p != end && *p == '.') {
        ++p;
        n.frac_digits = p;
        while (p != end && is_digit(*p)) ++p;
        n.frac_len = static_cast<std::size_t>(p - n.frac_digits);
        if (n.frac_len == 0) return nullptr;
    }
    if (p != end && (*p == 'e' || *p == 'E')) {
        ++p;
        bool eneg = false;
        if (p != end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        if (p == end || !is_digit(*p)) return nullptr;
        std::int64_t e = 0;
        while (p != end && is_digit(*p)) {
            if (e < exp_saturation) e = e * 10 + (*p - '0');
            ++p;
        }
        n.exp = eneg ? -e : e;
    }
    n.end = p;
    return p;
}

/// The i-th digit of int_digits followed by frac_digits.
inline int digit_at(const number_parts& n, std::size_t i) noexcept {
    return (i < n.int_len ? n.int_digits[i] : n.frac_digits[i - n.int_len]) - '0';
}

/// The exact integer a number spells, or not_integer / out_of_range.
template <class T>
json_errc to_integer(const number_parts& n, T& out) noexcept {
    static_assert(std::is_integral_v<T>);
    const std::size_t total = n.int_len + n.frac_len;
    std::size_t first = 0;
    while (first < total && digit_at(n, first) == 0) ++first;
    std::uint64_t mag = 0;
    if (first < total) {
        std::size_t last = total - 1;
        while (digit_at(n, last) == 0) --last;
        // value = digits[first..last] * 10^e
        const std::int64_t e = n.exp - static_cast<std::int64_t>(n.frac_len) +
                               static_cast<std::int64_t>(total - 1 - last);
        if (e < 0) return json_errc::not_integer;
        // uint64 has 20 digits at most.
        if (static_cast<std::int64_t>(last - first + 1) + e > 20) return json_errc::out_of_range;
        for (std::size_t i = first; i <= last; ++i) {
            if (__builtin_mul_overflow(mag, 10u, &mag) ||
                __builtin_add_overflow(mag, static_cast<unsigned>(digit_at(n, i)), &mag))
                return json_errc::out_of_range;
        }
        for (std::int64_t i = 0; i < e; ++i)
            if (__builtin_mul_overflow(mag, 10u, &mag)) return json_errc::out_of_range;
    }
    if constexpr (std::is_signed_v<T>) {
        using U = std::make_unsigned_t<T>;
        constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<T>::max());
        if (n.negative) {
            if (mag > max + 1) return json_errc::out_of_range;
            out = static_cast<T>(U(0) - static_cast<U>(mag));
        } else {
            if (mag > max) return json_errc::out_of_range;
            out = static_cast<T>(mag);
        }
    } else {
        if (n.negative && mag != 0) return json_errc::out_of_range;
        if (mag > std::numeric_limits<T>::max()) return json_errc::out_of_range;
        out = static_cast<T>(mag);
    }
    return json_errc::ok;
}

/// The float or double nearest a number; out_of_range when it is beyond the
/// type's largest finite value. Values too small for the type become (signed)
/// zero, as in every JSON parser.
template <class F>
json_errc to_floating(const number_parts& n, F& out) noexcept {
    F v{};
    const auto r = std::from_chars(n.begin, n.end, v);
    if (r.ec == std::errc::result_out_of_range) {
        // Overflow or underflow: the decimal magnitude of the first
        // significant digit tells which.
        const std::size_t total = n.int_len + n.frac_len;
        std::size_t first = 0;
        while (first < total && digit_at(n, first) == 0) ++first;
        const std::int64_t mag =
            static_cast<std::int64_t>(n.int_len) - static_cast<std::int64_t>(first) + n.exp;
        if (first < total && mag > 0) return json_errc::out_of_range;
        out = n.negative ? -F(0) : F(0);
        return json_errc::ok;
    }
    if (r.ec != std::errc{} || r.ptr != n.end) return json_errc::expected_number;
    if (std::isinf(v)) return json_errc::out_of_range;
    out = v;
    return json_errc::ok;
}

/// Appends code point cp (at most U+10FFFF, not a surrogate) as UTF-8.
inline void append_utf8(std::string& out, std::uint32_t cp) {
    char b[4];
    std::size_t n;
    if (cp < 0x80) {
        b[0] = static_cast<char>(cp);
        n = 1;
    } else if (cp < 0x800) {
        b[0] = static_cast<char>(0xC0 | (cp >> 6));
        b[1] = static_cast<char>(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = static_cast<char>(0xE0 | (cp >> 12));
        b[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        b[2] = static_cast<char>(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = static_cast<char>(0xF0 | (cp >> 18));
        b[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        b[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        b[3] = static_cast<char>(0x80 | (cp & 0x3F));
        n = 4;
    }
    out.append(b, n);
}

/// Four hex digits at p (p+4 <= end checked by the caller), or -1.
inline std::int32_t hex4(const char* p) noexcept {
    std::int32_t v = 0;
    for (int i = 0; i < 4; ++i) {
        const char c = p[i];
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/// SWAR: true when one of the eight octets of w is '"', '\' or below 0x20.
constexpr bool has_string_special(std::uint64_t w) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    auto has_zero = [](std::uint64_t v) { return ((v - ones) & ~v & highs) != 0; };
    const bool ctl = ((w - ones * 0x20) & ~w & highs) != 0;  // some octet < 0x20
    return ctl || has_zero(w ^ (ones * '"')) || has_zero(w ^ (ones * '\\'));
}

}  // namespace detail

/// Open objects and arrays a json_reader tracks without allocating (frames
/// inside the reader; 24 octets each): deeper than this, and up to
/// parse_options::max_depth, the frames go to a vector. 16 covers the
/// nesting of ordinary messages (a message in a message in a map value is
/// 3), so that parsing them allocates nothing but the message's own growth.
inline constexpr std::size_t reader_inline_depth = 16;

class json_reader {
  public:
    /// What the next value is, from its first character.
    enum class token { object, array, string, number, boolean, null, end, invalid };

    json_reader(std::string_view text, const parse_options& options = {})
        : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), opt_(options) {
        if (text.size() > opt_.max_input_size) fail(json_errc::input_too_large);
    }

    /// The kind of the next value (white space skipped); `end` at the end of
    /// the text; `invalid` after an error or at a character that starts no
    /// value (including '}' ']' ',').
    token peek() noexcept {
        if (err_) return token::invalid;
        skip_ws();
        if (p_ == end_) return token::end;
        switch (*p_) {
            case '{':
                return token::object;
            case '[':
                return token::array;
            case '"':
                return token::string;
            case 't':
            case 'f':
                return token::boolean;
            case 'n':
                return token::null;
            default:
                return *p_ == '-' || detail::is_digit(*p_) ? token::number : token::invalid;
        }
    }

    // ---- objects and arrays -------------------------------------------------

    bool begin_object() { return open('{', json_errc::expected_object, false); }

    /// The next member's key, and consumes its ':'. Returns false at the
    /// object's '}' (consumed; error() is clear) or on an error. `key` views
    /// the text when the key has no escapes, else `scratch`.
    bool next_key(std::string& scratch, std::string_view& key) {
        if (err_) return false;
        if (frames_.empty() || frames_.back().is_array) return fail(json_errc::syntax);
        frame& f = frames_.back();
        f.has_key = false;
        skip_ws();
        if (p_ == end_) return fail(json_errc::syntax);
        if (*p_ == '}') {
            ++p_;
            frames_.pop_back();
            return false;
        }
        if (f.first) {
            f.first = false;
        } else {
            if (*p_ != ',') return fail(json_errc::syntax);
            ++p_;
            skip_ws();
        }
        if (p_ == end_ || *p_ != '"') return fail(json_errc::syntax);  // a key must follow
        const char* k = p_ + 1;
        if (!scan_string(scratch, key)) return false;
        f.key = k;
        f.key_len = static_cast<std::uint32_t>(p_ - 1 - k);
        f.has_key = true;
        skip_ws();
        if (p_ == end_ || *p_ != ':') return fail(json_errc::syntax);
        ++p_;
        return true;
    }

    bool begin_array() { return open('[', json_errc::expected_array, true); }

    /// True when another element follows (read it next); false at the
    /// array's ']' (consumed; error() is clear) or on an error.
    bool next_element() {
        if (err_) return false;
        if (frames_.empty() || !frames_.back().is_array) return fail(json_errc::syntax);
        frame& f = frames_.back();
        skip_ws();
        if (p_ == end_) return fail(json_errc::syntax);
        if (*p_ == ']') {
            ++p_;
            frames_.pop_back();
            return false;
        }
        if (f.first) {
            f.first = false;
            return true;
        }
        if (*p_ != ',') return fail(json_errc::syntax);
        ++p_;
        ++f.index;
        skip_ws();
        if (p_ != end_ && *p_ == ']') return fail(json_errc::syntax);  // "[1,]"
        return true;
    }

    /// Objects and arrays open now (the depth of the next value).
    std::size_t depth() const noexcept { return frames_.size(); }

    // ---- scalars ------------------------------------------------------------

    bool read_null() {
        if (err_) return false;
        skip_ws();
        if (!literal("null")) return fail(json_errc::expected_null);
        return true;
    }

    bool read_bool(bool& v) {
        if (err_) return false;
        skip_ws();
        if (literal("true")) {
            v = true;
        } else if (literal("false")) {
            v = false;
        } else {
            return fail(json_errc::expected_bool);
        }
        return true;
    }

    /// A string, unescaped, UTF-8 checked, into `out` (replacing its contents).
    bool read_string(std::string& out) {
        std::string_view v;
        if (!read_string_view(out, v)) return false;
        if (v.data() != out.data()) out.assign(v);
        return true;
    }

    /// A string: `v` views the text when it has no escapes (no copy), else
    /// the unescaped text in `scratch`.
    bool read_string_view(std::string& scratch, std::string_view& v) {
        if (err_) return false;
        skip_ws();
        if (p_ == end_ || *p_ != '"') return fail(json_errc::expected_string);
        return scan_string(scratch, v);
    }

    bool read_int32(std::int32_t& v) { return read_integer(v); }
    bool read_uint32(std::uint32_t& v) { return read_integer(v); }
    bool read_int64(std::int64_t& v) { return read_integer(v); }
    bool read_uint64(std::uint64_t& v) { return read_integer(v); }

    bool read_float(float& v) { return read_floating(v); }
    bool read_double(double& v) { return read_floating(v); }

    /// A base64 string (standard or URL-safe, padded or not), decoded into
    /// `out` (replacing its contents).
    bool read_bytes(std::string& out) {
        if (err_) return false;
        skip_ws();
        const char* at = p_;
        std::string_view v;
        if (!read_string_view(scratch_, v)) return false;
        out.clear();
        if (wire::base64_decode(v, out, wire::base64_accept::either) != wire::base64_errc::ok)
            return fail_at(json_errc::bad_base64, at);
        return true;
    }

    /// Skips one value of any kind (checking its syntax), without recursion.
    bool skip_value() {
        if (err_) return false;
        const std::size_t base = frames_.size();
        std::string_view ignored;
        for (;;) {
            skip_ws();
            if (p_ == end_) return fail(json_errc::syntax);
            switch (*p_) {
                case '{':
                    if (!begin_object()) return false;
                    break;
                case '[':
                    if (!begin_array()) return false;
                    break;
                case '"':
                    if (!scan_string(scratch_, ignored)) return false;
                    break;
                case 't':
                case 'f': {
                    bool b;
                    if (!read_bool(b)) return false;
                    break;
                }
                case 'n':
                    if (!read_null()) return false;
                    break;
                default: {
                    detail::number_parts n;
                    const char* e = detail::scan_number(p_, end_, n);
                    if (e == nullptr) return fail(json_errc::syntax);
                    p_ = e;
                }
            }
            // Move to the next value to read, closing finished containers.
            for (;;) {
                if (frames_.size() == base) return true;
                const bool more =
                    frames_.back().is_array ? next_element() : next_key(scratch_, ignored);
                if (err_) return false;
                if (more) break;
            }
        }
    }

    /// Skips one value and returns its text (to be parsed again later, as an
    /// Any's fields are when "@type" comes after them).
    bool capture_value(std::string_view& raw) {
        if (err_) return false;
        skip_ws();
        const char* start = p_;
        if (!skip_value()) return false;
        raw = std::string_view(start, static_cast<std::size_t>(p_ - start));
        return true;
    }

    /// After the top-level value: only white space may follow.
    bool finish() {
        if (err_) return false;
        if (!frames_.empty()) return fail(json_errc::syntax);
        skip_ws();
        if (p_ != end_) return fail(json_errc::trailing_content);
        return true;
    }

    /// Records `code` at the current offset and path (unless an error is
    /// already recorded: the first wins); returns false.
    bool fail(json_errc code) { return fail_at(code, p_); }

    /// The same, at a given position in the text.
    bool fail_at(json_errc code, const char* at) {
        if (err_) return false;
        err_.code = code;
        err_.offset = static_cast<std::size_t>(at - begin_);
        err_.path = path();
        return false;
    }

    const json_error& error() const noexcept { return err_; }
    std::size_t offset() const noexcept { return static_cast<std::size_t>(p_ - begin_); }
    const parse_options& options() const noexcept { return opt_; }

    /// The JSON path of the value being read: "$", "$.a[2].b", "$[\"a b\"]".
    /// Keys are shown as they are spelled in the text (escapes not undone).
    std::string path() const {
        std::string s = "$";
        for (std::size_t i = 0; i < frames_.size(); ++i) {
            const frame& f = frames_[i];
            if (f.is_array) {
                if (f.first) break;  // no element yet
                s += '[';
                s += std::to_string(f.index);
                s += ']';
            } else {
                if (!f.has_key) break;
                const std::string_view k(f.key, f.key_len);
                bool plain = !k.empty();
                for (char c : k)
                    plain = plain && (detail::is_digit(c) || (c >= 'a' && c <= 'z') ||
                                      (c >= 'A' && c <= 'Z') || c == '_' || c == '@');
                if (plain) {
                    s += '.';
                    s += k;
                } else {
                    s += "[\"";
                    s += k;
                    s += "\"]";
                }
            }
        }
        return s;
    }

    /// Integer text under protobuf's rules (map keys: {"12": ...}); the same
    /// rules as read_int64 and friends apply to what is inside the quotes.
    template <class T>
    static json_errc parse_integer(std::string_view text, T& v) noexcept {
        detail::number_parts n;
        const char* e = detail::scan_number(text.data(), text.data() + text.size(), n);
        if (e == nullptr || e != text.data() + text.size()) return json_errc::expected_number;
        return detail::to_integer(n, v);
    }

    /// Float text: a number or "NaN", "Infinity", "-Infinity".
    template <class F>
    static json_errc parse_floating(std::string_view text, F& v) noexcept {
        if (text == "NaN") {
            v = std::numeric_limits<F>::quiet_NaN();
            return json_errc::ok;
        }
        if (text == "Infinity") {
            v = std::numeric_limits<F>::infinity();
            return json_errc::ok;
        }
        if (text == "-Infinity") {
            v = -std::numeric_limits<F>::infinity();
            return json_errc::ok;
        }
        detail::number_parts n;
        const char* e = detail::scan_number(text.data(), text.data() + text.size(), n);
        if (e == nullptr || e != text.data() + text.size()) return json_errc::expected_number;
        return detail::to_floating(n, v);
    }

  private:
    // A frame is trivial (no member initializers): the inline frames below
    // are left uninitialized until pushed; open() value-initializes each.
    struct frame {
        const char* key;  // the current key as spelled (for the path)
        std::uint32_t key_len;
        std::uint32_t index;  // the current element of an array
        bool is_array;
        bool first;  // no member/element read yet
        bool has_key;
    };

    /// The open objects and arrays. The first reader_inline_depth live inside the
    /// reader, so reading a message nested no deeper than that allocates
    /// nothing; deeper levels spill to a vector (at most max_depth frames).
    class frame_stack {
      public:
        frame_stack() noexcept {}  // NOLINT: the inline frames stay uninitialized
        // Copies (read_any looks ahead with a copy of the reader) take the
        // live frames only, never the uninitialized ones above them.
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): as the default constructor
        frame_stack(const frame_stack& o) : spill_(o.spill_), n_(o.n_) {
            std::copy_n(o.inline_, std::min(n_, reader_inline_depth), inline_);
        }
        frame_stack& operator=(const frame_stack& o) {
            if (this != &o) {
                spill_ = o.spill_;
                n_ = o.n_;
                std::copy_n(o.inline_, std::min(n_, reader_inline_depth), inline_);
            }
            return *this;
        }
        bool empty() const noexcept { return n_ == 0; }
        std::size_t size() const noexcept { return n_; }
        frame& back() noexcept { return at(n_ - 1); }
        const frame& operator[](std::size_t i) const noexcept {
            return i < reader_inline_depth ? inline_[i] : spill_[i - reader_inline_depth];
        }
        void push_back(const frame& f) {
            if (n_ < reader_inline_depth) {
                inline_[n_] = f;
            } else if (n_ - reader_inline_depth < spill_.size()) {
                spill_[n_ - reader_inline_depth] = f;
            } else {
                spill_.push_back(f);
            }
            ++n_;
        }
        void pop_back() noexcept { --n_; }

      private:
        frame& at(std::size_t i) noexcept {
            return i < reader_inline_depth ? inline_[i] : spill_[i - reader_inline_depth];
        }
        frame inline_[reader_inline_depth];
        std::vector<frame> spill_;
        std::size_t n_ = 0;
    };

    void skip_ws() noexcept {
        // RFC 8259 §2: ws = *( %x20 / %x09 / %x0A / %x0D )
        while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
    }

    bool literal(std::string_view word) noexcept {
        if (static_cast<std::size_t>(end_ - p_) < word.size() ||
            std::memcmp(p_, word.data(), word.size()) != 0)
            return false;
        p_ += word.size();
        return true;
    }

    bool open(char c, json_errc wrong, bool is_array) {
        if (err_) return false;
        skip_ws();
        if (p_ == end_ || *p_ != c) return fail(wrong);
        if (frames_.size() >= opt_.max_depth) return fail(json_errc::depth_exceeded);
        ++p_;
        frame f{};
        f.is_array = is_array;
        f.first = true;
        frames_.push_back(f);
        return true;
    }

    /// p_ at '"': scans the string, leaves p_ after its closing quote.
    bool scan_string(std::string& scratch, std::string_view& out) {
        const char* const start = ++p_;
        const char* p = start;
        bool escaped = false;
        bool high = false;  // an octet above 0x7F: UTF-8 to check
        for (;;) {
            while (end_ - p >= 8) {
                std::uint64_t w;
                std::memcpy(&w, p, 8);
                if (detail::has_string_special(w)) break;
                high = high || (w & 0x8080808080808080ULL) != 0;
                p += 8;
            }
            if (p == end_) return fail_at(json_errc::unterminated_string, start - 1);
            const auto c = static_cast<unsigned char>(*p);
            if (c == '"') break;
            if (c == '\\') {
                escaped = true;
                if (end_ - p < 2) return fail_at(json_errc::unterminated_string, start - 1);
                p += 2;  // the escaped character is checked when unescaping
                continue;
            }
            if (c < 0x20) return fail_at(json_errc::control_character, p);
            if (c >= 0x80) high = true;
            ++p;
        }
        p_ = p + 1;
        const std::size_t len = static_cast<std::size_t>(p - start);
        if (high && !is_valid_utf8(reinterpret_cast<const wire::byte*>(start), len))
            return fail_at(json_errc::invalid_utf8, first_invalid_utf8(start, p));
        if (!escaped) {
            out = std::string_view(start, len);
            return true;
        }
        scratch.clear();
        if (!unescape(start, p, scratch)) return false;
        out = scratch;
        return true;
    }

    /// The first octet of [p, end) where the UTF-8 goes wrong (for the offset).
    static const char* first_invalid_utf8(const char* p, const char* end) noexcept {
        while (p != end) {
            std::size_t n = 1;
            const auto c = static_cast<unsigned char>(*p);
            if (c >= 0xF0)
                n = 4;
            else if (c >= 0xE0)
                n = 3;
            else if (c >= 0xC0)
                n = 2;
            if (static_cast<std::size_t>(end - p) < n ||
                !is_valid_utf8(reinterpret_cast<const wire::byte*>(p), n))
                return p;
            p += n;
        }
        return p;
    }

    /// RFC 8259 §7: the two-character escapes and \uXXXX, with UTF-16
    /// surrogate pairs for code points above U+FFFF.
    bool unescape(const char* p, const char* end, std::string& out) {
        out.reserve(static_cast<std::size_t>(end - p));
        const char* run = p;
        while (p != end) {
            if (*p != '\\') {
                ++p;
                continue;
            }
            out.append(run, static_cast<std::size_t>(p - run));
            const char* esc = p;
            char c = p[1];  // present: scan_string checked
            p += 2;
            switch (c) {
                case '"':
                case '\\':
                case '/':
                    out.push_back(c);
                    break;
                case 'b':
                    out.push_back('\b');
                    break;
                case 'f':
                    out.push_back('\f');
                    break;
                case 'n':
                    out.push_back('\n');
                    break;
                case 'r':
                    out.push_back('\r');
                    break;
                case 't':
                    out.push_back('\t');
                    break;
                case 'u': {
                    if (end - p < 4) return fail_at(json_errc::bad_escape, esc);
                    std::int32_t cp = detail::hex4(p);
                    if (cp < 0) return fail_at(json_errc::bad_escape, esc);
                    p += 4;
                    if (cp >= 0xDC00 && cp <= 0xDFFF)
                        return fail_at(json_errc::lone_surrogate, esc);
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        // A high surrogate: "\uDC00".."\uDFFF" must follow.
                        if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
                            return fail_at(json_errc::lone_surrogate, esc);
                        const std::int32_t lo = detail::hex4(p + 2);
                        if (lo < 0) return fail_at(json_errc::bad_escape, p);
                        if (lo < 0xDC00 || lo > 0xDFFF)
                            return fail_at(json_errc::lone_surrogate, esc);
                        p += 6;
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    }
                    detail::append_utf8(out, static_cast<std::uint32_t>(cp));
                    break;
                }
                default:
                    return fail_at(json_errc::bad_escape, esc);
            }
            run = p;
        }
        out.append(run, static_cast<std::size_t>(end - run));
        return true;
    }

    template <class T>
    bool read_integer(T& v) {
        if (err_) return false;
        skip_ws();
        const char* at = p_;
        if (p_ == end_) return fail(json_errc::expected_number);
        if (*p_ == '"') {
            std::string_view s;
            if (!scan_string(scratch_, s)) return false;
            const json_errc e = parse_integer(s, v);
            if (e != json_errc::ok) return fail_at(e, at);
            return true;
        }
        if (*p_ != '-' && !detail::is_digit(*p_)) return fail(json_errc::expected_number);
        detail::number_parts n;
        const char* e = detail::scan_number(p_, end_, n);
        if (e == nullptr) return fail(json_errc::syntax);
        // Fast path: a short plain integer, the common case.
        if (n.frac_len == 0 && n.exp == 0 && n.int_len < 19) {
            std::uint64_t mag = 0;
            for (std::size_t i = 0; i < n.int_len; ++i)
                mag = mag * 10 + static_cast<unsigned>(n.int_digits[i] - '0');
            if constexpr (std::is_signed_v<T>) {
                const auto max = static_cast<std::uint64_t>(std::numeric_limits<T>::max());
                if (mag > max + (n.negative ? 1 : 0)) return fail(json_errc::out_of_range);
                v = n.negative ? static_cast<T>(-static_cast<std::int64_t>(mag))
                               : static_cast<T>(mag);
            } else {
                if ((n.negative && mag != 0) || mag > std::numeric_limits<T>::max())
                    return fail(json_errc::out_of_range);
                v = static_cast<T>(mag);
            }
            p_ = e;
            return true;
        }
        const json_errc c = detail::to_integer(n, v);
        if (c != json_errc::ok) return fail(c);
        p_ = e;
        return true;
    }

    template <class F>
    bool read_floating(F& v) {
        if (err_) return false;
        skip_ws();
        const char* at = p_;
        if (p_ == end_) return fail(json_errc::expected_number);
        if (*p_ == '"') {
            std::string_view s;
            if (!scan_string(scratch_, s)) return false;
            const json_errc e = parse_floating(s, v);
            if (e != json_errc::ok) return fail_at(e, at);
            return true;
        }
        if (*p_ != '-' && !detail::is_digit(*p_)) return fail(json_errc::expected_number);
        detail::number_parts n;
        const char* e = detail::scan_number(p_, end_, n);
        if (e == nullptr) return fail(json_errc::syntax);
        const json_errc c = detail::to_floating(n, v);
        if (c != json_errc::ok) return fail(c);
        p_ = e;
        return true;
    }

    const char* begin_;
    const char* p_;
    const char* end_;
    parse_options opt_;
    json_error err_;
    frame_stack frames_;
    std::string scratch_;  // unescaped strings read for numbers, bytes, skipping
};

}  // namespace h2pb::proto::json
