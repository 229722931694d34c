// Tests of rpc/client_call.hpp: every row of its state tables, with responses
// written from PROTOCOL-HTTP2.md's grammar (Response-Headers, Trailers,
// Trailers-Only) and http-grpc-status-mapping.md.
#include <catch2/catch.hpp>

#include "call_recorder.hpp"

#include <h2pb/rpc/client_call.hpp>
#include <h2pb/rpc/server_call.hpp>

#include <functional>

using namespace h2pb;
using namespace call_test;
using namespace std::chrono_literals;
using rpc::status_code;
using fields = std::vector<hpack::field>;
using C = rpc::client_call;

namespace {

const rpc::time_point t0{};

rpc::request_options options() {
    rpc::request_options o;
    o.path = "/helloworld.Greeter/SayHello";
    o.authority = "localhost:50051";
    o.now = t0;
    return o;
}

const fields response_headers = {{":status", "200"}, {"content-type", "application/grpc"}};
const fields ok_trailers = {{"grpc-status", "0"}};
const std::string hello_frame("\x00\x00\x00\x00\x05hello", 10);
wire::bytes_view bytes(const std::string& s) {
    return wire::as_bytes(s);
}

/// A started call (headers sent).
struct started {
    rev_registry reg;
    C call{reg};
    recorder r;
    explicit started(rpc::request_options o = options(), rpc::codec* c = nullptr) {
        REQUIRE(call.start(o, c, r.handler()).ok());
    }
};

}  // namespace

TEST_CASE("client_call: a unary call end to end") {
    started s;
    CHECK(s.r.log == log_t{"send_headers"});
    CHECK(s.r.value(0, ":method") == "POST");
    CHECK(s.r.value(0, "te") == "trailers");
    CHECK(s.r.value(0, "grpc-accept-encoding") == "identity,rev");
    CHECK(s.r.value(0, "grpc-timeout") == "<absent>");
    REQUIRE(s.call.send_message(wire::as_bytes("hi"), s.r.handler()).ok());
    REQUIRE(s.call.close_send(s.r.handler()).ok());
    CHECK(s.call.send_message(wire::as_bytes("x"), s.r.handler()).code ==
          status_code::failed_precondition);
    s.call.on_headers(response_headers, false, s.r.handler());
    s.call.on_data(bytes(hello_frame), false, s.r.handler());
    s.call.on_headers(ok_trailers, true, s.r.handler());
    CHECK(s.r.log == log_t{"send_headers", "send_data(00000000026869)", "send_data()+END",
                           "headers", "message(hello)", "ended(OK)"});
    CHECK(s.call.done());
    CHECK(s.call.final_status().ok());
}

TEST_CASE("client_call: a deadline becomes grpc-timeout; expiry is DEADLINE_EXCEEDED + CANCEL") {
    auto o = options();
    o.deadline = t0 + 250ms;
    started s(o);
    CHECK(s.r.value(0, "grpc-timeout") == "250000u");
    s.call.on_tick(t0 + 249ms, s.r.handler());
    CHECK(s.r.log.size() == 1);
    s.call.on_tick(t0 + 250ms, s.r.handler());
    CHECK(s.r.log == log_t{"send_headers", "send_reset(CANCEL)", "ended(DEADLINE_EXCEEDED)"});
    s.call.on_headers(ok_trailers, true, s.r.handler());  // late: ignored
    CHECK(s.r.log.size() == 3);
}

TEST_CASE("client_call: a deadline already past ends the call without sending") {
    rpc::identity_only reg;
    C call(reg);
    recorder r;
    auto o = options();
    o.deadline = t0;
    REQUIRE(call.start(o, nullptr, r.handler()).ok());
    CHECK(r.log == log_t{"ended(DEADLINE_EXCEEDED)"});
}

TEST_CASE("client_call: Trailers-Only") {
    started s;
    s.call.on_headers(fields{{":status", "200"},
                             {"content-type", "application/grpc"},
                             {"grpc-status", "12"},
                             {"grpc-message", "unknown%20method"}},
                      true, s.r.handler());
    // We had not half-closed: our half is reset with NO_ERROR, as grpc-go.
    CHECK(s.r.log == log_t{"send_headers", "send_reset(NO_ERROR)", "ended(UNIMPLEMENTED)"});
    CHECK(s.r.ended.message == "unknown method");
}

TEST_CASE("client_call: non-200 or non-gRPC responses") {
    {
        started s;
        s.call.on_headers(fields{{":status", "503"}, {"content-type", "text/html"}}, true,
                          s.r.handler());
        CHECK(s.r.ended.code == status_code::unavailable);
    }
    {
        started s;
        s.call.on_headers(fields{{":status", "404"}, {"content-type", "text/html"}}, false,
                          s.r.handler());
        CHECK(s.r.log == log_t{"send_headers", "send_reset(CANCEL)", "ended(UNIMPLEMENTED)"});
    }
    {
        started s;
        s.call.on_headers(fields{{":status", "200"}, {"content-type", "text/html"}}, false,
                          s.r.handler());
        CHECK(s.r.ended.code == status_code::unknown);
    }
    {
        started s;  // 100 Continue is skipped
        s.call.on_headers(fields{{":status", "100"}}, false, s.r.handler());
        CHECK(s.r.log.size() == 1);
        s.call.on_headers(response_headers, false, s.r.handler());
        CHECK(s.r.log.back() == "headers");
    }
}

TEST_CASE("client_call: END_STREAM on DATA without trailers is INTERNAL") {
    started s;
    REQUIRE(s.call.close_send(s.r.handler()).ok());
    s.call.on_headers(response_headers, false, s.r.handler());
    s.call.on_data(bytes(hello_frame), true, s.r.handler());
    CHECK(s.r.log.back() == "ended(INTERNAL)");
    CHECK(s.r.ended.message == "server closed the stream without sending trailers");
}

TEST_CASE("client_call: trailers after a cut message are INTERNAL") {
    started s;
    s.call.on_headers(response_headers, false, s.r.handler());
    s.call.on_data(bytes(hello_frame.substr(0, 8)), false, s.r.handler());
    s.call.on_headers(ok_trailers, true, s.r.handler());
    CHECK(s.r.ended.code == status_code::internal);
}

TEST_CASE("client_call: protocol errors") {
    {
        started s;  // DATA before headers
        s.call.on_data(bytes(hello_frame), false, s.r.handler());
        CHECK(s.r.log == log_t{"send_headers", "send_reset(PROTOCOL_ERROR)", "ended(INTERNAL)"});
    }
    {
        started s;  // a second header section without END_STREAM
        s.call.on_headers(response_headers, false, s.r.handler());
        s.call.on_headers(response_headers, false, s.r.handler());
        CHECK(s.r.log.back() == "ended(INTERNAL)");
        CHECK(s.r.log[s.r.log.size() - 2] == "send_reset(PROTOCOL_ERROR)");
    }
}

TEST_CASE("client_call: compressed messages both ways") {
    rev_codec rev;
    started s(options(), &rev);
    CHECK(s.r.value(0, "grpc-encoding") == "rev");
    REQUIRE(s.call.send_message(wire::as_bytes("ab"), s.r.handler()).ok());
    CHECK(s.r.log.back() == "send_data(01000000026261)");
    s.call.on_headers(
        fields{{":status", "200"}, {"content-type", "application/grpc"}, {"grpc-encoding", "rev"}},
        false, s.r.handler());
    s.call.on_data(bytes(std::string("\x01\x00\x00\x00\x05olleh", 10)), false, s.r.handler());
    // Compressed-Flag 0 is allowed on a call with an encoding (compression.md).
    s.call.on_data(bytes(std::string("\x00\x00\x00\x00\x02hi", 7)), false, s.r.handler());
    CHECK(s.r.messages == std::vector<std::string>{"hello", "hi"});
    CHECK(s.r.compressed == std::vector<bool>{true, false});
    // A compressed message while the server said identity: INTERNAL.
    started t;
    t.call.on_headers(response_headers, false, t.r.handler());
    t.call.on_data(bytes(std::string("\x01\x00\x00\x00\x01x", 6)), false, t.r.handler());
    CHECK(t.r.log.back() == "ended(INTERNAL)");
    // An encoding we cannot decompress: INTERNAL.
    started u;
    u.call.on_headers(
        fields{
            {":status", "200"}, {"content-type", "application/grpc"}, {"grpc-encoding", "snappy"}},
        false, u.r.handler());
    CHECK(u.r.log == log_t{"send_headers", "send_reset(CANCEL)", "ended(INTERNAL)"});
}

TEST_CASE("client_call: a message over the receive limit is RESOURCE_EXHAUSTED") {
    rpc::identity_only reg;
    rpc::call_settings st;
    st.max_receive_message_size = 4;
    C call(reg, st);
    recorder r;
    REQUIRE(call.start(options(), nullptr, r.handler()).ok());
    call.on_headers(response_headers, false, r.handler());
    call.on_data(bytes(hello_frame), false, r.handler());
    CHECK(r.log ==
          log_t{"send_headers", "headers", "send_reset(CANCEL)", "ended(RESOURCE_EXHAUSTED)"});
}

TEST_CASE("client_call: RST_STREAM from the server") {
    const std::pair<h2::error_code, status_code> table[] = {
        {h2::error_code::cancel, status_code::cancelled},
        {h2::error_code::refused_stream, status_code::unavailable},
        {h2::error_code::enhance_your_calm, status_code::resource_exhausted},
        {h2::error_code::internal_error, status_code::internal},
    };
    for (const auto& [code, want] : table) {
        started s;
        s.call.on_reset(code, s.r.handler());
        CHECK(s.r.ended.code == want);
        CHECK(s.r.retryable == (code == h2::error_code::refused_stream));
        CHECK(s.r.log.size() == 2);  // send_headers, ended: no reset back
    }
}

TEST_CASE("client_call: cancel") {
    started s;
    s.call.cancel(s.r.handler());
    CHECK(s.r.log == log_t{"send_headers", "send_reset(CANCEL)", "ended(CANCELLED)"});
    s.call.cancel(s.r.handler());
    CHECK(s.r.log.size() == 3);
}

// The two state machines against each other: every action of one is the
// input of the other (as two h2 endpoints would carry them), with a
// bidirectional streaming echo, compression both ways, and metadata.
TEST_CASE("client_call and server_call: a streaming echo, compressed both ways") {
    rev_registry reg;
    rev_codec client_codec, server_codec;
    rpc::client_call client(reg);
    rpc::server_call server(reg);
    std::vector<std::string> client_got;
    rpc::status final;
    rpc::metadata trailing_seen;
    bool server_half_closed = false;

    // Copies of the header sections in flight (the call reuses its buffers).
    struct section {
        std::vector<std::pair<std::string, std::string>> kv;
        bool end;
        fields view() const {
            fields f;
            for (const auto& [k, v] : kv) f.push_back({k, v});
            return f;
        }
    };
    std::vector<section> to_server_h, to_client_h;
    std::vector<std::pair<std::string, bool>> to_server_d, to_client_d;
    auto copy = [](const rpc::send_headers& e) {
        section s{{}, e.end_stream};
        for (const auto& f : e.fields) s.kv.emplace_back(f.name, f.value);
        return s;
    };
    std::function<void(const rpc::message_received&)> echo;
    auto on_server = [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, rpc::send_headers>)
            to_client_h.push_back(copy(e));
        else if constexpr (std::is_same_v<E, rpc::send_data>)
            to_client_d.emplace_back(wire::to_string(e.bytes), e.end_stream);
        else if constexpr (std::is_same_v<E, rpc::message_received>)
            echo(e);
        else if constexpr (std::is_same_v<E, rpc::half_closed>)
            server_half_closed = true;
    };
    echo = [&](const rpc::message_received& m) {
        const std::string upper = wire::to_string(m.bytes) + "!";
        REQUIRE(server.send_message(wire::as_bytes(upper), on_server).ok());
    };
    auto on_client = [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, rpc::send_headers>)
            to_server_h.push_back(copy(e));
        else if constexpr (std::is_same_v<E, rpc::send_data>)
            to_server_d.emplace_back(wire::to_string(e.bytes), e.end_stream);
        else if constexpr (std::is_same_v<E, rpc::message_received>)
            client_got.push_back(wire::to_string(e.bytes));
        else if constexpr (std::is_same_v<E, rpc::call_ended>)
            final = e.st;
    };
    auto pump = [&] {
        for (const auto& s : to_server_h) server.on_headers(s.view(), s.end, t0, on_server);
        to_server_h.clear();
        for (const auto& [d, end] : to_server_d) server.on_data(wire::as_bytes(d), end, on_server);
        to_server_d.clear();
        for (const auto& s : to_client_h) client.on_headers(s.view(), s.end, on_client);
        to_client_h.clear();
        for (const auto& [d, end] : to_client_d) client.on_data(wire::as_bytes(d), end, on_client);
        to_client_d.clear();
    };

    rpc::metadata md;
    REQUIRE(md.add("x-trace-bin", std::string_view("\0\xff", 2)) == rpc::metadata_errc::ok);
    auto o = options();
    o.md = &md;
    o.deadline = t0 + 5s;
    REQUIRE(client.start(o, &client_codec, on_client).ok());
    pump();
    REQUIRE(server.head().md.get("x-trace-bin") == std::string_view("\0\xff", 2));
    REQUIRE(server.deadline() == t0 + 5s);
    REQUIRE(server.head().accepts("rev"));
    REQUIRE(server.send_headers(nullptr, &server_codec, on_server).ok());
    for (const char* m : {"one", "two", ""}) {
        REQUIRE(client.send_message(wire::as_bytes(m), on_client).ok());
        pump();
    }
    REQUIRE(client.close_send(on_client).ok());
    pump();
    CHECK(server_half_closed);
    rpc::metadata trailing;
    REQUIRE(trailing.add("x-count", "3") == rpc::metadata_errc::ok);
    REQUIRE(server.finish({status_code::ok, "done 100%"}, &trailing, on_server).ok());
    pump();
    CHECK(server.done());
    CHECK(client.done());
    CHECK(client_got == std::vector<std::string>{"one!", "two!", "!"});
    CHECK(final.ok());
    CHECK(final.message == "done 100%");
    CHECK(client.trailing_metadata().get("x-count") == "3");
    CHECK(client.response().encoding == "rev");
}
