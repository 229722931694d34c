// Tests of rpc/metadata.hpp: keys and values per PROTOCOL-HTTP2.md's
// Custom-Metadata grammar, binary values as base64, size accounting.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <h2pb/rpc/metadata.hpp>

using namespace h2pb;
using rpc::metadata_errc;

TEST_CASE("metadata: key grammar 1*( 0-9 a-z _ - . )") {
    CHECK(rpc::check_key("x-request-id") == metadata_errc::ok);
    CHECK(rpc::check_key("a.b_c-0") == metadata_errc::ok);
    CHECK(rpc::check_key("") == metadata_errc::empty_key);
    CHECK(rpc::check_key("X-Upper") == metadata_errc::bad_key_char);
    CHECK(rpc::check_key("a b") == metadata_errc::bad_key_char);
    CHECK(rpc::check_key("a:b") == metadata_errc::bad_key_char);
    CHECK(rpc::check_key("caf\xc3\xa9") == metadata_errc::bad_key_char);
}

TEST_CASE("metadata: binary keys end in -bin") {
    CHECK(rpc::is_binary_key("trace-bin"));
    CHECK(rpc::is_binary_key("grpc-status-details-bin"));
    CHECK_FALSE(rpc::is_binary_key("-bin"));  // the name before -bin is 1*(...)
    CHECK_FALSE(rpc::is_binary_key("bin"));
    CHECK_FALSE(rpc::is_binary_key("trace-bin2"));
}

TEST_CASE("metadata: reserved keys") {
    for (const char* k : {"grpc-status", "grpc-foo", ":path", ":authority", "content-type", "te",
                          "user-agent", "connection", "transfer-encoding"})
        CHECK(rpc::is_reserved(k));
    for (const char* k : {"grpcx", "x-grpc-foo", "authorization", "trace-bin", "content-typex"})
        CHECK_FALSE(rpc::is_reserved(k));
}

TEST_CASE("metadata: add, get, get_all, remove, iteration") {
    rpc::metadata md;
    CHECK(md.add("x-id", "42") == metadata_errc::ok);
    CHECK(md.add("x-multi", "a") == metadata_errc::ok);
    CHECK(md.add("x-multi", "b") == metadata_errc::ok);
    CHECK(md.add("trace-bin", std::string_view("\0\x01\xff", 3)) == metadata_errc::ok);
    CHECK(md.add("X-Id", "1") == metadata_errc::bad_key_char);
    CHECK(md.add("grpc-status", "0") == metadata_errc::reserved_key);
    CHECK(md.add("x-ctl", "a\x01") == metadata_errc::bad_value_char);
    CHECK(md.add("x-ctl", "caf\xc3\xa9") == metadata_errc::bad_value_char);
    CHECK(md.add("x-tilde", "~ ok ~") == metadata_errc::ok);
    REQUIRE(md.size() == 5);
    CHECK(md.get("x-id") == "42");
    CHECK(md.get("x-multi") == "a");
    CHECK_FALSE(md.get("nope").has_value());
    CHECK(md.get_all("x-multi") == std::vector<std::string_view>{"a", "b"});
    CHECK(md.get("trace-bin") == std::string_view("\0\x01\xff", 3));
    std::vector<std::string> keys;
    for (const auto& [k, v] : md) keys.push_back(k);
    CHECK(keys == std::vector<std::string>{"x-id", "x-multi", "x-multi", "trace-bin", "x-tilde"});
    CHECK(md.remove("x-multi") == 2);
    CHECK(md.size() == 3);
    CHECK(md[1].first == "trace-bin");
}

TEST_CASE("metadata: size is name + value + 32, binary values at base64 length") {
    rpc::metadata md;
    REQUIRE(md.add("x-id", "42") == metadata_errc::ok);     // 4 + 2 + 32
    REQUIRE(md.add("t-bin", "foob") == metadata_errc::ok);  // 5 + len("Zm9vYg") + 32
    CHECK(md.wire_size() == 38 + 43);
    md.remove("x-id");
    CHECK(md.wire_size() == 43);
    CHECK(rpc::default_max_metadata_size == 8192);
}

TEST_CASE("metadata: to_hpack encodes binary values unpadded") {
    rpc::metadata md;
    REQUIRE(md.add("x-id", "42") == metadata_errc::ok);
    REQUIRE(md.add("t-bin", "foob") == metadata_errc::ok);
    REQUIRE(md.add("u-bin", "fo") == metadata_errc::ok);
    std::vector<hpack::field> fields;
    std::string storage;
    rpc::to_hpack(md, fields, storage);
    REQUIRE(fields.size() == 3);
    CHECK(fields[0] == hpack::field{"x-id", "42"});
    CHECK(fields[1] == hpack::field{"t-bin", "Zm9vYg"});  // RFC 4648 §10 without "=="
    CHECK(fields[2] == hpack::field{"u-bin", "Zm8"});
}

TEST_CASE("metadata: from_hpack skips reserved fields, decodes -bin padded or not") {
    const hpack::field in[] = {
        {":path", "/a.B/C"},         {"content-type", "application/grpc"},
        {"grpc-timeout", "1S"},      {"x-id", "42"},
        {"t-bin", "Zm9vYg=="},       {"u-bin", "Zm9vYg"},
        {"v-bin", "Zg,Zm8= , Zm9v"},  // joined duplicates: split on ','
        {"x-odd", "caf\xc3\xa9"},     // outside ASCII-Value but valid HTTP: kept
    };
    rpc::metadata md;
    const rpc::status s = rpc::from_hpack(in, md);
    REQUIRE(s.ok());
    REQUIRE(md.size() == 7);
    CHECK(md.get("x-id") == "42");
    CHECK(md.get("t-bin") == "foob");
    CHECK(md.get("u-bin") == "foob");
    CHECK(md.get_all("v-bin") == std::vector<std::string_view>{"f", "fo", "foo"});
    CHECK(md.get("x-odd") == "caf\xc3\xa9");
    CHECK_FALSE(md.get("grpc-timeout").has_value());
}

TEST_CASE("metadata: from_hpack errors") {
    rpc::metadata md;
    const hpack::field bad[] = {{"t-bin", "Zm9v!"}};
    const rpc::status s = rpc::from_hpack(bad, md);
    CHECK(s.code == rpc::status_code::internal);
    CHECK(s.message.find("t-bin") != std::string::npos);

    // 8 KiB: 200 fields of 4 + 10 + 32 = 46 octets = 9200 > 8192.
    std::vector<hpack::field> many(200, hpack::field{"x-id", "0123456789"});
    rpc::metadata md2;
    const rpc::status big = rpc::from_hpack(many, md2);
    CHECK(big.code == rpc::status_code::resource_exhausted);
    CHECK(md2.empty());
    std::vector<hpack::field> fits(178, hpack::field{"x-id", "0123456789"});  // 8188
    CHECK(rpc::from_hpack(fits, md2).ok());
}
