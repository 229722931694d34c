// rpc/asio/channel under misbehaving servers and load (issue 10):
//
//  - a server that ends its connections under load (max_connection_age,
//    gRFC A9: GOAWAY(2^31-1) + PING, then GOAWAY(last stream id)): every call
//    succeeds, each is handled exactly once (none lost, none run twice), and
//    the channel made several connections;
//  - a server that completes the HTTP/2 handshake and never answers a
//    request, and one that accepts TCP and never speaks HTTP/2: calls end
//    DEADLINE_EXCEEDED (or UNAVAILABLE), never before their deadline and
//    not long after it;
//  - 10,000 concurrent unary calls on one channel, beyond the server's
//    SETTINGS_MAX_CONCURRENT_STREAMS: all succeed.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/rpc/asio/channel.hpp>
#include <h2pb/rpc/asio/server.hpp>

#include <catch2/catch.hpp>

namespace ha = h2pb::h2::asio;
namespace ra = h2pb::rpc::asio;
namespace rpc = h2pb::rpc;
namespace wire = h2pb::wire;
using namespace std::chrono_literals;
using rpc::status_code;
using steady = std::chrono::steady_clock;

// Never co_await inside a Catch2 assertion macro (g++ 12 mishandles the
// temporaries of such a full expression): await first, then assert. And
// Asio 1.18's co_spawn of a lambda with captures loses them: the
// coroutines below are functions taking their arguments by value.

namespace {

constexpr rpc::method_descriptor echo_m{"/t.S/Echo", "t.S", "Echo", rpc::method_kind::unary};
constexpr rpc::method_descriptor slow_m{"/t.S/Slow", "t.S", "Slow", rpc::method_kind::unary};

/// An rpc::asio::server whose Echo method records every request (a decimal
/// call number) it handles.
struct counting_server {
    explicit counting_server(ra::server_options o, std::size_t capacity) : hits(capacity, 0) {
        srv = std::make_unique<ra::server>(std::move(o));
        srv->add_method(echo_m, [this](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            auto m = co_await s.read_message();
            if (!m) co_return rpc::status{status_code::internal, "no request"};
            const std::string req(wire::as_chars(*m));
            const std::size_t n = std::stoul(req);
            {
                std::lock_guard<std::mutex> lock(mutex);
                if (n < hits.size()) ++hits[n];
                ++handled;
            }
            (void)co_await s.write_message(wire::as_bytes(std::string_view(req)));
            co_return rpc::status{};
        });
        REQUIRE(!srv->listen());
        srv->start();
    }
    ~counting_server() {
        srv->stop();
        srv->join();
    }
    std::string target() const { return "127.0.0.1:" + std::to_string(srv->port()); }

    std::unique_ptr<ra::server> srv;
    std::mutex mutex;
    std::vector<int> hits;  ///< per call number: how often the server ran it
    std::size_t handled = 0;
};

/// What the client coroutines share.
struct load {
    ra::channel* ch = nullptr;
    std::size_t next = 0;            ///< the next call number
    std::size_t min_calls = 0;       ///< at least this many calls...
    steady::time_point run_until{};  ///< ...and until this time
    std::size_t cap = 0;             ///< never more than this many
    std::size_t ok = 0;
    std::size_t failed = 0;
    std::string first_failure;
    int workers_left = 0;
};

ha::awaitable<void> worker(load* l) {
    for (;;) {
        if (l->next >= l->cap || (l->next >= l->min_calls && steady::now() >= l->run_until)) break;
        const std::size_t n = l->next++;
        const std::string req = std::to_string(n);
        auto r = co_await l->ch->unary_bytes(echo_m, wire::as_bytes(std::string_view(req)));
        if (r.ok() && *r == req) {
            ++l->ok;
        } else {
            if (l->failed++ == 0)
                l->first_failure =
                    "call " + req + ": " + (r.ok() ? "wrong reply " + *r : r.status().message);
        }
    }
    if (--l->workers_left == 0) l->ch->close();
}

/// Runs `workers` coroutines that make calls on one channel until `l` says
/// stop; returns how long it took.
steady::duration run_load(const std::string& target, load& l, int workers,
                          std::size_t* connections = nullptr) {
    ha::net::io_context io;
    ra::channel ch(io.get_executor(), target);
    l.ch = &ch;
    l.workers_left = workers;
    const auto t0 = steady::now();
    for (int i = 0; i < workers; ++i) ha::net::co_spawn(io, worker(&l), ha::net::detached);
    io.run();
    const auto took = steady::now() - t0;
    if (connections != nullptr) *connections = ch.connections_made();
    return took;
}

double ms(steady::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

TEST_CASE("stress: max_connection_age GOAWAYs under load lose no call and run none twice") {
    constexpr std::size_t min_calls = 3000;
    constexpr std::size_t cap = 200000;
    ra::server_options o;
    o.http.max_connection_age = 100ms;
    counting_server srv(std::move(o), cap);

    load l;
    l.min_calls = min_calls;
    // Long enough for several connection lifetimes even on a fast machine.
    l.run_until = steady::now() + 600ms;
    l.cap = cap;
    std::size_t connections = 0;
    const auto took = run_load(srv.target(), l, 64, &connections);
    const std::size_t made = l.next;
    std::printf("GOAWAY under load: %zu calls, 64 in flight, %zu connections, %.0f ms\n", made,
                connections, ms(took));

    INFO("first failure: " << l.first_failure);
    CHECK(l.failed == 0);
    CHECK(l.ok == made);
    CHECK(made >= min_calls);
    CHECK(connections > 1);
    std::lock_guard<std::mutex> lock(srv.mutex);
    CHECK(srv.handled == made);
    std::size_t lost = 0, twice = 0;
    for (std::size_t i = 0; i < made; ++i) {
        if (srv.hits[i] == 0) ++lost;
        if (srv.hits[i] > 1) ++twice;
    }
    CHECK(lost == 0);
    CHECK(twice == 0);
}

namespace {
ha::awaitable<void> one_slow_call(ra::channel* ch, status_code* code, steady::duration* took) {
    const auto t0 = steady::now();
    auto r = co_await ch->unary_bytes(slow_m, wire::as_bytes(std::string_view("x")));
    *took = steady::now() - t0;
    *code = r.status().code;
    ch->close();
}
}  // namespace

TEST_CASE("stress: max_connection_age_grace closes a connection whose call outlives it") {
    // A call that runs longer than age + grace is cut; a new call after it
    // goes over a new connection.
    ra::server_options o;
    o.http.max_connection_age = 100ms;
    o.http.max_connection_age_grace = 100ms;
    ra::server srv(std::move(o));
    srv.add_method(slow_m, [](ra::call_stream& s) -> ha::awaitable<rpc::status> {
        (void)co_await s.read_message();
        // Never answers; ends when the call is cancelled (the connection
        // closed at the end of the grace period).
        co_await s.context().cancelled();
        co_return rpc::status{status_code::cancelled};
    });
    REQUIRE(!srv.listen());
    srv.start();
    const std::string target = "127.0.0.1:" + std::to_string(srv.port());

    ha::net::io_context io;
    ra::channel ch(io.get_executor(), target);
    status_code first = status_code::ok;
    steady::duration took{};
    ha::net::co_spawn(io, one_slow_call(&ch, &first, &took), ha::net::detached);
    io.run();
    srv.stop();
    srv.join();
    // Cut at age (90..110 ms) + grace (100 ms): UNAVAILABLE (the handler
    // alone would never end it).
    CHECK(first == status_code::unavailable);
    CHECK(took >= 150ms);
    CHECK(took < 2s);
}

namespace {
ha::awaitable<void> two_calls_apart(ra::channel* ch, steady::duration pause, int* ok,
                                    std::size_t* connections_between) {
    auto r1 = co_await ch->unary_bytes(echo_m, wire::as_bytes(std::string_view("1")));
    if (r1.ok()) ++*ok;
    *connections_between = ch->connections_made();
    ha::net::steady_timer t(co_await ha::net::this_coro::executor, pause);
    co_await t.async_wait(ha::net::use_awaitable);
    auto r2 = co_await ch->unary_bytes(echo_m, wire::as_bytes(std::string_view("2")));
    if (r2.ok()) ++*ok;
    ch->close();
}
}  // namespace

TEST_CASE("stress: max_connection_idle: an idle connection ends, the next call reconnects") {
    ra::server_options o;
    o.http.max_connection_idle = 100ms;
    counting_server srv(std::move(o), 4);
    ha::net::io_context io;
    ra::channel ch(io.get_executor(), srv.target());
    int ok = 0;
    std::size_t between = 0;
    ha::net::co_spawn(io, two_calls_apart(&ch, 500ms, &ok, &between), ha::net::detached);
    io.run();
    CHECK(ok == 2);
    CHECK(between == 1);
    CHECK(ch.connections_made() == 2);  // the idle GOAWAY ended the first one
}

TEST_CASE("stress: without connection limits (the default) a connection outlives a pause") {
    counting_server srv(ra::server_options{}, 4);
    ha::net::io_context io;
    ra::channel ch(io.get_executor(), srv.target());
    int ok = 0;
    std::size_t between = 0;
    ha::net::co_spawn(io, two_calls_apart(&ch, 300ms, &ok, &between), ha::net::detached);
    io.run();
    CHECK(ok == 2);
    CHECK(ch.connections_made() == 1);
}

namespace {

/// A TCP server on 127.0.0.1 that misbehaves: `speak_h2` — it reads the
/// client's preface and SETTINGS, answers with its own empty SETTINGS and
/// the ACK, and then reads and ignores everything (no response, no
/// RST_STREAM, no PING ACK); otherwise it accepts and never writes at all.
class silent_server {
  public:
    explicit silent_server(bool speak_h2) : speak_h2_(speak_h2), acceptor_(io_) {
        const ha::tcp::endpoint ep(ha::net::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(ep.protocol());
        acceptor_.bind(ep);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        ha::net::co_spawn(io_, accept_loop(this), ha::net::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~silent_server() {
        io_.stop();
        thread_.join();
    }
    std::string target() const { return "127.0.0.1:" + std::to_string(port_); }
    int accepted() const { return accepted_.load(); }

  private:
    static ha::awaitable<void> accept_loop(silent_server* self) {
        for (;;) {
            ha::error_code_t ec;
            ha::tcp::socket s = co_await self->acceptor_.async_accept(
                ha::net::redirect_error(ha::net::use_awaitable, ec));
            if (ec) co_return;
            ++self->accepted_;
            ha::net::co_spawn(self->io_, connection(self->speak_h2_, std::move(s)),
                              ha::net::detached);
        }
    }

    static ha::awaitable<void> connection(bool speak_h2, ha::tcp::socket s) {
        std::vector<unsigned char> buf(65536);
        ha::error_code_t ec;
        if (speak_h2) {
            // RFC 9113 §3.4: the client's preface (24 octets) and its SETTINGS
            // frame come first; answer with an empty SETTINGS frame (§6.5,
            // a 9-octet header: length 0, type 0x4, flags 0, stream 0) and
            // the ACK of theirs (flags 0x1).
            std::size_t got = 0;
            while (got < 24 + 9) {
                const std::size_t n =
                    co_await s.async_read_some(ha::net::buffer(buf.data() + got, buf.size() - got),
                                               ha::net::redirect_error(ha::net::use_awaitable, ec));
                if (ec) co_return;
                got += n;
            }
            static const unsigned char settings[] = {0, 0, 0, 4, 0, 0, 0, 0, 0,
                                                     0, 0, 0, 4, 1, 0, 0, 0, 0};
            co_await ha::net::async_write(s, ha::net::buffer(settings),
                                          ha::net::redirect_error(ha::net::use_awaitable, ec));
            if (ec) co_return;
        }
        for (;;) {  // read and ignore until the client closes
            (void)co_await s.async_read_some(ha::net::buffer(buf),
                                             ha::net::redirect_error(ha::net::use_awaitable, ec));
            if (ec) co_return;
        }
    }

    bool speak_h2_;
    ha::net::io_context io_;
    ha::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::atomic<int> accepted_{0};
    std::thread thread_;
};

struct timed_call {
    steady::duration timeout{};
    status_code code = status_code::ok;
    std::string message;
    steady::duration elapsed{};
};

ha::awaitable<void> make_timed_call(ra::channel* ch, timed_call* c, int* left) {
    ra::call_options o;
    o.timeout = c->timeout;
    const auto t0 = steady::now();
    auto r = co_await ch->unary_bytes(echo_m, wire::as_bytes(std::string_view("0")), o);
    c->elapsed = steady::now() - t0;
    c->code = r.status().code;
    c->message = r.status().message;
    if (--*left == 0) ch->close();
}

/// Calls with deadlines of 50..300 ms at the same time on one channel.
std::vector<timed_call> calls_with_deadlines(const std::string& target) {
    std::vector<timed_call> calls;
    for (const auto t : {50ms, 100ms, 200ms, 300ms}) {
        timed_call c;
        c.timeout = t;
        calls.push_back(std::move(c));
    }
    ha::net::io_context io;
    ra::channel ch(io.get_executor(), target);
    int left = static_cast<int>(calls.size());
    for (auto& c : calls) ha::net::co_spawn(io, make_timed_call(&ch, &c, &left), ha::net::detached);
    io.run();
    return calls;
}

/// Loose: the deadline is never early, and not seconds late.
constexpr auto lateness_bound = 2s;

}  // namespace

TEST_CASE("stress: a server that never answers: DEADLINE_EXCEEDED at the deadline, not before") {
    silent_server srv(true);
    const auto calls = calls_with_deadlines(srv.target());
    for (const auto& c : calls) {
        INFO("deadline " << ms(c.timeout) << " ms, took " << ms(c.elapsed) << " ms: " << c.message);
        CHECK(c.code == status_code::deadline_exceeded);
        CHECK(c.elapsed >= c.timeout);
        CHECK(c.elapsed < c.timeout + lateness_bound);
    }
    CHECK(srv.accepted() == 1);  // the four calls shared one connection
}

TEST_CASE("stress: a server that never speaks HTTP/2: the call ends at its deadline") {
    silent_server srv(false);
    const auto calls = calls_with_deadlines(srv.target());
    for (const auto& c : calls) {
        INFO("deadline " << ms(c.timeout) << " ms, took " << ms(c.elapsed) << " ms: " << c.message);
        const bool expected =
            c.code == status_code::deadline_exceeded || c.code == status_code::unavailable;
        CHECK(expected);
        CHECK(c.elapsed >= c.timeout);
        CHECK(c.elapsed < c.timeout + lateness_bound);
    }
}

TEST_CASE("stress: 10,000 concurrent unary calls on one channel") {
    constexpr std::size_t n = 10000;
    ra::server_options o;
    counting_server srv(std::move(o), n);
    load l;
    l.min_calls = n;
    l.cap = n;
    // One call per coroutine: all 10,000 are started at once and wait for
    // stream slots (the server allows h2::default_max_concurrent_streams).
    const auto took = run_load(srv.target(), l, static_cast<int>(n));
    std::printf("10,000 concurrent unary calls on one channel: %.0f ms\n", ms(took));
    INFO("first failure: " << l.first_failure);
    CHECK(l.failed == 0);
    CHECK(l.ok == n);
    std::lock_guard<std::mutex> lock(srv.mutex);
    CHECK(srv.handled == n);
    for (std::size_t i = 0; i < n; ++i) REQUIRE(srv.hits[i] == 1);
}
