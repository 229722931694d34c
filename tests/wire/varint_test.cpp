// wire/varint.hpp: LEB128 varints. Expected bytes come from the protobuf
// encoding guide (150 -> 96 01) and from the definition of LEB128.
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <test_support.hpp>

#include <h2pb/wire/varint.hpp>

using namespace h2pb;
using h2pb::test::hex;

namespace {
std::string encode(std::uint64_t v) {
    wire::byte out[wire::max_varint_size + 1] = {};
    wire::byte* end = wire::write_varint(out, v);
    return wire::to_hex({out, static_cast<std::size_t>(end - out)});
}
}  // namespace

TEST_CASE("varint encodes the protobuf guide's examples", "[wire][varint]") {
    CHECK(encode(0) == "00");
    CHECK(encode(1) == "01");
    CHECK(encode(127) == "7f");
    CHECK(encode(128) == "80 01");
    CHECK(encode(150) == "96 01");
    CHECK(encode(300) == "ac 02");
    CHECK(encode(16383) == "ff 7f");
    CHECK(encode(16384) == "80 80 01");
    CHECK(encode(std::numeric_limits<std::uint64_t>::max()) == "ff ff ff ff ff ff ff ff ff 01");
    // -1 as int32/int64 is sign-extended to 64 bits: ten bytes on the wire.
    CHECK(encode(static_cast<std::uint64_t>(std::int64_t{-1})) == "ff ff ff ff ff ff ff ff ff 01");
}

TEST_CASE("varint_size agrees with the encoder at every bit width", "[wire][varint]") {
    for (int bits = 0; bits <= 64; ++bits) {
        const std::uint64_t v = bits == 0 ? 0 : (bits == 64 ? ~0ull : (1ull << bits) - 1);
        wire::byte out[wire::max_varint_size];
        const auto n = static_cast<std::size_t>(wire::write_varint(out, v) - out);
        INFO("bits=" << bits);
        CHECK(wire::varint_size(v) == n);
        CHECK(n == (bits == 0 ? 1 : static_cast<std::size_t>((bits + 6) / 7)));
    }
}

TEST_CASE("varint decodes what it encodes, with its length", "[wire][varint]") {
    const std::uint64_t values[] = {0,
                                    1,
                                    127,
                                    128,
                                    150,
                                    300,
                                    16383,
                                    16384,
                                    1u << 21,
                                    1ull << 28,
                                    (1ull << 35) - 1,
                                    1ull << 42,
                                    1ull << 49,
                                    1ull << 56,
                                    1ull << 63,
                                    ~0ull};
    for (auto v : values) {
        wire::byte buf[wire::max_varint_size];
        const auto n = static_cast<std::size_t>(wire::write_varint(buf, v) - buf);
        auto r = wire::decode_varint({buf, n});
        REQUIRE(r);
        CHECK(r->value == v);
        CHECK(r->length == n);
    }
}

TEST_CASE("varint decodes with trailing bytes after it", "[wire][varint]") {
    auto b = hex("96 01 ff ff");
    auto r = wire::decode_varint(b);
    REQUIRE(r);
    CHECK(r->value == 150);
    CHECK(r->length == 2);
}

TEST_CASE("varint accepts a non-minimal encoding up to ten bytes", "[wire][varint]") {
    // 1 spelled with redundant continuation groups is still a valid LEB128.
    auto r = wire::decode_varint(hex("81 80 80 80 80 80 80 80 80 00"));
    REQUIRE(r);
    CHECK(r->value == 1);
    CHECK(r->length == 10);
}

TEST_CASE("varint rejects empty input as truncated", "[wire][varint][error]") {
    auto r = wire::decode_varint({});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == wire::errc::truncated);
    CHECK(r.error().offset == 0);
}

TEST_CASE("varint rejects input that ends inside the varint", "[wire][varint][error]") {
    for (const char* text : {"80", "96", "ff ff", "ff ff ff ff ff ff ff ff ff"}) {
        INFO(text);
        auto r = wire::decode_varint(hex(text));
        REQUIRE_FALSE(r);
        CHECK(r.error().code == wire::errc::truncated);
    }
}

TEST_CASE("varint rejects an 11th byte", "[wire][varint][error]") {
    // The 10th byte has its continuation bit set: the encoding is longer than 10 bytes.
    auto r = wire::decode_varint(hex("ff ff ff ff ff ff ff ff ff 81 00"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == wire::errc::varint_too_long);
    CHECK(r.error().offset == 9);
}

TEST_CASE("varint rejects a 10th byte with more than one bit", "[wire][varint][error]") {
    auto r = wire::decode_varint(hex("ff ff ff ff ff ff ff ff ff 02"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == wire::errc::varint_overflow);
    CHECK(r.error().offset == 9);
    // Same rule on the short-input (checked) path.
    auto r2 = wire::decode_varint(hex("80 80 80 80 80 80 80 80 80 7f"));
    REQUIRE_FALSE(r2);
    CHECK(r2.error().code == wire::errc::varint_overflow);
}

TEST_CASE("parse_varint never reads past end", "[wire][varint][error]") {
    // A varint whose continuation bits promise more than the span holds.
    auto b = hex("ff ff ff");
    std::uint64_t v = 0;
    CHECK(wire::parse_varint(b.data(), b.data() + 2, &v) == nullptr);
    CHECK(wire::varint_error(b.data(), b.data() + 2) == wire::errc::truncated);
}
