// h2pb::proto — the protobuf text format, printed and parsed through a
// run-time schema (descriptor.hpp, dynamic_message.hpp).
//
// The text format is what `protoc --decode` prints and `protoc --encode`
// reads, and what libprotobuf's TextFormat prints and parses
// (https://protobuf.dev/reference/protobuf/textformat-spec/):
//
//   int32_field: 7
//   name: "caf\303\251"          # bytes outside ASCII printables as octal
//   child {                      # a message field
//     items: [1, 2, 3]           # a list, for repeated fields
//   }
//   map_field { key: "a" value: 1 }
//
//   std::string s = proto::to_text(m);              // as TextFormat::PrintToString
//   std::string one = proto::to_text(m, {.single_line = true});   // ShortDebugString
//   if (auto e = proto::from_text(m, text)) fail(e.message());    // "3:14: ..."
//
// Printing follows libprotobuf 3.21's TextFormat::Printer: set fields in
// number order (ListFields), two-space indentation, `name {` ... `}` for
// messages, groups under their type's name, strings and bytes C-escaped as
// CEscape does (\n \r \t \" \' \\ and octal \ooo for every byte outside
// 0x20..0x7e, so UTF-8 text is escaped too unless `utf8` is set, as
// Utf8DebugString), floats as SimpleFtoa/SimpleDtoa (%.6g / %.15g, widened to
// %.9g / %.17g when that does not read back to the same value), enums by name
// (by number when the enum has no such value), map entries sorted by key,
// unknown fields last by number (VARINT decimal, I32 0x%08x, I64 0x%016x, LEN
// as a nested block if it parses as fields, else a string; groups nested).
//
// Parsing follows TextFormat::Parser: field names (a group by its type's
// name), `:` optional before a message, `{...}` or `<...>`, `[a, b]` lists for
// repeated fields, `;` or `,` after a field, `#` comments, strings in '' or ""
// with every C escape and \u/\U, adjacent strings joined, integers in decimal,
// hex (0x) and octal (leading 0), floats with an `f` suffix, inf / infinity /
// nan, enums by name or number, bools as true/false/True/False/t/f/1/0, and
// `[type.googleapis.com/pkg.Msg] { ... }` inside a google.protobuf.Any when a
// type registry is given. Extensions (`[pkg.ext]`) are not supported and are
// rejected. As in libprotobuf, a singular field given twice and two members
// of one oneof are errors, and a missing proto2 required field is an error
// unless allow_partial is set. One deliberate difference: a proto3 string
// field given invalid UTF-8 (say "\377") is an error here (text_errc::
// invalid_utf8), where libprotobuf's parser takes it and produces a message
// that binary parsers then reject.
//
// Every error carries a code, the 1-based line and column of the token at
// fault, and a short detail (the token or field name).
#pragma once

#include <cfloat>
#include <cinttypes>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <h2pb/proto_codec/descriptor.hpp>
#include <h2pb/proto_codec/dynamic_message.hpp>
#include <h2pb/proto_codec/field_reader.hpp>
#include <h2pb/proto_codec/utf8.hpp>

namespace h2pb::proto {

// ---------------------------------------------------------------------------
// Limits and options

/// Message nesting the parser follows (text_errc::depth_limit_exceeded).
/// Each level is one recursive call; 100 matches the binary decoder's
/// default_max_depth (libprotobuf's default recursion limit), so whatever
/// text parses also serializes to bytes the binary decoders accept.
inline constexpr std::size_t default_text_max_depth = 100;

/// Largest text accepted (text_errc::input_too_large). Text is 2-4 times the
/// size of the binary encoding; 64 MiB of text bounds the memory a parse can
/// build while staying far above any hand-written or tool-printed message.
inline constexpr std::size_t default_text_max_input_size = std::size_t{64} << 20;

/// Levels of length-delimited unknown fields the printer tries to show as
/// nested fields (libprotobuf's kUnknownFieldRecursionLimit); deeper ones
/// print as strings.
inline constexpr int text_unknown_nesting_budget = 10;

struct text_print_options {
    /// One line, fields separated by spaces (libprotobuf's ShortDebugString).
    bool single_line = false;
    /// Keep bytes >= 0x80 of string fields unescaped (libprotobuf's
    /// Utf8DebugString; bytes fields stay escaped); by default they print
    /// as octal escapes as protoc --decode does.
    bool utf8 = false;
    /// When set, a google.protobuf.Any whose type the pool knows prints
    /// expanded, `[type.googleapis.com/pkg.Msg] { ... }` (DebugString's
    /// SetExpandAny). protoc --decode does not expand.
    const descriptor_pool* expand_any = nullptr;
};

struct text_parse_options {
    std::size_t max_depth = default_text_max_depth;
    std::size_t max_input_size = default_text_max_input_size;
    /// Types for Any expansion `[type.googleapis.com/pkg.Msg] {...}`;
    /// without it such a field is an error (text_errc::unknown_type).
    const descriptor_pool* type_registry = nullptr;
    /// Accept a message with proto2 required fields missing.
    bool allow_partial = false;
};

enum class text_errc : std::uint8_t {
    ok = 0,
    input_too_large,          ///< text larger than text_parse_options::max_input_size
    depth_limit_exceeded,     ///< messages nested deeper than max_depth
    invalid_character,        ///< a byte that starts no token (control byte, non-ASCII)
    unterminated_string,      ///< a string runs into a newline or the end of the text
    invalid_escape,           ///< an unknown or malformed \ escape in a string
    invalid_number,           ///< a malformed number (0x without digits, 09, 1e, 1x)
    syntax_error,             ///< an unexpected token (`:` `{` `}` `]` missing, ...)
    unknown_field,            ///< no field of that name in the message
    extension_not_supported,  ///< `[pkg.ext]`: extensions are not supported
    unknown_type,             ///< Any expansion naming a type the registry lacks
    invalid_value,            ///< a value of the wrong kind for its field
    integer_out_of_range,     ///< an integer too large for its field's type
    unknown_enum_value,       ///< an enum name or (closed enum) number not declared
    duplicate_field,          ///< a singular field given twice
    oneof_conflict,           ///< two members of one oneof given
    not_repeated,             ///< a list `[...]` for a singular field
    invalid_utf8,             ///< a proto3 string field's value is not UTF-8
    missing_required_field,   ///< a proto2 required field is absent
    // Only for generated messages (proto_codec/text.hpp):
    schema_unavailable,  ///< the message's embedded descriptors did not build
    decode_failed,       ///< the binary form of the parsed text did not decode into the message
};

constexpr std::string_view describe(text_errc e) noexcept {
    switch (e) {
        case text_errc::ok:
            return "ok";
        case text_errc::input_too_large:
            return "text larger than the input size limit";
        case text_errc::depth_limit_exceeded:
            return "messages nested deeper than the depth limit";
        case text_errc::invalid_character:
            return "invalid character";
        case text_errc::unterminated_string:
            return "string literal not closed on its line";
        case text_errc::invalid_escape:
            return "invalid escape sequence in string literal";
        case text_errc::invalid_number:
            return "malformed number";
        case text_errc::syntax_error:
            return "syntax error";
        case text_errc::unknown_field:
            return "no such field";
        case text_errc::extension_not_supported:
            return "extensions are not supported";
        case text_errc::unknown_type:
            return "Any type not in the type registry";
        case text_errc::invalid_value:
            return "invalid value for the field's type";
        case text_errc::integer_out_of_range:
            return "integer out of range for the field's type";
        case text_errc::unknown_enum_value:
            return "unknown enum value";
        case text_errc::duplicate_field:
            return "non-repeated field specified multiple times";
        case text_errc::oneof_conflict:
            return "another member of the oneof is already set";
        case text_errc::not_repeated:
            return "list value for a non-repeated field";
        case text_errc::invalid_utf8:
            return "string field value is not valid UTF-8";
        case text_errc::missing_required_field:
            return "message missing required fields";
        case text_errc::schema_unavailable:
            return "the message's embedded descriptors did not build";
        case text_errc::decode_failed:
            return "the parsed message did not decode into the generated type";
    }
    return "?";
}

struct text_error {
    text_errc code = text_errc::ok;
    std::size_t line = 0;    ///< 1-based; 0 when the error has no position
    std::size_t column = 0;  ///< 1-based, in bytes
    std::string detail;      ///< the token or name at fault

    explicit operator bool() const noexcept { return code != text_errc::ok; }
    /// "line:column: description (detail)".
    std::string message() const {
        std::string s = std::to_string(line) + ":" + std::to_string(column) + ": ";
        s += describe(code);
        if (!detail.empty()) s += " (" + detail + ")";
        return s;
    }
};

// ---------------------------------------------------------------------------
// Printing

namespace text_detail {

/// libprotobuf's CEscape (strutil.cc), or with `utf8` its utf8SafeCEscape.
inline void c_escape(std::string& out, std::string_view s, bool utf8) {
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\'':
                out += "\\'";
                break;
            case '\\':
                out += "\\\\";
                break;
            default:
                if ((u < 0x20 || u > 0x7e) && !(utf8 && u >= 0x80)) {
                    out += '\\';
                    out += static_cast<char>('0' + (u >> 6));
                    out += static_cast<char>('0' + ((u >> 3) & 7));
                    out += static_cast<char>('0' + (u & 7));
                } else {
                    out += c;
                }
        }
    }
}

/// libprotobuf's SimpleDtoa: %.15g, or %.17g when that does not read back.
inline std::string double_text(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*g", DBL_DIG, v);
    if (std::strtod(buf, nullptr) != v) std::snprintf(buf, sizeof buf, "%.*g", DBL_DIG + 2, v);
    return buf;
}
/// libprotobuf's SimpleFtoa: %.6g, or %.9g when that does not read back.
inline std::string float_text(float v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*g", FLT_DIG, static_cast<double>(v));
    if (std::strtof(buf, nullptr) != v)
        std::snprintf(buf, sizeof buf, "%.*g", FLT_DIG + 3, static_cast<double>(v));
    return buf;
}

class printer {
  public:
    explicit printer(const text_print_options& o) : opt_(o) {}
    std::string out;

    void message(const dynamic_message& m) {
        ++depth_;
        if (opt_.expand_any != nullptr && any_expanded(m)) {
            --depth_;
            return;
        }
        if (m.descriptor().is_map_entry) {
            // libprotobuf prints a map entry's key and value even when they
            // are zero (its map fields build entries with both set).
            field(m, *m.descriptor().map_key());
            field(m, *m.descriptor().map_value());
        } else {
            for (const field_descriptor* f : m.set_fields()) field(m, *f);
        }
        if (!m.unknown_fields().empty())
            unknown(m.unknown_fields().view(), text_unknown_nesting_budget);
        --depth_;
    }

  private:
    const text_print_options& opt_;
    int indent_ = 0;
    std::size_t depth_ = 0;  // messages being printed, Any contents included

    void start_line() {
        if (!opt_.single_line) out.append(static_cast<std::size_t>(indent_) * 2, ' ');
    }
    void end_line() { out += opt_.single_line ? ' ' : '\n'; }
    void open_block() {
        out += opt_.single_line ? " { " : " {\n";
        ++indent_;
    }
    void close_block() {
        --indent_;
        start_line();
        out += '}';
        end_line();
    }

    // Any with a known type: `[type_url] { fields }` (Printer::PrintAny).
    bool any_expanded(const dynamic_message& m) {
        const message_descriptor& d = m.descriptor();
        if (d.full_name != "google.protobuf.Any") return false;
        const field_descriptor* url = d.find_field(1U);
        const field_descriptor* val = d.find_field(2U);
        if (url == nullptr || val == nullptr || url->type != field_type::string ||
            val->type != field_type::bytes)
            return false;
        const std::string_view u = m.get_string(*url);
        const auto slash = u.rfind('/');
        if (slash == std::string_view::npos) return false;
        const message_descriptor* t = opt_.expand_any->find_message(u.substr(slash + 1));
        if (t == nullptr) return false;
        // An Any's value is bytes to its parser, so Anys nested in Anys
        // escape the depth limit of the outer parse: the levels printed so
        // far count against default_max_depth here.
        if (depth_ >= default_max_depth) return false;
        decode_limits limits;
        limits.max_depth = default_max_depth - depth_;
        dynamic_message inner(*t);
        if (inner.parse(wire::as_bytes(m.get_string(*val)), limits)) return false;
        start_line();
        out += '[';
        out += u;
        out += ']';
        open_block();
        message(inner);
        close_block();
        return true;
    }

    static std::string_view field_name(const field_descriptor& f) {
        return f.type == field_type::group ? std::string_view(f.message_type->name)
                                           : std::string_view(f.name);
    }

    void field(const dynamic_message& m, const field_descriptor& f) {
        if (f.cpp_type() == cpp_type::message) {
            std::vector<const dynamic_message*> subs;
            if (f.is_map()) {
                subs = sorted_entries(m, f);
            } else if (f.is_repeated()) {
                for (std::size_t i = 0; i < m.size(f); ++i) subs.push_back(m.get_message(f, i));
            } else {
                subs.push_back(m.get_message(f));
            }
            for (const dynamic_message* s : subs) {
                start_line();
                out += field_name(f);
                open_block();
                if (s != nullptr) message(*s);
                close_block();
            }
            return;
        }
        const std::size_t n = f.is_repeated() ? m.size(f) : 1;
        for (std::size_t i = 0; i < n; ++i) {
            start_line();
            out += field_name(f);
            out += ": ";
            value(m, f, i);
            end_line();
        }
    }

    void value(const dynamic_message& m, const field_descriptor& f, std::size_t i) {
        const bool r = f.is_repeated();
        switch (f.cpp_type()) {
            case cpp_type::int32:
                out += std::to_string(r ? m.get_int32(f, i) : m.get_int32(f));
                break;
            case cpp_type::int64:
                out += std::to_string(r ? m.get_int64(f, i) : m.get_int64(f));
                break;
            case cpp_type::uint32:
                out += std::to_string(r ? m.get_uint32(f, i) : m.get_uint32(f));
                break;
            case cpp_type::uint64:
                out += std::to_string(r ? m.get_uint64(f, i) : m.get_uint64(f));
                break;
            case cpp_type::float_:
                out += float_text(r ? m.get_float(f, i) : m.get_float(f));
                break;
            case cpp_type::double_:
                out += double_text(r ? m.get_double(f, i) : m.get_double(f));
                break;
            case cpp_type::bool_:
                out += (r ? m.get_bool(f, i) : m.get_bool(f)) ? "true" : "false";
                break;
            case cpp_type::enum_: {
                const std::int32_t v = r ? m.get_enum(f, i) : m.get_enum(f);
                const enum_value_descriptor* ev =
                    f.enum_type != nullptr ? f.enum_type->find_value(v) : nullptr;
                out += ev != nullptr ? ev->name : std::to_string(v);
                break;
            }
            case cpp_type::string:
                out += '"';
                // bytes fields escape every non-ASCII byte even with `utf8`
                // (FastFieldValuePrinterUtf8Escaping::PrintBytes)
                c_escape(out, r ? m.get_string(f, i) : m.get_string(f),
                         opt_.utf8 && f.type == field_type::string);
                out += '"';
                break;
            case cpp_type::message:
                break;
        }
    }

    // Map entries sorted by key, the last entry of a key kept (the order
    // libprotobuf's printer sorts maps in: MapEntryMessageComparator).
    static std::vector<const dynamic_message*> sorted_entries(const dynamic_message& m,
                                                              const field_descriptor& f) {
        std::vector<const dynamic_message*> v;
        for (std::size_t i = 0; i < m.size(f); ++i) v.push_back(m.get_message(f, i));
        const field_descriptor& k = *f.message_type->map_key();
        auto less = [&k](const dynamic_message* a, const dynamic_message* b) {
            switch (k.cpp_type()) {
                case cpp_type::string:
                    return a->get_string(k) < b->get_string(k);
                case cpp_type::int32:
                    return a->get_int32(k) < b->get_int32(k);
                case cpp_type::int64:
                    return a->get_int64(k) < b->get_int64(k);
                case cpp_type::uint32:
                    return a->get_uint32(k) < b->get_uint32(k);
                case cpp_type::uint64:
                    return a->get_uint64(k) < b->get_uint64(k);
                case cpp_type::bool_:
                    return a->get_bool(k) < b->get_bool(k);
                default:
                    return false;
            }
        };
        std::stable_sort(v.begin(), v.end(), less);
        std::size_t out = 0;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i + 1 < v.size() && !less(v[i], v[i + 1])) continue;  // a later one has this key
            v[out++] = v[i];
        }
        v.resize(out);
        return v;
    }

    // Fields without a schema, by number (Printer::PrintUnknownFields). A
    // LEN value that reads completely as fields prints as a nested block
    // while the budget lasts; groups nest without spending it.
    void unknown(wire::bytes_view bytes, int budget) {
        field_reader r(bytes);
        proto::field fl;
        while (r.next(fl)) {
            start_line();
            out += std::to_string(fl.number);
            char buf[24];
            switch (fl.type) {
                case wire_type::varint:
                    out += ": " + std::to_string(fl.value);
                    end_line();
                    break;
                case wire_type::i32:
                    std::snprintf(buf, sizeof buf, ": 0x%08" PRIx32,
                                  static_cast<std::uint32_t>(fl.value));
                    out += buf;
                    end_line();
                    break;
                case wire_type::i64:
                    std::snprintf(buf, sizeof buf, ": 0x%016" PRIx64, fl.value);
                    out += buf;
                    end_line();
                    break;
                case wire_type::len:
                    if (!fl.payload.empty() && budget > 0 && parses_as_fields(fl.payload)) {
                        open_block();
                        unknown(fl.payload, budget - 1);
                        close_block();
                    } else {
                        out += ": \"";
                        c_escape(out, wire::as_chars(fl.payload), false);
                        out += '"';
                        end_line();
                    }
                    break;
                case wire_type::sgroup:
                    open_block();
                    unknown(fl.payload, budget);
                    close_block();
                    break;
                default:
                    end_line();
                    break;
            }
        }
    }
    static bool parses_as_fields(wire::bytes_view b) {
        field_reader r(b);
        proto::field fl;
        while (r.next(fl)) {
        }
        return !r.error();
    }
};

}  // namespace text_detail

/// The message in text format (libprotobuf's TextFormat::PrintToString, or
/// with single_line its ShortDebugString).
inline std::string to_text(const dynamic_message& m, const text_print_options& options = {}) {
    text_detail::printer p(options);
    p.message(m);
    if (options.single_line && !p.out.empty() && p.out.back() == ' ') p.out.pop_back();
    return std::move(p.out);
}

// ---------------------------------------------------------------------------
// Parsing

namespace text_detail {

enum class tok : std::uint8_t { end, identifier, integer, float_, string, symbol };

struct token {
    tok kind = tok::end;
    std::string_view text;  ///< as written (strings: with their quotes)
    std::size_t line = 1;
    std::size_t column = 1;
};

inline bool is_letter(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
inline bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}
inline bool is_hex(char c) noexcept {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline int hex_value(char c) noexcept {
    return is_digit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : c - 'A' + 10;
}

// io::Tokenizer as TextFormat configures it: # comments, an `f` allowed after
// a number, a letter right after a number an error.
class tokenizer {
  public:
    explicit tokenizer(std::string_view s) : s_(s) {}

    /// Reads the next token into t; false (and err set) on a lexical error.
    bool next(token& t, text_error& err) {
        skip_space();
        t.line = line_;
        t.column = col_;
        if (p_ >= s_.size()) {
            t.kind = tok::end;
            t.text = {};
            return true;
        }
        const std::size_t start = p_;
        const char c = s_[p_];
        if (is_letter(c)) {
            while (p_ < s_.size() && (is_letter(s_[p_]) || is_digit(s_[p_]))) advance();
            t.kind = tok::identifier;
        } else if (is_digit(c) || (c == '.' && p_ + 1 < s_.size() && is_digit(s_[p_ + 1]))) {
            if (!number(t, err)) return false;
        } else if (c == '"' || c == '\'') {
            advance();
            for (;;) {
                if (p_ >= s_.size() || s_[p_] == '\n')
                    return fail(err, text_errc::unterminated_string, t);
                const char d = s_[p_];
                advance();
                if (d == c) break;
                if (d == '\\') {
                    if (p_ >= s_.size() || s_[p_] == '\n')
                        return fail(err, text_errc::unterminated_string, t);
                    advance();  // escapes are checked when the string is decoded
                }
            }
            t.kind = tok::string;
        } else if (static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f) {
            advance();
            t.kind = tok::symbol;
        } else {
            t.text = s_.substr(p_, 1);
            return fail(err, text_errc::invalid_character, t);
        }
        t.text = s_.substr(start, p_ - start);
        return true;
    }

  private:
    std::string_view s_;
    std::size_t p_ = 0;
    std::size_t line_ = 1;
    std::size_t col_ = 1;

    void advance() {
        if (s_[p_] == '\n') {
            ++line_;
            col_ = 1;
        } else {
            ++col_;
        }
        ++p_;
    }
    bool at(char c) const noexcept { return p_ < s_.size() && s_[p_] == c; }
    bool at_digit() const noexcept { return p_ < s_.size() && is_digit(s_[p_]); }
    void skip_space() {
        while (p_ < s_.size()) {
            const char c = s_[p_];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
                advance();
            } else if (c == '#') {
                while (p_ < s_.size() && s_[p_] != '\n') advance();
            } else {
                break;
            }
        }
    }
    bool fail(text_error& err, text_errc code, const token& t) {
        err.code = code;
        err.line = t.line;
        err.column = t.column;
        err.detail = std::string(t.text.empty() ? s_.substr(p_, 0) : t.text);
        return false;
    }

    // Tokenizer::ConsumeNumber.
    bool number(token& t, text_error& err) {
        const std::size_t start = p_;
        bool is_float = false;
        auto bad = [&](std::string_view why) {
            t.text = s_.substr(start, p_ - start);
            fail(err, text_errc::invalid_number, t);
            err.detail = std::string(t.text) + ": " + std::string(why);
            return false;
        };
        if (s_[p_] == '0' && p_ + 1 < s_.size() && (s_[p_ + 1] == 'x' || s_[p_ + 1] == 'X')) {
            advance();
            advance();
            if (p_ >= s_.size() || !is_hex(s_[p_]))
                return bad("\"0x\" must be followed by hex digits");
            while (p_ < s_.size() && is_hex(s_[p_])) advance();
        } else if (s_[p_] == '0' && p_ + 1 < s_.size() && is_digit(s_[p_ + 1])) {
            while (at_digit()) {
                if (s_[p_] > '7') return bad("numbers starting with leading zero must be in octal");
                advance();
            }
        } else {
            if (at('.')) {
                is_float = true;
                advance();
            }
            while (at_digit()) advance();
            if (!is_float && at('.')) {
                is_float = true;
                advance();
                while (at_digit()) advance();
            }
            if (at('e') || at('E')) {
                is_float = true;
                advance();
                if (at('-') || at('+')) advance();
                if (!at_digit()) return bad("\"e\" must be followed by exponent");
                while (at_digit()) advance();
            }
            if (at('f') || at('F')) {
                is_float = true;
                advance();
            }
        }
        if (p_ < s_.size() && (is_letter(s_[p_]) || is_digit(s_[p_])))
            return bad("need space between number and identifier");
        if (at('.'))
            return bad(is_float ? "already saw decimal point or exponent"
                                : "hex and octal numbers must be integers");
        t.kind = is_float ? tok::float_ : tok::integer;
        return true;
    }
};

inline void append_utf8(std::string& out, std::uint32_t cp) {
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

/// Decodes one quoted string token (Tokenizer::ParseStringAppend); false on a
/// bad escape.
inline bool unescape(std::string_view q, std::string& out) {
    const std::string_view s = q.substr(1, q.size() - 2);
    std::size_t i = 0;
    auto hex_run = [&](std::size_t n, std::uint32_t& v) {
        v = 0;
        if (i + n > s.size()) return false;
        for (std::size_t k = 0; k < n; ++k) {
            if (!is_hex(s[i + k])) return false;
            v = v * 16 + static_cast<std::uint32_t>(hex_value(s[i + k]));
        }
        i += n;
        return true;
    };
    while (i < s.size()) {
        const char c = s[i++];
        if (c != '\\') {
            out += c;
            continue;
        }
        const char e = s[i++];  // the tokenizer saw a character after every '\'
        switch (e) {
            case 'a':
                out += '\a';
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
            case 'v':
                out += '\v';
                break;
            case '\\':
            case '?':
            case '\'':
            case '"':
                out += e;
                break;
            case 'x':
            case 'X': {
                if (i >= s.size() || !is_hex(s[i])) return false;
                int v = hex_value(s[i++]);
                if (i < s.size() && is_hex(s[i])) v = v * 16 + hex_value(s[i++]);
                out += static_cast<char>(v);
                break;
            }
            case 'u': {
                std::uint32_t v = 0;
                if (!hex_run(4, v)) return false;
                // A surrogate pair written as two \u escapes is one code point.
                if (v >= 0xd800 && v <= 0xdbff && i + 6 <= s.size() && s[i] == '\\' &&
                    s[i + 1] == 'u') {
                    const std::size_t save = i;
                    i += 2;
                    std::uint32_t lo = 0;
                    if (hex_run(4, lo) && lo >= 0xdc00 && lo <= 0xdfff) {
                        v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
                    } else {
                        i = save;
                    }
                }
                append_utf8(out, v);
                break;
            }
            case 'U': {
                std::uint32_t v = 0;
                if (!hex_run(8, v) || v > 0x10ffff) return false;
                append_utf8(out, v);
                break;
            }
            default:
                if (e >= '0' && e <= '7') {
                    int v = e - '0';
                    for (int k = 0; k < 2 && i < s.size() && s[i] >= '0' && s[i] <= '7'; ++k)
                        v = v * 8 + (s[i++] - '0');
                    out += static_cast<char>(v & 0xff);
                    break;
                }
                return false;
        }
    }
    return true;
}

/// An integer token's value (Tokenizer::ParseInteger): false above max.
inline bool parse_integer(std::string_view t, std::uint64_t max, std::uint64_t& v) {
    unsigned base = 10;
    if (t.size() > 1 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
        base = 16;
        t.remove_prefix(2);
    } else if (t.size() > 1 && t[0] == '0') {
        base = 8;
    }
    v = 0;
    for (const char c : t) {
        const auto d = static_cast<std::uint64_t>(hex_value(c));
        if (v > (max - d) / base) return false;
        v = v * base + d;
    }
    return true;
}

class parser {
  public:
    parser(std::string_view text, const text_parse_options& o) : tz_(text), opt_(o) {}

    text_error run(dynamic_message& m) {
        if (!advance()) return err_;
        if (!message(m, 0, tok::end, {})) return err_;
        if (!opt_.allow_partial && !m.is_initialized()) {
            err_ = {text_errc::missing_required_field, cur_.line, cur_.column,
                    m.descriptor().full_name};
        }
        return err_;
    }

  private:
    tokenizer tz_;
    const text_parse_options& opt_;
    token cur_;
    text_error err_;

    bool advance() { return tz_.next(cur_, err_); }
    bool is_symbol(char c) const noexcept {
        return cur_.kind == tok::symbol && cur_.text.size() == 1 && cur_.text[0] == c;
    }
    // Consumes c if it is the current token; a lexical error after it
    // lands in err_ (callers check err_).
    bool try_symbol(char c) {
        if (!is_symbol(c)) return false;
        advance();
        return true;
    }
    bool fail(text_errc code, const token& at, std::string detail) {
        if (!err_) err_ = {code, at.line, at.column, std::move(detail)};
        return false;
    }
    bool fail(text_errc code, std::string detail) { return fail(code, cur_, std::move(detail)); }
    std::string got() const {
        return cur_.kind == tok::end ? std::string("end of input")
                                     : "found \"" + std::string(cur_.text) + "\"";
    }
    bool expect(char c) {
        if (is_symbol(c)) return advance();
        return fail(text_errc::syntax_error, std::string("expected \"") + c + "\", " + got());
    }

    // Fields until the closing delimiter ('}' or '>', or the end of input
    // at the top level).
    bool message(dynamic_message& m, std::size_t depth, tok end_kind, char close) {
        for (;;) {
            if (end_kind == tok::end && cur_.kind == tok::end) return true;
            if (close != 0 && is_symbol(close)) return advance();
            if (cur_.kind == tok::end)
                return fail(text_errc::syntax_error, std::string("expected \"") + close + "\"");
            if (!field(m, depth)) return false;
            if (!try_symbol(';')) try_symbol(',');
            if (err_) return false;
        }
    }

    bool field(dynamic_message& m, std::size_t depth) {
        const message_descriptor& d = m.descriptor();
        if (is_symbol('[')) return bracketed(m, depth);
        if (cur_.kind != tok::identifier)
            return fail(text_errc::syntax_error, "expected a field name, " + got());
        const std::string_view name = cur_.text;
        const field_descriptor* f = d.find_field(name);
        if (f == nullptr) {  // a group goes by its type's name (its field's name lowercased)
            std::string lower(name);
            for (char& c : lower)
                if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            f = d.find_field(std::string_view(lower));
            if (f != nullptr && f->type != field_type::group) f = nullptr;
        }
        if (f != nullptr && f->type == field_type::group && f->message_type->name != name)
            f = nullptr;
        if (f == nullptr)
            return fail(text_errc::unknown_field,
                        d.full_name + " has no field \"" + std::string(name) + "\"");
        if (!f->is_repeated()) {
            // TextFormat::Parser: a singular field or a oneof may be given once.
            const oneof_descriptor* o = f->containing_oneof;
            if (o != nullptr && m.which_oneof(*o) != nullptr) {
                return fail(text_errc::oneof_conflict, "\"" + f->name + "\" and \"" +
                                                           m.which_oneof(*o)->name + "\" of \"" +
                                                           o->name + "\"");
            }
            if (m.has(*f)) return fail(text_errc::duplicate_field, f->name);
        }
        if (!advance()) return false;

        if (f->cpp_type() == cpp_type::message) {
            try_symbol(':');  // optional before a message (and a list of them)
            if (err_) return false;
            if (is_symbol('[')) {
                if (!f->is_repeated()) return fail(text_errc::not_repeated, f->name);
                return list(m, *f, depth);
            }
            return sub_message(m, *f, depth);
        }
        if (!is_symbol(':'))
            return fail(text_errc::syntax_error,
                        "expected \":\" after \"" + f->name + "\", " + got());
        if (!advance()) return false;
        if (is_symbol('[')) {
            if (!f->is_repeated()) return fail(text_errc::not_repeated, f->name);
            return list(m, *f, depth);
        }
        return scalar(m, *f);
    }

    // `[a, b]`: scalars or messages; `[]` is an empty list.
    bool list(dynamic_message& m, const field_descriptor& f, std::size_t depth) {
        if (!advance()) return false;  // '['
        if (try_symbol(']')) return !err_;
        for (;;) {
            const bool ok =
                f.cpp_type() == cpp_type::message ? sub_message(m, f, depth) : scalar(m, f);
            if (!ok) return false;
            if (try_symbol(']')) return !err_;
            if (!expect(',')) return false;
        }
    }

    bool sub_message(dynamic_message& m, const field_descriptor& f, std::size_t depth) {
        char close = 0;
        if (is_symbol('{'))
            close = '}';
        else if (is_symbol('<'))
            close = '>';
        else
            return fail(text_errc::syntax_error, "expected \"{\" or \"<\", " + got());
        if (depth + 1 > opt_.max_depth)
            return fail(text_errc::depth_limit_exceeded, "limit " + std::to_string(opt_.max_depth));
        if (!advance()) return false;
        dynamic_message* s = f.is_repeated() ? m.add_message(f) : m.mutable_message(f);
        return message(*s, depth + 1, tok::symbol, close);
    }

    // `[type.googleapis.com/pkg.Msg] { ... }` in an Any; anything else in
    // brackets is an extension.
    bool bracketed(dynamic_message& m, std::size_t depth) {
        const token at = cur_;
        if (!advance()) return false;
        std::string name;
        for (;;) {
            if (cur_.kind != tok::identifier)
                return fail(text_errc::syntax_error, "expected a name in [], " + got());
            name += cur_.text;
            if (!advance()) return false;
            if (is_symbol('.') || is_symbol('/')) {
                name += cur_.text;
                if (!advance()) return false;
                continue;
            }
            break;
        }
        if (!expect(']')) return false;
        const message_descriptor& d = m.descriptor();
        const auto slash = name.rfind('/');
        if (slash == std::string::npos || d.full_name != "google.protobuf.Any")
            return fail(text_errc::extension_not_supported, at, name);
        const field_descriptor* url = d.find_field(1U);
        const field_descriptor* val = d.find_field(2U);
        const message_descriptor* t = opt_.type_registry != nullptr
                                          ? opt_.type_registry->find_message(name.substr(slash + 1))
                                          : nullptr;
        if (t == nullptr || url == nullptr || val == nullptr)
            return fail(text_errc::unknown_type, at, name);
        if (m.has(*url) || m.has(*val)) return fail(text_errc::duplicate_field, at, "type_url");
        try_symbol(':');
        if (err_) return false;
        char close = 0;
        if (is_symbol('{'))
            close = '}';
        else if (is_symbol('<'))
            close = '>';
        else
            return fail(text_errc::syntax_error, "expected \"{\" or \"<\", " + got());
        if (depth + 1 > opt_.max_depth)
            return fail(text_errc::depth_limit_exceeded, "limit " + std::to_string(opt_.max_depth));
        if (!advance()) return false;
        dynamic_message inner(*t);
        if (!message(inner, depth + 1, tok::symbol, close)) return false;
        m.set_string(*url, name);
        m.set_string(*val, inner.serialize_as_string());
        return true;
    }

    // ConsumeSignedInteger / ConsumeUnsignedInteger.
    bool integer(bool is_signed, std::uint64_t max, std::int64_t& sv, std::uint64_t& uv) {
        bool neg = false;
        if (is_symbol('-')) {
            if (!is_signed) return fail(text_errc::invalid_value, "expected integer, " + got());
            neg = true;
            if (!advance()) return false;
        }
        if (cur_.kind != tok::integer)
            return fail(text_errc::invalid_value, "expected integer, " + got());
        std::uint64_t v = 0;
        if (!parse_integer(cur_.text, neg ? max + 1 : max, v))
            return fail(text_errc::integer_out_of_range, std::string(cur_.text));
        uv = v;
        sv = neg ? static_cast<std::int64_t>(0 - v) : static_cast<std::int64_t>(v);
        return advance();
    }

    // ConsumeDouble: integers (decimal only), floats, inf / infinity / nan.
    bool real(double& out) {
        bool neg = false;
        if (is_symbol('-')) {
            neg = true;
            if (!advance()) return false;
        }
        const std::string_view t = cur_.text;
        if (cur_.kind == tok::integer) {
            if (t.size() > 1 && t[0] == '0')
                return fail(text_errc::invalid_value, "expected a decimal number, " + got());
            std::uint64_t v = 0;
            out = parse_integer(t, std::numeric_limits<std::uint64_t>::max(), v)
                      ? static_cast<double>(v)
                      : std::strtod(std::string(t).c_str(), nullptr);
        } else if (cur_.kind == tok::float_) {
            std::string s(t);
            if (s.back() == 'f' || s.back() == 'F') s.pop_back();
            out = std::strtod(s.c_str(), nullptr);
        } else if (cur_.kind == tok::identifier) {
            std::string lower(t);
            for (char& c : lower)
                if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            if (lower == "inf" || lower == "infinity") {
                out = std::numeric_limits<double>::infinity();
            } else if (lower == "nan") {
                out = std::numeric_limits<double>::quiet_NaN();
            } else {
                return fail(text_errc::invalid_value, "expected double, " + got());
            }
        } else {
            return fail(text_errc::invalid_value, "expected double, " + got());
        }
        if (neg) out = -out;
        return advance();
    }

    bool scalar(dynamic_message& m, const field_descriptor& f) {
        const bool rep = f.is_repeated();
        std::int64_t sv = 0;
        std::uint64_t uv = 0;
        switch (f.cpp_type()) {
            case cpp_type::int32:
                if (!integer(true, INT32_MAX, sv, uv)) return false;
                return rep ? m.add_int32(f, static_cast<std::int32_t>(sv))
                           : m.set_int32(f, static_cast<std::int32_t>(sv));
            case cpp_type::int64:
                if (!integer(true, INT64_MAX, sv, uv)) return false;
                return rep ? m.add_int64(f, sv) : m.set_int64(f, sv);
            case cpp_type::uint32:
                if (!integer(false, UINT32_MAX, sv, uv)) return false;
                return rep ? m.add_uint32(f, static_cast<std::uint32_t>(uv))
                           : m.set_uint32(f, static_cast<std::uint32_t>(uv));
            case cpp_type::uint64:
                if (!integer(false, UINT64_MAX, sv, uv)) return false;
                return rep ? m.add_uint64(f, uv) : m.set_uint64(f, uv);
            case cpp_type::double_: {
                double v = 0;
                if (!real(v)) return false;
                return rep ? m.add_double(f, v) : m.set_double(f, v);
            }
            case cpp_type::float_: {
                double v = 0;
                if (!real(v)) return false;
                // io::SafeDoubleToFloat: beyond float's range is infinity.
                const float x = v > FLT_MAX    ? std::numeric_limits<float>::infinity()
                                : v < -FLT_MAX ? -std::numeric_limits<float>::infinity()
                                               : static_cast<float>(v);
                return rep ? m.add_float(f, x) : m.set_float(f, x);
            }
            case cpp_type::bool_: {
                bool b = false;
                if (cur_.kind == tok::integer) {
                    std::uint64_t v = 0;
                    if (!parse_integer(cur_.text, UINT64_MAX, v) || v > 1)
                        return fail(text_errc::integer_out_of_range, std::string(cur_.text));
                    b = v == 1;
                } else if (cur_.kind == tok::identifier &&
                           (cur_.text == "true" || cur_.text == "True" || cur_.text == "t")) {
                    b = true;
                } else if (cur_.kind == tok::identifier &&
                           (cur_.text == "false" || cur_.text == "False" || cur_.text == "f")) {
                    b = false;
                } else {
                    return fail(text_errc::invalid_value, "bool \"" + f.name + "\", " + got());
                }
                if (!advance()) return false;
                return rep ? m.add_bool(f, b) : m.set_bool(f, b);
            }
            case cpp_type::enum_: {
                std::int32_t v = 0;
                const token at = cur_;
                if (cur_.kind == tok::identifier) {
                    const enum_value_descriptor* ev = f.enum_type->find_value(cur_.text);
                    if (ev == nullptr)
                        return fail(text_errc::unknown_enum_value,
                                    std::string(cur_.text) + " for \"" + f.name + "\"");
                    v = ev->number;
                    if (!advance()) return false;
                } else {
                    if (!integer(true, INT32_MAX, sv, uv)) return false;
                    v = static_cast<std::int32_t>(sv);
                    // Closed (proto2) enums hold only declared values.
                    if (f.enum_type->is_closed && f.enum_type->find_value(v) == nullptr)
                        return fail(text_errc::unknown_enum_value, at,
                                    std::to_string(v) + " for \"" + f.name + "\"");
                }
                return rep ? m.add_enum(f, v) : m.set_enum(f, v);
            }
            case cpp_type::string: {
                if (cur_.kind != tok::string)
                    return fail(text_errc::invalid_value, "expected string, " + got());
                const token at = cur_;
                std::string s;
                while (cur_.kind == tok::string) {  // "a" "b" is "ab"
                    if (!unescape(cur_.text, s))
                        return fail(text_errc::invalid_escape, std::string(cur_.text));
                    if (!advance()) return false;
                }
                if (f.requires_utf8() && !is_valid_utf8(wire::as_bytes(s)))
                    return fail(text_errc::invalid_utf8, at, f.name);
                return rep ? m.add_string(f, std::move(s)) : m.set_string(f, std::move(s));
            }
            case cpp_type::message:
                break;
        }
        return false;
    }
};

}  // namespace text_detail

/// Clears m, then reads text-format text into it (libprotobuf's
/// TextFormat::ParseFromString). On error m holds what was read before it.
inline text_error from_text(dynamic_message& m, std::string_view text,
                            const text_parse_options& options = {}) {
    m.clear();
    if (text.size() > options.max_input_size)
        return {text_errc::input_too_large, 1, 1, std::to_string(text.size()) + " bytes"};
    text_detail::parser p(text, options);
    return p.run(m);
}

}  // namespace h2pb::proto
