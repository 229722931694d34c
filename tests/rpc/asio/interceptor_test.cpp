// rpc/asio/channel: client interceptors and deadline propagation, against
// in-process rpc::asio::servers on 127.0.0.1 with byte-level handlers.
//
// - an interceptor adds `authorization: Bearer t` to every call (the four
//   kinds) and a server interceptor that rejects calls without it with
//   UNAUTHENTICATED lets them through;
// - two interceptors run in the order added, `before` and `on_finish`;
// - on_finish sees the final status: OK, the server's error, ours
//   (DEADLINE_EXCEEDED);
// - call_options::propagate_from(server_context): a handler whose call has a
//   300 ms grpc-timeout calls a downstream server that sleeps 2 s: the
//   downstream call ends DEADLINE_EXCEEDED at the upstream deadline (not
//   before it) and the downstream server saw at most 300 ms.
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/asio.hpp>
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
constexpr rpc::method_descriptor chat_m{"/t.S/Chat", "t.S", "Chat",
                                        rpc::method_kind::bidi_streaming};
constexpr rpc::method_descriptor sleep_m{"/t.S/Sleep", "t.S", "Sleep", rpc::method_kind::unary};
constexpr rpc::method_descriptor relay_m{"/t.S/Relay", "t.S", "Relay", rpc::method_kind::unary};

wire::bytes_view bytes(std::string_view s) {
    return wire::as_bytes(s);
}

using ms = std::chrono::milliseconds;

/// What the Sleep handler saw (downstream server) and what the Relay
/// handler found (upstream server); written on the servers' threads.
struct observations {
    std::atomic<bool> sleep_had_deadline{false};
    std::atomic<long long> sleep_remaining_ms{-1};  // time_remaining() on entry
    std::atomic<bool> relay_done{false};
    std::atomic<int> relay_code{-1};           // the downstream call's status
    std::atomic<bool> relay_not_early{false};  // ended at or after the upstream deadline
    std::atomic<long long> relay_took_ms{-1};
    std::atomic<bool> propagate_rules_ok{false};
};

/// A server on its own thread: Echo (request + "!", x-order echoed as
/// initial metadata, x-fail -> NOT_FOUND), Chat (each request back), Sleep
/// (2 s), and Relay (calls Sleep on `downstream` with the deadline
/// propagated). With `require_auth`, a server interceptor answers calls
/// without `authorization: Bearer t` UNAUTHENTICATED.
struct server_fixture {
    explicit server_fixture(bool require_auth, observations* obs = nullptr,
                            std::string downstream = {}) {
        ra::server_options o;
        srv = std::make_unique<ra::server>(std::move(o));
        if (require_auth) {
            srv->add_interceptor([](ra::server_context& ctx) -> ha::awaitable<rpc::status> {
                if (ctx.client_metadata().get("authorization") !=
                    std::optional<std::string_view>("Bearer t"))
                    co_return rpc::status{status_code::unauthenticated, "no token"};
                co_return rpc::status{};
            });
        }
        srv->add_method(echo_m, [](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            auto m = co_await s.read_message();
            if (!m) co_return rpc::status{status_code::internal, "no request"};
            std::string reply(wire::as_chars(*m));
            reply += '!';
            auto& ctx = s.context();
            std::string order;
            for (auto v : ctx.client_metadata().get_all("x-order")) order.append(v);
            if (!order.empty()) ctx.add_initial_metadata("x-order", order);
            if (auto v = ctx.client_metadata().get("x-fail"))
                co_return rpc::status{status_code::not_found, std::string(*v)};
            (void)co_await s.write_message(bytes(reply));
            co_return rpc::status{};
        });
        srv->add_method(chat_m, [](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            for (;;) {
                auto m = co_await s.read_message();
                if (!m) break;
                std::string r = "re:";
                r.append(wire::as_chars(*m));
                if (!co_await s.write_message(bytes(r))) break;
            }
            co_return rpc::status{};
        });
        srv->add_method(sleep_m, [obs](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            const auto& ctx = s.context();
            if (obs != nullptr) {
                obs->sleep_had_deadline = ctx.deadline().has_value();
                obs->sleep_remaining_ms =
                    std::chrono::duration_cast<ms>(ctx.time_remaining()).count();
            }
            ha::net::steady_timer t(co_await ha::net::this_coro::executor, 2s);
            co_await t.async_wait(ha::net::use_awaitable);
            co_return rpc::status{};
        });
        srv->add_method(
            relay_m,
            [obs,
             downstream = std::move(downstream)](ra::call_stream& s) -> ha::awaitable<rpc::status> {
                auto& ctx = s.context();
                // The rules of propagate_from, on a real server_context.
                bool rules = ctx.deadline().has_value();
                if (rules) {
                    const auto up = *ctx.deadline();
                    ra::call_options later;
                    later.deadline = up + 10s;
                    later.propagate_from(ctx);
                    rules = rules && later.deadline == up;  // the earlier: the server's
                    ra::call_options earlier;
                    earlier.deadline = up - 1ms;
                    earlier.propagate_from(ctx);
                    rules = rules && earlier.deadline == up - 1ms;  // ours is earlier: kept
                }
                const auto t0 = std::chrono::steady_clock::now();
                rpc::status st;
                {
                    ra::channel ch(co_await ha::net::this_coro::executor, downstream);
                    ra::call_options o;
                    o.propagate_from(ctx);
                    auto r = co_await ch.unary_bytes(sleep_m, bytes(""), o);
                    st = r.status();
                    ch.close();
                }
                const auto end = std::chrono::steady_clock::now();
                if (obs != nullptr) {
                    obs->propagate_rules_ok = rules;
                    obs->relay_code = static_cast<int>(st.code);
                    obs->relay_not_early = ctx.deadline() && end >= *ctx.deadline();
                    obs->relay_took_ms = std::chrono::duration_cast<ms>(end - t0).count();
                    obs->relay_done = true;
                }
                co_return st;
            });
        REQUIRE(!srv->listen());
        port = srv->port();
        srv->start();
    }
    ~server_fixture() {
        srv->stop();
        srv->join();
    }
    std::string target() const { return "127.0.0.1:" + std::to_string(port); }

    std::unique_ptr<ra::server> srv;
    std::uint16_t port = 0;
};

/// Runs `body(channel)` as a coroutine on a fresh io_context until it is
/// done; an exception (a failed REQUIRE) is rethrown here.
template <class Body>
void run_client(const std::string& target, Body body) {
    ha::net::io_context io;
    ra::channel ch(io.get_executor(), target);
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

/// One call of each kind on `ch`; their statuses.
ha::awaitable<std::vector<status_code>> one_of_each_kind(ra::channel& ch) {
    std::vector<status_code> out;
    auto r = co_await ch.unary_bytes(echo_m, bytes("hi"));
    out.push_back(r.status().code);
    for (const rpc::method_kind k :
         {rpc::method_kind::server_streaming, rpc::method_kind::client_streaming,
          rpc::method_kind::bidi_streaming}) {
        // Chat under each kind's descriptor: the server routes by :path.
        const rpc::method_descriptor d{chat_m.path, chat_m.service, chat_m.method, k};
        auto c = co_await ch.start_call(d);
        (void)co_await c->send(bytes("x"));
        (void)co_await c->close_send();
        std::string m;
        while (co_await c->next(m)) {
        }
        const rpc::status st = co_await c->finish();
        out.push_back(st.code);
    }
    co_return out;
}

}  // namespace

TEST_CASE("interceptor: adds authorization to every call; the server accepts") {
    server_fixture f(true);
    run_client(f.target(), [&](ra::channel& ch) -> ha::awaitable<void> {
        // Without the interceptor: the server interceptor refuses all four.
        const auto refused = co_await one_of_each_kind(ch);
        CHECK(refused == std::vector<status_code>(4, status_code::unauthenticated));

        std::vector<std::string> seen;  // the methods the interceptor saw
        ch.add_interceptor({[&](const rpc::method_descriptor& d, ra::call_options& o) {
                                seen.emplace_back(d.path);
                                o.md.add("authorization", "Bearer t");
                            },
                            {}});
        const auto accepted = co_await one_of_each_kind(ch);
        CHECK(accepted == std::vector<status_code>(4, status_code::ok));
        CHECK(seen == std::vector<std::string>{"/t.S/Echo", "/t.S/Chat", "/t.S/Chat", "/t.S/Chat"});
        auto r = co_await ch.unary_bytes(echo_m, bytes("ok"));
        REQUIRE(r.ok());
        CHECK(*r == "ok!");
    });
}

TEST_CASE("interceptor: two run in the order added; on_finish sees the final status") {
    server_fixture f(false);
    run_client(f.target(), [&](ra::channel& ch) -> ha::awaitable<void> {
        std::vector<std::string> log;
        ch.add_interceptor({[&](const rpc::method_descriptor&, ra::call_options& o) {
                                log.push_back("before1");
                                o.md.add("x-order", "1");
                            },
                            [&](const rpc::method_descriptor& d, const rpc::status& st) {
                                log.push_back("finish1 " + std::string(d.method) + " " +
                                              std::string(rpc::name(st.code)));
                            }});
        ch.add_interceptor({[&](const rpc::method_descriptor&, ra::call_options& o) {
                                // Sees what the first one did.
                                log.push_back(o.md.get("x-order") ? "before2 after 1"
                                                                  : "before2 alone");
                                o.md.add("x-order", "2");
                            },
                            [&](const rpc::method_descriptor& d, const rpc::status& st) {
                                log.push_back("finish2 " + std::string(d.method) + " " +
                                              std::string(rpc::name(st.code)) + " " + st.message);
                            }});
        ra::client_context ctx;
        ra::call_options o;
        o.context = &ctx;
        auto r = co_await ch.unary_bytes(echo_m, bytes("a"), o);
        REQUIRE(r.ok());
        // The server received the values in the order they were added.
        CHECK(ctx.initial_metadata().get("x-order") == std::optional<std::string_view>("12"));
        CHECK(log == std::vector<std::string>{"before1", "before2 after 1", "finish1 Echo OK",
                                              "finish2 Echo OK "});

        log.clear();
        ra::call_options bad;
        bad.md.add("x-fail", "gone");
        auto r2 = co_await ch.unary_bytes(echo_m, bytes("b"), bad);
        CHECK(r2.status().code == status_code::not_found);
        CHECK(log == std::vector<std::string>{"before1", "before2 after 1",
                                              "finish1 Echo NOT_FOUND",
                                              "finish2 Echo NOT_FOUND gone"});

        // Our own status: the deadline passed.
        log.clear();
        ra::call_options slow;
        slow.timeout = 100ms;
        auto r3 = co_await ch.unary_bytes(sleep_m, bytes(""), slow);
        CHECK(r3.status().code == status_code::deadline_exceeded);
        REQUIRE(log.size() == 4);
        CHECK(log[2] == "finish1 Sleep DEADLINE_EXCEEDED");

        // A streaming call object dropped before its end: reported CANCELLED, once.
        log.clear();
        {
            auto c = co_await ch.start_call(chat_m);
            (void)co_await c->send(bytes("x"));
        }
        CHECK(log == std::vector<std::string>{"before1", "before2 after 1",
                                              "finish1 Chat CANCELLED",
                                              "finish2 Chat CANCELLED call destroyed before "
                                              "it finished"});
    });
}

TEST_CASE("interceptor: an interceptor may set the deadline") {
    server_fixture f(false);
    run_client(f.target(), [&](ra::channel& ch) -> ha::awaitable<void> {
        ch.add_interceptor({[](const rpc::method_descriptor& d, ra::call_options& o) {
                                if (d.method == "Sleep") o.timeout = 200ms;
                            },
                            {}});
        const auto t0 = std::chrono::steady_clock::now();
        auto r = co_await ch.unary_bytes(sleep_m, bytes(""));
        const auto took = std::chrono::steady_clock::now() - t0;
        CHECK(r.status().code == status_code::deadline_exceeded);
        CHECK(took >= 200ms);
        CHECK(took < 1900ms);
    });
}

TEST_CASE("deadline propagation: the downstream call ends at the upstream deadline") {
    observations obs;
    server_fixture down(false, &obs);
    server_fixture up(false, &obs, down.target());
    const auto t0 = std::chrono::steady_clock::now();
    run_client(up.target(), [&](ra::channel& ch) -> ha::awaitable<void> {
        ra::call_options o;
        o.timeout = 300ms;
        auto r = co_await ch.unary_bytes(relay_m, bytes(""), o);
        CHECK(r.status().code == status_code::deadline_exceeded);
    });
    // The relay handler finishes on the server's thread, around the time
    // our call ended.
    for (int i = 0; i < 500 && !obs.relay_done; ++i) std::this_thread::sleep_for(10ms);
    REQUIRE(obs.relay_done);
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(took < 1900ms);  // nobody waited for the 2 s sleeper
    CHECK(obs.propagate_rules_ok);
    CHECK(obs.relay_code == static_cast<int>(status_code::deadline_exceeded));
    CHECK(obs.relay_not_early);
    CHECK(obs.relay_took_ms < 1900);
    // The downstream server received a grpc-timeout of at most what was left
    // upstream (at most 300 ms), and some time was left.
    CHECK(obs.sleep_had_deadline);
    CHECK(obs.sleep_remaining_ms <= 300);
    CHECK(obs.sleep_remaining_ms > 0);
}

TEST_CASE("deadline propagation: a server call without a deadline changes nothing") {
    // propagate_from needs a server_context, which only a server makes: the
    // Relay handler on a call without grpc-timeout calls Sleep without one,
    // and the client cancels after 300 ms.
    observations obs;
    server_fixture down(false, &obs);
    server_fixture up(false, &obs, down.target());
    run_client(up.target(), [&](ra::channel& ch) -> ha::awaitable<void> {
        ra::client_context ctx;
        ra::call_options o;
        o.context = &ctx;
        ha::net::steady_timer t(co_await ha::net::this_coro::executor, 300ms);
        t.async_wait([&](const ha::error_code_t&) { ctx.cancel(); });
        auto r = co_await ch.unary_bytes(relay_m, bytes(""), o);
        CHECK(r.status().code == status_code::cancelled);
    });
    for (int i = 0; i < 50 && obs.sleep_remaining_ms < 0; ++i) std::this_thread::sleep_for(10ms);
    CHECK(!obs.sleep_had_deadline);
}
