// rpc/asio retries (gRFC A6) end to end on 127.0.0.1: a channel with a
// service config (set from JSON) against
//   - a raw HTTP/2 server (h2/asio) that answers each attempt as the test
//     scripts it, with responses built from PROTOCOL-HTTP2.md (Trailers-Only
//     "grpc-status" failures, grpc-retry-pushback-ms, headers then a
//     failure) and records what every attempt carried (the request header
//     grpc-previous-rpc-attempts, the messages) — an h2pb server hides
//     reserved "grpc-" fields from handlers and cannot send a pushback;
//   - an h2pb server (rpc/asio/server.hpp) whose client-streaming handler
//     fails UNAVAILABLE twice, then answers.
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/h2/asio/server.hpp>
#include <h2pb/rpc/asio/call.hpp>
#include <h2pb/rpc/asio/channel.hpp>
#include <h2pb/rpc/asio/server.hpp>

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
constexpr rpc::method_descriptor other_m{"/t.Other/Echo", "t.Other", "Echo",
                                         rpc::method_kind::unary};
constexpr rpc::method_descriptor concat_m{"/t.S/Concat", "t.S", "Concat",
                                          rpc::method_kind::client_streaming};
constexpr rpc::method_descriptor chat_m{"/t.S/Chat", "t.S", "Chat",
                                        rpc::method_kind::bidi_streaming};

wire::bytes_view bytes(std::string_view s) {
    return wire::as_bytes(s);
}

/// A Length-Prefixed-Message (PROTOCOL-HTTP2.md): flag 0, 4-byte big-endian
/// length, the bytes.
std::string frame(std::string_view msg) {
    std::string s(1, '\0');
    const auto n = static_cast<std::uint32_t>(msg.size());
    for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>(n >> shift));
    s.append(msg);
    return s;
}

/// Whole messages taken off the front of `buf`.
std::vector<std::string> unframe(std::string& buf) {
    std::vector<std::string> out;
    while (buf.size() >= 5) {
        std::size_t n = 0;
        for (int i = 1; i <= 4; ++i) n = (n << 8) | static_cast<unsigned char>(buf[i]);
        if (buf.size() < 5 + n) break;
        out.push_back(buf.substr(5, n));
        buf.erase(0, 5 + n);
    }
    return out;
}

/// A retry policy config for t.S (every method), from JSON as a user would
/// write it.
std::string config(int attempts, std::string_view initial, std::string_view max,
                   std::string_view extra = "") {
    return R"({"methodConfig":[{"name":[{"service":"t.S"}],"retryPolicy":{"maxAttempts":)" +
           std::to_string(attempts) + R"(,"initialBackoff":")" + std::string(initial) +
           R"(","maxBackoff":")" + std::string(max) +
           R"(","backoffMultiplier":2,"retryableStatusCodes":["UNAVAILABLE"]}}])" +
           std::string(extra) + "}";
}

/// What the raw server does with one attempt.
struct reply {
    enum kind { fail, ok, headers_then_fail, echo_each, refuse };
    reply(kind w = ok, status_code c = status_code::unavailable,  // NOLINT: implicit on purpose
          std::string p = {})
        : what(w), code(c), pushback(std::move(p)) {}
    kind what;
    status_code code;
    std::string pushback;  ///< grpc-retry-pushback-ms, if not empty
};

/// One attempt as the server saw it.
struct attempt {
    std::string previous;  ///< grpc-previous-rpc-attempts ("" when absent)
    std::vector<std::string> messages;
};

/// A raw HTTP/2 server on its own threads; `script(n)` (n = 1, 2, ...) says
/// how to answer the n-th attempt.
struct raw_server {
    explicit raw_server(std::function<reply(int)> s) : script(std::move(s)) {
        ha::router routes;
        const ha::coroutine_handler handler = [this](ha::request& req,
                                                     ha::response& res) -> ha::awaitable<void> {
            int n = 0;
            std::size_t index = 0;
            {
                std::lock_guard<std::mutex> l(mu);
                attempts.push_back(
                    attempt{std::string(req.header("grpc-previous-rpc-attempts")), {}});
                n = static_cast<int>(attempts.size());
                index = attempts.size() - 1;
            }
            const reply r = script(n);
            if (r.what == reply::refuse) {
                // RFC 9113 §8.7: refused before any processing.
                res.reset(h2pb::h2::error_code::refused_stream);
                co_return;
            }
            auto record = [&](std::vector<std::string> ms) {
                std::lock_guard<std::mutex> l(mu);
                for (auto& m : ms) attempts[index].messages.push_back(std::move(m));
            };
            const std::string content_type = "application/grpc";
            if (r.what == reply::echo_each) {
                // Bidi: each request message back as "re:" + message.
                res.send_headers(200, {{"content-type", content_type}});
                std::string buf;
                for (;;) {
                    auto piece = co_await req.read();
                    if (!piece || piece->empty()) break;
                    buf.append(wire::as_chars(*piece));
                    auto ms = unframe(buf);
                    for (const auto& m : ms) {
                        (void)co_await res.write(bytes(frame("re:" + m)));
                    }
                    record(std::move(ms));
                }
                (void)res.send_trailers({{"grpc-status", "0"}});
                co_return;
            }
            auto body = co_await req.read_all(1 << 20);
            if (body) record(unframe(*body));
            const std::string code(rpc::status_field(r.code));
            switch (r.what) {
                case reply::fail:
                    // Trailers-Only (PROTOCOL-HTTP2.md): one header section
                    // with END_STREAM.
                    if (r.pushback.empty()) {
                        res.send_headers(
                            200, {{"content-type", content_type}, {"grpc-status", code}}, true);
                    } else {
                        res.send_headers(200,
                                         {{"content-type", content_type},
                                          {"grpc-status", code},
                                          {"grpc-retry-pushback-ms", r.pushback}},
                                         true);
                    }
                    break;
                case reply::headers_then_fail:
                    res.send_headers(200, {{"content-type", content_type}});
                    (void)res.send_trailers({{"grpc-status", code}});
                    break;
                default:
                    res.send_headers(200, {{"content-type", content_type}});
                    (void)co_await res.write(bytes(frame("ok")));
                    (void)res.send_trailers({{"grpc-status", "0"}});
                    break;
            }
        };
        routes.add_prefix("/t.", handler);
        ha::server_options so;
        srv = std::make_unique<ha::server>(so, std::move(routes));
        REQUIRE(!srv->listen());
        srv->start();
    }
    ~raw_server() {
        srv->stop();
        srv->join();
    }
    std::string target() const { return "127.0.0.1:" + std::to_string(srv->port()); }
    std::vector<attempt> seen() {
        std::lock_guard<std::mutex> l(mu);
        return attempts;
    }
    void clear() {
        std::lock_guard<std::mutex> l(mu);
        attempts.clear();
    }

    std::function<reply(int)> script;
    std::mutex mu;
    std::vector<attempt> attempts;
    std::unique_ptr<ha::server> srv;
};

/// Fails the first `n` attempts with `r`, then answers.
std::function<reply(int)> fail_first(int n, const reply& r = {reply::fail}) {
    return [n, r](int k) { return k <= n ? r : reply{reply::ok}; };
}

/// Runs `body(channel)` as a coroutine on a fresh io_context until done.
template <class Body>
void run_client(const std::string& target, ra::channel_options o, Body body) {
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

ra::channel_options options(const std::string& json, double jitter = 0.0) {
    ra::channel_options o;
    const rpc::status st = o.set_service_config(json);
    REQUIRE(st.ok());
    o.retry_random = [jitter] { return jitter; };
    return o;
}

}  // namespace

TEST_CASE("retry: unary fails UNAVAILABLE twice, succeeds on the third attempt") {
    raw_server s(fail_first(2));
    run_client(s.target(), options(config(3, "0.01s", "0.1s"), 0.5),
               [&](ra::channel& ch) -> ha::awaitable<void> {
                   auto r = co_await ch.unary_bytes(echo_m, bytes("x"));
                   REQUIRE(r.ok());
                   CHECK(*r == "ok");
               });
    const auto seen = s.seen();
    REQUIRE(seen.size() == 3);
    // gRFC A6: the first attempt has no grpc-previous-rpc-attempts.
    CHECK(seen[0].previous == "");
    CHECK(seen[1].previous == "1");
    CHECK(seen[2].previous == "2");
    for (const auto& a : seen) CHECK(a.messages == std::vector<std::string>{"x"});
}

TEST_CASE(
    "retry: maxAttempts ends retries; other codes, other services, committed calls are "
    "not retried") {
    raw_server s(fail_first(10));
    run_client(s.target(), options(config(3, "0.01s", "0.1s")),
               [&](ra::channel& ch) -> ha::awaitable<void> {
                   auto r = co_await ch.unary_bytes(echo_m, bytes("x"));
                   CHECK(r.status().code == status_code::unavailable);
                   CHECK(s.seen().size() == 3);
                   s.clear();
                   // A method the config does not name: no retry.
                   auto r2 = co_await ch.unary_bytes(other_m, bytes("x"));
                   CHECK(r2.status().code == status_code::unavailable);
                   CHECK(s.seen().size() == 1);
               });

    raw_server s2(fail_first(10, reply{reply::fail, status_code::internal}));
    run_client(s2.target(), options(config(3, "0.01s", "0.1s")),
               [&](ra::channel& ch) -> ha::awaitable<void> {
                   auto r = co_await ch.unary_bytes(echo_m, bytes("x"));
                   CHECK(r.status().code == status_code::internal);
                   CHECK(s2.seen().size() == 1);
               });

    // Response headers commit the call (gRFC A6): the UNAVAILABLE in the
    // trailers that follow is final.
    raw_server s3(fail_first(10, reply{reply::headers_then_fail}));
    run_client(s3.target(), options(config(3, "0.01s", "0.1s")),
               [&](ra::channel& ch) -> ha::awaitable<void> {
                   auto r = co_await ch.unary_bytes(echo_m, bytes("x"));
                   CHECK(r.status().code == status_code::unavailable);
                   CHECK(s3.seen().size() == 1);
               });
}

TEST_CASE("retry: a request larger than retry_buffer_size is not retried") {
    raw_server s(fail_first(1));
    auto o = options(config(3, "0.01s", "0.1s"));
    o.retry_buffer_size = 16;
    run_client(s.target(), o, [&](ra::channel& ch) -> ha::awaitable<void> {
        auto r = co_await ch.unary_bytes(echo_m, bytes(std::string(17, 'a')));
        CHECK(r.status().code == status_code::unavailable);
        CHECK(s.seen().size() == 1);
        s.clear();
        // 16 octets fit: retried (clear() restarted the script: attempt 1
        // fails again).
        auto r2 = co_await ch.unary_bytes(echo_m, bytes(std::string(16, 'a')));
        CHECK(r2.ok());
        CHECK(s.seen().size() == 2);
    });
}

TEST_CASE("retry: streaming calls replay what was sent so far") {
    // Bidi: attempt 1 fails (Trailers-Only) after reading "a"; attempt 2
    // gets "a" again, answers it (headers: committed), then "b".
    raw_server s([](int n) { return n == 1 ? reply{reply::fail} : reply{reply::echo_each}; });
    run_client(s.target(), options(config(3, "0.01s", "0.1s")),
               [&](ra::channel& ch) -> ha::awaitable<void> {
                   auto c = co_await ch.start_call(chat_m);
                   const bool sent = co_await c->send(bytes("a"));
                   CHECK(sent);
                   const bool closed = co_await c->close_send();
                   CHECK(closed);
                   std::string m;
                   const bool got = co_await c->next(m);
                   CHECK(got);
                   CHECK(m == "re:a");
                   const rpc::status st = co_await c->finish();
                   CHECK(st.ok());
                   CHECK(c->attempts() == 2);
               });
    const auto seen = s.seen();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].messages == std::vector<std::string>{"a"});
    CHECK(seen[1].messages == std::vector<std::string>{"a"});
    CHECK(seen[1].previous == "1");
}

TEST_CASE("retry: server pushback overrides the backoff; a negative one stops retries") {
    raw_server s([](int n) {
        if (n == 1) return reply{reply::fail, status_code::unavailable, "50"};
        if (n == 2) return reply{reply::ok};
        return reply{reply::fail, status_code::unavailable, "-1"};
    });
    // The backoff alone would wait about 10 s (jitter 0.999 of 10 s).
    run_client(s.target(), options(config(3, "10s", "10s"), 0.999),
               [&](ra::channel& ch) -> ha::awaitable<void> {
                   const auto t0 = std::chrono::steady_clock::now();
                   auto r = co_await ch.unary_bytes(echo_m, bytes("x"));
                   const auto took = std::chrono::steady_clock::now() - t0;
                   CHECK(r.ok());
                   CHECK(took >= 50ms);
                   CHECK(took < 5s);
                   CHECK(s.seen().size() == 2);
                   // Attempt 3 (a new call) gets pushback -1: not retried.
                   auto r2 = co_await ch.unary_bytes(echo_m, bytes("x"));
                   CHECK(r2.status().code == status_code::unavailable);
                   CHECK(s.seen().size() == 3);
               });
}

TEST_CASE("retry: the deadline covers every attempt and the backoff") {
    raw_server s(fail_first(100));
    run_client(s.target(), options(config(5, "5s", "5s"), 0.999),
               [&](ra::channel& ch) -> ha::awaitable<void> {
                   ra::call_options co;
                   co.timeout = 300ms;
                   const auto t0 = std::chrono::steady_clock::now();
                   auto r = co_await ch.unary_bytes(echo_m, bytes("x"), co);
                   const auto took = std::chrono::steady_clock::now() - t0;
                   CHECK(r.status().code == status_code::deadline_exceeded);
                   CHECK(took >= 300ms);
                   CHECK(took < 3s);
                   CHECK(s.seen().size() == 1);  // the backoff (~5 s) outlasts the deadline
               });
}

TEST_CASE("retry: throttling (gRFC A6 token bucket) stops retries") {
    raw_server s(fail_first(100));
    // maxTokens 3: a failure leaves 2 (> 1.5: retry), the next 1 (throttled).
    run_client(s.target(),
               options(config(5, "0.01s", "0.01s",
                              R"(,"retryThrottling":{"maxTokens":3,"tokenRatio":0.5})")),
               [&](ra::channel& ch) -> ha::awaitable<void> {
                   auto r = co_await ch.unary_bytes(echo_m, bytes("x"));
                   CHECK(r.status().code == status_code::unavailable);
                   CHECK(s.seen().size() == 2);
                   s.clear();
                   auto r2 = co_await ch.unary_bytes(echo_m, bytes("x"));
                   CHECK(r2.status().code == status_code::unavailable);
                   CHECK(s.seen().size() == 1);
                   CHECK(ch.options().retry_throttle->tokens() == 0);
               });
}

TEST_CASE("retry: service config timeout applies to the method") {
    raw_server s([](int) { return reply{reply::fail}; });
    run_client(s.target(),
               options(R"({"methodConfig":[{"name":[{"service":"t.S","method":"Echo"}],)"
                       R"("timeout":"0.25s","retryPolicy":{"maxAttempts":5,"initialBackoff":"5s",)"
                       R"("maxBackoff":"5s","backoffMultiplier":1,"retryableStatusCodes":[14]}}]})",
                       0.999),
               [&](ra::channel& ch) -> ha::awaitable<void> {
                   const auto t0 = std::chrono::steady_clock::now();
                   auto r = co_await ch.unary_bytes(echo_m, bytes("x"));
                   const auto took = std::chrono::steady_clock::now() - t0;
                   CHECK(r.status().code == status_code::deadline_exceeded);
                   CHECK(took >= 250ms);
                   CHECK(took < 3s);
               });
}

TEST_CASE("retry: an h2pb server's client-streaming handler fails twice, the call replays") {
    ra::server_options so;
    auto srv = std::make_unique<ra::server>(std::move(so));
    std::atomic<int> calls{0};
    std::mutex mu;
    std::vector<std::string> received;  // every attempt's joined messages
    srv->add_method(concat_m, [&](ra::call_stream& st) -> ha::awaitable<rpc::status> {
        std::string all;
        for (;;) {
            auto m = co_await st.read_message();
            if (!m) break;
            if (!all.empty()) all += '+';
            all.append(wire::as_chars(*m));
        }
        {
            std::lock_guard<std::mutex> l(mu);
            received.push_back(all);
        }
        if (++calls <= 2) co_return rpc::status{status_code::unavailable, "try again"};
        (void)co_await st.write_message(bytes(all));
        co_return rpc::status{};
    });
    REQUIRE(!srv->listen());
    srv->start();
    const std::string target = "127.0.0.1:" + std::to_string(srv->port());
    run_client(target, options(config(3, "0.01s", "0.05s")),
               [&](ra::channel& ch) -> ha::awaitable<void> {
                   auto c = co_await ch.start_call(concat_m);
                   for (const char* m : {"a", "bb", "ccc"}) {
                       const bool ok = co_await c->send(bytes(m));
                       CHECK(ok);
                   }
                   (void)co_await c->close_send();
                   std::string reply;
                   const bool got = co_await c->next(reply);
                   CHECK(got);
                   CHECK(reply == "a+bb+ccc");
                   const rpc::status st = co_await c->finish();
                   CHECK(st.ok());
                   CHECK(c->attempts() == 3);
               });
    srv->stop();
    srv->join();
    CHECK(calls == 3);
    CHECK(received == std::vector<std::string>{"a+bb+ccc", "a+bb+ccc", "a+bb+ccc"});
}

TEST_CASE("retry: a transparent retry (REFUSED_STREAM) does not count as an attempt") {
    // Attempt 1 refused (transparent retry), then UNAVAILABLE (retry 1 of
    // maxAttempts 2), then OK.
    raw_server s([](int n) {
        if (n == 1) return reply{reply::refuse};
        if (n == 2) return reply{reply::fail};
        return reply{reply::ok};
    });
    run_client(s.target(), options(config(2, "0.01s", "0.01s")),
               [&](ra::channel& ch) -> ha::awaitable<void> {
                   auto r = co_await ch.unary_bytes(echo_m, bytes("x"));
                   CHECK(r.ok());
               });
    const auto seen = s.seen();
    REQUIRE(seen.size() == 3);
    CHECK(seen[1].previous == "");  // the transparent retry is still attempt 1
    CHECK(seen[2].previous == "1");
    CHECK(seen[2].messages == std::vector<std::string>{"x"});
}

TEST_CASE("retry: service config message size limits apply to the method") {
    raw_server s([](int) { return reply{reply::ok}; });
    run_client(s.target(),
               options(R"({"methodConfig":[{"name":[{"service":"t.S"}],)"
                       R"("maxRequestMessageBytes":4,"maxResponseMessageBytes":"1"}]})"),
               [&](ra::channel& ch) -> ha::awaitable<void> {
                   // The response "ok" (2 octets) is over 1.
                   auto r = co_await ch.unary_bytes(echo_m, bytes("x"));
                   CHECK(r.status().code == status_code::resource_exhausted);
                   // A request of 5 octets is over 4: not sent.
                   auto r2 = co_await ch.unary_bytes(echo_m, bytes("12345"));
                   CHECK(r2.status().code == status_code::resource_exhausted);
                   for (const auto& a : s.seen())
                       CHECK(a.messages != std::vector<std::string>{"12345"});
                   // Another service: the channel's limits.
                   auto r3 = co_await ch.unary_bytes(other_m, bytes("12345"));
                   CHECK(r3.ok());
               });
}
