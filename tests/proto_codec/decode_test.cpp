// Decoding (proto_codec/decode.hpp) through generated messages: every wire
// type, and every kind of bad input, each with its own test case and the
// exact error (code + byte offset) it must produce.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include <test_support.hpp>
#include "all_types2.h2pb.hpp"
#include "all_types3.h2pb.hpp"
#include "fruit.h2pb.hpp"

// ---- allocation counting: replaces the global operator new of this test
// (every form, so that ASan's own operators never pair with these).
static std::atomic<long> g_allocations{0};
static void* counted_alloc(std::size_t n) noexcept {
    ++g_allocations;
    return std::malloc(n == 0 ? 1 : n);
}
void* operator new(std::size_t n) {
    if (void* p = counted_alloc(n)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    if (void* p = counted_alloc(n)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    return counted_alloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    return counted_alloc(n);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    std::free(p);
}

using namespace h2pb::proto;
using h2pb::test::Fruit;
using h2pb::test::hex;
using h2pb::test3::AllTypes;
using h2pb::test3::Color;

template <class M>
static error decode_hex(M& m, const char* text, decode_limits limits = {}) {
    auto in = hex(text);
    return m.decode(in, limits);
}
template <class M>
static error decode_hex(const char* text, decode_limits limits = {}) {
    M m;
    return decode_hex(m, text, limits);
}

// ------------------------------------------------------------ every wire type

TEST_CASE("VARINT fields: int32, negative int32, sint, uint64, bool, enum") {
    AllTypes m;
    REQUIRE_FALSE(decode_hex(m,
                             "08 96 01  10 ff ff ff ff ff ff ff ff ff 01  28 03  30 7f  "
                             "20 ff ff ff ff ff ff ff ff ff 01  68 02  80 01 02"));
    CHECK(m.f_int32 == 150);
    CHECK(m.f_int64 == -1);
    CHECK(m.f_sint32 == -2);
    CHECK(m.f_sint64 == -64);
    CHECK(m.f_uint64 == ~std::uint64_t{0});
    CHECK(m.f_bool == true);  // any non-zero varint is true
    CHECK(m.f_enum == Color::GREEN);
}

TEST_CASE("a 10-byte negative int32 and a varint above 2^32 truncate to 32 bits") {
    AllTypes m;
    REQUIRE_FALSE(decode_hex(m, "08 ff ff ff ff ff ff ff ff ff 01  18 85 80 80 80 10"));
    CHECK(m.f_int32 == -1);
    CHECK(m.f_uint32 == 5U);
}

TEST_CASE("I32 fields: fixed32, sfixed32, float") {
    AllTypes m;
    REQUIRE_FALSE(decode_hex(m, "3d 01 00 00 00  4d fe ff ff ff  5d 00 00 80 3f"));
    CHECK(m.f_fixed32 == 1U);
    CHECK(m.f_sfixed32 == -2);
    CHECK(m.f_float == 1.0F);
}

TEST_CASE("I64 fields: fixed64, sfixed64, double") {
    AllTypes m;
    REQUIRE_FALSE(decode_hex(m,
                             "41 08 07 06 05 04 03 02 01  51 fe ff ff ff ff ff ff ff  "
                             "61 00 00 00 00 00 00 f0 3f"));
    CHECK(m.f_fixed64 == 0x0102030405060708ULL);
    CHECK(m.f_sfixed64 == -2);
    CHECK(m.f_double == 1.0);
}

TEST_CASE("LEN fields: string, bytes, sub-message") {
    AllTypes m;
    REQUIRE_FALSE(decode_hex(m, "72 05 41 70 70 6c 65  7a 03 00 ff 01  8a 01 04 08 07 12 00"));
    CHECK(m.f_string == "Apple");
    CHECK(m.f_bytes == std::string("\0\xff\x01", 3));
    REQUIRE(m.f_nested.has_value());
    CHECK(m.f_nested->a == 7);
    CHECK(m.f_nested->b.empty());
}

TEST_CASE("packed repeated fields: varint, fixed, and the empty payload") {
    AllTypes m;
    // r_int32 (31) packed [1, 150, -1]; r_fixed32 (37) packed [1, 2]; r_double (42) packed, empty
    REQUIRE_FALSE(decode_hex(
        m,
        "fa 01 0d 01 96 01 ff ff ff ff ff ff ff ff ff 01  aa 02 08 01 00 00 00 02 00 00 00  "
        "d2 02 00"));
    CHECK(m.r_int32 == std::vector<std::int32_t>{1, 150, -1});
    CHECK(m.r_fixed32 == std::vector<std::uint32_t>{1, 2});
    CHECK(m.r_double.empty());
}

TEST_CASE("a packable field accepts unpacked elements, and packed ones mixed in") {
    AllTypes m;
    // r_int32 (31): unpacked 5, packed [6, 7], unpacked 8
    REQUIRE_FALSE(decode_hex(m, "f8 01 05  fa 01 02 06 07  f8 01 08"));
    CHECK(m.r_int32 == std::vector<std::int32_t>{5, 6, 7, 8});
}

TEST_CASE("a [packed=false] field accepts a packed payload") {
    AllTypes m;
    // u_int32 (48) packed [1, 2, 3]; u_double (49) packed [1.0]
    REQUIRE_FALSE(decode_hex(m, "82 03 03 01 02 03  8a 03 08 00 00 00 00 00 00 f0 3f"));
    CHECK(m.u_int32 == std::vector<std::int32_t>{1, 2, 3});
    CHECK(m.u_double == std::vector<double>{1.0});
}

TEST_CASE("SGROUP/EGROUP: a proto2 group field and a repeated group") {
    h2pb::test2::AllTypes2 m;
    // OptionalGroup (40) { a (41) = 1 }; RepeatedGroup (43) { c (44) = 2 } x2
    REQUIRE_FALSE(
        decode_hex(m, "c3 02 c8 02 01 c4 02  db 02 e0 02 02 dc 02  db 02 e0 02 03 dc 02"));
    REQUIRE(m.optionalgroup.has_value());
    CHECK(m.optionalgroup->a == 1);
    REQUIRE(m.repeatedgroup.size() == 2);
    CHECK(m.repeatedgroup[1].c == 3);
}

TEST_CASE("an unknown group is skipped as a whole and kept") {
    Fruit m;
    REQUIRE_FALSE(decode_hex(m, "08 01  1b 08 01 23 24 12 00 1c  12 01 41"));
    CHECK(m.weight == 1);
    CHECK(m.name == "A");
    CHECK(h2pb::test::hex_of(m.unknown_fields_.view()) == "1b 08 01 23 24 12 00 1c");
}

TEST_CASE("the largest field number 2^29-1 is accepted") {
    AllTypes m;
    REQUIRE_FALSE(decode_hex(m, "f8 ff ff ff 0f 2a"));
    CHECK(m.big_number_field == 42);
}

// ------------------------------------------------------------ bad input

TEST_CASE("bad input: truncated tag") {
    CHECK(decode_hex<Fruit>("80") == error{errc::truncated, 0});
    CHECK(decode_hex<Fruit>("08 01 ff ff") == error{errc::truncated, 2});
}

TEST_CASE("bad input: truncated varint value") {
    CHECK(decode_hex<Fruit>("08") == error{errc::truncated, 1});
    CHECK(decode_hex<Fruit>("08 96") == error{errc::truncated, 1});
}

TEST_CASE("bad input: truncated fixed32 and fixed64 values") {
    CHECK(decode_hex<AllTypes>("3d 01 00") == error{errc::truncated, 1});
    CHECK(decode_hex<AllTypes>("41 01 00 00 00 00 00 00") == error{errc::truncated, 1});
}

TEST_CASE("bad input: 11-byte varint") {
    CHECK(decode_hex<Fruit>("08 ff ff ff ff ff ff ff ff ff ff 01") ==
          error{errc::varint_too_long, 10});
}

TEST_CASE("bad input: varint whose 10th byte overflows 64 bits") {
    CHECK(decode_hex<Fruit>("08 ff ff ff ff ff ff ff ff ff 02") ==
          error{errc::varint_overflow, 10});
}

TEST_CASE("bad input: field number 0") {
    CHECK(decode_hex<Fruit>("00 00") == error{errc::field_number_zero, 0});
    CHECK(decode_hex<Fruit>("08 01 02 00") == error{errc::field_number_zero, 2});
}

TEST_CASE("bad input: field number above 2^29-1") {
    CHECK(decode_hex<Fruit>("80 80 80 80 10 00") == error{errc::field_number_too_large, 0});
    CHECK(decode_hex<Fruit>("80 80 80 80 80 01 00") == error{errc::field_number_too_large, 0});
}

TEST_CASE("bad input: wire type 6") {
    CHECK(decode_hex<Fruit>("0e 00") == error{errc::invalid_wire_type, 0});
}

TEST_CASE("bad input: wire type 7") {
    CHECK(decode_hex<Fruit>("08 01 0f") == error{errc::invalid_wire_type, 2});
}

TEST_CASE("bad input: length prefix past the end") {
    CHECK(decode_hex<Fruit>("12 05 41 41") == error{errc::length_exceeds_input, 1});
    CHECK(decode_hex<Fruit>("2a 02 00") ==
          error{errc::length_exceeds_input, 1});  // unknown LEN field
}

TEST_CASE("bad input: a sub-message length past its parent's end") {
    // f_nested (17) claims 5 bytes, 2 remain
    CHECK(decode_hex<AllTypes>("8a 01 05 08 01") == error{errc::length_exceeds_input, 2});
    // a nested string longer than the sub-message that holds it
    CHECK(decode_hex<AllTypes>("8a 01 03 12 05 41 41 41 41 41") ==
          error{errc::length_exceeds_input, 4});
}

TEST_CASE("bad input: errors inside a sub-message report absolute offsets") {
    CHECK(decode_hex<AllTypes>("08 01 8a 01 02 08 80") == error{errc::truncated, 6});
}

TEST_CASE("bad input: a 10-byte input claiming a 2 GB string fails without allocating it") {
    auto in = hex("12 ff ff ff ff 07 41 41 41 41");  // name: length 2^31-1, 4 bytes present
    REQUIRE(in.size() == 10);
    Fruit m;
    const long before = g_allocations.load();
    const error e = m.decode(in);
    const long after = g_allocations.load();
    CHECK(e == error{errc::length_exceeds_input, 1});
    CHECK(after - before == 0);
}

TEST_CASE(
    "bad input: a 2 GB claim in bytes, packed, sub-message and unknown fields allocates nothing") {
    for (const char* text : {"7a ff ff ff ff 07 00 00 00 00",  // bytes
                             "fa 01 ff ff ff ff 07 00 00 00",  // packed int32
                             "aa 02 ff ff ff ff 07 00 00 00",  // packed fixed32
                             "8a 01 ff ff ff ff 07 00 00 00",  // sub-message
                             "fa 03 ff ff ff ff 07 00 00 00",  // oneof sub-message
                             "fa 02 ff ff ff ff 07 00 00 00",  // repeated sub-message (47: fa 02)
                             "9a 03 ff ff ff ff 07 00 00 00",  // map entry
                             "a2 06 ff ff ff ff 07 00 00 00"}) {  // unknown field 100
        auto in = hex(text);
        AllTypes m;
        const long before = g_allocations.load();
        const error e = m.decode(in);
        const long after = g_allocations.load();
        INFO(text);
        CHECK(e.code == errc::length_exceeds_input);
        CHECK(after - before == 0);
    }
}

TEST_CASE("bad input: EGROUP without a group") {
    CHECK(decode_hex<Fruit>("0c") == error{errc::unexpected_end_group, 0});
    CHECK(decode_hex<h2pb::test2::AllTypes2>("08 01 c4 02") ==
          error{errc::unexpected_end_group, 2});
}

TEST_CASE("bad input: EGROUP whose number differs from its SGROUP") {
    CHECK(decode_hex<Fruit>("0b 14") == error{errc::end_group_mismatch, 1});  // unknown group
    CHECK(decode_hex<h2pb::test2::AllTypes2>("c3 02 cc 02") ==
          error{errc::end_group_mismatch, 2});  // known group
}

TEST_CASE("bad input: unterminated group") {
    CHECK(decode_hex<Fruit>("0b 08 01") == error{errc::unterminated_group, 3});
    CHECK(decode_hex<h2pb::test2::AllTypes2>("c3 02 c8 02 01") ==
          error{errc::unterminated_group, 5});
}

static h2pb::wire::buffer nested_chain(int depth) {
    // Recursive { child (1) = Recursive { ... } } `depth` levels deep,
    // built inside out with hand-written length prefixes.
    std::string body;
    for (int i = 0; i < depth; ++i) {
        std::string outer = "\x0a";
        std::size_t n = body.size();
        while (n >= 0x80) {
            outer.push_back(static_cast<char>((n & 0x7f) | 0x80));
            n >>= 7;
        }
        outer.push_back(static_cast<char>(n));
        body.insert(0, outer);
    }
    h2pb::wire::buffer b;
    b.append(body);
    return b;
}

TEST_CASE("depth: 100 nested sub-messages decode") {
    auto in = nested_chain(100);
    h2pb::test3::Recursive m;
    CHECK_FALSE(m.decode(in));
    int depth = 0;
    for (const auto* r = &m; r->child.has_value(); r = &*r->child) ++depth;
    CHECK(depth == 100);
}

TEST_CASE("depth: 101 nested sub-messages fail") {
    auto in = nested_chain(101);
    h2pb::test3::Recursive m;
    const error e = m.decode(in);
    CHECK(e.code == errc::depth_limit_exceeded);
    // The error points at the 101st message's length prefix: walk the tags.
    std::size_t pos = 0;
    for (int level = 1; level < 101; ++level) {
        ++pos;  // tag 0a
        auto len = h2pb::wire::decode_varint(h2pb::wire::bytes_view(in).subspan(pos));
        REQUIRE(len);
        pos += len->length;
    }
    CHECK(e.offset == pos + 1);
}

TEST_CASE("depth: the limit is a setting") {
    auto in = nested_chain(10);
    h2pb::test3::Recursive m;
    decode_limits limits;
    limits.max_depth = 9;
    CHECK(m.decode(in, limits).code == errc::depth_limit_exceeded);
    limits.max_depth = 10;
    CHECK_FALSE(m.decode(in, limits));
}

TEST_CASE("depth: nested unknown groups count too") {
    std::string text;
    for (int i = 0; i < 101; ++i) text += "0b ";
    for (int i = 0; i < 101; ++i) text += "0c ";
    CHECK(decode_hex<Fruit>(text.c_str()).code == errc::depth_limit_exceeded);
    std::string ok;
    for (int i = 0; i < 100; ++i) ok += "0b ";
    for (int i = 0; i < 100; ++i) ok += "0c ";
    CHECK_FALSE(decode_hex<Fruit>(ok.c_str()));
}

TEST_CASE("size limit: input larger than max_message_size is refused") {
    decode_limits limits;
    limits.max_message_size = 9;
    CHECK(decode_hex<Fruit>("08 96 01 12 05 41 70 70 6c 65", limits).code ==
          errc::message_too_large);
    limits.max_message_size = 10;
    CHECK_FALSE(decode_hex<Fruit>("08 96 01 12 05 41 70 70 6c 65", limits));
}

TEST_CASE("bad input: invalid UTF-8 in a proto3 string") {
    CHECK(decode_hex<Fruit>("12 02 c3 28") == error{errc::invalid_utf8, 2});
    CHECK(decode_hex<AllTypes>("e2 02 02 c0 80") ==
          error{errc::invalid_utf8, 3});  // repeated string
    CHECK(decode_hex<AllTypes>("f2 03 02 ed a0") == error{errc::invalid_utf8, 3});  // oneof string
    CHECK(decode_hex<AllTypes>("9a 03 04 0a 02 ff 41") == error{errc::invalid_utf8, 5});  // map key
}

TEST_CASE("invalid UTF-8 is accepted in proto3 bytes and in proto2 strings") {
    AllTypes m;
    CHECK_FALSE(decode_hex(m, "7a 02 c3 28"));
    CHECK(m.f_bytes == "\xc3\x28");
    h2pb::test2::AllTypes2 m2;
    CHECK_FALSE(decode_hex(m2, "72 02 c3 28"));
    CHECK(m2.f_string == std::string("\xc3\x28"));
}

TEST_CASE("bad input: packed fixed-width payload with a bad length") {
    CHECK(decode_hex<AllTypes>("aa 02 03 01 00 00") == error{errc::bad_packed_length, 0 + 2});
    CHECK(decode_hex<AllTypes>("b2 02 07 00 00 00 00 00 00 00") ==
          error{errc::bad_packed_length, 2});
}

TEST_CASE("bad input: packed varints that end inside a varint") {
    CHECK(decode_hex<AllTypes>("fa 01 02 01 80") == error{errc::truncated, 4});
}

TEST_CASE("bad input: missing proto2 required field") {
    // f_required (17) present but empty: Required.id is required
    CHECK(decode_hex<h2pb::test2::AllTypes2>("8a 01 00").code == errc::missing_required_field);
    CHECK_FALSE(decode_hex<h2pb::test2::AllTypes2>("8a 01 02 08 01"));
    // inside a repeated field and a map value too
    CHECK(decode_hex<h2pb::test2::AllTypes2>("a2 02 00").code == errc::missing_required_field);
    CHECK(decode_hex<h2pb::test2::AllTypes2>("b2 02 04 08 01 12 00").code ==
          errc::missing_required_field);
}

TEST_CASE("a failed decode leaves an empty message") {
    Fruit m;
    m.weight = 5;
    CHECK(decode_hex(m, "08 07 12 05 41").code == errc::length_exceeds_input);
    CHECK(m == Fruit{});
}

TEST_CASE("decoding into a reused message allocates nothing the second time") {
    // scalars, a packed field, a sub-message, a short string and a map entry
    auto in =
        hex("08 96 01 10 05 3d 01 00 00 00 61 00 00 00 00 00 00 f0 3f 72 05 41 70 70 6c 65 "
            "fa 01 04 01 02 03 04 8a 01 04 08 07 12 00 9a 03 06 0a 01 6b 12 01 76");
    AllTypes m;
    REQUIRE_FALSE(m.decode(in));
    const long before = g_allocations.load();
    for (int i = 0; i < 10; ++i) REQUIRE_FALSE(m.decode(in));
    CHECK(g_allocations.load() - before == 0);
    CHECK(m.r_int32 == std::vector<std::int32_t>{1, 2, 3, 4});
    CHECK(m.m_string_string.find("k")->second == "v");
}

TEST_CASE("encoding into a reused buffer allocates nothing the second time") {
    AllTypes m;
    m.f_int32 = 1;
    m.r_int32 = {1, 2, 3};
    m.f_nested.emplace().child.emplace().a = 2;
    m.m_uint32_nested[3].a = 4;
    h2pb::wire::buffer out;
    m.encode(out);
    const long before = g_allocations.load();
    const auto* storage = out.data();  // wire::buffer grows with realloc: check it did not move
    for (int i = 0; i < 10; ++i) {
        out.clear();
        m.encode(out);
    }
    CHECK(g_allocations.load() - before == 0);
    CHECK(out.data() == storage);
}

TEST_CASE("packed varints of every length (1..10 bytes) decode, with and without ten bytes left") {
    // r_uint64 (34, packed): 1, 2^7, 2^14, ..., 2^63: lengths 1..10, then 5 again
    std::string text = "92 02 ";
    std::vector<std::uint64_t> expect;
    h2pb::wire::buffer payload;
    for (int shift = 0; shift <= 63; shift += 7) {
        const std::uint64_t v = std::uint64_t{1} << shift;
        expect.push_back(v);
        payload.put_varint(v);
    }
    expect.push_back(~std::uint64_t{0});
    payload.put_varint(~std::uint64_t{0});
    expect.push_back(5);
    payload.put_varint(5);
    h2pb::wire::buffer in;
    in.append(hex("92 02"));
    in.put_varint(payload.size());
    in.append(payload.view());
    AllTypes m;
    REQUIRE_FALSE(m.decode(in));
    CHECK(m.r_uint64 == expect);
}

TEST_CASE("bad input: an 11-byte varint inside a long packed payload") {
    // r_uint64 (34, packed), 12 bytes: ten continuation bytes, then 01 00
    CHECK(decode_hex<AllTypes>("92 02 0c ff ff ff ff ff ff ff ff ff ff 01 00").code ==
          errc::varint_too_long);
    CHECK(decode_hex<AllTypes>("92 02 0c ff ff ff ff ff ff ff ff ff 02 00 00").code ==
          errc::varint_overflow);
}
