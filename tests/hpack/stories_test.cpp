// The hpack-test-case stories (tests/data/hpack-test-case, extracted by the build): every block
// encoded by every implementation there decodes to the expected header list,
// and every raw-data story encoded by h2pb decodes back to its lists. One
// coder per story, as a connection would use it. (The nghttp2 cross-checks are
// in tests/interop/hpack/.)
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include <h2pb/hpack/decoder.hpp>
#include <h2pb/hpack/encoder.hpp>

#include "hpack_stories.hpp"

using namespace h2pb;
namespace stories = h2pb::test::stories;

namespace {
const struct vectors_check {
    vectors_check() { stories::require_vectors(); }
} check_vectors_first;
}  // namespace

TEST_CASE("every encoder folder's stories decode to the expected lists", "[hpack][stories]") {
    std::size_t folders = 0, blocks = 0;
    for (const auto& folder : stories::folders()) {
        if (folder == "raw-data") continue;
        ++folders;
        for (const auto& story : stories::load_folder(folder)) {
            hpack::decoder d;
            for (std::size_t i = 0; i < story.cases.size(); ++i) {
                const auto& c = story.cases[i];
                if (c.header_table_size) d.set_max_table_size(*c.header_table_size);
                std::vector<stories::header> got;
                const auto err = d.decode(c.wire.view(), [&](const hpack::field& f) {
                    got.push_back({std::string(f.name), std::string(f.value)});
                });
                INFO(story.path << " case " << i << ": " << err.message());
                REQUIRE_FALSE(err);
                REQUIRE(got.size() == c.headers.size());
                for (std::size_t k = 0; k < got.size(); ++k) {
                    REQUIRE(got[k].name == c.headers[k].name);
                    REQUIRE(got[k].value == c.headers[k].value);
                }
                ++blocks;
            }
        }
    }
    CHECK(folders >= 4);
    CHECK(blocks >= std::size_t{4} * 3000);
}

TEST_CASE("every raw-data story encoded by h2pb decodes back", "[hpack][stories]") {
    std::size_t blocks = 0, encoded = 0, plain = 0;
    for (const auto& story : stories::load_folder("raw-data")) {
        hpack::encoder e;
        hpack::decoder d({.max_header_list_size = 1u << 20});
        for (std::size_t i = 0; i < story.cases.size(); ++i) {
            const auto& c = story.cases[i];
            std::vector<hpack::field> fields;
            for (const auto& h : c.headers) {
                fields.push_back({h.name, h.value});
                plain += h.name.size() + h.value.size();
            }
            wire::buffer block;
            e.encode(fields, block);
            encoded += block.size();
            std::size_t k = 0;
            bool same = true;
            const auto err = d.decode(block.view(), [&](const hpack::field& f) {
                same = same && k < fields.size() && f.name == fields[k].name &&
                       f.value == fields[k].value;
                ++k;
            });
            INFO(story.path << " case " << i << ": " << err.message());
            REQUIRE_FALSE(err);
            REQUIRE(same);
            REQUIRE(k == fields.size());
            REQUIRE(d.table_size() == e.table_size());
            ++blocks;
        }
    }
    CHECK(blocks >= 3000);
    CHECK(encoded < plain / 2);  // HPACK compresses these lists well
}
