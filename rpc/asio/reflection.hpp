// h2pb::rpc::asio — gRPC server reflection (server-reflection.md), both
// grpc.reflection.v1.ServerReflection and the older v1alpha that many tools
// still ask for (grpcurl, grpc_cli, Postman), answered from an
// rpc::reflection_registry (rpc/reflection.hpp) of the descriptors that
// protoc-gen-h2pb embeds (parameter `descriptors`): nothing is parsed at run
// time.
//
//   rpc::asio::server srv(o);
//   srv.add_service(analytics);          // generated with `descriptors`
//   srv.enable_reflection();             // both versions; lists every service
//
// ServerReflectionInfo is a bidi stream: one response per request, in order,
// until the client ends its side. Each response echoes the request
// (original_request) and its host (valid_host), as grpc C++ does, and holds:
//   list_services                  every service's name (the reflection
//                                  services and health too, as grpc lists them)
//   file_by_filename               the file, then its imports, transitively,
//   file_containing_symbol         each once (FileDescriptorResponse: serialized
//   file_containing_extension      FileDescriptorProtos)
//   all_extension_numbers_of_type  the extension numbers of a message
// A name that is not known gets an error_response in the stream, NOT_FOUND
// ("File not found.", "Symbol not found.", "Extension not found.", "Type not
// found.": grpc C++'s messages), and the stream goes on; a request with no
// message_request set gets error_response UNIMPLEMENTED, as grpc C++ answers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/rpc/asio/server_context.hpp>
#include <h2pb/rpc/asio/service.hpp>
#include <h2pb/rpc/generated/grpc/reflection/v1/reflection.h2pb.grpc.hpp>
#include <h2pb/rpc/generated/grpc/reflection/v1alpha/reflection.h2pb.grpc.hpp>
#include <h2pb/rpc/reflection.hpp>
#include <h2pb/rpc/status.hpp>

namespace h2pb::rpc::asio {

namespace detail {

/// The answer to one request. `Req`/`Resp` are v1's or v1alpha's messages,
/// which have the same fields and numbers.
template <class Req, class Resp>
Resp reflection_answer(const reflection_registry& r, const Req& req) {
    using file_response =
        typename std::remove_cvref_t<decltype(*std::get<Resp::file_descriptor_response_index>(
            Resp{}.message_response))>;
    using numbers_response =
        typename std::remove_cvref_t<decltype(*std::get<Resp::all_extension_numbers_response_index>(
            Resp{}.message_response))>;
    using list_response =
        typename std::remove_cvref_t<decltype(*std::get<Resp::list_services_response_index>(
            Resp{}.message_response))>;
    using error_response =
        typename std::remove_cvref_t<decltype(*std::get<Resp::error_response_index>(
            Resp{}.message_response))>;

    Resp out;
    out.valid_host = req.host;
    out.original_request = req;
    auto error = [&](status_code c, std::string_view message) {
        error_response e;
        e.error_code = static_cast<std::int32_t>(c);
        e.error_message = message;
        out.message_response.template emplace<Resp::error_response_index>(std::move(e));
    };
    auto files = [&](const file_descriptor* f) {
        file_response fr;
        for (const file_descriptor* x : reflection_registry::with_dependencies(f))
            fr.file_descriptor_proto.emplace_back(x->serialized);
        out.message_response.template emplace<Resp::file_descriptor_response_index>(std::move(fr));
    };
    switch (req.message_request.index()) {
        case Req::file_by_filename_index: {
            const auto& name = std::get<Req::file_by_filename_index>(req.message_request);
            if (const file_descriptor* f = r.by_filename(name))
                files(f);
            else
                error(status_code::not_found, "File not found.");
            break;
        }
        case Req::file_containing_symbol_index: {
            const auto& sym = std::get<Req::file_containing_symbol_index>(req.message_request);
            if (const file_descriptor* f = r.containing_symbol(sym))
                files(f);
            else
                error(status_code::not_found, "Symbol not found.");
            break;
        }
        case Req::file_containing_extension_index: {
            const auto& e = *std::get<Req::file_containing_extension_index>(req.message_request);
            if (r.containing_symbol(e.containing_type) == nullptr) {
                error(status_code::not_found, "Type not found.");
            } else if (const file_descriptor* f =
                           r.containing_extension(e.containing_type, e.extension_number)) {
                files(f);
            } else {
                error(status_code::not_found, "Extension not found.");
            }
            break;
        }
        case Req::all_extension_numbers_of_type_index: {
            const auto& type =
                std::get<Req::all_extension_numbers_of_type_index>(req.message_request);
            auto numbers = r.extension_numbers(type);
            if (!numbers) {
                error(status_code::not_found, "Type not found.");
                break;
            }
            numbers_response n;
            n.base_type_name = type;
            n.extension_number = std::move(*numbers);
            out.message_response.template emplace<Resp::all_extension_numbers_response_index>(
                std::move(n));
            break;
        }
        case Req::list_services_index: {
            list_response l;
            for (const std::string& s : r.services()) {
                auto& item = l.service.emplace_back();
                item.name = s;
            }
            out.message_response.template emplace<Resp::list_services_response_index>(std::move(l));
            break;
        }
        default:
            error(status_code::unimplemented, "The service is not implemented.");
            break;
    }
    return out;
}

/// One ServerReflectionInfo stream: answers until the client's side ends.
template <class Req, class Resp>
awaitable<status> reflection_stream(const reflection_registry& r, server_reader<Req>& reader,
                                    server_writer<Resp>& writer) {
    for (;;) {
        Req req;
        const bool got = co_await reader.read(req);
        if (!got) break;
        const Resp resp = reflection_answer<Req, Resp>(r, req);
        const bool sent = co_await writer.write(resp);
        if (!sent) break;
    }
    co_return status{};
}

}  // namespace detail

/// grpc.reflection.v1.ServerReflection.
class reflection_service_v1 final : public ::grpc::reflection::v1::ServerReflection {
  public:
    explicit reflection_service_v1(const reflection_registry& r) noexcept : r_(&r) {}
    awaitable<status> ServerReflectionInfo(server_reader<ServerReflectionInfo_request>& reader,
                                           server_writer<ServerReflectionInfo_response>& writer,
                                           server_context&) override {
        status st = co_await detail::reflection_stream(*r_, reader, writer);
        co_return st;
    }

  private:
    const reflection_registry* r_;
};

/// grpc.reflection.v1alpha.ServerReflection: the same messages, the older name.
class reflection_service_v1alpha final : public ::grpc::reflection::v1alpha::ServerReflection {
  public:
    explicit reflection_service_v1alpha(const reflection_registry& r) noexcept : r_(&r) {}
    awaitable<status> ServerReflectionInfo(server_reader<ServerReflectionInfo_request>& reader,
                                           server_writer<ServerReflectionInfo_response>& writer,
                                           server_context&) override {
        status st = co_await detail::reflection_stream(*r_, reader, writer);
        co_return st;
    }

  private:
    const reflection_registry* r_;
};

/// Both versions over one registry: what server::enable_reflection() adds.
class reflection_services {
  public:
    reflection_services() : v1_(registry_), v1alpha_(registry_) {}
    reflection_services(const reflection_services&) = delete;
    reflection_services& operator=(const reflection_services&) = delete;

    reflection_registry& registry() noexcept { return registry_; }
    reflection_service_v1& v1() noexcept { return v1_; }
    reflection_service_v1alpha& v1alpha() noexcept { return v1alpha_; }

  private:
    reflection_registry registry_;
    reflection_service_v1 v1_;
    reflection_service_v1alpha v1alpha_;
};

}  // namespace h2pb::rpc::asio
