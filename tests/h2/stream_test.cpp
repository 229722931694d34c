// h2/stream.hpp: the stream table (slab storage, open-addressing index) and
// the memory of closed streams.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <vector>

#include <h2pb/h2/stream.hpp>

using namespace h2pb::h2;

TEST_CASE("stream table: insert, find, erase, reuse", "[h2][stream]") {
    stream_table t;
    stream* a = t.insert(1);
    stream* b = t.insert(3);
    CHECK(t.find(1) == a);
    CHECK(t.find(3) == b);
    CHECK(t.find(5) == nullptr);
    CHECK(t.find(0) == nullptr);
    a->user_data = &t;
    t.erase(a);
    CHECK(t.find(1) == nullptr);
    CHECK(t.find(3) == b);
    stream* c = t.insert(5);
    CHECK(c == a);                   // the slot is recycled
    CHECK(c->user_data == nullptr);  // and reset
    CHECK(t.size() == 2);
}

TEST_CASE("stream table agrees with std::map under random churn", "[h2][stream]") {
    stream_table t;
    std::map<std::uint32_t, stream*> ref;
    std::mt19937 rng(7);
    std::uint32_t next = 1;
    for (int i = 0; i < 20000; ++i) {
        if (ref.size() < 300 && (rng() % 3 != 0 || ref.empty())) {
            stream* s = t.insert(next);
            ref[next] = s;
            next += 2;
        } else {
            auto it = ref.begin();
            std::advance(it, static_cast<long>(rng() % ref.size()));
            t.erase(it->second);
            ref.erase(it);
        }
        if (i % 97 == 0) {
            for (auto& [id, s] : ref) REQUIRE(t.find(id) == s);
            REQUIRE(t.size() == ref.size());
            std::size_t seen = 0;
            t.for_each([&](stream& s) {
                ++seen;
                CHECK(ref.count(s.id) == 1);
            });
            REQUIRE(seen == ref.size());
        }
    }
    for (std::uint32_t id = 1; id < next; id += 2)
        CHECK((t.find(id) != nullptr) == (ref.count(id) == 1));
}

TEST_CASE("closed streams: bounded memory, oldest forgotten first", "[h2][stream]") {
    closed_streams c(3);
    c.remember(1, close_reason::reset_by_us);
    c.remember(3, close_reason::end_stream);
    c.remember(5, close_reason::end_stream);
    REQUIRE(c.find(1));
    CHECK(*c.find(1) == close_reason::reset_by_us);
    c.remember(7, close_reason::reset_by_us);
    CHECK(c.find(1) == nullptr);
    CHECK(*c.find(7) == close_reason::reset_by_us);
    CHECK(c.find(9) == nullptr);
}

TEST_CASE("stream table: storage grows with the streams open at once", "[h2][stream]") {
    stream_table t;
    CHECK(t.slab_capacity() == 0);
    CHECK(t.index_capacity() == 0);
    CHECK(t.find(1) == nullptr);
    // One stream at a time (a client that waits for each response): the
    // first slab and the first index are all it ever takes.
    for (std::uint32_t id = 1; id < 2001; id += 2) t.erase(t.insert(id));
    CHECK(t.slab_capacity() == 4);
    CHECK(t.index_capacity() == 8);
    // 100 at once: slabs of 4, 4, 8, 16, 32, 32, 32 (128 streams), index 256.
    std::vector<stream*> open;
    for (std::uint32_t id = 3001; open.size() < 100; id += 2) open.push_back(t.insert(id));
    CHECK(t.slab_capacity() == 128);
    CHECK(t.index_capacity() == 256);
    for (stream* s : open) CHECK(t.find(s->id) == s);
    // Closing them and opening as many again allocates nothing new.
    for (stream* s : open) t.erase(s);
    open.clear();
    for (std::uint32_t id = 5001; open.size() < 100; id += 2) open.push_back(t.insert(id));
    CHECK(t.slab_capacity() == 128);
    for (stream* s : open) t.erase(s);
    // With none open the memory can be given back; it grows again after.
    t.release_if_empty();
    CHECK(t.slab_capacity() == 0);
    CHECK(t.index_capacity() == 0);
    stream* s = t.insert(7001);
    CHECK(t.find(7001) == s);
    CHECK(t.slab_capacity() == 4);
    // Not while a stream is open.
    t.release_if_empty();
    CHECK(t.find(7001) == s);
}

TEST_CASE("closed streams: the ring grows up to its capacity", "[h2][stream]") {
    closed_streams c(128);
    CHECK(c.size() == 0);
    c.remember(1, close_reason::end_stream);
    CHECK(c.size() == 1);
    for (std::uint32_t id = 3; id < 1000; id += 2) c.remember(id, close_reason::end_stream);
    CHECK(c.size() == 128);
    CHECK(c.find(999));
    CHECK(c.find(999 - 2 * 127));
    CHECK(c.find(999 - 2 * 128) == nullptr);
}
