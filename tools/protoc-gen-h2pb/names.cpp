// protoc-gen-h2pb: C++ names, field kinds and types, literals.
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "generator.hpp"

namespace h2pb_gen {

// ---------------------------------------------------------------- names

const std::set<std::string>& cpp_keywords() {
    static const std::set<std::string> k = {
        "alignas",
        "alignof",
        "and",
        "and_eq",
        "asm",
        "auto",
        "bitand",
        "bitor",
        "bool",
        "break",
        "case",
        "catch",
        "char",
        "char8_t",
        "char16_t",
        "char32_t",
        "class",
        "compl",
        "concept",
        "const",
        "consteval",
        "constexpr",
        "constinit",
        "const_cast",
        "continue",
        "co_await",
        "co_return",
        "co_yield",
        "decltype",
        "default",
        "delete",
        "do",
        "double",
        "dynamic_cast",
        "else",
        "enum",
        "explicit",
        "export",
        "extern",
        "false",
        "float",
        "for",
        "friend",
        "goto",
        "if",
        "inline",
        "int",
        "long",
        "mutable",
        "namespace",
        "new",
        "noexcept",
        "not",
        "not_eq",
        "nullptr",
        "operator",
        "or",
        "or_eq",
        "private",
        "protected",
        "public",
        "register",
        "reinterpret_cast",
        "requires",
        "return",
        "short",
        "signed",
        "sizeof",
        "static",
        "static_assert",
        "static_cast",
        "struct",
        "switch",
        "template",
        "this",
        "thread_local",
        "throw",
        "true",
        "try",
        "typedef",
        "typeid",
        "typename",
        "union",
        "unsigned",
        "using",
        "virtual",
        "void",
        "volatile",
        "wchar_t",
        "while",
        "xor",
        "xor_eq",
        "NULL",
        "errno",
        "assert",
        "EOF",
        "major",
        "minor",
        "unix",
        "linux",
        // members every generated struct has
        "encode",
        "decode",
        "merge",
        "clear",
        "encoded_size",
        "is_initialized",
        "unknown_fields_",
        "to_json",
        "from_json",
    };
    return k;
}

/// Members every generated struct has (a field of that name gets "_").
const std::set<std::string>& member_names() {
    static const std::set<std::string> k = {"encode",          "decode",       "merge",
                                            "clear",           "encoded_size", "is_initialized",
                                            "unknown_fields_", "to_json",      "from_json"};
    return k;
}

std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

std::string safe_name(const std::string& n) {
    return cpp_keywords().count(n) != 0 ? n + "_" : n;
}

std::string suffixed(const std::string& name, const std::string& suffix) {
    return (!name.empty() && name.back() == '_' ? name : name + "_") + suffix;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    std::size_t pos = 0;
    while ((pos = s.find(from, pos)) != std::string::npos) {
        s.replace(pos, from.size(), to);
        pos += to.size();
    }
    return s;
}

std::string namespace_of(const gen_context& g, const FileDescriptor* f) {
    // package a.b.c -> a::b::c; a component that is a C++ keyword gets "_".
    std::string ns;
    std::istringstream parts(f->package());
    for (std::string part; std::getline(parts, part, '.');) {
        if (!ns.empty()) ns += "::";
        const bool keyword = cpp_keywords().count(part) != 0 && member_names().count(part) == 0;
        ns += keyword ? part + "_" : part;
    }
    if (g.opt.namespace_prefix.empty()) return ns;
    return ns.empty() ? g.opt.namespace_prefix : g.opt.namespace_prefix + "::" + ns;
}

std::string header_name(const std::string& proto) {
    std::string base = proto;
    if (base.size() > 6 && base.compare(base.size() - 6, 6, ".proto") == 0)
        base.resize(base.size() - 6);
    return base + ".h2pb.hpp";
}

/// `#include <h2pb/HEADER>`, or of the single header when there is one.
std::string h2pb_include_line(const gen_context& g, const std::string& header) {
    return "#include <" + (g.opt.single_header.empty() ? "h2pb/" + header : g.opt.single_header) +
           ">";
}

/// `#include "PREFIX/NAME.h2pb.hpp"` for a generated header.
std::string include_line(const gen_context& g, const std::string& header) {
    const std::string& p = g.opt.include_prefix;
    return "#include \"" + (p.empty() ? header : p + "/" + header) + "\"";
}

// ---------------------------------------------------------------- field kinds

bool is_proto3(const FileDescriptor* f) {
    return f->syntax() == FileDescriptor::SYNTAX_PROTO3;
}

/// libprotobuf 3.21: an enum field of a proto2 file is closed (unknown values
/// go to unknown fields); of a proto3 file open.
bool closed_enum(const FieldDescriptor* f) {
    return f->type() == FieldDescriptor::TYPE_ENUM && !is_proto3(f->file());
}

bool is_message(const FieldDescriptor* f) {
    return f->type() == FieldDescriptor::TYPE_MESSAGE || f->type() == FieldDescriptor::TYPE_GROUP;
}
bool is_group(const FieldDescriptor* f) {
    return f->type() == FieldDescriptor::TYPE_GROUP;
}
bool is_stringish(const FieldDescriptor* f) {
    return f->type() == FieldDescriptor::TYPE_STRING || f->type() == FieldDescriptor::TYPE_BYTES;
}
bool is_scalar(const FieldDescriptor* f) {
    return !is_message(f) && !is_stringish(f);
}
bool utf8_checked(const FieldDescriptor* f) {
    return f->type() == FieldDescriptor::TYPE_STRING && is_proto3(f->file());
}

/// proto::kind for a scalar field type.
std::string kind_of(const FieldDescriptor* f) {
    switch (f->type()) {
        case FieldDescriptor::TYPE_INT32:
            return "int32";
        case FieldDescriptor::TYPE_INT64:
            return "int64";
        case FieldDescriptor::TYPE_UINT32:
            return "uint32";
        case FieldDescriptor::TYPE_UINT64:
            return "uint64";
        case FieldDescriptor::TYPE_SINT32:
            return "sint32";
        case FieldDescriptor::TYPE_SINT64:
            return "sint64";
        case FieldDescriptor::TYPE_BOOL:
            return "bool_";
        case FieldDescriptor::TYPE_ENUM:
            return "enum_";
        case FieldDescriptor::TYPE_FIXED32:
            return "fixed32";
        case FieldDescriptor::TYPE_FIXED64:
            return "fixed64";
        case FieldDescriptor::TYPE_SFIXED32:
            return "sfixed32";
        case FieldDescriptor::TYPE_SFIXED64:
            return "sfixed64";
        case FieldDescriptor::TYPE_FLOAT:
            return "float_";
        case FieldDescriptor::TYPE_DOUBLE:
            return "double_";
        default:
            return "";
    }
}
std::string K(const FieldDescriptor* f) {
    return "::h2pb::proto::kind::" + kind_of(f);
}

/// Bytes a fixed-width scalar takes (0 for varints).
int fixed_width(const FieldDescriptor* f) {
    switch (f->type()) {
        case FieldDescriptor::TYPE_FIXED32:
        case FieldDescriptor::TYPE_SFIXED32:
        case FieldDescriptor::TYPE_FLOAT:
            return 4;
        case FieldDescriptor::TYPE_FIXED64:
        case FieldDescriptor::TYPE_SFIXED64:
        case FieldDescriptor::TYPE_DOUBLE:
            return 8;
        default:
            return 0;
    }
}

int wire_type_of(const FieldDescriptor* f) {
    switch (f->type()) {
        case FieldDescriptor::TYPE_STRING:
        case FieldDescriptor::TYPE_BYTES:
        case FieldDescriptor::TYPE_MESSAGE:
            return 2;
        case FieldDescriptor::TYPE_GROUP:
            return 3;
        default: {
            const int w = fixed_width(f);
            return w == 4 ? 5 : w == 8 ? 1 : 0;
        }
    }
}

std::uint32_t tag_of(int number, int wire_type) {
    return (static_cast<std::uint32_t>(number) << 3) | static_cast<std::uint32_t>(wire_type);
}
std::size_t varint_len(std::uint64_t v) {
    std::size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        ++n;
    }
    return n;
}

/// The C++ type of one element of the field.
std::string element_type(const gen_context& g, const FieldDescriptor* f) {
    switch (f->type()) {
        case FieldDescriptor::TYPE_INT32:
        case FieldDescriptor::TYPE_SINT32:
        case FieldDescriptor::TYPE_SFIXED32:
            return "std::int32_t";
        case FieldDescriptor::TYPE_INT64:
        case FieldDescriptor::TYPE_SINT64:
        case FieldDescriptor::TYPE_SFIXED64:
            return "std::int64_t";
        case FieldDescriptor::TYPE_UINT32:
        case FieldDescriptor::TYPE_FIXED32:
            return "std::uint32_t";
        case FieldDescriptor::TYPE_UINT64:
        case FieldDescriptor::TYPE_FIXED64:
            return "std::uint64_t";
        case FieldDescriptor::TYPE_BOOL:
            return "bool";
        case FieldDescriptor::TYPE_FLOAT:
            return "float";
        case FieldDescriptor::TYPE_DOUBLE:
            return "double";
        case FieldDescriptor::TYPE_STRING:
        case FieldDescriptor::TYPE_BYTES:
            return g.view_mode ? "std::string_view" : "std::string";
        case FieldDescriptor::TYPE_ENUM:
            return qualified(g, f->enum_type());
        case FieldDescriptor::TYPE_MESSAGE:
        case FieldDescriptor::TYPE_GROUP:
            return qualified(g, f->message_type());
    }
    return "void";
}

bool in_oneof(const FieldDescriptor* f) {
    return f->real_containing_oneof() != nullptr;
}
/// Singular scalar/string/enum with explicit presence (std::optional).
bool optional_value(const FieldDescriptor* f) {
    return !f->is_repeated() && !is_message(f) && !in_oneof(f) && f->has_presence();
}

std::string member_type(const gen_context& g, const FieldDescriptor* f) {
    if (f->is_map()) {
        const FieldDescriptor* k = f->message_type()->FindFieldByNumber(1);
        const FieldDescriptor* v = f->message_type()->FindFieldByNumber(2);
        return "::h2pb::proto::map_field<" + element_type(g, k) + ", " + element_type(g, v) + ">";
    }
    if (f->is_repeated()) return "std::vector<" + element_type(g, f) + ">";
    if (is_message(f)) return "::h2pb::proto::box<" + element_type(g, f) + ">";
    if (optional_value(f)) return "std::optional<" + element_type(g, f) + ">";
    return element_type(g, f);
}

// ---------------------------------------------------------------- literals

std::string int_literal(std::int64_t v, bool is64) {
    if (is64) {
        if (v == std::numeric_limits<std::int64_t>::min()) return "(-9223372036854775807LL - 1)";
        return "std::int64_t{" + std::to_string(v) + "LL}";
    }
    if (v == std::numeric_limits<std::int32_t>::min()) return "(-2147483647 - 1)";
    return std::to_string(v);
}

std::string float_literal(double v, bool is_float) {
    const std::string t = is_float ? "float" : "double";
    if (std::isnan(v)) return "std::numeric_limits<" + t + ">::quiet_NaN()";
    if (std::isinf(v))
        return std::string(v < 0 ? "-" : "") + "std::numeric_limits<" + t + ">::infinity()";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    std::string s = buf;
    if (s.find_first_of(".eE") == std::string::npos) s += ".0";
    return is_float ? "static_cast<float>(" + s + ")" : s;
}

std::string string_literal(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?') {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\%03o", c);
            out += buf;
        }
    }
    return out + "\"";
}

std::string enum_value_name(const pb::EnumValueDescriptor* v) {
    return safe_name(v->name());
}

/// The field's default value as a C++ expression of its element type.
std::string default_value(const gen_context& g, const FieldDescriptor* f) {
    switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32:
            return int_literal(f->default_value_int32(), false);
        case FieldDescriptor::CPPTYPE_INT64:
            return int_literal(f->default_value_int64(), true);
        case FieldDescriptor::CPPTYPE_UINT32:
            return std::to_string(f->default_value_uint32()) + "U";
        case FieldDescriptor::CPPTYPE_UINT64:
            return "std::uint64_t{" + std::to_string(f->default_value_uint64()) + "ULL}";
        case FieldDescriptor::CPPTYPE_FLOAT:
            return float_literal(f->default_value_float(), true);
        case FieldDescriptor::CPPTYPE_DOUBLE:
            return float_literal(f->default_value_double(), false);
        case FieldDescriptor::CPPTYPE_BOOL:
            return f->default_value_bool() ? "true" : "false";
        case FieldDescriptor::CPPTYPE_ENUM:
            return qualified(g, f->enum_type()) + "::" + enum_value_name(f->default_value_enum());
        case FieldDescriptor::CPPTYPE_STRING:
            return string_literal(f->default_value_string());
        default:
            return "{}";
    }
}

}  // namespace h2pb_gen
