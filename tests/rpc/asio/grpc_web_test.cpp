// rpc/asio/server: gRPC-Web (PROTOCOL-WEB.md) served by the gRPC server
// itself, end to end on 127.0.0.1, driven by the h2/asio HTTP/2 client with
// request bytes written here from the spec: binary and -text bodies (split
// across DATA frames at every offset, padded segments), the status as the
// body's last frame (0x80), Trailers-Only as headers, 1,000 streamed
// messages, a deadline, CORS preflights allowed and refused.
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
#include <h2pb/rpc/grpc_web.hpp>

#include <catch2/catch.hpp>

#include "../grpc_web_support.hpp"

namespace ha = h2pb::h2::asio;
namespace ra = h2pb::rpc::asio;
namespace rpc = h2pb::rpc;
namespace web = h2pb::rpc::web;
namespace wire = h2pb::wire;
using namespace std::chrono_literals;
using namespace std::string_literals;
using grpc_web_test::frame;
using grpc_web_test::parsed;

// Never co_await inside a Catch2 assertion macro: await first, then assert.

namespace {

std::string find(const std::vector<std::pair<std::string, std::string>>& fields,
                 std::string_view name) {
    for (const auto& [n, v] : fields)
        if (n == name) return v;
    return "<absent>";
}

/// The messages and trailer frame of a gRPC-Web response body.
grpc_web_test::parsed parse_body(web::content_kind kind, std::string_view body) {
    return grpc_web_test::parse(kind, {body});
}

const rpc::method_descriptor echo_method{"/test.Echo/Say", "test.Echo", "Say",
                                         rpc::method_kind::unary};
const rpc::method_descriptor stream_method{"/test.Echo/Stream", "test.Echo", "Stream",
                                           rpc::method_kind::server_streaming};
const rpc::method_descriptor half_method{"/test.Echo/Half", "test.Echo", "Half",
                                         rpc::method_kind::unary};
const rpc::method_descriptor sleep_method{"/test.Echo/Sleep", "test.Echo", "Sleep",
                                          rpc::method_kind::unary};
const rpc::method_descriptor slow_stream_method{"/test.Echo/SlowStream", "test.Echo", "SlowStream",
                                                rpc::method_kind::server_streaming};
const rpc::method_descriptor collect_method{"/test.Echo/Collect", "test.Echo", "Collect",
                                            rpc::method_kind::client_streaming};

constexpr std::string_view allowed_origin = "https://app.example:8443";

ra::server_options web_options() {
    ra::server_options o;
    o.grpc_web.allowed_origins = {std::string(allowed_origin)};
    o.grpc_web.exposed_headers = {"x-app"};
    o.grpc_web.max_age = 600s;
    return o;
}

/// A server with byte-level handlers, on its own thread.
struct fixture {
    explicit fixture(ra::server_options o = web_options()) {
        srv = std::make_unique<ra::server>(std::move(o));
        // Say: the request + "!"; x-status-message: that NOT_FOUND before
        // any message (Trailers-Only).
        srv->add_method(echo_method, [](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            auto m = co_await s.read_message();
            if (!m) co_return rpc::status{rpc::status_code::internal, "no request"};
            auto& ctx = s.context();
            if (auto v = ctx.client_metadata().get("x-status-message"))
                co_return rpc::status{rpc::status_code::not_found, std::string(*v)};
            ctx.add_initial_metadata("x-app", "initial");
            ctx.add_trailing_metadata("x-trailer", "end");
            std::string reply(wire::as_chars(*m));
            reply += '!';
            (void)co_await s.write_message(wire::as_bytes(std::string_view(reply)));
            co_return rpc::status{};
        });
        // Stream: as many messages as the request's length times 100.
        srv->add_method(stream_method, [](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            auto m = co_await s.read_message();
            if (!m) co_return rpc::status{rpc::status_code::internal, "no request"};
            const std::size_t n = m->size() * 100;
            for (std::size_t i = 0; i < n; ++i) {
                const std::string msg = "message " + std::to_string(i);
                const bool ok = co_await s.write_message(wire::as_bytes(std::string_view(msg)));
                if (!ok) co_return rpc::status{rpc::status_code::cancelled, "gone"};
            }
            co_return rpc::status{};
        });
        // Half: one message, then ABORTED: the status in the trailer frame.
        srv->add_method(half_method, [](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            (void)co_await s.read_message();
            (void)co_await s.write_message(wire::as_bytes("partial"s));
            co_return rpc::status{rpc::status_code::aborted, "stopped half way: 50%"};
        });
        srv->add_method(sleep_method, [this](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            ha::net::steady_timer t(co_await ha::net::this_coro::executor, 2s);
            co_await t.async_wait(ha::net::use_awaitable);
            sleeper_cancelled = s.context().is_cancelled();
            co_return rpc::status{};
        });
        // SlowStream: one message, then another 2 s later (past any short
        // deadline: that write must fail).
        srv->add_method(slow_stream_method,
                        [this](ra::call_stream& s) -> ha::awaitable<rpc::status> {
                            (void)co_await s.read_message();
                            (void)co_await s.write_message(wire::as_bytes("first"s));
                            ha::net::steady_timer t(co_await ha::net::this_coro::executor, 2s);
                            co_await t.async_wait(ha::net::use_awaitable);
                            const bool late = co_await s.write_message(wire::as_bytes("late"s));
                            late_write_failed = !late;
                            co_return rpc::status{};
                        });
        // Collect (client streaming, which browsers cannot do but other
        // gRPC-Web clients can: the body is framed the same way).
        srv->add_method(collect_method, [](ra::call_stream& s) -> ha::awaitable<rpc::status> {
            std::string all;
            for (;;) {
                auto m = co_await s.read_message();
                if (!m) break;
                all.append(wire::as_chars(*m));
            }
            (void)co_await s.write_message(wire::as_bytes(std::string_view(all)));
            co_return rpc::status{};
        });
        REQUIRE(!srv->listen());
        srv->start();
    }
    ~fixture() {
        srv->stop();
        srv->join();
    }

    /// One request whose body is written as `pieces`, one DATA frame each
    /// (the last with END_STREAM); the response or the stream error.
    ha::stream_result<ha::client_response> exchange(std::string_view method, std::string_view path,
                                                    std::vector<h2pb::hpack::field> fields,
                                                    std::vector<std::string> pieces) {
        ha::net::io_context io;
        ha::stream_result<ha::client_response> out = ha::client_response{};
        const std::string url = "http://127.0.0.1:" + std::to_string(srv->port()) + "/";
        ha::net::co_spawn(io, run(io, url, method, path, std::move(fields), std::move(pieces), out),
                          ha::net::detached);
        io.run();
        return out;
    }

    /// A gRPC-Web POST (content-type `ct`, the headers a browser client
    /// adds, and `extra`) that must get a response.
    ha::client_response call(std::string_view path, std::string_view ct,
                             std::vector<std::string> pieces,
                             std::vector<h2pb::hpack::field> extra = {}) {
        std::vector<h2pb::hpack::field> f{
            {"content-type", ct}, {"x-grpc-web", "1"}, {"x-user-agent", "grpc-web-javascript/0.1"}};
        f.insert(f.end(), extra.begin(), extra.end());
        auto r = exchange("POST", path, std::move(f), std::move(pieces));
        INFO((r ? std::string() : r.error().to_string()));
        REQUIRE(r);
        return std::move(*r);
    }

    static ha::awaitable<void> run(ha::net::io_context& io, std::string url,
                                   std::string_view method, std::string_view path,
                                   std::vector<h2pb::hpack::field> extra,
                                   std::vector<std::string> pieces,
                                   ha::stream_result<ha::client_response>& out) {
        auto c = co_await ha::client::connect(io.get_executor(), *ha::parse_url(url), {});
        if (!c) {
            out = wire::failure{c.error()};
            co_return;
        }
        const auto fields = (*c)->request_fields(method, path, extra);
        auto st = co_await (*c)->open(fields, pieces.empty());
        if (!st) {
            out = wire::failure{st.error()};
            co_return;
        }
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            auto e = co_await st->write(wire::as_bytes(pieces[i]), i + 1 == pieces.size());
            if (e && !st->complete()) break;  // the response tells
        }
        auto e = co_await st->response();
        if (e) {
            out = wire::failure{e};
            (*c)->close();
            co_return;
        }
        ha::client_response r;
        r.status = st->status();
        for (const auto& f : st->headers()) r.headers.emplace_back(f.name, f.value);
        for (;;) {
            auto piece = co_await st->read();
            if (!piece) {
                out = wire::failure{piece.error()};
                (*c)->close();
                co_return;
            }
            if (piece->empty()) break;
            r.body.append(wire::as_chars(*piece));
        }
        for (const auto& f : st->trailers()) r.trailers.emplace_back(f.name, f.value);
        out = std::move(r);
        (*c)->close();
    }

    std::unique_ptr<ra::server> srv;
    std::atomic<bool> sleeper_cancelled{false};
    std::atomic<bool> late_write_failed{false};
};

constexpr std::string_view bin = "application/grpc-web+proto";
constexpr std::string_view text = "application/grpc-web-text+proto";

}  // namespace

TEST_CASE("grpc-web unary: the message, then the status as a 0x80 frame, no HTTP trailers") {
    fixture f;
    const auto r = f.call("/test.Echo/Say", bin, {frame("hello")});
    CHECK(r.status == 200);
    CHECK(find(r.headers, "content-type") == bin);
    CHECK(find(r.headers, "x-app") == "initial");
    CHECK(find(r.headers, "grpc-status") == "<absent>");
    CHECK(r.trailers.empty());
    // PROTOCOL-WEB.md "Message framing", written out by hand.
    CHECK(r.body ==
          frame("hello!") + "\x80\x00\x00\x00\x20"s + "grpc-status: 0\r\nx-trailer: end\r\n");
    // "application/grpc-web" means +proto; the response echoes the request.
    const auto r2 = f.call("/test.Echo/Say", "application/grpc-web", {frame("x")});
    CHECK(find(r2.headers, "content-type") == "application/grpc-web");
    CHECK(parse_body(web::content_kind::binary, r2.body).messages.at(0) == "x!");
}

TEST_CASE("grpc-web-text unary: base64 both ways, each flush padded on its own") {
    fixture f;
    const auto r = f.call("/test.Echo/Say", text, {"AAAAAAVoZWxsbw=="});
    CHECK(r.status == 200);
    CHECK(find(r.headers, "content-type") == text);
    // Python's base64.b64encode of frame("hello!"), then of the trailer frame.
    CHECK(r.body.starts_with("AAAAAAZoZWxsbyE="));
    const parsed p = parse_body(web::content_kind::text, r.body);
    REQUIRE(p.error == web::parse_errc::ok);
    REQUIRE(p.messages.size() == 1);
    CHECK(p.messages[0] == "hello!");
    CHECK(find(p.trailers, "grpc-status") == "0");
}

TEST_CASE("grpc-web-text request split across DATA frames at every offset, padded segments") {
    fixture f;
    // The prefix and the message as two padded encodings: b64("\0\0\0\0\5") b64("hello").
    const std::string body = "AAAAAAU=aGVsbG8=";
    for (std::size_t cut = 0; cut <= body.size(); ++cut) {
        INFO("cut at " << cut);
        std::vector<std::string> pieces{body.substr(0, cut), body.substr(cut)};
        const auto r = f.call("/test.Echo/Say", text, pieces);
        const parsed p = parse_body(web::content_kind::text, r.body);
        REQUIRE(p.messages.size() == 1);
        CHECK(p.messages[0] == "hello!");
    }
    // Unpadded at the very end is accepted too ("aGVsbG8" is "hello").
    const auto r = f.call("/test.Echo/Say", text, {"AAAAAAU=", "aGVsbG8"});
    CHECK(parse_body(web::content_kind::text, r.body).messages.at(0) == "hello!");
}

TEST_CASE("grpc-web-text: bad base64 ends the call INTERNAL, the offset in grpc-message") {
    fixture f;
    const auto r = f.call("/test.Echo/Say", text, {"AAAA", "AA*A"});
    CHECK(r.status == 200);
    CHECK(find(r.headers, "grpc-status") == "13");
    CHECK(find(r.headers, "grpc-message").find("offset 6") != std::string::npos);
    // A lone last character ("aGVs" then "b"): the text is truncated.
    const auto r2 = f.call("/test.Echo/Say", text, {"AAAAAAU=aGVsb"});
    CHECK(find(r2.headers, "grpc-status") == "13");
    CHECK(find(r2.headers, "grpc-message").find("ends inside a base64 quantum") !=
          std::string::npos);
    // Valid base64 of a cut message ("hell" of "hello"): the framing says so.
    const auto r3 = f.call("/test.Echo/Say", text, {"AAAAAAU=aGVsbA"});
    CHECK(find(r3.headers, "grpc-status") == "13");
    CHECK(find(r3.headers, "grpc-message").find("ends inside a base64") == std::string::npos);
}

TEST_CASE("grpc-web server streaming: 1,000 messages then the trailer frame, binary and text") {
    fixture f;
    for (auto [ct, kind] :
         {std::pair{bin, web::content_kind::binary}, std::pair{text, web::content_kind::text}}) {
        INFO(ct);
        const auto r = f.call(
            "/test.Echo/Stream", ct,
            {kind == web::content_kind::text ? "AAAAAAphYmNkZWZnaGlq" : frame("abcdefghij")});
        CHECK(find(r.headers, "content-type") == ct);
        const parsed p = parse_body(kind, r.body);
        REQUIRE(p.error == web::parse_errc::ok);
        REQUIRE(p.messages.size() == 1000);
        CHECK(p.messages[0] == "message 0");
        CHECK(p.messages[999] == "message 999");
        CHECK(find(p.trailers, "grpc-status") == "0");
        CHECK(r.trailers.empty());
    }
}

TEST_CASE("grpc-web: a non-OK status after a message is in the trailer frame") {
    fixture f;
    const auto r = f.call("/test.Echo/Half", bin, {frame("x")});
    CHECK(find(r.headers, "grpc-status") == "<absent>");
    // grpc-message is percent-encoded as in native gRPC ('%' is %25).
    CHECK(r.body == frame("partial") + "\x80\x00\x00\x00\x38"s +
                        "grpc-status: 10\r\ngrpc-message: stopped half way: 50%25\r\n");
}

TEST_CASE("grpc-web Trailers-Only: an error before any message is headers only") {
    fixture f;
    const auto r = f.call("/test.Echo/Say", bin, {frame("x")}, {{"x-status-message", "no report"}});
    CHECK(r.status == 200);
    CHECK(find(r.headers, "content-type") == bin);
    CHECK(find(r.headers, "grpc-status") == "5");
    CHECK(find(r.headers, "grpc-message") == "no report");
    CHECK(r.body.empty());
    CHECK(r.trailers.empty());
    const auto r2 = f.call("/test.Echo/Nope", text, {"AAAAAAA="});
    CHECK(find(r2.headers, "content-type") == text);
    CHECK(find(r2.headers, "grpc-status") == "12");
    CHECK(r2.body.empty());
}

TEST_CASE(
    "grpc-web: a call past its grpc-timeout ends DEADLINE_EXCEEDED, then the handler sees it") {
    // Native gRPC resets the stream with CANCEL at the deadline (the client
    // reports DEADLINE_EXCEEDED from its own timer); a gRPC-Web client gets
    // the status (here Trailers-Only: nothing was sent), grpc-status 4
    // (grpc's doc/statuscodes.md), as grpc C++ servers send it.
    fixture f;
    const auto start = std::chrono::steady_clock::now();
    const auto r = f.call("/test.Echo/Sleep", bin, {frame("x")}, {{"grpc-timeout", "100m"}});
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(r.status == 200);
    CHECK(find(r.headers, "grpc-status") == "4");
    CHECK(r.body.empty());
    CHECK(took >= 90ms);
    CHECK(took < 1500ms);
    for (int i = 0; i < 40 && !f.sleeper_cancelled; ++i) std::this_thread::sleep_for(100ms);
    CHECK(f.sleeper_cancelled);
}

TEST_CASE("grpc-web: past the deadline after a message, the trailer frame says DEADLINE_EXCEEDED") {
    fixture f;
    const auto r = f.call("/test.Echo/SlowStream", bin, {frame("x")}, {{"grpc-timeout", "100m"}});
    CHECK(r.status == 200);
    // PROTOCOL-WEB.md: the message frame, then the trailer frame (0x80, the
    // length, "name: value\r\n" lines); grpc-status 4 is DEADLINE_EXCEEDED
    // (grpc's doc/statuscodes.md).
    const std::string trailer = "grpc-status: 4\r\ngrpc-message: Deadline Exceeded\r\n";
    CHECK(r.body ==
          frame("first") + "\x80\x00\x00\x00"s + static_cast<char>(trailer.size()) + trailer);
    CHECK(r.trailers.empty());
    for (int i = 0; i < 40 && !f.late_write_failed; ++i) std::this_thread::sleep_for(100ms);
    CHECK(f.late_write_failed);
}

TEST_CASE("grpc-web client streaming: several messages in one body are served") {
    fixture f;
    const auto r = f.call("/test.Echo/Collect", bin, {frame("a") + frame("b"), frame("c")});
    const parsed p = parse_body(web::content_kind::binary, r.body);
    REQUIRE(p.messages.size() == 1);
    CHECK(p.messages[0] == "abc");
}

TEST_CASE("CORS preflight: an allowed origin gets 204 and the Access-Control-Allow-* fields") {
    fixture f;
    auto r = f.exchange("OPTIONS", "/test.Echo/Say",
                        {{"origin", allowed_origin},
                         {"access-control-request-method", "POST"},
                         {"access-control-request-headers",
                          "content-type,x-grpc-web,x-user-agent,grpc-timeout,x-app-token"}},
                        {});
    REQUIRE(r);
    CHECK(r->status == 204);
    CHECK(find(r->headers, "access-control-allow-origin") == allowed_origin);
    CHECK(find(r->headers, "access-control-allow-methods") == "POST");
    CHECK(find(r->headers, "access-control-allow-headers") ==
          "content-type,x-grpc-web,x-user-agent,grpc-timeout,x-app-token");
    CHECK(find(r->headers, "access-control-max-age") == "600");
    // Without Access-Control-Request-Headers: the headers gRPC-Web clients send.
    auto r2 =
        f.exchange("OPTIONS", "/test.Echo/Say",
                   {{"origin", allowed_origin}, {"access-control-request-method", "POST"}}, {});
    REQUIRE(r2);
    const std::string h = find(r2->headers, "access-control-allow-headers");
    for (auto name : {"content-type", "x-grpc-web", "x-user-agent", "grpc-timeout"})
        CHECK(h.find(name) != std::string::npos);
}

TEST_CASE("CORS preflight refused: another origin, or a method other than POST") {
    fixture f;
    for (auto [origin, method] : {std::pair{"https://evil.example", "POST"},
                                  std::pair{"https://app.example", "POST"},  // port differs
                                  std::pair{allowed_origin.data(), "PUT"}}) {
        INFO(origin << " " << method);
        auto r = f.exchange("OPTIONS", "/test.Echo/Say",
                            {{"origin", origin}, {"access-control-request-method", method}}, {});
        REQUIRE(r);
        CHECK(r->status == 403);
        CHECK(find(r->headers, "access-control-allow-origin") == "<absent>");
    }
    // No origin is allowed by default: same-origin pages only.
    fixture none(ra::server_options{});
    auto r =
        none.exchange("OPTIONS", "/test.Echo/Say",
                      {{"origin", allowed_origin}, {"access-control-request-method", "POST"}}, {});
    REQUIRE(r);
    CHECK(r->status == 403);
}

TEST_CASE("CORS on responses: allowed origins see Allow-Origin and Expose-Headers") {
    fixture f;
    const auto r = f.call("/test.Echo/Say", bin, {frame("x")}, {{"origin", allowed_origin}});
    CHECK(find(r.headers, "access-control-allow-origin") == allowed_origin);
    const std::string exposed = find(r.headers, "access-control-expose-headers");
    for (auto name : {"grpc-status", "grpc-message", "x-app"})
        CHECK(exposed.find(name) != std::string::npos);
    // Trailers-Only too: the page must read grpc-status from the headers.
    const auto r2 = f.call("/test.Echo/Nope", bin, {frame("x")}, {{"origin", allowed_origin}});
    CHECK(find(r2.headers, "grpc-status") == "12");
    CHECK(find(r2.headers, "access-control-allow-origin") == allowed_origin);
    // Another origin: served, but without CORS fields (the browser blocks it).
    const auto r3 =
        f.call("/test.Echo/Say", bin, {frame("x")}, {{"origin", "https://evil.example"}});
    CHECK(r3.status == 200);
    CHECK(find(r3.headers, "access-control-allow-origin") == "<absent>");
    CHECK(find(r3.headers, "access-control-expose-headers") == "<absent>");
    // "*" allows any origin (the Origin is echoed).
    auto o = web_options();
    o.grpc_web.allowed_origins = {"*"};
    fixture any(o);
    const auto r4 =
        any.call("/test.Echo/Say", bin, {frame("x")}, {{"origin", "http://localhost:3000"}});
    CHECK(find(r4.headers, "access-control-allow-origin") == "http://localhost:3000");
}

TEST_CASE("grpc-web content-types not served: +json, or gRPC-Web disabled, get HTTP 415") {
    fixture f;
    const auto r = f.call("/test.Echo/Say", "application/grpc-web+json", {frame("x")});
    CHECK(r.status == 415);
    auto o = web_options();
    o.grpc_web.enabled = false;
    fixture off(o);
    const auto r2 = off.call("/test.Echo/Say", bin, {frame("x")});
    CHECK(r2.status == 415);
    // Native gRPC on the same port is unchanged: HTTP trailers.
    const auto r3 = f.call("/test.Echo/Say", "application/grpc", {frame("x")});
    CHECK(find(r3.trailers, "grpc-status") == "0");
    CHECK(find(r3.headers, "access-control-allow-origin") == "<absent>");
}
