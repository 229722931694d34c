// rpc/health.hpp: the state behind grpc.health.v1.Health, checked against
// health-checking.md sentence by sentence (the quotes below), and the
// checked-in health.h2pb.hpp against bytes encoded by hand from the .proto
// (HealthCheckResponse.status is field 1, varint: tag 0x08).
#include <string>
#include <thread>
#include <vector>

#include <h2pb/rpc/health.hpp>

#include <catch2/catch.hpp>

namespace rpc = h2pb::rpc;
using st = rpc::serving_status;

TEST_CASE("health: the enum values are the .proto's") {
    // enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
    CHECK(static_cast<int>(st::UNKNOWN) == 0);
    CHECK(static_cast<int>(st::SERVING) == 1);
    CHECK(static_cast<int>(st::NOT_SERVING) == 2);
    CHECK(static_cast<int>(st::SERVICE_UNKNOWN) == 3);
    grpc::health::v1::HealthCheckResponse r;
    r.status = st::NOT_SERVING;
    h2pb::wire::buffer b;
    h2pb::proto::encode(r, b);
    CHECK(std::string(reinterpret_cast<const char*>(b.view().data()), b.view().size()) ==
          std::string("\x08\x02", 2));
}

TEST_CASE("health: \"\" is the server's overall status, SERVING from the start") {
    rpc::health_registry h;
    REQUIRE(h.check("") == st::SERVING);
}

TEST_CASE("health: Check of an unregistered service finds nothing (NOT_FOUND)") {
    rpc::health_registry h;
    CHECK_FALSE(h.check("a.B").has_value());
    h.set("a.B", st::NOT_SERVING);
    CHECK(h.check("a.B") == st::NOT_SERVING);
    h.set("a.B", st::SERVING);
    CHECK(h.check("a.B") == st::SERVING);
    // "exact matching of the service name without support of any kind of
    // wildcard matching"
    CHECK_FALSE(h.check("a.b").has_value());
    CHECK_FALSE(h.check("a.B ").has_value());
    CHECK_FALSE(h.check("a.").has_value());
    h.clear("a.B");
    CHECK_FALSE(h.check("a.B").has_value());
}

TEST_CASE("health: Watch gets the current status at once, then every change") {
    rpc::health_registry h;
    std::vector<st> seen;
    const auto id = h.watch("a.B", [&](st s) { seen.push_back(s); });
    CHECK(id != 0);
    // unknown service: SERVICE_UNKNOWN, "Used only by the Watch method"
    REQUIRE(seen == std::vector<st>{st::SERVICE_UNKNOWN});
    h.set("a.B", st::SERVING);
    h.set("a.B", st::SERVING);  // no change: nothing to tell
    h.set("other", st::NOT_SERVING);
    h.set("a.B", st::NOT_SERVING);
    h.clear("a.B");
    CHECK(seen ==
          std::vector<st>{st::SERVICE_UNKNOWN, st::SERVING, st::NOT_SERVING, st::SERVICE_UNKNOWN});
    h.unwatch(id);
    h.set("a.B", st::SERVING);
    CHECK(seen.size() == 4);
    CHECK(h.watchers() == 0);
}

TEST_CASE("health: several watchers of one service, and of \"\"") {
    rpc::health_registry h;
    std::vector<st> a, b, all;
    const auto ia = h.watch("s", [&](st s) { a.push_back(s); });
    const auto ib = h.watch("s", [&](st s) { b.push_back(s); });
    const auto iall = h.watch("", [&](st s) { all.push_back(s); });
    h.set("s", st::SERVING);
    h.unwatch(ia);
    h.set("s", st::NOT_SERVING);
    h.set("", st::NOT_SERVING);
    CHECK(a == std::vector<st>{st::SERVICE_UNKNOWN, st::SERVING});
    CHECK(b == std::vector<st>{st::SERVICE_UNKNOWN, st::SERVING, st::NOT_SERVING});
    CHECK(all == std::vector<st>{st::SERVING, st::NOT_SERVING});
    h.unwatch(ib);
    h.unwatch(iall);
    h.unwatch(12345);  // unknown id: nothing
    CHECK(h.watchers() == 0);
}

TEST_CASE("health: shutdown turns everything NOT_SERVING and freezes it") {
    rpc::health_registry h;
    h.set("a", st::SERVING);
    h.set("b", st::NOT_SERVING);
    std::vector<st> wa, wb, wall;
    h.watch("a", [&](st s) { wa.push_back(s); });
    h.watch("b", [&](st s) { wb.push_back(s); });
    h.watch("", [&](st s) { wall.push_back(s); });
    h.shutdown();
    CHECK(h.is_shut_down());
    CHECK(h.check("") == st::NOT_SERVING);
    CHECK(h.check("a") == st::NOT_SERVING);
    CHECK(h.check("b") == st::NOT_SERVING);
    CHECK(wa == std::vector<st>{st::SERVING, st::NOT_SERVING});
    CHECK(wb == std::vector<st>{st::NOT_SERVING});  // no change, no message
    CHECK(wall == std::vector<st>{st::SERVING, st::NOT_SERVING});
    // grpc C++ and grpc-go ignore SetServingStatus after Shutdown.
    CHECK_FALSE(h.set("a", st::SERVING));
    CHECK_FALSE(h.set("new", st::SERVING));
    CHECK(h.check("a") == st::NOT_SERVING);
    CHECK_FALSE(h.check("new").has_value());
    h.clear("a");
    CHECK(h.check("a") == st::NOT_SERVING);
    CHECK(wa.size() == 2);
}

TEST_CASE("health: set and watch from several threads") {
    rpc::health_registry h;
    constexpr int rounds = 2000;
    std::thread setter([&] {
        for (int i = 0; i < rounds; ++i) h.set("s", i % 2 ? st::SERVING : st::NOT_SERVING);
    });
    std::thread watcher([&] {
        for (int i = 0; i < rounds; ++i) {
            int calls = 0;
            const auto id = h.watch("s", [&](st) { ++calls; });
            h.unwatch(id);
            REQUIRE(calls >= 1);
        }
    });
    setter.join();
    watcher.join();
    CHECK(h.check("s") == st::SERVING);
    CHECK(h.watchers() == 0);
}
