// hpack/huffman.hpp and huffman_table.hpp: the Huffman code of RFC 7541
// Appendix B. Expected bytes are the Huffman strings of Appendix C.4 and C.6;
// the fast decoding table is checked entry by entry against a bit-by-bit
// decoder built from the code table alone.
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>
#include <test_support.hpp>

#include <h2pb/hpack/huffman.hpp>

using namespace h2pb;
using h2pb::test::hex;
namespace table = hpack::huffman_table;

namespace {

std::string encode(std::string_view s) {
    std::string out(hpack::huffman::encoded_size(s), '\0');
    auto* p = reinterpret_cast<wire::byte*>(out.data());
    const wire::byte* end = hpack::huffman::encode(s, p);
    REQUIRE(static_cast<std::size_t>(end - p) == out.size());
    return wire::to_hex(wire::as_bytes(out));
}

struct decoded {
    std::string text;
    hpack::error err;
};
decoded decode(wire::bytes_view in) {
    std::string out(hpack::huffman::max_decoded_size(in.size()) + hpack::huffman::decode_slack,
                    '\0');
    auto* dst = reinterpret_cast<wire::byte*>(out.data());
    hpack::errc why = hpack::errc::ok;
    std::size_t where = 0;
    const wire::byte* end = hpack::huffman::decode(in.data(), in.size(), dst, why, where);
    if (end == nullptr) return {"", {why, where}};
    out.resize(static_cast<std::size_t>(end - dst));
    return {out, {}};
}

/// Bits as '0'/'1' characters, for building test strings from the code table.
struct bit_string {
    std::string bits;
    void add(unsigned symbol) {
        const auto& c = table::codes[symbol];
        for (int i = c.bits - 1; i >= 0; --i) bits += ((c.value >> i) & 1) ? '1' : '0';
    }
    void add_text(std::string_view s) {
        for (unsigned char ch : s) add(ch);
    }
    wire::buffer octets(char pad = '1') const {
        std::string b = bits;
        while (b.size() % 8 != 0) b += pad;
        wire::buffer out;
        for (std::size_t i = 0; i < b.size(); i += 8) {
            out.push_back(static_cast<wire::byte>(std::stoi(b.substr(i, 8), nullptr, 2)));
        }
        return out;
    }
};

}  // namespace

TEST_CASE("Huffman strings of RFC 7541 C.4 and C.6 encode and decode", "[hpack][huffman]") {
    const std::pair<const char*, const char*> examples[] = {
        {"www.example.com", "f1 e3 c2 e5 f2 3a 6b a0 ab 90 f4 ff"},
        {"no-cache", "a8 eb 10 64 9c bf"},
        {"custom-key", "25 a8 49 e9 5b a9 7d 7f"},
        {"custom-value", "25 a8 49 e9 5b b8 e8 b4 bf"},
        {"302", "64 02"},
        {"307", "64 0e ff"},
        {"private", "ae c3 77 1a 4b"},
        {"Mon, 21 Oct 2013 20:13:21 GMT",
         "d0 7a be 94 10 54 d4 44 a8 20 05 95 04 0b 81 66 e0 82 a6 2d 1b ff"},
        {"https://www.example.com", "9d 29 ad 17 18 63 c7 8f 0b 97 c8 e9 ae 82 ae 43 d3"},
        {"gzip", "9b d9 ab"},
        {"foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
         "94 e7 82 1d d7 f2 e6 c7 b3 35 df df cd 5b 39 60 d5 af 27 08 7f 36 72 c1 ab 27 0f b5 29 "
         "1f 95 87 31 60 65 c0 03 ed 4e e5 b1 06 3d 50 07"},
    };
    for (const auto& [text, encoded] : examples) {
        INFO(text);
        CHECK(encode(text) == encoded);
        const auto d = decode(hex(encoded));
        CHECK_FALSE(d.err);
        CHECK(d.text == text);
    }
}

TEST_CASE("the generated code table is the RFC's, spot-checked", "[hpack][huffman]") {
    // RFC 7541 Appendix B rows.
    CHECK(table::codes['0'].value == 0x0);
    CHECK(table::codes['0'].bits == 5);
    CHECK(table::codes['/'].value == 0x18);  // the RFC's own example
    CHECK(table::codes['/'].bits == 6);
    CHECK(table::codes['<'].value == 0x7ffc);
    CHECK(table::codes['<'].bits == 15);
    CHECK(table::codes[255].value == 0x3ffffee);
    CHECK(table::codes[255].bits == 26);
    CHECK(table::codes[table::eos].value == 0x3fffffff);
    CHECK(table::codes[table::eos].bits == 30);
}

TEST_CASE("every fast-table entry agrees with bit-by-bit decoding", "[hpack][huffman]") {
    std::map<std::string, unsigned> by_bits;
    for (unsigned s = 0; s < 257; ++s) {
        bit_string b;
        b.add(s);
        by_bits[b.bits] = s;
    }
    const auto first_symbol = [&](const std::string& bits, unsigned& symbol) -> unsigned {
        for (std::size_t n = 1; n <= bits.size(); ++n) {
            auto it = by_bits.find(bits.substr(0, n));
            if (it != by_bits.end()) {
                symbol = it->second;
                return static_cast<unsigned>(n);
            }
        }
        return 0;
    };
    for (unsigned v = 0; v < (1u << table::fast_bits); ++v) {
        std::string bits;
        for (int i = table::fast_bits - 1; i >= 0; --i) bits += ((v >> i) & 1) ? '1' : '0';
        const std::uint32_t e = table::fast[v];
        const unsigned count = (e >> 21) & 3;
        unsigned s1 = 0;
        const unsigned len1 = first_symbol(bits, s1);
        INFO("window " << bits);
        if (len1 == 0 || s1 == table::eos) {
            CHECK(count == 0);
            continue;
        }
        REQUIRE(count >= 1);
        CHECK((e & 0xff) == s1);
        CHECK(((e >> 24) & 15) == len1);
        unsigned s2 = 0;
        const unsigned len2 = first_symbol(bits.substr(len1), s2);
        if (len2 == 0 || s2 == table::eos) {
            CHECK(count == 1);
            CHECK(((e >> 16) & 31) == len1);
        } else {
            CHECK(count == 2);
            CHECK(((e >> 8) & 0xff) == s2);
            CHECK(((e >> 16) & 31) == len1 + len2);
        }
    }
}

TEST_CASE("every octet value round-trips, alone and in long strings", "[hpack][huffman]") {
    for (unsigned c = 0; c < 256; ++c) {
        const std::string s(1, static_cast<char>(c));
        const auto enc = hex(encode(s));
        const auto d = decode(enc);
        INFO("octet " << c);
        CHECK_FALSE(d.err);
        CHECK(d.text == s);
    }
    std::mt19937 rng(7541);
    for (int round = 0; round < 2000; ++round) {
        const std::size_t n = rng() % 200;
        std::string s(n, '\0');
        const bool text = round % 2 == 0;  // half header-like text, half any octet
        for (auto& ch : s) ch = static_cast<char>(text ? 32 + rng() % 95 : rng() % 256);
        const auto enc = hex(encode(s));
        CHECK(enc.size() == hpack::huffman::encoded_size(s));
        const auto d = decode(enc);
        REQUIRE_FALSE(d.err);
        REQUIRE(d.text == s);
    }
}

TEST_CASE("the shortest codes fill the decode bound exactly", "[hpack][huffman]") {
    // 40 octets of '0' (5 bits each) decode to 64 symbols: max_decoded_size.
    const std::string zeros(64, '0');
    const auto enc = hex(encode(zeros));
    CHECK(enc.size() == 40);
    CHECK(hpack::huffman::max_decoded_size(enc.size()) == 64);
    CHECK(decode(enc).text == zeros);
}

TEST_CASE("the empty string is zero octets", "[hpack][huffman]") {
    CHECK(encode("") == "");
    CHECK(decode({}).text.empty());
    CHECK_FALSE(decode({}).err);
}

TEST_CASE("padding: up to 7 one bits is accepted", "[hpack][huffman]") {
    CHECK(decode(hex("07")).text == "0");  // 00000 + 111
    CHECK(decode(hex("1f")).text == "a");  // 00011 + 111
}

TEST_CASE("Huffman errors: EOS, padding too long, padding not EOS", "[hpack][huffman]") {
    SECTION("EOS as the whole string (30 ones + 2 padding ones)") {
        const auto d = decode(hex("ff ff ff ff"));
        CHECK(d.err == hpack::error{hpack::errc::huffman_eos, 0});
    }
    SECTION("EOS after text, in the 8-octet fast path") {
        bit_string b;
        b.add_text("abcdefghijklmnop");  // 16 symbols, 5-6 bits each: octets 0..11
        const std::size_t eos_bit = b.bits.size();
        b.add(table::eos);
        b.add_text("qrstuvwxyz0123456789");
        const auto d = decode(b.octets());
        CHECK(d.err == hpack::error{hpack::errc::huffman_eos, eos_bit / 8});
    }
    SECTION("EOS in the tail") {
        bit_string b;
        b.add_text("ab");
        b.add(table::eos);
        const auto d = decode(b.octets());
        CHECK(d.err == hpack::error{hpack::errc::huffman_eos, 1});
    }
    SECTION("8 one bits of padding") {
        CHECK(decode(hex("ff")).err == hpack::error{hpack::errc::huffman_padding_too_long, 0});
        // "www.example.com" then a whole octet of ones
        const auto d = decode(hex("f1 e3 c2 e5 f2 3a 6b a0 ab 90 f4 ff ff"));
        CHECK(d.err == hpack::error{hpack::errc::huffman_padding_too_long, 11});
    }
    SECTION("padding with a zero bit is not a prefix of EOS") {
        CHECK(decode(hex("18")).err ==
              hpack::error{hpack::errc::huffman_padding_not_eos, 0});               // 'a' + 000
        CHECK(decode(hex("03")).err.code == hpack::errc::huffman_padding_not_eos);  // 00000 011
        bit_string b;
        b.add_text("no-cache, no-store");
        const auto d = decode(b.octets('0'));
        CHECK(d.err.code == hpack::errc::huffman_padding_not_eos);
    }
}

TEST_CASE("encode_if_shorter: Huffman in one pass, or nothing when not shorter",
          "[hpack][huffman]") {
    std::mt19937 rng(42);
    for (int round = 0; round < 3000; ++round) {
        const std::size_t n = rng() % 130;
        std::string s(n, '\0');
        const unsigned kind = round % 3;  // text, rare symbols, mixed
        for (auto& ch : s) {
            ch = static_cast<char>(kind == 0   ? 'a' + rng() % 26
                                   : kind == 1 ? rng() % 256
                                               : 32 + rng() % 95);
        }
        std::string out(n + 3, '\0');
        auto* p = reinterpret_cast<wire::byte*>(out.data());
        const wire::byte* end = hpack::huffman::encode_if_shorter(s, p);
        const std::size_t size = hpack::huffman::encoded_size(s);
        INFO("round " << round << " length " << n);
        if (size < n) {
            REQUIRE(end != nullptr);
            REQUIRE(static_cast<std::size_t>(end - p) == size);
            CHECK(wire::to_hex({p, size}) == encode(s));
        } else {
            CHECK(end == nullptr);
        }
    }
}
