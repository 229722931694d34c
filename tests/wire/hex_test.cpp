// wire/hex.hpp: the hex text the tools and tests read and print.
#include <catch2/catch.hpp>

#include <h2pb/wire/hex.hpp>

using namespace h2pb;

TEST_CASE("hex parses the forms people paste", "[wire][hex]") {
    for (const char* text :
         {"0a 06 61", "0a0661", "0x0a,0x06,0x61", "0A:06:61", "0a 06 # comment\n 61\n"}) {
        INFO(text);
        wire::buffer b;
        REQUIRE_FALSE(wire::parse_hex(text, b));
        CHECK(wire::to_hex(b) == "0a 06 61");
    }
}

TEST_CASE("hex rejects a stray character with its offset", "[wire][hex][error]") {
    wire::buffer b;
    auto e = wire::parse_hex("0a zz", b);
    CHECK(e.code == wire::hex_errc::bad_character);
    CHECK(e.offset == 3);
}

TEST_CASE("hex rejects an odd digit count", "[wire][hex][error]") {
    wire::buffer b;
    CHECK(wire::parse_hex("0a 6", b).code == wire::hex_errc::odd_digits);
    CHECK(wire::parse_hex("0a6 61", b).code == wire::hex_errc::odd_digits);
}

TEST_CASE("to_hex with and without a separator", "[wire][hex]") {
    const wire::byte b[] = {0x00, 0xff, 0x10};
    CHECK(wire::to_hex(b) == "00 ff 10");
    CHECK(wire::to_hex(b, '\0') == "00ff10");
}
