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
