// Tests of rpc/timeout.hpp: grpc-timeout (PROTOCOL-HTTP2.md: TimeoutValue is a
// positive integer of at most 8 digits, TimeoutUnit one of H M S m u n).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <random>

#include <h2pb/rpc/timeout.hpp>

using namespace h2pb;
using namespace std::chrono_literals;
using std::chrono::nanoseconds;

TEST_CASE("timeout: parse each unit") {
    CHECK(rpc::parse_timeout("1S") == nanoseconds(1s));  // the spec's example "grpc-timeout = 1S"
    CHECK(rpc::parse_timeout("2H") == nanoseconds(2h));
    CHECK(rpc::parse_timeout("3M") == nanoseconds(3min));
    CHECK(rpc::parse_timeout("4m") == nanoseconds(4ms));
    CHECK(rpc::parse_timeout("5u") == nanoseconds(5us));
    CHECK(rpc::parse_timeout("6n") == nanoseconds(6));
    CHECK(rpc::parse_timeout("99999999n") == nanoseconds(99'999'999));
    CHECK(rpc::parse_timeout("00000010S") == nanoseconds(10s));
    CHECK(rpc::parse_timeout("0S") == nanoseconds(0));
}

TEST_CASE("timeout: 99999999H saturates instead of overflowing") {
    CHECK(rpc::parse_timeout("99999999H") == nanoseconds::max());
    // 99999999 min = 5.99999994e18 ns still fits under 2^63.
    CHECK(rpc::parse_timeout("99999999M") ==
          nanoseconds(std::int64_t{99'999'999} * 60'000'000'000));
    // 99999999 s = 9.9999999e16 ns fits.
    CHECK(rpc::parse_timeout("99999999S") == nanoseconds(std::int64_t{99'999'999} * 1'000'000'000));
}

TEST_CASE("timeout: anything outside the grammar is rejected") {
    for (const char* bad : {"", "S", "1", "123456789S", "1s", "1h", "1x", "-1S", "+1S", " 1S",
                            "1S ", "1 S", "1.5S", "0x1S", "1SS"}) {
        INFO(bad);
        CHECK_FALSE(rpc::parse_timeout(bad).has_value());
    }
}

TEST_CASE("timeout: format picks the finest unit in 8 digits, rounding up") {
    CHECK(rpc::format_timeout(1ns).view() == "1n");
    CHECK(rpc::format_timeout(99'999'999ns).view() == "99999999n");
    CHECK(rpc::format_timeout(100'000'000ns).view() == "100000u");
    CHECK(rpc::format_timeout(100'000'001ns).view() == "100001u");  // up, never shorter
    CHECK(rpc::format_timeout(1500ms).view() == "1500000u");
    CHECK(rpc::format_timeout(1s).view() == "1000000u");
    CHECK(rpc::format_timeout(100s).view() == "100000m");
    CHECK(rpc::format_timeout(1h).view() == "3600000m");
    CHECK(rpc::format_timeout(std::chrono::hours(100'000)).view() == "6000000M");
    // Beyond int64 nanoseconds (~292 years) it saturates like parse_timeout.
    CHECK(rpc::format_timeout(std::chrono::hours(200'000'000)).view() == "2562048H");
    CHECK(rpc::format_timeout(nanoseconds::max()).view() == "2562048H");  // 2562047.79 h, up
    CHECK(rpc::format_timeout(std::chrono::duration<double>(0.5)).view() == "500000u");
}

TEST_CASE("timeout: zero and negative durations become 1n") {
    CHECK(rpc::format_timeout(0ns).view() == "1n");
    CHECK(rpc::format_timeout(-5s).view() == "1n");
}

TEST_CASE("timeout: parse(format(d)) is never shorter than d, and close") {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 10000; ++i) {
        const nanoseconds d(static_cast<std::int64_t>(rng() >> (rng() % 63)) & INT64_MAX);
        if (d.count() == 0) continue;
        const auto t = rpc::format_timeout(d);
        REQUIRE(t.size <= 9);
        const auto back = rpc::parse_timeout(t.view());
        REQUIRE(back.has_value());
        CHECK(*back >= d);
        // The error is less than one unit. A coarser unit is only chosen when
        // the finer one needs more than 8 digits, so the count is then at
        // least 99999999 / 1000 (m -> S, the largest unit ratio): the error
        // is below 1e-5 of the value.
        CHECK(static_cast<double>((*back - d).count()) <=
              static_cast<double>(d.count()) * 1e-5 + 1);
    }
}
