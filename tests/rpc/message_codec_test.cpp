// Tests of rpc/message_codec.hpp: messages with the 5-byte prefix of
// PROTOCOL-HTTP2.md, compressed by a fake codec, and every error's status.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <h2pb/rpc/message_codec.hpp>

using namespace h2pb;
using rpc::decode_result;
using rpc::status_code;

namespace {

/// "Compresses" by reversing the bytes and appending the marker 'Z'; a text
/// without the marker is corrupt. Honours the decompression limit.
struct rev_codec final : rpc::codec {
    std::string_view name() const noexcept override { return "rev"; }
    rpc::compress_errc compress(wire::bytes_view in, wire::buffer& out) override {
        for (std::size_t i = in.size(); i > 0; --i) out.push_back(in[i - 1]);
        out.push_back('Z');
        return rpc::compress_errc::ok;
    }
    rpc::compress_errc decompress(wire::bytes_view in, std::size_t max,
                                  wire::buffer& out) override {
        if (in.empty() || in.back() != 'Z') return rpc::compress_errc::corrupt;
        if (in.size() - 1 > max) return rpc::compress_errc::too_large;
        for (std::size_t i = in.size() - 1; i > 0; --i) out.push_back(in[i - 1]);
        return rpc::compress_errc::ok;
    }
};

/// Every input byte inflates to 1000 copies: a compression bomb.
struct bomb_codec final : rpc::codec {
    std::string_view name() const noexcept override { return "bomb"; }
    rpc::compress_errc compress(wire::bytes_view, wire::buffer&) override {
        return rpc::compress_errc::failed;
    }
    rpc::compress_errc decompress(wire::bytes_view in, std::size_t max,
                                  wire::buffer& out) override {
        for (const auto b : in) {
            for (int i = 0; i < 1000; ++i) {
                if (out.size() == max) return rpc::compress_errc::too_large;
                out.push_back(b);
            }
        }
        return rpc::compress_errc::ok;
    }
};

std::string hex_of(wire::bytes_view b) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (const auto x : b) {
        s += digits[x >> 4];
        s += digits[x & 15];
    }
    return s;
}

struct decoded {
    std::vector<std::string> messages;
    rpc::status st;
};

decoded decode_all(wire::bytes_view stream, rpc::codec* c, std::uint32_t max = 1 << 20,
                   std::size_t chunk = 3) {
    decoded out;
    rpc::message_decoder dec(max, c);
    for (std::size_t from = 0; from < stream.size() || from == 0; from += chunk) {
        REQUIRE(dec.feed(stream.subspan(from, std::min(chunk, stream.size() - from))));
        wire::bytes_view m;
        decode_result r;
        while ((r = dec.next(m)) == decode_result::message)
            out.messages.push_back(wire::to_string(m));
        if (r == decode_result::failed) {
            out.st = dec.error();
            return out;
        }
        if (stream.empty()) break;
    }
    out.st = dec.finish();
    return out;
}

}  // namespace

TEST_CASE("encode_message: the prefix of PROTOCOL-HTTP2.md") {
    wire::buffer out;
    // { weight: 150, name: "Apple" }: 10 protobuf bytes 08 96 01 12 05 'Apple'
    const std::string apple(
        "\x08\x96\x01\x12\x05"
        "Apple",
        10);
    REQUIRE(rpc::encode_message(out, wire::as_bytes(apple)).ok());
    CHECK(hex_of(out) == "000000000a08960112054170706c65");
    rev_codec rev;
    out.clear();
    REQUIRE(rpc::encode_message(out, wire::as_bytes("abc"), &rev).ok());
    // flag 1, length 4, "cbaZ"
    CHECK(hex_of(out) ==
          "0100000004"
          "6362615a");
}

TEST_CASE("encode_message: max send size, checked on the wire size") {
    wire::buffer out;
    out.append(std::string_view("keep"));
    auto s = rpc::encode_message(out, wire::as_bytes("12345"), nullptr, 4);
    CHECK(s.code == status_code::resource_exhausted);
    CHECK(s.message == "trying to send message larger than max (5 vs. 4)");
    CHECK(out.chars() == "keep");
    rev_codec rev;
    s = rpc::encode_message(out, wire::as_bytes("1234"), &rev, 4);  // 5 after "compression"
    CHECK(s.code == status_code::resource_exhausted);
    CHECK(out.chars() == "keep");
    CHECK(rpc::encode_message(out, wire::as_bytes("1234"), nullptr, 4).ok());
    bomb_codec bomb;
    CHECK(rpc::encode_message(out, wire::as_bytes("x"), &bomb).code == status_code::internal);
    CHECK(out.size() == 4 + 5 + 4);
}

TEST_CASE("message_decoder: plain and compressed messages in any chunking") {
    rev_codec rev;
    wire::buffer stream;
    REQUIRE(rpc::encode_message(stream, wire::as_bytes("hello"), &rev).ok());
    REQUIRE(rpc::encode_message(stream, wire::as_bytes("plain")).ok());
    REQUIRE(rpc::encode_message(stream, wire::as_bytes(""), &rev).ok());
    REQUIRE(rpc::encode_message(stream, wire::as_bytes("")).ok());
    for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
        const auto d = decode_all(stream, &rev, 1 << 20, chunk);
        CHECK(d.st.ok());
        CHECK(d.messages == std::vector<std::string>{"hello", "plain", "", ""});
    }
}

TEST_CASE("message_decoder: a compressed flag without grpc-encoding is INTERNAL") {
    rev_codec rev;
    wire::buffer stream;
    REQUIRE(rpc::encode_message(stream, wire::as_bytes("hello"), &rev).ok());
    const auto d = decode_all(stream, nullptr);
    CHECK(d.st.code == status_code::internal);
    CHECK(d.messages.empty());
}

TEST_CASE("message_decoder: a bad flag is INTERNAL") {
    const std::string bad("\x02\x00\x00\x00\x00", 5);
    CHECK(decode_all(wire::as_bytes(bad), nullptr).st.code == status_code::internal);
}

TEST_CASE("message_decoder: Message-Length over the max is RESOURCE_EXHAUSTED before buffering") {
    // Prefix announcing 1 MiB + 1, and no body at all: refused on the prefix.
    const std::string prefix("\x00\x00\x10\x00\x01", 5);
    const auto d = decode_all(wire::as_bytes(prefix), nullptr, 1 << 20);
    CHECK(d.st.code == status_code::resource_exhausted);
    CHECK(d.st.message == "Received message larger than max (1048577 vs. 1048576)");
}

TEST_CASE("message_decoder: inflating past the max is RESOURCE_EXHAUSTED") {
    bomb_codec bomb;
    const std::string m("\x01\x00\x00\x00\x02xy", 7);  // 2 bytes -> 2000
    auto d = decode_all(wire::as_bytes(m), &bomb, 1999);
    CHECK(d.st.code == status_code::resource_exhausted);
    CHECK(d.st.message.find("after decompression") != std::string::npos);
    d = decode_all(wire::as_bytes(m), &bomb, 2000);
    CHECK(d.st.ok());
    REQUIRE(d.messages.size() == 1);
    CHECK(d.messages[0].size() == 2000);
}

TEST_CASE("message_decoder: corrupt compressed bytes are INTERNAL") {
    rev_codec rev;
    const std::string m(
        "\x01\x00\x00\x00\x03"
        "abc",
        8);  // no 'Z' marker
    const auto d = decode_all(wire::as_bytes(m), &rev);
    CHECK(d.st.code == status_code::internal);
}

TEST_CASE("message_decoder: END_STREAM inside a message is INTERNAL") {
    const std::string partial(
        "\x00\x00\x00\x00\x05"
        "ab",
        7);
    const auto d = decode_all(wire::as_bytes(partial), nullptr);
    CHECK(d.st.code == status_code::internal);
    const std::string half_prefix("\x00\x00", 2);
    CHECK(decode_all(wire::as_bytes(half_prefix), nullptr).st.code == status_code::internal);
    CHECK(decode_all(wire::bytes_view{}, nullptr).st.ok());
}
