// A .proto schema for `h2pb decode --proto FILE --type NAME`.
//
// protoc compiles the .proto file into a FileDescriptorSet (itself protobuf
// bytes, the format of google/protobuf/descriptor.proto), which this file
// decodes with proto::field_reader into the little that decoding needs:
// message types with their fields (name, number, label, type, packed, map
// entry) and enum types with their values. Field numbers below are those of
// descriptor.proto.
#pragma once

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <h2pb/proto_codec/field_reader.hpp>
#include <h2pb/wire/bytes.hpp>

extern char** environ;

namespace h2pb::cli {

/// FieldDescriptorProto.Type: the .proto scalar and composite types.
enum class field_type : std::uint8_t {
    type_double = 1,
    type_float = 2,
    type_int64 = 3,
    type_uint64 = 4,
    type_int32 = 5,
    type_fixed64 = 6,
    type_fixed32 = 7,
    type_bool = 8,
    type_string = 9,
    type_group = 10,
    type_message = 11,
    type_bytes = 12,
    type_uint32 = 13,
    type_enum = 14,
    type_sfixed32 = 15,
    type_sfixed64 = 16,
    type_sint32 = 17,
    type_sint64 = 18,
};

constexpr std::string_view type_name(field_type t) noexcept {
    switch (t) {
        case field_type::type_double:
            return "double";
        case field_type::type_float:
            return "float";
        case field_type::type_int64:
            return "int64";
        case field_type::type_uint64:
            return "uint64";
        case field_type::type_int32:
            return "int32";
        case field_type::type_fixed64:
            return "fixed64";
        case field_type::type_fixed32:
            return "fixed32";
        case field_type::type_bool:
            return "bool";
        case field_type::type_string:
            return "string";
        case field_type::type_group:
            return "group";
        case field_type::type_message:
            return "message";
        case field_type::type_bytes:
            return "bytes";
        case field_type::type_uint32:
            return "uint32";
        case field_type::type_enum:
            return "enum";
        case field_type::type_sfixed32:
            return "sfixed32";
        case field_type::type_sfixed64:
            return "sfixed64";
        case field_type::type_sint32:
            return "sint32";
        case field_type::type_sint64:
            return "sint64";
    }
    return "?";
}

/// The wire type a (non-packed) value of type t uses.
constexpr proto::wire_type wire_type_of(field_type t) noexcept {
    switch (t) {
        case field_type::type_double:
        case field_type::type_fixed64:
        case field_type::type_sfixed64:
            return proto::wire_type::i64;
        case field_type::type_float:
        case field_type::type_fixed32:
        case field_type::type_sfixed32:
            return proto::wire_type::i32;
        case field_type::type_string:
        case field_type::type_bytes:
        case field_type::type_message:
            return proto::wire_type::len;
        case field_type::type_group:
            return proto::wire_type::sgroup;
        default:
            return proto::wire_type::varint;
    }
}

/// Scalars of wire type VARINT, I32 or I64 can be packed when repeated.
constexpr bool packable(field_type t) noexcept {
    return wire_type_of(t) != proto::wire_type::len && t != field_type::type_group;
}

enum class field_label : std::uint8_t { optional = 1, required = 2, repeated = 3 };

struct field_desc {
    std::string name;
    std::uint32_t number = 0;
    field_label label = field_label::optional;
    field_type type = field_type::type_int32;
    std::string type_name;  ///< message/enum: fully qualified, with a leading '.'
    bool packed = false;    ///< [packed = true] set explicitly
};

struct message_desc {
    std::string full_name;  ///< "tour.Fruit" (no leading '.')
    std::string syntax;     ///< "proto2" or "proto3"
    bool map_entry = false;
    std::vector<field_desc> fields;

    const field_desc* find(std::uint32_t number) const {
        for (const auto& f : fields)
            if (f.number == number) return &f;
        return nullptr;
    }
};

struct enum_desc {
    std::string full_name;
    std::vector<std::pair<std::int32_t, std::string>> values;

    const std::string* find(std::int32_t v) const {
        for (const auto& [n, name] : values)
            if (n == v) return &name;
        return nullptr;
    }
};

class schema {
  public:
    std::map<std::string, message_desc> messages;  // by full name, no leading '.'
    std::map<std::string, enum_desc> enums;

    /// A message type by "pkg.Name", ".pkg.Name", or a unique trailing part
    /// ("Name", "Outer.Inner").
    const message_desc* resolve_message(std::string_view name) const {
        if (!name.empty() && name[0] == '.') name.remove_prefix(1);
        if (auto it = messages.find(std::string(name)); it != messages.end()) return &it->second;
        const message_desc* found = nullptr;
        for (const auto& [full, m] : messages) {
            if (full.size() > name.size() &&
                full.compare(full.size() - name.size(), name.size(), name) == 0 &&
                full[full.size() - name.size() - 1] == '.') {
                if (found != nullptr) return nullptr;  // ambiguous
                found = &m;
            }
        }
        return found;
    }
    const message_desc* message(std::string_view type_name) const {
        if (!type_name.empty() && type_name[0] == '.') type_name.remove_prefix(1);
        auto it = messages.find(std::string(type_name));
        return it == messages.end() ? nullptr : &it->second;
    }
    const enum_desc* enumeration(std::string_view type_name) const {
        if (!type_name.empty() && type_name[0] == '.') type_name.remove_prefix(1);
        auto it = enums.find(std::string(type_name));
        return it == enums.end() ? nullptr : &it->second;
    }
};

namespace detail {

inline std::string str(const proto::field& f) {
    return std::string(wire::as_chars(f.payload));
}

inline proto::error parse_enum(wire::bytes_view b, std::size_t base, const std::string& scope,
                               schema& out) {
    enum_desc e;
    proto::field_reader r(b, base);
    proto::field f;
    while (r.next(f)) {
        if (f.number == 1 && f.type == proto::wire_type::len) e.full_name = scope + str(f);
        if (f.number == 2 && f.type == proto::wire_type::len) {  // EnumValueDescriptorProto
            std::pair<std::int32_t, std::string> v;
            proto::field_reader vr(f.payload, f.value_offset);
            proto::field g;
            while (vr.next(g)) {
                if (g.number == 1 && g.type == proto::wire_type::len) v.second = str(g);
                if (g.number == 2 && g.type == proto::wire_type::varint)
                    v.first = static_cast<std::int32_t>(g.value);
            }
            if (vr.error()) return vr.error();
            e.values.push_back(std::move(v));
        }
    }
    if (r.error()) return r.error();
    out.enums[e.full_name] = std::move(e);
    return {};
}

inline proto::error parse_field(wire::bytes_view b, std::size_t base, field_desc& fd) {
    proto::field_reader r(b, base);
    proto::field f;
    while (r.next(f)) {
        switch (f.number) {
            case 1:
                fd.name = str(f);
                break;
            case 3:
                fd.number = static_cast<std::uint32_t>(f.value);
                break;
            case 4:
                fd.label = static_cast<field_label>(f.value);
                break;
            case 5:
                fd.type = static_cast<field_type>(f.value);
                break;
            case 6:
                fd.type_name = str(f);
                break;
            case 8: {  // FieldOptions
                proto::field_reader o(f.payload, f.value_offset);
                proto::field g;
                while (o.next(g))
                    if (g.number == 2 && g.type == proto::wire_type::varint)
                        fd.packed = g.value != 0;
                if (o.error()) return o.error();
                break;
            }
            default:
                break;
        }
    }
    return r.error();
}

inline proto::error parse_message(wire::bytes_view b, std::size_t base, const std::string& scope,
                                  const std::string& syntax, schema& out, std::size_t depth) {
    if (depth > proto::default_max_depth) return {proto::errc::depth_limit_exceeded, base};
    message_desc m;
    m.syntax = syntax;
    // The name comes first in protoc's output, but do not rely on it.
    proto::field_reader r(b, base);
    proto::field f;
    while (r.next(f))
        if (f.number == 1 && f.type == proto::wire_type::len) m.full_name = scope + str(f);
    if (r.error()) return r.error();
    proto::field_reader r2(b, base);
    while (r2.next(f)) {
        if (f.type != proto::wire_type::len) continue;
        if (f.number == 2) {
            field_desc fd;
            if (auto e = parse_field(f.payload, f.value_offset, fd)) return e;
            m.fields.push_back(std::move(fd));
        } else if (f.number == 3) {
            if (auto e = parse_message(f.payload, f.value_offset, m.full_name + ".", syntax, out,
                                       depth + 1))
                return e;
        } else if (f.number == 4) {
            if (auto e = parse_enum(f.payload, f.value_offset, m.full_name + ".", out)) return e;
        } else if (f.number == 7) {  // MessageOptions
            proto::field_reader o(f.payload, f.value_offset);
            proto::field g;
            while (o.next(g))
                if (g.number == 7 && g.type == proto::wire_type::varint) m.map_entry = g.value != 0;
            if (o.error()) return o.error();
        }
    }
    out.messages[m.full_name] = std::move(m);
    return {};
}

}  // namespace detail

/// Decodes a FileDescriptorSet (field 1: repeated FileDescriptorProto).
inline proto::error parse_descriptor_set(wire::bytes_view set, schema& out) {
    proto::field_reader r(set);
    proto::field f;
    while (r.next(f)) {
        if (f.number != 1 || f.type != proto::wire_type::len) continue;
        std::string package, syntax = "proto2";
        proto::field_reader fr(f.payload, f.value_offset);
        proto::field g;
        while (fr.next(g)) {
            if (g.number == 2 && g.type == proto::wire_type::len) package = detail::str(g);
            if (g.number == 12 && g.type == proto::wire_type::len) syntax = detail::str(g);
        }
        if (fr.error()) return fr.error();
        const std::string scope = package.empty() ? "" : package + ".";
        proto::field_reader fr2(f.payload, f.value_offset);
        while (fr2.next(g)) {
            if (g.type != proto::wire_type::len) continue;
            if (g.number == 4) {
                if (auto e =
                        detail::parse_message(g.payload, g.value_offset, scope, syntax, out, 0))
                    return e;
            } else if (g.number == 5) {
                if (auto e = detail::parse_enum(g.payload, g.value_offset, scope, out)) return e;
            }
        }
    }
    return r.error();
}

/// Runs `protoc --descriptor_set_out=/dev/stdout --include_imports` on
/// proto_file and returns the FileDescriptorSet bytes. protoc's own messages
/// go to our standard error. Without import paths, the file's folder is one.
inline std::optional<std::string> run_protoc(const std::string& proto_file,
                                             std::vector<std::string> import_paths,
                                             std::string* error) {
    if (import_paths.empty()) {
        const auto slash = proto_file.rfind('/');
        import_paths.push_back(
            slash == std::string::npos ? "." : proto_file.substr(0, slash == 0 ? 1 : slash));
    }
    std::vector<std::string> args = {"protoc", "--descriptor_set_out=/dev/stdout",
                                     "--include_imports"};
    for (const auto& p : import_paths) args.push_back("--proto_path=" + p);
    args.push_back(proto_file);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    int fds[2];
    if (pipe(fds) != 0) {
        *error = "cannot create a pipe";
        return std::nullopt;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, "protoc", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        *error = "cannot run protoc (is protobuf-compiler installed?)";
        return std::nullopt;
    }
    std::string out;
    char buf[65536];
    while (true) {
        const ssize_t n = read(fds[0], buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        *error = "protoc could not compile " + proto_file;
        return std::nullopt;
    }
    return out;
}

}  // namespace h2pb::cli
