// wire/result.hpp and wire/error.hpp: values, errors, messages.
#include <catch2/catch.hpp>

#include <h2pb/wire/result.hpp>

using namespace h2pb;

namespace {
wire::result<int> half(int v) {
    if (v % 2 != 0)
        return wire::failure{wire::error{wire::errc::truncated, static_cast<std::size_t>(v)}};
    return v / 2;
}
}  // namespace

TEST_CASE("result holds a value or an error", "[wire][result]") {
    auto ok = half(10);
    REQUIRE(ok);
    CHECK(*ok == 5);
    auto bad = half(7);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == wire::errc::truncated);
    CHECK(bad.error().offset == 7);
    CHECK(bad.error().message() == "offset 7: input ends before the value is complete");
}

TEST_CASE("error converts to true only when it holds an error", "[wire][error]") {
    wire::error none;
    CHECK_FALSE(none);
    wire::error some{wire::errc::varint_overflow, 3};
    CHECK(some);
    CHECK(some == wire::error{wire::errc::varint_overflow, 3});
}
