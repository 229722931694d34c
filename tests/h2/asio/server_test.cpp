// h2/asio: server, client and the session loop between them, end to end on
// 127.0.0.1 — immediate and coroutine handlers, streaming bodies both ways,
// trailers, RST_STREAM and GOAWAY as errors, the concurrency limit, thread
// models, TLS, idle timeout, graceful shutdown.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/h2/asio/client.hpp>
#include <h2pb/h2/asio/server.hpp>
#include <h2pb/h2/asio/session.hpp>  // trace_sink
#include <h2pb/h2/asio/tls.hpp>
#include <h2pb/h2/asio/wakeup.hpp>

#include <catch2/catch.hpp>

#include "test_cert.hpp"

namespace ha = h2pb::h2::asio;
namespace h2 = h2pb::h2;
namespace wire = h2pb::wire;
using namespace std::chrono_literals;

// Never co_await inside a Catch2 assertion macro: g++ 12 mishandles the
// temporaries of a full expression that contains co_await (the assertion
// handler), and the coroutine never resumes. Await first, then assert.

namespace {

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
}

ha::awaitable<void> sleep_for(ha::duration d) {
    ha::net::steady_timer t(co_await ha::net::this_coro::executor, d);
    co_await t.async_wait(ha::net::use_awaitable);
}

/// The routes every test uses.
ha::router test_routes(const std::shared_ptr<std::atomic<int>>& events) {
    ha::router r;
    r.add("/hello", ha::immediate_handler([](ha::request& req, ha::response& res) {
              res.send_headers(200, {{"content-type", "text/plain"}, {"x-method", req.method()}});
              res.send(wire::as_bytes(std::string_view("hello\n")), true);
          }));
    r.add("/echo",
          ha::coroutine_handler([](ha::request& req, ha::response& res) -> ha::awaitable<void> {
              res.send_headers(200, {});
              std::size_t total = 0;
              for (;;) {
                  auto piece = co_await req.read();
                  if (!piece || piece->empty()) break;
                  total += piece->size();
                  if (co_await res.write(*piece)) co_return;
              }
              const std::string n = std::to_string(total);
              const std::string t =
                  std::string(req.trailers().empty() ? "" : req.trailers()[0].value);
              res.send_trailers({{"x-length", n}, {"x-request-trailer", t}});
          }));
    r.add("/big",
          ha::coroutine_handler([events](ha::request&, ha::response& res) -> ha::awaitable<void> {
              res.send_headers(200, {});
              const std::string chunk = pattern(std::size_t{64} * 1024);
              for (int i = 0; i < 128; ++i) {  // 8 MiB
                  if (auto e = co_await res.write(wire::as_bytes(chunk), i == 127)) {
                      if (e.kind == ha::stream_errc::reset_by_peer &&
                          e.code == h2::error_code::cancel)
                          ++*events;
                      co_return;
                  }
              }
          }));
    r.add("/slow",
          ha::coroutine_handler([](ha::request&, ha::response& res) -> ha::awaitable<void> {
              co_await sleep_for(150ms);
              res.send_headers(200, {});
              co_await res.write(wire::as_bytes(std::string_view("slow")), true);
          }));
    r.add("/read-all", ha::coroutine_handler(
                           [events](ha::request& req, ha::response& res) -> ha::awaitable<void> {
                               auto body = co_await req.read_all(1 << 20);
                               if (!body) {
                                   // The server reset the stream: the peer broke a rule.
                                   if (body.error().kind == ha::stream_errc::reset_locally &&
                                       body.error().code == h2::error_code::protocol_error)
                                       ++*events;
                                   co_return;
                               }
                               res.send_headers(200, {});
                               co_await res.write(wire::as_bytes(*body), true);
                           }));
    r.add("/reset", ha::immediate_handler([](ha::request&, ha::response& res) {
              res.reset(h2::error_code::enhance_your_calm);
          }));
    r.add("/throw-early",
          ha::coroutine_handler([](ha::request&, ha::response&) -> ha::awaitable<void> {
              throw std::runtime_error("boom");
              co_return;
          }));
    r.add("/throw-late",
          ha::coroutine_handler([](ha::request&, ha::response& res) -> ha::awaitable<void> {
              res.send_headers(200, {});
              co_await res.write(wire::as_bytes(std::string_view("partial")));
              throw std::runtime_error("boom");
          }));
    return r;
}

struct fixture {
    explicit fixture(const ha::server_options& o = {})
        : events(std::make_shared<std::atomic<int>>(0)) {
        srv = std::make_unique<ha::server>(o, test_routes(events));
        const auto e = srv->listen();
        REQUIRE_FALSE(e);
        srv->start();
        url = *ha::parse_url("http://127.0.0.1:" + std::to_string(srv->port()) + "/");
        if (o.tls) url = *ha::parse_url("https://localhost:" + std::to_string(srv->port()) + "/");
    }
    ~fixture() {
        srv->shutdown(1s);
        srv->join();
    }

    /// Runs `body(client)` on a fresh connection; fails the test after 20 s.
    template <class Body>
    void run(Body body, ha::client_options co = {}) {
        ha::net::io_context io;
        bool done = false;
        ha::net::co_spawn(
            io,
            [&]() -> ha::awaitable<void> {
                auto c = co_await ha::client::connect(io.get_executor(), url, std::move(co));
                INFO((c ? std::string() : c.error().to_string()));
                REQUIRE(c);
                co_await body(**c);
                (*c)->shutdown();
                done = true;
            },
            [](const std::exception_ptr& e) {
                if (e) std::rethrow_exception(e);
            });
        io.run_for(20s);
        REQUIRE(done);
    }

    std::shared_ptr<std::atomic<int>> events;
    std::unique_ptr<ha::server> srv;
    ha::url url;
};

std::string header(const ha::client_response& r, std::string_view name) {
    for (const auto& [n, v] : r.headers)
        if (n == name) return v;
    for (const auto& [n, v] : r.trailers)
        if (n == name) return v;
    return {};
}

}  // namespace

TEST_CASE("GET with an immediate handler; 404 for unknown paths", "[server]") {
    fixture f;
    f.run([](ha::client& c) -> ha::awaitable<void> {
        auto r = co_await c.fetch("GET", "/hello");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->body == "hello\n");
        CHECK(header(*r, "x-method") == "GET");
        CHECK(header(*r, "content-type") == "text/plain");
        auto n = co_await c.fetch("GET", "/nothing-here");
        REQUIRE(n);
        CHECK(n->status == 404);
    });
}

TEST_CASE("bodies stream both ways through a coroutine handler, with trailers", "[server]") {
    fixture f;
    f.run([](ha::client& c) -> ha::awaitable<void> {
        const std::string body = pattern(3 * 1024 * 1024 + 17);  // beyond every window
        const auto fields = c.request_fields("POST", "/echo");
        auto st = co_await c.open(fields, false);
        REQUIRE(st);
        // Write in pieces, and read what comes back meanwhile.
        std::string back;
        std::size_t sent = 0;
        while (sent < body.size()) {
            const std::size_t n = std::min<std::size_t>(100000, body.size() - sent);
            const auto e =
                co_await st->write(wire::as_bytes(std::string_view(body).substr(sent, n)));
            REQUIRE_FALSE(e);
            sent += n;
        }
        const std::vector<h2pb::hpack::field> trailers{{"x-checksum", "abc"}};
        CHECK_FALSE(st->send_trailers(trailers));
        const auto head = co_await st->response();
        REQUIRE_FALSE(head);
        CHECK(st->status() == 200);
        for (;;) {
            auto piece = co_await st->read();
            REQUIRE(piece);
            if (piece->empty()) break;
            back.append(wire::as_chars(*piece));
        }
        CHECK(back == body);
        REQUIRE(st->trailers().size() == 2);
        CHECK(st->trailers()[0].value == std::to_string(body.size()));
        CHECK(st->trailers()[1].value == "abc");
    });
}

TEST_CASE("RST_STREAM from a handler reaches the client as an error with its code", "[server]") {
    fixture f;
    f.run([](ha::client& c) -> ha::awaitable<void> {
        auto r = co_await c.fetch("GET", "/reset");
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ha::stream_errc::reset_by_peer);
        CHECK(r.error().code == h2::error_code::enhance_your_calm);
        // The connection is fine afterwards.
        auto ok = co_await c.fetch("GET", "/hello");
        REQUIRE(ok);
        CHECK(ok->status == 200);
    });
}

TEST_CASE("a stream error on one of several requests reaches its handler, the others go on",
          "[server]") {
    fixture f;
    f.run([&f](ha::client& c) -> ha::awaitable<void> {
        // Three requests in flight on one connection; the middle one's body
        // breaks its content-length (RFC 9113 §8.1.1): the server resets it,
        // and its handler (found through the stream_reset event's user data)
        // fails; the other two are answered.
        const std::vector<h2pb::hpack::field> ten{{"content-length", "10"}};
        const auto good = c.request_fields("POST", "/read-all");
        const auto bad = c.request_fields("POST", "/read-all", ten);
        auto s1 = co_await c.open(good, false);
        auto s2 = co_await c.open(bad, false);
        auto s3 = co_await c.open(good, false);
        REQUIRE(s1);
        REQUIRE(s2);
        REQUIRE(s3);
        const auto w1 = co_await s1->write(wire::as_bytes(std::string_view("first")), true);
        const auto w2 = co_await s2->write(wire::as_bytes(std::string_view("short")), true);
        const auto w3 = co_await s3->write(wire::as_bytes(std::string_view("third")), true);
        CHECK_FALSE(w1);
        CHECK_FALSE(w2);
        CHECK_FALSE(w3);
        const auto e2 = co_await s2->response();
        CHECK(e2.kind == ha::stream_errc::reset_by_peer);
        CHECK(e2.code == h2::error_code::protocol_error);
        for (auto* st : {&*s1, &*s3}) {
            const auto head = co_await st->response();
            REQUIRE_FALSE(head);
            CHECK(st->status() == 200);
            std::string back;
            for (;;) {
                auto piece = co_await st->read();
                REQUIRE(piece);
                if (piece->empty()) break;
                back.append(wire::as_chars(*piece));
            }
            CHECK(back == (st == &*s1 ? "first" : "third"));
        }
        for (int i = 0; i < 100 && f.events->load() == 0; ++i) {
            co_await sleep_for(10ms);
        }
        CHECK(f.events->load() == 1);
    });
}

TEST_CASE("a handler that throws: 500 before headers, RST_STREAM(INTERNAL_ERROR) after",
          "[server]") {
    fixture f;
    f.run([](ha::client& c) -> ha::awaitable<void> {
        auto early = co_await c.fetch("GET", "/throw-early");
        REQUIRE(early);
        CHECK(early->status == 500);
        auto late = co_await c.fetch("GET", "/throw-late");
        REQUIRE_FALSE(late);
        CHECK(late.error().kind == ha::stream_errc::reset_by_peer);
        CHECK(late.error().code == h2::error_code::internal_error);
    });
}

TEST_CASE("more requests than SETTINGS_MAX_CONCURRENT_STREAMS: open() waits for a slot",
          "[server]") {
    ha::server_options o;
    o.driver.h2.max_concurrent_streams = 4;
    fixture f(o);
    f.run([](ha::client& c) -> ha::awaitable<void> {
        auto ex = co_await ha::net::this_coro::executor;
        int ok = 0, finished = 0;
        ha::wakeup all;
        for (int i = 0; i < 24; ++i) {
            ha::net::co_spawn(
                ex,
                [&]() -> ha::awaitable<void> {
                    auto r = co_await c.fetch("GET", "/slow");
                    if (r && r->status == 200 && r->body == "slow") ++ok;
                    if (++finished == 24) all.notify();
                },
                ha::net::detached);
        }
        while (finished < 24) {
            co_await all.wait();
        }
        CHECK(ok == 24);
    });
}

TEST_CASE("a client that cancels: the handler's write fails with CANCEL", "[server]") {
    fixture f;
    f.run([&f](ha::client& c) -> ha::awaitable<void> {
        {
            const auto fields = c.request_fields("GET", "/big");
            auto st = co_await c.open(fields, true);
            REQUIRE(st);
            const auto head = co_await st->response();
            REQUIRE_FALSE(head);
            auto piece = co_await st->read();
            REQUIRE(piece);
            CHECK_FALSE(piece->empty());
        }  // dropped: RST_STREAM(CANCEL)
        for (int i = 0; i < 100 && f.events->load() == 0; ++i) {
            co_await sleep_for(10ms);
        }
        CHECK(f.events->load() == 1);
    });
}

TEST_CASE("graceful shutdown: the stream in flight completes, new streams are refused",
          "[server]") {
    fixture f;
    f.run([&f](ha::client& c) -> ha::awaitable<void> {
        auto ex = co_await ha::net::this_coro::executor;
        bool slow_ok = false, done = false;
        ha::wakeup w;
        ha::net::co_spawn(
            ex,
            [&]() -> ha::awaitable<void> {
                auto r = co_await c.fetch("GET", "/slow");
                slow_ok = r && r->body == "slow";
                done = true;
                w.notify();
            },
            ha::net::detached);
        co_await sleep_for(30ms);
        f.srv->shutdown(5s);
        co_await sleep_for(60ms);  // the GOAWAY arrives
        auto late = co_await c.fetch("GET", "/hello");
        REQUIRE_FALSE(late);
        CHECK((late.error().kind == ha::stream_errc::goaway ||
               late.error().kind == ha::stream_errc::connection_closed));
        while (!done) {
            co_await w.wait();
        }
        CHECK(slow_ok);
    });
}

TEST_CASE("thread models: io_context per thread and a shared io_context", "[server]") {
    for (const auto model :
         {ha::thread_model::context_per_thread, ha::thread_model::shared_context}) {
        ha::server_options o;
        o.threads = 2;
        o.model = model;
        fixture f(o);
        for (int conn = 0; conn < 4; ++conn) {
            f.run([](ha::client& c) -> ha::awaitable<void> {
                for (int i = 0; i < 25; ++i) {
                    auto r = co_await c.fetch("GET", "/hello");
                    REQUIRE(r);
                    CHECK(r->body == "hello\n");
                }
            });
        }
        CHECK(f.srv->connections() <= 4);
    }
}

TEST_CASE("TLS end to end: ALPN h2, certificate from memory, verified by the client",
          "[server][tls]") {
    const auto cred = h2pb::test::make_self_signed();
    ha::tls_server_options so;
    so.credentials.cert_pem = cred.cert_pem;
    so.credentials.key_pem = cred.key_pem;
    auto ctx = ha::make_server_context(so);
    REQUIRE(ctx);
    ha::server_options o;
    o.tls = *ctx;
    fixture f(o);
    ha::client_options co;
    co.tls.ca_pem = cred.cert_pem;
    f.run(
        [](ha::client& c) -> ha::awaitable<void> {
            const std::string body = pattern(std::size_t{1024} * 1024);
            auto r = co_await c.fetch("POST", "/echo", {}, wire::as_bytes(body));
            REQUIRE(r);
            CHECK(r->body == body);
            CHECK(header(*r, "x-length") == std::to_string(body.size()));
        },
        co);
}

TEST_CASE("an idle connection is closed with GOAWAY(NO_ERROR)", "[server]") {
    ha::server_options o;
    o.driver.idle_timeout = 200ms;
    fixture f(o);
    f.run([](ha::client& c) -> ha::awaitable<void> {
        auto r = co_await c.fetch("GET", "/hello");
        REQUIRE(r);
        for (int i = 0; i < 200 && !c.is_closed(); ++i) {
            co_await sleep_for(10ms);
        }
        CHECK(c.is_closed());
        auto after = co_await c.fetch("GET", "/hello");
        CHECK_FALSE(after);
    });
}

TEST_CASE("the trace sink sees every octet both ways", "[server]") {
    struct counter final : ha::trace_sink {
        std::size_t& in;
        std::size_t& out;
        counter(std::size_t& i, std::size_t& o) : in(i), out(o) {}
        void received(wire::bytes_view b) override { in += b.size(); }
        void sent(std::span<const wire::bytes_view> bs) override {
            for (auto b : bs) out += b.size();
        }
    };
    std::size_t in = 0, out = 0;
    fixture f;
    ha::net::io_context io;
    ha::net::co_spawn(
        io,
        [&]() -> ha::awaitable<void> {
            ha::client_options co;
            auto c = co_await ha::client::connect(io.get_executor(), f.url, co,
                                                  std::make_unique<counter>(in, out));
            REQUIRE(c);
            auto r = co_await (*c)->fetch("GET", "/hello");
            REQUIRE(r);
            (*c)->close();
        },
        ha::net::detached);
    io.run_for(10s);
    // Sent: the 24-octet preface, SETTINGS, WINDOW_UPDATE, SETTINGS ACK, HEADERS.
    CHECK(out > 24 + 9 + 9 + 9 + 9);
    // Received: SETTINGS, WINDOW_UPDATE, the ACK, HEADERS and the 6-octet DATA.
    CHECK(in > 9 + 9 + 9 + 9 + 9 + 6);
}
