// map_field (proto_codec/map.hpp): sorted unique keys, last-wins
// normalisation after decoding, memory reuse. (Values are assigned as
// std::string, not literals: g++ 12 -O3 warns falsely on the latter, PR105329.)
#include <catch2/catch.hpp>

#include <string>

#include <h2pb/proto_codec/map.hpp>

using h2pb::proto::map_field;

template <class M>
static std::string keys(const M& m) {
    std::string s;
    for (const auto& [k, v] : m) {
        s += k;
        s += '=';
        s += v;
        s += ' ';
    }
    return s;
}

TEST_CASE("operator[] inserts in key order") {
    map_field<std::string, std::string> m;
    m["b"] = std::string("2");
    m["a"] = std::string("1");
    m["c"] = std::string("3");
    m["b"] = std::string("two");
    CHECK(m.size() == 3);
    CHECK(keys(m) == "a=1 b=two c=3 ");
    CHECK(m.contains("a"));
    CHECK_FALSE(m.contains("z"));
    REQUIRE(m.find("c") != m.end());
    CHECK(m.find("c")->second == "3");
}

TEST_CASE("erase removes a key and keeps order") {
    map_field<std::string, std::string> m{{"x", "1"}, {"y", "2"}, {"z", "3"}};
    CHECK(m.erase("y"));
    CHECK_FALSE(m.erase("y"));
    CHECK(keys(m) == "x=1 z=3 ");
    m["a"] = std::string("0");
    CHECK(keys(m) == "a=0 x=1 z=3 ");
}

TEST_CASE("normalize sorts decoded entries, the last of equal keys wins") {
    map_field<std::string, std::string> m;
    auto add = [&](std::string k,
                   std::string v) {  // (by value: g++ 12 -O3 -Wrestrict false positive, PR105329)
        auto& e = m.append_for_decode();
        e.first = std::move(k);
        e.second = std::move(v);
    };
    add("b", "1");
    add("a", "2");
    add("b", "3");
    add("c", "4");
    add("a", "5");
    m.normalize();
    CHECK(keys(m) == "a=5 b=3 c=4 ");
}

TEST_CASE("normalize of many entries (the sort path) keeps last-wins") {
    map_field<int, int> m;
    for (int round = 0; round < 3; ++round) {
        for (int k = 40; k > 0; --k) {
            auto& e = m.append_for_decode();
            e.first = k;
            e.second = k * 10 + round;
        }
    }
    m.normalize();
    REQUIRE(m.size() == 40);
    int expect = 1;
    for (const auto& [k, v] : m) {
        CHECK(k == expect);
        CHECK(v == k * 10 + 2);
        ++expect;
    }
}

TEST_CASE("integer keys sort numerically, signed keys with negatives first") {
    map_field<int, int> m;
    m[5] = 1;
    m[-3] = 2;
    m[0] = 3;
    std::string order;
    for (const auto& e : m) order += std::to_string(e.first) + ",";
    CHECK(order == "-3,0,5,");
}

TEST_CASE("clear keeps entry memory for the next decode") {
    map_field<std::string, std::string> m;
    auto& e = m.append_for_decode();
    e.first = std::string(64, 'k');
    e.second = std::string(64, 'v');
    const char* key_storage = e.first.data();
    m.clear();
    CHECK(m.empty());
    auto& again = m.append_for_decode();
    CHECK(again.first.empty());
    CHECK(again.second.empty());
    CHECK(again.first.data() == key_storage);  // same slot, same string buffer
}

TEST_CASE("maps compare by their live entries") {
    map_field<std::string, int> a{{"k", 1}};
    map_field<std::string, int> b;
    b["k"] = 1;
    CHECK(a == b);
    b["k"] = 2;
    CHECK_FALSE(a == b);
    b.erase("k");
    CHECK_FALSE(a == b);
    // The copy is what is tested (copy construction keeps equality).
    map_field<std::string, int> c = a;  // NOLINT(performance-unnecessary-copy-initialization)
    CHECK(c == a);
}

TEST_CASE("duplicates among many entries: survivors keep their values and order") {
    map_field<std::string, int> m;
    const char* ks[] = {"d", "a", "c", "a", "b", "d", "e", "a"};
    for (int i = 0; i < 8; ++i) {
        auto& e = m.append_for_decode();
        e.first = std::string(ks[i]);
        e.second = i;
    }
    m.normalize();
    std::string got;
    for (const auto& [k, v] : m) got += k + std::to_string(v) + " ";
    CHECK(got == "a7 b4 c2 d5 e6 ");
    m["aa"] = 9;
    CHECK(m.erase("c"));
    got.clear();
    for (const auto& [k, v] : m) got += k + std::to_string(v) + " ";
    CHECK(got == "a7 aa9 b4 d5 e6 ");
    CHECK(m.find("e")->second == 6);
}

TEST_CASE("a moved-from map is empty") {
    map_field<int, int> a{{1, 2}};
    map_field<int, int> b = std::move(a);
    CHECK(b.size() == 1);
    CHECK(a.empty());  // NOLINT(bugprone-use-after-move)
}
