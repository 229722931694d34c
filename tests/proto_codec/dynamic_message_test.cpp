// proto_codec/dynamic_message.hpp: parse and serialize messages of schemas
// loaded at run time (tests/proto_codec/protos/all_types{2,3}.proto, compiled
// by protoc into a descriptor set at build time). Expected bytes come from the
// encoding guide (protobuf-docs/encoding.md) worked by hand for these field
// numbers; the libprotobuf cross-check is in
// tests/interop/proto_codec/dynamic_message_crosscheck_test.cpp.
#include <catch2/catch.hpp>

#include <string>

#include <h2pb/proto_codec/dynamic_message.hpp>

#include "descriptor_sets.hpp"
#include "test_support.hpp"

namespace proto = h2pb::proto;
namespace wire = h2pb::wire;
using h2pb::test::hex;
using h2pb::test::hex_of;

namespace {

const proto::descriptor_pool& pool() {
    static const proto::descriptor_pool p = h2pb::test::load_descriptor_set(H2PB_DESC_ALL_TYPES);
    return p;
}
const proto::message_descriptor& type(std::string_view name) {
    return h2pb::test::message_type(pool(), name);
}
const proto::field_descriptor& fld(const proto::message_descriptor& m, std::string_view name) {
    const proto::field_descriptor* f = m.find_field(name);
    if (f == nullptr) throw std::runtime_error("no such field");
    return *f;
}

// Parses hex, serializes, returns the hex of what came out.
std::string round_trip(std::string_view msg_type, std::string_view in_hex) {
    proto::dynamic_message m(type(msg_type));
    const auto in = hex(in_hex);
    const auto e = m.parse(in);
    INFO(e.message());
    REQUIRE_FALSE(e);
    wire::buffer out;
    m.serialize(out);
    CHECK(out.size() == m.byte_size());
    return hex_of(out);
}

}  // namespace

TEST_CASE("scalars: the encoding guide's examples") {
    const auto& s = type("h2pb.test3.Scalars");
    proto::dynamic_message m(s);
    REQUIRE_FALSE(m.parse(hex("08 96 01")));  // 150 in field 1
    CHECK(m.get_int32(fld(s, "f_int32")) == 150);
    CHECK(round_trip("h2pb.test3.Scalars", "08 96 01") == "08 96 01");
    // a negative int32 is ten bytes: sign-extended to 64 bits
    REQUIRE_FALSE(m.parse(hex("08 fe ff ff ff ff ff ff ff ff 01")));
    CHECK(m.get_int32(fld(s, "f_int32")) == -2);
    // sint32 -2 is ZigZag 3; sint64 -1 is 1
    REQUIRE_FALSE(m.parse(hex("28 03 30 01")));
    CHECK(m.get_int32(fld(s, "f_sint32")) == -2);
    CHECK(m.get_int64(fld(s, "f_sint64")) == -1);
    // string "testing" in field 14 (tag 0x72)
    REQUIRE_FALSE(m.parse(hex("72 07 74 65 73 74 69 6e 67")));
    CHECK(m.get_string(fld(s, "f_string")) == "testing");
    // fixed32 1 (field 7), double 1.0 (field 12), float 1.0 (field 11), bool (13)
    REQUIRE_FALSE(m.parse(hex("3d 01 00 00 00 61 00 00 00 00 00 00 f0 3f 5d 00 00 80 3f 68 01")));
    CHECK(m.get_uint32(fld(s, "f_fixed32")) == 1);
    CHECK(m.get_double(fld(s, "f_double")) == 1.0);
    CHECK(m.get_float(fld(s, "f_float")) == 1.0F);
    CHECK(m.get_bool(fld(s, "f_bool")));
    // fields come out in number order whatever order they came in
    CHECK(round_trip("h2pb.test3.Scalars", "68 01 08 05") == "08 05 68 01");
    // the last value of a repeated singular field wins
    CHECK(round_trip("h2pb.test3.Scalars", "08 01 08 02") == "08 02");
    // implicit presence: zero is not written, and not "set"
    REQUIRE_FALSE(m.parse(hex("08 00")));
    CHECK_FALSE(m.has(fld(s, "f_int32")));
    CHECK(m.set_fields().empty());
    CHECK(round_trip("h2pb.test3.Scalars", "08 00 72 00") == "");
}

TEST_CASE("packed and unpacked repeated fields") {
    // encoding.md: 3, 270, 86942 packed; here field 17 (tag 8a 01)
    const std::string packed = "8a 01 06 03 8e 02 9e a7 05";
    CHECK(round_trip("h2pb.test3.Scalars", packed) == packed);
    const auto& s = type("h2pb.test3.Scalars");
    proto::dynamic_message m(s);
    REQUIRE_FALSE(m.parse(hex(packed)));
    const auto& f = fld(s, "packed_int32");
    REQUIRE(m.size(f) == 3);
    CHECK(m.get_int32(f, 0) == 3);
    CHECK(m.get_int32(f, 1) == 270);
    CHECK(m.get_int32(f, 2) == 86942);
    // unpacked on the wire is accepted and written back packed; runs concatenate
    CHECK(round_trip("h2pb.test3.Scalars", "88 01 03 88 01 8e 02 8a 01 01 05") ==
          "8a 01 04 03 8e 02 05");
    // [packed = false] (u_int32 = 48) writes one tag per element, and accepts packed input
    CHECK(round_trip("h2pb.test3.AllTypes", "82 03 02 01 02") == "80 03 01 80 03 02");
    // packed fixed-width payload not a multiple of the width
    const auto bad = hex("aa 02 03 00 00 00");  // r_double = 42 (tag aa 02) with 3 bytes
    proto::dynamic_message a(type("h2pb.test3.AllTypes"));
    CHECK(a.parse(bad).code == proto::errc::bad_packed_length);
}

TEST_CASE("sub-messages merge, oneofs keep the last member") {
    const auto& t = type("h2pb.test3.AllTypes");
    // f_nested = 17 (tag 8a 01): {a: 1} then {b: "x"} merge to {a: 1, b: "x"}
    CHECK(round_trip("h2pb.test3.AllTypes", "8a 01 02 08 01 8a 01 03 12 01 78") ==
          "8a 01 05 08 01 12 01 78");
    // oneof choice: c_int32 = 61 (tag e8 03), c_string = 62 (tag f2 03)
    proto::dynamic_message m(t);
    REQUIRE_FALSE(m.parse(hex("e8 03 05 f2 03 01 79")));
    const proto::oneof_descriptor& choice = *fld(t, "c_int32").containing_oneof;
    CHECK(m.which_oneof(choice) == &fld(t, "c_string"));
    CHECK_FALSE(m.has(fld(t, "c_int32")));
    CHECK(hex_of(wire::as_bytes(m.serialize_as_string())) == "f2 03 01 79");
    // a oneof member keeps presence even at zero
    CHECK(round_trip("h2pb.test3.AllTypes", "e8 03 00") == "e8 03 00");
    // proto3 `optional` too (o_int32 = 21, tag a8 01)
    CHECK(round_trip("h2pb.test3.AllTypes", "a8 01 00") == "a8 01 00");
}

TEST_CASE(
    "maps: the last entry of a key wins, entries sorted by key, key and value always written") {
    // m_int32_int32 = 52 (tag a2 03): {2: 20}, {1: 10}, {2: 30}
    CHECK(round_trip("h2pb.test3.AllTypes",
                     "a2 03 04 08 02 10 14 a2 03 04 08 01 10 0a a2 03 04 08 02 10 1e") ==
          "a2 03 04 08 01 10 0a a2 03 04 08 02 10 1e");
    // an entry without its value: written with the default value
    CHECK(round_trip("h2pb.test3.AllTypes", "a2 03 02 08 05") == "a2 03 04 08 05 10 00");
    // an empty entry: key 0, value 0
    CHECK(round_trip("h2pb.test3.AllTypes", "a2 03 00") == "a2 03 04 08 00 10 00");
    // signed keys sort as signed: m_sint32_enum = 56 (tag c2 03), keys -1 (zigzag 1) and 1 (zigzag
    // 2)
    CHECK(round_trip("h2pb.test3.AllTypes", "c2 03 04 08 02 10 01 c2 03 04 08 01 10 02") ==
          "c2 03 04 08 01 10 02 c2 03 04 08 02 10 01");
    // string keys sort byte by byte: m_string_string = 51 (tag 9a 03), "b" then "a"
    CHECK(round_trip("h2pb.test3.AllTypes",
                     "9a 03 06 0a 01 62 12 01 31 9a 03 06 0a 01 61 12 01 32") ==
          "9a 03 06 0a 01 61 12 01 32 9a 03 06 0a 01 62 12 01 31");
    // reading entries
    const auto& t = type("h2pb.test3.AllTypes");
    proto::dynamic_message m(t);
    REQUIRE_FALSE(m.parse(hex("a2 03 04 08 02 10 14 a2 03 04 08 01 10 0a")));
    const auto& f = fld(t, "m_int32_int32");
    REQUIRE(m.size(f) == 2);
    const auto* e0 = m.get_message(f, 0);
    CHECK(e0->get_int32(*e0->descriptor().map_key()) == 1);
    CHECK(e0->get_int32(*e0->descriptor().map_value()) == 10);
    // building one
    proto::dynamic_message b(t);
    auto* e = b.add_message(f);
    REQUIRE(e != nullptr);
    e->set_int32(*e->descriptor().map_key(), 7);
    e->set_int32(*e->descriptor().map_value(), 8);
    CHECK(hex_of(wire::as_bytes(b.serialize_as_string())) == "a2 03 04 08 07 10 08");
}

TEST_CASE("unknown fields are kept raw and written last; wrong wire types are unknown") {
    // field 100 (tag a0 06) varint 5, then f_int32 = 1
    CHECK(round_trip("h2pb.test3.Scalars", "a0 06 05 08 01") == "08 01 a0 06 05");
    // f_int32 sent as LEN: unknown, kept
    CHECK(round_trip("h2pb.test3.Scalars", "0a 01 00") == "0a 01 00");
    // an unknown group (field 99: SGROUP 9b 06 ... EGROUP 9c 06) with a varint inside
    CHECK(round_trip("h2pb.test3.Scalars", "9b 06 08 01 9c 06") == "9b 06 08 01 9c 06");
    proto::dynamic_message m(type("h2pb.test3.Scalars"));
    REQUIRE_FALSE(m.parse(hex("a0 06 05")));
    CHECK(hex_of(m.unknown_fields().view()) == "a0 06 05");
}

TEST_CASE("proto2: closed enums, groups, defaults, required") {
    const auto& t = type("h2pb.test2.AllTypes2");
    proto::dynamic_message m(t);
    // f_enum = 16 (tag 80 01): 7 is not a Size value: it moves to the unknown fields
    REQUIRE_FALSE(m.parse(hex("80 01 07")));
    CHECK_FALSE(m.has(fld(t, "f_enum")));
    CHECK(m.get_enum(fld(t, "f_enum")) == 2);  // the default, MEDIUM
    CHECK(hex_of(m.unknown_fields().view()) == "80 01 07");
    // in a packed run (r_enum_packed = 33, tag 8a 02): known values stay, 7 goes unknown as a
    // varint field
    REQUIRE_FALSE(m.parse(hex("8a 02 03 01 07 03")));
    CHECK(m.size(fld(t, "r_enum_packed")) == 2);
    CHECK(hex_of(m.unknown_fields().view()) == "88 02 07");
    CHECK(hex_of(wire::as_bytes(m.serialize_as_string())) == "8a 02 02 01 03 88 02 07");
    // group OptionalGroup = 40: SGROUP c3 02, a = 41 (c8 02) 5, EGROUP c4 02
    CHECK(round_trip("h2pb.test2.AllTypes2", "c3 02 c8 02 05 c4 02") == "c3 02 c8 02 05 c4 02");
    REQUIRE_FALSE(m.parse(hex("c3 02 c8 02 05 c4 02")));
    const proto::dynamic_message* g = m.get_message(fld(t, "optionalgroup"));
    REQUIRE(g != nullptr);
    CHECK(g->get_int32(fld(g->descriptor(), "a")) == 5);
    // a group whose end tag is missing
    CHECK(m.parse(hex("c3 02 c8 02 05")).code == proto::errc::unterminated_group);
    // proto2 zero is present and written
    CHECK(round_trip("h2pb.test2.AllTypes2", "08 00") == "08 00");
    // defaults when unset
    m.clear();
    CHECK(m.get_int32(fld(t, "f_int32")) == -42);
    CHECK(m.get_float(fld(t, "f_float")) == 1.5F);
    CHECK(m.get_string(fld(t, "f_string")) == "hello \"world\"\n");
    CHECK(m.get_bool(fld(t, "f_bool")));
    // required: f_required = 17 (tag 8a 01) holds a Required without its id
    REQUIRE_FALSE(m.parse(hex("8a 01 00")));
    CHECK_FALSE(m.is_initialized());
    REQUIRE_FALSE(m.parse(hex("8a 01 02 08 01")));
    CHECK(m.is_initialized());
    // proto2 strings are not checked for UTF-8
    CHECK(round_trip("h2pb.test2.AllTypes2", "72 01 ff") == "72 01 ff");
}

TEST_CASE("errors: invalid UTF-8 in proto3 strings, depth, truncation, size") {
    proto::dynamic_message m(type("h2pb.test3.Scalars"));
    const auto e = m.parse(hex("08 01 72 02 c3 28"));
    CHECK(e.code == proto::errc::invalid_utf8);
    CHECK(e.offset == 4);
    CHECK(m.parse(hex("08")).code == proto::errc::truncated);
    CHECK(m.parse(hex("72 05 61")).code == proto::errc::length_exceeds_input);
    // Recursive.child = 1 nested 150 deep
    std::string nested;  // 0a LEN(inner), 150 times
    for (int i = 0; i < 150; ++i) {
        std::string len;
        std::size_t n = nested.size();
        while (n >= 0x80) {
            len.push_back(static_cast<char>((n & 0x7F) | 0x80));
            n >>= 7;
        }
        len.push_back(static_cast<char>(n));
        nested.insert(0, len);  // in front: the tag 0a (field 1, LEN), then the length
        nested.insert(0, 1, '\x0a');
    }
    proto::dynamic_message r(type("h2pb.test3.Recursive"));
    CHECK(r.parse(wire::as_bytes(nested)).code == proto::errc::depth_limit_exceeded);
    proto::decode_limits deeper;
    deeper.max_depth = 200;
    CHECK_FALSE(r.parse(wire::as_bytes(nested), deeper));
    CHECK(r.byte_size() == nested.size());
    proto::decode_limits small;
    small.max_message_size = 2;
    CHECK(m.parse(hex("08 96 01"), small).code == proto::errc::message_too_large);
}

TEST_CASE("accessors: set, get, has, clear, oneof switching, wrong types refused") {
    const auto& t = type("h2pb.test3.AllTypes");
    proto::dynamic_message m(t);
    CHECK(m.set_int32(fld(t, "f_int32"), 150));
    CHECK(m.set_string(fld(t, "f_string"), "hi"));
    CHECK(m.add_int32(fld(t, "r_int32"), 1));
    CHECK(m.add_int32(fld(t, "r_int32"), -1));
    CHECK(m.set_enum(fld(t, "f_enum"), -3));
    proto::dynamic_message* n = m.mutable_message(fld(t, "f_nested"));
    REQUIRE(n != nullptr);
    CHECK(n->set_int32(fld(n->descriptor(), "a"), 1));
    // set fields, in number order
    std::vector<std::string> names;
    for (const auto* f : m.set_fields()) names.push_back(f->name);
    CHECK(names ==
          std::vector<std::string>{"f_int32", "f_string", "f_enum", "f_nested", "r_int32"});
    // f_int32 150, f_string "hi", f_enum -3 (10 bytes), f_nested {a:1}, r_int32 packed [1, -1]
    CHECK(hex_of(wire::as_bytes(m.serialize_as_string())) ==
          "08 96 01 72 02 68 69 80 01 fd ff ff ff ff ff ff ff ff 01 8a 01 02 08 01 "
          "fa 01 0b 01 ff ff ff ff ff ff ff ff ff 01");
    // wrong C++ type, wrong message, wrong cardinality
    CHECK_FALSE(m.set_string(fld(t, "f_int32"), "x"));
    CHECK_FALSE(m.set_int32(fld(type("h2pb.test3.Scalars"), "f_int32"), 1));
    CHECK_FALSE(m.add_int32(fld(t, "f_int32"), 1));
    CHECK_FALSE(m.set_int32(fld(t, "r_int32"), 1));
    CHECK(m.get_string(fld(t, "f_int32")).empty());
    // oneof: setting one member clears the other
    CHECK(m.set_int32(fld(t, "c_int32"), 0));
    CHECK(m.has(fld(t, "c_int32")));
    CHECK(m.mutable_message(fld(t, "c_nested")) != nullptr);
    CHECK_FALSE(m.has(fld(t, "c_int32")));
    CHECK(m.has(fld(t, "c_nested")));
    // implicit presence: setting zero clears
    CHECK(m.set_int32(fld(t, "f_int32"), 0));
    CHECK_FALSE(m.has(fld(t, "f_int32")));
    m.clear(fld(t, "r_int32"));
    CHECK(m.size(fld(t, "r_int32")) == 0);
    // copies are deep
    proto::dynamic_message c = m;
    m.mutable_message(fld(t, "f_nested"))->set_int32(fld(n->descriptor(), "a"), 9);
    CHECK(c.get_message(fld(t, "f_nested"))->get_int32(fld(n->descriptor(), "a")) == 1);
}

TEST_CASE("malformed messages: every truncation and byte change gives an error or a message") {
    const auto& t = type("h2pb.test2.AllTypes2");
    const auto good =
        hex("08 05 72 02 68 69 c3 02 c8 02 05 c4 02 8a 02 03 01 02 03 8a 01 02 08 01 "
            "aa 02 06 0a 01 61 10 01 a0 06 05");
    for (std::size_t n = 0; n <= good.size(); ++n) {
        proto::dynamic_message m(t);
        (void)m.parse(wire::bytes_view(good.data(), n));
        (void)m.serialize_as_string();
    }
    for (std::size_t i = 0; i < good.size(); ++i) {
        for (unsigned b : {0x00U, 0x80U, 0xffU, 0x0bU, 0x0cU}) {
            wire::buffer bad = good;
            bad[i] = static_cast<wire::byte>(b);
            proto::dynamic_message m(t);
            if (!m.parse(bad)) {
                // what parses re-serializes to bytes that parse to the same bytes again
                const std::string once = m.serialize_as_string();
                proto::dynamic_message again(t);
                REQUIRE_FALSE(again.parse(wire::as_bytes(once)));
                CHECK(again.serialize_as_string() == once);
            }
        }
    }
}
