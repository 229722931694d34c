// hpack/integer.hpp: N-bit prefix integers (RFC 7541 §5.1). Expected bytes are
// RFC 7541 Appendix C.1; the limits are h2pb's (32 bits, 5 continuation octets).
#include <catch2/catch.hpp>
#include <cstdint>
#include <test_support.hpp>

#include <h2pb/hpack/integer.hpp>

using namespace h2pb;
using h2pb::test::hex;

namespace {
std::string encode(std::uint32_t v, unsigned prefix, wire::byte first = 0) {
    wire::byte out[hpack::max_integer_size + 1] = {};
    wire::byte* end = hpack::encode_integer(out, v, prefix, first);
    return wire::to_hex({out, static_cast<std::size_t>(end - out)});
}
}  // namespace

TEST_CASE("C.1.1: 10 with a 5-bit prefix is one octet", "[hpack][integer]") {
    CHECK(encode(10, 5) == "0a");
    // The three bits above the prefix belong to the representation.
    CHECK(encode(10, 5, 0xe0) == "ea");
    const auto r = hpack::decode_integer(hex("ea"), 5);
    REQUIRE(r);
    CHECK(r->value == 10);
    CHECK(r->length == 1);
}

TEST_CASE("C.1.2: 1337 with a 5-bit prefix is 1f 9a 0a", "[hpack][integer]") {
    CHECK(encode(1337, 5) == "1f 9a 0a");
    const auto r = hpack::decode_integer(hex("1f 9a 0a ff"), 5);
    REQUIRE(r);
    CHECK(r->value == 1337);
    CHECK(r->length == 3);
}

TEST_CASE("C.1.3: 42 starting at an octet boundary (8-bit prefix) is 2a", "[hpack][integer]") {
    CHECK(encode(42, 8) == "2a");
    const auto r = hpack::decode_integer(hex("2a"), 8);
    REQUIRE(r);
    CHECK(r->value == 42);
}

TEST_CASE("every prefix width round-trips the boundary values", "[hpack][integer]") {
    for (unsigned n = 1; n <= 8; ++n) {
        const std::uint32_t max_prefix = (1u << n) - 1;
        const std::uint32_t values[] = {0,
                                        max_prefix - 1,
                                        max_prefix,
                                        max_prefix + 1,
                                        max_prefix + 127,
                                        max_prefix + 128,
                                        1u << 14,
                                        1u << 21,
                                        1u << 28,
                                        UINT32_MAX - 1,
                                        UINT32_MAX};
        for (std::uint32_t v : values) {
            INFO("prefix " << n << " value " << v);
            wire::byte out[hpack::max_integer_size] = {};
            wire::byte* end = hpack::encode_integer(out, v, n, 0);
            const auto length = static_cast<std::size_t>(end - out);
            CHECK(length == hpack::integer_size(v, n));
            CHECK(length <= hpack::max_integer_size);
            const auto r = hpack::decode_integer({out, length}, n);
            REQUIRE(r);
            CHECK(r->value == v);
            CHECK(r->length == length);
        }
    }
}

TEST_CASE("the largest value, 2^32-1, takes 5 continuation octets", "[hpack][integer]") {
    // 2^32-1 - 31 = 0xffffffe0 -> e0 ff ff ff 0f
    CHECK(encode(UINT32_MAX, 5) == "1f e0 ff ff ff 0f");
    const auto r = hpack::decode_integer(hex("1f e0 ff ff ff 0f"), 5);
    REQUIRE(r);
    CHECK(r->value == UINT32_MAX);
}

TEST_CASE("integer errors: truncated, overflow, too many continuation octets", "[hpack][integer]") {
    SECTION("empty input") {
        const auto r = hpack::decode_integer({}, 5);
        REQUIRE_FALSE(r);
        CHECK(r.error() == hpack::error{hpack::errc::truncated, 0});
    }
    SECTION("prefix full and nothing follows") {
        const auto r = hpack::decode_integer(hex("1f"), 5);
        REQUIRE_FALSE(r);
        CHECK(r.error() == hpack::error{hpack::errc::truncated, 1});
    }
    SECTION("input ends after a continuation octet that says more follow") {
        const auto r = hpack::decode_integer(hex("1f 9a"), 5);
        REQUIRE_FALSE(r);
        CHECK(r.error() == hpack::error{hpack::errc::truncated, 2});
    }
    SECTION("2^32 overflows 32 bits: the octet that carries it is blamed") {
        const auto r = hpack::decode_integer(hex("1f e1 ff ff ff 0f"), 5);
        REQUIRE_FALSE(r);
        CHECK(r.error() == hpack::error{hpack::errc::integer_overflow, 5});
    }
    SECTION("8-bit prefix overflow") {
        const auto r = hpack::decode_integer(hex("ff ff ff ff ff 0f"), 8);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == hpack::errc::integer_overflow);
    }
    SECTION("five continuation octets of zeros are fine") {
        const auto r = hpack::decode_integer(hex("1f 80 80 80 80 00"), 5);
        REQUIRE(r);
        CHECK(r->value == 31);
    }
    SECTION("a sixth continuation octet is too long, even if it adds nothing") {
        const auto r = hpack::decode_integer(hex("1f 80 80 80 80 80 00"), 5);
        REQUIRE_FALSE(r);
        CHECK(r.error() == hpack::error{hpack::errc::integer_too_long, 6});
    }
}
