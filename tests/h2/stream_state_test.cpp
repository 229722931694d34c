// h2/stream_state.hpp: the §5.1 diagram as a table, and the receive rules.
#include <catch2/catch.hpp>

#include <h2pb/h2/stream_state.hpp>

using namespace h2pb::h2;
using enum stream_state;
using enum stream_event;

namespace {
stream_state after(stream_state s, std::initializer_list<stream_event> events) {
    for (auto e : events) {
        auto t = transition(s, e);
        REQUIRE(t.valid);
        s = t.next;
    }
    return s;
}
}  // namespace

TEST_CASE("§5.1 request/response lifecycle on both sides", "[h2][stream_state]") {
    // Client: send H, send ES (GET), recv H, recv ES.
    CHECK(after(idle, {send_headers}) == open);
    CHECK(after(idle, {send_headers, send_end_stream}) == half_closed_local);
    CHECK(after(idle, {send_headers, send_end_stream, recv_headers}) == half_closed_local);
    CHECK(after(idle, {send_headers, send_end_stream, recv_headers, recv_end_stream}) == closed);
    // Server: recv H + ES, send H, send ES.
    CHECK(after(idle, {recv_headers, recv_end_stream}) == half_closed_remote);
    CHECK(after(idle, {recv_headers, recv_end_stream, send_headers, send_end_stream}) == closed);
    // Reset from any open state.
    for (auto s : {open, half_closed_local, half_closed_remote, reserved_local, reserved_remote}) {
        CHECK(transition(s, send_rst_stream).next == closed);
        CHECK(transition(s, recv_rst_stream).next == closed);
    }
    // Push (never used by h2pb, but in the diagram).
    CHECK(after(idle, {send_push_promise, send_headers}) == half_closed_remote);
    CHECK(after(idle, {recv_push_promise, recv_headers}) == half_closed_local);
}

TEST_CASE("§5.1 transitions not in the diagram are invalid", "[h2][stream_state]") {
    CHECK_FALSE(transition(idle, send_end_stream).valid);
    CHECK_FALSE(transition(idle, recv_rst_stream).valid);
    CHECK_FALSE(transition(half_closed_local, send_headers).valid);  // nothing after our END_STREAM
    CHECK_FALSE(transition(half_closed_local, send_end_stream).valid);
    CHECK_FALSE(transition(half_closed_remote, recv_headers).valid);
    CHECK_FALSE(transition(half_closed_remote, recv_end_stream).valid);
    CHECK_FALSE(transition(reserved_local, recv_headers).valid);
    CHECK_FALSE(transition(reserved_remote, send_headers).valid);
    for (int e = 0; e < 8; ++e) CHECK_FALSE(transition(closed, static_cast<stream_event>(e)).valid);
}

TEST_CASE("§5.1 what a receiver does with each frame in each state", "[h2][stream_state]") {
    using enum received_frame;
    using enum receive_action;
    // idle: HEADERS or PRIORITY only.
    CHECK(on_receive(idle, headers) == accept);
    CHECK(on_receive(idle, priority) == accept);
    CHECK(on_receive(idle, data) == protocol_error);
    CHECK(on_receive(idle, rst_stream) == protocol_error);
    CHECK(on_receive(idle, window_update) == protocol_error);
    // reserved (local): RST_STREAM, PRIORITY, WINDOW_UPDATE.
    CHECK(on_receive(reserved_local, window_update) == accept);
    CHECK(on_receive(reserved_local, headers) == protocol_error);
    // reserved (remote): HEADERS, RST_STREAM, PRIORITY.
    CHECK(on_receive(reserved_remote, headers) == accept);
    CHECK(on_receive(reserved_remote, window_update) == protocol_error);
    // half-closed (remote): STREAM_CLOSED for DATA/HEADERS.
    CHECK(on_receive(half_closed_remote, data) == stream_closed);
    CHECK(on_receive(half_closed_remote, headers) == stream_closed);
    CHECK(on_receive(half_closed_remote, window_update) == accept);
    CHECK(on_receive(half_closed_remote, rst_stream) == accept);
    // half-closed (local): anything.
    for (int f = 0; f < 6; ++f)
        CHECK(on_receive(half_closed_local, static_cast<received_frame>(f)) == accept);
    // closed: WINDOW_UPDATE/RST_STREAM crossing our END_STREAM are ignored.
    CHECK(on_receive(closed, window_update) == ignore);
    CHECK(on_receive(closed, rst_stream) == ignore);
    CHECK(on_receive(closed, data) == stream_closed);
}

TEST_CASE("§5.1.2 only open and half-closed streams count toward concurrency",
          "[h2][stream_state]") {
    CHECK(counts_toward_concurrency(open));
    CHECK(counts_toward_concurrency(half_closed_local));
    CHECK(counts_toward_concurrency(half_closed_remote));
    CHECK_FALSE(counts_toward_concurrency(reserved_local));
    CHECK_FALSE(counts_toward_concurrency(idle));
    CHECK_FALSE(counts_toward_concurrency(closed));
    CHECK(name(half_closed_remote) == "half-closed (remote)");
}
