// h2/asio: what a gRPC call layer needs from the driver, end to end on
// 127.0.0.1 — a reader and a writer coroutine on one stream at once (a
// bidirectional call).
#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/client.hpp>
#include <h2pb/h2/asio/server.hpp>

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
        while (!done) co_await w.wait();
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

ha::router call_routes() {
    ha::router r;
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
    explicit fixture(const ha::server_options& o = {}) {
        srv = std::make_unique<ha::server>(o, call_routes());
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
