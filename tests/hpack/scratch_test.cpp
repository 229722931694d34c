// hpack/scratch.hpp: views into the scratch stay put however much is written
// after them, and a reused scratch stops allocating.
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include <h2pb/hpack/scratch.hpp>

using h2pb::hpack::scratch;

TEST_CASE("written octets never move until reset", "[hpack][scratch]") {
    scratch s;
    s.reset();
    std::vector<std::pair<const std::uint8_t*, std::string>> written;
    for (int i = 0; i < 2000; ++i) {
        const std::string text(static_cast<std::size_t>(i % 97 + 1),
                               static_cast<char>('a' + i % 26));
        written.emplace_back(s.copy(text.data(), text.size()), text);
    }
    for (const auto& [where, text] : written) {
        REQUIRE(std::memcmp(where, text.data(), text.size()) == 0);
    }
}

TEST_CASE("reserve then commit keeps only what was used", "[hpack][scratch]") {
    scratch s;
    s.reset();
    std::uint8_t* a = s.reserve(100);
    std::memcpy(a, "abc", 3);
    s.commit(a + 3);
    const std::uint8_t* b = s.copy("def", 3);
    CHECK(b == a + 3);
    CHECK(std::memcmp(a, "abcdef", 6) == 0);
}

TEST_CASE("a request larger than a chunk gets its own", "[hpack][scratch]") {
    scratch s;
    s.reset();
    std::uint8_t* p = s.reserve(scratch::first_chunk_size * 3);
    std::memset(p, 1, scratch::first_chunk_size * 3);
    s.commit(p + scratch::first_chunk_size * 3);
    CHECK(s.capacity() >= scratch::first_chunk_size * 3);
}

TEST_CASE("steady state: the same work after reset allocates nothing more", "[hpack][scratch]") {
    scratch s;
    const auto work = [&] {
        s.reset();
        for (int i = 0; i < 300; ++i) s.copy("0123456789012345678901234567890123456789", 40);
    };
    work();
    const std::size_t held = s.capacity();
    for (int round = 0; round < 10; ++round) work();
    CHECK(s.capacity() == held);
}

TEST_CASE("reset after a huge block gives memory back", "[hpack][scratch]") {
    scratch s;
    s.reset();
    std::uint8_t* p = s.reserve(scratch::retained_size * 2);
    s.commit(p + scratch::retained_size * 2);
    CHECK(s.capacity() > scratch::retained_size);
    s.reset();
    CHECK(s.capacity() <= scratch::retained_size);
}
