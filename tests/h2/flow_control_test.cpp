// h2/flow_control.hpp: send and receive windows (RFC 9113 §5.2, §6.9).
#include <catch2/catch.hpp>

#include <h2pb/h2/flow_control.hpp>

using namespace h2pb::h2;

TEST_CASE("§6.9.1 send window: consume, increase, overflow past 2^31-1", "[h2][flow_control]") {
    send_window w;
    CHECK(w.available() == 65535);
    w.consume(65535);
    CHECK(w.available() == 0);
    CHECK(w.increase(10));
    CHECK(w.available() == 10);
    CHECK(w.increase(0x7fffffff - 10));
    CHECK(w.value() == 0x7fffffff);
    CHECK_FALSE(w.increase(1));  // FLOW_CONTROL_ERROR; unchanged
    CHECK(w.value() == 0x7fffffff);
}

TEST_CASE("§6.9.2 send window may go negative after SETTINGS_INITIAL_WINDOW_SIZE shrinks",
          "[h2][flow_control]") {
    send_window w;
    w.consume(60000);
    CHECK(w.adjust(16384 - 65535));  // the RFC's example: 60 KB sent, window set to 16 KB
    CHECK(w.value() == 16384 - 60000);
    CHECK(w.available() == 0);
    CHECK(w.increase(50000));
    CHECK(w.available() == 16384 - 60000 + 50000);
    send_window big(0x7ffffff0);
    CHECK_FALSE(big.adjust(0x10));
}

TEST_CASE("receive window: data beyond it is refused", "[h2][flow_control]") {
    recv_window r(100, 100);
    CHECK(r.receive(60));
    CHECK_FALSE(r.receive(41));
    CHECK(r.value() == 40);
    CHECK(r.receive(40));
    CHECK(r.value() == 0);
}

TEST_CASE("receive window: WINDOW_UPDATE once half the window is released", "[h2][flow_control]") {
    recv_window r(65535, 65535);
    REQUIRE(r.receive(40000));
    CHECK(r.release(10000) == 0);  // below the threshold of 32767: wait
    CHECK(r.pending_update() == 10000);
    CHECK(r.release(30000) == 40000);  // announced in one increment
    CHECK(r.value() == 65535);
    CHECK(r.pending_update() == 0);
    // Forced: announce whatever is pending.
    REQUIRE(r.receive(5));
    CHECK(r.release(5) == 0);
    CHECK(r.take_update(true) == 5);
}

TEST_CASE("receive window: a slow consumer closes the window (backpressure)",
          "[h2][flow_control]") {
    recv_window r(1000, 1000);
    REQUIRE(r.receive(1000));
    CHECK_FALSE(r.receive(1));  // nothing released: the peer must wait
    CHECK(r.release(500) == 500);
    CHECK(r.receive(500));
}

TEST_CASE("receive window: larger targets, and settings changes", "[h2][flow_control]") {
    recv_window conn(65535, 65535);
    CHECK(conn.grow_target(1 << 20) == (1 << 20) - 65535);  // announced at once
    CHECK(conn.value() == 1 << 20);
    recv_window s(65535, 65535);
    s.adjust(16384 - 65535);
    CHECK(s.value() == 16384);
    CHECK(s.target() == 16384);
}
