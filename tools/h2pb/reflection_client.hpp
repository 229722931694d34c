// A server reflection client (grpc/reflection/v1/reflection.proto, falling
// back to v1alpha; server-reflection.md) with h2pb's own gRPC client
// (rpc/asio/channel.hpp): it lists the services of a server and fetches the
// files that define them, each with its imports, as serialized
// FileDescriptorProtos. Used by `h2pb trace --reflect` (to name the fields it
// shows) and `h2pb call` (to build requests and print responses without
// the .proto).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <utility>  // before Asio: its awaitable.hpp uses std::exchange

#include <boost/asio.hpp>

#include <h2pb/proto_codec/field_reader.hpp>
#include <h2pb/rpc/asio/channel.hpp>
#include <h2pb/rpc/generated/grpc/reflection/v1/reflection.h2pb.grpc.hpp>
#include <h2pb/rpc/generated/grpc/reflection/v1alpha/reflection.h2pb.grpc.hpp>

namespace h2pb::cli {

/// Services the reflection client asks about: one file_containing_symbol
/// round trip each, so a listing longer than this (no real server has one)
/// is cut, with a note, rather than holding the caller for an unbounded
/// time. Each answer is one gRPC message, bounded by the channel's receive
/// limit (4 MiB, as grpc's default). Setting: none.
constexpr std::size_t max_reflected_services = 1024;

/// How long the reflection exchange may take, both versions together, by
/// default: a server that accepts the connection and never answers must not
/// hold the tool. Setting: `h2pb trace --reflect-timeout`, `h2pb call
/// --deadline` (when given, the exchange gets the same time).
constexpr unsigned long default_reflect_timeout_s = 10;

/// What the reflection exchange found.
struct reflection_result {
    /// Each file once, in the order received: serialized FileDescriptorProtos
    /// (descriptor.proto), what proto::descriptor_pool::add_file takes.
    std::vector<std::string> files;
    std::vector<std::string> file_names;  ///< the files' names, same order
    /// The same files as a FileDescriptorSet (field 1, one per file).
    std::string descriptor_set;
    std::vector<std::string> services;  ///< as list_services named them
    std::vector<std::string> notes;     ///< per-service errors, cuts
    std::string version;                ///< "v1" or "v1alpha": the one that answered
    /// The ServerReflectionInfo call's status (OK: the lists above are whole).
    rpc::status status{rpc::status_code::unknown, "the reflection exchange did not finish"};
};

/// The name (field 1) of a serialized FileDescriptorProto (descriptor.proto),
/// or nullopt if the octets do not parse.
inline std::optional<std::string> reflected_file_name(std::string_view fdp) {
    proto::field_reader r(wire::as_bytes(fdp));
    proto::field f;
    std::string name;
    while (r.next(f))
        if (f.number == 1 && f.type == proto::wire_type::len)
            name = std::string(wire::as_chars(f.payload));
    if (r.error()) return std::nullopt;
    return name;
}

/// Adds a FileDescriptorProto, unless a file of that name is already there:
/// every answer carries the requested file with all its dependencies
/// (reflection.proto), so shared imports such as google/protobuf/empty.proto
/// come again and again. The set gets it as field 1 (tag 0x0A, LEN: the
/// protobuf encoding of `repeated FileDescriptorProto file = 1`).
inline void add_reflected_file(reflection_result& out, std::string_view fdp) {
    const auto name = reflected_file_name(fdp);
    if (!name) {
        out.notes.push_back("a FileDescriptorProto that does not parse was skipped");
        return;
    }
    for (const auto& n : out.file_names)
        if (n == *name) return;
    out.file_names.push_back(*name);
    out.files.emplace_back(fdp);
    out.descriptor_set.push_back('\x0a');
    for (std::uint64_t n = fdp.size();; n >>= 7) {
        if (n < 0x80) {
            out.descriptor_set.push_back(static_cast<char>(n));
            break;
        }
        out.descriptor_set.push_back(static_cast<char>((n & 0x7f) | 0x80));
    }
    out.descriptor_set.append(fdp);
}

/// One ServerReflectionInfo call (a bidi stream) of one reflection version:
/// list_services, then file_containing_symbol for each service, one request
/// and one response at a time. v1 and v1alpha have the same messages under
/// two package names, hence the template. The call's status is returned.
template <class Req, class Resp>
h2::asio::awaitable<rpc::status> reflect_with(rpc::asio::channel* ch,
                                              const rpc::method_descriptor* method,
                                              rpc::asio::call_options o, reflection_result* out) {
    auto rw = co_await ch->bidi_streaming<Req, Resp>(*method, std::move(o));

    // Asks one question and returns its answer, or nullopt when the stream
    // has ended (the status then says why).
    auto ask = [&rw](Req req) -> h2::asio::awaitable<std::optional<Resp>> {
        const bool wrote = co_await rw.write(req);
        if (!wrote) co_return std::nullopt;
        Resp resp;
        const bool got = co_await rw.read(resp);
        if (!got) co_return std::nullopt;
        co_return resp;
    };

    Req list;
    list.message_request.template emplace<Req::list_services_index>("*");
    auto listed = co_await ask(std::move(list));
    if (listed) {
        if (auto* e = std::get_if<Resp::error_response_index>(&listed->message_response)) {
            out->notes.push_back("list_services: " + (*e)->error_message);
        } else if (auto* l =
                       std::get_if<Resp::list_services_response_index>(&listed->message_response)) {
            for (const auto& s : (*l)->service) {
                if (out->services.size() == max_reflected_services) {
                    out->notes.push_back("more than " + std::to_string(max_reflected_services) +
                                         " services: the rest were not asked about");
                    break;
                }
                out->services.push_back(s.name);
            }
        }
        for (const auto& service : out->services) {
            Req q;
            q.message_request.template emplace<Req::file_containing_symbol_index>(service);
            auto answer = co_await ask(std::move(q));
            if (!answer) break;
            if (auto* e = std::get_if<Resp::error_response_index>(&answer->message_response)) {
                out->notes.push_back(service + ": " + (*e)->error_message);
            } else if (auto* f = std::get_if<Resp::file_descriptor_response_index>(
                           &answer->message_response)) {
                for (const auto& fdp : (*f)->file_descriptor_proto) add_reflected_file(*out, fdp);
            }
        }
        (void)co_await rw.writes_done();
    }
    rpc::status st = co_await rw.finish();
    co_return st;
}

/// v1, then v1alpha if the server does not have v1 (UNIMPLEMENTED: older
/// grpc-go and grpcio servers only register v1alpha). `o` (deadline,
/// metadata) is used for each. The channel is closed at the end unless
/// `keep_open`: then the caller's next calls use the same connection, as
/// grpcurl's do (its reflection client shares the call's grpc.ClientConn).
inline h2::asio::awaitable<void> reflect(rpc::asio::channel* ch, rpc::asio::call_options o,
                                         reflection_result* out, bool keep_open = false) {
    namespace v1 = ::grpc::reflection::v1;
    namespace v1alpha = ::grpc::reflection::v1alpha;
    out->version = "v1";
    rpc::status st =
        co_await reflect_with<v1::ServerReflectionRequest, v1::ServerReflectionResponse>(
            ch, &v1::ServerReflection::ServerReflectionInfo_method, o, out);
    if (st.code == rpc::status_code::unimplemented) {
        *out = reflection_result{};
        out->version = "v1alpha";
        st = co_await reflect_with<v1alpha::ServerReflectionRequest,
                                   v1alpha::ServerReflectionResponse>(
            ch, &v1alpha::ServerReflection::ServerReflectionInfo_method, o, out);
    }
    out->status = st;
    if (!keep_open) ch->close();
}

/// The whole exchange, synchronously, on its own io_context and connection
/// to `target`: for a command line tool before its real work starts.
/// `o.deadline` should be set (see default_reflect_timeout_s).
inline reflection_result fetch_reflection(const std::string& target,
                                          const rpc::asio::channel_options& co,
                                          const rpc::asio::call_options& o) {
    boost::asio::io_context io(1);
    reflection_result found;
    {
        rpc::asio::channel ch(io.get_executor(), target, co);
        boost::asio::co_spawn(io, reflect(&ch, o, &found), boost::asio::detached);
        io.run();
    }
    return found;
}

}  // namespace h2pb::cli
