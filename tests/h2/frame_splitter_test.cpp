// h2/frame_reader.hpp's frame_splitter: whole frames out of a byte stream cut
// anywhere. The bytes are written out by hand from RFC 9113's figures (§3.4
// the client preface, §4.1 the frame header: Length (24), Type (8), Flags
// (8), R (1), Stream Identifier (31)), and every split of them must give the
// same frames, at the same offsets.
#include <catch2/catch.hpp>
#include <test_support.hpp>

#include <string>
#include <vector>

#include <h2pb/h2/frame_reader.hpp>

using namespace h2pb;
using namespace h2pb::h2;
using h2pb::test::hex;

namespace {

// §3.4: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".
const std::string preface_hex = "505249202a20485454502f322e300d0a0d0a534d0d0a0d0a";
// SETTINGS (type 4), no flags, stream 0, no parameters.
const std::string settings_hex = "000000 04 00 00000000";
// PING (type 6), ACK (0x1), stream 0, 8 octets of opaque data.
const std::string ping_hex = "000008 06 01 00000000 0102030405060708";
// DATA (type 0), END_STREAM (0x1), stream 1 with the reserved bit set (which
// a receiver ignores, §4.1), 3 octets.
const std::string data_hex = "000003 00 01 80000001 616263";

struct seen {
    frame_splitter::kind what;
    frame_header header;
    std::string header_octets, payload;
    std::size_t offset = 0;
    errc error = errc::ok;
    std::size_t error_offset = 0;
    bool operator==(const seen&) const = default;
};

std::string str(wire::bytes_view b) {
    return std::string(wire::as_chars(b));
}

/// Feeds `in` cut at `cuts` (increasing offsets) and records every event.
std::vector<seen> split(const wire::buffer& in, const std::vector<std::size_t>& cuts,
                        frame_splitter s) {
    std::vector<seen> out;
    std::size_t from = 0;
    auto run = [&](std::size_t to) {
        s.feed(in.view().subspan(from, to - from));
        for (auto e = s.next(); e.what != frame_splitter::kind::need_more; e = s.next()) {
            out.push_back({e.what, e.frame.header, str(e.frame.header_octets), str(e.frame.payload),
                           e.frame.offset, e.error.code, e.error.offset});
            if (e.what == frame_splitter::kind::error) break;
        }
        from = to;
    };
    for (std::size_t c : cuts) run(c);
    run(in.size());
    return out;
}

}  // namespace

TEST_CASE("frame_splitter: the preface and three frames, at their offsets",
          "[h2][frame_splitter]") {
    const wire::buffer in = hex(preface_hex + " " + settings_hex + " " + ping_hex + " " + data_hex);
    const auto ev = split(in, {}, frame_splitter(true));
    using k = frame_splitter::kind;
    REQUIRE(ev.size() == 4);
    CHECK(ev[0].what == k::preface);

    CHECK(ev[1].what == k::frame);
    CHECK(ev[1].header == frame_header{0, frame_type::settings, 0, 0});
    CHECK(ev[1].offset == 24);
    CHECK(ev[1].payload.empty());

    CHECK(ev[2].header == frame_header{8, frame_type::ping, 0x1, 0});
    CHECK(ev[2].offset == 24 + 9);
    CHECK(ev[2].payload == std::string("\x01\x02\x03\x04\x05\x06\x07\x08"));

    CHECK(ev[3].header == frame_header{3, frame_type::data, 0x1, 1});
    CHECK(ev[3].offset == 24 + 9 + 17);
    CHECK(ev[3].payload == "abc");
    // The header octets as received: the reserved bit is still there.
    CHECK(ev[3].header_octets == str(hex("000003000180000001").view()));
}

TEST_CASE("frame_splitter: every split of the input gives the same events",
          "[h2][frame_splitter]") {
    const wire::buffer in = hex(preface_hex + " " + settings_hex + " " + ping_hex + " " + data_hex);
    const auto whole = split(in, {}, frame_splitter(true));
    for (std::size_t a = 0; a <= in.size(); ++a) {
        for (std::size_t b = a; b <= in.size(); ++b) {
            INFO("cut at " << a << " and " << b);
            REQUIRE(split(in, {a, b}, frame_splitter(true)) == whole);
        }
    }
    for (std::size_t n = 1; n <= in.size(); ++n) {  // chunks of n octets
        std::vector<std::size_t> cuts;
        for (std::size_t c = n; c < in.size(); c += n) cuts.push_back(c);
        INFO("chunks of " << n);
        REQUIRE(split(in, cuts, frame_splitter(true)) == whole);
    }
}

TEST_CASE("frame_splitter: a wrong preface octet is an error at its offset",
          "[h2][frame_splitter]") {
    // "PRI * HTTP/1.1...": octet 11 ('2' -> '1') is wrong.
    std::string bad = preface_hex;
    bad.replace(22, 2, "31");
    const wire::buffer in = hex(bad + settings_hex);
    for (std::size_t cut = 0; cut <= in.size(); ++cut) {
        INFO("cut at " << cut);
        const auto ev = split(in, {cut}, frame_splitter(true));
        REQUIRE(ev.size() == 1);
        CHECK(ev[0].what == frame_splitter::kind::error);
        CHECK(ev[0].error == errc::bad_preface);
        CHECK(ev[0].error_offset == 11);
    }
}

TEST_CASE("frame_splitter: a frame over the size limit is an error before its payload",
          "[h2][frame_splitter]") {
    // §4.2: 16385 octets announced, SETTINGS_MAX_FRAME_SIZE 16384.
    const wire::buffer in = hex(settings_hex +
                                "004001"
                                "00"
                                "00"
                                "00000001");
    frame_splitter s(false, 16384);
    s.feed(in.view());
    auto e = s.next();
    REQUIRE(e.what == frame_splitter::kind::frame);
    e = s.next();
    REQUIRE(e.what == frame_splitter::kind::error);
    CHECK(e.error.code == errc::frame_too_large);
    CHECK(e.error.offset == 9);
    CHECK(s.failed());
    CHECK(s.next().what == frame_splitter::kind::need_more);
    // The same frame with the limit at 2^24-1 (the default): no error, it
    // waits for its payload.
    frame_splitter any;
    any.feed(in.view());
    CHECK(any.next().what == frame_splitter::kind::frame);
    CHECK(any.next().what == frame_splitter::kind::need_more);
    CHECK_FALSE(any.failed());
}

TEST_CASE("frame_splitter: tail() tells what the input ended inside", "[h2][frame_splitter]") {
    using p = frame_splitter::partial::part;
    SECTION("between frames") {
        frame_splitter s;
        const wire::buffer in = hex(settings_hex);
        s.feed(in.view());
        while (s.next().what != frame_splitter::kind::need_more) {
        }
        CHECK(s.tail().what == p::none);
    }
    SECTION("inside a frame header") {
        frame_splitter s(false, max_max_frame_size, 100);  // these bytes start at offset 100
        const wire::buffer a = hex(settings_hex + "0000");
        const wire::buffer b = hex("08");
        s.feed(a.view());
        while (s.next().what != frame_splitter::kind::need_more) {
        }
        s.feed(b.view());
        CHECK(s.next().what == frame_splitter::kind::need_more);
        const auto t = s.tail();
        CHECK(t.what == p::header);
        CHECK(t.offset == 109);
        CHECK(t.have == 3);
    }
    SECTION("inside a payload") {
        frame_splitter s;
        const wire::buffer in = hex("000008 06 01 00000000 0102030405");  // 5 of 8 octets
        s.feed(in.view());
        CHECK(s.next().what == frame_splitter::kind::need_more);
        const auto t = s.tail();
        CHECK(t.what == p::payload);
        CHECK(t.offset == 0);
        CHECK(t.have == 5);
        CHECK(t.header == frame_header{8, frame_type::ping, 0x1, 0});
    }
    SECTION("inside the preface") {
        frame_splitter s(true);
        const wire::buffer in = hex(preface_hex.substr(0, 20));
        s.feed(in.view());
        CHECK(s.next().what == frame_splitter::kind::need_more);
        const auto t = s.tail();
        CHECK(t.what == p::preface);
        CHECK(t.have == 10);
    }
}

TEST_CASE("frame_splitter: an empty frame at the end of a chunk is complete at once",
          "[h2][frame_splitter]") {
    frame_splitter s;
    const wire::buffer in = hex(settings_hex);
    s.feed(in.view());
    const auto e = s.next();
    REQUIRE(e.what == frame_splitter::kind::frame);
    CHECK(e.frame.header.type == frame_type::settings);
    CHECK(s.tail().what == frame_splitter::partial::part::none);
}
