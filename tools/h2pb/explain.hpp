// The tree that `h2pb decode` prints: every field of a protobuf message with
// its byte offsets, tag bytes, number, wire type and value, built on
// proto::field_reader (the same reader the library decodes with).
//
// Without a schema, values are shown the ways the wire allows: a VARINT as
// unsigned plus its signed and zigzag readings, I32/I64 as hex, float/double
// and signed, and a LEN payload as a nested message when it parses completely
// as fields (what `protoc --decode_raw` guesses), else as a string when it is
// printable UTF-8, else as bytes. With a schema (--proto/--type: a
// proto::message_descriptor from the tool's descriptor_pool) each field gets
// its name and is read exactly as its declared type.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <h2pb/proto_codec/descriptor.hpp>
#include <h2pb/proto_codec/field_reader.hpp>
#include <h2pb/proto_codec/utf8.hpp>
#include <h2pb/wire/hex.hpp>
#include <h2pb/wire/varint.hpp>

#include "cli.hpp"

namespace h2pb::cli {

using scalar = std::variant<std::uint64_t, std::int64_t, double, bool, std::string>;

/// One named member of a field's JSON object ("value", "sint", "hex"...).
struct attr {
    std::string key;
    scalar value;
};

/// One row of the explanation (a field, a packed element, an end-group tag).
struct node {
    std::size_t offset = 0;  ///< absolute offset of the first byte
    std::size_t size = 0;    ///< bytes, tag included
    std::string tag_hex;     ///< the tag bytes (empty for packed elements)
    std::uint32_t number = 0;
    std::string label;      ///< text column "field": "1", "1 weight", "[0]"
    std::string wire;       ///< "VARINT", "LEN", ... (empty for packed elements)
    std::string value_hex;  ///< the value's bytes (LEN: the length prefix; groups: none)
    std::string name;       ///< schema field name, if known
    std::string type;       ///< schema type ("int32", "tour.Fruit", "map<string, string>")
    std::string text;       ///< text column "value"
    std::vector<attr> attrs;
    std::string children_key;  ///< JSON key of children: "fields" or "elements"
    std::vector<node> children;
    bool end_group = false;  ///< the EGROUP row of a group (text only)
};

// ---- value formatting -------------------------------------------------------

/// A protobuf decoding rule as `h2pb decode` states it: proto::describe,
/// and for a rule that is h2pb's own policy rather than the encoding's, who
/// else applies it. The encoding guide only says a 64-bit varint takes at
/// most 10 bytes; a 10th byte above 1 (bits past 64) is refused by h2pb and
/// Go's protowire, accepted by protoc 3.21 (which drops the excess bits).
inline std::string proto_rule(proto::errc code) {
    std::string s(proto::describe(code));
    if (code == proto::errc::varint_overflow)
        s += " (h2pb's policy, shared by Go's protowire, not an encoding rule: protoc 3.21 "
             "accepts it and drops the excess bits)";
    return s;
}

inline std::string format_double(double d) {
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, r.ptr);
}
inline std::string format_float(float f) {
    if (std::isnan(f)) return "nan";
    if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, f);
    return std::string(buf, r.ptr);
}
inline scalar json_number(double d) {
    if (std::isnan(d)) return std::string("NaN");
    if (std::isinf(d)) return std::string(d > 0 ? "Infinity" : "-Infinity");
    return d;
}
inline std::string hex_u(std::uint64_t v, int digits) {
    static constexpr char h[] = "0123456789abcdef";
    std::string s = "0x";
    for (int i = digits - 1; i >= 0; --i) s.push_back(h[(v >> (4 * i)) & 0xf]);
    return s;
}

/// Well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF):
/// the check the protobuf decoder applies to `string` fields.
inline bool valid_utf8(wire::bytes_view b) {
    return proto::is_valid_utf8(b);
}

/// Valid UTF-8 without control characters other than tab and line breaks.
inline bool printable_text(wire::bytes_view b) {
    for (wire::byte c : b)
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return false;
    return valid_utf8(b);
}

/// "Apple" -> "\"Apple\"" with C escapes for quotes, backslashes, controls.
inline std::string quote(wire::bytes_view b) {
    return quote(wire::as_chars(b), control_escape::c_hex);
}

/// Hex of at most `limit` bytes, "..." after.
inline std::string short_hex(wire::bytes_view b, std::size_t limit = 24) {
    if (b.size() <= limit) return wire::to_hex(b);
    return wire::to_hex(b.first(limit)) + " ...";
}

inline std::string bytes_count(std::size_t n) {
    return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

// ---- the explainer -----------------------------------------------------------

/// Octets of a bytes value shown in hex before " ..." (`h2pb decode`): the
/// line stays readable, the length is printed beside it. Setting:
/// explain_options::bytes_octets (`h2pb trace` passes its --data-octets).
inline constexpr std::size_t default_bytes_octets = 24;

struct explain_options {
    proto::decode_limits limits{};
    std::size_t bytes_octets = default_bytes_octets;  ///< hex shown of a bytes value, 0: all
    /// A bytes value whose octets are all printable ASCII (0x20-0x7e) is also
    /// shown as text after its hex (`h2pb trace`).
    bool bytes_as_text = false;
};

class explainer {
  public:
    explicit explainer(explain_options o) : o_(o) {}

    /// Explains the message in msg (msg[0] is at absolute offset base) as
    /// `type` (null: no schema). Appends one node per field to out; returns
    /// the first broken rule (out then holds everything before it).
    proto::error message(wire::bytes_view msg, std::size_t base, std::size_t depth,
                         const proto::message_descriptor* type, std::vector<node>& out) {
        proto::field_reader r(msg, base, o_.limits, depth);
        proto::field f;
        while (r.next(f)) {
            node n = start(f);
            const proto::field_descriptor* fd =
                type != nullptr ? type->find_field(f.number) : nullptr;
            proto::error e{};
            if (fd == nullptr) {
                n.label = std::to_string(f.number);
                if (type != nullptr) n.attrs.push_back({"unknown", true});
                e = raw(f, depth, n);
                if (type != nullptr) n.text += "  (unknown field)";
            } else {
                e = typed(f, *fd, depth, n);
            }
            out.push_back(std::move(n));
            if (e) return e;
        }
        return r.error();
    }

  private:
    /// A bytes value: "empty", or its hex (at most bytes_octets octets, then
    /// " ..."), and with bytes_as_text, when every octet is printable ASCII,
    /// the same octets as a quoted string: 61 62 63  "abc".
    std::string bytes_text(wire::bytes_view b) const {
        if (b.empty()) return "empty";
        const std::size_t shown =
            o_.bytes_octets == 0 ? b.size() : std::min(o_.bytes_octets, b.size());
        std::string s = short_hex(b, shown);
        const bool ascii =
            std::all_of(b.begin(), b.end(), [](wire::byte c) { return c >= 0x20 && c < 0x7f; });
        if (o_.bytes_as_text && ascii)
            s += "  " + quote(b.first(shown)) + (shown < b.size() ? " ..." : "");
        return s;
    }

    static node start(const proto::field& f) {
        node n;
        n.offset = f.offset;
        n.size = f.raw.size();
        n.tag_hex = wire::to_hex(f.raw.first(f.tag_size));
        n.number = f.number;
        n.wire = std::string(proto::name(f.type));
        // Bytes between the tag and the payload/end: the whole value for
        // VARINT/I32/I64, the length prefix for LEN.
        const std::size_t value_at = f.offset + f.tag_size;
        const std::size_t value_end = f.type == proto::wire_type::len ? f.value_offset
                                      : f.type == proto::wire_type::sgroup
                                          ? value_at
                                          : f.offset + f.raw.size();
        n.value_hex = wire::to_hex(f.raw.subspan(f.tag_size, value_end - value_at));
        return n;
    }

    /// The EGROUP row that closes group f.
    static node end_group_row(const proto::field& f) {
        node end;
        end.offset = f.value_offset + f.payload.size();
        end.size = f.offset + f.raw.size() - end.offset;
        end.tag_hex = wire::to_hex(f.raw.last(end.size));
        end.number = f.number;
        end.label = std::to_string(f.number);
        end.wire = "EGROUP";
        end.text = "end of group " + std::to_string(f.number);
        end.end_group = true;
        return end;
    }

    /// Would `b` parse completely as fields (protoc --decode_raw's guess)?
    bool parses_as_message(wire::bytes_view b, std::size_t base, std::size_t depth) const {
        if (b.empty() || depth > o_.limits.max_depth) return false;
        proto::field_reader r(b, base, o_.limits, depth);
        proto::field f;
        while (r.next(f)) {
        }
        return !r.error();
    }

    void varint_readings(std::uint64_t v, node& n) const {
        n.attrs.push_back({"value", v});
        n.text = std::to_string(v);
        std::string extra;
        if (v > static_cast<std::uint64_t>(INT64_MAX)) {
            const auto s = static_cast<std::int64_t>(v);
            n.attrs.push_back({"int64", s});
            extra += "int64 " + std::to_string(s);
        }
        if (v != 0) {
            const std::int64_t z = proto::zigzag_decode64(v);
            n.attrs.push_back({"sint", z});
            if (!extra.empty()) extra += ", ";
            extra += "sint " + std::to_string(z);
        }
        if (!extra.empty()) n.text += "  (" + extra + ")";
    }

    proto::error raw(const proto::field& f, std::size_t depth, node& n) {
        switch (f.type) {
            case proto::wire_type::varint:
                varint_readings(f.value, n);
                break;
            case proto::wire_type::i32: {
                const auto u = static_cast<std::uint32_t>(f.value);
                const float fl = proto::bits_float(u);
                const auto s = static_cast<std::int32_t>(u);
                n.attrs.push_back({"value", std::uint64_t{u}});
                n.attrs.push_back({"hex", hex_u(u, 8)});
                n.attrs.push_back({"float", json_number(fl)});
                n.attrs.push_back({"int32", std::int64_t{s}});
                n.text = hex_u(u, 8) + "  (float " + format_float(fl) + ", int32 " +
                         std::to_string(s) + ")";
                break;
            }
            case proto::wire_type::i64: {
                const double d = proto::bits_double(f.value);
                const auto s = static_cast<std::int64_t>(f.value);
                n.attrs.push_back({"value", f.value});
                n.attrs.push_back({"hex", hex_u(f.value, 16)});
                n.attrs.push_back({"double", json_number(d)});
                n.attrs.push_back({"int64", s});
                n.text = hex_u(f.value, 16) + "  (double " + format_double(d) + ", int64 " +
                         std::to_string(s) + ")";
                break;
            }
            case proto::wire_type::len: {
                n.attrs.push_back({"length", std::uint64_t{f.payload.size()}});
                const std::string count = bytes_count(f.payload.size());
                if (parses_as_message(f.payload, f.value_offset, depth + 1)) {
                    n.attrs.push_back({"guess", std::string("message")});
                    n.text = "message (" + count + ")";
                    n.children_key = "fields";
                    return message(f.payload, f.value_offset, depth + 1, nullptr, n.children);
                }
                if (printable_text(f.payload)) {
                    n.attrs.push_back({"guess", std::string("string")});
                    n.attrs.push_back({"value", std::string(wire::as_chars(f.payload))});
                    n.text = quote(f.payload) + "  (" + count + ")";
                } else {
                    n.attrs.push_back({"guess", std::string("bytes")});
                    n.attrs.push_back({"hex", wire::to_hex(f.payload)});
                    n.text = bytes_text(f.payload) + "  (" + count + ")";
                }
                if (!f.payload.empty() && depth + 1 > o_.limits.max_depth)
                    n.text += "  (not expanded: depth limit)";
                break;
            }
            case proto::wire_type::sgroup: {
                n.text = "group (" + bytes_count(f.payload.size()) + ")";
                n.children_key = "fields";
                if (auto e = message(f.payload, f.value_offset, depth + 1, nullptr, n.children))
                    return e;
                n.children.push_back(end_group_row(f));
                break;
            }
            case proto::wire_type::egroup:
                break;  // field_reader reports these as errors
        }
        return {};
    }

    /// A scalar of field fd's declared type from the raw bits v (VARINT
    /// value, I32/I64 bits); enums get their value's name.
    void typed_scalar(const proto::field_descriptor& fd, std::uint64_t v, node& n) const {
        auto put_signed = [&](std::int64_t s) {
            n.attrs.push_back({"value", s});
            n.text = std::to_string(s);
        };
        auto put_unsigned = [&](std::uint64_t u) {
            n.attrs.push_back({"value", u});
            n.text = std::to_string(u);
        };
        using proto::field_type;
        switch (fd.type) {
            case field_type::double_: {
                const double d = proto::bits_double(v);
                n.attrs.push_back({"value", json_number(d)});
                n.text = format_double(d);
                break;
            }
            case field_type::float_: {
                const float fl = proto::bits_float(static_cast<std::uint32_t>(v));
                n.attrs.push_back({"value", json_number(fl)});
                n.text = format_float(fl);
                break;
            }
            case field_type::int64:
            case field_type::sfixed64:
                put_signed(static_cast<std::int64_t>(v));
                break;
            case field_type::int32:
            case field_type::sfixed32:
                put_signed(static_cast<std::int32_t>(static_cast<std::uint32_t>(v)));
                break;
            case field_type::uint64:
            case field_type::fixed64:
                put_unsigned(v);
                break;
            case field_type::uint32:
            case field_type::fixed32:
                put_unsigned(static_cast<std::uint32_t>(v));
                break;
            case field_type::sint32:
                put_signed(proto::zigzag_decode32(static_cast<std::uint32_t>(v)));
                break;
            case field_type::sint64:
                put_signed(proto::zigzag_decode64(v));
                break;
            case field_type::bool_:
                n.attrs.push_back({"value", v != 0});
                n.text = v != 0 ? "true" : "false";
                break;
            case field_type::enum_: {
                const auto num = static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
                n.attrs.push_back({"value", std::int64_t{num}});
                const proto::enum_value_descriptor* ev =
                    fd.enum_type != nullptr ? fd.enum_type->find_value(num) : nullptr;
                if (ev != nullptr) {
                    n.attrs.push_back({"enum", ev->name});
                    n.text = ev->name + " (" + std::to_string(num) + ")";
                } else {
                    n.text = std::to_string(num) + " (no such value in " + type_full_name(fd) + ")";
                }
                break;
            }
            default:
                break;
        }
    }

    /// The full name of a message, group or enum field's type ("tour.Fruit").
    static std::string type_full_name(const proto::field_descriptor& fd) {
        if (fd.message_type != nullptr) return fd.message_type->full_name;
        if (fd.enum_type != nullptr) return fd.enum_type->full_name;
        if (!fd.type_name.empty() && fd.type_name[0] == '.') return fd.type_name.substr(1);
        return fd.type_name.empty() ? std::string(proto::name(fd.type)) : fd.type_name;
    }

    /// "int32", "tour.Fruit", "map<string, string>" (map entries are message
    /// types flagged map_entry; `depth` stops a malformed, self-referring one).
    static std::string display_type(const proto::field_descriptor& fd, int depth = 0) {
        const proto::message_descriptor* m = fd.message_type;
        if (m != nullptr && m->is_map_entry && depth < 4) {
            const proto::field_descriptor* k = m->map_key();
            const proto::field_descriptor* v = m->map_value();
            if (k != nullptr && v != nullptr)
                return "map<" + display_type(*k, depth + 1) + ", " + display_type(*v, depth + 1) +
                       ">";
        }
        if (fd.message_type != nullptr || fd.enum_type != nullptr) return type_full_name(fd);
        return std::string(proto::name(fd.type));
    }

    proto::error typed(const proto::field& f, const proto::field_descriptor& fd, std::size_t depth,
                       node& n) {
        n.name = fd.name;
        n.label = std::to_string(f.number) + " " + fd.name;
        n.type = display_type(fd);
        n.attrs.push_back({"name", fd.name});
        n.attrs.push_back({"type", n.type});
        const proto::wire_type expected = proto::wire_type_for(fd.type);
        if (fd.is_repeated() && proto::is_packable(fd.type) && f.type == proto::wire_type::len)
            return packed(f, fd, n);
        if (f.type != expected) {
            // Parsers keep a field whose wire type does not fit its declared
            // type as an unknown field.
            n.attrs.push_back({"wire_type_mismatch", true});
            if (auto e = raw(f, depth, n)) return e;
            n.text += "  (wire type does not match " + n.type + ": kept as unknown field)";
            return {};
        }
        using proto::field_type;
        switch (fd.type) {
            case field_type::string: {
                const bool ok = valid_utf8(f.payload);
                // proto3 parsers reject a string that is not UTF-8; proto2 ones
                // keep it (and may warn).
                if (!ok && fd.requires_utf8()) return {proto::errc::invalid_utf8, f.value_offset};
                n.attrs.push_back({"length", std::uint64_t{f.payload.size()}});
                n.attrs.push_back({"value", std::string(wire::as_chars(f.payload))});
                n.text = quote(f.payload);
                if (!ok) n.text += "  (not valid UTF-8)";
                return {};
            }
            case field_type::bytes:
                n.attrs.push_back({"length", std::uint64_t{f.payload.size()}});
                n.attrs.push_back({"hex", wire::to_hex(f.payload)});
                n.text = bytes_text(f.payload) + "  (" + bytes_count(f.payload.size()) + ")";
                return {};
            case field_type::message:
            case field_type::group: {
                const proto::message_descriptor* m = fd.message_type;
                const bool group = fd.type == field_type::group;
                if (depth + 1 > o_.limits.max_depth)
                    return {proto::errc::depth_limit_exceeded, f.offset};
                if (!group) n.attrs.push_back({"length", std::uint64_t{f.payload.size()}});
                if (m != nullptr && m->is_map_entry) {
                    n.attrs.push_back({"map_entry", true});
                } else {
                    n.text = (m != nullptr ? m->full_name : std::string("message")) + " (" +
                             bytes_count(f.payload.size()) + ")";
                }
                n.children_key = "fields";
                if (auto e = message(f.payload, f.value_offset, depth + 1, m, n.children)) return e;
                if (m != nullptr && m->is_map_entry) n.text = map_entry_text(n.children);
                if (group) n.children.push_back(end_group_row(f));
                return {};
            }
            default:
                typed_scalar(fd, f.value, n);
                return {};
        }
    }

    /// "\"env\" -> \"prod\"" for a map entry (missing key/value are defaults).
    static std::string map_entry_text(const std::vector<node>& kv) {
        std::string key = "(default)", value = "(default)";
        for (const auto& c : kv) {
            if (c.number == 1 && !c.name.empty()) key = c.text;
            if (c.number == 2 && !c.name.empty()) value = c.text;
        }
        return "map entry " + key + " -> " + value;
    }

    proto::error packed(const proto::field& f, const proto::field_descriptor& fd, node& n) {
        n.attrs.push_back({"packed", true});
        n.attrs.push_back({"length", std::uint64_t{f.payload.size()}});
        n.children_key = "elements";
        const proto::wire_type w = proto::wire_type_for(fd.type);
        const std::size_t width = w == proto::wire_type::i32   ? 4
                                  : w == proto::wire_type::i64 ? 8
                                                               : 0;
        if (width != 0 && f.payload.size() % width != 0)
            return {proto::errc::bad_packed_length, f.value_offset};
        const wire::byte* p = f.payload.data();
        const wire::byte* end = p + f.payload.size();
        std::size_t index = 0;
        while (p != end) {
            node e;
            e.offset = f.value_offset + static_cast<std::size_t>(p - f.payload.data());
            // (appended, not "[" + ...: g++ 12 -Wrestrict false positive)
            e.label = std::to_string(index++);
            e.label.insert(e.label.begin(), '[');
            e.label.push_back(']');
            std::uint64_t v = 0;
            if (width == 0) {
                const wire::byte* next = wire::parse_varint(p, end, &v);
                if (next == nullptr) {
                    const auto code = proto::from_wire(wire::varint_error(p, end));
                    return {code, e.offset + static_cast<std::size_t>(
                                                 proto::varint_error_at(p, code) - p)};
                }
                e.size = static_cast<std::size_t>(next - p);
            } else {
                v = width == 4 ? wire::load_le32(p) : wire::load_le64(p);
                e.size = width;
            }
            typed_scalar(fd, v, e);
            e.value_hex = wire::to_hex(wire::bytes_view{p, e.size});
            p += e.size;
            n.children.push_back(std::move(e));
        }
        n.text = "packed " + std::to_string(index) + (index == 1 ? " value" : " values") + " (" +
                 bytes_count(f.payload.size()) + ")";
        return {};
    }

    explain_options o_;
};

}  // namespace h2pb::cli
