// rpc/asio/channel: targets with several addresses, load balancing
// (round_robin, pick_first), connectivity states and their transitions,
// wait_for_ready, backoff after a server restart, the idle timeout, a Unix
// socket target against a grpcio server, and mutual TLS.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/h2/asio/client.hpp>
#include <h2pb/h2/asio/client_session.hpp>  // client::session()
#include <h2pb/h2/asio/tls.hpp>
#include <h2pb/rpc/asio/channel.hpp>
#include <h2pb/rpc/asio/server.hpp>

#include "../../h2/asio/test_cert.hpp"

#include <catch2/catch.hpp>

namespace ha = h2pb::h2::asio;
namespace ra = h2pb::rpc::asio;
namespace rpc = h2pb::rpc;
namespace wire = h2pb::wire;
using namespace std::chrono_literals;
using rpc::connectivity_state;
using rpc::status_code;

// Never co_await inside a Catch2 assertion macro (g++ 12): await first.

namespace {

constexpr rpc::method_descriptor echo_m{"/t.S/Echo", "t.S", "Echo", rpc::method_kind::unary};

wire::bytes_view bytes(std::string_view s) {
    return wire::as_bytes(s);
}

/// An h2pb server whose Echo answers request + "@" + its name, and records
/// the :authority it was sent.
struct named_server {
    explicit named_server(std::string name_, std::uint16_t port_ = 0,
                          std::string host = "127.0.0.1", ha::tls_context_ptr tls = nullptr)
        : name(std::move(name_)) {
        ra::server_options o;
        o.http.host = std::move(host);
        o.http.port = port_;
        o.http.tls = std::move(tls);
        srv = std::make_unique<ra::server>(std::move(o));
        srv->add_method(echo_m, [this](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            auto m = co_await s.read_message();
            if (!m) co_return rpc::status{status_code::internal, "no request"};
            std::string reply(wire::as_chars(*m));
            reply += "@" + name;
            (void)co_await s.write_message(bytes(reply));
            co_return rpc::status{};
        });
        REQUIRE(!srv->listen());
        port = srv->port();
        srv->start();
    }
    ~named_server() {
        srv->stop();
        srv->join();
    }
    std::string name;
    std::unique_ptr<ra::server> srv;
    std::uint16_t port = 0;
};

/// A port nobody listens on (taken from a server, then closed).
std::uint16_t dead_port() {
    named_server s("dead");
    return s.port;
}

template <class Body>
void run_client(const std::string& target, Body body, ra::channel_options o = {}) {
    ha::net::io_context io;
    ra::channel ch(io.get_executor(), target, std::move(o));
    std::exception_ptr failure;
    ha::net::co_spawn(
        io,
        [&]() -> ha::awaitable<void> {
            try {
                co_await body(ch);
            } catch (...) {
                failure = std::current_exception();
            }
            ch.close();
        },
        ha::net::detached);
    io.run();
    if (failure) std::rethrow_exception(failure);
}

/// Backoff small enough for tests (connection-backoff.md's shape, ms scale).
ra::channel_options fast_backoff(std::string lb = "pick_first") {
    ra::channel_options o;
    o.load_balancing = std::move(lb);
    o.backoff.initial_backoff = 50ms;
    o.backoff.max_backoff = 200ms;
    o.backoff.min_connect_timeout = 1s;
    return o;
}

ha::awaitable<void> sleep_for(std::chrono::milliseconds d) {
    ha::net::steady_timer t(co_await ha::net::this_coro::executor, d);
    co_await t.async_wait(ha::net::use_awaitable);
}

std::string reply_of(const rpc::result<std::string>& r) {
    return r.ok() ? *r : "error: " + r.status().message;
}

/// Result of a call run in its own coroutine.
struct pending_call {
    bool done = false;
    rpc::result<std::string> result = rpc::status{status_code::unknown, "not done"};
};

ha::awaitable<void> call_into(ra::channel* ch, ra::call_options o, std::string msg,
                              std::shared_ptr<pending_call> out) {
    auto r = co_await ch->unary_bytes(echo_m, bytes(msg), std::move(o));
    out->result = std::move(r);
    out->done = true;
}

}  // namespace

TEST_CASE("channel lb: round_robin spreads calls over an ipv4: list of two servers") {
    named_server a("a"), b("b");
    const std::string target =
        "ipv4:127.0.0.1:" + std::to_string(a.port) + ",127.0.0.1:" + std::to_string(b.port);
    run_client(
        target,
        [&](ra::channel& ch) -> ha::awaitable<void> {
            CHECK(ch.state() == connectivity_state::idle);
            CHECK(ch.authority() == "127.0.0.1:" + std::to_string(a.port));
            // Wait until both subchannels are READY (the first READY makes
            // the channel READY; the second may follow a moment later).
            auto r0 = co_await ch.unary_bytes(echo_m, bytes("x"));
            REQUIRE(r0.ok());
            for (int i = 0; i < 100 && ch.connections_made() < 2; ++i) {
                co_await sleep_for(10ms);
            }
            REQUIRE(ch.connections_made() == 2);
            std::map<std::string, int> seen;
            std::string previous;
            int alternations = 0;
            for (int i = 0; i < 10; ++i) {
                auto r = co_await ch.unary_bytes(echo_m, bytes("m"));
                REQUIRE(r.ok());
                ++seen[*r];
                if (!previous.empty() && previous != *r) ++alternations;
                previous = *r;
            }
            CHECK(seen["m@a"] == 5);
            CHECK(seen["m@b"] == 5);
            CHECK(alternations == 9);  // strictly a, b, a, b, ...
        },
        fast_backoff("round_robin"));
}

TEST_CASE("channel lb: pick_first uses the first address that connects, in order") {
    named_server a("a"), b("b");
    const std::string dead = std::to_string(dead_port());
    // The first address refuses: the second one is used, for every call.
    run_client(
        "ipv4:127.0.0.1:" + dead + ",127.0.0.1:" + std::to_string(b.port),
        [&](ra::channel& ch) -> ha::awaitable<void> {
            for (int i = 0; i < 4; ++i) {
                auto r = co_await ch.unary_bytes(echo_m, bytes("p"));
                CHECK(reply_of(r) == "p@b");
            }
            CHECK(ch.connections_made() == 1);
            CHECK(ch.state() == connectivity_state::ready);
        },
        fast_backoff());
    // Both up: the first one only (pick_first is the default).
    run_client("ipv4:127.0.0.1:" + std::to_string(a.port) + ",127.0.0.1:" + std::to_string(b.port),
               [&](ra::channel& ch) -> ha::awaitable<void> {
                   for (int i = 0; i < 4; ++i) {
                       auto r = co_await ch.unary_bytes(echo_m, bytes("p"));
                       CHECK(reply_of(r) == "p@a");
                   }
                   CHECK(ch.connections_made() == 1);
               });
}

TEST_CASE("channel lb: dns: and ipv6: targets") {
    named_server a("a");
    run_client("dns:///localhost:" + std::to_string(a.port),
               [&](ra::channel& ch) -> ha::awaitable<void> {
                   CHECK(ch.authority() == "localhost:" + std::to_string(a.port));
                   auto r = co_await ch.unary_bytes(echo_m, bytes("d"));
                   CHECK(reply_of(r) == "d@a");
               });
    named_server v6("v6", 0, "::1");
    run_client("ipv6:[::1]:" + std::to_string(v6.port),
               [&](ra::channel& ch) -> ha::awaitable<void> {
                   auto r = co_await ch.unary_bytes(echo_m, bytes("6"));
                   CHECK(reply_of(r) == "6@v6");
               });
    // The same port on 127.0.0.1 and ::1: a dns name for both would spread
    // over them; /etc/hosts maps localhost to 127.0.0.1 only here, so the
    // list form stands in for the two resolved addresses.
    named_server v4("v4", v6.port);
    run_client(
        "ipv6:[::1]:" + std::to_string(v6.port) + ",[::ffff:127.0.0.1]:" + std::to_string(v6.port),
        [&](ra::channel& ch) -> ha::awaitable<void> {
            auto r0 = co_await ch.unary_bytes(echo_m, bytes("x"));
            REQUIRE(r0.ok());
            for (int i = 0; i < 100 && ch.connections_made() < 2; ++i) {
                co_await sleep_for(10ms);
            }
            std::map<std::string, int> seen;
            for (int i = 0; i < 4; ++i) {
                auto r = co_await ch.unary_bytes(echo_m, bytes("m"));
                ++seen[reply_of(r)];
            }
            CHECK(seen["m@v6"] == 2);
            CHECK(seen["m@v4"] == 2);
        },
        fast_backoff("round_robin"));
}

TEST_CASE("channel lb: a malformed target fails calls with UNAVAILABLE and the parse error") {
    run_client("ipv4:1.2.3", [&](ra::channel& ch) -> ha::awaitable<void> {
        auto r = co_await ch.unary_bytes(echo_m, bytes("x"));
        CHECK(r.status().code == status_code::unavailable);
        CHECK(r.status().message.find("malformed IPv4") != std::string::npos);
        CHECK(ch.state() == connectivity_state::transient_failure);
    });
}

TEST_CASE("channel lb: states, wait_for_ready, backoff across a server restart") {
    auto srv = std::make_unique<named_server>("one");
    const std::uint16_t port = srv->port;
    run_client(
        "127.0.0.1:" + std::to_string(port),
        [&](ra::channel& ch) -> ha::awaitable<void> {
            // IDLE until asked; state(true) starts connecting.
            CHECK(ch.state() == connectivity_state::idle);
            CHECK(ch.state(true) == connectivity_state::connecting);
            const auto soon = std::chrono::steady_clock::now() + 5s;
            const bool changed =
                co_await ch.wait_for_state_change(connectivity_state::connecting, soon);
            CHECK(changed);
            CHECK(ch.state() == connectivity_state::ready);
            // No change within the deadline: false.
            const auto t0 = std::chrono::steady_clock::now();
            const bool changed2 =
                co_await ch.wait_for_state_change(connectivity_state::ready, t0 + 100ms);
            CHECK(!changed2);
            CHECK(std::chrono::steady_clock::now() - t0 >= 100ms);
            auto r = co_await ch.unary_bytes(echo_m, bytes("a"));
            CHECK(reply_of(r) == "a@one");

            // The server goes away: the connection is lost -> IDLE
            // (pick_first); the next call tries, fails: TRANSIENT_FAILURE.
            srv.reset();
            std::vector<connectivity_state> seen;
            auto st = ch.state();
            for (int i = 0; i < 10 && st != connectivity_state::idle; ++i) {
                const bool c =
                    co_await ch.wait_for_state_change(st, std::chrono::steady_clock::now() + 2s);
                if (!c) break;
                st = ch.state();
                seen.push_back(st);
            }
            CHECK(st == connectivity_state::idle);
            auto down = co_await ch.unary_bytes(echo_m, bytes("b"));
            CHECK(down.status().code == status_code::unavailable);
            CHECK(down.status().message.find("cannot connect") != std::string::npos);
            CHECK(ch.state() == connectivity_state::transient_failure);
            // Without wait_for_ready: UNAVAILABLE at once, while in TRANSIENT_FAILURE.
            const auto t1 = std::chrono::steady_clock::now();
            auto fast = co_await ch.unary_bytes(echo_m, bytes("c"));
            CHECK(fast.status().code == status_code::unavailable);
            CHECK(std::chrono::steady_clock::now() - t1 < 40ms);
            // wait_for_ready with a short deadline: DEADLINE_EXCEEDED.
            ra::call_options w;
            w.wait_for_ready = true;
            w.timeout = 150ms;
            auto late = co_await ch.unary_bytes(echo_m, bytes("d"), w);
            CHECK(late.status().code == status_code::deadline_exceeded);

            // wait_for_ready with time: waits through the backoff retries
            // until the server is back.
            ra::call_options w2;
            w2.wait_for_ready = true;
            w2.timeout = 10s;
            auto pending = std::make_shared<pending_call>();
            ha::net::co_spawn(co_await ha::net::this_coro::executor,
                              call_into(&ch, w2, "e", pending), ha::net::detached);
            co_await sleep_for(300ms);
            CHECK(!pending->done);
            const auto made = ch.connections_made();
            srv = std::make_unique<named_server>("two", port);
            for (int i = 0; i < 500 && !pending->done; ++i) {
                co_await sleep_for(10ms);
            }
            REQUIRE(pending->done);
            CHECK(reply_of(pending->result) == "e@two");
            CHECK(ch.connections_made() == made + 1);
            CHECK(ch.state() == connectivity_state::ready);
        },
        fast_backoff());
}

TEST_CASE("channel lb: idle timeout closes the connection and goes back to IDLE") {
    named_server a("a");
    ra::channel_options o = fast_backoff();
    o.idle_timeout = 200ms;
    run_client(
        "127.0.0.1:" + std::to_string(a.port),
        [&](ra::channel& ch) -> ha::awaitable<void> {
            auto r = co_await ch.unary_bytes(echo_m, bytes("a"));
            CHECK(reply_of(r) == "a@a");
            CHECK(ch.state() == connectivity_state::ready);
            const auto t0 = std::chrono::steady_clock::now();
            const bool changed =
                co_await ch.wait_for_state_change(connectivity_state::ready, t0 + 3s);
            CHECK(changed);
            CHECK(ch.state() == connectivity_state::idle);
            CHECK(std::chrono::steady_clock::now() - t0 >= 150ms);
            // The next call connects again.
            auto r2 = co_await ch.unary_bytes(echo_m, bytes("b"));
            CHECK(reply_of(r2) == "b@a");
            CHECK(ch.connections_made() == 2);
        },
        o);
}

TEST_CASE("channel lb: close() -> SHUTDOWN, calls fail UNAVAILABLE") {
    named_server a("a");
    run_client("127.0.0.1:" + std::to_string(a.port), [&](ra::channel& ch) -> ha::awaitable<void> {
        auto r = co_await ch.unary_bytes(echo_m, bytes("a"));
        CHECK(r.ok());
        ch.close();
        CHECK(ch.state() == connectivity_state::shutdown);
        auto r2 = co_await ch.unary_bytes(echo_m, bytes("b"));
        CHECK(r2.status().code == status_code::unavailable);
    });
}

TEST_CASE("channel lb: a unix: target against a grpcio server") {
    const std::string dir =
        std::filesystem::temp_directory_path() / ("h2pb_chan_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string sock = dir + "/grpc.sock";
    const std::string script = dir + "/server.py";
    {
        // Echo with bytes in and out (no (de)serializers: grpcio passes bytes).
        std::ofstream f(script);
        f << "import sys\n"
             "from concurrent import futures\n"
             "import grpc\n"
             "def echo(req, ctx):\n"
             "    return req + b'@grpcio'\n"
             "h = grpc.method_handlers_generic_handler('t.S', {'Echo': "
             "grpc.unary_unary_rpc_method_handler(echo)})\n"
             "s = grpc.server(futures.ThreadPoolExecutor(max_workers=2))\n"
             "s.add_generic_rpc_handlers((h,))\n"
             "s.add_insecure_port('unix:' + sys.argv[1])\n"
             "s.start()\n"
             "sys.stdin.read()\n"
             "s.stop(0)\n";
    }
    FILE* py = ::popen(("/usr/bin/python3 " + script + " " + sock).c_str(), "w");
    REQUIRE(py != nullptr);
    for (int i = 0; i < 200 && !std::filesystem::exists(sock); ++i)
        std::this_thread::sleep_for(50ms);
    REQUIRE(std::filesystem::exists(sock));
    for (const std::string& target : {"unix:" + sock, "unix://" + sock}) {
        run_client(target, [&](ra::channel& ch) -> ha::awaitable<void> {
            CHECK(ch.authority() == "localhost");
            auto r = co_await ch.unary_bytes(echo_m, bytes("u"));
            CHECK(reply_of(r) == "u@grpcio");
            auto r2 = co_await ch.unary_bytes(echo_m, bytes("v"));
            CHECK(reply_of(r2) == "v@grpcio");
            CHECK(ch.connections_made() == 1);
        });
    }
    ::pclose(py);  // EOF on its stdin: the server stops
    std::filesystem::remove_all(dir);
}

TEST_CASE("channel lb: mutual TLS: accepted with a client certificate, refused without") {
    const auto server_cred = h2pb::test::make_self_signed("localhost");
    const auto client_cred = h2pb::test::make_self_signed("client");
    const std::string dir =
        std::filesystem::temp_directory_path() / ("h2pb_mtls_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir + "/" + name) << text;
        return dir + "/" + name;
    };
    const std::string server_cert = write("server.pem", server_cred.cert_pem);
    const std::string client_cert = write("client.pem", client_cred.cert_pem);
    const std::string client_key = write("client.key", client_cred.key_pem);

    ha::tls_server_options so;
    so.credentials.cert_pem = server_cred.cert_pem;
    so.credentials.key_pem = server_cred.key_pem;
    so.client_ca_file = client_cert;  // self-signed: its own CA
    so.require_client_cert = true;
    auto ctx = ha::make_server_context(so);
    REQUIRE(ctx);
    named_server a("tls", 0, "127.0.0.1", *ctx);

    ra::channel_options o = fast_backoff();
    o.use_tls = true;
    o.ca_file = server_cert;
    o.client_cert_file = client_cert;
    o.client_key_file = client_key;
    const std::string target = "localhost:" + std::to_string(a.port);
    run_client(
        target,
        [&](ra::channel& ch) -> ha::awaitable<void> {
            auto r = co_await ch.unary_bytes(echo_m, bytes("m"));
            CHECK(reply_of(r) == "m@tls");
        },
        o);
    o.client_cert_file.clear();
    o.client_key_file.clear();
    run_client(
        target,
        [&](ra::channel& ch) -> ha::awaitable<void> {
            auto r = co_await ch.unary_bytes(echo_m, bytes("m"));
            CHECK(r.status().code == status_code::unavailable);
        },
        o);
    std::filesystem::remove_all(dir);
}

TEST_CASE("channel lb: a connection given up (GOAWAY, stream ids used up) is replaced") {
    named_server a("a");
    run_client("127.0.0.1:" + std::to_string(a.port), [&](ra::channel& ch) -> ha::awaitable<void> {
        auto r = co_await ch.unary_bytes(echo_m, bytes("a"));
        CHECK(reply_of(r) == "a@a");
        ra::detail::pick_args args;
        auto picked = co_await ch.pick(args);
        REQUIRE(picked.conn);
        // What a call does when open() fails on this connection (e.g.
        // send_errc::stream_ids_exhausted): the channel stops using it,
        // sends GOAWAY, and the next call gets a new connection.
        ch.drop(picked.conn);
        CHECK(picked.conn->session().unusable());
        auto r2 = co_await ch.unary_bytes(echo_m, bytes("b"));
        CHECK(reply_of(r2) == "b@a");
        CHECK(ch.connections_made() == 2);
        for (int i = 0; i < 200 && !picked.conn->is_closed(); ++i) {
            co_await sleep_for(10ms);
        }
        CHECK(picked.conn->is_closed());
    });
}

TEST_CASE("channel lb: close() ends a connection attempt at once") {
    // A TCP listener that accepts and never answers: a TLS channel's
    // attempt waits in the TLS handshake (its timeout is 10 s or more).
    ha::net::io_context io;
    ha::tcp::acceptor acc(io, ha::tcp::endpoint(ha::net::ip::make_address("127.0.0.1"), 0));
    ha::tcp::socket held(io);
    acc.async_accept(held, [](const ha::error_code_t&) {});
    ra::channel_options o;
    o.use_tls = true;
    ra::channel ch(io.get_executor(), "127.0.0.1:" + std::to_string(acc.local_endpoint().port()),
                   o);
    CHECK(ch.state(true) == connectivity_state::connecting);
    ha::net::steady_timer t(io, 300ms);
    t.async_wait([&](const ha::error_code_t&) {
        CHECK(ch.state() == connectivity_state::connecting);
        ch.close();
        acc.close();
    });
    const auto t0 = std::chrono::steady_clock::now();
    io.run();
    CHECK(std::chrono::steady_clock::now() - t0 < 3s);
    CHECK(ch.state() == connectivity_state::shutdown);
}
