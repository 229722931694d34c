// h2pb's HPACK coder against nghttp2's (libnghttp2, test-only), both ways:
//   - every hpack-test-case raw-data story encoded by h2pb decodes with
//     nghttp2's inflater to the same header lists (and never-indexed marks);
//   - the same stories encoded by nghttp2's deflater decode with h2pb;
//   - SETTINGS_HEADER_TABLE_SIZE changes between blocks, both ways: each
//     library's size updates are accepted by the other's decoder;
//   - random header lists (odd octets, sensitive fields, large values).
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include <h2pb/hpack/decoder.hpp>
#include <h2pb/hpack/encoder.hpp>

#include "hpack_stories.hpp"
#include "nghttp2_hpack.hpp"

using namespace h2pb;
namespace stories = h2pb::test::stories;
namespace ng = h2pb::test::nghttp2;

namespace {

const struct vectors_check {
    vectors_check() { stories::require_vectors(); }
} check_vectors_first;

struct owned {
    std::string name, value;
    bool never_indexed = false;
    bool operator==(const owned&) const = default;
};

std::vector<owned> nghttp2_decode(ng::inflater& inf, const wire::buffer& block) {
    std::vector<owned> out;
    const bool ok = inf.inflate(block.data(), block.size(), [&](const nghttp2_nv& nv) {
        out.push_back({std::string(reinterpret_cast<const char*>(nv.name), nv.namelen),
                       std::string(reinterpret_cast<const char*>(nv.value), nv.valuelen),
                       (nv.flags & NGHTTP2_NV_FLAG_NO_INDEX) != 0});
    });
    REQUIRE(ok);
    return out;
}

std::vector<owned> h2pb_decode(hpack::decoder& d, wire::bytes_view block) {
    std::vector<owned> out;
    const auto err = d.decode(block, [&](const hpack::field& f) {
        out.push_back({std::string(f.name), std::string(f.value), f.never_indexed});
    });
    INFO(err.message());
    REQUIRE_FALSE(err);
    return out;
}

}  // namespace

TEST_CASE("raw-data stories encoded by h2pb decode with nghttp2 to the same lists",
          "[interop][hpack]") {
    std::size_t blocks = 0;
    for (const auto& story : stories::load_folder("raw-data")) {
        hpack::encoder e;
        ng::inflater inf;
        hpack::decoder d({.max_header_list_size = 1u << 20});
        for (std::size_t i = 0; i < story.cases.size(); ++i) {
            std::vector<hpack::field> fields;
            for (const auto& h : story.cases[i].headers) fields.push_back({h.name, h.value});
            wire::buffer block;
            e.encode(fields, block);
            INFO(story.path << " case " << i);
            const auto by_nghttp2 = nghttp2_decode(inf, block);
            const auto by_h2pb = h2pb_decode(d, block.view());
            REQUIRE(by_nghttp2.size() == fields.size());
            for (std::size_t k = 0; k < fields.size(); ++k) {
                REQUIRE(by_nghttp2[k].name == fields[k].name);
                REQUIRE(by_nghttp2[k].value == fields[k].value);
            }
            REQUIRE(by_h2pb == by_nghttp2);  // never-indexed marks included
            ++blocks;
        }
    }
    CHECK(blocks >= 3000);
}

TEST_CASE("raw-data stories encoded by nghttp2 decode with h2pb", "[interop][hpack]") {
    std::size_t blocks = 0;
    for (const auto& story : stories::load_folder("raw-data")) {
        ng::deflater def;
        hpack::decoder d({.max_header_list_size = 1u << 20});
        std::vector<std::uint8_t> out;
        for (std::size_t i = 0; i < story.cases.size(); ++i) {
            std::vector<nghttp2_nv> nva;
            for (const auto& h : story.cases[i].headers)
                nva.push_back(ng::make_nv(h.name, h.value));
            const std::size_t n = def.deflate(nva.data(), nva.size(), out);
            INFO(story.path << " case " << i);
            const auto got = h2pb_decode(d, wire::bytes_view(out.data(), n));
            REQUIRE(got.size() == story.cases[i].headers.size());
            for (std::size_t k = 0; k < got.size(); ++k) {
                REQUIRE(got[k].name == story.cases[i].headers[k].name);
                REQUIRE(got[k].value == story.cases[i].headers[k].value);
            }
            ++blocks;
        }
    }
    CHECK(blocks >= 3000);
}

TEST_CASE("table size changes between blocks, both ways", "[interop][hpack]") {
    const std::vector<std::uint32_t> sizes = {4096, 1024, 0,     4096, 256, 8192,
                                              100,  100,  65536, 0,    0,   4096};
    const auto story = stories::load(stories::vectors_dir() / "raw-data" / "story_03.json");
    SECTION("h2pb encodes, nghttp2 decodes") {
        hpack::encoder_options o;
        o.max_table_size = 65536;
        hpack::encoder e(o);
        ng::inflater inf;
        for (std::size_t i = 0; i < story.cases.size(); ++i) {
            if (i % 5 == 4) {
                const std::uint32_t s = sizes[(i / 5) % sizes.size()];
                // Two changes between some blocks: min then final.
                if (i % 10 == 9) {
                    e.set_peer_max_table_size(s / 4);
                    inf.change_table_size(s / 4);
                }
                e.set_peer_max_table_size(s);
                inf.change_table_size(s);
            }
            std::vector<hpack::field> fields;
            for (const auto& h : story.cases[i].headers) fields.push_back({h.name, h.value});
            wire::buffer block;
            e.encode(fields, block);
            INFO("case " << i);
            const auto got = nghttp2_decode(inf, block);
            REQUIRE(got.size() == fields.size());
        }
    }
    SECTION("nghttp2 encodes, h2pb decodes") {
        ng::deflater def(65536);
        hpack::decoder d({.max_header_list_size = 1u << 20});
        std::vector<std::uint8_t> out;
        for (std::size_t i = 0; i < story.cases.size(); ++i) {
            if (i % 5 == 4) {
                const std::uint32_t s = sizes[(i / 5) % sizes.size()];
                if (i % 10 == 9) {
                    def.change_table_size(s / 4);
                    d.set_max_table_size(s / 4);
                }
                def.change_table_size(s);
                d.set_max_table_size(s);
            }
            std::vector<nghttp2_nv> nva;
            for (const auto& h : story.cases[i].headers)
                nva.push_back(ng::make_nv(h.name, h.value));
            const std::size_t n = def.deflate(nva.data(), nva.size(), out);
            INFO("case " << i);
            const auto got = h2pb_decode(d, wire::bytes_view(out.data(), n));
            REQUIRE(got.size() == nva.size());
        }
    }
}

TEST_CASE("never-indexed fields cross in both directions", "[interop][hpack]") {
    SECTION("h2pb marks, nghttp2 sees NGHTTP2_NV_FLAG_NO_INDEX") {
        hpack::encoder e;
        ng::inflater inf;
        wire::buffer block;
        e.encode(
            {{"authorization", "Basic dXNlcjpwYXNz"}, {"x-secret", "42", true}, {"x-plain", "1"}},
            block);
        const auto got = nghttp2_decode(inf, block);
        REQUIRE(got.size() == 3);
        CHECK(got[0].never_indexed);
        CHECK(got[1].never_indexed);
        CHECK_FALSE(got[2].never_indexed);
    }
    SECTION("nghttp2 marks, h2pb decodes never_indexed") {
        ng::deflater def;
        hpack::decoder d;
        std::vector<std::uint8_t> out;
        const nghttp2_nv nva[] = {ng::make_nv("x-secret", "42", true), ng::make_nv("x-plain", "1")};
        const std::size_t n = def.deflate(nva, 2, out);
        const auto got = h2pb_decode(d, wire::bytes_view(out.data(), n));
        REQUIRE(got.size() == 2);
        CHECK(got[0].never_indexed);
        CHECK_FALSE(got[1].never_indexed);
    }
}

TEST_CASE("random header lists, both ways", "[interop][hpack]") {
    std::mt19937 rng(9113);
    const auto random_string = [&](std::size_t max, bool name) {
        std::string s;
        const std::size_t n = (rng() % 8 == 0) ? rng() % max : rng() % 16;
        for (std::size_t i = 0; i < n; ++i) {
            // nghttp2's deflater takes any octets; names are kept lowercase.
            s += name ? static_cast<char>('a' + rng() % 26) : static_cast<char>(rng() % 256);
        }
        return name && s.empty() ? std::string("x") : s;
    };
    for (int conn = 0; conn < 30; ++conn) {
        hpack::encoder e;
        ng::inflater inf;
        ng::deflater def;
        hpack::decoder d({.max_header_list_size = 1u << 24});
        std::vector<std::uint8_t> out;
        for (int block = 0; block < 30; ++block) {
            std::vector<std::string> storage;
            const std::size_t n = rng() % 24;
            for (std::size_t i = 0; i < n; ++i) {
                storage.push_back(random_string(40, true));
                storage.push_back(random_string(3000, false));
            }
            std::vector<hpack::field> fields;
            std::vector<nghttp2_nv> nva;
            for (std::size_t i = 0; i < n; ++i) {
                fields.push_back({storage[2 * i], storage[2 * i + 1]});
                nva.push_back(ng::make_nv(storage[2 * i], storage[2 * i + 1]));
            }
            wire::buffer block_bytes;
            e.encode(fields, block_bytes);
            const auto a = nghttp2_decode(inf, block_bytes);
            REQUIRE(a.size() == fields.size());
            for (std::size_t k = 0; k < fields.size(); ++k) REQUIRE(a[k].value == fields[k].value);
            const std::size_t len = def.deflate(nva.data(), nva.size(), out);
            const auto b = h2pb_decode(d, wire::bytes_view(out.data(), len));
            REQUIRE(b.size() == fields.size());
            for (std::size_t k = 0; k < fields.size(); ++k) REQUIRE(b[k].value == fields[k].value);
        }
    }
}
