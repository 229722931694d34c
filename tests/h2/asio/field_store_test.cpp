// h2/asio/field_store.hpp: an owned copy of a header section.
#include <string>
#include <vector>

#include <h2pb/h2/asio/field_store.hpp>

#include <catch2/catch.hpp>

using h2pb::h2::asio::field_store;
using h2pb::hpack::field;

TEST_CASE("a field_store outlives the fields it copied", "[field_store]") {
    field_store s;
    {
        std::string name = "content-type", value = "text/plain";
        std::string secret = "s3cret";
        const std::vector<field> f{
            {":status", "200"}, {name, value}, {"authorization", secret, true}};
        s.assign(f);
        name.assign(name.size(), 'x');
        value.assign(value.size(), 'y');
    }
    REQUIRE(s.fields().size() == 3);
    CHECK(s.get(":status") == "200");
    CHECK(s.get("content-type") == "text/plain");
    CHECK(s.fields()[2].never_indexed);  // RFC 7541 §6.2.3: the mark travels with the field
    CHECK(s.get("missing").empty());
    CHECK_FALSE(s.has("missing"));
    CHECK(s.has("authorization"));
}

TEST_CASE("reassigning reuses the store; trim drops large buffers", "[field_store]") {
    field_store s;
    const std::string big(100000, 'v');
    const std::vector<field> f{{"x-big", big}};
    s.assign(f);
    CHECK(s.get("x-big") == big);
    const std::vector<field> g{{"a", "1"}, {"b", "2"}};
    s.assign(g);
    CHECK(s.fields().size() == 2);
    CHECK(s.get("b") == "2");
    s.trim(4096);
    s.clear();
    CHECK(s.empty());
    s.assign(g);
    CHECK(s.get("a") == "1");
}

TEST_CASE("a field_store can borrow fields, and copy them in when they must outlive them",
          "[field_store]") {
    field_store s;
    s.assign(std::vector<field>{{"stale", "1"}});
    std::string value = "text/plain";
    {
        const std::vector<field> f{{":status", "200"}, {"content-type", value}};
        s.borrow(f);
        CHECK(s.borrowing());
        CHECK(s.fields().data() == f.data());  // no copy
        CHECK(s.get("content-type") == "text/plain");
        CHECK_FALSE(s.has("stale"));
        s.own();
        CHECK_FALSE(s.borrowing());
        CHECK(s.fields().data() != f.data());
        value.assign(value.size(), 'x');  // the original changes, then goes away
    }
    CHECK(s.get("content-type") == "text/plain");
    CHECK(s.fields().size() == 2);
    s.clear();
    CHECK(s.empty());
    s.own();  // nothing borrowed: nothing happens
    CHECK(s.empty());
}
