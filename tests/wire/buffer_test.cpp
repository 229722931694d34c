// wire/buffer.hpp: growable output buffer.
#include <catch2/catch.hpp>
#include <test_support.hpp>

#include <h2pb/wire/buffer.hpp>

using namespace h2pb;

TEST_CASE("buffer appends integers big-endian and varints", "[wire][buffer]") {
    wire::buffer b;
    b.put_u8(0x01);
    b.put_u16(0x0203);
    b.put_u24(0x040506);
    b.put_u32(0x0708090a);
    b.put_u64(1);
    b.put_varint(300);
    b.append(std::string_view("hi"));
    CHECK(test::hex_of(b) == "01 02 03 04 05 06 07 08 09 0a 00 00 00 00 00 00 00 01 ac 02 68 69");
}

TEST_CASE("buffer growth is amortised: few reallocations for many appends", "[wire][buffer]") {
    wire::buffer b;
    std::size_t changes = 0;
    std::size_t last = b.capacity();
    for (int i = 0; i < 100000; ++i) {
        b.push_back(static_cast<wire::byte>(i));
        if (b.capacity() != last) {
            ++changes;
            last = b.capacity();
        }
    }
    CHECK(b.size() == 100000);
    // Growth by 1.5x from 64 bytes reaches 100000 in about 19 steps.
    CHECK(changes < 25);
    for (int i = 0; i < 100000; i += 9973)
        CHECK(b[static_cast<std::size_t>(i)] == static_cast<wire::byte>(i));
}

TEST_CASE("buffer clear keeps its memory; reserve preallocates", "[wire][buffer]") {
    wire::buffer b;
    b.reserve(4096);
    CHECK(b.capacity() >= 4096);
    const auto* p = b.data();
    b.append(std::string(1000, 'x'));
    b.clear();
    CHECK(b.empty());
    CHECK(b.capacity() >= 4096);
    b.append(std::string(4000, 'y'));
    CHECK(b.data() == p);  // no reallocation within the reserved capacity
}

TEST_CASE("buffer prepare/commit writes in place", "[wire][buffer]") {
    wire::buffer b;
    b.put_u8(0xaa);
    wire::byte* p = b.prepare(wire::max_varint_size);
    b.commit(static_cast<std::size_t>(wire::write_varint(p, 150) - p));
    CHECK(test::hex_of(b) == "aa 96 01");
}

TEST_CASE("buffer copy, move, resize and consume", "[wire][buffer]") {
    wire::buffer a;
    a.append(std::string_view("hello"));
    wire::buffer c = a;
    wire::buffer m = std::move(a);
    CHECK(c.chars() == "hello");
    CHECK(m.chars() == "hello");
    CHECK(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    m.resize(7);
    CHECK(test::hex_of(m) == "68 65 6c 6c 6f 00 00");
    m.consume(2);
    CHECK(test::hex_of(m) == "6c 6c 6f 00 00");
    m.consume(10);
    CHECK(m.empty());
    c = m;
    CHECK(c.empty());
}
