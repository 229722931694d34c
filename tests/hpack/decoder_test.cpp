// hpack/decoder.hpp: RFC 7541 Appendix C.2-C.6 decoded byte for byte (header
// lists and dynamic tables as the RFC prints them), every error with the byte
// string that triggers it, the limits, and the HPACK bomb.
#include <catch2/catch.hpp>
#include <string>
#include <test_support.hpp>
#include <vector>

#include <h2pb/hpack/decoder.hpp>

#include "rfc7541_examples.hpp"

using namespace h2pb;
using h2pb::test::hex;

namespace {

struct decoded {
    std::vector<std::pair<std::string, std::string>> fields;
    std::vector<bool> never_indexed;
    hpack::error err;
};

decoded run(hpack::decoder& d, std::string_view hex_text) {
    const wire::buffer block = hex(hex_text);
    decoded out;
    out.err = d.decode(block.view(), [&](const hpack::field& f) {
        out.fields.emplace_back(std::string(f.name), std::string(f.value));
        out.never_indexed.push_back(f.never_indexed);
    });
    return out;
}

hpack::error error_of(std::string_view hex_text, hpack::decoder_options o = {}) {
    hpack::decoder d(o);
    return run(d, hex_text).err;
}

std::string repeat(std::string_view s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

}  // namespace

TEST_CASE("C.2.1: literal with indexing, literal name", "[hpack][decoder]") {
    hpack::decoder d;
    const auto r = run(d, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572");
    REQUIRE_FALSE(r.err);
    REQUIRE(r.fields.size() == 1);
    CHECK(r.fields[0] == std::pair<std::string, std::string>{"custom-key", "custom-header"});
    CHECK(d.table_size() == 55);
    CHECK(d.table().at(0).name == "custom-key");
}

TEST_CASE("C.2.2: literal without indexing, indexed name", "[hpack][decoder]") {
    hpack::decoder d;
    const auto r = run(d, "040c 2f73 616d 706c 652f 7061 7468");
    REQUIRE_FALSE(r.err);
    REQUIRE(r.fields.size() == 1);
    CHECK(r.fields[0] == std::pair<std::string, std::string>{":path", "/sample/path"});
    CHECK_FALSE(r.never_indexed[0]);
    CHECK(d.table_size() == 0);
}

TEST_CASE("C.2.3: literal never indexed keeps its mark", "[hpack][decoder]") {
    hpack::decoder d;
    const auto r = run(d, "1008 7061 7373 776f 7264 0673 6563 7265 74");
    REQUIRE_FALSE(r.err);
    REQUIRE(r.fields.size() == 1);
    CHECK(r.fields[0] == std::pair<std::string, std::string>{"password", "secret"});
    CHECK(r.never_indexed[0]);
    CHECK(d.table_size() == 0);
}

TEST_CASE("C.2.4: indexed header field", "[hpack][decoder]") {
    hpack::decoder d;
    const auto r = run(d, "82");
    REQUIRE_FALSE(r.err);
    REQUIRE(r.fields.size() == 1);
    CHECK(r.fields[0] == std::pair<std::string, std::string>{":method", "GET"});
    CHECK(d.table_size() == 0);
}

TEST_CASE("C.3-C.6: consecutive blocks decode to the RFC's lists and tables", "[hpack][decoder]") {
    for (const auto& series : test::rfc7541::series()) {
        // C.5 and C.6 run with SETTINGS_HEADER_TABLE_SIZE = 256.
        const bool responses = series.front().section[2] >= '5';
        hpack::decoder d({.max_table_size = responses ? 256u : 4096u});
        for (const auto& ex : series) {
            INFO(ex.section);
            const auto r = run(d, ex.hex);
            REQUIRE_FALSE(r.err);
            REQUIRE(r.fields.size() == ex.headers.size());
            for (std::size_t i = 0; i < ex.headers.size(); ++i) {
                CHECK(r.fields[i].first == ex.headers[i].name);
                CHECK(r.fields[i].second == ex.headers[i].value);
            }
            REQUIRE(d.table().count() == ex.table.size());
            for (std::size_t i = 0; i < ex.table.size(); ++i) {
                CHECK(d.table().at(i).name == ex.table[i].name);
                CHECK(d.table().at(i).value == ex.table[i].value);
                CHECK(d.table().at(i).size() == ex.table[i].size);
            }
            CHECK(d.table_size() == ex.table_size);
        }
    }
}

TEST_CASE("the observer sees each representation with its octets", "[hpack][decoder]") {
    hpack::decoder d;
    const wire::buffer c31 = hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d");
    std::vector<hpack::representation> reps;
    std::vector<std::string> values;
    const auto err = d.decode(
        c31.view(), [](const hpack::field&) {},
        [&](const hpack::representation& r) {
            reps.push_back(r);
            values.emplace_back(r.decoded.value);
        });
    REQUIRE_FALSE(err);
    REQUIRE(reps.size() == 4);
    CHECK(reps[0].kind == hpack::representation_kind::indexed);
    CHECK(reps[0].index == 2);
    CHECK(reps[0].offset == 0);
    CHECK(reps[0].length == 1);
    CHECK(reps[3].kind == hpack::representation_kind::literal_with_indexing);
    CHECK(reps[3].index == 1);  // name :authority from the static table
    CHECK(reps[3].offset == 3);
    CHECK(reps[3].length == 17);
    CHECK_FALSE(reps[3].name.present);
    CHECK(reps[3].value.present);
    CHECK(reps[3].value.offset == 4);
    CHECK(reps[3].value.length == 15);
    CHECK_FALSE(reps[3].value.huffman);
    CHECK(reps[3].added);
    CHECK(reps[3].emitted);
    CHECK(values[3] == "www.example.com");

    // C.4.2 (after C.4.1): the value is Huffman-coded; index 62 is dynamic.
    hpack::decoder h;
    REQUIRE_FALSE(run(h, "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff").err);
    const wire::buffer c42 = hex("8286 84be 5886 a8eb 1064 9cbf");
    reps.clear();
    REQUIRE_FALSE(h.decode(
        c42.view(), [](const hpack::field&) {},
        [&](const hpack::representation& r) { reps.push_back(r); }));
    REQUIRE(reps.size() == 5);
    CHECK(reps[3].index == 62);
    CHECK(reps[3].decoded.value == "www.example.com");
    CHECK(reps[4].value.huffman);
    CHECK(reps[4].value.length == 6);
    CHECK(reps[4].decoded.value == "no-cache");
}

TEST_CASE("a size update is reported as a representation", "[hpack][decoder]") {
    hpack::decoder d;
    const wire::buffer block = hex("3f e1 07 82");  // size update to 1024, then :method GET
    std::vector<hpack::representation> reps;
    REQUIRE_FALSE(d.decode(
        block.view(), [](const hpack::field&) {},
        [&](const hpack::representation& r) { reps.push_back(r); }));
    REQUIRE(reps.size() == 2);
    CHECK(reps[0].kind == hpack::representation_kind::table_size_update);
    CHECK(reps[0].index == 1024);
    CHECK(reps[0].length == 3);
    CHECK(d.table().max_size() == 1024);
    // C.5.2 evicts :status 302 to add :status 307.
    hpack::decoder c5({.max_table_size = 256});
    const auto& c5_series = test::rfc7541::series()[2];
    const wire::buffer c51 = hex(c5_series[0].hex);
    const wire::buffer c52 = hex(c5_series[1].hex);
    REQUIRE_FALSE(c5.decode(c51.view(), [](const hpack::field&) {}));
    reps.clear();
    REQUIRE_FALSE(c5.decode(
        c52.view(), [](const hpack::field&) {},
        [&](const hpack::representation& r) { reps.push_back(r); }));
    REQUIRE(reps.size() == 4);
    CHECK(reps[0].added);
    CHECK(reps[0].evicted == 1);
    CHECK(reps[1].evicted == 0);
    // A size update to 0 evicts everything.
    reps.clear();
    const wire::buffer to_zero = hex("20");
    REQUIRE_FALSE(c5.decode(
        to_zero.view(), [](const hpack::field&) {},
        [&](const hpack::representation& r) { reps.push_back(r); }));
    REQUIRE(reps.size() == 1);
    CHECK(reps[0].evicted == 4);
}

TEST_CASE("views stay valid until the next decode, even after eviction", "[hpack][decoder]") {
    // A 100-octet table: "aaaa: <50 x>" (86 octets) is added, referenced
    // (index 62), then evicted by a new entry whose octets take its place.
    hpack::decoder d({.max_table_size = 100});
    const std::string block_hex = "40 04 61616161 32 " + repeat("78", 50) +  // aaaa: xxx...
                                  " be " +                                   // aaaa: xxx... again
                                  "40 04 62626262 32 " + repeat("79", 50) +  // bbbb: yyy... evicts
                                  " be";                                     // bbbb: yyy...
    const wire::buffer block = hex(block_hex);
    std::vector<hpack::field> fields;
    REQUIRE_FALSE(d.decode(block.view(), [&](const hpack::field& f) { fields.push_back(f); }));
    REQUIRE(fields.size() == 4);
    CHECK(fields[0].name == "aaaa");
    CHECK(fields[1].name == "aaaa");
    CHECK(fields[1].value == std::string(50, 'x'));
    CHECK(fields[2].name == "bbbb");
    CHECK(fields[3].value == std::string(50, 'y'));
    CHECK(d.table().count() == 1);
}

TEST_CASE("decoder errors, each with the bytes that trigger it", "[hpack][decoder]") {
    using hpack::errc;
    using E = hpack::error;
    // The block ends inside a representation.
    CHECK(error_of("82 41") == E{errc::truncated, 2});        // value missing
    CHECK(error_of("41 0f 77 77") == E{errc::truncated, 1});  // value shorter than its length
    CHECK(error_of("40 0a 63") == E{errc::truncated, 1});     // name shorter than its length
    CHECK(error_of("ff") == E{errc::truncated, 1});           // index continues past the end
    // Integers: 32 bits, 5 continuation octets.
    CHECK(error_of("ff 81 ff ff ff 0f") == E{errc::integer_overflow, 5});
    CHECK(error_of("ff 80 80 80 80 80 00") == E{errc::integer_too_long, 6});
    CHECK(error_of("41 ff 80 80 80 80 80 00") == E{errc::integer_too_long, 7});  // a string length
    // Indexes.
    CHECK(error_of("80") == E{errc::index_zero, 0});
    CHECK(error_of("82 be") == E{errc::index_out_of_range, 1});     // empty dynamic table
    CHECK(error_of("7e 01 61") == E{errc::index_out_of_range, 0});  // literal's name index 62
    CHECK(error_of("40 01 61 01 62 bf") == E{errc::index_out_of_range, 5});  // one entry: 63 is out
    // Strings.
    hpack::decoder_options small{.max_string_length = 4};
    CHECK(error_of("40 04 61616161 00", small).code == errc::ok);
    CHECK(error_of("40 05 6161616161 00", small) == E{errc::string_too_long, 1});
    CHECK(error_of("40 01 61 05 6161616161", small) == E{errc::string_too_long, 3});
    // Huffman.
    CHECK(error_of("41 84 ff ff ff ff") == E{errc::huffman_eos, 2});
    CHECK(error_of("41 81 ff") == E{errc::huffman_padding_too_long, 2});
    CHECK(error_of("41 81 18") == E{errc::huffman_padding_not_eos, 2});
    CHECK(error_of("40 81 18 00") == E{errc::huffman_padding_not_eos, 2});  // in a name
    // Dynamic table size updates.
    CHECK(error_of("3f e1 1f 82").code == errc::ok);                         // 4096: allowed
    CHECK(error_of("3f e2 1f") == E{errc::table_size_update_too_large, 0});  // 4097
    CHECK(error_of("82 20") == E{errc::table_size_update_not_at_start, 1});
    CHECK(error_of("20 3f e1 1f 82").code == errc::ok);  // two are fine
    CHECK(error_of("20 20 20") == E{errc::too_many_table_size_updates, 2});
}

TEST_CASE("every error code has its own description", "[hpack][decoder]") {
    std::vector<std::string_view> seen;
    for (int i = 0; i <= static_cast<int>(hpack::errc::header_list_too_large); ++i) {
        const auto code = static_cast<hpack::errc>(i);
        const auto text = hpack::describe(code);
        CHECK_FALSE(text.empty());
        CHECK(std::find(seen.begin(), seen.end(), text) == seen.end());
        CHECK(hpack::id(code) != "unknown");
        seen.push_back(text);
    }
    CHECK(hpack::error{hpack::errc::index_zero, 3}.message() ==
          "offset 3: indexed header field with index 0 (RFC 7541 §6.1)");
}

TEST_CASE("lowering SETTINGS_HEADER_TABLE_SIZE requires a size update (§4.2)", "[hpack][decoder]") {
    SECTION("a block without the update fails; with it, it decodes") {
        hpack::decoder d;
        REQUIRE_FALSE(run(d, "40 01 61 01 62").err);
        d.set_max_table_size(1024);
        CHECK(run(d, "82").err == hpack::error{hpack::errc::missing_table_size_update, 0});
        hpack::decoder d2;
        d2.set_max_table_size(1024);
        CHECK(run(d2, "").err == hpack::error{hpack::errc::missing_table_size_update, 0});
        hpack::decoder d3;
        d3.set_max_table_size(1024);
        const auto r = run(d3, "3f e1 07 82");  // update to 1024
        CHECK_FALSE(r.err);
        CHECK(d3.table().max_size() == 1024);
        CHECK_FALSE(run(d3, "82").err);  // only the first block after the change
    }
    SECTION("an update above the new setting is too large") {
        hpack::decoder d;
        d.set_max_table_size(1024);
        CHECK(run(d, "3f e2 07").err == hpack::error{hpack::errc::table_size_update_too_large, 0});
    }
    SECTION("down then up again: the lowest value must be signalled first") {
        hpack::decoder d;
        d.set_max_table_size(0);
        d.set_max_table_size(4096);
        CHECK(run(d, "3f e1 1f 82").err == hpack::error{hpack::errc::missing_table_size_update, 0});
        hpack::decoder d2;
        d2.set_max_table_size(0);
        d2.set_max_table_size(4096);
        CHECK_FALSE(run(d2, "20 3f e1 1f 82").err);
        CHECK(d2.table().max_size() == 4096);
    }
    SECTION("lowering evicts at once; raising needs no update") {
        hpack::decoder d;
        REQUIRE_FALSE(run(d, "40 01 61 01 62").err);
        CHECK(d.table_size() == 34);
        d.set_max_table_size(0);
        CHECK(d.table_size() == 0);
        hpack::decoder d2({.max_table_size = 1024});
        d2.set_max_table_size(4096);
        CHECK_FALSE(run(d2, "82").err);
        CHECK_FALSE(run(d2, "3f e1 1f").err);  // the encoder may now use 4096
    }
}

TEST_CASE("max header list size counts name + value + 32 per field", "[hpack][decoder]") {
    // :method GET is 7 + 3 + 32 = 42 octets.
    hpack::decoder d({.max_header_list_size = 84});
    auto r = run(d, "82 82");
    CHECK_FALSE(r.err);
    CHECK(d.last_header_list_size() == 84);
    r = run(d, "82 82 82");
    CHECK(r.err == hpack::error{hpack::errc::header_list_too_large, 2});
    CHECK(r.fields.size() == 2);
    d.set_max_header_list_size(200);
    CHECK_FALSE(run(d, "82 82 82").err);
}

TEST_CASE("HPACK bomb: references to one large entry stop at the limit (§7.3)",
          "[hpack][decoder]") {
    // custom-key: 4000 x 'a' (4042 octets) is added once, then referenced 4000
    // times with one octet each: 16 MB of header list from a 8 KB block.
    const std::string literal =
        "40 0a 637573746f6d2d6b6579 7f a1 1e " + repeat("61", 4000);  // 127 + 3873
    const std::string block_hex =
        literal + repeat(" be", 4000) + " 40 01 7a 01 7a";  // and finally z: z, added to the table
    hpack::decoder d;                                       // 16384-octet list limit
    std::size_t calls = 0;
    const wire::buffer block = hex(block_hex);
    const auto err = d.decode(block.view(), [&](const hpack::field&) { ++calls; });
    // 4042 * 4 = 16168 <= 16384; the fifth field passes the limit. Its offset
    // is that of the fourth "be": literal (1 + 1 + 10 + 3 + 4000 octets) + 3.
    CHECK(err == hpack::error{hpack::errc::header_list_too_large, 4015 + 3});
    CHECK(calls == 4);
    CHECK(d.last_header_list_size() == 4042ull * 4001 + 34);
    // The table is in sync: the last literal was still added.
    REQUIRE(d.table().count() == 2);
    CHECK(d.table().at(0).name == "z");
    // The decoder goes on with the next block.
    const auto r = run(d, "be bf");
    CHECK_FALSE(r.err);
    REQUIRE(r.fields.size() == 2);
    CHECK(r.fields[0].first == "z");
    CHECK(r.fields[1].second == std::string(4000, 'a'));
}

TEST_CASE("a compression error after the list limit wins", "[hpack][decoder]") {
    hpack::decoder d({.max_header_list_size = 42});
    CHECK(run(d, "82 82 80").err == hpack::error{hpack::errc::index_zero, 2});
}

TEST_CASE("an empty block is an empty list", "[hpack][decoder]") {
    hpack::decoder d;
    const auto r = run(d, "");
    CHECK_FALSE(r.err);
    CHECK(r.fields.empty());
}

TEST_CASE("a decoder holds memory in proportion to what it decoded", "[hpack][decoder]") {
    hpack::decoder d;
    CHECK(d.table().memory() == 0);
    CHECK(d.scratch_capacity() == 0);
    // C.4.1-C.4.3: Huffman-coded requests, three entries in the table.
    REQUIRE_FALSE(run(d, "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff").err);
    REQUIRE_FALSE(run(d, "8286 84be 5886 a8eb 1064 9cbf").err);
    REQUIRE_FALSE(run(d, "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf").err);
    REQUIRE(d.table_size() == 164);
    CHECK(d.table().memory() <= 256 + 8 * 16);
    CHECK(d.scratch_capacity() == hpack::scratch::first_chunk_size);
    CHECK(hpack::scratch::first_chunk_size <= 512);
}

TEST_CASE("on_field can take each field's origin: static, dynamic entry, new entry, literal",
          "[hpack][decoder]") {
    hpack::decoder d;
    using source = hpack::field_origin::source;
    std::vector<std::pair<std::string, hpack::field_origin>> seen;
    const auto decode = [&](std::string_view hex_text) {
        seen.clear();
        const wire::buffer block = hex(hex_text);
        REQUIRE_FALSE(d.decode(block.view(), [&](const hpack::field& f, hpack::field_origin o) {
            seen.emplace_back(std::string(f.name), o);
        }));
    };
    // C.3.1: three static fields; :authority is a literal added as entry 0.
    decode("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d");
    REQUIRE(seen.size() == 4);
    for (int i = 0; i < 3; ++i) CHECK(seen[i].second.from == source::static_entry);
    CHECK(seen[3].second.from == source::new_entry);
    CHECK(seen[3].second.entry == 0);
    // C.3.2: index 62 is entry 0; cache-control: no-cache becomes entry 1.
    decode("8286 84be 5808 6e6f 2d63 6163 6865");
    REQUIRE(seen.size() == 5);
    CHECK(seen[3].first == ":authority");
    CHECK(seen[3].second.from == source::dynamic_entry);
    CHECK(seen[3].second.entry == 0);
    CHECK(seen[4].second.from == source::new_entry);
    CHECK(seen[4].second.entry == 1);
    // C.3.3: index 63 is entry 0 again (one older now), 62 entry 1... and a
    // literal without indexing (C.2.2's :path) is a plain literal.
    decode("bfbe 040c 2f73 616d 706c 652f 7061 7468");
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].second.entry == 0);
    CHECK(seen[1].second.entry == 1);
    CHECK(seen[1].first == "cache-control");
    CHECK(seen[2].second.from == source::literal);
}
