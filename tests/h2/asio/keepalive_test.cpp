// h2/asio: keepalive PINGs and the ping abuse policy, against a raw peer that
// speaks HTTP/2 frames by hand (RFC 9113 §4.1 frame layout, §6.7 PING, §6.8
// GOAWAY) so that it can count, answer or swallow PINGs and send them as
// often as it likes. The expected behaviour is gRPC's (keepalive.md):
//   - a client sends a PING after keepalive_interval without input while a
//     stream is open, none while no stream is open unless
//     keepalive_permit_without_calls, and fails the connection when the PING
//     is not acknowledged within keepalive_timeout;
//   - a server counts PINGs that come sooner than min_recv_ping_interval
//     after the previous one; one strike more than max_ping_strikes ends the
//     connection with GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings"), and a
//     response sent in between forgives the strikes.
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/h2/asio/client.hpp>
#include <h2pb/h2/asio/client_session.hpp>  // client::session()
#include <h2pb/h2/asio/server.hpp>

#include <catch2/catch.hpp>

namespace ha = h2pb::h2::asio;
namespace h2 = h2pb::h2;
namespace wire = h2pb::wire;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// Never co_await inside a Catch2 assertion macro (g++ 12): await, then assert.

namespace {

// Frame types and flags of RFC 9113 §6.
constexpr std::uint8_t type_headers = 0x1;
constexpr std::uint8_t type_settings = 0x4;
constexpr std::uint8_t type_ping = 0x6;
constexpr std::uint8_t type_goaway = 0x7;
constexpr std::uint8_t flag_ack = 0x1;
constexpr std::uint8_t flag_end_stream = 0x1;
constexpr std::uint8_t flag_end_headers = 0x4;
constexpr std::uint32_t enhance_your_calm = 0xb;  // §7

/// The client connection preface (§3.4).
constexpr std::string_view client_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

struct frame {
    std::uint8_t type = 0;
    std::uint8_t flags = 0;
    std::uint32_t stream = 0;
    std::string payload;
};

std::string encode(std::uint8_t type, std::uint8_t flags, std::uint32_t stream,
                   std::string_view payload) {
    std::string f;
    const auto n = static_cast<std::uint32_t>(payload.size());
    f += static_cast<char>(n >> 16);
    f += static_cast<char>(n >> 8);
    f += static_cast<char>(n);
    f += static_cast<char>(type);
    f += static_cast<char>(flags);
    for (int shift = 24; shift >= 0; shift -= 8) f += static_cast<char>(stream >> shift);
    f += payload;
    return f;
}

std::uint32_t u32(std::string_view s, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
    return v;
}

/// One end of a TCP connection, frames by hand: blocking writes, reads
/// bounded by a timeout (poll(2)).
class raw_conn {
  public:
    explicit raw_conn(ha::tcp::socket s) : s_(std::move(s)) {}

    void send(std::string_view bytes) {
        ha::error_code_t ec;
        ha::net::write(s_, ha::net::buffer(bytes.data(), bytes.size()), ec);
    }

    /// Reads exactly n octets (false: EOF, error or timeout).
    bool read_exact(std::size_t n, std::string& out, steady::duration timeout) {
        const auto until = steady::now() + timeout;
        while (buf_.size() < n) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(until - steady::now());
            if (left.count() <= 0) return false;
            pollfd p{s_.native_handle(), POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
            char tmp[4096];
            const ssize_t r = ::recv(s_.native_handle(), tmp, sizeof tmp, 0);
            if (r <= 0) {
                eof_ = true;
                return false;
            }
            buf_.append(tmp, static_cast<std::size_t>(r));
        }
        out = buf_.substr(0, n);
        buf_.erase(0, n);
        return true;
    }

    /// The next frame, or nullopt on EOF or timeout (eof() tells which).
    std::optional<frame> next(steady::duration timeout) {
        std::string h;
        if (!read_exact(9, h, timeout)) return std::nullopt;
        frame f;
        const std::size_t len = (static_cast<std::size_t>(static_cast<unsigned char>(h[0])) << 16) |
                                (static_cast<std::size_t>(static_cast<unsigned char>(h[1])) << 8) |
                                static_cast<unsigned char>(h[2]);
        f.type = static_cast<std::uint8_t>(h[3]);
        f.flags = static_cast<std::uint8_t>(h[4]);
        f.stream = u32(h, 5) & 0x7fffffffu;
        // The header is taken: wait for the rest of the frame in any case.
        if (len > 0 && !read_exact(len, f.payload, std::max<steady::duration>(timeout, 5s)))
            return std::nullopt;
        return f;
    }

    bool eof() const noexcept { return eof_; }
    ha::tcp::socket& socket() noexcept { return s_; }

  private:
    ha::tcp::socket s_;
    std::string buf_;
    bool eof_ = false;
};

/// A raw HTTP/2 server for one client connection, on its own thread: sends
/// its SETTINGS, ACKs the client's, never answers requests (their streams
/// stay open), counts PINGs and answers them only if `ack_pings`.
class raw_server {
  public:
    explicit raw_server(bool ack_pings) : ack_pings_(ack_pings), acceptor_(io_) {
        const ha::tcp::endpoint ep(ha::net::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(ep.protocol());
        acceptor_.bind(ep);
        acceptor_.listen();
        thread_ = std::thread([this] { run(); });
    }
    ~raw_server() {
        stop_ = true;
        thread_.join();
    }
    raw_server(const raw_server&) = delete;
    raw_server& operator=(const raw_server&) = delete;

    ha::url url() const {
        return *ha::parse_url(
            "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/");
    }

    std::atomic<int> pings{0};
    std::atomic<int> goaways{0};
    std::atomic<std::uint32_t> goaway_code{0xffffffffu};
    std::atomic<bool> closed{false};  ///< the client closed the connection

  private:
    void run() {
        // Accept, polling so that the destructor can end a test that never connected.
        acceptor_.non_blocking(true);
        ha::tcp::socket s(io_);
        for (;;) {
            if (stop_) return;
            ha::error_code_t ec;
            acceptor_.accept(s, ec);
            if (!ec) break;
            std::this_thread::sleep_for(5ms);
        }
        s.non_blocking(false);
        raw_conn c(std::move(s));
        c.send(encode(type_settings, 0, 0, {}));
        std::string preface;
        if (!c.read_exact(client_preface.size(), preface, 5s) || preface != client_preface) return;
        while (!stop_) {
            auto f = c.next(50ms);
            if (!f) {
                if (c.eof()) break;
                continue;
            }
            if (f->type == type_settings && !(f->flags & flag_ack)) {
                c.send(encode(type_settings, flag_ack, 0, {}));
            } else if (f->type == type_ping && !(f->flags & flag_ack)) {
                ++pings;
                if (ack_pings_) c.send(encode(type_ping, flag_ack, 0, f->payload));
            } else if (f->type == type_goaway && f->payload.size() >= 8) {
                goaway_code = u32(f->payload, 4);
                ++goaways;
            }
        }
        closed = true;
    }

    bool ack_pings_;
    std::atomic<bool> stop_{false};
    ha::net::io_context io_;
    ha::tcp::acceptor acceptor_;
    std::thread thread_;
};

ha::awaitable<void> sleep_for(ha::duration d) {
    ha::net::steady_timer t(co_await ha::net::this_coro::executor, d);
    co_await t.async_wait(ha::net::use_awaitable);
}

/// A client with a 100 ms keepalive interval.
ha::client_options keepalive_client(bool permit_without_calls, ha::duration timeout = 1s) {
    ha::client_options o;
    o.driver.keepalive_interval = 100ms;
    o.driver.keepalive_timeout = timeout;
    o.driver.keepalive_permit_without_calls = permit_without_calls;
    return o;
}

/// Runs `body(client)` connected to `u`; fails the test after 10 s.
template <class Body>
void run_client(const ha::url& u, ha::client_options o, Body body) {
    ha::net::io_context io;
    bool done = false;
    ha::net::co_spawn(
        io,
        [&]() -> ha::awaitable<void> {
            auto c = co_await ha::client::connect(io.get_executor(), u, std::move(o));
            INFO((c ? std::string() : c.error().to_string()));
            REQUIRE(c);
            co_await body(**c);
            (*c)->close();
            done = true;
        },
        [](const std::exception_ptr& e) {
            if (e) std::rethrow_exception(e);
        });
    io.run_for(10s);
    REQUIRE(done);
}

}  // namespace

TEST_CASE("client keepalive: PINGs every interval while a stream is open", "[keepalive]") {
    raw_server peer(/*ack_pings=*/true);
    std::uint64_t sent = 0;
    bool closed = true;
    run_client(peer.url(), keepalive_client(false), [&](ha::client& c) -> ha::awaitable<void> {
        // The raw server never answers: the stream stays open.
        auto st = co_await c.open(c.request_fields("GET", "/"), true);
        REQUIRE(st);
        co_await sleep_for(650ms);
        sent = c.session().keepalive_pings_sent();
        closed = c.is_closed();
    });
    // One PING per 100 ms without input (the ACK is input): about 6 in 650 ms.
    CHECK(peer.pings >= 3);
    CHECK(peer.pings <= 8);
    CHECK(sent >= 3);
    CHECK_FALSE(closed);
}

TEST_CASE("client keepalive: no PING while no stream is open, unless permitted", "[keepalive]") {
    SECTION("not permitted (gRPC's client default): none, until a stream opens") {
        raw_server peer(true);
        int idle_pings = -1;
        run_client(peer.url(), keepalive_client(false), [&](ha::client& c) -> ha::awaitable<void> {
            co_await sleep_for(500ms);
            idle_pings = peer.pings;
            // A stream opens: the held-back PING is due (no input for 500 ms)
            // and goes at once, as grpc-go's leaving dormancy.
            auto st = co_await c.open(c.request_fields("GET", "/"), true);
            REQUIRE(st);
            co_await sleep_for(50ms);
        });
        CHECK(idle_pings == 0);
        CHECK(peer.pings >= 1);
    }
    SECTION("permitted: PINGs on an idle connection") {
        raw_server peer(true);
        run_client(peer.url(), keepalive_client(true),
                   [&](ha::client&) -> ha::awaitable<void> { co_await sleep_for(500ms); });
        CHECK(peer.pings >= 2);
    }
}

TEST_CASE("client keepalive: a PING never acknowledged fails the connection", "[keepalive]") {
    raw_server peer(/*ack_pings=*/false);
    ha::stream_error err;
    bool closed = false;
    auto elapsed = steady::duration::zero();
    run_client(peer.url(), keepalive_client(false, 300ms),
               [&](ha::client& c) -> ha::awaitable<void> {
                   const auto start = steady::now();
                   auto st = co_await c.open(c.request_fields("GET", "/"), true);
                   REQUIRE(st);
                   err = co_await st->response();  // never comes: the keepalive ends the wait
                   elapsed = steady::now() - start;
                   for (int i = 0; i < 300 && !c.is_closed(); ++i) {
                       co_await sleep_for(10ms);
                   }
                   closed = c.is_closed();
               });
    CHECK(err.kind == ha::stream_errc::timeout);
    CHECK(err.message == "keepalive PING not acknowledged");
    // PING after 100 ms, no ACK within 300 ms.
    CHECK(elapsed >= 380ms);
    CHECK(elapsed < 2s);
    CHECK(closed);
    CHECK(peer.pings == 1);
    for (int i = 0; i < 200 && peer.goaways == 0; ++i) std::this_thread::sleep_for(10ms);
    CHECK(peer.goaways == 1);
    CHECK(peer.goaway_code == 0);  // NO_ERROR, debug "keepalive timeout"
}

// ---------------------------------------------------------------- server side

namespace {

/// An h2pb server with a /hello route and the given driver options.
struct server_fixture {
    explicit server_fixture(const ha::driver_options& d) {
        ha::server_options o;
        o.driver = d;
        ha::router r;
        r.add("/hello", ha::immediate_handler([](ha::request&, ha::response& res) {
                  res.send_headers(200, {});
                  res.send(wire::as_bytes(std::string_view("hello")), true);
              }));
        srv = std::make_unique<ha::server>(o, std::move(r));
        REQUIRE_FALSE(srv->listen());
        srv->start();
    }
    ~server_fixture() {
        srv->stop();
        srv->join();
    }

    /// A raw client connection, preface and SETTINGS sent.
    raw_conn connect() {
        ha::tcp::socket s(io);
        s.connect(ha::tcp::endpoint(ha::net::ip::make_address("127.0.0.1"), srv->port()));
        raw_conn c(std::move(s));
        c.send(client_preface);
        c.send(encode(type_settings, 0, 0, {}));
        return c;
    }

    ha::net::io_context io;
    std::unique_ptr<ha::server> srv;
};

std::string ping_frame(std::uint64_t v) {
    std::string p;
    for (int shift = 56; shift >= 0; shift -= 8) p += static_cast<char>(v >> shift);
    return encode(type_ping, 0, 0, p);
}

/// GET /hello (HPACK, RFC 7541 Appendix A static table: 0x82 :method GET,
/// 0x86 :scheme http, 0x04 :path literal without indexing, 0x01 :authority).
std::string hello_request(std::uint32_t stream) {
    std::string block = "\x82\x86";
    block += "\x04\x06/hello";
    block += "\x01\x09";
    block += "127.0.0.1";
    return encode(type_headers, flag_end_stream | flag_end_headers, stream, block);
}

/// What the server sent until `stop` says so, EOF or a 1 s silence.
struct seen {
    int ping_acks = 0;
    int headers = 0;
    std::optional<std::uint32_t> goaway_code;
    std::string goaway_debug;
    bool eof = false;
};

template <class Stop>
seen read_until(raw_conn& c, Stop stop) {
    seen s;
    while (!stop(s)) {
        auto f = c.next(1s);
        if (!f) {
            s.eof = c.eof();
            break;
        }
        if (f->type == type_ping && (f->flags & flag_ack)) ++s.ping_acks;
        if (f->type == type_headers) ++s.headers;
        if (f->type == type_settings && !(f->flags & flag_ack))
            c.send(encode(type_settings, flag_ack, 0, {}));
        if (f->type == type_goaway && f->payload.size() >= 8) {
            s.goaway_code = u32(f->payload, 4);
            s.goaway_debug = f->payload.substr(8);
        }
    }
    return s;
}

}  // namespace

TEST_CASE("server ping policy: one strike more than max_ping_strikes -> GOAWAY too_many_pings",
          "[keepalive]") {
    ha::driver_options d;  // the defaults: 5 min (2 h without calls), 2 strikes
    REQUIRE(d.max_ping_strikes == 2);
    server_fixture f(d);
    raw_conn c = f.connect();
    // PING 1 is never a strike; 2 and 3 are strikes 1 and 2: tolerated.
    for (std::uint64_t i = 1; i <= 3; ++i) c.send(ping_frame(i));
    seen s = read_until(c, [](const seen& x) { return x.ping_acks == 3 || x.goaway_code; });
    CHECK(s.ping_acks == 3);
    CHECK_FALSE(s.goaway_code);
    // PING 4: strike 3 > 2.
    c.send(ping_frame(4));
    s = read_until(c, [](const seen& x) { return bool(x.goaway_code); });
    REQUIRE(s.goaway_code);
    CHECK(*s.goaway_code == enhance_your_calm);
    CHECK(s.goaway_debug == "too_many_pings");
    CHECK(s.ping_acks == 1);  // the 4th PING is still answered (§6.7), before the GOAWAY
    // Then the server closes.
    s = read_until(c, [](const seen&) { return false; });
    CHECK(s.eof);
}

TEST_CASE("server ping policy: PINGs further apart than the minimum are fine", "[keepalive]") {
    ha::driver_options d;
    d.min_recv_ping_interval = 100ms;
    d.permit_pings_without_calls = true;  // no stream here: hold them to 100 ms, not 2 h
    server_fixture f(d);
    raw_conn c = f.connect();
    for (std::uint64_t i = 1; i <= 6; ++i) {
        c.send(ping_frame(i));
        const seen s = read_until(c, [](const seen& x) { return x.ping_acks == 1; });
        CHECK(s.ping_acks == 1);
        CHECK_FALSE(s.goaway_code);
        std::this_thread::sleep_for(150ms);
    }
}

TEST_CASE("server ping policy: without calls the minimum is 2 hours", "[keepalive]") {
    ha::driver_options d;
    d.min_recv_ping_interval = 100ms;  // would allow these PINGs if a stream were open
    server_fixture f(d);
    raw_conn c = f.connect();
    for (std::uint64_t i = 1; i <= 4; ++i) {
        c.send(ping_frame(i));
        std::this_thread::sleep_for(150ms);
    }
    const seen s = read_until(c, [](const seen& x) { return bool(x.goaway_code); });
    REQUIRE(s.goaway_code);
    CHECK(*s.goaway_code == enhance_your_calm);
}

TEST_CASE("server ping policy: a response sent between PINGs forgives the strikes", "[keepalive]") {
    ha::driver_options d;
    server_fixture f(d);
    raw_conn c = f.connect();
    // Eight quick PINGs, each after a response (as gRPC's BDP probes follow data).
    std::uint32_t stream = 1;
    for (std::uint64_t i = 1; i <= 8; ++i) {
        c.send(hello_request(stream));
        stream += 2;
        const seen r = read_until(c, [](const seen& x) { return x.headers == 1; });
        REQUIRE(r.headers == 1);
        c.send(ping_frame(i));
        const seen s = read_until(c, [](const seen& x) { return x.ping_acks == 1; });
        CHECK(s.ping_acks == 1);
        CHECK_FALSE(s.goaway_code);
    }
    // Without responses in between, the same PINGs end the connection.
    for (std::uint64_t i = 1; i <= 4; ++i) c.send(ping_frame(100 + i));
    const seen s = read_until(c, [](const seen& x) { return bool(x.goaway_code); });
    REQUIRE(s.goaway_code);
    CHECK(*s.goaway_code == enhance_your_calm);
}

TEST_CASE("defaults: clients neither police PINGs nor ping without calls", "[keepalive]") {
    // gRPC enforces the ping policy on servers only (keepalive.md).
    ha::client_options o;
    CHECK(o.driver.max_ping_strikes == 0);
    CHECK_FALSE(o.driver.keepalive_permit_without_calls);
    ha::driver_options server_side;
    CHECK(server_side.max_ping_strikes == ha::default_max_ping_strikes);
    CHECK(server_side.min_recv_ping_interval == 5min);
}
