// Tests of rpc/base64.hpp with the test vectors of RFC 4648 §10.
#include <catch2/catch.hpp>

#include <string>

#include <h2pb/rpc/base64.hpp>

using namespace h2pb;
using rpc::base64_errc;

namespace {
std::string enc(std::string_view s) {
    std::string out;
    rpc::base64_encode(s, out);
    return out;
}
base64_errc dec(std::string_view s, std::string& out) {
    out.clear();
    return rpc::base64_decode(s, out);
}
}  // namespace

TEST_CASE("base64: RFC 4648 section 10 vectors, encoded unpadded") {
    // RFC 4648 §10: BASE64("foob") = "Zm9vYg==" etc.; gRPC emits them without '='.
    CHECK(enc("") == "");
    CHECK(enc("f") == "Zg");
    CHECK(enc("fo") == "Zm8");
    CHECK(enc("foo") == "Zm9v");
    CHECK(enc("foob") == "Zm9vYg");
    CHECK(enc("fooba") == "Zm9vYmE");
    CHECK(enc("foobar") == "Zm9vYmFy");
    CHECK(rpc::base64_encoded_size(4) == 6);
}

TEST_CASE("base64: decoding accepts the padded and the unpadded forms") {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""},
        {"Zg==", "f"},
        {"Zm8=", "fo"},
        {"Zm9v", "foo"},
        {"Zm9vYg==", "foob"},
        {"Zm9vYmE=", "fooba"},
        {"Zm9vYmFy", "foobar"},
    };
    std::string out;
    for (const auto& [padded, plain] : vectors) {
        REQUIRE(dec(padded, out) == base64_errc::ok);
        CHECK(out == plain);
        std::string_view unpadded(padded);
        while (!unpadded.empty() && unpadded.back() == '=') unpadded.remove_suffix(1);
        REQUIRE(dec(unpadded, out) == base64_errc::ok);
        CHECK(out == plain);
    }
}

TEST_CASE("base64: all octet values and the +/ characters") {
    // 0xfb 0xff 0xbf is "+/+/" in the standard alphabet (RFC 4648 Table 1: 62 '+', 63 '/').
    std::string out;
    REQUIRE(dec("+/+/", out) == base64_errc::ok);
    CHECK(out == std::string("\xfb\xff\xbf"));
    CHECK(enc(std::string("\xfb\xff\xbf")) == "+/+/");
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    REQUIRE(dec(enc(all), out) == base64_errc::ok);
    CHECK(out == all);
}

TEST_CASE("base64: bad input is a precise error and leaves the output alone") {
    std::string out = "keep";
    CHECK(rpc::base64_decode("Zm9v-w", out) == base64_errc::bad_char);  // URL alphabet
    CHECK(rpc::base64_decode("Zm9v_w", out) == base64_errc::bad_char);
    CHECK(rpc::base64_decode("Zm 9v", out) == base64_errc::bad_char);
    CHECK(rpc::base64_decode("Zm=v", out) == base64_errc::bad_char);     // '=' inside
    CHECK(rpc::base64_decode("Zm9vY", out) == base64_errc::bad_length);  // 4n+1
    CHECK(rpc::base64_decode("Z", out) == base64_errc::bad_length);
    CHECK(rpc::base64_decode("Zg=", out) == base64_errc::bad_padding);    // not a full quantum
    CHECK(rpc::base64_decode("Zm9v====", out) == base64_errc::bad_char);  // two '=' then more
    CHECK(rpc::base64_decode("Zm9v==", out) == base64_errc::bad_padding);
    CHECK(rpc::base64_decode("Zm8==", out) == base64_errc::bad_padding);
    CHECK(rpc::base64_decode(std::string_view("Zg\0=", 4), out) == base64_errc::bad_char);
    CHECK(out == "keep");
}
