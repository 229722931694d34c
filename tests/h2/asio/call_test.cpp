// h2/asio: what a gRPC call layer needs from the driver, end to end on
// 127.0.0.1 — a reader and a writer coroutine on one stream at once (a
// bidirectional call); trailer sections the peer would refuse; deadlines and
// the cancellation signal.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/h2/asio/client.hpp>
#include <h2pb/h2/asio/server.hpp>
#include <h2pb/h2/asio/wakeup.hpp>

#include <catch2/catch.hpp>

namespace ha = h2pb::h2::asio;
namespace h2 = h2pb::h2;
namespace wire = h2pb::wire;
using namespace std::chrono_literals;

// Never co_await inside a Catch2 assertion macro (g++ 12, see server_test.cpp).
// Handlers run on the server's threads: they report through the response
// (status, trailers), and the client side asserts.

namespace {

std::string pattern(std::size_t n, unsigned salt) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>('a' + (i * 7 + i / 251 + salt) % 26);
    return s;
}

/// Set once by one coroutine, awaited by another on the same executor.
struct join_flag {
    bool done = false;
    std::exception_ptr error;
    ha::wakeup w;
    void set(std::exception_ptr e = {}) {
        done = true;
        error = std::move(e);
        w.notify();
    }
    ha::awaitable<void> wait() {
        while (!done) {
            co_await w.wait();
        }
        if (error) std::rethrow_exception(error);
    }
};

/// Starts `body` as a second coroutine on the caller's executor.
template <class F>
ha::awaitable<void> spawn_next(join_flag& flag, F body) {
    ha::net::co_spawn(co_await ha::net::this_coro::executor, std::move(body),
                      [&flag](std::exception_ptr e) { flag.set(std::move(e)); });
}

constexpr std::size_t duplex_size = std::size_t{6} * 1024 * 1024;  // beyond every window

/// What the server's handlers saw, for the client side to check.
struct probes {
    std::atomic<int> trailers_refused{0};  ///< send_trailers() returned the reset
    std::atomic<int> reset_internal{0};  ///< a request body read failed: RST_STREAM(INTERNAL_ERROR)
    std::atomic<int> deadline_expired{0};  ///< cancelled() said true, error timeout
    std::atomic<int> peer_cancel{0};       ///< cancelled() said true, the client reset the stream
    std::atomic<int> watch_true{0};        ///< a watcher was told "failed"
    std::atomic<int> watch_false{0};       ///< a watcher was told "ended normally"
    std::mutex mutex;
    std::vector<int> expiry_order;  ///< the ?ms= of each expired /deadline, in order
};

/// Polls `n` (set on a server thread) until it reaches `want` or 2 s pass.
ha::awaitable<int> wait_for(const std::atomic<int>& n, int want) {
    for (int i = 0; i < 200 && n.load() < want; ++i) {
        ha::net::steady_timer t(co_await ha::net::this_coro::executor, 10ms);
        co_await t.async_wait(ha::net::use_awaitable);
    }
    co_return n.load();
}

/// A watcher coroutine: a function, not a capturing lambda, so that what it
/// needs is copied into its frame (Asio 1.74's co_spawn does not keep a
/// lambda's captures alive). It touches only `p` once resumed: the response
/// it watched may serve another stream by then.
ha::awaitable<void> watch(std::shared_ptr<probes> p, ha::awaitable<bool> cancelled) {
    const bool c = co_await std::move(cancelled);
    ++(c ? p->watch_true : p->watch_false);
}

/// A trailer field larger than a small SETTINGS_MAX_HEADER_LIST_SIZE.
const std::string big_value(300, 'v');

ha::router call_routes(const std::shared_ptr<probes>& p) {
    ha::router r;
    // Trailers the peer must not get: an uppercase name (§8.2.1), or more than
    // the client's SETTINGS_MAX_HEADER_LIST_SIZE (§6.5.2). ?queued: the body
    // is still waiting for flow-control credit when the trailers are given.
    auto refused = [p](ha::request& req, ha::response& res) -> ha::awaitable<void> {
        res.send_headers(200, {});
        if (req.path().find("queued") != std::string_view::npos)
            res.send(wire::as_bytes(pattern(std::size_t{1} << 20, 3)));
        else
            res.send(wire::as_bytes(std::string_view("body")));
        const std::vector<h2pb::hpack::field> upper{{"X-Upper", "1"}};
        const std::vector<h2pb::hpack::field> big{{"x-big", big_value}};
        const auto e = res.send_trailers(req.path().starts_with("/upper") ? upper : big);
        if (e.kind == ha::stream_errc::reset_locally && e.code == h2::error_code::internal_error &&
            res.error().code == e.code)
            ++p->trailers_refused;
        co_return;
    };
    // Sets a deadline of ?ms= milliseconds and never answers.
    r.add_prefix("/deadline", ha::coroutine_handler([p](ha::request& req,
                                                        ha::response& res) -> ha::awaitable<void> {
                     const std::string_view path = req.path();
                     int ms = 0;
                     const auto at = path.find("ms=");
                     std::from_chars(path.data() + at + 3, path.data() + path.size(), ms);
                     res.set_deadline(h2::clock::now() + std::chrono::milliseconds(ms));
                     const bool c = co_await res.cancelled();
                     if (c && res.is_cancelled() && res.error().kind == ha::stream_errc::timeout &&
                         res.error().code == h2::error_code::cancel) {
                         ++p->deadline_expired;
                         std::lock_guard<std::mutex> lock(p->mutex);
                         p->expiry_order.push_back(ms);
                     }
                 }));
    // Waits for the client to give up.
    r.add("/wait-cancel",
          ha::coroutine_handler([p](ha::request&, ha::response& res) -> ha::awaitable<void> {
              const bool c = co_await res.cancelled();
              if (c && res.error().kind == ha::stream_errc::reset_by_peer &&
                  res.error().code == h2::error_code::cancel)
                  ++p->peer_cancel;
          }));
    // A watcher that outlives the handler: told "false" when the call ends
    // normally; the deadline (100 ms) must not outlive the exchange either.
    r.add("/watch-normal",
          ha::coroutine_handler([p](ha::request&, ha::response& res) -> ha::awaitable<void> {
              res.set_deadline(h2::clock::now() + 100ms);
              ha::net::co_spawn(co_await ha::net::this_coro::executor, watch(p, res.cancelled()),
                                ha::net::detached);
              res.send_headers(200, {});
              res.send(wire::as_bytes(std::string_view("watched")), true);
          }));
    r.add("/sleep",
          ha::coroutine_handler([](ha::request&, ha::response& res) -> ha::awaitable<void> {
              ha::net::steady_timer t(co_await ha::net::this_coro::executor, 300ms);
              co_await t.async_wait(ha::net::use_awaitable);
              res.send_headers(200, {});
              res.send(wire::as_bytes(std::string_view("slept")), true);
          }));
    r.add("/ok", ha::immediate_handler([](ha::request&, ha::response& res) {
              res.send_headers(200, {});
              res.send(wire::as_bytes(std::string_view("ok")), true);
          }));
    r.add_prefix("/upper", ha::coroutine_handler(refused));
    r.add_prefix("/big", ha::coroutine_handler(refused));
    r.add("/drain",
          ha::coroutine_handler([p](ha::request& req, ha::response&) -> ha::awaitable<void> {
              auto body = co_await req.read_all(1 << 20);
              if (!body && body.error().kind == ha::stream_errc::reset_by_peer &&
                  body.error().code == h2::error_code::internal_error)
                  ++p->reset_internal;
          }));
    // Full duplex: one coroutine reads the request body while the handler
    // writes a response body of its own, both larger than the windows, so
    // each waits (for DATA, for credit) while the other is waiting too.
    r.add("/duplex",
          ha::coroutine_handler([](ha::request& req, ha::response& res) -> ha::awaitable<void> {
              res.send_headers(200, {});
              join_flag reader;
              std::string got;
              co_await spawn_next(reader, [&]() -> ha::awaitable<void> {
                  for (;;) {
                      auto piece = co_await req.read();
                      if (!piece || piece->empty()) co_return;
                      got.append(wire::as_chars(*piece));
                  }
              });
              const std::string body = pattern(duplex_size, 1);
              for (std::size_t sent = 0; sent < body.size();) {
                  const std::size_t n = std::min<std::size_t>(50000, body.size() - sent);
                  if (co_await res.write(wire::as_bytes(std::string_view(body).substr(sent, n))))
                      break;
                  sent += n;
              }
              co_await reader.wait();
              const bool same = got == pattern(duplex_size, 2);
              res.send_trailers({{"x-request-ok", same ? "1" : "0"},
                                 {"x-request-length", std::to_string(got.size())}});
          }));
    return r;
}

struct fixture {
    explicit fixture(const ha::server_options& o = {}) : seen(std::make_shared<probes>()) {
        srv = std::make_unique<ha::server>(o, call_routes(seen));
        const auto e = srv->listen();
        REQUIRE_FALSE(e);
        srv->start();
        url = *ha::parse_url("http://127.0.0.1:" + std::to_string(srv->port()) + "/");
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

    std::shared_ptr<probes> seen;
    std::unique_ptr<ha::server> srv;
    ha::url url;
};

std::string_view trailer(const ha::client_stream& st, std::string_view name) {
    for (const auto& f : st.trailers())
        if (f.name == name) return f.value;
    return {};
}

}  // namespace

TEST_CASE("a reader and a writer coroutine on one stream wait at the same time, both sides",
          "[call]") {
    fixture f;
    f.run([](ha::client& c) -> ha::awaitable<void> {
        auto st = co_await c.open(c.request_fields("POST", "/duplex"), false);
        REQUIRE(st);
        // The client too writes in one coroutine and reads in another.
        join_flag writer;
        bool write_ok = false;
        co_await spawn_next(writer, [&]() -> ha::awaitable<void> {
            const std::string body = pattern(duplex_size, 2);
            for (std::size_t sent = 0; sent < body.size();) {
                const std::size_t n = std::min<std::size_t>(70000, body.size() - sent);
                const bool last = sent + n == body.size();
                if (co_await st->write(wire::as_bytes(std::string_view(body).substr(sent, n)),
                                       last))
                    co_return;
                sent += n;
            }
            write_ok = true;
        });
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
        co_await writer.wait();
        CHECK(write_ok);
        CHECK(back.size() == duplex_size);
        CHECK(back == pattern(duplex_size, 1));
        CHECK(trailer(*st, "x-request-length") == std::to_string(duplex_size));
        CHECK(trailer(*st, "x-request-ok") == "1");
    });
}

namespace {
/// Fetches `path`: the stream must fail with RST_STREAM(INTERNAL_ERROR), and
/// the connection must go on serving.
ha::awaitable<void> expect_internal_reset(ha::client& c, std::string path) {
    auto st = co_await c.open(c.request_fields("GET", path), true);
    REQUIRE(st);
    const auto head = co_await st->response();
    ha::stream_error e = head;
    while (!e) {
        auto piece = co_await st->read();
        if (!piece) {
            e = piece.error();
            break;
        }
        REQUIRE_FALSE(piece->empty());  // never a proper end
    }
    INFO(path << ": " << e.to_string());
    CHECK(e.kind == ha::stream_errc::reset_by_peer);
    CHECK(e.code == h2::error_code::internal_error);
}
}  // namespace

TEST_CASE("a trailer section the peer would refuse resets the stream with INTERNAL_ERROR",
          "[call][trailers]") {
    fixture f;
    ha::client_options co;
    co.driver.h2.max_header_list_size = 200;   // "x-big" + 300 octets + 32 is more
    co.driver.h2.initial_window_size = 65535;  // ?queued: 1 MiB waits for credit
    f.run(
        [&f](ha::client& c) -> ha::awaitable<void> {
            for (const char* path : {"/upper", "/big", "/upper?queued", "/big?queued"}) {
                co_await expect_internal_reset(c, path);
            }
            const int refused = co_await wait_for(f.seen->trailers_refused, 4);
            CHECK(refused == 4);
            // Still serving.
            auto st = co_await c.open(c.request_fields("POST", "/duplex"), false);
            REQUIRE(st);
            CHECK(st->id() > 0);
            st->cancel();
        },
        co);
}

TEST_CASE("client: refused request trailers reset the stream and are reported",
          "[call][trailers]") {
    fixture f;
    f.run([&f](ha::client& c) -> ha::awaitable<void> {
        auto st = co_await c.open(c.request_fields("POST", "/drain"), false);
        REQUIRE(st);
        const auto w = co_await st->write(wire::as_bytes(std::string_view("some body")));
        REQUIRE_FALSE(w);
        const std::vector<h2pb::hpack::field> upper{{"X-Upper", "1"}};
        const auto e = st->send_trailers(upper);
        CHECK(e.kind == ha::stream_errc::reset_locally);
        CHECK(e.code == h2::error_code::internal_error);
        CHECK(st->error().kind == ha::stream_errc::reset_locally);
        const int resets = co_await wait_for(f.seen->reset_internal, 1);
        CHECK(resets == 1);
    });
}

namespace {
ha::awaitable<void> expect_ok(ha::client& c, std::string path, std::string body) {
    auto r = co_await c.fetch("GET", path);
    INFO(path << ": " << (r ? std::string() : r.error().to_string()));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == body);
}
}  // namespace

TEST_CASE("a handler's deadline resets the stream with CANCEL; the server goes on",
          "[call][deadline]") {
    fixture f;
    f.run([&f](ha::client& c) -> ha::awaitable<void> {
        const auto start = h2::clock::now();
        auto st = co_await c.open(c.request_fields("GET", "/deadline?ms=200"), true);
        REQUIRE(st);
        const auto e = co_await st->response();
        const auto waited = h2::clock::now() - start;
        INFO(e.to_string());
        CHECK(e.kind == ha::stream_errc::reset_by_peer);
        CHECK(e.code == h2::error_code::cancel);
        CHECK(waited >= 190ms);
        CHECK(waited < 5s);
        const int expired = co_await wait_for(f.seen->deadline_expired, 1);
        CHECK(expired == 1);
        co_await expect_ok(c, "/ok", "ok");
    });
}

TEST_CASE("many deadlines, set in any order, expire in time order", "[call][deadline]") {
    fixture f;
    f.run([&f](ha::client& c) -> ha::awaitable<void> {
        const std::vector<int> ms{300, 100, 250, 150, 350, 200, 120, 280, 60, 330};
        std::vector<ha::client_stream> streams;
        for (int m : ms) {
            auto st =
                co_await c.open(c.request_fields("GET", "/deadline?ms=" + std::to_string(m)), true);
            REQUIRE(st);
            streams.push_back(std::move(*st));
        }
        for (auto& st : streams) {
            const auto e = co_await st.response();
            CHECK(e.code == h2::error_code::cancel);
        }
        const int expired = co_await wait_for(f.seen->deadline_expired, 10);
        CHECK(expired == 10);
        std::vector<int> sorted = ms;
        std::sort(sorted.begin(), sorted.end());
        std::lock_guard<std::mutex> lock(f.seen->mutex);
        CHECK(f.seen->expiry_order == sorted);
    });
}

TEST_CASE("cancelled() wakes when the client resets the stream", "[call][cancel]") {
    fixture f;
    f.run([&f](ha::client& c) -> ha::awaitable<void> {
        auto st = co_await c.open(c.request_fields("GET", "/wait-cancel"), true);
        REQUIRE(st);
        ha::net::steady_timer t(co_await ha::net::this_coro::executor, 50ms);
        co_await t.async_wait(ha::net::use_awaitable);
        st->cancel();
        const int n = co_await wait_for(f.seen->peer_cancel, 1);
        CHECK(n == 1);
        co_await expect_ok(c, "/ok", "ok");
    });
}

TEST_CASE("a watcher of a call that ends normally is told false once, never on the reused exchange",
          "[call][cancel]") {
    fixture f;
    f.run([&f](ha::client& c) -> ha::awaitable<void> {
        co_await expect_ok(c, "/watch-normal", "watched");
        co_await expect_ok(c, "/watch-normal", "watched");
        // The exchanges are reused by a call that outlives their 100 ms
        // deadlines: those must have gone with them.
        co_await expect_ok(c, "/sleep", "slept");
        const int normal = co_await wait_for(f.seen->watch_false, 2);
        CHECK(normal == 2);
        CHECK(f.seen->watch_true.load() == 0);
    });
}

TEST_CASE("client: a deadline cancels the call; cancelled() says so", "[call][deadline]") {
    fixture f;
    f.run([&f](ha::client& c) -> ha::awaitable<void> {
        auto st = co_await c.open(c.request_fields("GET", "/wait-cancel"), true);
        REQUIRE(st);
        st->set_deadline(h2::clock::now() + 100ms);
        CHECK_FALSE(st->is_cancelled());
        const bool cancelled = co_await st->cancelled();
        CHECK(cancelled);
        CHECK(st->error().kind == ha::stream_errc::timeout);
        CHECK(st->error().code == h2::error_code::cancel);
        const auto e = co_await st->response();
        CHECK(e.kind == ha::stream_errc::timeout);
        const int n = co_await wait_for(f.seen->peer_cancel, 1);
        CHECK(n == 1);
        co_await expect_ok(c, "/ok", "ok");
    });
}
