// hpack/compare.hpp: equal_octets agrees with memcmp at every length and at
// every position of a difference.
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include <h2pb/hpack/compare.hpp>

TEST_CASE("equal_octets matches memcmp for lengths 0..40 and each differing octet",
          "[hpack][compare]") {
    for (std::size_t n = 0; n <= 40; ++n) {
        const std::string a(n, 'x');
        CHECK(h2pb::hpack::equal_octets(a.data(), a.data(), n));
        for (std::size_t i = 0; i < n; ++i) {
            std::string b = a;
            b[i] = 'y';
            INFO("length " << n << " differs at " << i);
            CHECK_FALSE(h2pb::hpack::equal_octets(a.data(), b.data(), n));
            CHECK_FALSE(h2pb::hpack::equal_octets(a, b));
        }
    }
    CHECK_FALSE(h2pb::hpack::equal_octets(std::string_view("abc"), std::string_view("abcd")));
    CHECK(h2pb::hpack::equal_octets(std::string_view(""), std::string_view("")));
}
