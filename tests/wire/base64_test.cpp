// Tests of wire/base64.hpp: RFC 4648 §10 test vectors in both alphabets
// (§4 standard, §5 URL-safe), with and without padding, and bad input.
#include <catch2/catch.hpp>

#include <string>

#include <h2pb/wire/base64.hpp>

using namespace h2pb;
using wire::base64_accept;
using wire::base64_alphabet;
using wire::base64_errc;

namespace {
std::string enc(std::string_view s, bool pad = true,
                base64_alphabet a = base64_alphabet::standard) {
    std::string out;
    wire::base64_encode(s, out, {.alphabet = a, .pad = pad});
    CHECK(out.size() == wire::base64_encoded_size(s.size(), pad));
    return out;
}
base64_errc dec(std::string_view s, std::string& out, base64_accept a = base64_accept::either) {
    out.clear();
    return wire::base64_decode(s, out, a);
}
}  // namespace

TEST_CASE("wire base64: RFC 4648 section 10 vectors, padded and unpadded") {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    std::string out;
    for (const auto& [plain, padded] : vectors) {
        CHECK(enc(plain) == padded);
        std::string unpadded(padded);
        while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
        CHECK(enc(plain, false) == unpadded);
        for (auto a : {base64_accept::standard, base64_accept::url, base64_accept::either}) {
            REQUIRE(dec(padded, out, a) == base64_errc::ok);
            CHECK(out == plain);
            REQUIRE(dec(unpadded, out, a) == base64_errc::ok);
            CHECK(out == plain);
        }
    }
}

TEST_CASE("wire base64: the two alphabets differ only in 62 and 63") {
    // RFC 4648 Table 1 (62 '+', 63 '/') and Table 2 (62 '-', 63 '_').
    const std::string raw("\xfb\xff\xbf", 3);
    CHECK(enc(raw) == "+/+/");
    CHECK(enc(raw, true, base64_alphabet::url) == "-_-_");
    std::string out;
    REQUIRE(dec("+/+/", out, base64_accept::standard) == base64_errc::ok);
    CHECK(out == raw);
    REQUIRE(dec("-_-_", out, base64_accept::url) == base64_errc::ok);
    CHECK(out == raw);
    REQUIRE(dec("-/+_", out, base64_accept::either) == base64_errc::ok);  // mixed
    CHECK(out == raw);
    CHECK(dec("-_-_", out, base64_accept::standard) == base64_errc::bad_char);
    CHECK(dec("+/+/", out, base64_accept::url) == base64_errc::bad_char);
    // json.md's example bytes value: "YWJjMTIzIT8kKiYoKSctPUB+" is "abc123!?$*&()'-=@~".
    REQUIRE(dec("YWJjMTIzIT8kKiYoKSctPUB+", out) == base64_errc::ok);
    CHECK(out == "abc123!?$*&()'-=@~");
    CHECK(enc("abc123!?$*&()'-=@~") == "YWJjMTIzIT8kKiYoKSctPUB+");
}

TEST_CASE("wire base64: every octet value round-trips in both alphabets") {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    std::string out;
    for (std::size_t n = 0; n <= all.size(); n += 37) {
        const std::string part = all.substr(0, n);
        for (bool pad : {true, false}) {
            REQUIRE(dec(enc(part, pad), out, base64_accept::standard) == base64_errc::ok);
            CHECK(out == part);
            REQUIRE(dec(enc(part, pad, base64_alphabet::url), out, base64_accept::url) ==
                    base64_errc::ok);
            CHECK(out == part);
        }
    }
}

TEST_CASE("wire base64: bad input is a precise error and leaves the output alone") {
    std::string out = "keep";
    auto d = [&](std::string_view s) { return wire::base64_decode(s, out, base64_accept::either); };
    CHECK(d("Zm 9v") == base64_errc::bad_char);  // RFC 4648 §3.3: no white space
    CHECK(d("Zm9v\n") == base64_errc::bad_char);
    CHECK(d("Zm=v") == base64_errc::bad_char);  // '=' inside
    CHECK(d("Zm9v*A==") == base64_errc::bad_char);
    CHECK(d("Zm9vY") == base64_errc::bad_length);  // 4n+1
    CHECK(d("Z") == base64_errc::bad_length);
    CHECK(d("Zg=") == base64_errc::bad_padding);  // does not complete a quantum
    CHECK(d("Zm9v====") == base64_errc::bad_char);
    CHECK(d("Zm9v==") == base64_errc::bad_padding);
    CHECK(d("Zm8==") == base64_errc::bad_padding);
    CHECK(d("=") == base64_errc::bad_padding);
    CHECK(d(std::string_view("Zg\0=", 4)) == base64_errc::bad_char);
    CHECK(d("\xc3\xa9") == base64_errc::bad_char);
    CHECK(out == "keep");
}

namespace {
/// RFC 4648 §4 read literally, one bit at a time: the input as a bit
/// string, cut into 6-bit groups (zero bits appended to complete the last),
/// each an index into the alphabet, '=' to a multiple of 4 characters. An
/// independent reference for the table and vector encoders.
std::string bitwise_base64(std::string_view in, bool pad, bool url) {
    const char* alphabet = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                               : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    const std::size_t bits = in.size() * 8;
    for (std::size_t b = 0; b < bits; b += 6) {
        unsigned idx = 0;
        for (std::size_t k = b; k < b + 6; ++k) {
            const unsigned bit =
                k < bits ? (static_cast<unsigned char>(in[k / 8]) >> (7 - k % 8)) & 1U : 0U;
            idx = idx * 2 + bit;
        }
        out.push_back(alphabet[idx]);
    }
    while (pad && out.size() % 4 != 0) out.push_back('=');
    return out;
}
}  // namespace

TEST_CASE("wire base64: long inputs (the vector encoder) equal RFC 4648 bit by bit") {
    // Every length up to 400 crosses the vector encoder's threshold and its
    // 12-octet steps with every remainder; octets from a fixed LCG.
    std::string in;
    std::uint32_t x = 12345;
    for (int i = 0; i < 400; ++i) {
        x = x * 1103515245U + 12345U;
        in.push_back(static_cast<char>(x >> 23));
    }
    in[7] = '\xff';  // the largest index, 63, in both alphabets
    in[8] = '\xff';
    in[9] = '\xff';
    std::string out;
    for (std::size_t n = 0; n <= in.size(); ++n) {
        const std::string_view part(in.data(), n);
        for (bool pad : {true, false}) {
            for (bool url : {false, true}) {
                out = "prefix";  // the encoder appends
                wire::base64_encode(
                    part, out,
                    {.alphabet = url ? base64_alphabet::url : base64_alphabet::standard,
                     .pad = pad});
                INFO("n=" << n << " pad=" << pad << " url=" << url);
                REQUIRE(out == "prefix" + bitwise_base64(part, pad, url));
            }
        }
    }
}
