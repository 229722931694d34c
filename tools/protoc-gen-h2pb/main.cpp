// protoc-gen-h2pb — the protoc plugin that turns .proto files into h2pb's
// header-only C++ (one `NAME.h2pb.hpp` per `NAME.proto`).
//
//   protoc --plugin=protoc-gen-h2pb=PATH --h2pb_out=OUT_DIR -I SRC SRC/foo.proto
//
// What it emits, per message, is a plain value struct (see
// docs/proto_codec.md for the full mapping):
//
//   proto3 scalar/string/enum      T                        (implicit presence)
//   proto3 `optional`, proto2      std::optional<T>         (explicit presence)
//   message (singular)             h2pb::proto::box<M>      (presence, recursion ok)
//   repeated                       std::vector<T>
//   map<K, V>                      h2pb::proto::map_field<K, V> (sorted by key)
//   oneof                          std::variant<std::monostate, ...>; message
//                                  members as h2pb::proto::heap<M>
//   enum                           enum class E : std::int32_t
//
// and the members that encode, decode and merge it with the primitives of
// proto_codec/ (decode.hpp, encode.hpp): one switch-on-tag parse loop, a size
// pass and a write pass.
//
// Every message also gets the protobuf JSON mapping (protobuf-docs/json.md):
// `bool to_json(json::json_writer&, const json::print_options&) const` and
// `bool from_json(json::json_reader&, const json::parse_options&)`, used
// through proto_codec/json.hpp (json::to_json(m), json::from_json(m, text)).
// Fields print in field-number order; keys are looked up by a generated
// switch on the key's length and one character; the well-known types get
// their special forms, Any through the registry of proto_codec/json_any.hpp.
// The code they share is proto_codec/json_codec.hpp. (Views get none.)
//
// With the parameter `services` (--h2pb_out=services:OUT_DIR, combinable:
// views,services) it also writes NAME.h2pb.grpc.hpp, always, even for a file
// without services; `services=only` writes that header alone. Per `service
// S` it holds a class S deriving from h2pb::rpc::asio::service
// (rpc/asio/service.hpp): S::M_method, a constexpr rpc::method_descriptor
// per method, S::M_request / S::M_response, S::method_descriptors (all of
// them), one virtual coroutine per method in the shape of its kind answering
// UNIMPLEMENTED until overridden, register_methods() adding each method bound
// to `this`, and S::stub<Channel>, a client whose methods forward to
// channel.template unary / server_streaming / client_streaming /
// bidi_streaming<Req, Resp>(descriptor, [request,] options).
//
// With the parameter `descriptors`, NAME.h2pb.hpp also embeds the file's
// serialized FileDescriptorProto as an h2pb::proto::embedded_file
// (proto_codec/embedded_file.hpp), each message gets `static constexpr
// const ::h2pb::proto::embedded_file* _h2pb_file()` pointing at it (what
// proto_codec/text.hpp builds its schema from), and each service class
// overrides proto_file() to point at it: server reflection
// (rpc/asio/reflection.hpp) serves these without parsing anything at run
// time. `include_prefix=DIR` makes the
// generated headers include each other as "DIR/NAME.h2pb.hpp" (what the
// checked-in rpc/generated/ headers use: DIR = h2pb/rpc/generated).
// `single_header=FILE` makes them include h2pb's single header FILE
// (h2pb.hpp, or h2pb_asio.hpp for services; scripts/amalgamate.py) instead
// of <h2pb/...> headers, for a program that has only that file.
#include <google/protobuf/compiler/code_generator.h>
#include <google/protobuf/compiler/plugin.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/io/printer.h>
#include <google/protobuf/io/zero_copy_stream.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "h2pb_tools_version.hpp"  // H2PB_TOOLS_VERSION, meson's project version

namespace {

namespace pb = google::protobuf;
using pb::Descriptor;
using pb::EnumDescriptor;
using pb::FieldDescriptor;
using pb::FileDescriptor;
using pb::OneofDescriptor;

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

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    std::size_t pos = 0;
    while ((pos = s.find(from, pos)) != std::string::npos) {
        s.replace(pos, from.size(), to);
        pos += to.size();
    }
    return s;
}

/// Extra outer namespace for every generated type (plugin parameter
/// `namespace=NAME`), so that h2pb's structs and libprotobuf's classes for the
/// same .proto can live in one program (the benchmarks and interop tests).
std::string& namespace_prefix() {
    static std::string prefix;
    return prefix;
}

std::string namespace_of(const FileDescriptor* f) {
    // package a.b.c -> a::b::c; a component that is a C++ keyword gets "_".
    std::string ns;
    std::istringstream parts(f->package());
    for (std::string part; std::getline(parts, part, '.');) {
        if (!ns.empty()) ns += "::";
        const bool keyword = cpp_keywords().count(part) != 0 && member_names().count(part) == 0;
        ns += keyword ? part + "_" : part;
    }
    if (namespace_prefix().empty()) return ns;
    return ns.empty() ? namespace_prefix() : namespace_prefix() + "::" + ns;
}

/// The flattened C++ name of a message or enum: Outer_Inner (as protoc's C++).
/// While true, the generator emits the view variant of each message
/// (plugin parameter `views`): Outer_Inner_view, string/bytes as
/// std::string_view into the decoded input, message fields as views.
bool& view_mode() {
    static bool v = false;
    return v;
}

/// Set while generating with the parameter `descriptors`: messages declare
/// _h2pb_file().
bool& descriptors_mode() {
    static bool v = false;
    return v;
}

template <class D>
std::string local_name(const D* d) {
    const std::string& pkg = d->file()->package();
    std::string rel = pkg.empty() ? d->full_name() : d->full_name().substr(pkg.size() + 1);
    rel = replace_all(rel, ".", "_");
    if constexpr (std::is_same_v<D, Descriptor>) {
        if (view_mode()) rel += "_view";
    }
    return rel;
}
template <class D>
std::string qualified(const D* d) {
    const std::string ns = namespace_of(d->file());
    return (ns.empty() ? "::" : "::" + ns + "::") + local_name(d);
}

std::string header_name(const std::string& proto) {
    std::string base = proto;
    if (base.size() > 6 && base.compare(base.size() - 6, 6, ".proto") == 0)
        base.resize(base.size() - 6);
    return base + ".h2pb.hpp";
}

/// Prepended to the path of every generated header that a generated header
/// includes (plugin parameter `include_prefix=DIR`): the headers checked in
/// under h2pb's rpc/generated/ include each other as
/// "h2pb/rpc/generated/grpc/health/v1/health.h2pb.hpp", a path that works
/// from the installed include tree, where the plain "grpc/health/v1/..."
/// would need one more -I.
std::string& include_prefix() {
    static std::string prefix;
    return prefix;
}

/// The single header that replaces the <h2pb/...> includes (plugin
/// parameter `single_header=FILE`); empty: include the headers themselves.
std::string& single_header() {
    static std::string file;
    return file;
}

/// `#include <h2pb/HEADER>`, or of the single header when there is one.
std::string h2pb_include_line(const std::string& header) {
    return "#include <" + (single_header().empty() ? "h2pb/" + header : single_header()) + ">";
}

/// `#include "PREFIX/NAME.h2pb.hpp"` for a generated header.
std::string include_line(const std::string& header) {
    const std::string& p = include_prefix();
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
std::string element_type(const FieldDescriptor* f) {
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
            return view_mode() ? "std::string_view" : "std::string";
        case FieldDescriptor::TYPE_ENUM:
            return qualified(f->enum_type());
        case FieldDescriptor::TYPE_MESSAGE:
        case FieldDescriptor::TYPE_GROUP:
            return qualified(f->message_type());
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

std::string member_type(const FieldDescriptor* f) {
    if (f->is_map()) {
        const FieldDescriptor* k = f->message_type()->FindFieldByNumber(1);
        const FieldDescriptor* v = f->message_type()->FindFieldByNumber(2);
        return "::h2pb::proto::map_field<" + element_type(k) + ", " + element_type(v) + ">";
    }
    if (f->is_repeated()) return "std::vector<" + element_type(f) + ">";
    if (is_message(f)) return "::h2pb::proto::box<" + element_type(f) + ">";
    if (optional_value(f)) return "std::optional<" + element_type(f) + ">";
    return element_type(f);
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
std::string default_value(const FieldDescriptor* f) {
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
            return qualified(f->enum_type()) + "::" + enum_value_name(f->default_value_enum());
        case FieldDescriptor::CPPTYPE_STRING:
            return string_literal(f->default_value_string());
        default:
            return "{}";
    }
}

// ---------------------------------------------------------------- output helper

/// The parts joined into one string, allocated once: for generated lines
/// assembled from many small pieces inside loops.
template <class... Parts>
std::string cat(const Parts&... parts) {
    std::string s;
    s.reserve((std::string_view(parts).size() + ...));
    (s.append(std::string_view(parts)), ...);
    return s;
}

class out_text {
  public:
    void line(const std::string& s = "") {
        if (!s.empty()) text_.append(static_cast<std::size_t>(indent_) * 4, ' ');
        text_ += s;
        text_ += '\n';
    }
    void in() { ++indent_; }
    void out() { --indent_; }
    /// The column where the next line starts.
    std::size_t column() const { return static_cast<std::size_t>(indent_) * 4; }
    const std::string& str() const { return text_; }

  private:
    std::string text_;
    int indent_ = 0;
};

// ---------------------------------------------------------------- descriptors
//
// With the parameter `descriptors`, NAME.h2pb.hpp ends with the file's
// proto::embedded_file (proto_codec/embedded_file.hpp): the serialized
// FileDescriptorProto as a string literal, the names of the symbols it
// defines, its extensions, and pointers to its imports' embedded_files
// (which their headers, included above, define: generate every file of a
// program with `descriptors`, or none). Then the definitions of the
// messages' _h2pb_file(), which point at it.

/// The file's path as a C++ identifier, injective: "_" -> "__", "/" -> "_S",
/// "." -> "_D", "-" -> "_M", another byte that is not [A-Za-z0-9] -> "_xHH".
std::string mangle_path(const std::string& path) {
    std::string out;
    for (unsigned char c : path) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            out += static_cast<char>(c);
        } else if (c == '_') {
            out += "__";
        } else if (c == '/') {
            out += "_S";
        } else if (c == '.') {
            out += "_D";
        } else if (c == '-') {
            out += "_M";
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "_x%02X", c);
            out += buf;
        }
    }
    // A path starting with a digit: no identifier starts with one.
    if (!out.empty() && out[0] >= '0' && out[0] <= '9') out = "_" + out;
    return out;
}

std::string descriptor_namespace() {
    return namespace_prefix().empty() ? "h2pb_files" : namespace_prefix() + "::h2pb_files";
}

/// "::h2pb_files::grpc_Shealth_Sv1_Shealth_Dproto"
std::string descriptor_variable(const FileDescriptor* f) {
    return "::" + descriptor_namespace() + "::" + mangle_path(f->name());
}

void collect_symbols(const Descriptor* d, std::vector<std::string>& out,
                     std::vector<const FieldDescriptor*>& extensions);

void collect_enum_symbols(const EnumDescriptor* e, std::vector<std::string>& out) {
    out.push_back(e->full_name());
    for (int i = 0; i < e->value_count(); ++i) out.push_back(e->value(i)->full_name());
}

void collect_symbols(const Descriptor* d, std::vector<std::string>& out,
                     std::vector<const FieldDescriptor*>& extensions) {
    out.push_back(d->full_name());
    for (int i = 0; i < d->field_count(); ++i) out.push_back(d->field(i)->full_name());
    for (int i = 0; i < d->oneof_decl_count(); ++i) out.push_back(d->oneof_decl(i)->full_name());
    for (int i = 0; i < d->enum_type_count(); ++i) collect_enum_symbols(d->enum_type(i), out);
    for (int i = 0; i < d->nested_type_count(); ++i)
        collect_symbols(d->nested_type(i), out, extensions);
    for (int i = 0; i < d->extension_count(); ++i) {
        out.push_back(d->extension(i)->full_name());
        extensions.push_back(d->extension(i));
    }
}

/// A string literal of any bytes, cut into pieces of about `width` columns
/// (adjacent literals concatenate), each on its own line.
std::vector<std::string> bytes_literal_lines(const std::string& bytes, std::size_t width) {
    std::vector<std::string> lines;
    std::string cur = "\"";
    for (unsigned char c : bytes) {
        std::string piece;
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?') {
            piece = std::string(1, static_cast<char>(c));
        } else {
            // Always three octal digits: an octal escape ends after three,
            // so a following digit cannot be read into it (a hex escape
            // would swallow it).
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\%03o", c);
            piece = buf;
        }
        if (cur.size() + piece.size() + 1 > width) {
            lines.push_back(cur + "\"");
            cur = "\"";
        }
        cur += piece;
    }
    lines.push_back(cur + "\"");
    return lines;
}

void emit_descriptor(const FileDescriptor* file, out_text& o) {
    pb::FileDescriptorProto proto;
    file->CopyTo(&proto);  // no source_code_info: as grpc's reflection sends it
    std::string bytes;
    proto.SerializeToString(&bytes);

    std::vector<std::string> symbols;
    std::vector<const FieldDescriptor*> extensions;
    for (int i = 0; i < file->message_type_count(); ++i)
        collect_symbols(file->message_type(i), symbols, extensions);
    for (int i = 0; i < file->enum_type_count(); ++i)
        collect_enum_symbols(file->enum_type(i), symbols);
    for (int i = 0; i < file->extension_count(); ++i) {
        symbols.push_back(file->extension(i)->full_name());
        extensions.push_back(file->extension(i));
    }
    for (int i = 0; i < file->service_count(); ++i) {
        const pb::ServiceDescriptor* s = file->service(i);
        symbols.push_back(s->full_name());
        for (int j = 0; j < s->method_count(); ++j) symbols.push_back(s->method(j)->full_name());
    }

    const std::string var = mangle_path(file->name());
    o.line();
    o.line(
        "// ---- the file's descriptor, for reflection and text format "
        "(proto_codec/embedded_file.hpp) ----");
    o.line("// clang-format off");
    o.line("#include <array>");
    o.line("#include <string_view>");
    o.line();
    o.line("namespace " + descriptor_namespace() + " {");
    o.line("inline constexpr std::array<std::string_view, " + std::to_string(symbols.size()) +
           "> " + var + "_symbols = {");
    for (const std::string& sym : symbols) o.line("    " + string_literal(sym) + ",");
    o.line("};");
    o.line("inline constexpr std::array<::h2pb::proto::extension_number, " +
           std::to_string(extensions.size()) + "> " + var + "_extensions = {{");
    for (const FieldDescriptor* e : extensions)
        o.line("    {" + string_literal(e->containing_type()->full_name()) + ", " +
               std::to_string(e->number()) + "},");
    o.line("}};");
    o.line("inline constexpr std::array<const ::h2pb::proto::embedded_file*, " +
           std::to_string(file->dependency_count()) + "> " + var + "_dependencies = {");
    for (int i = 0; i < file->dependency_count(); ++i)
        o.line("    &" + descriptor_variable(file->dependency(i)) + ",");
    o.line("};");
    o.line("/// " + file->name() + ": its serialized google.protobuf.FileDescriptorProto (" +
           std::to_string(bytes.size()) + " bytes) and what it defines.");
    o.line("inline constexpr ::h2pb::proto::embedded_file " + var + "{");
    o.line("    " + string_literal(file->name()) + ",");
    o.line("    " + string_literal(file->package()) + ",");
    o.line("    std::string_view(");
    for (const std::string& l : bytes_literal_lines(bytes, 92)) o.line("        " + l);
    o.line("        , " + std::to_string(bytes.size()) + "),");
    o.line("    " + var + "_dependencies,");
    o.line("    " + var + "_symbols,");
    o.line("    " + var + "_extensions,");
    o.line("};");
    o.line("}  // namespace " + descriptor_namespace());
    o.line("// clang-format on");
}

// ---------------------------------------------------------------- services
//
// With the parameter `services`, NAME.h2pb.grpc.hpp holds, per `service S`,
// a class S deriving from h2pb::rpc::asio::service (rpc/asio/service.hpp):
// a method_descriptor per method, a virtual coroutine per method answering
// UNIMPLEMENTED until overridden, register_methods(), and a client stub
// template S::stub<Channel> that forwards each method to the channel.
//
// The header is laid out as clang-format (the repository's .clang-format:
// Google style, 100 columns) would lay it out, so that formatting a tree
// leaves it alone; tests/rpc checks it with clang-format. The few layouts
// emulated below cover ordinary names; a construct that fits none of them
// (a name of 60 characters, say) is written between `// clang-format off`
// and `// clang-format on` instead.

/// .clang-format's ColumnLimit.
constexpr std::size_t column_limit = 100;

/// Greedily packs `items` (joined by ", ", the last followed by `tail`) after
/// `first` (text starting at column `first_col`), continuing on lines that
/// start at `base_col` with the spaces that bring them to `cont_col`.
/// Empty if a line overflows.
std::vector<std::string> pack(std::size_t base_col, std::size_t first_col, const std::string& first,
                              std::size_t cont_col, const std::vector<std::string>& items,
                              const std::string& tail) {
    std::vector<std::string> lines;
    std::string cur = first;
    std::size_t cur_col = first_col;  // where `cur` starts
    bool cur_has_item = false;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string piece = items[i] + (i + 1 == items.size() ? tail : ",");
        if (cur_has_item && cur_col + cur.size() + 1 + piece.size() > column_limit) {
            lines.push_back(cur);
            cur = std::string(cont_col - base_col, ' ');
            cur_col = base_col;
            cur_has_item = false;
        }
        if (cur_has_item) cur += ' ';
        cur += piece;
        cur_has_item = true;
    }
    if (items.empty()) cur += tail;
    lines.push_back(cur);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::size_t col = i == 0 ? first_col : base_col;
        if (col + lines[i].size() > column_limit) return {};
    }
    return lines;
}

/// `head` items `tail` (head ends with the opening bracket, tail starts with
/// the closing one) as clang-format lays out a call, a declaration or a
/// braced initializer at column `col`: on one line if it fits; else packed
/// aligned after the bracket or packed on the next lines indented 4 more
/// (ContinuationIndentWidth), whichever takes fewer lines, aligned on a tie
/// (each line break costs the same penalty; breaking right after the bracket
/// costs one more). Empty when neither fits.
std::vector<std::string> layout(std::size_t col, const std::string& head,
                                const std::vector<std::string>& items, const std::string& tail) {
    std::string one = head;
    for (std::size_t i = 0; i < items.size(); ++i) one += (i == 0 ? "" : ", ") + items[i];
    one += tail;
    if (col + one.size() <= column_limit) return {one};
    if (items.empty()) return {};
    std::vector<std::string> aligned = pack(col, col, head, col + head.size(), items, tail);
    std::vector<std::string> broken;
    if (col + head.size() <= column_limit) {
        broken = pack(col, col, std::string(4, ' '), col + 4, items, tail);
        if (!broken.empty()) broken.insert(broken.begin(), head);
    }
    if (aligned.empty()) return broken;
    if (broken.empty() || aligned.size() <= broken.size()) return aligned;
    return broken;
}

/// Emits `lines`; when empty (no emulated layout fits), `fallback` between
/// clang-format off/on.
void emit_layout(out_text& o, const std::vector<std::string>& lines,
                 const std::vector<std::string>& fallback) {
    if (!lines.empty()) {
        for (const std::string& l : lines) o.line(l);
        return;
    }
    o.line("// clang-format off");
    for (const std::string& l : fallback) o.line(l);
    o.line("// clang-format on");
}

/// `head items tail` with one item per line: the fallback layout.
std::vector<std::string> one_per_line(const std::string& head,
                                      const std::vector<std::string>& items,
                                      const std::string& tail) {
    std::vector<std::string> v{head};
    for (std::size_t i = 0; i < items.size(); ++i)
        v.push_back("    " + items[i] + (i + 1 == items.size() ? tail : ","));
    if (items.empty()) v.front() += tail;
    return v;
}

/// `lhs = rhs;` (a using-declaration, a variable): on one line, or broken
/// after the `=` with the right side indented 4 more.
void emit_assignment(out_text& o, const std::string& lhs, const std::string& rhs) {
    const std::string one = lhs + " = " + rhs + ";";
    if (o.column() + one.size() <= column_limit) {
        o.line(one);
    } else if (o.column() + lhs.size() + 2 <= column_limit &&
               o.column() + 4 + rhs.size() + 1 <= column_limit) {
        o.line(lhs + " =");
        o.line("    " + rhs + ";");
    } else {
        emit_layout(o, {}, {lhs + " =", "    " + rhs + ";"});
    }
}

/// A member function `head params) {` whose body is the one statement
/// `body`: on one line when it all fits (AllowShortFunctionsOnASingleLine:
/// Inline), else the declaration laid out and the body below.
void emit_function(out_text& o, const std::string& head, const std::vector<std::string>& params,
                   const std::string& body) {
    std::string one = head;
    for (std::size_t i = 0; i < params.size(); ++i) one += (i == 0 ? "" : ", ") + params[i];
    one += ") { " + body + " }";
    if (o.column() + one.size() <= column_limit) {
        o.line(one);
        return;
    }
    emit_layout(o, layout(o.column(), head, params, ") {"), one_per_line(head, params, ") {"));
    o.line("    " + body);
    o.line("}");
}

std::string grpc_header_name(const std::string& proto) {
    std::string h = header_name(proto);  // NAME.h2pb.hpp
    return h.substr(0, h.size() - 4) + ".grpc.hpp";
}

/// The names the generated service class declares besides its methods'.
const std::set<std::string>& service_member_names() {
    static const std::set<std::string> k = {
        "awaitable",
        "result",
        "server_reader",
        "server_writer",
        "status",
        "status_code",
        "server_context",
        "method_table",
        "method_descriptor",
        "method_kind",
        "service_full_name",
        "method_descriptors",
        "service_name",
        "register_methods",
        "stub",
        "channel",
        "channel_",
        "service",
        "call_options",
        "proto_file",
    };
    return k;
}

struct method_names {
    const pb::MethodDescriptor* m;
    std::string fn;        ///< the member function (escaped)
    std::string request;   ///< M_request
    std::string response;  ///< M_response
    std::string method;    ///< M_method, the descriptor
    std::string kind;      ///< the method_kind enumerator
};

/// "server_streaming" -> "server streaming" (rpc::name(method_kind)).
std::string name_of_kind(const std::string& kind) {
    return replace_all(kind, "_", " ");
}

std::string method_kind_of(const pb::MethodDescriptor* m) {
    if (m->client_streaming()) return m->server_streaming() ? "bidi_streaming" : "client_streaming";
    return m->server_streaming() ? "server_streaming" : "unary";
}

/// The C++ names of a service's methods. A method's function is its name,
/// escaped like a field (C++ keywords and common macros get "_") and again
/// while it collides with a member of the class, the class itself, or
/// another method's function or M_request/M_response/M_method (which cannot
/// collide with each other: their suffixes differ).
std::vector<method_names> names_of(const pb::ServiceDescriptor* s, const std::string& class_name) {
    std::set<std::string> taken = service_member_names();
    taken.insert(class_name);
    std::vector<method_names> v;
    for (int i = 0; i < s->method_count(); ++i) {
        const pb::MethodDescriptor* m = s->method(i);
        v.push_back({m, "", m->name() + "_request", m->name() + "_response", m->name() + "_method",
                     method_kind_of(m)});
        taken.insert(v.back().request);
        taken.insert(v.back().response);
        taken.insert(v.back().method);
    }
    for (method_names& n : v) {
        n.fn = safe_name(n.m->name());
        while (taken.count(n.fn) != 0) n.fn += "_";
        taken.insert(n.fn);
    }
    return v;
}

/// The names a file's messages and enums take in its namespace (with the
/// helpers generated beside them), which a service's class must not take.
void collect_type_names(const Descriptor* d, std::set<std::string>& out) {
    out.insert(local_name(d));
    out.insert(local_name(d) + "_view");
    for (int i = 0; i < d->enum_type_count(); ++i) {
        const std::string e = local_name(d->enum_type(i));
        out.insert({e, e + "_is_known", e + "_name", e + "_from_name"});
    }
    for (int i = 0; i < d->nested_type_count(); ++i) collect_type_names(d->nested_type(i), out);
}

void emit_service(const pb::ServiceDescriptor* s, const std::string& class_name,
                  const std::string& descriptor_var, out_text& o) {
    const std::vector<method_names> methods = names_of(s, class_name);
    o.line("/// service " + s->full_name());
    o.line("///");
    o.line("/// Derive from it and override the methods served; the others answer UNIMPLEMENTED.");
    o.line("/// register_methods() binds the methods to this object, which must outlive the");
    o.line("/// method_table (and the server using it).");
    o.line("class " + class_name + " : public ::h2pb::rpc::asio::service {");
    o.line("  public:");
    o.in();
    o.line("// The names the methods' signatures use (see rpc/asio/service.hpp).");
    o.line("template <class T>");
    o.line("using awaitable = ::h2pb::rpc::asio::awaitable<T>;");
    o.line("template <class T>");
    o.line("using result = ::h2pb::rpc::result<T>;");
    o.line("template <class T>");
    o.line("using server_reader = ::h2pb::rpc::asio::server_reader<T>;");
    o.line("template <class T>");
    o.line("using server_writer = ::h2pb::rpc::asio::server_writer<T>;");
    o.line("using status = ::h2pb::rpc::status;");
    o.line("using status_code = ::h2pb::rpc::status_code;");
    o.line("using server_context = ::h2pb::rpc::asio::server_context;");
    o.line("using method_table = ::h2pb::rpc::asio::method_table;");
    o.line("using method_descriptor = ::h2pb::rpc::method_descriptor;");
    o.line("using method_kind = ::h2pb::rpc::method_kind;");
    o.line();
    emit_assignment(o, "static constexpr std::string_view service_full_name",
                    string_literal(s->full_name()));
    for (const method_names& n : methods) {
        const pb::MethodDescriptor* m = n.m;
        o.line();
        o.line(cat("/// rpc ", m->name(), "(", m->client_streaming() ? "stream " : "",
                   m->input_type()->full_name(), ")"));
        o.line(cat("///     returns (", m->server_streaming() ? "stream " : "",
                   m->output_type()->full_name(), ")"));
        emit_assignment(o, "using " + n.request, qualified(m->input_type()));
        emit_assignment(o, "using " + n.response, qualified(m->output_type()));
        const std::string head = "static constexpr method_descriptor " + n.method + "{";
        const std::vector<std::string> items = {
            string_literal("/" + s->full_name() + "/" + m->name()), "service_full_name",
            string_literal(m->name()), "method_kind::" + n.kind};
        emit_layout(o, layout(o.column(), head, items, "};"), one_per_line(head, items, "};"));
    }
    o.line();
    o.line("/// Every method, in .proto order.");
    const std::string arr = "static constexpr std::array<method_descriptor, " +
                            std::to_string(methods.size()) + "> method_descriptors = {";
    if (methods.empty()) {
        o.line(arr + "};");
    } else {
        // One per line: the comments keep clang-format from laying the list
        // out in columns; they line up as AlignTrailingComments wants.
        std::size_t width = 0;
        for (const method_names& n : methods) width = std::max(width, n.method.size() + 1);
        o.line(arr);
        for (const method_names& n : methods) {
            const std::string item = n.method + ",";
            o.line("    " + item + std::string(width - item.size() + 2, ' ') + "// " +
                   std::string(name_of_kind(n.kind)));
        }
        o.line("};");
    }
    o.line();
    o.line("std::string_view service_name() const noexcept override { return service_full_name; }");
    if (!descriptor_var.empty()) {
        // Server reflection finds the service's .proto file here (parameter
        // `descriptors`; proto_codec/embedded_file.hpp).
        const std::string head =
            "const ::h2pb::proto::embedded_file* proto_file() const noexcept override {";
        const std::string body = "return &" + descriptor_var + ";";
        if (o.column() + head.size() + 1 + body.size() + 2 <= column_limit) {
            o.line(head + " " + body + " }");
        } else {
            o.line(head);
            o.line("    " + body);
            o.line("}");
        }
    }
    for (const method_names& n : methods) {
        o.line();
        const std::string& req = n.request;
        const std::string& resp = n.response;
        std::vector<std::string> params;
        std::string ret;
        if (n.kind == "unary") {
            ret = "awaitable<result<" + resp + ">>";
            params = {"const " + req + "& /*request*/", "server_context& /*context*/"};
        } else if (n.kind == "server_streaming") {
            ret = "awaitable<status>";
            params = {"const " + req + "& /*request*/", "server_writer<" + resp + ">& /*writer*/",
                      "server_context& /*context*/"};
        } else if (n.kind == "client_streaming") {
            ret = "awaitable<result<" + resp + ">>";
            params = {"server_reader<" + req + ">& /*reader*/", "server_context& /*context*/"};
        } else {
            ret = "awaitable<status>";
            params = {"server_reader<" + req + ">& /*reader*/",
                      "server_writer<" + resp + ">& /*writer*/", "server_context& /*context*/"};
        }
        emit_function(o, "virtual " + ret + " " + n.fn + "(", params,
                      "co_return status{status_code::unimplemented};");
    }
    o.line();
    o.line(methods.empty() ? "void register_methods(method_table& /*t*/) override {}"
                           : "void register_methods(method_table& t) override {");
    if (!methods.empty()) {
        o.in();
        for (const method_names& n : methods) {
            const std::string head = "t.add_" + n.kind + "<" + n.request + ", " + n.response + ">(";
            const std::vector<std::string> items = {n.method, "this",
                                                    "&" + class_name + "::" + n.fn};
            emit_layout(o, layout(o.column(), head, items, ");"), one_per_line(head, items, ");"));
        }
        o.out();
        o.line("}");
    }
    o.line();
    o.line("/// The client side: each method forwards to `Channel`'s call template of its");
    o.line("/// kind (unary, server_streaming, client_streaming, bidi_streaming) with its");
    o.line("/// descriptor and a Channel::call_options. Instantiated only when used.");
    o.line("template <class Channel>");
    o.line("class stub {");
    o.line("  public:");
    o.in();
    o.line("using call_options = typename Channel::call_options;");
    o.line();
    o.line("explicit stub(Channel& channel) noexcept : channel_(&channel) {}");
    o.line("Channel& channel() const noexcept { return *channel_; }");
    for (const method_names& n : methods) {
        o.line();
        const bool one_request = n.kind == "unary" || n.kind == "server_streaming";
        std::vector<std::string> params;
        if (one_request) params.push_back("const " + n.request + "& request");
        params.push_back("call_options options = {}");
        const std::string head = "auto " + n.fn + "(";
        std::string one = head;
        for (std::size_t i = 0; i < params.size(); ++i) one += (i == 0 ? "" : ", ") + params[i];
        const std::string call_head =
            "return channel_->template " + n.kind + "<" + n.request + ", " + n.response + ">(";
        std::vector<std::string> args = {n.method};
        if (one_request) args.push_back("request");
        args.push_back("options");
        std::string call = call_head;
        for (std::size_t i = 0; i < args.size(); ++i) call += (i == 0 ? "" : ", ") + args[i];
        call += ");";
        if (o.column() + one.size() + 4 + call.size() + 2 <= column_limit) {
            o.line(one + ") { " + call + " }");
            continue;
        }
        emit_layout(o, layout(o.column(), head, params, ") {"), one_per_line(head, params, ") {"));
        o.in();
        std::vector<std::string> lines = layout(o.column(), call_head, args, ");");
        if (lines.empty()) {
            // clang-format's way with a long `a->template f<...>(`: break
            // before the `->`, the arguments another 4 further in.
            const std::string tail_head =
                "->template " + n.kind + "<" + n.request + ", " + n.response + ">(";
            const std::vector<std::string> rest = layout(o.column() + 4, tail_head, args, ");");
            if (!rest.empty()) {
                lines.push_back("return channel_");
                for (const std::string& l : rest) lines.push_back("    " + l);
            }
        }
        emit_layout(o, lines, one_per_line(call_head, args, ");"));
        o.out();
        o.line("}");
    }
    o.out();
    o.line();
    o.line("  private:");
    o.line("    Channel* channel_;");
    o.line("};");
    o.out();
    o.line("};");
    o.line();
}

/// NAME.h2pb.grpc.hpp: every service of `file` (none: the includes only, so
/// that a build rule can always expect the file).
void emit_services_file(const FileDescriptor* file, out_text& o, bool descriptors) {
    o.line("// Generated by protoc-gen-h2pb (parameter services). Do not edit.");
    o.line("// From:     " + file->name());
    o.line("// Messages: " + header_name(file->name()) + " (generate both)");
    o.line("// How a service runs: h2pb/rpc/asio/service.hpp");
    o.line("#pragma once");
    o.line();
    o.line("#include <array>");
    o.line("#include <functional>");
    o.line("#include <string_view>");
    o.line();
    o.line(h2pb_include_line("rpc/asio/service.hpp"));
    o.line();
    o.line(include_line(header_name(file->name())));
    if (file->service_count() == 0) return;
    std::set<std::string> taken;
    for (int i = 0; i < file->message_type_count(); ++i)
        collect_type_names(file->message_type(i), taken);
    for (int i = 0; i < file->enum_type_count(); ++i) {
        const std::string e = local_name(file->enum_type(i));
        taken.insert({e, e + "_is_known", e + "_name"});
    }
    std::vector<std::string> class_names;
    for (int i = 0; i < file->service_count(); ++i) {
        std::string n = safe_name(file->service(i)->name());
        while (taken.count(n) != 0) n += "_";
        taken.insert(n);
        class_names.push_back(n);
    }
    o.line();
    const std::string ns = namespace_of(file);
    if (!ns.empty()) {
        o.line("namespace " + ns + " {");
        o.line();
    }
    for (int i = 0; i < file->service_count(); ++i)
        emit_service(file->service(i), class_names[static_cast<std::size_t>(i)],
                     descriptors ? descriptor_variable(file) : std::string(), o);
    if (!ns.empty()) o.line("}  // namespace " + ns);
}

// ---------------------------------------------------------------- the generator

class generator final : public pb::compiler::CodeGenerator {
  public:
    std::uint64_t GetSupportedFeatures() const override { return FEATURE_PROTO3_OPTIONAL; }

    bool Generate(const FileDescriptor* file, const std::string& parameter,
                  pb::compiler::GeneratorContext* context, std::string* error) const override {
        // Parameters: comma-separated key=value (--h2pb_out=namespace=x,views,services:OUT_DIR).
        bool views = false;
        bool services = false;
        bool messages = true;
        bool descriptors = false;
        std::istringstream params(parameter);
        for (std::string kv; std::getline(params, kv, ',');) {
            if (kv.empty()) continue;
            const auto eq = kv.find('=');
            const std::string key = kv.substr(0, eq);
            const std::string value = eq == std::string::npos ? "" : kv.substr(eq + 1);
            if (key == "namespace") {
                namespace_prefix() = replace_all(value, ".", "::");
            } else if (key == "views") {
                views = value.empty() || value == "true";
            } else if (key == "include_prefix") {
                include_prefix() = value;
                while (!include_prefix().empty() && include_prefix().back() == '/')
                    include_prefix().pop_back();
            } else if (key == "single_header") {
                single_header() = value;
            } else if (key == "descriptors") {
                descriptors = value.empty() || value == "true";
            } else if (key == "services") {
                // `services=only`: the services header alone, for a build
                // that makes the messages header with another rule.
                services = value.empty() || value == "true" || value == "only";
                messages = value != "only";
            } else {
                *error = "protoc-gen-h2pb: unknown parameter '" + key +
                         "' (known: namespace=NAME, views, services, services=only, descriptors, "
                         "include_prefix=DIR, single_header=FILE)";
                return false;
            }
        }
        if (messages) {
            out_text o;
            descriptors_mode() = descriptors;
            emit_file(file, views, o);
            if (descriptors) {
                emit_descriptor(file, o);
                emit_file_accessors(file, o);
            }
            std::unique_ptr<pb::io::ZeroCopyOutputStream> stream(
                context->Open(header_name(file->name())));
            pb::io::Printer printer(stream.get(), '$');
            printer.PrintRaw(o.str());
        }
        if (services) {
            out_text so;
            emit_services_file(file, so, descriptors);
            std::unique_ptr<pb::io::ZeroCopyOutputStream> sstream(
                context->Open(grpc_header_name(file->name())));
            pb::io::Printer sprinter(sstream.get(), '$');
            sprinter.PrintRaw(so.str());
        }
        return true;
    }

  private:
    // ---- descriptors

    /// After the embedded_file (emit_descriptor): each message's
    /// _h2pb_file(), defined out of class because the variable it points at
    /// comes after the structs.
    static void emit_file_accessors(const FileDescriptor* file, out_text& o) {
        std::vector<const Descriptor*> msgs;
        std::vector<const EnumDescriptor*> enums;
        for (int i = 0; i < file->message_type_count(); ++i)
            collect(file->message_type(i), msgs, enums);
        if (msgs.empty()) return;
        o.line();
        o.line("// clang-format off");
        for (const Descriptor* d : msgs)
            o.line("constexpr const ::h2pb::proto::embedded_file* " + qualified(d) +
                   "::_h2pb_file() noexcept { return &" + descriptor_variable(file) + "; }");
        o.line("// clang-format on");
    }

    // ---- collection

    static void collect(const Descriptor* d, std::vector<const Descriptor*>& msgs,
                        std::vector<const EnumDescriptor*>& enums) {
        for (int i = 0; i < d->enum_type_count(); ++i) enums.push_back(d->enum_type(i));
        for (int i = 0; i < d->nested_type_count(); ++i) {
            const Descriptor* n = d->nested_type(i);
            if (n->options().map_entry()) continue;  // maps become map_field
            collect(n, msgs, enums);
        }
        msgs.push_back(d);
    }

    static std::vector<const FieldDescriptor*> fields_by_number(const Descriptor* d) {
        std::vector<const FieldDescriptor*> v;
        v.reserve(static_cast<std::size_t>(d->field_count()));
        for (int i = 0; i < d->field_count(); ++i) v.push_back(d->field(i));
        std::sort(v.begin(), v.end(), [](auto* a, auto* b) { return a->number() < b->number(); });
        return v;
    }

    /// Whether d (or any message it contains) has required fields.
    static bool needs_init_check(const Descriptor* d, std::map<const Descriptor*, int>& memo) {
        auto it = memo.find(d);
        if (it != memo.end()) return it->second == 1;
        memo[d] = 0;  // cycles: assume no until proven
        bool r = false;
        for (int i = 0; i < d->field_count() && !r; ++i) {
            const FieldDescriptor* f = d->field(i);
            if (f->is_required()) r = true;
            if (is_message(f) && needs_init_check(f->message_type(), memo)) r = true;
        }
        memo[d] = r ? 1 : 0;
        return r;
    }

    // ---- file

    void emit_file(const FileDescriptor* file, bool views, out_text& o) const {
        std::vector<const Descriptor*> msgs;
        std::vector<const EnumDescriptor*> enums;
        enums.reserve(static_cast<std::size_t>(file->enum_type_count()));
        for (int i = 0; i < file->enum_type_count(); ++i) enums.push_back(file->enum_type(i));
        for (int i = 0; i < file->message_type_count(); ++i)
            collect(file->message_type(i), msgs, enums);

        o.line("// Generated by protoc-gen-h2pb from " + file->name() + ". Do not edit.");
        o.line("// The encoding rules are in h2pb/proto_codec/ (decode.hpp, encode.hpp).");
        o.line("#pragma once");
        o.line();
        o.line("#include <cstdint>");
        o.line("#include <limits>");
        o.line("#include <optional>");
        o.line("#include <string>");
        o.line("#include <variant>");
        o.line("#include <vector>");
        o.line();
        if (single_header().empty()) {
            if (descriptors_mode()) o.line(h2pb_include_line("proto_codec/embedded_file.hpp"));
            o.line(h2pb_include_line("proto_codec/json_codec.hpp"));
            o.line(h2pb_include_line("proto_codec/runtime.hpp"));
        } else {
            o.line(h2pb_include_line(""));
        }
        for (int i = 0; i < file->dependency_count(); ++i) {
            o.line(include_line(header_name(file->dependency(i)->name())));
        }
        o.line();
        const std::string ns = namespace_of(file);
        if (!ns.empty()) o.line("namespace " + ns + " {");
        o.line();
        for (const EnumDescriptor* e : enums) emit_enum(e, o);
        for (const Descriptor* d : msgs) o.line("struct " + local_name(d) + ";");
        o.line();
        std::map<const Descriptor*, int> memo;
        for (const Descriptor* d : msgs) emit_struct(d, o);
        for (const Descriptor* d : msgs) emit_functions(d, o, memo);
        for (const Descriptor* d : msgs) emit_json(d, o);
        if (views) {
            // The same messages again as views: string and bytes fields are
            // std::string_view into the bytes given to decode(), which must
            // outlive the view. Decoding copies nothing but unknown fields.
            view_mode() = true;
            o.line("// ---- views: string/bytes fields point into the decoded input ----");
            o.line();
            for (const Descriptor* d : msgs) o.line("struct " + local_name(d) + ";");
            o.line();
            for (const Descriptor* d : msgs) emit_struct(d, o);
            for (const Descriptor* d : msgs) emit_functions(d, o, memo);
            view_mode() = false;
        }
        if (!ns.empty()) o.line("}  // namespace " + ns);
    }

    void emit_enum(const EnumDescriptor* e, out_text& o) const {
        const std::string name = local_name(e);
        o.line("enum class " + name + " : std::int32_t {");
        o.in();
        for (int i = 0; i < e->value_count(); ++i) {
            const auto* v = e->value(i);
            o.line(enum_value_name(v) + " = " + int_literal(v->number(), false) + ",");
        }
        o.out();
        o.line("};");
        o.line("/// Whether v is one of " + e->full_name() +
               "'s values (a closed enum keeps others as unknown fields).");
        o.line("constexpr bool " + name + "_is_known(std::int32_t v) noexcept {");
        o.in();
        o.line("switch (v) {");
        o.in();
        std::set<int> seen;
        for (int i = 0; i < e->value_count(); ++i) {
            if (seen.insert(e->value(i)->number()).second)
                o.line("case " + int_literal(e->value(i)->number(), false) + ":");
        }
        o.line("    return true;");
        o.line("default:");
        o.line("    return false;");
        o.out();
        o.line("}");
        o.out();
        o.line("}");
        o.line("/// The name of a value of " + e->full_name() + " (\"\" if unknown).");
        o.line("constexpr const char* " + name + "_name(" + name + " v) noexcept {");
        o.in();
        o.line("switch (static_cast<std::int32_t>(v)) {");
        o.in();
        seen.clear();
        for (int i = 0; i < e->value_count(); ++i) {
            if (seen.insert(e->value(i)->number()).second) {
                o.line("case " + int_literal(e->value(i)->number(), false) + ": return \"" +
                       e->value(i)->name() + "\";");
            }
        }
        o.line("default: return \"\";");
        o.out();
        o.line("}");
        o.out();
        o.line("}");
        emit_enum_from_name(e, o);
        o.line();
    }

    // ---- struct definition

    static std::string oneof_type(const OneofDescriptor* od) {
        std::string t = "std::variant<std::monostate";
        for (int i = 0; i < od->field_count(); ++i) {
            const FieldDescriptor* f = od->field(i);
            t += ", ";
            t += is_message(f) ? "::h2pb::proto::heap<" + element_type(f) + ">" : element_type(f);
        }
        return t + ">";
    }

    void emit_struct(const Descriptor* d, out_text& o) const {
        const std::string name = local_name(d);
        o.line("/// " + d->full_name());
        o.line("struct " + name + " {");
        o.in();
        for (int i = 0; i < d->nested_type_count(); ++i) {
            const Descriptor* n = d->nested_type(i);
            if (n->options().map_entry()) continue;
            o.line("using " + safe_name(n->name()) + " = " + local_name(n) + ";");
        }
        for (int i = 0; i < d->enum_type_count(); ++i) {
            o.line("using " + safe_name(d->enum_type(i)->name()) + " = " +
                   local_name(d->enum_type(i)) + ";");
        }
        for (const FieldDescriptor* f : fields_by_number(d)) {
            if (in_oneof(f)) continue;
            std::string init;
            if (!f->is_repeated() && !is_message(f) && !optional_value(f)) {
                if (f->type() == FieldDescriptor::TYPE_ENUM) {
                    init = " = " + default_value(f);
                } else if (!is_stringish(f)) {
                    init = "{}";
                }
            }
            o.line(member_type(f) + " " + safe_name(f->name()) + init + ";  // " +
                   std::to_string(f->number()));
        }
        for (int i = 0; i < d->real_oneof_decl_count(); ++i) {
            const OneofDescriptor* od = d->oneof_decl(i);
            std::string comment = "/// oneof " + od->name() + ": index 0 = none";
            for (int j = 0; j < od->field_count(); ++j) {
                comment += ", " + std::to_string(j + 1) + " = " + od->field(j)->name();
            }
            o.line(comment);
            o.line(oneof_type(od) + " " + safe_name(od->name()) + ";");
            for (int j = 0; j < od->field_count(); ++j) {
                o.line("static constexpr std::size_t " + safe_name(od->field(j)->name()) +
                       "_index = " + std::to_string(j + 1) + ";");
            }
        }
        o.line("::h2pb::proto::unknown_fields unknown_fields_;");
        o.line();
        // defaults getters for explicit-presence scalars
        for (const FieldDescriptor* f : fields_by_number(d)) {
            if (!optional_value(f)) continue;
            const std::string n = "this->" + safe_name(f->name());
            if (is_stringish(f)) {
                if (view_mode()) {
                    o.line("std::string_view " + f->name() + "_or_default() const {");
                    o.line(cat("    return ", n, " ? *", n, " : std::string_view(",
                               default_value(f), ", ",
                               std::to_string(f->default_value_string().size()), ");"));
                    o.line("}");
                } else {
                    o.line("const std::string& " + f->name() + "_or_default() const {");
                    if (f->default_value_string().empty())
                        o.line("    static const std::string d;");
                    else
                        o.line("    static const std::string d(" + default_value(f) + ", " +
                               std::to_string(f->default_value_string().size()) + ");");
                    o.line(cat("    return ", n, " ? *", n, " : d;"));
                    o.line("}");
                }
            } else {
                o.line(cat(element_type(f), " ", f->name(), "_or_default() const { return ", n,
                           " ? *", n, " : ", element_type(f), "(", default_value(f), "); }"));
            }
        }
        o.line("std::size_t encoded_size() const { return ::h2pb::proto::encoded_size(*this); }");
        o.line(
            "void encode(::h2pb::wire::buffer& out) const { ::h2pb::proto::encode(*this, out); }");
        o.line(
            "::h2pb::proto::error decode(::h2pb::wire::bytes_view in, ::h2pb::proto::decode_limits "
            "limits = {}) {");
        o.line("    return ::h2pb::proto::decode(*this, in, limits);");
        o.line("}");
        o.line(
            "::h2pb::proto::error merge(::h2pb::wire::bytes_view in, ::h2pb::proto::decode_limits "
            "limits = {}) {");
        o.line("    return ::h2pb::proto::merge(*this, in, limits);");
        o.line("}");
        o.line("void merge(const " + name + "& other);");
        o.line("void clear();");
        o.line("bool is_initialized() const { return _h2pb_is_initialized(); }");
        if (!view_mode()) {
            o.line("/// The protobuf JSON mapping (protobuf-docs/json.md; proto_codec/json.hpp).");
            o.line("/// to_json is false only for an Any it cannot print (a type not registered");
            o.line("/// with json::register_json_type, a value that does not decode).");
            o.line(
                "bool to_json(::h2pb::proto::json::json_writer& w, const "
                "::h2pb::proto::json::print_options& o) const;");
            o.line(
                "bool from_json(::h2pb::proto::json::json_reader& r, const "
                "::h2pb::proto::json::parse_options& o);");
            o.line("// The members of the object (what an Any embeds after \"@type\").");
            o.line(
                "bool _h2pb_json_members(::h2pb::proto::json::json_writer& w,"
                " const ::h2pb::proto::json::print_options& o) const;");
            o.line(
                "bool _h2pb_json_read_members(::h2pb::proto::json::json_reader& r,"
                " const ::h2pb::proto::json::parse_options& o, bool in_any);");
            o.line("static constexpr std::string_view _h2pb_full_name = " +
                   string_literal(d->full_name()) + ";");
            if (descriptors_mode()) {
                o.line("/// The embedded descriptor of " + d->file()->name() +
                       " (proto_codec/embedded_file.hpp).");
                o.line(
                    "static constexpr const ::h2pb::proto::embedded_file* _h2pb_file() "
                    "noexcept;");
            }
        }
        o.line("friend bool operator==(const " + name + "&, const " + name + "&) = default;");
        o.line();
        o.line("// The interface of proto_codec/message.hpp.");
        o.line(
            "const ::h2pb::wire::byte* _h2pb_parse(const ::h2pb::wire::byte* p, const "
            "::h2pb::wire::byte* end,");
        o.line(
            "                                      ::h2pb::proto::decode_context& ctx, "
            "std::uint32_t end_group);");
        o.line("std::size_t _h2pb_size(::h2pb::proto::size_cache& cache) const;");
        o.line(
            "::h2pb::wire::byte* _h2pb_write(::h2pb::wire::byte* p, ::h2pb::proto::size_cache& "
            "cache) const;");
        o.line("bool _h2pb_is_initialized() const;");
        o.out();
        o.line("};");
        o.line();
    }

    // ---- functions

    void emit_functions(const Descriptor* d, out_text& o,
                        std::map<const Descriptor*, int>& memo) const {
        emit_parse(d, o);
        emit_size(d, o);
        emit_write(d, o);
        emit_clear(d, o);
        emit_merge(d, o);
        emit_is_initialized(d, o, memo);
    }

    /// Reads one value of field f into `target` (an lvalue of element type);
    /// for closed enums an unknown value is appended to `unknown` (an
    /// expression of type unknown_fields*) instead, as the bytes tag_at..p.
    static void emit_read_value(
        const FieldDescriptor* f, const std::string& target, out_text& o,
        const std::string& on_unknown_enum =
            "unknown_fields_.append(tag_at, static_cast<std::size_t>(p - tag_at));\ncontinue;") {
        if (is_group(f)) {
            o.line("p = ::h2pb::proto::read_group(p, end, " + target + ", " +
                   std::to_string(f->number()) + ", ctx);");
        } else if (is_message(f)) {
            // The target is created only once the length prefix has been checked.
            o.line("p = ::h2pb::proto::read_message(p, end, ctx, [&]() -> auto& { return " +
                   target + "; });");
        } else if (is_stringish(f)) {
            o.line("p = ::h2pb::proto::read_string(p, end, " + target + ", " +
                   (utf8_checked(f) ? "true" : "false") + ", ctx);");
        } else if (closed_enum(f)) {
            o.line("{");
            o.in();
            o.line("std::int32_t raw = 0;");
            o.line(
                "p = ::h2pb::proto::read_scalar<::h2pb::proto::kind::enum_>(p, end, &raw, ctx);");
            o.line("if (p == nullptr) return nullptr;");
            o.line("if (" + qualified(f->enum_type()) + "_is_known(raw)) {");
            o.line("    " + target + " = static_cast<" + element_type(f) + ">(raw);");
            o.line("} else {");
            for (const std::string& l : split_lines(on_unknown_enum)) o.line("    " + l);
            o.line("}");
            o.out();
            o.line("}");
        } else {
            o.line("p = ::h2pb::proto::read_scalar<" + K(f) + ">(p, end, &" + target + ", ctx);");
        }
    }

    static std::string hex_tag(std::uint32_t t) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "0x%x", t);
        return buf;
    }

    void emit_parse(const Descriptor* d, out_text& o) const {
        const std::string name = local_name(d);
        std::vector<const FieldDescriptor*> maps;
        o.line("inline const ::h2pb::wire::byte* " + name +
               "::_h2pb_parse(const ::h2pb::wire::byte* p,");
        o.line(
            "        const ::h2pb::wire::byte* end, ::h2pb::proto::decode_context& ctx, "
            "std::uint32_t end_group) {");
        o.in();
        o.line("const std::uint32_t end_group_tag = (end_group << 3) | 4;");
        o.line("while (p < end) {");
        o.in();
        o.line("const ::h2pb::wire::byte* const tag_at = p;");
        o.line("std::uint32_t tag = 0;");
        o.line("p = ::h2pb::proto::read_tag(p, end, &tag, ctx);");
        o.line("if (p == nullptr) return nullptr;");
        o.line("switch (tag) {");
        o.in();
        for (const FieldDescriptor* f : fields_by_number(d)) {
            const std::string n = "this->" + safe_name(f->name());
            const int num = f->number();
            const std::uint32_t tag = tag_of(num, wire_type_of(f));
            o.line("case " + hex_tag(tag) + ": {  // " + f->name());
            o.in();
            if (f->is_map()) {
                maps.push_back(f);
                emit_map_entry_parse(f, o);
            } else if (f->is_repeated()) {
                if (is_message(f) || is_stringish(f)) {
                    emit_read_value(f, n + ".emplace_back()", o);
                } else {
                    o.line(element_type(f) + " v{};");
                    emit_read_value(f, "v", o);
                    o.line("if (p == nullptr) return nullptr;");
                    o.line(n + ".push_back(v);");
                }
            } else if (in_oneof(f)) {
                const OneofDescriptor* od = f->real_containing_oneof();
                const std::string on = "this->" + safe_name(od->name());
                const std::string idx = std::to_string(f->index_in_oneof() + 1);
                if (is_message(f)) {
                    emit_read_value(f,
                                    cat("(", on, ".index() != ", idx, " ? *", on, ".emplace<", idx,
                                        ">() : *std::get<", idx, ">(", on, "))"),
                                    o);
                } else if (is_stringish(f)) {
                    o.line(
                        cat("if (", on, ".index() != ", idx, ") ", on, ".emplace<", idx, ">();"));
                    emit_read_value(f, cat("std::get<", idx, ">(", on, ")"), o);
                } else {
                    o.line(element_type(f) + " v{};");
                    emit_read_value(f, "v", o);
                    o.line("if (p == nullptr) return nullptr;");
                    o.line(cat(on, ".emplace<", idx, ">(v);"));
                }
            } else if (is_message(f)) {
                emit_read_value(f, n + ".ensure()", o);
            } else if (optional_value(f)) {
                if (is_stringish(f)) {
                    o.line(cat("if (!", n, ") ", n, ".emplace();"));
                    emit_read_value(f, "*" + n, o);
                } else {
                    o.line(element_type(f) + " v{};");
                    emit_read_value(f, "v", o);
                    o.line("if (p == nullptr) return nullptr;");
                    o.line(n + " = v;");
                }
            } else {
                emit_read_value(f, n, o);
            }
            o.line("if (p == nullptr) return nullptr;");
            o.line("continue;");
            o.out();
            o.line("}");
            // the other encoding of a packable repeated field
            if (f->is_repeated() && f->is_packable()) {
                o.line("case " + hex_tag(tag_of(num, 2)) + ": {  // " + f->name() + ", packed");
                o.in();
                if (closed_enum(f)) {
                    o.line("p = ::h2pb::proto::read_packed_closed_enum<" + element_type(f) +
                           ">(p, end, " + n + ", " + std::to_string(num) + ", " +
                           qualified(f->enum_type()) + "_is_known, &unknown_fields_, ctx);");
                } else {
                    o.line("p = ::h2pb::proto::read_packed<" + K(f) + ", " + element_type(f) +
                           ">(p, end, " + n + ", ctx);");
                }
                o.line("if (p == nullptr) return nullptr;");
                o.line("continue;");
                o.out();
                o.line("}");
            }
        }
        o.line("default:");
        o.line("    break;");
        o.out();
        o.line("}");
        o.line("if (tag == end_group_tag && end_group != 0) {");
        for (const FieldDescriptor* f : maps)
            o.line("    " + safe_name(f->name()) + ".normalize();");
        o.line("    return p;");
        o.line("}");
        o.line(
            "p = ::h2pb::proto::parse_unknown(tag_at, p, end, tag, end_group, ctx, "
            "&unknown_fields_);");
        o.line("if (p == nullptr) return nullptr;");
        o.out();
        o.line("}");
        for (const FieldDescriptor* f : maps) o.line(safe_name(f->name()) + ".normalize();");
        o.line("return ::h2pb::proto::end_of_input(p, end_group, ctx);");
        o.out();
        o.line("}");
        o.line();
    }

    void emit_map_entry_parse(const FieldDescriptor* f, out_text& o) const {
        const FieldDescriptor* k = f->message_type()->FindFieldByNumber(1);
        const FieldDescriptor* v = f->message_type()->FindFieldByNumber(2);
        const std::string n = "this->" + safe_name(f->name());
        o.line("std::size_t len = 0;");
        o.line("const ::h2pb::wire::byte* const len_at = p;");
        o.line("p = ::h2pb::proto::read_length(p, end, &len, ctx);");
        o.line("if (p == nullptr || !ctx.enter(len_at)) return nullptr;");
        o.line("const ::h2pb::wire::byte* const entry_end = p + len;");
        o.line("auto& entry = " + n + ".append_for_decode();");
        if (closed_enum(v)) o.line("bool unknown_value = false;");
        o.line("while (p < entry_end) {");
        o.in();
        o.line("const ::h2pb::wire::byte* const entry_tag_at = p;");
        o.line("std::uint32_t entry_tag = 0;");
        o.line("p = ::h2pb::proto::read_tag(p, entry_end, &entry_tag, ctx);");
        o.line("if (p == nullptr) return nullptr;");
        o.line("{");
        o.in();
        o.line(
            "const ::h2pb::wire::byte* const end = entry_end;  // the entry's fields end with the "
            "entry");
        o.line("if (entry_tag == " + hex_tag(tag_of(1, wire_type_of(k))) + ") {");
        o.in();
        emit_read_value(k, "entry.first", o);
        o.line("if (p == nullptr) return nullptr;");
        o.line("continue;");
        o.out();
        o.line("}");
        o.line("if (entry_tag == " + hex_tag(tag_of(2, wire_type_of(v))) + ") {");
        o.in();
        emit_read_value(v, "entry.second", o, "unknown_value = true;");
        o.line("if (p == nullptr) return nullptr;");
        o.line("continue;");
        o.out();
        o.line("}");
        o.line(
            "p = ::h2pb::proto::parse_unknown(entry_tag_at, p, end, entry_tag, 0, ctx, nullptr);");
        o.line("if (p == nullptr) return nullptr;");
        o.out();
        o.line("}");
        o.out();
        o.line("}");
        o.line("ctx.leave();");
        if (closed_enum(v)) {
            o.line(
                "if (unknown_value) {  // libprotobuf keeps the whole entry as an unknown field");
            o.line("    " + n + ".drop_last();");
            o.line("    unknown_fields_.append(tag_at, static_cast<std::size_t>(p - tag_at));");
            o.line("}");
        }
    }

    // ---- size and write

    /// Size expression of one value (no tag) of field f held in `v`.
    static std::string value_size_expr(const FieldDescriptor* f, const std::string& v) {
        if (is_stringish(f)) return "::h2pb::proto::len_size(" + v + ".size())";
        return "::h2pb::proto::scalar_size<" + K(f) + ">(" + v + ")";
    }
    static std::string write_value(const FieldDescriptor* f, const std::string& v) {
        if (is_stringish(f)) return "p = ::h2pb::proto::write_bytes(p, " + v + ");";
        return "p = ::h2pb::proto::write_scalar<" + K(f) + ">(p, " + v + ");";
    }
    static std::string write_tag(std::uint32_t tag) {
        return "p = ::h2pb::proto::write_tag<" + hex_tag(tag) + ">(p);";
    }
    static std::string is_nonzero(const FieldDescriptor* f, const std::string& v) {
        if (is_stringish(f)) return "!" + v + ".empty()";
        if (f->type() == FieldDescriptor::TYPE_ENUM)
            return "static_cast<std::int32_t>(" + v + ") != 0";
        return "!::h2pb::proto::is_zero(" + v + ")";
    }

    /// Emits the size computation of one present singular value of f in `v`
    /// (an expression of element type; messages: the struct) into n.
    static void size_one(const FieldDescriptor* f, const std::string& v, out_text& o) {
        const std::uint32_t tag = tag_of(f->number(), wire_type_of(f));
        const std::string ts = std::to_string(varint_len(tag));
        if (is_group(f)) {
            o.line("n += " + std::to_string(2 * varint_len(tag)) + " + " + v +
                   "._h2pb_size(cache);");
        } else if (is_message(f)) {
            o.line("{");
            o.line("    const std::size_t slot = cache.push();");
            o.line("    const std::size_t s = " + v + "._h2pb_size(cache);");
            o.line("    cache.set(slot, s);");
            o.line("    n += " + ts + " + ::h2pb::proto::len_size(s);");
            o.line("}");
        } else {
            o.line("n += " + ts + " + " + value_size_expr(f, v) + ";");
        }
    }
    static void write_one(const FieldDescriptor* f, const std::string& v, out_text& o) {
        const std::uint32_t tag = tag_of(f->number(), wire_type_of(f));
        o.line(write_tag(tag));
        if (is_group(f)) {
            o.line("p = " + v + "._h2pb_write(p, cache);");
            o.line(write_tag(tag_of(f->number(), 4)));
        } else if (is_message(f)) {
            o.line("p = ::h2pb::proto::write_varint(p, cache.next());");
            o.line("p = " + v + "._h2pb_write(p, cache);");
        } else {
            o.line(write_value(f, v));
        }
    }

    void emit_size(const Descriptor* d, out_text& o) const {
        o.line("inline std::size_t " + local_name(d) +
               "::_h2pb_size([[maybe_unused]] ::h2pb::proto::size_cache& cache) const {");
        o.in();
        o.line("std::size_t n = unknown_fields_.size();");
        for (const FieldDescriptor* f : fields_by_number(d)) {
            const std::string n = "this->" + safe_name(f->name());
            const std::uint32_t tag = tag_of(f->number(), wire_type_of(f));
            const std::string ts = std::to_string(varint_len(tag));
            if (f->is_map()) {
                const FieldDescriptor* k = f->message_type()->FindFieldByNumber(1);
                const FieldDescriptor* v = f->message_type()->FindFieldByNumber(2);
                o.line("for (const auto& [key, value] : " + n + ") {");
                o.in();
                if (is_message(v)) {
                    o.line("const std::size_t slot = cache.push();");
                    o.line("const std::size_t s = value._h2pb_size(cache);");
                    o.line("cache.set(slot, s);");
                    o.line("const std::size_t e = 2 + " + value_size_expr(k, "key") +
                           " + ::h2pb::proto::len_size(s);");
                } else {
                    o.line("const std::size_t e = 2 + " + value_size_expr(k, "key") + " + " +
                           value_size_expr(v, "value") + ";");
                }
                o.line("n += " + ts + " + ::h2pb::proto::len_size(e);");
                o.out();
                o.line("}");
            } else if (f->is_repeated()) {
                if (f->is_packed()) {
                    o.line("if (!" + n + ".empty()) {");
                    o.in();
                    if (fixed_width(f) != 0) {
                        o.line("n += " + std::to_string(varint_len(tag_of(f->number(), 2))) +
                               " + ::h2pb::proto::len_size(" + n + ".size() * " +
                               std::to_string(fixed_width(f)) + ");");
                    } else {
                        o.line("const std::size_t s = ::h2pb::proto::measure_packed<" + K(f) +
                               ">(" + n + ", cache);");
                        o.line("n += " + std::to_string(varint_len(tag_of(f->number(), 2))) +
                               " + ::h2pb::proto::len_size(s);");
                    }
                    o.out();
                    o.line("}");
                } else if (is_scalar(f)) {
                    o.line(cat("n += ", n, ".size() * ", ts,
                               " + ::h2pb::proto::packed_payload_size<", K(f), ">(", n, ");"));
                } else {
                    o.line("for (const auto& v : " + n + ") {");
                    o.in();
                    size_one(f, "v", o);
                    o.out();
                    o.line("}");
                }
            } else if (in_oneof(f)) {
                const OneofDescriptor* od = f->real_containing_oneof();
                const std::string idx = std::to_string(f->index_in_oneof() + 1);
                o.line("if (const auto* v = std::get_if<" + idx + ">(&" + "this->" +
                       safe_name(od->name()) + ")) {");
                o.in();
                size_one(f, is_message(f) ? "(**v)" : "(*v)", o);
                o.out();
                o.line("}");
            } else if (is_message(f) || optional_value(f)) {
                o.line("if (" + n + ".has_value()) {");
                o.in();
                size_one(f, "(*" + n + ")", o);
                o.out();
                o.line("}");
            } else {
                o.line("if (" + is_nonzero(f, n) + ") {");
                o.in();
                size_one(f, n, o);
                o.out();
                o.line("}");
            }
        }
        o.line("return n;");
        o.out();
        o.line("}");
        o.line();
    }

    void emit_write(const Descriptor* d, out_text& o) const {
        o.line("inline ::h2pb::wire::byte* " + local_name(d) +
               "::_h2pb_write(::h2pb::wire::byte* p, [[maybe_unused]] ::h2pb::proto::size_cache& "
               "cache) const {");
        o.in();
        for (const FieldDescriptor* f : fields_by_number(d)) {
            const std::string n = "this->" + safe_name(f->name());
            const std::uint32_t tag = tag_of(f->number(), wire_type_of(f));
            if (f->is_map()) {
                const FieldDescriptor* k = f->message_type()->FindFieldByNumber(1);
                const FieldDescriptor* v = f->message_type()->FindFieldByNumber(2);
                o.line("for (const auto& [key, value] : " + n + ") {");
                o.in();
                if (is_message(v)) {
                    o.line("const std::size_t s = cache.next();");
                    o.line("const std::size_t e = 2 + " + value_size_expr(k, "key") +
                           " + ::h2pb::proto::len_size(s);");
                } else {
                    o.line("const std::size_t e = 2 + " + value_size_expr(k, "key") + " + " +
                           value_size_expr(v, "value") + ";");
                }
                o.line(write_tag(tag));
                o.line("p = ::h2pb::proto::write_varint(p, e);");
                o.line(write_tag(tag_of(1, wire_type_of(k))));
                o.line(write_value(k, "key"));
                o.line(write_tag(tag_of(2, wire_type_of(v))));
                if (is_message(v)) {
                    o.line("p = ::h2pb::proto::write_varint(p, s);");
                    o.line("p = value._h2pb_write(p, cache);");
                } else {
                    o.line(write_value(v, "value"));
                }
                o.out();
                o.line("}");
            } else if (f->is_repeated()) {
                if (f->is_packed()) {
                    o.line("if (!" + n + ".empty()) {");
                    o.in();
                    o.line(write_tag(tag_of(f->number(), 2)));
                    if (fixed_width(f) != 0) {
                        o.line("p = ::h2pb::proto::write_varint(p, " + n + ".size() * " +
                               std::to_string(fixed_width(f)) + ");");
                        o.line("p = ::h2pb::proto::write_packed_payload<" + K(f) + ">(p, " + n +
                               ");");
                    } else {
                        o.line("p = ::h2pb::proto::write_packed<" + K(f) + ">(p, " + n +
                               ", cache);");
                    }
                    o.out();
                    o.line("}");
                } else {
                    o.line("for (const auto& v : " + n + ") {");
                    o.in();
                    write_one(f, "v", o);
                    o.out();
                    o.line("}");
                }
            } else if (in_oneof(f)) {
                const OneofDescriptor* od = f->real_containing_oneof();
                const std::string idx = std::to_string(f->index_in_oneof() + 1);
                o.line("if (const auto* v = std::get_if<" + idx + ">(&" + "this->" +
                       safe_name(od->name()) + ")) {");
                o.in();
                write_one(f, is_message(f) ? "(**v)" : "(*v)", o);
                o.out();
                o.line("}");
            } else if (is_message(f) || optional_value(f)) {
                o.line("if (" + n + ".has_value()) {");
                o.in();
                write_one(f, "(*" + n + ")", o);
                o.out();
                o.line("}");
            } else {
                o.line("if (" + is_nonzero(f, n) + ") {");
                o.in();
                write_one(f, n, o);
                o.out();
                o.line("}");
            }
        }
        o.line("return ::h2pb::proto::write_unknown(p, unknown_fields_);");
        o.out();
        o.line("}");
        o.line();
    }

    // ---- JSON (protobuf-docs/json.md; the shared code is proto_codec/json_codec.hpp)

    /// Emits the body of a function that maps the string_view `k` to the
    /// int paired with it in `cases` (or falls through): a switch on the
    /// length, then within a length a switch on the character position that
    /// splits the candidates best, then whole-string compares (a memcmp of a
    /// known length). No table, no hashing, nothing allocated.
    static void emit_string_switch(const std::vector<std::pair<std::string, int>>& cases,
                                   const std::string& ret, out_text& o) {
        std::map<std::size_t, std::vector<std::pair<std::string, int>>> by_len;
        for (const auto& c : cases) by_len[c.first.size()].push_back(c);
        if (by_len.empty()) return;
        o.line("switch (k.size()) {");
        o.in();
        for (const auto& [len, group] : by_len) {
            o.line("case " + std::to_string(len) + ":");
            o.in();
            std::size_t best = 0;
            std::size_t best_distinct = 0;
            for (std::size_t i = 0; i < len && group.size() > 1; ++i) {
                std::set<char> chars;
                for (const auto& c : group) chars.insert(c.first[i]);
                if (chars.size() > best_distinct) {
                    best_distinct = chars.size();
                    best = i;
                }
            }
            if (group.size() <= 2 || best_distinct <= 1) {
                for (const auto& c : group)
                    o.line("if (k == " + string_literal(c.first) + ") " +
                           replace_all(ret, "$", std::to_string(c.second)));
            } else {
                std::map<char, std::vector<std::pair<std::string, int>>> by_char;
                for (const auto& c : group) by_char[c.first[best]].push_back(c);
                o.line("switch (k[" + std::to_string(best) + "]) {");
                o.in();
                for (const auto& [ch, sub] : by_char) {
                    const bool plain = ch >= 0x20 && ch < 0x7f && ch != '\'' && ch != '\\';
                    o.line(
                        "case " +
                        (plain ? "'" + std::string(1, ch) + "'"
                               : std::to_string(static_cast<int>(static_cast<unsigned char>(ch)))) +
                        ":");
                    o.in();
                    for (const auto& c : sub)
                        o.line("if (k == " + string_literal(c.first) + ") " +
                               replace_all(ret, "$", std::to_string(c.second)));
                    o.line("break;");
                    o.out();
                }
                o.line("default:");
                o.line("    break;");
                o.out();
                o.line("}");
            }
            o.line("break;");
            o.out();
        }
        o.line("default:");
        o.line("    break;");
        o.out();
        o.line("}");
    }

    /// `E_from_name`: the value of an enum named by a JSON string.
    void emit_enum_from_name(const EnumDescriptor* e, out_text& o) const {
        const std::string name = local_name(e);
        o.line("/// The value of " + e->full_name() +
               " named `k` (the JSON mapping's enum names).");
        o.line("inline bool " + name + "_from_name(std::string_view k, " + name +
               "& out) noexcept {");
        o.in();
        std::vector<std::pair<std::string, int>> cases;
        for (int i = 0; i < e->value_count(); ++i)
            cases.emplace_back(e->value(i)->name(), e->value(i)->number());
        emit_string_switch(cases, "{ out = static_cast<" + name + ">($); return true; }", o);
        o.line("return false;");
        o.out();
        o.line("}");
    }

    static bool is_wkt(const Descriptor* d, const char* name) {
        return d->full_name() == std::string("google.protobuf.") + name;
    }
    static bool is_null_value_enum(const FieldDescriptor* f) {
        return f->type() == FieldDescriptor::TYPE_ENUM &&
               f->enum_type()->full_name() == "google.protobuf.NullValue";
    }
    /// A field whose JSON null is a value, not "unset" (json.md "Null values").
    static bool null_is_value(const FieldDescriptor* f) {
        return is_null_value_enum(f) ||
               (is_message(f) && f->message_type()->full_name() == "google.protobuf.Value");
    }

    /// The statement that prints one value `v` of field f (element type).
    static std::string json_write_value(const FieldDescriptor* f, const std::string& v) {
        switch (f->type()) {
            case FieldDescriptor::TYPE_INT32:
            case FieldDescriptor::TYPE_SINT32:
            case FieldDescriptor::TYPE_SFIXED32:
                return "w.int32(" + v + ");";
            case FieldDescriptor::TYPE_INT64:
            case FieldDescriptor::TYPE_SINT64:
            case FieldDescriptor::TYPE_SFIXED64:
                return "w.int64(" + v + ");";
            case FieldDescriptor::TYPE_UINT32:
            case FieldDescriptor::TYPE_FIXED32:
                return "w.uint32(" + v + ");";
            case FieldDescriptor::TYPE_UINT64:
            case FieldDescriptor::TYPE_FIXED64:
                return "w.uint64(" + v + ");";
            case FieldDescriptor::TYPE_BOOL:
                return "w.boolean(" + v + ");";
            case FieldDescriptor::TYPE_FLOAT:
                return "w.float32(" + v + ");";
            case FieldDescriptor::TYPE_DOUBLE:
                return "w.float64(" + v + ");";
            case FieldDescriptor::TYPE_STRING:
                return "w.string(" + v + ");";
            case FieldDescriptor::TYPE_BYTES:
                return "w.bytes(" + v + ");";
            case FieldDescriptor::TYPE_ENUM:
                if (is_null_value_enum(f)) return "w.null();";
                return cat("::h2pb::proto::json::write_enum(w, o, static_cast<std::int32_t>(", v,
                           "), ", qualified(f->enum_type()), "_name(", v, "));");
            case FieldDescriptor::TYPE_MESSAGE:
            case FieldDescriptor::TYPE_GROUP:
                return "if (!" + v + ".to_json(w, o)) return false;";
        }
        return "";
    }

    /// The condition under which `r.read_X(target)` reads one value of f
    /// into the lvalue `target` (scalars, strings, bytes; not enums or
    /// messages).
    static std::string json_read_call(const FieldDescriptor* f, const std::string& target) {
        switch (f->type()) {
            case FieldDescriptor::TYPE_INT32:
            case FieldDescriptor::TYPE_SINT32:
            case FieldDescriptor::TYPE_SFIXED32:
                return "r.read_int32(" + target + ")";
            case FieldDescriptor::TYPE_INT64:
            case FieldDescriptor::TYPE_SINT64:
            case FieldDescriptor::TYPE_SFIXED64:
                return "r.read_int64(" + target + ")";
            case FieldDescriptor::TYPE_UINT32:
            case FieldDescriptor::TYPE_FIXED32:
                return "r.read_uint32(" + target + ")";
            case FieldDescriptor::TYPE_UINT64:
            case FieldDescriptor::TYPE_FIXED64:
                return "r.read_uint64(" + target + ")";
            case FieldDescriptor::TYPE_BOOL:
                return "r.read_bool(" + target + ")";
            case FieldDescriptor::TYPE_FLOAT:
                return "r.read_float(" + target + ")";
            case FieldDescriptor::TYPE_DOUBLE:
                return "r.read_double(" + target + ")";
            case FieldDescriptor::TYPE_STRING:
                return "r.read_string(" + target + ")";
            case FieldDescriptor::TYPE_BYTES:
                return "r.read_bytes(" + target + ")";
            case FieldDescriptor::TYPE_MESSAGE:
            case FieldDescriptor::TYPE_GROUP:
                return target + ".from_json(r, o)";
            default:
                return "false";
        }
    }

    /// Emits the statements that read one non-null value of f and store it
    /// with `store` (a statement pattern where $ is an lvalue expression
    /// that creates the slot: "this->x", "this->v.emplace_back()"). Enums
    /// read into a temporary first: an unknown name ignored
    /// (ignore_unknown_fields) stores nothing.
    static void emit_json_read_one(const FieldDescriptor* f, const std::string& slot, out_text& o) {
        if (f->type() == FieldDescriptor::TYPE_ENUM) {
            const std::string e = qualified(f->enum_type());
            // NullValue: null is a value, its only one (json.md, "NullValue").
            const bool nv = is_null_value_enum(f);
            if (nv)
                o.line("if (::h2pb::proto::json::take_null(r)) { " + slot + " = " + e +
                       "{}; } else {");
            o.line(e + " e{};");
            o.line(cat("const int s = ::h2pb::proto::json::read_enum<", e, ">(r, o, e, &", e,
                       "_from_name, ", closed_enum(f) ? "&" + e + "_is_known" : "nullptr", ");"));
            o.line("if (s < 0) return false;");
            o.line("if (s > 0) " + slot + " = e;");
            if (nv) o.line("}");
            return;
        }
        o.line("if (!" + json_read_call(f, slot) + ") return false;");
    }

    static std::string json_key_stmt(const FieldDescriptor* f) {
        if (f->name() == f->json_name()) return "w.key(" + string_literal(f->name()) + ");";
        return "::h2pb::proto::json::write_key(w, o, " + string_literal(f->name()) + ", " +
               string_literal(f->json_name()) + ");";
    }

    /// Whether d's JSON form is not an object of its fields (json.md, the
    /// well-known types table).
    static bool special_json(const Descriptor* d) {
        if (d->file()->package() != "google.protobuf") return false;
        static const std::set<std::string> names = {
            "Timestamp",   "Duration",    "FieldMask",  "Struct",      "Value",      "ListValue",
            "DoubleValue", "FloatValue",  "Int64Value", "UInt64Value", "Int32Value", "UInt32Value",
            "BoolValue",   "StringValue", "BytesValue", "Any"};
        return names.count(d->name()) != 0;
    }

    void emit_json_special(const Descriptor* d, out_text& o) const {
        const std::string name = local_name(d);
        const std::string head_w =
            "inline bool " + name +
            "::to_json([[maybe_unused]] ::h2pb::proto::json::json_writer& w, "
            "[[maybe_unused]] const ::h2pb::proto::json::print_options& o) const {";
        const std::string head_r =
            "inline bool " + name +
            "::from_json(::h2pb::proto::json::json_reader& r, [[maybe_unused]] "
            "const ::h2pb::proto::json::parse_options& o) {";
        const std::string J = "::h2pb::proto::json::";
        const std::string nv = J + "json_reader::token";
        o.line("// clang-format off");
        // Inside an Any, a well-known type with a special form is the member
        // "value" (json.md, "Any").
        o.line("inline bool " + name +
               "::_h2pb_json_members(::h2pb::proto::json::json_writer& w, const "
               "::h2pb::proto::json::print_options& o) const {");
        o.line("    w.key(\"value\");");
        o.line("    return to_json(w, o);");
        o.line("}");
        o.line("inline bool " + name +
               "::_h2pb_json_read_members(::h2pb::proto::json::json_reader& r, const "
               "::h2pb::proto::json::parse_options& o, bool in_any) {");
        o.line("    return " + J + "read_value_member(r, o, in_any, *this);");
        o.line("}");
        if (is_wkt(d, "Timestamp") || is_wkt(d, "Duration")) {
            const std::string fn = is_wkt(d, "Timestamp") ? "timestamp" : "duration";
            o.line(head_w);
            o.line("    return " + J + "write_" + fn + "(w, this->seconds, this->nanos);");
            o.line("}");
            o.line(head_r);
            o.line("    return " + J + "read_" + fn + "(r, this->seconds, this->nanos);");
            o.line("}");
        } else if (is_wkt(d, "FieldMask")) {
            o.line(head_w);
            o.line("    return " + J + "write_field_mask(w, this->paths);");
            o.line("}");
            o.line(head_r);
            o.line("    return " + J + "read_field_mask(r, this->paths);");
            o.line("}");
        } else if (is_wkt(d, "Any")) {
            o.line(head_w);
            o.line("    return " + J + "write_any(w, o, this->type_url, this->value);");
            o.line("}");
            o.line(head_r);
            o.line("    return " + J + "read_any(r, o, this->type_url, this->value);");
            o.line("}");
        } else if (is_wkt(d, "Struct")) {
            o.line(head_w);
            o.line("    w.begin_object();");
            o.line("    for (const auto& [key, value] : this->fields) {");
            o.line("        w.key(key);");
            o.line("        if (!value.to_json(w, o)) return false;");
            o.line("    }");
            o.line("    w.end_object();");
            o.line("    return true;");
            o.line("}");
            o.line(head_r);
            o.line("    if (!r.begin_object()) return false;");
            o.line("    std::string scratch;");
            o.line("    std::string_view k;");
            o.line("    while (r.next_key(scratch, k)) {");
            o.line("        if (!this->fields[std::string(k)].from_json(r, o)) return false;");
            o.line("    }");
            o.line("    return " + J + "ok(r);");
            o.line("}");
        } else if (is_wkt(d, "ListValue")) {
            o.line(head_w);
            o.line("    w.begin_array();");
            o.line("    for (const auto& v : this->values) {");
            o.line("        if (!v.to_json(w, o)) return false;");
            o.line("    }");
            o.line("    w.end_array();");
            o.line("    return true;");
            o.line("}");
            o.line(head_r);
            o.line("    if (!r.begin_array()) return false;");
            o.line("    while (r.next_element()) {");
            o.line("        if (!this->values.emplace_back().from_json(r, o)) return false;");
            o.line("    }");
            o.line("    return " + J + "ok(r);");
            o.line("}");
        } else if (is_wkt(d, "Value")) {
            o.line(head_w);
            o.line("    switch (this->kind.index()) {");
            o.line(
                "        case number_value_index: "
                "w.float64(std::get<number_value_index>(this->kind)); return true;");
            o.line(
                "        case string_value_index: "
                "w.string(std::get<string_value_index>(this->kind)); return true;");
            o.line(
                "        case bool_value_index: w.boolean(std::get<bool_value_index>(this->kind)); "
                "return true;");
            o.line(
                "        case struct_value_index: return "
                "std::get<struct_value_index>(this->kind)->to_json(w, o);");
            o.line(
                "        case list_value_index: return "
                "std::get<list_value_index>(this->kind)->to_json(w, o);");
            o.line("        default: w.null(); return true;  // null_value, or no kind set");
            o.line("    }");
            o.line("}");
            o.line(head_r);
            o.line("    switch (r.peek()) {");
            o.line("        case " + nv +
                   "::null: this->kind.emplace<null_value_index>(); return r.read_null();");
            o.line("        case " + nv +
                   "::number: return r.read_double(this->kind.emplace<number_value_index>());");
            o.line("        case " + nv +
                   "::string: return r.read_string(this->kind.emplace<string_value_index>());");
            o.line("        case " + nv +
                   "::boolean: return r.read_bool(this->kind.emplace<bool_value_index>());");
            o.line("        case " + nv +
                   "::object: return (*this->kind.emplace<struct_value_index>()).from_json(r, o);");
            o.line("        case " + nv +
                   "::array: return (*this->kind.emplace<list_value_index>()).from_json(r, o);");
            o.line("        default: return r.fail(" + J + "json_errc::syntax);");
            o.line("    }");
            o.line("}");
        } else {
            // The wrappers: the wrapped value itself (json.md, "Wrapper types").
            const FieldDescriptor* f = d->FindFieldByName("value");
            o.line(head_w);
            o.line("    " + json_write_value(f, "this->value"));
            o.line("    return true;");
            o.line("}");
            o.line(head_r);
            o.line("    return " + json_read_call(f, "this->value") + ";");
            o.line("}");
        }
        o.line("// clang-format on");
        o.line();
    }

    void emit_json(const Descriptor* d, out_text& o) const {
        if (special_json(d)) {
            emit_json_special(d, o);
            return;
        }
        const std::string name = local_name(d);
        const std::vector<const FieldDescriptor*> fields = fields_by_number(d);
        // ---- to_json: the fields in field-number order, as libprotobuf prints them.
        o.line("inline bool " + name +
               "::to_json(::h2pb::proto::json::json_writer& w, const "
               "::h2pb::proto::json::print_options& o) const {");
        o.line("    w.begin_object();");
        o.line("    if (!_h2pb_json_members(w, o)) return false;");
        o.line("    w.end_object();");
        o.line("    return true;");
        o.line("}");
        o.line("inline bool " + name +
               "::_h2pb_json_members([[maybe_unused]] ::h2pb::proto::json::json_writer& w, "
               "[[maybe_unused]] const ::h2pb::proto::json::print_options& o) const {");
        o.in();
        for (const FieldDescriptor* f : fields) {
            const std::string n = "this->" + safe_name(f->name());
            if (f->is_map()) {
                const FieldDescriptor* v = f->message_type()->FindFieldByNumber(2);
                o.line("if (!" + n + ".empty() || o.always_print_fields_with_no_presence) {");
                o.in();
                o.line(json_key_stmt(f));
                o.line("w.begin_object();");
                o.line("for (const auto& [key, value] : " + n + ") {");
                o.line("    ::h2pb::proto::json::write_map_key(w, key);");
                o.line("    " + json_write_value(v, "value"));
                o.line("}");
                o.line("w.end_object();");
                o.out();
                o.line("}");
            } else if (f->is_repeated()) {
                o.line("if (!" + n + ".empty() || o.always_print_fields_with_no_presence) {");
                o.in();
                o.line(json_key_stmt(f));
                o.line("w.begin_array();");
                // std::vector<bool> hands out proxies: copy the element.
                o.line(std::string("for (") +
                       (f->type() == FieldDescriptor::TYPE_BOOL ? "bool" : "const auto&") +
                       " v : " + n + ") " + json_write_value(f, "v"));
                o.line("w.end_array();");
                o.out();
                o.line("}");
            } else if (in_oneof(f)) {
                const std::string idx = std::to_string(f->index_in_oneof() + 1);
                const std::string on = "this->" + safe_name(f->real_containing_oneof()->name());
                if (is_null_value_enum(f))
                    o.line("if (" + on + ".index() == " + idx + ") {");
                else
                    o.line("if (const auto* v = std::get_if<" + idx + ">(&" + on + ")) {");
                o.in();
                o.line(json_key_stmt(f));
                o.line(json_write_value(f, is_message(f) ? "(**v)" : "(*v)"));
                o.out();
                o.line("}");
            } else if (is_message(f) || optional_value(f)) {
                o.line("if (" + n + ".has_value()) {");
                o.in();
                o.line(json_key_stmt(f));
                o.line(json_write_value(f, "(*" + n + ")"));
                o.out();
                o.line("}");
            } else {
                o.line("if (" + is_nonzero(f, n) + " || o.always_print_fields_with_no_presence) {");
                o.in();
                o.line(json_key_stmt(f));
                o.line(json_write_value(f, n));
                o.out();
                o.line("}");
            }
        }
        o.line("return true;");
        o.out();
        o.line("}");
        o.line();

        // ---- from_json: keys looked up by a generated switch (both spellings).
        o.line("inline bool " + name +
               "::from_json(::h2pb::proto::json::json_reader& r, const "
               "::h2pb::proto::json::parse_options& o) {");
        o.line("    return r.begin_object() && _h2pb_json_read_members(r, o, false);");
        o.line("}");
        o.line("inline bool " + name +
               "::_h2pb_json_read_members(::h2pb::proto::json::json_reader& r, "
               "[[maybe_unused]] const ::h2pb::proto::json::parse_options& o, bool in_any) {");
        o.in();
        if (fields.empty()) {
            o.line("std::string scratch;");
            o.line("std::string_view k;");
            o.line("while (r.next_key(scratch, k)) {");
            o.line("    if (!::h2pb::proto::json::unknown_key(r, o, in_any, k)) return false;");
            o.line("}");
            o.line("return ::h2pb::proto::json::ok(r);");
            o.out();
            o.line("}");
            o.line();
            return;
        }
        // Which fields were met (duplicates are rejected), and per oneof
        // whether a member was (a second one is a conflict).
        o.line("std::uint64_t seen[" + std::to_string((fields.size() + 63) / 64) + "] = {};");
        if (d->real_oneof_decl_count() > 0)
            o.line("bool oneof_set[" + std::to_string(d->real_oneof_decl_count()) + "] = {};");
        o.line("std::string scratch;");
        o.line("std::string_view k;");
        o.line("while (r.next_key(scratch, k)) {");
        o.in();
        o.line("int i = -1;");
        {
            std::vector<std::pair<std::string, int>> cases;
            for (std::size_t i = 0; i < fields.size(); ++i) {
                cases.emplace_back(fields[i]->json_name(), static_cast<int>(i));
                if (fields[i]->name() != fields[i]->json_name())
                    cases.emplace_back(fields[i]->name(), static_cast<int>(i));
            }
            o.line("[&] {");
            o.in();
            emit_string_switch(cases, "{ i = $; return; }", o);
            o.out();
            o.line("}();");
        }
        o.line("if (i < 0) {");
        o.line("    if (!::h2pb::proto::json::unknown_key(r, o, in_any, k)) return false;");
        o.line("    continue;");
        o.line("}");
        o.line("if (!::h2pb::proto::json::mark_seen(r, seen, i)) return false;");
        o.line("switch (i) {");
        o.in();
        for (std::size_t i = 0; i < fields.size(); ++i) {
            const FieldDescriptor* f = fields[i];
            const std::string n = "this->" + safe_name(f->name());
            o.line("case " + std::to_string(i) + ": {  // " + f->name());
            o.in();
            if (!null_is_value(f) || f->is_repeated())
                o.line("if (::h2pb::proto::json::take_null(r)) break;");
            if (f->is_map()) {
                const FieldDescriptor* k = f->message_type()->FindFieldByNumber(1);
                const FieldDescriptor* v = f->message_type()->FindFieldByNumber(2);
                o.line("if (!r.begin_object()) return false;");
                o.line("std::string kscratch;");
                o.line("std::string_view mk;");
                o.line("while (r.next_key(kscratch, mk)) {");
                o.in();
                o.line(element_type(k) + " key{};");
                o.line("if (!::h2pb::proto::json::parse_map_key(r, mk, key)) return false;");
                if (!null_is_value(v))
                    o.line("if (!::h2pb::proto::json::no_null(r)) return false;");
                emit_json_read_one(v, n + "[key]", o);
                o.out();
                o.line("}");
                o.line("if (!::h2pb::proto::json::ok(r)) return false;");
            } else if (f->is_repeated()) {
                o.line("if (!r.begin_array()) return false;");
                o.line("while (r.next_element()) {");
                o.in();
                if (!null_is_value(f))
                    o.line("if (!::h2pb::proto::json::no_null(r)) return false;");
                if (f->type() == FieldDescriptor::TYPE_BOOL) {
                    // std::vector<bool> hands out proxies: read into a bool.
                    o.line("bool b = false;");
                    o.line("if (!r.read_bool(b)) return false;");
                    o.line(n + ".push_back(b);");
                } else {
                    emit_json_read_one(f, n + ".emplace_back()", o);
                }
                o.out();
                o.line("}");
                o.line("if (!::h2pb::proto::json::ok(r)) return false;");
            } else if (in_oneof(f)) {
                const OneofDescriptor* od = f->real_containing_oneof();
                const std::string oi = std::to_string(od->index());
                const std::string idx = std::to_string(f->index_in_oneof() + 1);
                o.line("if (oneof_set[" + oi +
                       "]) return r.fail(::h2pb::proto::json::json_errc::oneof_conflict);");
                o.line("oneof_set[" + oi + "] = true;");
                const std::string slot =
                    "this->" + safe_name(od->name()) + ".emplace<" + idx + ">()";
                emit_json_read_one(f, is_message(f) ? "(*" + slot + ")" : slot, o);
            } else if (is_message(f)) {
                emit_json_read_one(f, n + ".ensure()", o);
            } else if (optional_value(f)) {
                emit_json_read_one(
                    f, f->type() == FieldDescriptor::TYPE_ENUM ? n : n + ".emplace()", o);
            } else {
                emit_json_read_one(f, n, o);
            }
            o.line("break;");
            o.out();
            o.line("}");
        }
        o.line("default:");
        o.line("    break;");
        o.out();
        o.line("}");
        o.out();
        o.line("}");
        o.line("return ::h2pb::proto::json::ok(r);");
        o.out();
        o.line("}");
        o.line();
    }

    // ---- clear, merge, is_initialized

    void emit_clear(const Descriptor* d, out_text& o) const {
        o.line("inline void " + local_name(d) + "::clear() {");
        o.in();
        for (const FieldDescriptor* f : fields_by_number(d)) {
            if (in_oneof(f)) continue;
            const std::string n = "this->" + safe_name(f->name());
            if (f->is_repeated() || is_message(f) || is_stringish(f) || optional_value(f)) {
                o.line(is_message(f) && !f->is_repeated()                    ? n + ".reset();"
                       : optional_value(f)                                   ? n + ".reset();"
                       : view_mode() && is_stringish(f) && !f->is_repeated() ? n + " = {};"
                                                                             : n + ".clear();");
            } else if (f->type() == FieldDescriptor::TYPE_ENUM) {
                o.line(n + " = " + default_value(f) + ";");
            } else {
                o.line(n + " = {};");
            }
        }
        for (int i = 0; i < d->real_oneof_decl_count(); ++i) {
            o.line("this->" + safe_name(d->oneof_decl(i)->name()) + ".emplace<0>();");
        }
        o.line("unknown_fields_.clear();");
        o.out();
        o.line("}");
        o.line();
    }

    void emit_merge(const Descriptor* d, out_text& o) const {
        const std::string name = local_name(d);
        o.line("inline void " + name + "::merge([[maybe_unused]] const " + name + "& other) {");
        o.in();
        for (const FieldDescriptor* f : fields_by_number(d)) {
            if (in_oneof(f)) continue;
            const std::string raw = safe_name(f->name());
            const std::string n = "this->" + raw;
            if (f->is_map()) {
                o.line(
                    cat("for (const auto& [key, value] : other.", raw, ") ", n, "[key] = value;"));
            } else if (f->is_repeated()) {
                o.line(cat(n, ".insert(", n, ".end(), other.", raw, ".begin(), other.", raw,
                           ".end());"));
            } else if (is_message(f)) {
                o.line(cat("if (other.", raw, ") ", n, ".ensure().merge(*other.", raw, ");"));
            } else if (optional_value(f)) {
                o.line(cat("if (other.", raw, ") ", n, " = other.", raw, ";"));
            } else {
                o.line(cat("if (", is_nonzero(f, "other." + raw), ") ", n, " = other.", raw, ";"));
            }
        }
        for (int i = 0; i < d->real_oneof_decl_count(); ++i) {
            const OneofDescriptor* od = d->oneof_decl(i);
            const std::string raw_on = safe_name(od->name());
            const std::string on = "this->" + raw_on;
            for (int j = 0; j < od->field_count(); ++j) {
                const FieldDescriptor* f = od->field(j);
                const std::string idx = std::to_string(j + 1);
                if (is_message(f)) {
                    o.line(
                        cat("if (const auto* v = std::get_if<", idx, ">(&other.", raw_on, ")) {"));
                    o.line(cat("    if (", on, ".index() != ", idx, ") ", on, ".emplace<", idx,
                               ">();"));
                    o.line(cat("    std::get<", idx, ">(", on, ")->merge(**v);"));
                    o.line("}");
                } else {
                    o.line(cat("if (const auto* v = std::get_if<", idx, ">(&other.", raw_on, ")) ",
                               on, ".emplace<", idx, ">(*v);"));
                }
            }
        }
        o.line("unknown_fields_.append(other.unknown_fields_.view());");
        o.out();
        o.line("}");
        o.line();
    }

    void emit_is_initialized(const Descriptor* d, out_text& o,
                             std::map<const Descriptor*, int>& memo) const {
        o.line("inline bool " + local_name(d) + "::_h2pb_is_initialized() const {");
        o.in();
        for (const FieldDescriptor* f : fields_by_number(d)) {
            const std::string n = "this->" + safe_name(f->name());
            if (f->is_required()) o.line("if (!" + n + ".has_value()) return false;");
            if (f->is_map()) {
                const FieldDescriptor* v = f->message_type()->FindFieldByNumber(2);
                if (is_message(v) && needs_init_check(v->message_type(), memo)) {
                    o.line("for (const auto& e : " + n +
                           ") if (!e.second._h2pb_is_initialized()) return false;");
                }
                continue;
            }
            if (!is_message(f) || !needs_init_check(f->message_type(), memo)) continue;
            if (f->is_repeated()) {
                o.line("for (const auto& v : " + n +
                       ") if (!v._h2pb_is_initialized()) return false;");
            } else if (in_oneof(f)) {
                const std::string idx = std::to_string(f->index_in_oneof() + 1);
                o.line("if (const auto* v = std::get_if<" + idx + ">(&" + "this->" +
                       safe_name(f->real_containing_oneof()->name()) +
                       "); v != nullptr && !(*v)->_h2pb_is_initialized()) return false;");
            } else {
                o.line(cat("if (", n, " && !", n, "->_h2pb_is_initialized()) return false;"));
            }
        }
        o.line("return true;");
        o.out();
        o.line("}");
        o.line();
    }
};

}  // namespace

int main(int argc, char* argv[]) {
    // protoc runs a plugin without arguments (the request comes on stdin);
    // PluginMain itself knows no --version, so answer it here.
    if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
        std::cout << "protoc-gen-h2pb " << H2PB_TOOLS_VERSION << '\n';
        return 0;
    }
    generator g;
    return google::protobuf::compiler::PluginMain(argc, argv, &g);
}
