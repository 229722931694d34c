// Tests of rpc/server_call.hpp: every row of its state tables, with requests
// written from PROTOCOL-HTTP2.md's grammar.
#include <catch2/catch.hpp>

#include "call_recorder.hpp"

#include <h2pb/rpc/server_call.hpp>

using namespace h2pb;
using namespace call_test;
using namespace std::chrono_literals;
using rpc::status_code;
using fields = std::vector<hpack::field>;
using S = rpc::server_call;

namespace {

const rpc::time_point t0{};

fields request(std::string_view timeout = {}, std::string_view encoding = {}) {
    fields f = {{":method", "POST"},
                {":scheme", "http"},
                {":path", "/helloworld.Greeter/SayHello"},
                {":authority", "localhost"},
                {"content-type", "application/grpc"},
                {"te", "trailers"}};
    if (!timeout.empty()) f.push_back({"grpc-timeout", timeout});
    if (!encoding.empty()) f.push_back({"grpc-encoding", encoding});
    return f;
}

// 00 00000005 "hello": one uncompressed message of 5 bytes.
const std::string hello_frame("\x00\x00\x00\x00\x05hello", 10);

wire::bytes_view bytes(const std::string& s) {
    return wire::as_bytes(s);
}

}  // namespace

TEST_CASE("server_call: a unary call, from request headers to trailers") {
    rev_registry reg;
    S call(reg);
    recorder r;
    call.on_headers(request(), false, t0, r.handler());
    CHECK(r.log == log_t{"accepted"});
    CHECK(call.head().method() == "SayHello");
    CHECK(call.receive_state() == S::recv_state::open);
    call.on_data(bytes(hello_frame), true, r.handler());
    CHECK(r.log == log_t{"accepted", "message(hello)", "half_closed"});
    CHECK(call.receive_state() == S::recv_state::remote_closed);
    r.clear();
    REQUIRE(call.send_message(wire::as_bytes("hi"), r.handler()).ok());
    CHECK(r.log == log_t{"send_headers", "send_data(00000000026869)"});
    CHECK(r.value(0, ":status") == "200");
    CHECK(r.value(0, "content-type") == "application/grpc");
    CHECK(r.value(0, "grpc-accept-encoding") == "identity,rev");
    REQUIRE(call.finish({}, nullptr, r.handler()).ok());
    CHECK(r.log.back() == "send_headers+END");
    CHECK(r.sections.back() ==
          std::vector<std::pair<std::string, std::string>>{{"grpc-status", "0"}});
    CHECK(call.done());
    // Late input is ignored; sending again is refused.
    call.on_data(bytes(hello_frame), false, r.handler());
    CHECK(call.send_message(wire::as_bytes("x"), r.handler()).code ==
          status_code::failed_precondition);
    CHECK(call.finish({}, nullptr, r.handler()).code == status_code::failed_precondition);
}

TEST_CASE("server_call: request headers with END_STREAM, then Trailers-Only") {
    rpc::identity_only reg;
    S call(reg);
    recorder r;
    call.on_headers(request(), true, t0, r.handler());
    CHECK(r.log == log_t{"accepted", "half_closed"});
    REQUIRE(call.finish({status_code::not_found, "no such greeting"}, nullptr, r.handler()).ok());
    CHECK(r.log.back() == "send_headers+END");
    CHECK(r.value(0, ":status") == "200");
    CHECK(r.value(0, "grpc-status") == "5");
    CHECK(r.value(0, "grpc-message") == "no such greeting");
    CHECK(call.done());
}

TEST_CASE("server_call: finishing while the client still sends resets with NO_ERROR") {
    rpc::identity_only reg;
    S call(reg);
    recorder r;
    call.on_headers(request(), false, t0, r.handler());
    REQUIRE(call.finish({}, nullptr, r.handler()).ok());
    CHECK(r.log == log_t{"accepted", "send_headers+END", "send_reset(NO_ERROR)"});
}

TEST_CASE("server_call: rejected request headers") {
    rpc::identity_only reg;
    S call(reg);
    recorder r;
    fields bad = request();
    bad[0].value = "GET";
    call.on_headers(bad, true, t0, r.handler());
    CHECK(r.log == log_t{"send_headers+END", "rejected(405 UNIMPLEMENTED)"});
    CHECK(r.value(0, ":status") == "405");
    CHECK(call.done());

    S call2(reg);
    recorder r2;
    call2.on_headers(request({}, "gzip"), false, t0, r2.handler());
    CHECK(r2.log ==
          log_t{"send_headers+END", "send_reset(NO_ERROR)", "rejected(200 UNIMPLEMENTED)"});
    CHECK(r2.value(0, "grpc-accept-encoding") == "identity");
}

TEST_CASE("server_call: messages in any chunking, compressed with grpc-encoding") {
    rev_registry reg;
    // "olleh" reversed is "hello": flag 1, length 5.
    const std::string stream = std::string("\x01\x00\x00\x00\x05olleh", 10) + hello_frame;
    for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
        S call(reg);
        recorder r;
        call.on_headers(request({}, "rev"), false, t0, r.handler());
        for (std::size_t i = 0; i < stream.size(); i += chunk)
            call.on_data(bytes(stream).subspan(i, std::min(chunk, stream.size() - i)), false,
                         r.handler());
        call.on_data({}, true, r.handler());
        CHECK(r.messages == std::vector<std::string>{"hello", "hello"});
        CHECK(r.compressed == std::vector<bool>{true, false});
        CHECK(r.log.back() == "half_closed");
    }
}

TEST_CASE("server_call: responses compressed with the chosen codec") {
    rev_registry reg;
    S call(reg);
    recorder r;
    rev_codec rev;
    call.on_headers(request(), true, t0, r.handler());
    REQUIRE(call.send_headers(nullptr, &rev, r.handler()).ok());
    REQUIRE(call.send_message(wire::as_bytes("ab"), r.handler()).ok());
    CHECK(r.value(0, "grpc-encoding") == "rev");
    CHECK(r.log.back() == "send_data(01000000026261)");
    CHECK(call.send_headers(nullptr, nullptr, r.handler()).code ==
          status_code::failed_precondition);
}

TEST_CASE("server_call: a compressed message without grpc-encoding ends the call INTERNAL") {
    rpc::identity_only reg;
    S call(reg);
    recorder r;
    call.on_headers(request(), false, t0, r.handler());
    call.on_data(bytes(std::string("\x01\x00\x00\x00\x01x", 6)), false, r.handler());
    CHECK(r.log ==
          log_t{"accepted", "send_headers+END", "send_reset(NO_ERROR)", "ended(INTERNAL)"});
    CHECK(r.value(0, "grpc-status") == "13");  // Trailers-Only: nothing was sent yet
    CHECK(call.done());
}

TEST_CASE("server_call: a message over the receive limit is RESOURCE_EXHAUSTED") {
    rpc::identity_only reg;
    rpc::call_settings st;
    st.max_receive_message_size = 4;
    S call(reg, st);
    recorder r;
    call.on_headers(request(), false, t0, r.handler());
    REQUIRE(call.send_headers(nullptr, nullptr, r.handler()).ok());
    call.on_data(bytes(hello_frame), true, r.handler());
    CHECK(r.ended.code == status_code::resource_exhausted);
    CHECK(r.ended.message == "Received message larger than max (5 vs. 4)");
    CHECK(r.value(1, "grpc-status") == "8");  // Trailers after the headers
    CHECK(r.value(1, ":status") == "<absent>");
}

TEST_CASE("server_call: END_STREAM inside a message is INTERNAL") {
    rpc::identity_only reg;
    S call(reg);
    recorder r;
    call.on_headers(request(), false, t0, r.handler());
    call.on_data(bytes(hello_frame.substr(0, 7)), true, r.handler());
    CHECK(r.log == log_t{"accepted", "send_headers+END", "ended(INTERNAL)"});  // no reset: closed
}

TEST_CASE("server_call: request trailers are a protocol error") {
    rpc::identity_only reg;
    S call(reg);
    recorder r;
    call.on_headers(request(), false, t0, r.handler());
    call.on_headers(fields{{"x", "y"}}, true, t0, r.handler());
    CHECK(r.log ==
          log_t{"accepted", "send_headers+END", "send_reset(PROTOCOL_ERROR)", "ended(INTERNAL)"});
}

TEST_CASE("server_call: peer RST_STREAM maps through code_from_rst_stream") {
    rpc::identity_only reg;
    const std::pair<h2::error_code, status_code> table[] = {
        {h2::error_code::cancel, status_code::cancelled},
        {h2::error_code::refused_stream, status_code::unavailable},
        {h2::error_code::enhance_your_calm, status_code::resource_exhausted},
        {h2::error_code::inadequate_security, status_code::permission_denied},
        {h2::error_code::protocol_error, status_code::internal},
    };
    for (const auto& [code, want] : table) {
        S call(reg);
        recorder r;
        call.on_headers(request(), false, t0, r.handler());
        call.on_reset(code, r.handler());
        CHECK(r.ended.code == want);
        CHECK(r.retryable == (code == h2::error_code::refused_stream));
        CHECK(call.done());
        CHECK(call.send_message(wire::as_bytes("x"), r.handler()).code ==
              status_code::failed_precondition);
        call.on_reset(code, r.handler());  // once only
        CHECK(r.log.size() == 2);
    }
}

TEST_CASE("server_call: grpc-timeout sets a deadline; expiry is DEADLINE_EXCEEDED + CANCEL") {
    rpc::identity_only reg;
    S call(reg);
    recorder r;
    call.on_headers(request("100m"), false, t0, r.handler());
    REQUIRE(call.deadline() == t0 + 100ms);
    call.on_tick(t0 + 99ms, r.handler());
    CHECK(r.log == log_t{"accepted"});
    call.on_tick(t0 + 100ms, r.handler());
    CHECK(r.log ==
          log_t{"accepted", "send_headers+END", "send_reset(CANCEL)", "ended(DEADLINE_EXCEEDED)"});
    CHECK(r.value(0, "grpc-status") == "4");
    call.on_tick(t0 + 1s, r.handler());
    CHECK(r.log.size() == 4);

    S forever(reg);
    recorder r2;
    forever.on_headers(request("99999999H"), false, t0, r2.handler());
    CHECK(forever.deadline() == rpc::time_point::max());
    forever.on_tick(t0 + 1000h, r2.handler());
    CHECK(r2.log == log_t{"accepted"});
}
