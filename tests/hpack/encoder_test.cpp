// hpack/encoder.hpp: RFC 7541 Appendix C.2-C.6 encoded byte for byte (with
// the policies the RFC's examples use), the default policies, sensitive
// fields, dynamic table size updates, and round trips through the decoder.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <test_support.hpp>
#include <vector>

#include <h2pb/hpack/decoder.hpp>
#include <h2pb/hpack/encoder.hpp>

#include "rfc7541_examples.hpp"

using namespace h2pb;
using h2pb::test::hex;
using hpack::field;

namespace {

std::string encode(hpack::encoder& e, std::vector<field> fields) {
    wire::buffer out;
    e.encode(fields, out);
    return wire::to_hex(out.view(), '\0');
}

std::string compact(std::string_view hex_text) {
    return wire::to_hex(hex(hex_text).view(), '\0');
}

hpack::encoder_options index_everything(hpack::huffman_policy h) {
    hpack::encoder_options o;
    o.huffman = h;
    o.policy = [](const field&) { return hpack::indexing::incremental; };
    return o;
}

/// Decodes `block` and returns the fields as owned strings plus the mark.
struct owned {
    std::string name, value;
    bool never_indexed;
    bool operator==(const owned&) const = default;
};
std::vector<owned> decode(hpack::decoder& d, const wire::buffer& block) {
    std::vector<owned> out;
    const auto err = d.decode(block.view(), [&](const field& f) {
        out.push_back({std::string(f.name), std::string(f.value), f.never_indexed});
    });
    REQUIRE_FALSE(err);
    return out;
}

}  // namespace

TEST_CASE("C.2.1-C.2.4: one field of each representation", "[hpack][encoder]") {
    {
        hpack::encoder e(index_everything(hpack::huffman_policy::never));
        CHECK(encode(e, {{"custom-key", "custom-header"}}) ==
              compact("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"));
        CHECK(e.table_size() == 55);
    }
    {
        hpack::encoder_options o;
        o.huffman = hpack::huffman_policy::never;
        o.policy = [](const field&) { return hpack::indexing::without; };
        hpack::encoder e(o);
        CHECK(encode(e, {{":path", "/sample/path"}}) ==
              compact("040c 2f73 616d 706c 652f 7061 7468"));
        CHECK(e.table_size() == 0);
    }
    {
        hpack::encoder e(index_everything(hpack::huffman_policy::never));
        CHECK(encode(e, {{"password", "secret", true}}) ==
              compact("1008 7061 7373 776f 7264 0673 6563 7265 74"));
        CHECK(e.table_size() == 0);
    }
    {
        hpack::encoder e;
        CHECK(encode(e, {{":method", "GET"}}) == "82");
    }
}

TEST_CASE("C.3-C.6: consecutive lists encode to the RFC's blocks and tables", "[hpack][encoder]") {
    for (const auto& series : test::rfc7541::series()) {
        const bool responses = series.front().section[2] >= '5';
        const bool huffman = series.front().section[2] == '4' || series.front().section[2] == '6';
        // C.4 and C.6 Huffman-code every string (C.6.2's "307" is 3 octets
        // either way), C.3 and C.5 none.
        hpack::encoder e(index_everything(huffman ? hpack::huffman_policy::always
                                                  : hpack::huffman_policy::never));
        std::string announce;
        if (responses) {
            // The peer's SETTINGS_HEADER_TABLE_SIZE is 256: the first block
            // announces it (3f e1 01 = 31 + 225), then is the RFC's.
            e.set_peer_max_table_size(256);
            announce = "3fe101";
        }
        for (const auto& ex : series) {
            INFO(ex.section);
            std::vector<field> fields;
            for (const auto& h : ex.headers) fields.push_back({h.name, h.value});
            CHECK(encode(e, fields) == announce + std::string(ex.hex));
            announce.clear();
            REQUIRE(e.table().count() == ex.table.size());
            for (std::size_t i = 0; i < ex.table.size(); ++i) {
                CHECK(e.table().at(i).name == ex.table[i].name);
                CHECK(e.table().at(i).value == ex.table[i].value);
            }
            CHECK(e.table_size() == ex.table_size);
        }
    }
}

TEST_CASE("Huffman only where shorter; the policy can force either", "[hpack][encoder]") {
    hpack::encoder e;
    // "www.example.com": 12 octets Huffman vs 15 raw -> Huffman (C.4.1).
    CHECK(encode(e, {{":authority", "www.example.com"}}) ==
          compact("41 8c f1e3c2e5f23a6ba0ab90f4ff"));
    // "<<<" takes 15 bits per character: raw is shorter.
    hpack::encoder e2;
    CHECK(encode(e2, {{"x", "<<<"}}) == compact("40 01 78 03 3c3c3c"));
    hpack::encoder_options always;
    always.huffman = hpack::huffman_policy::always;
    hpack::encoder e3(always);
    // 'x' is 1111001 + one bit of padding; "<<<" is 45 bits: 6 octets.
    CHECK(encode(e3, {{"x", "<<<"}}).substr(0, 8) == "4081f386");
}

TEST_CASE("default policy: what is not indexed", "[hpack][encoder]") {
    hpack::encoder e;
    // :path with a query string: without indexing, name index 4.
    CHECK(encode(e, {{":path", "/search?q=1"}}).substr(0, 2) == "04");
    // A file name names one resource: without indexing.
    CHECK(encode(e, {{":path", "/img/logo-130528.png"}}).substr(0, 2) == "04");
    // Other paths repeat (directories, gRPC methods): incremental indexing.
    CHECK(encode(e, {{":path", "/news/"}}).substr(0, 2) == "44");
    CHECK(encode(e, {{":path", "/helloworld.Greeter/SayHello"}}).substr(0, 2) == "44");
    CHECK(encode(e, {{"last-modified", "Mon, 21 Oct 2013 20:13:21 GMT"}}).substr(0, 4) == "0f1d");
    // content-length (28): without indexing, 4-bit prefix: 0f 0d.
    CHECK(encode(e, {{"content-length", "1234"}}).substr(0, 4) == "0f0d");
    CHECK(encode(e, {{"location", "/x"}}).substr(0, 4) == "0f1f");
    // An entry larger than 3/4 of the table.
    const std::string big(3100, 'v');
    CHECK(encode(e, {{"x-big", big}}).substr(0, 2) == "00");
    const std::string fits(3000, 'v');
    CHECK(encode(e, {{"x-big", fits}}).substr(0, 2) == "40");
    // With an index, a field is sent again as that index (§6.1: 1xxxxxxx).
    CHECK(encode(e, {{":path", "/news/"}}).size() == 2);
}

TEST_CASE("default policy: a field left out of the table is indexed when it repeats",
          "[hpack][encoder]") {
    hpack::encoder e;
    // "content-length: 100", content-length being static entry 28 (RFC 7541
    // Appendix A), "100" Huffman-coded (Appendix B: '1' 00001, '0' 00000,
    // 15 bits + 1 bit of EOS padding = 08 01, length 2 with the H bit: 82).
    // First time: literal without indexing, 4-bit prefix (§6.2.2, §5.1:
    // 28 = 15 + 13 -> 0f 0d).
    CHECK(encode(e, {{"content-length", "100"}}) == "0f0d820801");
    // Second time: literal with incremental indexing, 6-bit prefix
    // (§6.2.1: 01 011100 = 5c).
    CHECK(encode(e, {{"content-length", "100"}}) == "5c820801");
    // Third time: the entry is dynamic index 62 (§2.3.3): indexed, 1 0111110.
    CHECK(encode(e, {{"content-length", "100"}}) == "be");
    // Another value of the same name is new again: without indexing, and its
    // name is now found in the dynamic table too, but the static index (28)
    // is the one used (§2.3.3: either is allowed; the static one is stable).
    CHECK(encode(e, {{"content-length", "1234"}}).substr(0, 4) == "0f0d");
    // A field too large to index stays a literal however often it is sent.
    const std::string big(3100, 'v');
    for (int i = 0; i < 3; ++i) CHECK(encode(e, {{"x-big", big}}).substr(0, 2) == "00");
    // Sensitive fields are never learned (§7.1.3).
    for (int i = 0; i < 3; ++i) {
        CHECK(encode(e, {{"authorization", "secret"}}).substr(0, 2) == "1f");
    }
}

TEST_CASE("index_repeats = false keeps a left-out field a literal", "[hpack][encoder]") {
    hpack::encoder_options o;
    o.index_repeats = false;
    hpack::encoder e(o);
    for (int i = 0; i < 3; ++i) {
        CHECK(encode(e, {{"content-length", "100"}}) == "0f0d820801");
    }
}

TEST_CASE("a caller's policy is followed as it is, without learning", "[hpack][encoder]") {
    hpack::encoder_options o;
    o.policy = [](const field&) { return hpack::indexing::without; };
    hpack::encoder e(o);
    for (int i = 0; i < 3; ++i) {
        CHECK(encode(e, {{"content-length", "100"}}) == "0f0d820801");
    }
}

TEST_CASE("sensitive fields are sent never indexed", "[hpack][encoder]") {
    hpack::encoder_options o;
    o.huffman = hpack::huffman_policy::never;
    o.sensitive_names = {"x-api-key"};
    hpack::encoder e(o);
    // authorization (23): 0001 1111, 23 - 15 = 8.
    CHECK(encode(e, {{"authorization", "Bearer t"}}).substr(0, 4) == "1f08");
    // proxy-authorization (49): 49 - 15 = 34 = 0x22.
    CHECK(encode(e, {{"proxy-authorization", "x"}}).substr(0, 4) == "1f22");
    // A short cookie (< 20 octets): never indexed; cookie is 32 = 15 + 17.
    CHECK(encode(e, {{"cookie", "id=1"}}).substr(0, 4) == "1f11");
    // A long one is indexed (name index 32 on 6 bits: 60).
    CHECK(encode(e, {{"cookie", "session=0123456789abcdef"}}).substr(0, 2) == "60");
    // A caller-named sensitive field, literal name.
    CHECK(encode(e, {{"x-api-key", "k"}}).substr(0, 2) == "10");
    // A field marked never_indexed is never replaced by a table index, even
    // when the same name and value are in a table.
    CHECK(encode(e, {{":method", "GET", true}}) == compact("12 03 474554"));
    wire::buffer ignored;
    e.encode({{"x-seen", "1"}}, ignored);
    CHECK(e.table().at(0).name == "x-seen");
    // Never indexed with the dynamic name index 62 (1f 2f), value raw.
    CHECK(encode(e, {{"x-seen", "1", true}}) == "1f2f0131");
    CHECK(e.table().at(0).name == "x-seen");  // and not added
}

TEST_CASE("a decoded field forwarded keeps its never-indexed bit", "[hpack][encoder]") {
    hpack::decoder d;
    const wire::buffer incoming = hex("1008 7061 7373 776f 7264 0673 6563 7265 74");  // C.2.3
    std::vector<field> fields;
    REQUIRE_FALSE(d.decode(incoming.view(), [&](const field& f) { fields.push_back(f); }));
    REQUIRE(fields.size() == 1);
    hpack::encoder e;
    wire::buffer out;
    e.encode(fields, out);
    CHECK((out[0] & 0xf0) == 0x10);
    hpack::decoder next;
    const auto again = decode(next, out);
    REQUIRE(again.size() == 1);
    CHECK(again[0] == owned{"password", "secret", true});
}

TEST_CASE("the dynamic table is searched by name and by name and value", "[hpack][encoder]") {
    hpack::encoder e;
    hpack::decoder d;
    // 60 custom fields fill the table (4096 / 66 octets).
    std::vector<field> fields;
    std::vector<std::string> names, values;
    for (int i = 0; i < 60; ++i) {
        names.push_back("x-custom-" + std::to_string(i));
        values.push_back("value-" + std::to_string(i * 7));
    }
    fields.reserve(60);
    for (int i = 0; i < 60; ++i) fields.push_back({names[i], values[i]});
    wire::buffer first;
    e.encode(fields, first);
    decode(d, first);
    const std::size_t in_table = e.table().count();
    REQUIRE(in_table > 40);
    // Encoding the same list again: every field still in the table is one or
    // two octets (index 62..).
    wire::buffer second;
    e.encode(std::span(fields).last(in_table), second);
    CHECK(second.size() <= 2 * in_table);
    CHECK(second.size() >= in_table);
    const auto back = decode(d, second);
    REQUIRE(back.size() == in_table);
    CHECK(back.back().name == names.back());
    // A known name with a new value: literal with the dynamic name index.
    wire::buffer third;
    e.encode({{names.back(), "other"}}, third);
    CHECK(third[0] == 0x7e);  // 01 + index 62 (the newest entry) on 6 bits
    const auto third_back = decode(d, third);
    CHECK(third_back[0].value == "other");
}

TEST_CASE("dynamic table size updates follow the peer's setting (§4.2)", "[hpack][encoder]") {
    hpack::encoder e;
    hpack::decoder d;
    wire::buffer b;
    e.encode({{"x-a", "1"}}, b);
    decode(d, b);
    CHECK(e.table().count() == 1);

    SECTION("lowered: one update at the start of the next block, evicting") {
        e.set_peer_max_table_size(0);
        d.set_max_table_size(0);
        CHECK(encode(e, {}) == "20");
        CHECK(e.table().count() == 0);
        CHECK(encode(e, {}) == "");  // only once
    }
    SECTION("raised: an update to the new size") {
        // Above our cap of 4096: the table stays at 4096, and says so once.
        e.set_peer_max_table_size(8192);
        CHECK(encode(e, {}) == "3fe11f");
        CHECK(e.table().count() == 1);
        CHECK(encode(e, {}) == "");
        e.set_peer_max_table_size(8192);  // the same value again: nothing to say
        CHECK(encode(e, {}) == "");
        hpack::encoder_options big;
        big.max_table_size = 65536;
        hpack::encoder e2(big);
        e2.set_peer_max_table_size(8192);
        CHECK(encode(e2, {}) == "3fe13f");  // 8192 = 31 + 0x61 + (0x3f << 7)
        CHECK(e2.table().max_size() == 8192);
    }
    SECTION("lowered and raised between blocks: the minimum, then the final size") {
        e.set_peer_max_table_size(1024);
        e.set_peer_max_table_size(0);
        e.set_peer_max_table_size(4096);
        d.set_max_table_size(1024);
        d.set_max_table_size(0);
        d.set_max_table_size(4096);
        wire::buffer out;
        e.encode({{"x-b", "2"}}, out);
        CHECK(wire::to_hex(out.view(), '\0').substr(0, 8) == "203fe11f");
        CHECK(e.table().count() == 1);
        CHECK(decode(d, out).size() == 1);
    }
    SECTION("a cap below 4096 is announced in the first block") {
        hpack::encoder_options small;
        small.max_table_size = 256;
        hpack::encoder e3(small);
        CHECK(encode(e3, {{":method", "GET"}}) == "3fe10182");
        CHECK(encode(e3, {{":method", "GET"}}) == "82");
    }
}

TEST_CASE("random header lists round-trip through the decoder", "[hpack][encoder]") {
    std::mt19937 rng(2015);
    const std::vector<std::string> names = {
        ":method", ":path",         ":authority",     "cookie", "user-agent",
        "x-trace", "authorization", "content-length", "accept", "x-Mixed",
        ""};
    for (int conn = 0; conn < 50; ++conn) {
        hpack::encoder_options o;
        o.max_table_size = rng() % 2 ? 4096 : static_cast<std::uint32_t>(rng() % 600);
        o.huffman = static_cast<hpack::huffman_policy>(rng() % 3);
        hpack::encoder e(o);
        hpack::decoder d({.max_header_list_size = 1u << 30});
        for (int block = 0; block < 40; ++block) {
            if (rng() % 8 == 0) {
                const auto s = static_cast<std::uint32_t>(rng() % 5000);
                e.set_peer_max_table_size(s);
                d.set_max_table_size(s);
            }
            std::vector<std::string> storage;
            const int n = static_cast<int>(rng() % 20);
            for (int i = 0; i < 2 * n; ++i) {
                std::string s;
                if (i % 2 == 0 && rng() % 3) {
                    s = names[rng() % names.size()];
                } else {
                    const std::size_t len = rng() % 4 == 0 ? rng() % 300 : rng() % 12;
                    for (std::size_t k = 0; k < len; ++k)
                        s += static_cast<char>(rng() % 4 ? 'a' + rng() % 26 : rng() % 256);
                }
                storage.push_back(std::move(s));
            }
            std::vector<field> fields;
            fields.reserve(static_cast<std::size_t>(n));
            for (int i = 0; i < n; ++i) {
                const auto k = static_cast<std::size_t>(i);
                fields.push_back({storage[2 * k], storage[2 * k + 1], rng() % 10 == 0});
            }
            wire::buffer out;
            e.encode(fields, out);
            const auto back = decode(d, out);
            REQUIRE(back.size() == fields.size());
            for (std::size_t i = 0; i < fields.size(); ++i) {
                REQUIRE(back[i].name == fields[i].name);
                REQUIRE(back[i].value == fields[i].value);
                if (fields[i].never_indexed) REQUIRE(back[i].never_indexed);
            }
            REQUIRE(d.table_size() == e.table_size());
        }
    }
}

TEST_CASE("an encoder holds memory in proportion to its table's entries", "[hpack][encoder]") {
    hpack::encoder e;
    // Nothing at all before the first entry.
    CHECK(e.index_memory() == 0);
    CHECK(e.table().memory() == 0);
    // A typical response (h2pb serve's): three fields go into the table.
    const std::vector<field> response{
        {":status", "200"},        {"content-type", "application/octet-stream"},
        {"content-length", "100"}, {"last-modified", "Wed, 25 Nov 2026 06:00:00 GMT"},
        {"server", "h2pb"},        {"date", "Wed, 25 Nov 2026 06:18:00 GMT"}};
    wire::buffer out;
    e.encode(response, out);
    REQUIRE(e.table().count() == 3);
    // Index: 16 buckets of two heads, 8 links; table: 8 slots, 256 octets.
    CHECK(e.index_memory() <= 2 * 16 * 8 + 8 * 24);
    CHECK(e.table().memory() <= 256 + 8 * 16);
    // The same response again: content-length and last-modified, sent
    // without indexing the first time, repeat and are indexed now.
    out.clear();
    e.encode(response, out);
    REQUIRE(e.table().count() == 5);
    // A third time: everything is found in the table, nothing grows.
    const std::size_t index = e.index_memory();
    const std::size_t table = e.table().memory();
    out.clear();
    e.encode(response, out);
    CHECK(out.size() == response.size());  // one octet per field
    CHECK(e.table().count() == 5);
    CHECK(e.index_memory() == index);
    CHECK(e.table().memory() == table);
    // Many distinct entries: the index grows with the ring, up to the bound a
    // 4096-octet table implies (256 slots, 512 buckets).
    for (int i = 0; i < 1000; ++i) {
        out.clear();
        e.encode({{"x-request-id", std::to_string(i)}}, out);
    }
    CHECK(e.table().ring_capacity() <= 256);
    CHECK(e.index_memory() <= 2 * 512 * 8 + 256 * 24);
    CHECK(e.index_memory() > index);
}

TEST_CASE("a peer's table size of zero releases the encoder's table and index",
          "[hpack][encoder]") {
    hpack::encoder e;
    wire::buffer out;
    e.encode({{"x-a", "1"}}, out);
    REQUIRE(e.table().count() == 1);
    REQUIRE(e.index_memory() > 0);
    e.set_peer_max_table_size(0);
    out.clear();
    e.encode({{"x-a", "1"}}, out);
    CHECK(wire::to_hex(out.view(), '\0').substr(0, 2) == "20");  // size update to 0
    CHECK(e.table().memory() == 0);
    CHECK(e.index_memory() == 0);
}
