// rpc/asio: client keepalive end to end (keepalive.md, gRFC A8). An h2pb
// gRPC server with a strict ping policy and a channel whose keepalive time
// is shorter than the policy allows: the server ends the connection with
// GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings"), the channel doubles its
// keepalive time for new connections, and later calls succeed. A channel
// that keeps to the policy keeps its connection and its time. Also the
// backoff rules of client_keepalive on their own.
#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <utility>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/rpc/asio/channel.hpp>
#include <h2pb/rpc/asio/keepalive.hpp>
#include <h2pb/rpc/asio/server.hpp>

#include <catch2/catch.hpp>

namespace ha = h2pb::h2::asio;
namespace ra = h2pb::rpc::asio;
namespace rpc = h2pb::rpc;
namespace wire = h2pb::wire;
namespace h2 = h2pb::h2;
using namespace std::chrono_literals;
using rpc::status_code;

// Never co_await inside a Catch2 assertion macro (g++ 12): await, then assert.

namespace {

constexpr rpc::method_descriptor echo_m{"/t.S/Echo", "t.S", "Echo", rpc::method_kind::unary};
constexpr rpc::method_descriptor sleep_m{"/t.S/Sleep", "t.S", "Sleep", rpc::method_kind::unary};

/// A gRPC server on its own thread: Echo answers at once, Sleep after
/// 800 ms (a call in flight with no input for the client: it pings).
struct server_fixture {
    explicit server_fixture(const ha::driver_options& d) {
        ra::server_options o;
        o.http.driver = d;
        srv = std::make_unique<ra::server>(std::move(o));
        srv->add_method(echo_m, [](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            auto m = co_await s.read_message();
            if (!m) co_return rpc::status{status_code::internal, "no request"};
            (void)co_await s.write_message(*m);
            co_return rpc::status{};
        });
        srv->add_method(sleep_m, [](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            auto m = co_await s.read_message();
            if (!m) co_return rpc::status{status_code::internal, "no request"};
            ha::net::steady_timer t(co_await ha::net::this_coro::executor, 800ms);
            co_await t.async_wait(ha::net::use_awaitable);
            (void)co_await s.write_message(*m);
            co_return rpc::status{};
        });
        REQUIRE(!srv->listen());
        target = "127.0.0.1:" + std::to_string(srv->port());
        srv->start();
    }
    ~server_fixture() {
        srv->stop();
        srv->join();
    }
    std::unique_ptr<ra::server> srv;
    std::string target;
};

template <class Body>
void run_client(const std::string& target, ra::channel_options o, Body body) {
    ha::net::io_context io;
    ra::channel ch(io.get_executor(), target, std::move(o));
    std::exception_ptr failure;
    bool done = false;
    ha::net::co_spawn(
        io,
        [&]() -> ha::awaitable<void> {
            try {
                co_await body(ch);
                done = true;
            } catch (...) {
                failure = std::current_exception();
            }
            ch.close();
        },
        ha::net::detached);
    io.run_for(20s);
    if (failure) std::rethrow_exception(failure);
    REQUIRE(done);
}

/// The server's policy: PINGs at least 1 s apart, the default 2 strikes.
ha::driver_options strict_policy() {
    ha::driver_options d;
    d.min_recv_ping_interval = 1s;
    return d;
}

wire::bytes_view bytes(std::string_view s) {
    return wire::as_bytes(s);
}

}  // namespace

TEST_CASE("too_many_pings: the channel doubles keepalive_time and calls go on", "[keepalive]") {
    server_fixture f(strict_policy());
    ra::channel_options o;
    o.keepalive_time = 50ms;  // PINGs every 50 ms during a call: the 4th is strike 3
    o.keepalive_timeout = 2s;
    run_client(f.target, std::move(o), [](ra::channel& ch) -> ha::awaitable<void> {
        CHECK(ch.keepalive().time == 50ms);
        CHECK(ch.keepalive().backoffs == 0);

        // A call in flight for 800 ms: the client pings, the server ends the
        // connection with GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings").
        auto slow = co_await ch.unary_bytes(sleep_m, bytes("zz"));
        INFO(slow.status().to_string());
        CHECK_FALSE(slow.ok());

        // A new connection, made with twice the keepalive time.
        auto r = co_await ch.unary_bytes(echo_m, bytes("hi"));
        REQUIRE(r.ok());
        CHECK(*r == "hi");
        CHECK(ch.keepalive().time == 100ms);
        CHECK(ch.keepalive().backoffs == 1);
        CHECK(ch.connections_made() == 2);

        // Again: 100 ms is still too often for this server; 200 ms next.
        auto slow2 = co_await ch.unary_bytes(sleep_m, bytes("zz"));
        CHECK_FALSE(slow2.ok());
        auto r2 = co_await ch.unary_bytes(echo_m, bytes("again"));
        REQUIRE(r2.ok());
        CHECK(*r2 == "again");
        CHECK(ch.keepalive().time == 200ms);
        CHECK(ch.keepalive().backoffs == 2);
        CHECK(ch.connections_made() == 3);
    });
}

TEST_CASE("keepalive within the server's policy: the connection and the time stay", "[keepalive]") {
    ha::driver_options d;
    d.min_recv_ping_interval = 100ms;
    server_fixture f(d);
    ra::channel_options o;
    o.keepalive_time = 250ms;  // 3 PINGs during the 800 ms call, 250 ms apart
    run_client(f.target, std::move(o), [](ra::channel& ch) -> ha::awaitable<void> {
        auto slow = co_await ch.unary_bytes(sleep_m, bytes("zz"));
        INFO(slow.status().to_string());
        REQUIRE(slow.ok());
        auto r = co_await ch.unary_bytes(echo_m, bytes("hi"));
        REQUIRE(r.ok());
        CHECK(ch.keepalive().time == 250ms);
        CHECK(ch.keepalive().backoffs == 0);
        CHECK(ch.connections_made() == 1);
    });
}

TEST_CASE("client_keepalive: the A8 backoff rules", "[keepalive]") {
    ra::client_keepalive k;
    CHECK(k.time == ha::duration::zero());  // gRPC's client default: off
    CHECK(k.timeout == 20s);
    CHECK_FALSE(k.permit_without_calls);

    // Disabled: apply() leaves the driver alone, a GOAWAY changes nothing.
    ha::client_options co;
    co.driver.keepalive_interval = 7s;
    k.apply(co);
    CHECK(co.driver.keepalive_interval == 7s);
    CHECK_FALSE(k.on_goaway(h2::error_code::enhance_your_calm, "too_many_pings"));

    k.time = 10s;
    k.apply(co);
    CHECK(co.driver.keepalive_interval == 10s);
    CHECK(co.driver.keepalive_timeout == 20s);
    CHECK_FALSE(co.driver.keepalive_permit_without_calls);

    // Only ENHANCE_YOUR_CALM with exactly "too_many_pings".
    CHECK_FALSE(k.on_goaway(h2::error_code::no_error, "too_many_pings"));
    CHECK_FALSE(k.on_goaway(h2::error_code::enhance_your_calm, "too many pings"));
    CHECK_FALSE(k.on_goaway(h2::error_code::enhance_your_calm, ""));
    CHECK(k.time == 10s);

    CHECK(k.on_goaway(h2::error_code::enhance_your_calm, "too_many_pings"));
    CHECK(k.time == 20s);
    // Another connection made with 10 s says the same: still 20 s (grpc-go's
    // adjustParams: twice the time that connection used, if larger).
    CHECK_FALSE(k.on_goaway(h2::error_code::enhance_your_calm, "too_many_pings", 10s));
    CHECK(k.time == 20s);
    CHECK(k.on_goaway(h2::error_code::enhance_your_calm, "too_many_pings", 20s));
    CHECK(k.time == 40s);
    CHECK(k.backoffs == 2);

    // Doubling stops at gRPC's INT_MAX ms.
    k.time = ra::max_client_keepalive_time;
    CHECK_FALSE(k.on_goaway(h2::error_code::enhance_your_calm, "too_many_pings"));
    CHECK(k.time == ra::max_client_keepalive_time);
}
