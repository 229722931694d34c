// h2/frame.hpp: the frame header and each payload layout of RFC 9113 §4.1/§6,
// with golden bytes written out from the RFC's frame figures, and every
// frame-level rule mapped to its errc (and so to its error code and scope).
#include <catch2/catch.hpp>
#include <test_support.hpp>

#include <deque>

#include <h2pb/h2/frame.hpp>

using namespace h2pb;
using namespace h2pb::h2;
using h2pb::test::hex;

namespace {
frame_header header_of(const wire::buffer& b) {
    return parse_frame_header(b.data());
}
wire::bytes_view payload_of(const wire::buffer& b) {
    return b.view().subspan(frame_header_size);
}

// Parsed frames view the input: keep every input alive for the whole run.
const wire::buffer& keep(wire::buffer b) {
    static std::deque<wire::buffer> inputs;
    return inputs.emplace_back(std::move(b));
}

template <class F>
F parse_as(wire::buffer in, std::uint32_t max_frame_size = 16384) {
    const wire::buffer& b = keep(std::move(in));
    auto r = parse_frame(header_of(b), payload_of(b), max_frame_size);
    REQUIRE(r);
    REQUIRE(std::holds_alternative<F>(*r));
    return std::get<F>(*r);
}

errc parse_error(const wire::buffer& b, std::uint32_t max_frame_size = 16384) {
    auto r = parse_frame(header_of(b), payload_of(b), max_frame_size);
    REQUIRE_FALSE(r);
    return r.error().code;
}
}  // namespace

TEST_CASE("§4.1 frame header: 24-bit length, type, flags, reserved bit ignored", "[h2][frame]") {
    // Length 0x012345, type 0x07, flags 0xff, R=1 and stream 0x7ffffffe.
    auto b = hex("01 23 45 07 ff ff ff ff fe");
    auto h = parse_frame_header(b.data());
    CHECK(h.length == 0x012345);
    CHECK(h.type == frame_type::goaway);
    CHECK(h.flags == 0xff);
    CHECK(h.stream_id == 0x7ffffffe);  // reserved bit dropped

    wire::byte out[9];
    store_frame_header(out, h);
    CHECK(test::hex_of(wire::bytes_view(out, 9)) == "01 23 45 07 ff 7f ff ff fe");  // R sent as 0
}

TEST_CASE("frame type and flag names come from the RFC", "[h2][frame]") {
    CHECK(name(frame_type::window_update) == "WINDOW_UPDATE");
    CHECK(name(static_cast<frame_type>(0x0a)) == "UNKNOWN");
    CHECK(flag_name(frame_type::data, 0x01) == "END_STREAM");
    CHECK(flag_name(frame_type::settings, 0x01) == "ACK");
    CHECK(flag_name(frame_type::headers, 0x20) == "PRIORITY");
    CHECK(flag_name(frame_type::data, 0x20) == "");  // unused flag for DATA
    CHECK(defined_flags(frame_type::rst_stream) == 0);
}

TEST_CASE("§6.1 DATA plain and padded", "[h2][frame]") {
    // DATA, END_STREAM, stream 1, "hello".
    auto f = parse_as<data_frame>(hex("00 00 05 00 01 00 00 00 01 68 65 6c 6c 6f"));
    CHECK(f.end_stream);
    CHECK(wire::as_chars(f.data) == "hello");
    CHECK_FALSE(f.padded);

    // PADDED: Pad Length 3, "hi", 3 octets of padding; unused flag 0x20 ignored.
    auto p = parse_as<data_frame>(hex("00 00 06 00 28 00 00 00 03 03 68 69 00 00 00"));
    CHECK(p.padded);
    CHECK(p.pad_length == 3);
    CHECK(wire::as_chars(p.data) == "hi");
    CHECK_FALSE(p.end_stream);

    // Pad Length = payload length - 1: empty data is allowed.
    auto e = parse_as<data_frame>(hex("00 00 03 00 08 00 00 00 03 02 00 00"));
    CHECK(e.data.empty());
}

TEST_CASE("§6.1 DATA padding errors", "[h2][frame][error]") {
    // Padding equal to the payload length -> PROTOCOL_ERROR (connection).
    CHECK(parse_error(hex("00 00 03 00 08 00 00 00 01 03 00 00")) == errc::padding_too_long);
    CHECK(code_of(errc::padding_too_long) == error_code::protocol_error);
    CHECK(scope_of(errc::padding_too_long) == error_scope::connection);
    // PADDED without room for the Pad Length octet -> FRAME_SIZE_ERROR.
    CHECK(parse_error(hex("00 00 00 00 08 00 00 00 01")) == errc::frame_too_short);
    CHECK(code_of(errc::frame_too_short) == error_code::frame_size_error);
    // Stream 0.
    CHECK(parse_error(hex("00 00 00 00 00 00 00 00 00")) == errc::data_on_stream_zero);
}

TEST_CASE("§6.2 HEADERS with padding and priority", "[h2][frame]") {
    // PADDED|PRIORITY|END_HEADERS|END_STREAM = 0x2d, stream 3: pad 2, E=1 dep 1
    // weight 255, fragment 82 84, padding 00 00.
    auto f = parse_as<headers_frame>(
        hex("00 00 0a 01 2d 00 00 00 03  02  80 00 00 01 ff  82 84  00 00"));
    CHECK(f.end_stream);
    CHECK(f.end_headers);
    CHECK(f.has_priority);
    CHECK(f.priority.exclusive);
    CHECK(f.priority.dependency == 1);
    CHECK(f.priority.weight == 255);
    CHECK(f.pad_length == 2);
    CHECK(test::hex_of(f.fragment) == "82 84");

    // No flags: the whole payload is the fragment.
    auto g = parse_as<headers_frame>(hex("00 00 01 01 00 00 00 00 01 82"));
    CHECK_FALSE(g.end_headers);
    CHECK(test::hex_of(g.fragment) == "82");
}

TEST_CASE("§6.2 HEADERS errors", "[h2][frame][error]") {
    CHECK(parse_error(hex("00 00 01 01 04 00 00 00 00 82")) == errc::headers_on_stream_zero);
    // Pad length 5 in a 5-octet payload.
    CHECK(parse_error(hex("00 00 05 01 0c 00 00 00 01 05 82 00 00 00")) == errc::padding_too_long);
    // PRIORITY flag with only 4 octets.
    CHECK(parse_error(hex("00 00 04 01 24 00 00 00 01 00 00 00 00")) == errc::frame_too_short);
    // PADDED|PRIORITY where the padding leaves no room for the priority fields.
    CHECK(parse_error(hex("00 00 05 01 2c 00 00 00 01 01 00 00 00 00")) == errc::frame_too_short);
    // Depends on itself (RFC 7540 §5.3.1) -> stream error.
    CHECK(parse_error(hex("00 00 05 01 24 00 00 00 01 00 00 00 01 10")) ==
          errc::stream_depends_on_itself);
    CHECK(scope_of(errc::stream_depends_on_itself) == error_scope::stream);
}

TEST_CASE("§6.3 PRIORITY", "[h2][frame]") {
    auto f = parse_as<priority_frame>(hex("00 00 05 02 00 00 00 00 05 00 00 00 03 0f"));
    CHECK(f.priority.dependency == 3);
    CHECK_FALSE(f.priority.exclusive);
    CHECK(f.priority.weight == 15);
    CHECK(parse_error(hex("00 00 04 02 00 00 00 00 05 00 00 00 03")) == errc::priority_bad_length);
    CHECK(scope_of(errc::priority_bad_length) == error_scope::stream);  // §6.3: stream error
    CHECK(parse_error(hex("00 00 05 02 00 00 00 00 00 00 00 00 03 0f")) ==
          errc::priority_on_stream_zero);
}

TEST_CASE("§6.4 RST_STREAM", "[h2][frame]") {
    auto f = parse_as<rst_stream_frame>(hex("00 00 04 03 00 00 00 00 01 00 00 00 08"));
    CHECK(f.code == error_code::cancel);
    // Unknown error codes are kept as they are (§7).
    auto u = parse_as<rst_stream_frame>(hex("00 00 04 03 00 00 00 00 01 00 00 01 00"));
    CHECK(static_cast<std::uint32_t>(u.code) == 0x100);
    CHECK(name(u.code) == "UNKNOWN");
    CHECK(parse_error(hex("00 00 05 03 00 00 00 00 01 00 00 00 08 00")) ==
          errc::rst_stream_bad_length);
    CHECK(parse_error(hex("00 00 04 03 00 00 00 00 00 00 00 00 08")) ==
          errc::rst_stream_on_stream_zero);
}

TEST_CASE("§6.5 SETTINGS", "[h2][frame]") {
    // SETTINGS_MAX_CONCURRENT_STREAMS = 100, SETTINGS_INITIAL_WINDOW_SIZE = 1 MiB,
    // unknown id 0x99 = 7.
    auto f = parse_as<settings_frame>(
        hex("00 00 12 04 00 00 00 00 00  00 03 00 00 00 64  00 04 00 10 00 00  00 99 00 00 00 07"));
    REQUIRE(f.size() == 3);
    CHECK(f[0] == setting{0x3, 100});
    CHECK(f[1] == setting{0x4, 1 << 20});
    CHECK(f[2] == setting{0x99, 7});
    CHECK_FALSE(f.ack);
    auto ack = parse_as<settings_frame>(hex("00 00 00 04 01 00 00 00 00"));
    CHECK(ack.ack);

    CHECK(parse_error(hex("00 00 05 04 00 00 00 00 00 00 03 00 00 00")) ==
          errc::settings_bad_length);
    CHECK(code_of(errc::settings_bad_length) == error_code::frame_size_error);
    CHECK(parse_error(hex("00 00 06 04 01 00 00 00 00 00 03 00 00 00 64")) ==
          errc::settings_ack_with_payload);
    CHECK(parse_error(hex("00 00 00 04 00 00 00 00 01")) == errc::settings_on_stream);
}

TEST_CASE("§6.6 PUSH_PROMISE", "[h2][frame]") {
    auto f = parse_as<push_promise_frame>(hex("00 00 06 05 04 00 00 00 01 80 00 00 02 82 84"));
    CHECK(f.promised_stream_id == 2);  // reserved bit ignored
    CHECK(f.end_headers);
    CHECK(test::hex_of(f.fragment) == "82 84");
    auto p = parse_as<push_promise_frame>(hex("00 00 07 05 0c 00 00 00 01 01 00 00 00 04 82 00"));
    CHECK(p.promised_stream_id == 4);
    CHECK(test::hex_of(p.fragment) == "82");
    CHECK(parse_error(hex("00 00 03 05 04 00 00 00 01 00 00 00")) == errc::frame_too_short);
    CHECK(parse_error(hex("00 00 04 05 04 00 00 00 00 00 00 00 02")) ==
          errc::push_promise_on_stream_zero);
}

TEST_CASE("§6.7 PING", "[h2][frame]") {
    auto f = parse_as<ping_frame>(hex("00 00 08 06 01 00 00 00 00 01 02 03 04 05 06 07 08"));
    CHECK(f.ack);
    CHECK(f.value() == 0x0102030405060708ull);
    CHECK(parse_error(hex("00 00 07 06 00 00 00 00 00 01 02 03 04 05 06 07")) ==
          errc::ping_bad_length);
    CHECK(parse_error(hex("00 00 08 06 00 00 00 00 01 01 02 03 04 05 06 07 08")) ==
          errc::ping_on_stream);
}

TEST_CASE("§6.8 GOAWAY", "[h2][frame]") {
    auto f =
        parse_as<goaway_frame>(hex("00 00 0b 07 00 00 00 00 00 ff ff ff ff 00 00 00 0b 61 62 63"));
    CHECK(f.last_stream_id == 0x7fffffff);
    CHECK(f.code == error_code::enhance_your_calm);
    CHECK(wire::as_chars(f.debug_data) == "abc");
    CHECK(parse_error(hex("00 00 07 07 00 00 00 00 00 00 00 00 01 00 00 00")) ==
          errc::frame_too_short);
    CHECK(parse_error(hex("00 00 08 07 00 00 00 00 03 00 00 00 01 00 00 00 00")) ==
          errc::goaway_on_stream);
}

TEST_CASE("§6.9 WINDOW_UPDATE", "[h2][frame]") {
    auto f = parse_as<window_update_frame>(hex("00 00 04 08 00 00 00 00 01 ff ff ff ff"));
    CHECK(f.increment == 0x7fffffff);  // reserved bit ignored
    CHECK(parse_error(hex("00 00 04 08 00 00 00 00 01 00 00 00 00")) ==
          errc::window_update_zero_increment_stream);
    CHECK(scope_of(errc::window_update_zero_increment_stream) == error_scope::stream);
    CHECK(parse_error(hex("00 00 04 08 00 00 00 00 00 80 00 00 00")) ==
          errc::window_update_zero_increment_connection);
    CHECK(scope_of(errc::window_update_zero_increment_connection) == error_scope::connection);
    CHECK(parse_error(hex("00 00 03 08 00 00 00 00 01 00 00 01")) ==
          errc::window_update_bad_length);
}

TEST_CASE("§6.10 CONTINUATION", "[h2][frame]") {
    auto f = parse_as<continuation_frame>(hex("00 00 02 09 04 00 00 00 01 82 84"));
    CHECK(f.end_headers);
    CHECK(test::hex_of(f.fragment) == "82 84");
    CHECK(parse_error(hex("00 00 00 09 04 00 00 00 00")) == errc::continuation_on_stream_zero);
}

TEST_CASE("§4.1 unknown frame types are returned for discarding, on any stream", "[h2][frame]") {
    auto f = parse_as<unknown_frame>(hex("00 00 03 ee ff 00 00 00 00 01 02 03"));
    CHECK(f.payload.size() == 3);
}

TEST_CASE("§4.2 frame size checked against SETTINGS_MAX_FRAME_SIZE", "[h2][frame][error]") {
    frame_header h{16385, frame_type::data, 0, 1};
    CHECK(check_frame_header(h, 16384) == errc::frame_too_large);
    CHECK(check_frame_header(h, 16385) == errc::ok);
    CHECK(code_of(errc::frame_too_large) == error_code::frame_size_error);
    // Fixed lengths are checked from the header alone, before any payload.
    CHECK(check_frame_header({1 << 20, frame_type::ping, 0, 0}, 1 << 24) == errc::ping_bad_length);
    CHECK(check_frame_header({12, frame_type::settings, 0, 0}, 16384) == errc::ok);
    // Error offsets point into the caller's input.
    auto b = hex("00 00 03 00 08 00 00 00 01 03 00 00");
    auto r = parse_frame(parse_frame_header(b.data()), b.view().subspan(9), 16384, 100);
    REQUIRE_FALSE(r);
    CHECK(r.error().offset == 109);
    auto r2 = parse_frame({5, frame_type::ping, 0, 0}, {}, 16384, 100);
    CHECK(r2.error().offset == 100);
}
