// hpack/static_table.hpp: the 61 entries of RFC 7541 Appendix A, compared with
// the appendix's text (tests/data/rfc7541/appendix-a-static-table.txt, copied
// from the RFC), and the encoder's name/value lookup.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include <h2pb/hpack/static_table.hpp>

#include "hpack_stories.hpp"

using namespace h2pb;

TEST_CASE("the static table is RFC 7541 Appendix A", "[hpack][static_table]") {
    CHECK(hpack::static_table_size == 61);
    CHECK(hpack::static_table[1].name == ":authority");
    CHECK(hpack::static_table[2].name == ":method");
    CHECK(hpack::static_table[2].value == "GET");
    CHECK(hpack::static_table[16].value == "gzip, deflate");
    CHECK(hpack::static_table[61].name == "www-authenticate");

    const auto rfc = test::stories::rfc7541_dir() / "appendix-a-static-table.txt";
    INFO("RFC 7541 Appendix A from " << rfc);
    std::ifstream in(rfc);
    REQUIRE(in);
    std::string line;
    bool in_appendix = false;
    std::size_t rows = 0;
    const std::regex row(R"(^\s+\|\s*(\d+)\s*\|\s*(\S+)\s*\|\s*(.*?)\s*\|\s*$)");
    while (std::getline(in, line)) {
        if (line.rfind("Appendix A.", 0) == 0) in_appendix = true;
        if (line.rfind("Appendix B.", 0) == 0) break;
        std::smatch m;
        if (!in_appendix || !std::regex_match(line, m, row)) continue;
        const auto index = static_cast<std::size_t>(std::stoul(m[1]));
        REQUIRE(index >= 1);
        REQUIRE(index <= hpack::static_table_size);
        INFO("index " << index);
        CHECK(hpack::static_table[index].name == m[2].str());
        CHECK(hpack::static_table[index].value == m[3].str());
        ++rows;
    }
    CHECK(rows == hpack::static_table_size);
}

TEST_CASE("find_static finds every entry by name and value", "[hpack][static_table]") {
    for (std::uint8_t i = 1; i <= hpack::static_table_size; ++i) {
        const auto& e = hpack::static_table[i];
        const auto m = hpack::find_static(e.name, e.value);
        INFO("index " << int(i));
        CHECK(m.full_index == i);
        // The name index is the first entry with that name.
        std::uint8_t first = i;
        while (first > 1 && hpack::static_table[first - 1].name == e.name) --first;
        CHECK(m.name_index == first);
        CHECK(hpack::find_static_name(e.name) == first);
    }
}

TEST_CASE("find_static: names with other values, unknown names", "[hpack][static_table]") {
    auto m = hpack::find_static(":method", "PUT");
    CHECK(m.name_index == 2);
    CHECK(m.full_index == 0);
    m = hpack::find_static(":status", "404");
    CHECK(m.name_index == 8);
    CHECK(m.full_index == 13);
    m = hpack::find_static("content-type", "application/grpc");
    CHECK(m.name_index == 31);
    CHECK(m.full_index == 0);
    m = hpack::find_static("grpc-status", "0");
    CHECK(m.name_index == 0);
    CHECK(m.full_index == 0);
    CHECK(hpack::find_static_name("") == 0);
    CHECK(hpack::find_static_name("a") == 0);
    CHECK(hpack::find_static_name("Host") == 0);  // case matters: HTTP/2 names are lowercase
    CHECK(hpack::find_static_name("hosts") == 0);
    CHECK(hpack::find_static_name("host") == 38);
    CHECK(hpack::find_static_name(":path2") == 0);
}
