// The code blocks of docs/grpc_client.md that are not pieces of
// analytics_client.cpp: the channel's options, states, service config,
// keepalive, interceptors and deadline propagation. Compiled by the tests
// (tests/docs/meson.build, -Werror) on the AnalyticsService stub that
// protoc-gen-h2pb generates; the test docs/blocks checks that each block
// between `clang-format off` and `on` is on the page as it is here. The
// functions are never called: running them needs a server, which
// analytics_client.cpp (test docs/analytics-client) has.
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include <h2pb/rpc/asio/channel.hpp>
#include <h2pb/rpc/asio/server_context.hpp>
#include <h2pb/rpc/zlib.hpp>

#include "analytics_service.h2pb.grpc.hpp"

namespace ra = h2pb::rpc::asio;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

// docs/grpc_client.md, the first block: options, a stub, one call.
ra::awaitable<std::string> first_call(h2pb::h2::asio::net::io_context& io,
                                      const analytics::v1::ReportRequest& req) {
    // clang-format off
namespace ra = h2pb::rpc::asio;
ra::channel_options o;
o.use_tls = true;                 // server certificate verified by default
o.ca_file = "ca.pem";             // trusted besides the system's CAs
o.server_name_override = "foo.test.google.fr";  // SNI, name checked, :authority
o.codecs = std::make_shared<h2pb::rpc::zlib_registry>();  // gzip, deflate
ra::channel ch(io.get_executor(), "127.0.0.1:50051", o);

analytics::v1::AnalyticsService::stub<ra::channel> stub(ch);   // generated
ra::client_context ctx;            // out: metadata, status; in: cancel()
ra::call_options opt;
opt.timeout = 2s;                  // or opt.deadline = steady_clock time point
opt.md.add("x-user", "ann");       // custom metadata sent
opt.compression = "gzip";          // our messages; "" = identity
opt.context = &ctx;
h2pb::rpc::result<analytics::v1::ReportResponse> r = co_await stub.GetReport(req, opt);
if (!r) r.status().to_string();   // "DEADLINE_EXCEEDED: Deadline Exceeded"
ctx.initial_metadata(); ctx.trailing_metadata();
    // clang-format on
    co_return r ? r->report_id : r.status().to_string();
}

// "Targets, states, wait_for_ready, load balancing".
ra::awaitable<bool> states(ra::channel& ch) {
    // clang-format off
auto s = ch.state(/*try_to_connect=*/true);     // IDLE -> CONNECTING
bool changed = co_await ch.wait_for_state_change(s, steady_clock::now() + 5s);
    // clang-format on
    co_return changed;
}

// "Retries and the service config".
h2pb::rpc::status service_config() {
    // clang-format off
ra::channel_options o;
auto st = o.set_service_config(R"({
  "methodConfig": [{
    "name": [{"service": "analytics.v1.AnalyticsService"}],
    "timeout": "2s",
    "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s",
                    "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}
  }],
  "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1}
})");   // INVALID_ARGUMENT saying where, when the config breaks a rule
    // clang-format on
    return st;
}

// "Keepalive".
void keepalive(ra::channel_options& o) {
    // clang-format off
o.keepalive_time = 30s;                  // a PING after 30 s without input (0: none, the default)
o.keepalive_timeout = 20s;               // the connection fails when its ACK takes longer
o.keepalive_permit_without_calls = false;  // no PINGs while no call is open (grpc's default)
                                               // clang-format on
}

// "Interceptors and deadline propagation": the names the block uses.
const std::string token = "eyJhbGciOiJIUzI1NiJ9";
void log(std::string_view path, const std::string& status) {
    std::clog << path << ' ' << status << '\n';
}
using Other = analytics::v1::AnalyticsService;
using Req = Other::GetReport_request;
using Resp = Other::GetReport_response;

ra::awaitable<bool> interceptors(ra::channel& ch, const ra::server_context& ctx, ra::channel& other,
                                 const Req& req) {
    // clang-format off
// Before every call (all four kinds), in the order added: may add metadata,
// set the deadline, choose compression. on_finish: once, the final status.
ch.add_interceptor({
    .before = [](const h2pb::rpc::method_descriptor&, ra::call_options& o) {
        o.md.add("authorization", "Bearer " + token);
    },
    .on_finish = [](const h2pb::rpc::method_descriptor& m, const h2pb::rpc::status& st) {
        log(m.path, st.to_string());
    }});

// In a server handler that calls another service: pass the deadline on.
ra::call_options down;
down.propagate_from(ctx);   // deadline = ctx.deadline(), or the earlier of the two
auto r = co_await other.unary<Req, Resp>(Other::GetReport_method, req, down);
    // clang-format on
    co_return r.ok();
}

int main() {}  // compiled, not run: the functions need a server
