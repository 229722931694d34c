// The server code blocks of README.md ("A gRPC server") and
// docs/health_reflection.md, compiled by the tests (tests/docs/meson.build,
// -Werror) on the AnalyticsService base class that protoc-gen-h2pb
// generates; the test docs/blocks checks that each block between
// `clang-format off` and `on` is on its page as it is here. The functions are
// never called (they would listen on a port): analytics_server.cpp and
// analytics_server_full.cpp are the servers the tests run.
#include <iostream>
#include <string>
#include <string_view>

#include <h2pb/rpc/asio/server.hpp>

#include "analytics_service.h2pb.grpc.hpp"

using h2pb::rpc::status;
using h2pb::rpc::asio::awaitable;
using h2pb::rpc::asio::server_context;

// What the README's server uses besides its block.
awaitable<status> check_token(server_context&) {
    co_return status{};
}
int fail(const std::string& error) {
    std::cerr << error << '\n';
    return 1;
}

// README.md, "A gRPC server".
int readme_server() {
    // clang-format off
class analytics_service final : public analytics::v1::AnalyticsService {
    awaitable<result<GetReport_response>> GetReport(const GetReport_request& req,
                                                    server_context& /*ctx*/) override {
        GetReport_response r;
        r.report_id = req.report_id;
        co_return r;                  // or: co_return status{status_code::not_found, "..."};
    }
};

h2pb::rpc::asio::server srv;          // options: port, threads, TLS, limits, compression
analytics_service service;
srv.add_service(service);
srv.add_interceptor(check_token);     // runs before every handler
if (auto error = srv.listen()) return fail(*error);   // e.g. the port is taken
srv.run();                            // until shutdown()
    // clang-format on
    return 0;
}

// docs/health_reflection.md: the two services a gRPC tool expects.
void health_and_reflection(const h2pb::rpc::asio::server_options& opts,
                           analytics::v1::AnalyticsService& analytics) {
    // clang-format off
h2pb::rpc::asio::server srv(opts);
srv.add_service(analytics);                        // generated with `descriptors`
auto& health = srv.enable_health();                // grpc.health.v1.Health
health.set("analytics.v1.AnalyticsService",
           h2pb::rpc::serving_status::SERVING);
srv.enable_reflection();                           // grpc.reflection.v1 and v1alpha
                              // clang-format on
}

int main() {}  // compiled, not run: the functions listen on a port
