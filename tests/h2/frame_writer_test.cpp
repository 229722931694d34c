// h2/frame_writer.hpp: frames written from the RFC 9113 §6 layouts, byte for
// byte, and read back by h2/frame.hpp.
#include <catch2/catch.hpp>
#include <test_support.hpp>

#include <h2pb/h2/frame.hpp>
#include <h2pb/h2/frame_writer.hpp>

using namespace h2pb;
using namespace h2pb::h2;

namespace {
std::string hex_of(const wire::buffer& b) {
    return test::hex_of(b.view());
}

any_frame reparse(const wire::buffer& b) {
    auto h = parse_frame_header(b.data());
    REQUIRE(h.length == b.size() - frame_header_size);
    auto r = parse_frame(h, b.view().subspan(frame_header_size), max_max_frame_size);
    REQUIRE(r);
    return *r;
}
}  // namespace

TEST_CASE("§3.4 client preface octets", "[h2][frame_writer]") {
    CHECK(test::hex_of(wire::as_bytes(client_preface)) ==
          test::hex_of(test::hex("505249202a20485454502f322e300d0a0d0a534d0d0a0d0a")));
}

TEST_CASE("§6.1 DATA written with and without padding", "[h2][frame_writer]") {
    wire::buffer b;
    write_data(b, 1, wire::as_bytes("hello"), true);
    CHECK(hex_of(b) == "00 00 05 00 01 00 00 00 01 68 65 6c 6c 6f");
    b.clear();
    write_data(b, 3, wire::as_bytes("hi"), false, 3);
    CHECK(hex_of(b) == "00 00 06 00 08 00 00 00 03 03 68 69 00 00 00");
    auto f = std::get<data_frame>(reparse(b));
    CHECK(wire::as_chars(f.data) == "hi");
    CHECK(f.pad_length == 3);
}

TEST_CASE("§6.2 HEADERS written with priority and padding", "[h2][frame_writer]") {
    wire::buffer b;
    priority_fields pri{1, true, 255};
    write_headers(b, 3, test::hex("82 84"),
                  {.end_stream = true, .end_headers = true, .pad = 2, .priority = &pri});
    CHECK(hex_of(b) == "00 00 0a 01 2d 00 00 00 03 02 80 00 00 01 ff 82 84 00 00");
    auto f = std::get<headers_frame>(reparse(b));
    CHECK(f.priority == pri);
    b.clear();
    write_headers(b, 1, test::hex("82"), {.end_headers = false});
    CHECK(hex_of(b) == "00 00 01 01 00 00 00 00 01 82");
}

TEST_CASE("§6.3-§6.10 control frames byte for byte", "[h2][frame_writer]") {
    wire::buffer b;
    write_priority(b, 5, {3, false, 15});
    CHECK(hex_of(b) == "00 00 05 02 00 00 00 00 05 00 00 00 03 0f");
    b.clear();
    write_rst_stream(b, 1, error_code::cancel);
    CHECK(hex_of(b) == "00 00 04 03 00 00 00 00 01 00 00 00 08");
    b.clear();
    const setting s[] = {{0x3, 100}, {0x4, 1u << 20}};
    write_settings(b, s);
    CHECK(hex_of(b) == "00 00 0c 04 00 00 00 00 00 00 03 00 00 00 64 00 04 00 10 00 00");
    b.clear();
    write_settings_ack(b);
    CHECK(hex_of(b) == "00 00 00 04 01 00 00 00 00");
    b.clear();
    write_push_promise(b, 1, 2, test::hex("82"));
    CHECK(hex_of(b) == "00 00 05 05 04 00 00 00 01 00 00 00 02 82");
    b.clear();
    write_ping(b, 0x0102030405060708ull, true);
    CHECK(hex_of(b) == "00 00 08 06 01 00 00 00 00 01 02 03 04 05 06 07 08");
    b.clear();
    write_goaway(b, 7, error_code::protocol_error, wire::as_bytes("x"));
    CHECK(hex_of(b) == "00 00 09 07 00 00 00 00 00 00 00 00 07 00 00 00 01 78");
    b.clear();
    write_window_update(b, 0, 0x7fffffff);
    CHECK(hex_of(b) == "00 00 04 08 00 00 00 00 00 7f ff ff ff");
    b.clear();
    write_continuation(b, 1, test::hex("84"), true);
    CHECK(hex_of(b) == "00 00 01 09 04 00 00 00 01 84");
}

TEST_CASE("written frames parse back to the same fields", "[h2][frame_writer]") {
    wire::buffer b;
    write_goaway(b, 0x7fffffff, error_code::no_error);
    auto g = std::get<goaway_frame>(reparse(b));
    CHECK(g.last_stream_id == 0x7fffffff);
    CHECK(g.code == error_code::no_error);
    b.clear();
    write_push_promise(b, 1, 6, test::hex("82 86"), false, 4);
    auto p = std::get<push_promise_frame>(reparse(b));
    CHECK(p.promised_stream_id == 6);
    CHECK(p.pad_length == 4);
    CHECK_FALSE(p.end_headers);
    CHECK(test::hex_of(p.fragment) == "82 86");
    b.clear();
    write_frame(b, static_cast<frame_type>(0xfa), 0x3, 9, wire::as_bytes("ext"));
    CHECK(std::holds_alternative<unknown_frame>(reparse(b)));
}
