// box<T> and heap<T> (proto_codec/box.hpp): presence, value semantics,
// recursion, reuse of the allocation.
#include <catch2/catch.hpp>

#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <h2pb/proto_codec/box.hpp>

using h2pb::proto::box;
using h2pb::proto::heap;

namespace {
struct node {
    int value = 0;
    box<node> next;  // a type that contains itself
    std::string text;
    void clear() {
        value = 0;
        next.reset();
        text.clear();
    }
    friend bool operator==(const node&, const node&) = default;
};
}  // namespace

TEST_CASE("a box starts absent and emplace makes it present") {
    box<node> b;
    CHECK_FALSE(b.has_value());
    CHECK_FALSE(b);
    b.emplace().value = 7;
    REQUIRE(b.has_value());
    CHECK(b->value == 7);
    b.reset();
    CHECK_FALSE(b.has_value());
}

TEST_CASE("ensure keeps an existing value, emplace starts fresh") {
    box<node> b;
    b.ensure().value = 1;
    b.ensure().text =
        std::string(1, 'x');  // (not = "x": g++ 12 -O3 -Wrestrict false positive, PR105329)
    CHECK(b->value == 1);
    CHECK(b->text == "x");
    b.emplace();
    CHECK(b->value == 0);
    CHECK(b->text.empty());
}

TEST_CASE("copies are deep and compare by value") {
    box<node> a;
    a.emplace().next.emplace().value = 3;
    box<node> c = a;
    CHECK(c == a);
    c->next->value = 4;
    CHECK(a->next->value == 3);
    CHECK_FALSE(c == a);
    box<node> empty1, empty2;
    CHECK(empty1 == empty2);
    CHECK_FALSE(empty1 == a);
    empty1 = a;
    CHECK(empty1 == a);
    box<node> moved = std::move(c);
    CHECK(moved->next->value == 4);
}

TEST_CASE("reset keeps the allocation for the next emplace, cleared") {
    box<node> b;
    node* first = &b.emplace();
    b->text = std::string(100, 'z');
    b.reset();
    node* second = &b.emplace();
    CHECK(first == second);
    CHECK(b->text.empty());
    CHECK(b->text.capacity() >= 100);  // the string's memory is kept too
}

TEST_CASE("a box can be assigned a value") {
    box<node> b;
    node n;
    n.value = 9;
    b = n;
    CHECK(b.has_value());
    CHECK(b->value == 9);
}

TEST_CASE("a heap always holds a value, copies deeply") {
    heap<node> h;
    CHECK(h->value == 0);
    h->value = 5;
    heap<node> c = h;
    c->value = 6;
    CHECK(h->value == 5);
    CHECK_FALSE(c == h);
    heap<node> m = std::move(c);
    CHECK(m->value == 6);
    // The moved-from state is what is tested: heap guarantees a default value.
    CHECK(c->value == 0);  // NOLINT(bugprone-use-after-move): deliberate, see above
}

TEST_CASE("moving a heap does not throw, so a oneof and a vector of messages move") {
    // std::vector copies its elements when it grows unless their move
    // constructor is noexcept; std::variant's move assignment (a oneof
    // holding a sub-message) is noexcept only if each alternative's move
    // constructor is.
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<heap<node>>);
    STATIC_REQUIRE(std::is_nothrow_move_assignable_v<heap<node>>);
    STATIC_REQUIRE(
        std::is_nothrow_move_assignable_v<std::variant<std::monostate, int, heap<node>>>);
    std::vector<heap<node>> v(1);
    v[0]->value = 7;
    const node* before = &*v[0];
    v.resize(v.capacity() + 1);  // grows: the element is moved, not copied
    CHECK(&*v[0] == before);     // the same T: moving swaps the pointer
    CHECK(v[0]->value == 7);
}
