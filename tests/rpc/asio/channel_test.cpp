// rpc/asio/channel: the gRPC client channel against an in-process
// rpc::asio::server on 127.0.0.1 with byte-level handlers (messages are
// plain bytes here, so what goes in and out is visible in the test): unary,
// the three streaming kinds, deadlines (DEADLINE_EXCEEDED, never before the
// deadline), cancellation, metadata both ways, compression, UNIMPLEMENTED,
// and a server restart (the next call makes a new connection).
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/h2/asio/server.hpp>
#include <h2pb/rpc/asio/call.hpp>
#include <h2pb/rpc/asio/channel.hpp>
#include <h2pb/rpc/asio/server.hpp>
#include <h2pb/rpc/zlib.hpp>

#include <catch2/catch.hpp>

namespace ha = h2pb::h2::asio;
namespace ra = h2pb::rpc::asio;
namespace rpc = h2pb::rpc;
namespace wire = h2pb::wire;
using namespace std::chrono_literals;
using rpc::status_code;

// Never co_await inside a Catch2 assertion macro (g++ 12 mishandles the
// temporaries of such a full expression): await first, then assert.

namespace {

constexpr rpc::method_descriptor echo_m{"/t.S/Echo", "t.S", "Echo", rpc::method_kind::unary};
constexpr rpc::method_descriptor count_m{"/t.S/Count", "t.S", "Count",
                                         rpc::method_kind::server_streaming};
constexpr rpc::method_descriptor concat_m{"/t.S/Concat", "t.S", "Concat",
                                          rpc::method_kind::client_streaming};
constexpr rpc::method_descriptor chat_m{"/t.S/Chat", "t.S", "Chat",
                                        rpc::method_kind::bidi_streaming};
constexpr rpc::method_descriptor sleep_m{"/t.S/Sleep", "t.S", "Sleep", rpc::method_kind::unary};
constexpr rpc::method_descriptor gzip_m{"/t.S/Gzip", "t.S", "Gzip", rpc::method_kind::unary};
constexpr rpc::method_descriptor missing_m{"/t.S/Missing", "t.S", "Missing",
                                           rpc::method_kind::unary};

wire::bytes_view bytes(std::string_view s) {
    return wire::as_bytes(s);
}

/// A server with byte-level handlers on its own thread.
struct server_fixture {
    explicit server_fixture(std::uint16_t port = 0) {
        ra::server_options o;
        o.codecs = std::make_shared<rpc::zlib_registry>();
        o.http.port = port;
        srv = std::make_unique<ra::server>(std::move(o));
        // Echo: the request + "!"; x-echo comes back as initial metadata,
        // x-trail-bin as trailing metadata; x-fail ends NOT_FOUND with it.
        srv->add_method(echo_m, [](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            auto m = co_await s.read_message();
            if (!m) co_return rpc::status{status_code::internal, "no request"};
            std::string reply(wire::as_chars(*m));
            reply += '!';
            auto& ctx = s.context();
            if (auto v = ctx.client_metadata().get("x-echo"))
                ctx.add_initial_metadata("x-echo", *v);
            if (auto v = ctx.client_metadata().get("x-trail-bin"))
                ctx.add_trailing_metadata("x-trail-bin", *v);
            if (auto v = ctx.client_metadata().get("x-fail"))
                co_return rpc::status{status_code::not_found, std::string(*v)};
            (void)co_await s.write_message(bytes(reply));
            co_return rpc::status{};
        });
        // Count: as many responses as the request has octets: "0", "1", ...
        srv->add_method(count_m, [](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            auto m = co_await s.read_message();
            if (!m) co_return rpc::status{status_code::internal, "no request"};
            const std::size_t n = m->size();
            for (std::size_t i = 0; i < n; ++i) {
                const std::string r = std::to_string(i);
                const bool ok = co_await s.write_message(bytes(r));
                if (!ok) co_return rpc::status{status_code::cancelled};
            }
            co_return rpc::status{};
        });
        // Concat: every request joined with '+', one response.
        srv->add_method(concat_m, [](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            std::string all;
            for (;;) {
                auto m = co_await s.read_message();
                if (!m) break;
                if (!all.empty()) all += '+';
                all.append(wire::as_chars(*m));
            }
            if (s.context().is_cancelled()) co_return rpc::status{status_code::cancelled};
            (void)co_await s.write_message(bytes(all));
            co_return rpc::status{};
        });
        // Chat: each request back at once, upper-cased first letter marker.
        srv->add_method(chat_m, [this](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            for (;;) {
                auto m = co_await s.read_message();
                if (!m) break;
                std::string r = "re:";
                r.append(wire::as_chars(*m));
                const bool ok = co_await s.write_message(bytes(r));
                if (!ok) break;
            }
            chat_cancelled = s.context().is_cancelled();
            co_return rpc::status{};
        });
        srv->add_method(sleep_m, [this](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            ha::net::steady_timer t(co_await ha::net::this_coro::executor, 2s);
            co_await t.async_wait(ha::net::use_awaitable);
            sleeper_cancelled = s.context().is_cancelled();
            co_return rpc::status{};
        });
        srv->add_method(gzip_m, [](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            auto m = co_await s.read_message();
            if (!m) co_return rpc::status{status_code::internal, "no request"};
            std::string reply(wire::as_chars(*m));
            reply += s.context().last_message_compressed() ? " (compressed)" : " (plain)";
            s.context().set_compression("gzip");
            (void)co_await s.write_message(bytes(reply));
            co_return rpc::status{};
        });
        REQUIRE(!srv->listen());
        this->port = srv->port();
        srv->start();
    }
    ~server_fixture() { stop(); }
    void stop() {
        if (!srv) return;
        srv->stop();
        srv->join();
        srv.reset();
    }
    std::string target() const { return "127.0.0.1:" + std::to_string(port); }

    std::unique_ptr<ra::server> srv;
    std::uint16_t port = 0;
    std::atomic<bool> sleeper_cancelled{false};
    std::atomic<bool> chat_cancelled{false};
};

/// Runs `body(channel)` as a coroutine on a fresh io_context until it is
/// done; an exception (a failed REQUIRE) is rethrown here.
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

ra::channel_options with_gzip() {
    ra::channel_options o;
    o.codecs = std::make_shared<rpc::zlib_registry>();
    return o;
}

}  // namespace

TEST_CASE("channel: unary call, metadata both ways, error status with message") {
    server_fixture f;
    run_client(f.target(), [&](ra::channel& ch) -> ha::awaitable<void> {
        auto r = co_await ch.unary_bytes(echo_m, bytes("hi"));
        REQUIRE(r.ok());
        CHECK(*r == "hi!");

        ra::client_context ctx;
        ra::call_options o;
        o.md.add("x-echo", "v1");
        o.md.add("x-trail-bin", std::string("\x00\xff", 2));
        o.context = &ctx;
        auto r2 = co_await ch.unary_bytes(echo_m, bytes("md"), o);
        REQUIRE(r2.ok());
        CHECK(ctx.initial_metadata().get("x-echo") == std::optional<std::string_view>("v1"));
        CHECK(ctx.trailing_metadata().get("x-trail-bin") ==
              std::optional<std::string_view>(std::string_view("\x00\xff", 2)));
        CHECK(ctx.final_status().ok());

        ra::call_options o3;
        o3.md.add("x-fail", "no such thing");
        auto r3 = co_await ch.unary_bytes(echo_m, bytes("x"), o3);
        REQUIRE(!r3.ok());
        CHECK(r3.status().code == status_code::not_found);
        CHECK(r3.status().message == "no such thing");

        auto r4 = co_await ch.unary_bytes(missing_m, bytes(""));
        CHECK(r4.status().code == status_code::unimplemented);
        // Every call went over one connection.
        CHECK(ch.connections_made() == 1);
    });
}

TEST_CASE("channel: server streaming, client streaming, bidi") {
    server_fixture f;
    run_client(f.target(), [&](ra::channel& ch) -> ha::awaitable<void> {
        {  // server streaming: 4 responses
            auto c = co_await ch.start_call(count_m);
            (void)co_await c->send(bytes("abcd"));
            (void)co_await c->close_send();
            std::vector<std::string> got;
            std::string m;
            while (co_await c->next(m)) got.push_back(m);
            const rpc::status st = co_await c->finish();
            CHECK(st.ok());
            CHECK(got == std::vector<std::string>{"0", "1", "2", "3"});
        }
        {  // client streaming
            auto c = co_await ch.start_call(concat_m);
            for (const char* s : {"a", "bb", "ccc"}) {
                const bool ok = co_await c->send(bytes(s));
                CHECK(ok);
            }
            (void)co_await c->close_send();
            std::string m;
            const bool got = co_await c->next(m);
            CHECK(got);
            CHECK(m == "a+bb+ccc");
            const rpc::status st = co_await c->finish();
            CHECK(st.ok());
        }
        {  // bidi: ping-pong in one coroutine
            auto c = co_await ch.start_call(chat_m);
            for (const char* s : {"one", "two", "three"}) {
                (void)co_await c->send(bytes(s));
                std::string m;
                const bool got = co_await c->next(m);
                REQUIRE(got);
                CHECK(m == std::string("re:") + s);
            }
            (void)co_await c->close_send();
            std::string m;
            const bool more = co_await c->next(m);
            CHECK(!more);
            const rpc::status st = co_await c->finish();
            CHECK(st.ok());
        }
        {  // bidi: a writer coroutine and a reader coroutine at the same time
            auto c = co_await ch.start_call(chat_m);
            auto* core = c.get();
            bool writer_done = false;
            ha::net::co_spawn(
                ch.get_executor(),
                [core, &writer_done]() -> ha::awaitable<void> {
                    for (int i = 0; i < 50; ++i) {
                        const std::string s = "m" + std::to_string(i);
                        (void)co_await core->send(bytes(s));
                    }
                    (void)co_await core->close_send();
                    writer_done = true;
                },
                ha::net::detached);
            std::vector<std::string> got;
            std::string m;
            while (co_await core->next(m)) got.push_back(m);
            const rpc::status st = co_await c->finish();
            CHECK(st.ok());
            CHECK(writer_done);
            REQUIRE(got.size() == 50);
            CHECK(got[49] == "re:m49");
        }
    });
}

TEST_CASE("channel: a deadline ends the call with DEADLINE_EXCEEDED, not before it") {
    server_fixture f;
    run_client(f.target(), [&](ra::channel& ch) -> ha::awaitable<void> {
        ra::call_options o;
        o.timeout = 300ms;
        const auto t0 = std::chrono::steady_clock::now();
        auto r = co_await ch.unary_bytes(sleep_m, bytes(""), o);
        const auto took = std::chrono::steady_clock::now() - t0;
        CHECK(r.status().code == status_code::deadline_exceeded);
        CHECK(took >= 300ms);
        CHECK(took < 1900ms);  // the server sleeps 2 s: we did not wait for it

        // A deadline already past: the call ends at once.
        ra::call_options past;
        past.deadline = std::chrono::steady_clock::now() - 1s;
        auto r2 = co_await ch.unary_bytes(echo_m, bytes("x"), past);
        CHECK(r2.status().code == status_code::deadline_exceeded);

        // A generous deadline does not disturb a quick call.
        ra::call_options later;
        later.timeout = 10s;
        auto r3 = co_await ch.unary_bytes(echo_m, bytes("y"), later);
        CHECK(r3.ok());
    });
}

TEST_CASE("channel: cancellation (before the call and after the first response)") {
    server_fixture f;
    run_client(f.target(), [&](ra::channel& ch) -> ha::awaitable<void> {
        {
            ra::client_context ctx;
            ra::call_options o;
            o.context = &ctx;
            auto c = co_await ch.start_call(chat_m, o);
            (void)co_await c->send(bytes("first"));
            std::string m;
            const bool got = co_await c->next(m);
            CHECK(got);
            ctx.cancel();
            const rpc::status st = co_await c->finish();
            CHECK(st.code == status_code::cancelled);
            CHECK(ctx.final_status().code == status_code::cancelled);
        }
        {
            ra::client_context ctx;
            ctx.cancel();
            ra::call_options o;
            o.context = &ctx;
            auto r = co_await ch.unary_bytes(echo_m, bytes("x"), o);
            CHECK(r.status().code == status_code::cancelled);
        }
        // The connection still serves calls.
        auto r = co_await ch.unary_bytes(echo_m, bytes("after"));
        CHECK(r.ok());
    });
    // The server saw the RST_STREAM(CANCEL).
    f.stop();
    CHECK(f.chat_cancelled);
}

TEST_CASE("channel: compression both ways") {
    server_fixture f;
    run_client(
        f.target(),
        [&](ra::channel& ch) -> ha::awaitable<void> {
            ra::call_options o;
            o.compression = "gzip";
            ra::client_context ctx;
            o.context = &ctx;
            auto r = co_await ch.unary_bytes(gzip_m, bytes("zip"), o);
            REQUIRE(r.ok());
            CHECK(*r == "zip (compressed)");
            auto r2 = co_await ch.unary_bytes(gzip_m, bytes("plain"));
            REQUIRE(r2.ok());
            CHECK(*r2 == "plain (plain)");
            // Per message: a call with gzip may still send a message uncompressed.
            auto c = co_await ch.start_call(gzip_m, o);
            (void)co_await c->send(bytes("raw"), false);
            (void)co_await c->close_send();
            std::string m;
            const bool got = co_await c->next(m);
            CHECK(got);
            CHECK(m == "raw (plain)");
            CHECK(c->response_encoding() == "gzip");
            const rpc::status st = co_await c->finish();
            CHECK(st.ok());
            ra::call_options bad;
            bad.compression = "br";
            auto r3 = co_await ch.unary_bytes(gzip_m, bytes("x"), bad);
            CHECK(r3.status().code == status_code::internal);
        },
        with_gzip());
}

TEST_CASE("channel: the server restarts: the next call makes a new connection") {
    auto f = std::make_unique<server_fixture>();
    const std::uint16_t port = f->port;
    const std::string target = f->target();
    run_client(target, [&](ra::channel& ch) -> ha::awaitable<void> {
        auto r = co_await ch.unary_bytes(echo_m, bytes("one"));
        CHECK(r.ok());
        CHECK(ch.connections_made() == 1);
        f.reset();  // stops the server (in this thread: the channel sees EOF later)
        auto down = co_await ch.unary_bytes(echo_m, bytes("down"));
        CHECK(down.status().code == status_code::unavailable);
        f = std::make_unique<server_fixture>(port);
        auto r2 = co_await ch.unary_bytes(echo_m, bytes("two"));
        CHECK(r2.ok());
        if (r2.ok()) CHECK(*r2 == "two!");
        CHECK(ch.connections_made() == 2);
    });
}

TEST_CASE("channel: no server: UNAVAILABLE; bad target: UNAVAILABLE") {
    // A port nobody listens on: take one from a server and stop it.
    std::string target;
    {
        server_fixture f;
        target = f.target();
    }
    run_client(target, [&](ra::channel& ch) -> ha::awaitable<void> {
        auto r = co_await ch.unary_bytes(echo_m, bytes("x"));
        CHECK(r.status().code == status_code::unavailable);
    });
    run_client("no-port", [&](ra::channel& ch) -> ha::awaitable<void> {
        auto r = co_await ch.unary_bytes(echo_m, bytes("x"));
        CHECK(r.status().code == status_code::unavailable);
    });
}

TEST_CASE("channel: a call refused unprocessed (REFUSED_STREAM) is retried once, transparently") {
    // A raw HTTP/2 server: the first `refusals` streams are refused with
    // RST_STREAM(REFUSED_STREAM) (RFC 9113 §8.7: not processed), the next
    // ones answered as gRPC: one message "ok" (framed as PROTOCOL-HTTP2.md
    // says: flag 0, 4-byte length), then trailers grpc-status 0.
    std::atomic<int> seen{0};
    int refusals = 1;
    ha::router routes;
    const ha::coroutine_handler handler = [&](ha::request& req,
                                              ha::response& res) -> ha::awaitable<void> {
        const int n = ++seen;
        if (n <= refusals) {
            res.reset(h2pb::h2::error_code::refused_stream);
            co_return;
        }
        (void)co_await req.read_all(1 << 20);
        res.send_headers(200, {{"content-type", "application/grpc"}});
        static constexpr char msg[] = {0, 0, 0, 0, 2, 'o', 'k'};
        (void)co_await res.write(wire::as_bytes(std::string_view(msg, sizeof msg)));
        (void)res.send_trailers({{"grpc-status", "0"}});
    };
    routes.add_prefix("/t.S/", handler);
    ha::server_options so;
    ha::server hs(so, std::move(routes));
    REQUIRE(!hs.listen());
    hs.start();
    const std::string target = "127.0.0.1:" + std::to_string(hs.port());
    run_client(target, [&](ra::channel& ch) -> ha::awaitable<void> {
        auto r = co_await ch.unary_bytes(echo_m, bytes("x"));
        REQUIRE(r.ok());
        CHECK(*r == "ok");
        CHECK(seen == 2);
        // Server streaming is retried the same way.
        seen = 0;
        auto c = co_await ch.start_call(count_m);
        co_await c->send_only("y");
        std::string m;
        const bool got = co_await c->next(m);
        CHECK(got);
        CHECK(m == "ok");
        const rpc::status st = co_await c->finish();
        CHECK(st.ok());
        CHECK(seen == 2);
        // Refused twice: only one retry; REFUSED_STREAM maps to UNAVAILABLE.
        seen = 0;
        refusals = 2;
        auto r2 = co_await ch.unary_bytes(echo_m, bytes("x"));
        CHECK(r2.status().code == status_code::unavailable);
        CHECK(seen == 2);
    });
    hs.stop();
    hs.join();
}
