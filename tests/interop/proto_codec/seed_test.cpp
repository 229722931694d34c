// The article's worked examples (../shared/seed/), with the expected bytes
// produced at test time by an independent encoder: `protoc --encode` (the
// protobuf compiler's text-format encoder, libprotobuf inside).
//   - Fruit { weight: 150, name: "Apple" }: 10 bytes, and the 15-byte gRPC
//     message (5-byte prefix: compression flag 0, big-endian length 10).
//   - analytics.v1.Event { event_id: "abc123", event_type: "click",
//     timestamp: 1710000000 }: 21 bytes (the article prints the timestamp's
//     varint as 80 f8 cb 9a 06, which decodes to 1666382848; the right bytes
//     for 1710000000 are 80 8f b2 af 06, as protoc shows).
//   - the same Event with properties (a map<string, string>).
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include <h2pb/wire/endian.hpp>
#include <h2pb/wire/hex.hpp>
#include "analytics.h2pb.hpp"
#include "fruit.h2pb.hpp"

namespace {

/// Runs `protoc --encode=TYPE` on text-format input; returns the bytes.
std::string protoc_encode(const std::string& type, const std::string& proto,
                          const std::string& text) {
    const std::string input = std::string(H2PB_TEST_BUILD_DIR) + "/seed_input_" + type + ".txt";
    if (FILE* f = std::fopen(input.c_str(), "wb")) {
        std::fwrite(text.data(), 1, text.size(), f);
        std::fclose(f);
    }
    const std::string cmd = std::string(H2PB_PROTOC) + " --encode=" + type + " -I " +
                            H2PB_PROTOS_DIR + " " + proto + " < " + input;
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    REQUIRE(pclose(p) == 0);
    return out;
}

std::string hex(const std::string& s) {
    return h2pb::wire::to_hex(h2pb::wire::as_bytes(s));
}

}  // namespace

TEST_CASE("Fruit weight 150, name Apple: 10 bytes, as protoc encodes them") {
    const std::string expected =
        protoc_encode("h2pb.test.Fruit", "fruit.proto", "weight: 150 name: \"Apple\"");
    REQUIRE(expected.size() == 10);
    h2pb::test::Fruit f;
    f.weight = 150;
    f.name = std::string("Apple");
    h2pb::wire::buffer out;
    f.encode(out);
    CHECK(h2pb::wire::to_hex(out) == hex(expected));
    h2pb::test::Fruit back;
    REQUIRE_FALSE(back.decode(h2pb::wire::as_bytes(expected)));
    CHECK(back == f);
}

TEST_CASE("Fruit as a 15-byte gRPC message: 00, length 10 big-endian, payload") {
    const std::string payload =
        protoc_encode("h2pb.test.Fruit", "fruit.proto", "weight: 150 name: \"Apple\"");
    // The gRPC length prefix, built here by hand: flag byte + u32 big-endian.
    std::string expected(5, '\0');
    h2pb::wire::store_be32(reinterpret_cast<h2pb::wire::byte*>(expected.data() + 1),
                           static_cast<std::uint32_t>(payload.size()));
    expected += payload;
    REQUIRE(expected.size() == 15);
    CHECK(hex(expected) == "00 00 00 00 0a 08 96 01 12 05 41 70 70 6c 65");  // the article's dump

    h2pb::test::Fruit f;
    f.weight = 150;
    f.name = std::string("Apple");
    h2pb::wire::buffer frame;
    frame.put_u8(0);
    frame.put_u32(static_cast<std::uint32_t>(f.encoded_size()));
    f.encode(frame);
    CHECK(h2pb::wire::to_hex(frame) == hex(expected));
}

TEST_CASE("analytics Event: 21 bytes, as protoc encodes them") {
    const std::string expected =
        protoc_encode("analytics.v1.Event", "analytics.proto",
                      "event_id: \"abc123\" event_type: \"click\" timestamp: 1710000000");
    CHECK(expected.size() == 21);
    analytics::v1::Event e;
    e.event_id = std::string("abc123");
    e.event_type = std::string("click");
    e.timestamp = 1710000000;
    h2pb::wire::buffer out;
    e.encode(out);
    CHECK(h2pb::wire::to_hex(out) == hex(expected));
    analytics::v1::Event back;
    REQUIRE_FALSE(back.decode(h2pb::wire::as_bytes(expected)));
    CHECK(back == e);
}

TEST_CASE("analytics Event with properties: map entries in key order, as protoc encodes them") {
    // protoc --encode writes map entries in the order the text gives them; the
    // text lists keys in ascending order, the order h2pb (and libprotobuf's
    // deterministic mode) writes.
    const std::string expected =
        protoc_encode("analytics.v1.Event", "analytics.proto",
                      "event_id: \"abc123\" event_type: \"click\" timestamp: 1710000000 "
                      "properties { key: \"page\" value: \"/checkout\" } properties { key: "
                      "\"user_id\" value: \"12345\" }");
    analytics::v1::Event e;
    e.event_id = std::string("abc123");
    e.event_type = std::string("click");
    e.timestamp = 1710000000;
    e.properties[std::string("user_id")] = std::string("12345");
    e.properties[std::string("page")] = std::string("/checkout");
    h2pb::wire::buffer out;
    e.encode(out);
    CHECK(h2pb::wire::to_hex(out) == hex(expected));
    analytics::v1::Event back;
    REQUIRE_FALSE(back.decode(h2pb::wire::as_bytes(expected)));
    CHECK(back == e);
}
