// rpc/asio/server: the gRPC server end to end on 127.0.0.1, driven by the
// h2/asio HTTP/2 client with request bytes built here from the spec text
// (PROTOCOL-HTTP2.md), so that every rule of the call layer is seen on the
// wire: request head refusals (405, 415, UNIMPLEMENTED, RESOURCE_EXHAUSTED),
// messages and trailers, Trailers-Only, metadata both ways, compression,
// size limits, a handler that throws, interceptors, deadlines.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/h2/asio/client.hpp>
#include <h2pb/rpc/asio/server.hpp>
#include <h2pb/rpc/zlib.hpp>

#include <catch2/catch.hpp>

namespace ha = h2pb::h2::asio;
namespace ra = h2pb::rpc::asio;
namespace rpc = h2pb::rpc;
namespace wire = h2pb::wire;
using namespace std::chrono_literals;

// Never co_await inside a Catch2 assertion macro (g++ 12 mishandles the
// temporaries of such a full expression): await first, then assert.

namespace {

/// A Length-Prefixed-Message as PROTOCOL-HTTP2.md spells it: flag, 4-byte
/// big-endian length, bytes.
std::string frame(std::string_view msg, bool compressed = false) {
    std::string s;
    s.push_back(compressed ? '\1' : '\0');
    const auto n = static_cast<std::uint32_t>(msg.size());
    s.push_back(static_cast<char>(n >> 24));
    s.push_back(static_cast<char>(n >> 16));
    s.push_back(static_cast<char>(n >> 8));
    s.push_back(static_cast<char>(n));
    s.append(msg);
    return s;
}

/// The messages of a response body (prefixes checked).
std::vector<std::string> unframe(std::string_view body) {
    std::vector<std::string> out;
    while (body.size() >= 5) {
        const std::size_t n = (std::size_t{static_cast<unsigned char>(body[1])} << 24) |
                              (std::size_t{static_cast<unsigned char>(body[2])} << 16) |
                              (std::size_t{static_cast<unsigned char>(body[3])} << 8) |
                              std::size_t{static_cast<unsigned char>(body[4])};
        if (body.size() < 5 + n) break;
        out.emplace_back(body.substr(5, n));
        body.remove_prefix(5 + n);
    }
    REQUIRE(body.empty());
    return out;
}

std::string find(const std::vector<std::pair<std::string, std::string>>& fields,
                 std::string_view name) {
    for (const auto& [n, v] : fields)
        if (n == name) return v;
    return "<absent>";
}

const rpc::method_descriptor echo_method{"/test.Echo/Say", "test.Echo", "Say",
                                         rpc::method_kind::unary};
const rpc::method_descriptor throw_method{"/test.Echo/Throw", "test.Echo", "Throw",
                                          rpc::method_kind::unary};
const rpc::method_descriptor sleep_method{"/test.Echo/Sleep", "test.Echo", "Sleep",
                                          rpc::method_kind::unary};
const rpc::method_descriptor gzip_method{"/test.Echo/Gzip", "test.Echo", "Gzip",
                                         rpc::method_kind::unary};

/// A server with byte-level handlers, on its own thread.
struct fixture {
    explicit fixture(ra::server_options o = {}) {
        o.codecs = std::make_shared<rpc::zlib_registry>();
        srv = std::make_unique<ra::server>(std::move(o));
        // Say: one message in, the same bytes + "!" out; echoes metadata.
        srv->add_method(echo_method, [](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            auto m = co_await s.read_message();
            if (!m) co_return rpc::status{rpc::status_code::internal, "no request"};
            std::string reply(wire::as_chars(*m));
            reply += '!';
            auto& ctx = s.context();
            if (auto v = ctx.client_metadata().get("x-echo"))
                ctx.add_initial_metadata("x-echo", *v);
            if (auto v = ctx.client_metadata().get("x-bin-bin"))
                ctx.add_trailing_metadata("x-bin-bin", *v);
            if (auto v = ctx.client_metadata().get("x-status-message"))
                co_return rpc::status{rpc::status_code::not_found, std::string(*v)};
            (void)co_await s.write_message(wire::as_bytes(std::string_view(reply)));
            co_return rpc::status{};
        });
        srv->add_method(throw_method, [](ra::call_stream&) -> ha::awaitable<rpc::status> {
            throw std::runtime_error("boom");
            co_return rpc::status{};
        });
        srv->add_method(sleep_method, [this](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            ha::net::steady_timer t(co_await ha::net::this_coro::executor, 2s);
            co_await t.async_wait(ha::net::use_awaitable);
            sleeper_cancelled = s.context().is_cancelled();
            co_return rpc::status{};
        });
        srv->add_method(gzip_method, [](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            auto m = co_await s.read_message();
            if (!m) co_return rpc::status{rpc::status_code::internal, "no request"};
            const bool was_compressed = s.context().last_message_compressed();
            std::string reply(wire::as_chars(*m));
            reply += was_compressed ? " (compressed)" : " (plain)";
            s.context().set_compression("gzip");
            (void)co_await s.write_message(wire::as_bytes(std::string_view(reply)));
            co_return rpc::status{};
        });
        REQUIRE(!srv->listen());
        srv->start();
    }
    ~fixture() {
        srv->stop();
        srv->join();
    }

    /// One request; the response or the stream error.
    ha::stream_result<ha::client_response> try_call(std::string_view path, std::string body,
                                                    std::vector<h2pb::hpack::field> extra) {
        ha::net::io_context io;
        ha::stream_result<ha::client_response> out = ha::client_response{};
        const std::string url = "http://127.0.0.1:" + std::to_string(srv->port()) + "/";
        ha::net::co_spawn(
            io,
            [&]() -> ha::awaitable<void> {
                auto c = co_await ha::client::connect(io.get_executor(), *ha::parse_url(url), {});
                REQUIRE(c);
                std::vector<h2pb::hpack::field> f{{"content-type", "application/grpc"},
                                                  {"te", "trailers"}};
                f.insert(f.end(), extra.begin(), extra.end());
                out = co_await (*c)->fetch("POST", path, f, wire::as_bytes(body));
                (*c)->close();
            },
            ha::net::detached);
        io.run();
        return out;
    }

    /// One request with `body` and extra fields; the whole response.
    ha::client_response call(std::string_view path, std::string body,
                             std::vector<h2pb::hpack::field> extra = {},
                             std::string_view method = "POST",
                             std::string_view content_type = "application/grpc") {
        ha::net::io_context io;
        ha::client_response out;
        bool done = false;
        std::string err;
        const std::string url = "http://127.0.0.1:" + std::to_string(srv->port()) + "/";
        ha::net::co_spawn(
            io,
            [&]() -> ha::awaitable<void> {
                auto c = co_await ha::client::connect(io.get_executor(), *ha::parse_url(url), {});
                if (!c) {
                    err = c.error().to_string();
                    co_return;
                }
                std::vector<h2pb::hpack::field> f{{"content-type", content_type},
                                                  {"te", "trailers"}};
                f.insert(f.end(), extra.begin(), extra.end());
                auto r = co_await (*c)->fetch(method, path, f, wire::as_bytes(body));
                if (!r) {
                    err = r.error().to_string();
                } else {
                    out = std::move(*r);
                    done = true;
                }
                (*c)->close();
            },
            ha::net::detached);
        io.run();
        INFO(err);
        REQUIRE(done);
        return out;
    }

    std::unique_ptr<ra::server> srv;
    std::atomic<bool> sleeper_cancelled{false};
};

}  // namespace

TEST_CASE("a unary call: headers, one message, trailers with grpc-status 0") {
    fixture f;
    const auto r = f.call("/test.Echo/Say", frame("hello"));
    CHECK(r.status == 200);
    CHECK(find(r.headers, "content-type") == "application/grpc");
    CHECK(find(r.headers, "grpc-accept-encoding") == "identity,deflate,gzip");
    const auto msgs = unframe(r.body);
    REQUIRE(msgs.size() == 1);
    CHECK(msgs[0] == "hello!");
    CHECK(find(r.trailers, "grpc-status") == "0");
    CHECK(find(r.trailers, "grpc-message") == "<absent>");
}

TEST_CASE("a message split across DATA frames at every offset is reassembled") {
    fixture f;
    // The h2 client sends the body as given; vary where the prefix ends by
    // sending a message whose prefix and body straddle a 16 KiB frame.
    const std::string big(20000, 'q');
    const auto r = f.call("/test.Echo/Say", frame(big));
    const auto msgs = unframe(r.body);
    REQUIRE(msgs.size() == 1);
    CHECK(msgs[0] == big + "!");
}

TEST_CASE("a method other than POST is refused with 405 and allow: POST") {
    fixture f;
    const auto r = f.call("/test.Echo/Say", "", {}, "GET");
    CHECK(r.status == 405);
    CHECK(find(r.headers, "allow") == "POST");
}

TEST_CASE("a content-type that is not gRPC gets HTTP 415") {
    fixture f;
    const auto r = f.call("/test.Echo/Say", frame("x"), {}, "POST", "application/json");
    CHECK(r.status == 415);
    // application/grpc+proto and parameters are gRPC.
    const auto r2 = f.call("/test.Echo/Say", frame("x"), {}, "POST", "application/grpc+proto");
    CHECK(r2.status == 200);
    CHECK(find(r2.trailers, "grpc-status") == "0");
    const auto r3 =
        f.call("/test.Echo/Say", frame("x"), {}, "POST", "application/grpc;charset=utf-8");
    CHECK(find(r3.trailers, "grpc-status") == "0");
}

TEST_CASE("unknown services and methods answer UNIMPLEMENTED as Trailers-Only") {
    fixture f;
    const auto r = f.call("/test.Echo/Nope", frame("x"));
    CHECK(r.status == 200);
    // Trailers-Only: the status is in the one header section, no body.
    CHECK(find(r.headers, "grpc-status") == "12");
    CHECK(find(r.headers, "grpc-message") == "unknown method Nope for service test.Echo");
    CHECK(r.body.empty());
    const auto r2 = f.call("/other.Svc/M", frame("x"));
    CHECK(find(r2.headers, "grpc-status") == "12");
    CHECK(find(r2.headers, "grpc-message") == "unknown service other.Svc");
}

TEST_CASE("a handler that throws ends its call UNKNOWN; the connection goes on") {
    fixture f;
    const auto r = f.call("/test.Echo/Throw", frame("x"));
    CHECK(find(r.headers, "grpc-status") == "2");
    const auto r2 = f.call("/test.Echo/Say", frame("y"));
    CHECK(find(r2.trailers, "grpc-status") == "0");
}

TEST_CASE("metadata: ASCII and -bin both ways, grpc-message percent-encoded") {
    fixture f;
    // "-bin" values travel as base64: "AAEC/w" (unpadded) is 00 01 02 ff.
    const auto r =
        f.call("/test.Echo/Say", frame("m"), {{"x-echo", "hi there"}, {"x-bin-bin", "AAEC/w"}});
    CHECK(find(r.headers, "x-echo") == "hi there");
    CHECK(find(r.trailers, "x-bin-bin") == "AAEC/w");  // sent unpadded
    // Padded input is accepted too.
    const auto r2 = f.call("/test.Echo/Say", frame("m"), {{"x-bin-bin", "AAEC/w=="}});
    CHECK(find(r2.trailers, "x-bin-bin") == "AAEC/w");
    // PROTOCOL-HTTP2.md: grpc-message is percent-encoded UTF-8; the client's
    // value (ASCII only on the wire) comes back as the status message.
    const auto r3 =
        f.call("/test.Echo/Say", frame("m"), {{"x-status-message", "t\xc3\xa9st 100%"}});
    CHECK(find(r3.headers, "grpc-status") == "5");
    CHECK(find(r3.headers, "grpc-message") == "t%C3%A9st 100%25");
}

TEST_CASE("a request message above the max receive size is RESOURCE_EXHAUSTED") {
    ra::server_options o;
    o.max_receive_message_size = 1024;
    fixture f(o);
    const auto r = f.call("/test.Echo/Say", frame(std::string(1025, 'a')));
    const std::string st = find(r.headers, "grpc-status") != "<absent>"
                               ? find(r.headers, "grpc-status")
                               : find(r.trailers, "grpc-status");
    CHECK(st == "8");
    const auto r2 = f.call("/test.Echo/Say", frame(std::string(1024, 'a')));
    CHECK(find(r2.trailers, "grpc-status") == "0");
}

TEST_CASE("request metadata above the limit is RESOURCE_EXHAUSTED") {
    ra::server_options o;
    o.max_metadata_size = 1024;
    fixture f(o);
    const auto r = f.call("/test.Echo/Say", frame("x"), {{"x-big", std::string(1200, 'v')}});
    CHECK(find(r.headers, "grpc-status") == "8");
}

TEST_CASE("compression: gzip requests are inflated, an unknown encoding is UNIMPLEMENTED") {
    fixture f;
    // A gzip member of "hello" made by python3 -c 'import gzip,sys;
    // sys.stdout.buffer.write(gzip.compress(b"hello", mtime=0))'.
    const unsigned char gz[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
                                0xff, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x86,
                                0xa6, 0x10, 0x36, 0x05, 0x00, 0x00, 0x00};
    const std::string gzs(reinterpret_cast<const char*>(gz), sizeof gz);
    const auto r = f.call("/test.Echo/Gzip", frame(gzs, true),
                          {{"grpc-encoding", "gzip"}, {"grpc-accept-encoding", "gzip"}});
    CHECK(find(r.trailers, "grpc-status") == "0");
    CHECK(find(r.headers, "grpc-encoding") == "gzip");
    REQUIRE(r.body.size() > 5);
    CHECK(r.body[0] == '\1');  // the response message is compressed
    rpc::gzip_codec g;
    wire::buffer plain;
    REQUIRE(g.decompress(wire::as_bytes(std::string_view(r.body).substr(5)), 1 << 20, plain) ==
            rpc::compress_errc::ok);
    CHECK(std::string(plain.chars()) == "hello (compressed)");

    // Compressed-Flag 1 without grpc-encoding: INTERNAL (PROTOCOL-HTTP2.md).
    const auto r2 = f.call("/test.Echo/Gzip", frame(gzs, true));
    CHECK(find(r2.headers, "grpc-status") == "13");

    // An encoding we do not have: UNIMPLEMENTED with what we accept.
    const auto r3 = f.call("/test.Echo/Say", frame("x"), {{"grpc-encoding", "snappy"}});
    CHECK(find(r3.headers, "grpc-status") == "12");
    CHECK(find(r3.headers, "grpc-accept-encoding") == "identity,deflate,gzip");

    // The client did not say it accepts gzip: the response stays identity.
    const auto r4 = f.call("/test.Echo/Gzip", frame("plain"));
    CHECK(find(r4.headers, "grpc-encoding") == "<absent>");
    CHECK(unframe(r4.body).at(0) == "plain (plain)");
}

TEST_CASE("interceptors run before the handler and can refuse the call") {
    fixture f;
    f.srv->add_interceptor([](ra::server_context& ctx) -> ha::awaitable<rpc::status> {
        auto tok = ctx.client_metadata().get("authorization");
        if (!tok || *tok != "Bearer secret")
            co_return rpc::status{rpc::status_code::unauthenticated, "missing or bad token"};
        ctx.auth_identity = "alice";
        co_return rpc::status{};
    });
    const auto r = f.call("/test.Echo/Say", frame("x"));
    CHECK(find(r.headers, "grpc-status") == "16");
    CHECK(find(r.headers, "grpc-message") == "missing or bad token");
    const auto r2 = f.call("/test.Echo/Say", frame("x"), {{"authorization", "Bearer secret"}});
    CHECK(find(r2.trailers, "grpc-status") == "0");
}

TEST_CASE("a malformed grpc-timeout is INTERNAL") {
    fixture f;
    const auto r = f.call("/test.Echo/Say", frame("x"), {{"grpc-timeout", "123456789S"}});
    CHECK(find(r.headers, "grpc-status") == "13");
    const auto r2 = f.call("/test.Echo/Say", frame("x"), {{"grpc-timeout", "5S"}});
    CHECK(find(r2.trailers, "grpc-status") == "0");
}

TEST_CASE("a call past its grpc-timeout is reset with CANCEL; the handler sees it cancelled") {
    fixture f;
    const auto start = std::chrono::steady_clock::now();
    const auto r = f.try_call("/test.Echo/Sleep", frame("x"), {{"grpc-timeout", "100m"}});
    const auto took = std::chrono::steady_clock::now() - start;
    REQUIRE(!r);
    CHECK(r.error().kind == ha::stream_errc::reset_by_peer);
    CHECK(r.error().code == h2pb::h2::error_code::cancel);
    CHECK(took >= 90ms);
    CHECK(took < 1500ms);
    // The handler wakes from its 2 s sleep and finds the call cancelled.
    for (int i = 0; i < 40 && !f.sleeper_cancelled; ++i) std::this_thread::sleep_for(100ms);
    CHECK(f.sleeper_cancelled);
}

TEST_CASE("calls on several threads: each connection on its own, all answered") {
    ra::server_options o;
    o.http.threads = 2;
    fixture f(o);
    constexpr int n_clients = 4;
    std::vector<std::thread> clients;
    clients.reserve(n_clients);
    std::atomic<int> ok{0};
    for (int t = 0; t < n_clients; ++t) {
        clients.emplace_back([&f, &ok, t] {
            for (int i = 0; i < 10; ++i) {
                const std::string m = "t" + std::to_string(t) + "-" + std::to_string(i);
                const auto r = f.try_call("/test.Echo/Say", frame(m), {});
                if (r && find(r->trailers, "grpc-status") == "0" &&
                    unframe(r->body).at(0) == m + "!")
                    ++ok;
            }
        });
    }
    for (auto& c : clients) c.join();
    CHECK(ok == 40);
}

TEST_CASE("graceful shutdown: a call in flight finishes, the server then stops") {
    fixture f;
    std::atomic<bool> got{false};
    std::string status;
    std::thread client([&] {
        // Sleep takes 2 s; the shutdown below comes 300 ms into it, with a
        // 5 s grace period: the call must still end with grpc-status 0.
        const auto r = f.try_call("/test.Echo/Sleep", frame("x"), {});
        // Sleep sends no message: the status comes as Trailers-Only.
        if (r) status = find(r->headers, "grpc-status");
        got = true;
    });
    std::this_thread::sleep_for(300ms);
    f.srv->shutdown(5s);
    client.join();
    CHECK(got);
    CHECK(status == "0");
    CHECK_FALSE(f.sleeper_cancelled);
}
