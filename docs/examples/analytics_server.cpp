// The article's AnalyticsService on h2pb's gRPC server (docs/grpc_call.md
// follows one GetReport call through it, byte by byte).
//
//   GetReport        the events of a small fixed table whose timestamp lies
//                    in [start_timestamp, end_timestamp)
//   StreamEvents, UploadBatch, ProcessPipeline
//                    not implemented here: the generated base class answers
//                    them with grpc-status 12 (UNIMPLEMENTED); all four,
//                    with the article's auth interceptor and deadline
//                    propagation, are in analytics_server_full.cpp
//
// The service's base class, analytics::v1::AnalyticsService, is generated
// from analytics_service.proto by protoc-gen-h2pb with the parameter
// `services` (tests/docs/meson.build shows the protoc command).
//
// usage: analytics_server [PORT]   (0 or nothing: the kernel picks a free port)
// SIGINT or SIGTERM shuts it down gracefully.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>

#include <h2pb/rpc/asio/server.hpp>

#include "analytics_service.h2pb.grpc.hpp"

namespace av1 = analytics::v1;
namespace rpc = h2pb::rpc;

/// The events the report is made of (a real service would ask a database).
struct stored_event {
    const char* id;
    const char* type;
    std::int64_t timestamp;
};
constexpr stored_event stored_events[] = {
    {"abc123", "click", 1710000000},
    {"abd456", "view", 1720000000},
};

class analytics_service final : public av1::AnalyticsService {
  public:
    /// One request message in, one response message out. A non-OK status
    /// instead of a message ends the call with that grpc-status.
    awaitable<result<GetReport_response>> GetReport(const GetReport_request& request,
                                                    server_context& /*context*/) override {
        if (request.report_id.empty())
            co_return status{status_code::invalid_argument, "report_id is empty"};
        GetReport_response response;
        response.report_id = request.report_id;
        for (const stored_event& e : stored_events) {
            if (e.timestamp < request.start_timestamp || e.timestamp >= request.end_timestamp)
                continue;
            av1::Event& out = response.events.emplace_back();
            out.event_id = e.id;
            out.event_type = e.type;
            out.timestamp = e.timestamp;
        }
        co_return response;
    }
};

int main(int argc, char** argv) try {
    rpc::asio::server_options options;  // h2c on 127.0.0.1, one thread
    options.http.port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 0);
    rpc::asio::server server(options);
    analytics_service service;
    server.add_service(service);
    if (auto error = server.listen()) {
        std::cerr << *error << '\n';
        return 1;
    }
    std::cout << "listening on 127.0.0.1:" << server.port() << std::endl;

    // Until SIGINT or SIGTERM, then a graceful shutdown (GOAWAY; calls in
    // flight get 5 s).
    server.run_until_signal(std::chrono::seconds(5));
    std::cout << "stopped" << std::endl;
} catch (const std::exception& e) {  // out of memory, no more sockets...
    std::cerr << e.what() << '\n';
    return 1;
}
