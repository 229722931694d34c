// hpack/dynamic_table.hpp: sizes, eviction and indexing of RFC 7541 §4, the
// C.5 eviction sequence, and a randomised comparison with a plain std::deque
// model that exercises the ring's wrap-around.
#include <catch2/catch.hpp>
#include <deque>
#include <random>
#include <string>

#include <h2pb/hpack/dynamic_table.hpp>

using h2pb::hpack::dynamic_table;

namespace {
// (prefix + std::to_string(i) trips a false -Wrestrict in GCC 12 at -O3.)
std::string numbered(std::string s, int i) {
    s += std::to_string(i);
    return s;
}

struct model_entry {
    std::string name, value;
    std::size_t size() const { return name.size() + value.size() + 32; }
};

void check_same(const dynamic_table& t, const std::deque<model_entry>& m) {
    REQUIRE(t.count() == m.size());
    std::size_t size = 0;
    for (std::size_t i = 0; i < m.size(); ++i) {
        INFO("entry " << i);
        REQUIRE(t.at(i).name == m[i].name);
        REQUIRE(t.at(i).value == m[i].value);
        REQUIRE(t.by_id(t.inserted() - 1 - i).name == m[i].name);
        size += m[i].size();
    }
    REQUIRE(t.size() == size);
    REQUIRE(t.size() <= t.max_size());
}
}  // namespace

TEST_CASE("entry size is name + value + 32 (§4.1)", "[hpack][dynamic_table]") {
    dynamic_table t;
    CHECK(t.max_size() == 4096);
    CHECK(t.insert(":authority", "www.example.com"));
    CHECK(t.size() == 57);  // RFC 7541 C.3.1
    CHECK(t.count() == 1);
    CHECK(t.at(0).name == ":authority");
    CHECK(t.at(0).value == "www.example.com");
    CHECK(t.at(0).size() == 57);
}

TEST_CASE("C.5: a 256-octet table evicts the oldest entries", "[hpack][dynamic_table]") {
    dynamic_table t(256);
    t.insert(":status", "302");
    t.insert("cache-control", "private");
    t.insert("date", "Mon, 21 Oct 2013 20:13:21 GMT");
    t.insert("location", "https://www.example.com");
    CHECK(t.size() == 222);
    // C.5.2: adding :status 307 (42) evicts :status 302.
    t.insert(":status", "307");
    CHECK(t.size() == 222);
    CHECK(t.count() == 4);
    CHECK(t.at(0).value == "307");
    CHECK(t.at(3).name == "cache-control");
    // C.5.3: date (65) evicts cache-control; content-encoding (52) evicts
    // location... as in the RFC, three entries remain.
    t.insert("date", "Mon, 21 Oct 2013 20:13:22 GMT");
    t.insert("content-encoding", "gzip");
    t.insert("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1");
    CHECK(t.count() == 3);
    CHECK(t.size() == 215);
    CHECK(t.at(0).name == "set-cookie");
    CHECK(t.at(1).name == "content-encoding");
    CHECK(t.at(2).value == "Mon, 21 Oct 2013 20:13:22 GMT");
    CHECK(t.oldest_id() == 5);
    CHECK(t.inserted() == 8);
}

TEST_CASE("an entry larger than the table empties it and is not added (§4.4)",
          "[hpack][dynamic_table]") {
    dynamic_table t(100);
    t.insert("a", "b");
    REQUIRE(t.count() == 1);
    CHECK_FALSE(t.insert("big", std::string(100, 'x')));  // 3 + 100 + 32 > 100
    CHECK(t.count() == 0);
    CHECK(t.size() == 0);
    // Exactly the maximum fits.
    CHECK(t.insert("n", std::string(100 - 32 - 1, 'v')));
    CHECK(t.size() == 100);
}

TEST_CASE("lowering the maximum evicts; zero empties (§4.3)", "[hpack][dynamic_table]") {
    dynamic_table t;
    for (int i = 0; i < 10; ++i) t.insert(numbered("name", i), "value");
    const std::size_t one = t.at(0).size();
    t.set_max_size(static_cast<std::uint32_t>(3 * one));
    CHECK(t.count() == 3);
    CHECK(t.at(0).name == "name9");
    CHECK(t.at(2).name == "name7");
    t.set_max_size(0);
    CHECK(t.count() == 0);
    CHECK_FALSE(t.insert("a", ""));
}

TEST_CASE("raising the maximum keeps the entries", "[hpack][dynamic_table]") {
    dynamic_table t(256);
    for (int i = 0; i < 5; ++i) t.insert(numbered("n", i), std::string(10, 'a' + i));
    std::deque<model_entry> m;
    for (int i = 4; i >= 0; --i) m.push_back({numbered("n", i), std::string(10, 'a' + i)});
    while (m.size() > t.count()) m.pop_back();
    t.set_max_size(65536);
    check_same(t, m);
    for (int i = 0; i < 1000; ++i) {
        t.insert("k", std::to_string(i));
        m.push_front({"k", std::to_string(i)});
    }
    while (m.size() > t.count()) m.pop_back();
    check_same(t, m);
}

TEST_CASE("a name taken from an entry that the insertion evicts survives (§4.4)",
          "[hpack][dynamic_table]") {
    dynamic_table t(64 + 40);
    t.insert("a-rather-long-header-name", "v1");  // 59
    REQUIRE(t.count() == 1);
    // The new entry needs the room of the old one: the old one is evicted
    // before the new one is written, and its name is the new entry's name.
    const auto name = t.at(0).name;
    t.insert(name, "a-value-that-forces-eviction");
    REQUIRE(t.count() == 1);
    CHECK(t.at(0).name == "a-rather-long-header-name");
    CHECK(t.at(0).value == "a-value-that-forces-eviction");
}

TEST_CASE("random insertions and size changes match a deque model", "[hpack][dynamic_table]") {
    std::mt19937 rng(4096);
    for (std::uint32_t max : {0u, 40u, 100u, 256u, 4096u}) {
        dynamic_table t(max);
        std::deque<model_entry> m;
        std::uint32_t current = max;
        for (int step = 0; step < 20000; ++step) {
            const unsigned what = rng() % 100;
            if (what < 2) {
                current = static_cast<std::uint32_t>(rng() % (2 * max + 64));
                t.set_max_size(current);
                std::size_t size = 0;
                for (const auto& e : m) size += e.size();
                while (size > current) {
                    size -= m.back().size();
                    m.pop_back();
                }
            } else {
                model_entry e;
                e.name = std::string(rng() % 20, static_cast<char>('a' + rng() % 26));
                e.value = std::string(rng() % (what < 10 ? 400 : 60),
                                      static_cast<char>('A' + rng() % 26));
                if (what < 20 && !m.empty()) e.name = m[rng() % m.size()].name;
                const std::string name_copy = e.name;
                // Sometimes pass the name as a view into the table itself.
                std::string_view name_arg = name_copy;
                if (what < 20 && t.count() != 0) {
                    for (std::size_t i = 0; i < t.count(); ++i) {
                        if (t.at(i).name == name_copy) {
                            name_arg = t.at(i).name;
                            break;
                        }
                    }
                }
                const bool added = t.insert(name_arg, e.value);
                std::size_t size = 0;
                for (const auto& x : m) size += x.size();
                if (e.size() > current) {
                    CHECK_FALSE(added);
                    m.clear();
                } else {
                    CHECK(added);
                    while (size + e.size() > current) {
                        size -= m.back().size();
                        m.pop_back();
                    }
                    m.push_front(e);
                }
            }
            check_same(t, m);
        }
    }
}

TEST_CASE("storage grows with the entries, not with the maximum size", "[hpack][dynamic_table]") {
    dynamic_table t(65536);
    // A fresh table holds nothing, whatever its maximum.
    CHECK(t.memory() == 0);
    CHECK(t.ring_capacity() == 0);
    // Three typical response fields (about 120 octets of names and values):
    // the smallest ring and store.
    t.insert("content-type", "application/octet-stream");
    t.insert("server", "h2pb");
    t.insert("date", "Mon, 21 Oct 2013 20:13:21 GMT");
    CHECK(t.ring_capacity() == 8);
    CHECK(t.store_capacity() == 256);
    CHECK(t.memory() <= 256 + 8 * 16);
    // More entries: the ring doubles past 8 entries, the store stays at
    // least twice the live octets.
    for (int i = 0; i < 6; ++i) t.insert(numbered("x-name-", i), "value");
    CHECK(t.count() == 9);
    CHECK(t.ring_capacity() == 16);
    CHECK(t.store_capacity() >= 2 * (t.size() - 32 * t.count()));
    CHECK(t.store_capacity() <= 1024);
}

TEST_CASE("grown storage stays within what the maximum size allows", "[hpack][dynamic_table]") {
    dynamic_table t;  // 4096 octets: at most 128 entries
    for (int i = 0; i < 5000; ++i) t.insert("k", std::to_string(i));  // 33-36 octets each
    CHECK(t.count() >= 110);                                          // 4096 / 34-37 octets
    CHECK(t.ring_capacity() == 128);  // the power of two above the count
    CHECK(t.store_capacity() <= std::size_t{2} * 4096);
    // At the working size, inserting the same kind of entries no longer grows it.
    const std::size_t held = t.memory();
    for (int i = 0; i < 5000; ++i) t.insert("k", std::to_string(i));
    CHECK(t.memory() == held);
    // Large entries: the store reaches twice the maximum, no more.
    for (int i = 0; i < 100; ++i) t.insert(numbered("n", i), std::string(1000, 'v'));
    CHECK(t.store_capacity() == std::size_t{2} * 4096);
}

TEST_CASE("a maximum size of zero releases the storage", "[hpack][dynamic_table]") {
    dynamic_table t;
    t.insert("a", "b");
    CHECK(t.memory() > 0);
    t.set_max_size(0);
    CHECK(t.count() == 0);
    CHECK(t.memory() == 0);
    t.set_max_size(4096);
    CHECK(t.insert("a", "b"));
    CHECK(t.at(0).value == "b");
}
