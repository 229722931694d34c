// A .proto schema for the tools (`h2pb decode --proto FILE --type NAME`,
// `h2pb trace --proto`/--reflect, `h2pb call`).
//
// protoc compiles the .proto file into a FileDescriptorSet (itself protobuf
// bytes, google/protobuf/descriptor.proto), which proto::descriptor_pool
// (proto_codec/descriptor.hpp) reads: the one schema model of the project,
// the same that dynamic_message, the JSON mapping and text format use. This
// file only adds what the tools need on top of it: loading sets that share
// files, finding a type by a short name, and running protoc (I/O, which the
// tools may do and proto_codec may not).
#pragma once

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <h2pb/proto_codec/descriptor.hpp>
#include <h2pb/proto_codec/field_reader.hpp>
#include <h2pb/wire/bytes.hpp>

// environ (POSIX) comes from <unistd.h>: glibc declares it under _GNU_SOURCE,
// which g++ and clang++ define for C++.

namespace h2pb::cli {

/// The tools' schema is a descriptor pool. (The name stays for the
/// commands that still spell it so.)
using schema = proto::descriptor_pool;

/// Adds every file of a FileDescriptorSet (descriptor.proto:
/// FileDescriptorSet.file = 1, FileDescriptorProto.name = 1) to pool, skipping
/// the files it already has: two --proto files compiled with
/// --include_imports both carry their common imports, and reflection may
/// return a file --proto gave. Then checks that no file waits for an import.
inline proto::descriptor_error add_descriptor_set(proto::descriptor_pool& pool,
                                                  wire::bytes_view set) {
    const std::vector<std::string> waiting = pool.pending_files();
    proto::field_reader r(set);
    proto::field f;
    while (r.next(f)) {
        if (f.number != 1) continue;
        if (f.type != proto::wire_type::len)
            return {proto::descriptor_errc::wrong_wire_type, "FileDescriptorSet.file", {}};
        std::string name;
        proto::field_reader fr(f.payload);
        proto::field g;
        while (fr.next(g))
            if (g.number == 1 && g.type == proto::wire_type::len)
                name.assign(wire::as_chars(g.payload));
        if (fr.error())
            return {proto::descriptor_errc::bad_bytes, "FileDescriptorProto", fr.error()};
        if (pool.find_file(name) != nullptr ||
            std::find(waiting.begin(), waiting.end(), name) != waiting.end())
            continue;
        if (auto e = pool.add_file(f.payload)) return e;
    }
    if (r.error()) return {proto::descriptor_errc::bad_bytes, "FileDescriptorSet", r.error()};
    return pool.check_complete();
}

/// Same as add_descriptor_set, with the arguments in the order the commands
/// wrote them when the schema had its own parser.
inline proto::descriptor_error parse_descriptor_set(wire::bytes_view set, schema& out) {
    return add_descriptor_set(out, set);
}

/// Calls fn(const proto::message_descriptor&) for every message type of the
/// pool, nested ones (map entries included) after their parent. The pool
/// bounds nesting (descriptor_limits), so the recursion is bounded.
template <class Fn>
void for_each_message(const proto::descriptor_pool& pool, Fn&& fn) {
    auto visit = [&](auto&& self, const proto::message_descriptor& m) -> void {
        fn(m);
        for (const proto::message_descriptor* n : m.nested_types()) self(self, *n);
    };
    for (const auto& file : pool.files())
        for (const proto::message_descriptor* m : file->message_types) visit(visit, *m);
}

/// A message type by "pkg.Name", ".pkg.Name", or a unique trailing part
/// ("Name", "Outer.Inner"); null when there is none or several.
inline const proto::message_descriptor* resolve_message(const proto::descriptor_pool& pool,
                                                        std::string_view name) {
    if (!name.empty() && name[0] == '.') name.remove_prefix(1);
    if (const auto* m = pool.find_message(name)) return m;
    const proto::message_descriptor* found = nullptr;
    bool ambiguous = false;
    for_each_message(pool, [&](const proto::message_descriptor& m) {
        const std::string& full = m.full_name;
        if (full.size() > name.size() &&
            full.compare(full.size() - name.size(), name.size(), name) == 0 &&
            full[full.size() - name.size() - 1] == '.') {
            if (found != nullptr) ambiguous = true;
            found = &m;
        }
    });
    return ambiguous ? nullptr : found;
}

/// The full names of the pool's message types, sorted, without map entries
/// (what a user can name with --type).
inline std::vector<std::string> message_type_names(const proto::descriptor_pool& pool) {
    std::vector<std::string> out;
    for_each_message(pool, [&](const proto::message_descriptor& m) {
        if (!m.is_map_entry) out.push_back(m.full_name);
    });
    std::sort(out.begin(), out.end());
    return out;
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
    argv.reserve(args.size() + 1);
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
