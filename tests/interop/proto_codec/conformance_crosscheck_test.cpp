// Cross-check on protobuf's own conformance-test message
// (tests/data/protobuf/test_messages_proto3.proto: every field kind, the
// well-known types as fields, recursion, odd field names). Random messages
// built with libprotobuf's reflection must decode in h2pb and re-encode byte
// for byte as libprotobuf's deterministic serialization; h2pb's bytes must
// parse in libprotobuf to an equal message.
// test_messages_proto2.proto (groups, extensions, MessageSet, fields named
// `requires` and `concept`) is compiled with h2pb here too, and round-tripped
// on its own: libprotobuf 3.21's C++ for it does not compile as C++20.
#include <catch2/catch.hpp>

#include "conformance_all.h2pb.hpp"
#include "crosscheck.hpp"
#include "test_messages_proto3.pb.h"

using h2pb_crosscheck::cross_check;
using h2pb_crosscheck::deterministic;
using h2pb_crosscheck::filler;

TEST_CASE("TestAllTypesProto3: 300 random messages agree with libprotobuf") {
    for (std::uint64_t seed = 1; seed <= 300; ++seed) {
        INFO("seed " << seed);
        protobuf_test_messages::proto3::TestAllTypesProto3 ref;
        filler(seed * 31).fill(&ref, 0);
        const std::string det = deterministic(ref);
        h2pbgen::protobuf_test_messages::proto3::TestAllTypesProto3 h2;
        cross_check(ref, h2, det);
        CHECK(h2.optional_int32 == ref.optional_int32());
        CHECK(h2.optional_string == ref.optional_string());
        CHECK(h2.repeated_int64.size() == static_cast<std::size_t>(ref.repeated_int64_size()));
        CHECK(h2.optional_timestamp.has_value() == ref.has_optional_timestamp());
    }
}

TEST_CASE("TestAllTypesProto2 (h2pb only): groups, keyword field names, round trip") {
    h2pbgen::protobuf_test_messages::proto2::TestAllTypesProto2 m;
    m.optional_int32 = 5;
    m.data.emplace().group_int32 = 7;
    m.repeated_nested_enum.push_back(
        h2pbgen::protobuf_test_messages::proto2::TestAllTypesProto2_NestedEnum::BAZ);
    h2pb::wire::buffer out;
    m.encode(out);
    h2pbgen::protobuf_test_messages::proto2::TestAllTypesProto2 back;
    REQUIRE_FALSE(back.decode(out));
    CHECK(back == m);
    h2pbgen::protobuf_test_messages::proto2::ProtoWithKeywords k;  // `concept`, `requires`: escaped
    k.concept_ = std::string(1, 'c');
    k.requires_.push_back(std::string(1, 'r'));
    out.clear();
    k.encode(out);
    CHECK(h2pb::wire::to_hex(out) == "12 01 63 1a 01 72");
}
