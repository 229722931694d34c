// h2pb::proto — a run-time schema: descriptors built from serialized
// google.protobuf.FileDescriptorProto messages.
//
// A tool that meets a .proto it was not compiled with (`h2pb call`, `h2pb
// trace`) learns the schema at run time, from one of two sources:
//   * a FileDescriptorSet, what `protoc --descriptor_set_out=F --include_imports`
//     writes (descriptor.proto: `repeated FileDescriptorProto file = 1`);
//   * single FileDescriptorProto messages, what gRPC server reflection sends
//     (grpc/reflection/v1/reflection.proto, FileDescriptorResponse), in any
//     order: a file waits until every file it imports has been added.
//
//   proto::descriptor_pool pool;
//   if (auto e = pool.add_file_descriptor_set(bytes)) fail(e.message());
//   const proto::message_descriptor* m = pool.find_message("pkg.Outer.Inner");
//   for (const proto::field_descriptor* f : m->fields()) ... f->name, f->number ...
//
// The bytes are read with proto::field_reader; the field numbers are those of
// google/protobuf/descriptor.proto (protobuf 3.21). The model follows
// libprotobuf's DescriptorPool: json_name computed as protoc does, presence
// and packing from syntax and options, synthetic oneofs for proto3
// `optional`, type names resolved to pointers. Editions files (syntax
// "editions") get edition 2023's defaults (explicit presence, open enums,
// packed repeated scalars); per-field `features` are not read.
//
// Every descriptor is owned by the pool and stays at its address for the
// pool's lifetime (the pool itself may be moved, not copied).
#pragma once

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/proto_codec/errc.hpp>
#include <h2pb/proto_codec/field_reader.hpp>
#include <h2pb/proto_codec/wire_format.hpp>
#include <h2pb/wire/bytes.hpp>

namespace h2pb::proto {

// ---------------------------------------------------------------------------
// Limits

/// Message types nested inside message types that the pool follows. protoc
/// itself has no fixed limit, but the parser recurses once per level; 64 is far
/// beyond any real schema and keeps the stack small.
inline constexpr std::size_t default_max_descriptor_depth = 64;

/// Named things (files, messages, fields, enums, values, services, methods) a
/// pool accepts in total: bounds memory when descriptors come from a peer
/// (server reflection). descriptor.proto itself has ~400; a million covers the
/// largest real schema sets (googleapis) many times over.
inline constexpr std::size_t default_max_descriptor_symbols = std::size_t{1} << 20;

struct descriptor_limits {
    std::size_t max_depth = default_max_descriptor_depth;
    std::size_t max_symbols = default_max_descriptor_symbols;
    decode_limits decode{};  ///< for the descriptor bytes themselves
};

// ---------------------------------------------------------------------------
// Errors

enum class descriptor_errc : std::uint8_t {
    ok = 0,
    bad_bytes,               ///< the protobuf bytes do not parse (see .wire)
    wrong_wire_type,         ///< a descriptor.proto field has the wrong wire type
    missing_name,            ///< a file, message, field, enum, ... without a name
    invalid_field,           ///< a field's number, label or type is out of range
    duplicate_file,          ///< two files with one name
    duplicate_symbol,        ///< two definitions of one fully-qualified name
    duplicate_field_number,  ///< two fields of one message with one number
    unresolved_type,         ///< a type_name (field, method) names nothing known
    wrong_kind,              ///< a type_name names an enum where a message is needed, ...
    bad_oneof_index,         ///< oneof_index past the message's oneof_decl
    bad_map_entry,           ///< a map_entry message without key = 1 / value = 2
    missing_dependency,      ///< files wait for imports that were never added
    depth_limit_exceeded,    ///< message types nested deeper than max_depth
    too_many_symbols,        ///< more names than max_symbols
    bad_default,             ///< a default_value that does not parse for its type
};

constexpr std::string_view describe(descriptor_errc e) noexcept {
    switch (e) {
        case descriptor_errc::ok:
            return "ok";
        case descriptor_errc::bad_bytes:
            return "descriptor bytes do not parse";
        case descriptor_errc::wrong_wire_type:
            return "descriptor field has the wrong wire type";
        case descriptor_errc::missing_name:
            return "definition without a name";
        case descriptor_errc::invalid_field:
            return "field number, label or type out of range";
        case descriptor_errc::duplicate_file:
            return "file added twice";
        case descriptor_errc::duplicate_symbol:
            return "name defined twice";
        case descriptor_errc::duplicate_field_number:
            return "two fields with one number";
        case descriptor_errc::unresolved_type:
            return "type name not found";
        case descriptor_errc::wrong_kind:
            return "type name is not a message/enum as required";
        case descriptor_errc::bad_oneof_index:
            return "oneof_index out of range";
        case descriptor_errc::bad_map_entry:
            return "map entry type without key and value fields";
        case descriptor_errc::missing_dependency:
            return "imported file not present";
        case descriptor_errc::depth_limit_exceeded:
            return "message types nested too deeply";
        case descriptor_errc::too_many_symbols:
            return "more definitions than the limit";
        case descriptor_errc::bad_default:
            return "default value does not parse";
    }
    return "unknown error";
}

/// A precise error: the code, what it concerns (a name, a type name, a
/// file), and for bad_bytes the wire error with its offset in the bytes.
struct descriptor_error {
    descriptor_errc code = descriptor_errc::ok;
    std::string subject;
    proto::error wire{};

    explicit operator bool() const noexcept { return code != descriptor_errc::ok; }
    std::string message() const {
        std::string s(describe(code));
        if (!subject.empty()) s += ": " + subject;
        if (wire) {
            s += " (";
            s += describe(wire.code);
            s += " at offset " + std::to_string(wire.offset) + ")";
        }
        return s;
    }
};

// ---------------------------------------------------------------------------
// The model

/// FieldDescriptorProto.Type.
enum class field_type : std::uint8_t {
    double_ = 1,
    float_ = 2,
    int64 = 3,
    uint64 = 4,
    int32 = 5,
    fixed64 = 6,
    fixed32 = 7,
    bool_ = 8,
    string = 9,
    group = 10,
    message = 11,
    bytes = 12,
    uint32 = 13,
    enum_ = 14,
    sfixed32 = 15,
    sfixed64 = 16,
    sint32 = 17,
    sint64 = 18,
};

constexpr std::string_view name(field_type t) noexcept {
    switch (t) {
        case field_type::double_:
            return "double";
        case field_type::float_:
            return "float";
        case field_type::int64:
            return "int64";
        case field_type::uint64:
            return "uint64";
        case field_type::int32:
            return "int32";
        case field_type::fixed64:
            return "fixed64";
        case field_type::fixed32:
            return "fixed32";
        case field_type::bool_:
            return "bool";
        case field_type::string:
            return "string";
        case field_type::group:
            return "group";
        case field_type::message:
            return "message";
        case field_type::bytes:
            return "bytes";
        case field_type::uint32:
            return "uint32";
        case field_type::enum_:
            return "enum";
        case field_type::sfixed32:
            return "sfixed32";
        case field_type::sfixed64:
            return "sfixed64";
        case field_type::sint32:
            return "sint32";
        case field_type::sint64:
            return "sint64";
    }
    return "?";
}

/// The in-memory representation of a value of a field type (libprotobuf's
/// FieldDescriptor::CppType): what dynamic_message's accessors take.
enum class cpp_type : std::uint8_t {
    int32,
    int64,
    uint32,
    uint64,
    double_,
    float_,
    bool_,
    enum_,
    string,
    message
};

constexpr cpp_type cpp_type_of(field_type t) noexcept {
    switch (t) {
        case field_type::int32:
        case field_type::sint32:
        case field_type::sfixed32:
            return cpp_type::int32;
        case field_type::int64:
        case field_type::sint64:
        case field_type::sfixed64:
            return cpp_type::int64;
        case field_type::uint32:
        case field_type::fixed32:
            return cpp_type::uint32;
        case field_type::uint64:
        case field_type::fixed64:
            return cpp_type::uint64;
        case field_type::double_:
            return cpp_type::double_;
        case field_type::float_:
            return cpp_type::float_;
        case field_type::bool_:
            return cpp_type::bool_;
        case field_type::enum_:
            return cpp_type::enum_;
        case field_type::string:
        case field_type::bytes:
            return cpp_type::string;
        case field_type::group:
        case field_type::message:
            return cpp_type::message;
    }
    return cpp_type::int32;
}

/// The wire type a single (unpacked) value of type t travels as.
constexpr wire_type wire_type_for(field_type t) noexcept {
    switch (t) {
        case field_type::double_:
        case field_type::fixed64:
        case field_type::sfixed64:
            return wire_type::i64;
        case field_type::float_:
        case field_type::fixed32:
        case field_type::sfixed32:
            return wire_type::i32;
        case field_type::string:
        case field_type::bytes:
        case field_type::message:
            return wire_type::len;
        case field_type::group:
            return wire_type::sgroup;
        default:
            return wire_type::varint;
    }
}

/// Scalars of wire type VARINT, I32, I64 may be packed when repeated.
constexpr bool is_packable(field_type t) noexcept {
    const wire_type w = wire_type_for(t);
    return w == wire_type::varint || w == wire_type::i32 || w == wire_type::i64;
}

enum class field_label : std::uint8_t { optional = 1, required = 2, repeated = 3 };
enum class file_syntax : std::uint8_t { proto2, proto3, editions };

struct file_descriptor;
struct message_descriptor;
struct enum_descriptor;
struct oneof_descriptor;
struct service_descriptor;

struct field_descriptor {
    std::string name;
    std::string full_name;  ///< "pkg.Message.field"
    std::string json_name;  ///< from the .proto ([json_name]) or computed as protoc does
    std::uint32_t number = 0;
    field_label label = field_label::optional;
    field_type type = field_type::int32;
    std::string type_name;      ///< as in the descriptor (".pkg.Type"); message/enum/group
    std::string default_value;  ///< proto2 [default = ...], as protoc stores it (bytes C-escaped)
    std::size_t index = 0;      ///< position in the containing message's fields()

    const message_descriptor* containing_type = nullptr;
    const message_descriptor* message_type = nullptr;    ///< message and group fields
    const enum_descriptor* enum_type = nullptr;          ///< enum fields
    const oneof_descriptor* containing_oneof = nullptr;  ///< real or synthetic
    bool proto3_optional = false;
    bool has_presence = false;  ///< has() is meaningful (explicit presence)
    bool is_packed = false;     ///< repeated scalars written as one LEN field

    /// Parsed default (proto2 [default = ...]; else zero / the first enum value):
    /// integer types as their 64-bit two's complement, floats as double,
    /// strings and bytes unescaped.
    std::uint64_t default_bits = 0;
    double default_double = 0;
    std::string default_string;

    bool is_repeated() const noexcept { return label == field_label::repeated; }
    bool is_required() const noexcept { return label == field_label::required; }
    bool is_map() const noexcept;
    proto::cpp_type cpp_type() const noexcept { return cpp_type_of(type); }
    /// proto3 strings must hold valid UTF-8 (libprotobuf fails the parse).
    bool requires_utf8() const noexcept;
    /// The oneof this field is in, unless that is a proto3 `optional`'s synthetic one.
    const oneof_descriptor* real_containing_oneof() const noexcept;
};

struct oneof_descriptor {
    std::string name;
    std::string full_name;
    std::size_t index = 0;
    bool is_synthetic = false;  ///< made by protoc for one proto3 `optional` field
    const message_descriptor* containing_type = nullptr;
    std::vector<const field_descriptor*> fields;
};

struct enum_value_descriptor {
    std::string name;
    std::string full_name;  ///< C++ scoping: a sibling of the enum ("pkg.VALUE")
    std::int32_t number = 0;
    std::size_t index = 0;
};

struct enum_descriptor {
    std::string name;
    std::string full_name;
    const file_descriptor* file = nullptr;
    const message_descriptor* containing_type = nullptr;
    std::vector<enum_value_descriptor> values;  ///< declaration order
    /// Open enums (proto3, editions) keep unknown values in the field; closed
    /// ones (proto2) move them to the unknown fields when parsing.
    bool is_closed = false;

    const enum_value_descriptor* find_value(std::string_view n) const noexcept {
        for (const auto& v : values)
            if (v.name == n) return &v;
        return nullptr;
    }
    /// The first value declared with this number (allow_alias permits several).
    const enum_value_descriptor* find_value(std::int32_t number) const noexcept {
        for (const auto& v : values)
            if (v.number == number) return &v;
        return nullptr;
    }
};

struct message_descriptor {
    std::string name;
    std::string full_name;
    const file_descriptor* file = nullptr;
    const message_descriptor* containing_type = nullptr;
    bool is_map_entry = false;  ///< MessageOptions.map_entry: fields key = 1, value = 2

    std::span<const field_descriptor* const> fields() const noexcept { return fields_; }
    /// The fields sorted by number: the order they are serialized in.
    std::span<const field_descriptor* const> fields_by_number() const noexcept {
        return by_number_;
    }
    std::span<const oneof_descriptor* const> oneofs() const noexcept { return oneof_ptrs_; }
    std::span<const message_descriptor* const> nested_types() const noexcept { return nested_; }
    std::span<const enum_descriptor* const> enum_types() const noexcept { return enums_; }

    const field_descriptor* find_field(std::uint32_t number) const noexcept {
        auto it = std::lower_bound(
            by_number_.begin(), by_number_.end(), number,
            [](const field_descriptor* f, std::uint32_t n) { return f->number < n; });
        return it != by_number_.end() && (*it)->number == number ? *it : nullptr;
    }
    const field_descriptor* find_field(std::string_view n) const noexcept {
        auto it = by_name_.find(n);
        return it == by_name_.end() ? nullptr : it->second;
    }
    const field_descriptor* find_field_by_json_name(std::string_view n) const noexcept {
        auto it = by_json_name_.find(n);
        return it == by_json_name_.end() ? nullptr : it->second;
    }
    /// Map entries: the key (1) and value (2) fields.
    const field_descriptor* map_key() const noexcept {
        return is_map_entry ? find_field(1U) : nullptr;
    }
    const field_descriptor* map_value() const noexcept {
        return is_map_entry ? find_field(2U) : nullptr;
    }

  private:
    friend class descriptor_pool;
    std::vector<std::unique_ptr<field_descriptor>> field_store_;
    std::vector<std::unique_ptr<oneof_descriptor>> oneof_store_;
    std::vector<const field_descriptor*> fields_;
    std::vector<const field_descriptor*> by_number_;
    std::vector<const oneof_descriptor*> oneof_ptrs_;
    std::vector<const message_descriptor*> nested_;
    std::vector<const enum_descriptor*> enums_;
    std::map<std::string, const field_descriptor*, std::less<>> by_name_;
    std::map<std::string, const field_descriptor*, std::less<>> by_json_name_;
};

struct method_descriptor {
    std::string name;
    std::string full_name;   ///< "pkg.Service.Method"
    std::string input_name;  ///< as in the descriptor (".pkg.Request")
    std::string output_name;
    const message_descriptor* input_type = nullptr;
    const message_descriptor* output_type = nullptr;
    bool client_streaming = false;
    bool server_streaming = false;
    const service_descriptor* service = nullptr;
    /// The HTTP/2 :path of the call (gRPC PROTOCOL-HTTP2.md): "/pkg.Service/Method".
    std::string path() const;
};

struct service_descriptor {
    std::string name;
    std::string full_name;
    const file_descriptor* file = nullptr;
    std::vector<std::unique_ptr<method_descriptor>> methods;

    const method_descriptor* find_method(std::string_view n) const noexcept {
        for (const auto& m : methods)
            if (m->name == n) return m.get();
        return nullptr;
    }
};

inline std::string method_descriptor::path() const {
    return "/" + service->full_name + "/" + name;
}

struct file_descriptor {
    std::string name;  ///< "google/protobuf/timestamp.proto"
    std::string package;
    file_syntax syntax = file_syntax::proto2;
    std::vector<std::string> dependencies;
    std::vector<const message_descriptor*> message_types;  ///< top level
    std::vector<const enum_descriptor*> enum_types;        ///< top level
    std::vector<const service_descriptor*> services;

  private:
    friend class descriptor_pool;
    std::vector<std::unique_ptr<message_descriptor>> all_messages_;
    std::vector<std::unique_ptr<enum_descriptor>> all_enums_;
    std::vector<std::unique_ptr<service_descriptor>> all_services_;
};

inline bool field_descriptor::is_map() const noexcept {
    return is_repeated() && message_type != nullptr && message_type->is_map_entry;
}
inline bool field_descriptor::requires_utf8() const noexcept {
    return type == field_type::string && containing_type != nullptr &&
           containing_type->file->syntax != file_syntax::proto2;
}
inline const oneof_descriptor* field_descriptor::real_containing_oneof() const noexcept {
    return containing_oneof != nullptr && !containing_oneof->is_synthetic ? containing_oneof
                                                                          : nullptr;
}

/// protoc's json_name for a field without [json_name]: underscores dropped,
/// the letter after each one upper-cased (descriptor.cc, ToJsonName).
inline std::string to_json_name(std::string_view name) {
    std::string out;
    bool upper_next = false;
    for (char c : name) {
        if (c == '_') {
            upper_next = true;
        } else if (upper_next) {
            out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
            upper_next = false;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

/// Undoes protoc's C escaping of a bytes default (CEscape: backslash n, r, t, quotes,
/// and three-digit octal; \xHH accepted too). Returns false on a bad escape.
inline bool unescape_c(std::string_view in, std::string* out) {
    out->clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c != '\\') {
            out->push_back(c);
            continue;
        }
        if (++i == in.size()) return false;
        c = in[i];
        switch (c) {
            case 'n':
                out->push_back('\n');
                break;
            case 'r':
                out->push_back('\r');
                break;
            case 't':
                out->push_back('\t');
                break;
            case 'a':
                out->push_back('\a');
                break;
            case 'b':
                out->push_back('\b');
                break;
            case 'f':
                out->push_back('\f');
                break;
            case 'v':
                out->push_back('\v');
                break;
            case '?':
            case '\\':
            case '\'':
            case '"':
                out->push_back(c);
                break;
            case 'x': {
                unsigned v = 0, n = 0;
                while (n < 2 && i + 1 < in.size() &&
                       std::isxdigit(static_cast<unsigned char>(in[i + 1]))) {
                    const char h = in[++i];
                    v = v * 16 + static_cast<unsigned>(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
                    ++n;
                }
                if (n == 0) return false;
                out->push_back(static_cast<char>(v));
                break;
            }
            default: {
                if (c < '0' || c > '7') return false;
                unsigned v = static_cast<unsigned>(c - '0');
                for (int n = 1; n < 3 && i + 1 < in.size() && in[i + 1] >= '0' && in[i + 1] <= '7';
                     ++n)
                    v = v * 8 + static_cast<unsigned>(in[++i] - '0');
                if (v > 255) return false;
                out->push_back(static_cast<char>(v));
            }
        }
    }
    return true;
}

// ---------------------------------------------------------------------------
// The pool

class descriptor_pool {
  public:
    explicit descriptor_pool(descriptor_limits limits = {}) : limits_(limits) {}
    descriptor_pool(descriptor_pool&&) noexcept = default;
    descriptor_pool& operator=(descriptor_pool&&) noexcept = default;

    /// Adds every file of a serialized FileDescriptorSet, then checks that
    /// none still waits for an import (descriptor_errc::missing_dependency).
    descriptor_error add_file_descriptor_set(wire::bytes_view set) {
        field_reader r(set, 0, limits_.decode);
        field f;
        while (r.next(f)) {
            if (f.number != 1) continue;
            if (f.type != wire_type::len)
                return {descriptor_errc::wrong_wire_type, "FileDescriptorSet.file", {}};
            if (auto e = add_file(f.payload)) return e;
        }
        if (r.error()) return {descriptor_errc::bad_bytes, "FileDescriptorSet", r.error()};
        return check_complete();
    }

    /// Adds one serialized FileDescriptorProto. If all its imports are
    /// already built, it is built now (and then any waiting file that
    /// needed it); otherwise it waits. Errors in the file are returned
    /// from the call that builds it.
    descriptor_error add_file(wire::bytes_view bytes) {
        auto file = std::make_unique<pending_file>();
        file->bytes.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        if (auto e = read_file_header(*file)) return e;
        if (files_by_name_.count(file->name) != 0 || pending_names_.count(file->name) != 0)
            return {descriptor_errc::duplicate_file, file->name, {}};
        pending_names_.insert({file->name, 0});
        pending_.push_back(std::move(file));
        return build_ready();
    }

    /// An error naming the first import still missing, if any file waits.
    descriptor_error check_complete() const {
        for (const auto& p : pending_) {
            for (const auto& d : p->deps) {
                if (files_by_name_.count(d) == 0)
                    return {descriptor_errc::missing_dependency, p->name + " imports " + d, {}};
            }
        }
        return {};
    }
    /// Files added but not built yet (imports missing).
    std::vector<std::string> pending_files() const {
        std::vector<std::string> out;
        for (const auto& p : pending_) out.push_back(p->name);
        return out;
    }

    const file_descriptor* find_file(std::string_view name) const {
        auto it = files_by_name_.find(name);
        return it == files_by_name_.end() ? nullptr : it->second;
    }
    /// Lookups by fully-qualified name; a leading '.' is accepted.
    const message_descriptor* find_message(std::string_view n) const {
        return find<message_descriptor>(n, symbol_kind::message);
    }
    const enum_descriptor* find_enum(std::string_view n) const {
        return find<enum_descriptor>(n, symbol_kind::enumeration);
    }
    const service_descriptor* find_service(std::string_view n) const {
        return find<service_descriptor>(n, symbol_kind::service);
    }
    /// "pkg.Service.Method", or the :path form "/pkg.Service/Method".
    const method_descriptor* find_method(std::string_view n) const {
        if (!n.empty() && n[0] == '/') {
            std::string s(n.substr(1));
            std::replace(s.begin(), s.end(), '/', '.');
            return find<method_descriptor>(s, symbol_kind::method);
        }
        return find<method_descriptor>(n, symbol_kind::method);
    }
    /// The file defining a message, enum, enum value, service, method or
    /// field ("find file containing symbol", as server reflection asks).
    const file_descriptor* find_file_containing_symbol(std::string_view n) const {
        if (!n.empty() && n[0] == '.') n.remove_prefix(1);
        auto it = symbols_.find(n);
        if (it != symbols_.end()) return it->second.file;
        // A field: "pkg.Message.field".
        const auto dot = n.rfind('.');
        if (dot == std::string_view::npos) return nullptr;
        const message_descriptor* m = find_message(n.substr(0, dot));
        if (m != nullptr && m->find_field(n.substr(dot + 1)) != nullptr) return m->file;
        return nullptr;
    }
    std::span<const std::unique_ptr<file_descriptor>> files() const noexcept { return files_; }

  private:
    enum class symbol_kind : std::uint8_t {
        package,
        message,
        enumeration,
        enum_value,
        service,
        method
    };
    struct symbol {
        symbol_kind kind;
        const void* ptr;
        const file_descriptor* file;
    };
    struct pending_file {
        std::string bytes;
        std::string name;
        std::vector<std::string> deps;
    };

    template <class T>
    const T* find(std::string_view n, symbol_kind kind) const {
        if (!n.empty() && n[0] == '.') n.remove_prefix(1);
        auto it = symbols_.find(n);
        if (it == symbols_.end() || it->second.kind != kind) return nullptr;
        return static_cast<const T*>(it->second.ptr);
    }

    static std::string str(const field& f) { return std::string(wire::as_chars(f.payload)); }

    // Reads a string field; a wrong wire type is an error.
    static bool take_string(const field& f, std::string* out, descriptor_error* err,
                            const char* what) {
        if (f.type != wire_type::len) {
            *err = {descriptor_errc::wrong_wire_type, what, {}};
            return false;
        }
        *out = str(f);
        return true;
    }
    static bool take_varint(const field& f, std::uint64_t* out, descriptor_error* err,
                            const char* what) {
        if (f.type != wire_type::varint) {
            *err = {descriptor_errc::wrong_wire_type, what, {}};
            return false;
        }
        *out = f.value;
        return true;
    }
    static bool take_len(const field& f, descriptor_error* err, const char* what) {
        if (f.type != wire_type::len) {
            *err = {descriptor_errc::wrong_wire_type, what, {}};
            return false;
        }
        return true;
    }

    descriptor_error read_file_header(pending_file& p) {
        field_reader r(wire::as_bytes(p.bytes), 0, limits_.decode);
        field f;
        descriptor_error err;
        while (r.next(f)) {
            if (f.number == 1) {
                if (!take_string(f, &p.name, &err, "FileDescriptorProto.name")) return err;
            } else if (f.number == 3) {
                std::string d;
                if (!take_string(f, &d, &err, "FileDescriptorProto.dependency")) return err;
                p.deps.push_back(std::move(d));
            }
        }
        if (r.error()) return {descriptor_errc::bad_bytes, "FileDescriptorProto", r.error()};
        if (p.name.empty()) return {descriptor_errc::missing_name, "FileDescriptorProto", {}};
        return {};
    }

    // Builds every pending file whose imports are all built, repeatedly.
    descriptor_error build_ready() {
        bool progress = true;
        while (progress) {
            progress = false;
            for (std::size_t i = 0; i < pending_.size(); ++i) {
                bool ready = true;
                for (const auto& d : pending_[i]->deps)
                    if (files_by_name_.count(d) == 0) ready = false;
                if (!ready) continue;
                std::unique_ptr<pending_file> p = std::move(pending_[i]);
                pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
                pending_names_.erase(p->name);
                if (auto e = build_file(*p)) return e;
                progress = true;
                break;
            }
        }
        return {};
    }

    descriptor_error count_symbol() {
        if (++symbol_count_ > limits_.max_symbols)
            return {descriptor_errc::too_many_symbols, {}, {}};
        return {};
    }

    descriptor_error add_symbol(const std::string& full, symbol_kind kind, const void* ptr,
                                const file_descriptor* file, std::vector<std::string>* added) {
        if (auto e = count_symbol()) return e;
        auto it = symbols_.find(full);
        if (it != symbols_.end()) {
            // A package may be declared by many files; anything else is unique.
            if (kind == symbol_kind::package && it->second.kind == symbol_kind::package) return {};
            return {descriptor_errc::duplicate_symbol, full, {}};
        }
        symbols_.emplace(full, symbol{kind, ptr, file});
        added->push_back(full);
        return {};
    }

    descriptor_error build_file(const pending_file& p) {
        auto file = std::make_unique<file_descriptor>();
        file->name = p.name;
        file->dependencies = p.deps;
        std::vector<std::string> added;  // symbols to take back on failure
        descriptor_error e = parse_file(wire::as_bytes(p.bytes), *file, &added);
        if (!e) e = resolve_file(*file);
        if (e) {
            for (const auto& s : added) symbols_.erase(s);
            return e;
        }
        files_by_name_.emplace(file->name, file.get());
        files_.push_back(std::move(file));
        return {};
    }

    descriptor_error parse_file(wire::bytes_view b, file_descriptor& file,
                                std::vector<std::string>* added) {
        descriptor_error err;
        field f;
        std::string syntax;
        {
            field_reader r(b, 0, limits_.decode);
            while (r.next(f)) {
                if (f.number == 2 &&
                    !take_string(f, &file.package, &err, "FileDescriptorProto.package"))
                    return err;
                if (f.number == 12 && !take_string(f, &syntax, &err, "FileDescriptorProto.syntax"))
                    return err;
            }
            if (r.error()) return {descriptor_errc::bad_bytes, file.name, r.error()};
        }
        file.syntax = syntax == "proto3"     ? file_syntax::proto3
                      : syntax == "editions" ? file_syntax::editions
                                             : file_syntax::proto2;
        // Every prefix of the package is a name too ("a", "a.b" for package a.b).
        if (!file.package.empty()) {
            std::size_t pos = 0;
            while (true) {
                const auto dot = file.package.find('.', pos);
                const std::string prefix = file.package.substr(0, dot);
                if (auto e = add_symbol(prefix, symbol_kind::package, nullptr, &file, added))
                    return e;
                if (dot == std::string::npos) break;
                pos = dot + 1;
            }
        }
        const std::string scope = file.package.empty() ? "" : file.package + ".";
        field_reader r(b, 0, limits_.decode);
        while (r.next(f)) {
            if (f.number == 4) {
                if (!take_len(f, &err, "FileDescriptorProto.message_type")) return err;
                const message_descriptor* m = nullptr;
                if (auto e = parse_message(f.payload, scope, nullptr, file, 0, added, &m)) return e;
                file.message_types.push_back(m);
            } else if (f.number == 5) {
                if (!take_len(f, &err, "FileDescriptorProto.enum_type")) return err;
                const enum_descriptor* en = nullptr;
                if (auto e = parse_enum(f.payload, scope, nullptr, file, added, &en)) return e;
                file.enum_types.push_back(en);
            } else if (f.number == 6) {
                if (!take_len(f, &err, "FileDescriptorProto.service")) return err;
                if (auto e = parse_service(f.payload, scope, file, added)) return e;
            }
        }
        if (r.error()) return {descriptor_errc::bad_bytes, file.name, r.error()};
        return {};
    }

    descriptor_error parse_enum(wire::bytes_view b, const std::string& scope,
                                const message_descriptor* parent, file_descriptor& file,
                                std::vector<std::string>* added, const enum_descriptor** out) {
        auto en = std::make_unique<enum_descriptor>();
        en->file = &file;
        en->containing_type = parent;
        en->is_closed = file.syntax == file_syntax::proto2;
        descriptor_error err;
        field_reader r(b, 0, limits_.decode);
        field f;
        while (r.next(f)) {
            if (f.number == 1) {
                if (!take_string(f, &en->name, &err, "EnumDescriptorProto.name")) return err;
            } else if (f.number == 2) {
                if (!take_len(f, &err, "EnumDescriptorProto.value")) return err;
                enum_value_descriptor v;
                field_reader vr(f.payload, 0, limits_.decode);
                field g;
                while (vr.next(g)) {
                    std::uint64_t n = 0;
                    if (g.number == 1 &&
                        !take_string(g, &v.name, &err, "EnumValueDescriptorProto.name"))
                        return err;
                    if (g.number == 2) {
                        if (!take_varint(g, &n, &err, "EnumValueDescriptorProto.number"))
                            return err;
                        v.number = static_cast<std::int32_t>(n);
                    }
                }
                if (vr.error())
                    return {descriptor_errc::bad_bytes, "EnumValueDescriptorProto", vr.error()};
                if (v.name.empty())
                    return {descriptor_errc::missing_name, "enum value in " + scope + en->name, {}};
                v.index = en->values.size();
                en->values.push_back(std::move(v));
            }
        }
        if (r.error()) return {descriptor_errc::bad_bytes, "EnumDescriptorProto", r.error()};
        if (en->name.empty()) return {descriptor_errc::missing_name, "enum in " + scope, {}};
        en->full_name = scope + en->name;
        if (auto e = add_symbol(en->full_name, symbol_kind::enumeration, en.get(), &file, added))
            return e;
        // Enum values are scoped like C++ enumerators: siblings of the enum.
        for (auto& v : en->values) {
            v.full_name = scope + v.name;
            if (auto e = add_symbol(v.full_name, symbol_kind::enum_value, &v, &file, added))
                return e;
        }
        *out = en.get();
        file.all_enums_.push_back(std::move(en));
        return {};
    }

    descriptor_error parse_field(wire::bytes_view b, field_descriptor& fd,
                                 std::int64_t* oneof_index) {
        descriptor_error err;
        field_reader r(b, 0, limits_.decode);
        field f;
        bool has_json = false;
        bool has_type = false;
        std::uint64_t v = 0;
        while (r.next(f)) {
            switch (f.number) {
                case 1:
                    if (!take_string(f, &fd.name, &err, "FieldDescriptorProto.name")) return err;
                    break;
                case 3:
                    if (!take_varint(f, &v, &err, "FieldDescriptorProto.number")) return err;
                    if (v == 0 || v > max_field_number)
                        return {descriptor_errc::invalid_field, "number of " + fd.name, {}};
                    fd.number = static_cast<std::uint32_t>(v);
                    break;
                case 4:
                    if (!take_varint(f, &v, &err, "FieldDescriptorProto.label")) return err;
                    if (v < 1 || v > 3)
                        return {descriptor_errc::invalid_field, "label of " + fd.name, {}};
                    fd.label = static_cast<field_label>(v);
                    break;
                case 5:
                    if (!take_varint(f, &v, &err, "FieldDescriptorProto.type")) return err;
                    if (v < 1 || v > 18)
                        return {descriptor_errc::invalid_field, "type of " + fd.name, {}};
                    fd.type = static_cast<field_type>(v);
                    has_type = true;
                    break;
                case 6:
                    if (!take_string(f, &fd.type_name, &err, "FieldDescriptorProto.type_name"))
                        return err;
                    break;
                case 7:
                    if (!take_string(f, &fd.default_value, &err,
                                     "FieldDescriptorProto.default_value"))
                        return err;
                    break;
                case 8: {  // FieldOptions: packed = 2
                    if (!take_len(f, &err, "FieldDescriptorProto.options")) return err;
                    field_reader o(f.payload, 0, limits_.decode);
                    field g;
                    while (o.next(g)) {
                        if (g.number == 2) {
                            if (!take_varint(g, &v, &err, "FieldOptions.packed")) return err;
                            packed_option_ = v != 0 ? 1 : 0;
                        }
                    }
                    if (o.error()) return {descriptor_errc::bad_bytes, "FieldOptions", o.error()};
                    break;
                }
                case 9:
                    if (!take_varint(f, &v, &err, "FieldDescriptorProto.oneof_index")) return err;
                    *oneof_index = static_cast<std::int64_t>(static_cast<std::int32_t>(v));
                    break;
                case 10:
                    if (!take_string(f, &fd.json_name, &err, "FieldDescriptorProto.json_name"))
                        return err;
                    has_json = true;
                    break;
                case 17:
                    if (!take_varint(f, &v, &err, "FieldDescriptorProto.proto3_optional"))
                        return err;
                    fd.proto3_optional = v != 0;
                    break;
                default:
                    break;
            }
        }
        if (r.error()) return {descriptor_errc::bad_bytes, "FieldDescriptorProto", r.error()};
        if (fd.name.empty()) return {descriptor_errc::missing_name, "field", {}};
        if (fd.number == 0) return {descriptor_errc::invalid_field, "number of " + fd.name, {}};
        // The type may be left out when type_name says it (a message or an enum).
        if (!has_type && fd.type_name.empty())
            return {descriptor_errc::invalid_field, "type of " + fd.name, {}};
        if (!has_json) fd.json_name = to_json_name(fd.name);
        return {};
    }

    descriptor_error parse_message(wire::bytes_view b, const std::string& scope,
                                   const message_descriptor* parent, file_descriptor& file,
                                   std::size_t depth, std::vector<std::string>* added,
                                   const message_descriptor** out) {
        if (depth > limits_.max_depth) return {descriptor_errc::depth_limit_exceeded, scope, {}};
        auto m = std::make_unique<message_descriptor>();
        message_descriptor& md = *m;
        md.file = &file;
        md.containing_type = parent;
        descriptor_error err;
        field f;
        {
            field_reader r(b, 0, limits_.decode);
            while (r.next(f))
                if (f.number == 1 && !take_string(f, &md.name, &err, "DescriptorProto.name"))
                    return err;
            if (r.error())
                return {descriptor_errc::bad_bytes, "DescriptorProto in " + scope, r.error()};
        }
        if (md.name.empty()) return {descriptor_errc::missing_name, "message in " + file.name, {}};
        md.full_name = scope + md.name;
        if (auto e = add_symbol(md.full_name, symbol_kind::message, &md, &file, added)) return e;
        const std::string inner = md.full_name + ".";
        std::vector<std::int64_t> oneof_of_field;
        std::vector<signed char> packed_of_field;
        field_reader r(b, 0, limits_.decode);
        while (r.next(f)) {
            switch (f.number) {
                case 2: {
                    if (!take_len(f, &err, "DescriptorProto.field")) return err;
                    if (auto e = count_symbol()) return e;
                    auto fd = std::make_unique<field_descriptor>();
                    std::int64_t oneof_index = -1;
                    packed_option_ = -1;
                    if (auto e = parse_field(f.payload, *fd, &oneof_index)) {
                        if (e.subject.empty() || e.code == descriptor_errc::missing_name)
                            e.subject += " in " + md.full_name;
                        return e;
                    }
                    fd->full_name = inner + fd->name;
                    fd->containing_type = &md;
                    fd->index = md.field_store_.size();
                    oneof_of_field.push_back(oneof_index);
                    packed_of_field.push_back(packed_option_);
                    md.field_store_.push_back(std::move(fd));
                    break;
                }
                case 3: {
                    if (!take_len(f, &err, "DescriptorProto.nested_type")) return err;
                    const message_descriptor* n = nullptr;
                    if (auto e = parse_message(f.payload, inner, &md, file, depth + 1, added, &n))
                        return e;
                    md.nested_.push_back(n);
                    break;
                }
                case 4: {
                    if (!take_len(f, &err, "DescriptorProto.enum_type")) return err;
                    const enum_descriptor* n = nullptr;
                    if (auto e = parse_enum(f.payload, inner, &md, file, added, &n)) return e;
                    md.enums_.push_back(n);
                    break;
                }
                case 7: {  // MessageOptions: map_entry = 7
                    if (!take_len(f, &err, "DescriptorProto.options")) return err;
                    field_reader o(f.payload, 0, limits_.decode);
                    field g;
                    std::uint64_t v = 0;
                    while (o.next(g)) {
                        if (g.number == 7) {
                            if (!take_varint(g, &v, &err, "MessageOptions.map_entry")) return err;
                            md.is_map_entry = v != 0;
                        }
                    }
                    if (o.error()) return {descriptor_errc::bad_bytes, "MessageOptions", o.error()};
                    break;
                }
                case 8: {  // OneofDescriptorProto
                    if (!take_len(f, &err, "DescriptorProto.oneof_decl")) return err;
                    auto od = std::make_unique<oneof_descriptor>();
                    field_reader o(f.payload, 0, limits_.decode);
                    field g;
                    while (o.next(g)) {
                        if (g.number == 1 &&
                            !take_string(g, &od->name, &err, "OneofDescriptorProto.name"))
                            return err;
                    }
                    if (o.error())
                        return {descriptor_errc::bad_bytes, "OneofDescriptorProto", o.error()};
                    if (od->name.empty())
                        return {descriptor_errc::missing_name, "oneof in " + md.full_name, {}};
                    od->full_name = inner + od->name;
                    od->containing_type = &md;
                    od->index = md.oneof_store_.size();
                    md.oneof_store_.push_back(std::move(od));
                    break;
                }
                default:
                    break;
            }
        }
        if (r.error())
            return {descriptor_errc::bad_bytes, "DescriptorProto " + md.full_name, r.error()};

        // Fields: indexes, oneofs, presence, packing.
        for (std::size_t i = 0; i < md.field_store_.size(); ++i) {
            field_descriptor& fd = *md.field_store_[i];
            md.fields_.push_back(&fd);
            if (!md.by_name_.emplace(fd.name, &fd).second)
                return {descriptor_errc::duplicate_symbol, fd.full_name, {}};
            md.by_json_name_.emplace(fd.json_name, &fd);
            if (oneof_of_field[i] >= 0) {
                if (static_cast<std::uint64_t>(oneof_of_field[i]) >= md.oneof_store_.size())
                    return {descriptor_errc::bad_oneof_index, fd.full_name, {}};
                oneof_descriptor& od =
                    *md.oneof_store_[static_cast<std::size_t>(oneof_of_field[i])];
                od.fields.push_back(&fd);
                fd.containing_oneof = &od;
                if (fd.proto3_optional) od.is_synthetic = true;
            }
            if (fd.is_repeated() && is_packable(fd.type)) {
                // proto2: packed only with [packed = true]; proto3 and
                // editions: packed unless [packed = false].
                fd.is_packed = file.syntax == file_syntax::proto2 ? packed_of_field[i] == 1
                                                                  : packed_of_field[i] != 0;
            }
        }
        for (const auto& od : md.oneof_store_) md.oneof_ptrs_.push_back(od.get());
        md.by_number_ = md.fields_;
        std::sort(md.by_number_.begin(), md.by_number_.end(),
                  [](const field_descriptor* a, const field_descriptor* c) {
                      return a->number < c->number;
                  });
        for (std::size_t i = 1; i < md.by_number_.size(); ++i)
            if (md.by_number_[i]->number == md.by_number_[i - 1]->number)
                return {descriptor_errc::duplicate_field_number, md.by_number_[i]->full_name, {}};
        if (md.is_map_entry) {
            const field_descriptor* k = md.find_field(1U);
            const field_descriptor* v = md.find_field(2U);
            if (k == nullptr || v == nullptr || md.fields_.size() != 2 || k->is_repeated() ||
                v->is_repeated())
                return {descriptor_errc::bad_map_entry, md.full_name, {}};
        }
        *out = m.get();
        file.all_messages_.push_back(std::move(m));
        return {};
    }

    descriptor_error parse_service(wire::bytes_view b, const std::string& scope,
                                   file_descriptor& file, std::vector<std::string>* added) {
        auto s = std::make_unique<service_descriptor>();
        s->file = &file;
        descriptor_error err;
        field_reader r(b, 0, limits_.decode);
        field f;
        while (r.next(f)) {
            if (f.number == 1) {
                if (!take_string(f, &s->name, &err, "ServiceDescriptorProto.name")) return err;
            } else if (f.number == 2) {
                if (!take_len(f, &err, "ServiceDescriptorProto.method")) return err;
                auto m = std::make_unique<method_descriptor>();
                m->service = s.get();
                field_reader mr(f.payload, 0, limits_.decode);
                field g;
                std::uint64_t v = 0;
                while (mr.next(g)) {
                    switch (g.number) {
                        case 1:
                            if (!take_string(g, &m->name, &err, "MethodDescriptorProto.name"))
                                return err;
                            break;
                        case 2:
                            if (!take_string(g, &m->input_name, &err,
                                             "MethodDescriptorProto.input_type"))
                                return err;
                            break;
                        case 3:
                            if (!take_string(g, &m->output_name, &err,
                                             "MethodDescriptorProto.output_type"))
                                return err;
                            break;
                        case 5:
                            if (!take_varint(g, &v, &err, "MethodDescriptorProto.client_streaming"))
                                return err;
                            m->client_streaming = v != 0;
                            break;
                        case 6:
                            if (!take_varint(g, &v, &err, "MethodDescriptorProto.server_streaming"))
                                return err;
                            m->server_streaming = v != 0;
                            break;
                        default:
                            break;
                    }
                }
                if (mr.error())
                    return {descriptor_errc::bad_bytes, "MethodDescriptorProto", mr.error()};
                if (m->name.empty()) return {descriptor_errc::missing_name, "method", {}};
                s->methods.push_back(std::move(m));
            }
        }
        if (r.error()) return {descriptor_errc::bad_bytes, "ServiceDescriptorProto", r.error()};
        if (s->name.empty()) return {descriptor_errc::missing_name, "service in " + file.name, {}};
        s->full_name = scope + s->name;
        if (auto e = add_symbol(s->full_name, symbol_kind::service, s.get(), &file, added))
            return e;
        for (auto& m : s->methods) {
            m->full_name = s->full_name + "." + m->name;
            if (auto e = add_symbol(m->full_name, symbol_kind::method, m.get(), &file, added))
                return e;
        }
        file.services.push_back(s.get());
        file.all_services_.push_back(std::move(s));
        return {};
    }

    // Resolves a type name as protoc does: ".a.b.C" is absolute; a relative
    // "b.C" used in scope "x.y.Z" is tried as "x.y.Z.b.C", "x.y.b.C",
    // "x.b.C", "b.C" (C++-like scoping; descriptor.cc, LookupSymbol).
    const symbol* lookup(std::string_view name, std::string_view scope) const {
        if (!name.empty() && name[0] == '.') {
            auto it = symbols_.find(name.substr(1));
            return it == symbols_.end() ? nullptr : &it->second;
        }
        std::string s(scope);
        while (true) {
            const std::string candidate =
                s.empty() ? std::string(name) : s + "." + std::string(name);
            auto it = symbols_.find(candidate);
            if (it != symbols_.end() && it->second.kind != symbol_kind::package) return &it->second;
            if (s.empty()) return nullptr;
            const auto dot = s.rfind('.');
            s = dot == std::string::npos ? "" : s.substr(0, dot);
        }
    }

    descriptor_error resolve_default(field_descriptor& fd) {
        const std::string& d = fd.default_value;
        if (fd.cpp_type() == cpp_type::message) return {};
        if (fd.type == field_type::enum_) {
            if (fd.enum_type->values.empty())
                return {descriptor_errc::bad_default, fd.full_name, {}};
            const enum_value_descriptor* v =
                d.empty() ? &fd.enum_type->values[0] : fd.enum_type->find_value(d);
            if (v == nullptr) return {descriptor_errc::bad_default, fd.full_name, {}};
            fd.default_bits = static_cast<std::uint64_t>(static_cast<std::int64_t>(v->number));
            return {};
        }
        if (d.empty()) return {};
        char* end = nullptr;
        errno = 0;
        switch (fd.cpp_type()) {
            case cpp_type::int32:
            case cpp_type::int64:
                fd.default_bits = static_cast<std::uint64_t>(std::strtoll(d.c_str(), &end, 0));
                break;
            case cpp_type::uint32:
            case cpp_type::uint64:
                fd.default_bits = std::strtoull(d.c_str(), &end, 0);
                break;
            case cpp_type::double_:
            case cpp_type::float_:
                // protoc writes "inf", "-inf", "nan": strtod reads all three.
                fd.default_double = std::strtod(d.c_str(), &end);
                break;
            case cpp_type::bool_:
                if (d != "true" && d != "false")
                    return {descriptor_errc::bad_default, fd.full_name, {}};
                fd.default_bits = d == "true" ? 1 : 0;
                return {};
            case cpp_type::string:
                if (fd.type == field_type::bytes) {
                    if (!unescape_c(d, &fd.default_string))
                        return {descriptor_errc::bad_default, fd.full_name, {}};
                } else {
                    fd.default_string = d;
                }
                return {};
            default:
                return {};
        }
        if (end == d.c_str() || *end != '\0' || errno == ERANGE)
            return {descriptor_errc::bad_default, fd.full_name, {}};
        return {};
    }

    descriptor_error resolve_file(file_descriptor& file) {
        for (auto& mp : file.all_messages_) {
            message_descriptor& md = *mp;
            for (auto& fp : md.field_store_) {
                field_descriptor& fd = *fp;
                if (!fd.type_name.empty()) {
                    const symbol* s = lookup(fd.type_name, md.full_name);
                    if (s == nullptr) {
                        return {descriptor_errc::unresolved_type,
                                fd.type_name + " (field " + fd.full_name + ")",
                                {}};
                    }
                    if (s->kind == symbol_kind::message) {
                        fd.message_type = static_cast<const message_descriptor*>(s->ptr);
                        if (fd.type != field_type::group)
                            fd.type = field_type::message;  // type may be unset
                    } else if (s->kind == symbol_kind::enumeration) {
                        fd.enum_type = static_cast<const enum_descriptor*>(s->ptr);
                        fd.type = field_type::enum_;
                    } else {
                        return {descriptor_errc::wrong_kind,
                                fd.type_name + " (field " + fd.full_name + ")",
                                {}};
                    }
                } else if (fd.cpp_type() == cpp_type::message || fd.type == field_type::enum_) {
                    return {descriptor_errc::unresolved_type,
                            "(empty) (field " + fd.full_name + ")",
                            {}};
                }
                if (auto e = resolve_default(fd)) return e;
                // Presence (field_presence.md): repeated fields never; message
                // fields and oneof members always; other singular fields in
                // proto2 and editions, and proto3 `optional`.
                fd.has_presence = !fd.is_repeated() && (fd.cpp_type() == cpp_type::message ||
                                                        fd.containing_oneof != nullptr ||
                                                        file.syntax != file_syntax::proto3);
            }
        }
        for (auto& sp : file.all_services_) {
            for (auto& m : sp->methods) {
                const symbol* in = lookup(m->input_name, sp->full_name);
                const symbol* out = lookup(m->output_name, sp->full_name);
                if (in == nullptr) {
                    return {descriptor_errc::unresolved_type,
                            m->input_name + " (method " + m->full_name + ")",
                            {}};
                }
                if (out == nullptr) {
                    return {descriptor_errc::unresolved_type,
                            m->output_name + " (method " + m->full_name + ")",
                            {}};
                }
                if (in->kind != symbol_kind::message || out->kind != symbol_kind::message)
                    return {descriptor_errc::wrong_kind, m->full_name, {}};
                m->input_type = static_cast<const message_descriptor*>(in->ptr);
                m->output_type = static_cast<const message_descriptor*>(out->ptr);
            }
        }
        return {};
    }

    descriptor_limits limits_;
    std::size_t symbol_count_ = 0;
    signed char packed_option_ = -1;  // parse_field's [packed] (-1 unset), read by parse_message
    std::vector<std::unique_ptr<file_descriptor>> files_;
    std::map<std::string, const file_descriptor*, std::less<>> files_by_name_;
    std::vector<std::unique_ptr<pending_file>> pending_;
    std::map<std::string, int, std::less<>> pending_names_;
    std::map<std::string, symbol, std::less<>> symbols_;
};

}  // namespace h2pb::proto
