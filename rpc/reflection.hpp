// h2pb::rpc — what server reflection knows, without I/O: the services a
// server serves and the .proto files that define them (rpc::file_descriptor,
// i.e. proto_codec/embedded_file.hpp, embedded by protoc-gen-h2pb's
// `descriptors`), with the lookups of
// grpc.reflection.v1.ServerReflectionRequest (server-reflection.md; the
// answers are in rpc/asio/reflection.hpp).
//
//   reflection_registry r;
//   r.add_service("grpc.testing.TestService", &h2pb_files::grpc_Stesting_Stest_Dproto);
//   r.by_filename("grpc/testing/test.proto");             // the file
//   r.containing_symbol("grpc.testing.SimpleRequest");     // messages.proto
//   r.with_dependencies(f);                                // f, then its imports, each once
//
// Adding a file adds its imports, transitively: a client that asks for a
// service's file gets every descriptor it needs to build the requests.
// Filled before the server starts, read by its threads afterwards: not
// locked (add nothing once listen() ran).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/rpc/file_descriptor.hpp>

namespace h2pb::rpc {

class reflection_registry {
  public:
    /// A file and, transitively, its imports. Files are known by name: a
    /// second file_descriptor with a name already known is ignored (one
    /// program, one definition of each file). nullptr is ignored.
    void add_file(const file_descriptor* f) {
        if (f == nullptr) return;
        // Iterative depth-first walk: an import chain as deep as protoc
        // allows takes no stack.
        std::vector<const file_descriptor*> todo{f};
        while (!todo.empty()) {
            const file_descriptor* x = todo.back();
            todo.pop_back();
            if (x == nullptr || !files_.emplace(x->name, x).second) continue;
            for (std::string_view s : x->symbols) symbols_.emplace(s, x);
            for (const extension_number& e : x->extensions)
                extensions_.emplace(std::make_pair(e.extendee, e.number), x);
            for (const file_descriptor* d : x->dependencies) todo.push_back(d);
        }
    }

    /// A service the server serves (list_services), and its file if known
    /// (a service added without `descriptors` is listed all the same; a
    /// client then cannot fetch its schema).
    void add_service(std::string_view full_name, const file_descriptor* f) {
        if (std::find(services_.begin(), services_.end(), full_name) == services_.end())
            services_.emplace_back(full_name);
        add_file(f);
    }

    /// In the order added.
    const std::vector<std::string>& services() const noexcept { return services_; }

    const file_descriptor* by_filename(std::string_view name) const {
        auto it = files_.find(name);
        return it == files_.end() ? nullptr : it->second;
    }
    /// The file defining a message, enum, enum value, field, oneof,
    /// extension, service or method, by its fully-qualified name. A leading
    /// "." (the form descriptors use for type references) is accepted too.
    const file_descriptor* containing_symbol(std::string_view symbol) const {
        if (!symbol.empty() && symbol.front() == '.') symbol.remove_prefix(1);
        auto it = symbols_.find(symbol);
        return it == symbols_.end() ? nullptr : it->second;
    }
    /// The file defining extension `number` of message `type`.
    const file_descriptor* containing_extension(std::string_view type, std::int32_t number) const {
        if (!type.empty() && type.front() == '.') type.remove_prefix(1);
        auto it = extensions_.find(std::make_pair(type, number));
        return it == extensions_.end() ? nullptr : it->second;
    }
    /// Every extension number of `type` the known files define, ascending;
    /// nullopt when `type` itself is unknown.
    std::optional<std::vector<std::int32_t>> extension_numbers(std::string_view type) const {
        if (!type.empty() && type.front() == '.') type.remove_prefix(1);
        if (containing_symbol(type) == nullptr) return std::nullopt;
        std::vector<std::int32_t> out;
        for (auto it = extensions_.lower_bound(std::make_pair(type, INT32_MIN));
             it != extensions_.end() && it->first.first == type; ++it)
            out.push_back(it->first.second);
        return out;
    }

    /// `f` first, then its imports depth first, each file once: what a
    /// FileDescriptorResponse carries ("the requested file and its
    /// transitive dependencies", reflection.proto), as grpc C++ sends them.
    static std::vector<const file_descriptor*> with_dependencies(const file_descriptor* f) {
        std::vector<const file_descriptor*> out;
        std::vector<const file_descriptor*> todo{f};
        while (!todo.empty()) {
            const file_descriptor* x = todo.back();
            todo.pop_back();
            if (x == nullptr || std::find(out.begin(), out.end(), x) != out.end()) continue;
            out.push_back(x);
            // Reversed, so that the imports come out in import order.
            for (auto d = x->dependencies.rbegin(); d != x->dependencies.rend(); ++d)
                todo.push_back(*d);
        }
        return out;
    }

    std::size_t files() const noexcept { return files_.size(); }

  private:
    // The string_views point into the file_descriptors' static storage.
    std::map<std::string_view, const file_descriptor*> files_;
    std::map<std::string_view, const file_descriptor*> symbols_;
    std::map<std::pair<std::string_view, std::int32_t>, const file_descriptor*> extensions_;
    std::vector<std::string> services_;
};

}  // namespace h2pb::rpc
