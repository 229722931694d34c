// wire/bytes.hpp: views between characters and bytes, without copies.
#include <catch2/catch.hpp>
#include <string>

#include <h2pb/wire/bytes.hpp>

using namespace h2pb;

TEST_CASE("as_bytes and as_chars view the same memory", "[wire][bytes]") {
    std::string s = "Apple";
    wire::bytes_view b = wire::as_bytes(s);
    CHECK(b.size() == 5);
    CHECK(static_cast<const void*>(b.data()) == static_cast<const void*>(s.data()));
    CHECK(b[0] == 0x41);
    CHECK(wire::as_chars(b) == "Apple");
    CHECK(wire::to_string(b) == s);
    CHECK(wire::equal(b, wire::as_bytes("Apple")));
    CHECK_FALSE(wire::equal(b, wire::as_bytes("Apples")));
}
