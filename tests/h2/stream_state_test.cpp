// h2/stream_state.hpp: the §5.1 diagram as a table, and the receive rules;
// then the same table driven through a real connection, row by row.
//
// Expected values are read off RFC 9113 §5.1 (Figure 2 and the state
// descriptions below it), not off the table: the diagram's arrows are listed
// here by hand, and everything else must be invalid.
#include <catch2/catch.hpp>

#include <set>
#include <utility>

#include "h2_harness.hpp"

using namespace h2pb;
using namespace h2pb::h2;
using namespace h2pb::test;
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

constexpr stream_state all_states[] = {idle, open, half_closed_local, half_closed_remote, closed};
constexpr stream_event all_events[] = {send_headers,    recv_headers,    send_end_stream,
                                       recv_end_stream, send_rst_stream, recv_rst_stream};

/// The arrows of Figure 2 (push left out: h2pb never enables it), plus the
/// HEADERS that keep a stream where it is ("open: ... frames of any type";
/// half-closed (local) "can receive any type of frame"; half-closed (remote)
/// "can be used by the endpoint to send frames of any type").
const std::set<std::tuple<stream_state, stream_event, stream_state>> rfc_arrows = {
    {idle, send_headers, open},
    {idle, recv_headers, open},
    {open, send_headers, open},
    {open, recv_headers, open},
    {open, send_end_stream, half_closed_local},
    {open, recv_end_stream, half_closed_remote},
    {open, send_rst_stream, closed},
    {open, recv_rst_stream, closed},
    {half_closed_local, recv_headers, half_closed_local},
    {half_closed_local, recv_end_stream, closed},
    {half_closed_local, send_rst_stream, closed},
    {half_closed_local, recv_rst_stream, closed},
    {half_closed_remote, send_headers, half_closed_remote},
    {half_closed_remote, send_end_stream, closed},
    {half_closed_remote, send_rst_stream, closed},
    {half_closed_remote, recv_rst_stream, closed},
};
}  // namespace

TEST_CASE("§5.1 every cell of the transition table matches Figure 2", "[h2][stream_state]") {
    int valid = 0;
    for (const stream_state s : all_states) {
        for (const stream_event e : all_events) {
            CAPTURE(name(s), static_cast<int>(e));
            const transition_result t = transition(s, e);
            bool expected = false;
            for (const auto& [from, ev, to] : rfc_arrows) {
                if (from == s && ev == e) {
                    expected = true;
                    CHECK(t.next == to);
                }
            }
            CHECK(t.valid == expected);
            valid += t.valid;
        }
    }
    CHECK(valid == static_cast<int>(rfc_arrows.size()));
}

TEST_CASE("§5.1 request/response lifecycle on both sides", "[h2][stream_state]") {
    // Client: send H, send ES (GET), recv H, recv ES.
    CHECK(after(idle, {send_headers}) == open);
    CHECK(after(idle, {send_headers, send_end_stream}) == half_closed_local);
    CHECK(after(idle, {send_headers, send_end_stream, recv_headers}) == half_closed_local);
    CHECK(after(idle, {send_headers, send_end_stream, recv_headers, recv_end_stream}) == closed);
    // Server: recv H + ES, send H, send ES.
    CHECK(after(idle, {recv_headers, recv_end_stream}) == half_closed_remote);
    CHECK(after(idle, {recv_headers, recv_end_stream, send_headers, send_end_stream}) == closed);
    // "closed" is the terminal state.
    for (const stream_event e : all_events) CHECK_FALSE(transition(closed, e).valid);
}

TEST_CASE("step_local / step_remote: our events and the peer's", "[h2][stream_state]") {
    stream_state s = idle;
    step_local(s, send_headers);
    CHECK(s == open);
    // A peer event the diagram does not allow is refused and leaves the state.
    s = half_closed_remote;
    CHECK_FALSE(step_remote(s, recv_headers));
    CHECK(s == half_closed_remote);
    CHECK_FALSE(step_remote(s, recv_end_stream));
    CHECK_FALSE(step_remote(s, send_end_stream));  // not the peer's event
    CHECK(s == half_closed_remote);
    CHECK(step_remote(s, recv_rst_stream));
    CHECK(s == closed);
    CHECK(is_local(send_rst_stream));
    CHECK_FALSE(is_local(recv_rst_stream));
}

TEST_CASE("§5.1 what a receiver does with each frame in each state", "[h2][stream_state]") {
    using enum received_frame;
    using enum receive_action;
    // idle: "Receiving any frame other than HEADERS or PRIORITY on a stream in
    // this state MUST be treated as a connection error of type PROTOCOL_ERROR."
    CHECK(on_receive(idle, headers) == accept);
    CHECK(on_receive(idle, data) == protocol_error);
    CHECK(on_receive(idle, rst_stream) == protocol_error);
    CHECK(on_receive(idle, window_update) == protocol_error);
    // open, half-closed (local): any frame.
    for (const received_frame f : {data, headers, rst_stream, window_update}) {
        CHECK(on_receive(open, f) == accept);
        CHECK(on_receive(half_closed_local, f) == accept);
    }
    // half-closed (remote): other than WINDOW_UPDATE, PRIORITY or RST_STREAM,
    // "a stream error ... of type STREAM_CLOSED".
    CHECK(on_receive(half_closed_remote, data) == stream_closed);
    CHECK(on_receive(half_closed_remote, headers) == stream_closed);
    CHECK(on_receive(half_closed_remote, window_update) == accept);
    CHECK(on_receive(half_closed_remote, rst_stream) == accept);
    // closed: WINDOW_UPDATE / RST_STREAM may cross our END_STREAM (ignored);
    // DATA: §6.1 "stream error ... STREAM_CLOSED"; HEADERS: the "MAY ...
    // connection error ... of type STREAM_CLOSED".
    CHECK(on_receive(closed, window_update) == ignore);
    CHECK(on_receive(closed, rst_stream) == ignore);
    CHECK(on_receive(closed, data) == stream_closed);
    CHECK(on_receive(closed, headers) == connection_stream_closed);
}

TEST_CASE("the two tables agree: an accepted frame's events are transitions",
          "[h2][stream_state]") {
    // connection.hpp applies the peer's events only after on_receive()
    // accepted the frame, and asserts the transition exists.
    using enum received_frame;
    for (const stream_state s : all_states) {
        CAPTURE(name(s));
        if (on_receive(s, headers) == receive_action::accept) {
            const transition_result h = transition(s, recv_headers);
            REQUIRE(h.valid);
            CHECK(transition(h.next, recv_end_stream).valid);  // HEADERS with END_STREAM
        }
        if (on_receive(s, data) == receive_action::accept)
            CHECK(transition(s, recv_end_stream).valid);
        if (on_receive(s, rst_stream) == receive_action::accept)
            CHECK(transition(s, recv_rst_stream).valid);
        CHECK(remote_open(s) == (on_receive(s, data) == receive_action::accept));
    }
}

TEST_CASE("§5.1.2 only open and half-closed streams count toward concurrency",
          "[h2][stream_state]") {
    CHECK(counts_toward_concurrency(open));
    CHECK(counts_toward_concurrency(half_closed_local));
    CHECK(counts_toward_concurrency(half_closed_remote));
    CHECK_FALSE(counts_toward_concurrency(idle));
    CHECK_FALSE(counts_toward_concurrency(closed));
    CHECK(name(half_closed_remote) == "half-closed (remote)");
}

// ------------------------------------------------------------------ through a connection

namespace {
struct pair_fixture {
    connection client{role::client, t0()};
    connection server{role::server, t0()};
    recorder rc, rs;
    pair_fixture() {
        rc.auto_consume = &client;
        rs.auto_consume = &server;
        pump(client, rc, server, rs);
    }
    void run() { pump(client, rc, server, rs); }
    const hpack::field ok[1] = {{":status", "200"}};
    const hpack::field trailers[1] = {{"grpc-status", "0"}};
};

/// The RST_STREAM frames in `bytes`, as (stream, code) pairs.
std::vector<std::pair<std::uint32_t, std::uint32_t>> resets_in(const std::string& bytes) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
    for (const auto& f : frames_of(bytes))
        if (f.header.type == frame_type::rst_stream)
            out.emplace_back(f.header.stream_id, u32_at(f.payload, 0));
    return out;
}
/// Resets the stream from inside the event that reports its END_STREAM.
struct resetting {
    recorder& r;
    connection& c;
    send_errc& result;
    void operator()(const data_received& e) {
        if (e.end_stream) result = c.reset_stream(e.stream_id, error_code::cancel);
        r(e);
    }
    template <class E>
    void operator()(const E& e) {
        r(e);
    }
};
}  // namespace

TEST_CASE("connection: every HEADERS and END_STREAM row, on both ends", "[h2][stream_state]") {
    pair_fixture p;
    // idle --send H--> open (client); idle --recv H--> open (server).
    CHECK(p.client.state_of(1) == idle);
    auto id = p.client.submit_request(post_request(), false);
    REQUIRE(id);
    CHECK(p.client.state_of(1) == open);
    p.run();
    CHECK(p.server.state_of(1) == open);
    // open --send H--> open (server: response headers); open --recv H--> open.
    REQUIRE(p.server.submit_response(1, p.ok, false) == send_errc::ok);
    CHECK(p.server.state_of(1) == open);
    p.run();
    CHECK(p.client.state_of(1) == open);
    // open --send ES--> half-closed (local); open --recv ES--> half-closed (remote).
    REQUIRE(*p.client.send_data(1, wire::as_bytes("x"), true) == 1);
    CHECK(p.client.state_of(1) == half_closed_local);
    p.run();
    CHECK(p.server.state_of(1) == half_closed_remote);
    // half-closed (remote) --send H--> half-closed (remote): trailers carry
    // END_STREAM, so this row is a 1xx before the final response (below).
    // half-closed (remote) --send ES--> closed; half-closed (local) --recv H,
    // recv ES--> closed.
    REQUIRE(p.server.submit_trailers(1, p.trailers) == send_errc::ok);
    CHECK(p.server.state_of(1) == closed);
    CHECK(p.server.active_streams() == 0);
    p.run();
    CHECK(p.client.state_of(1) == closed);
    CHECK(p.client.active_streams() == 0);
    CHECK(p.rs.count<stream_reset>() == 0);
    CHECK(p.rc.count<stream_reset>() == 0);
}

TEST_CASE("connection: HEADERS that keep half-closed streams where they are",
          "[h2][stream_state]") {
    pair_fixture p;
    REQUIRE(p.client.submit_request(get_request(), true));
    p.run();
    CHECK(p.client.state_of(1) == half_closed_local);
    CHECK(p.server.state_of(1) == half_closed_remote);
    // half-closed (remote) --send H--> half-closed (remote): a 1xx (§8.1).
    const hpack::field early[] = {{":status", "103"}};
    REQUIRE(p.server.submit_response(1, early, false) == send_errc::ok);
    CHECK(p.server.state_of(1) == half_closed_remote);
    // half-closed (local) --recv H--> half-closed (local).
    p.run();
    CHECK(p.client.state_of(1) == half_closed_local);
    REQUIRE(p.server.submit_response(1, p.ok, true) == send_errc::ok);
    p.run();
    CHECK(p.client.state_of(1) == closed);
    CHECK(p.server.state_of(1) == closed);
}

TEST_CASE("connection: RST_STREAM sent and received from open and half-closed",
          "[h2][stream_state]") {
    // {client ends its side first?, server ends its side first?, who resets}
    struct row {
        bool client_ends;
        bool server_ends;
        bool client_resets;
        stream_state client_before;
        stream_state server_before;
    };
    const row rows[] = {
        {false, false, true, open, open},
        {false, false, false, open, open},
        {true, false, true, half_closed_local, half_closed_remote},
        {true, false, false, half_closed_local, half_closed_remote},
        {false, true, true, half_closed_remote, half_closed_local},
        {false, true, false, half_closed_remote, half_closed_local},
    };
    for (const row& r : rows) {
        CAPTURE(r.client_ends, r.server_ends, r.client_resets);
        pair_fixture p;
        REQUIRE(p.client.submit_request(post_request(), r.client_ends));
        p.run();
        REQUIRE(p.server.submit_response(1, p.ok, false) == send_errc::ok);
        if (r.server_ends) REQUIRE(*p.server.send_data(1, {}, true) == 0);
        p.run();
        REQUIRE(p.client.state_of(1) == r.client_before);
        REQUIRE(p.server.state_of(1) == r.server_before);
        connection& resetter = r.client_resets ? p.client : p.server;
        connection& other = r.client_resets ? p.server : p.client;
        recorder& other_events = r.client_resets ? p.rs : p.rc;
        // send R --> closed, at once.
        REQUIRE(resetter.reset_stream(1, error_code::cancel) == send_errc::ok);
        CHECK(resetter.state_of(1) == closed);
        CHECK(resetter.active_streams() == 0);
        // §5.1 closed: "An endpoint MUST NOT send frames other than PRIORITY
        // on a closed stream": a second reset is refused, nothing is sent.
        CHECK(resetter.reset_stream(1, error_code::cancel) == send_errc::no_such_stream);
        // recv R --> closed.
        p.run();
        CHECK(other.state_of(1) == closed);
        CHECK(other.active_streams() == 0);
        const stream_reset* got = other_events.first<stream_reset>();
        REQUIRE(got);
        CHECK(got->remote);
        CHECK(got->code == error_code::cancel);
    }
}

TEST_CASE("connection: our calls the table refuses are refused, not sent", "[h2][stream_state]") {
    pair_fixture p;
    REQUIRE(p.client.submit_request(get_request(), true));
    // half-closed (local): nothing after our END_STREAM.
    CHECK(p.client.send_data(1, wire::as_bytes("x"), false).error() ==
          send_errc::stream_not_writable);
    CHECK(p.client.submit_trailers(1, p.trailers) == send_errc::stream_not_writable);
    CHECK(p.client.state_of(1) == half_closed_local);
    // A stream that closed during the event reporting its end: no RST_STREAM.
    p.run();
    REQUIRE(p.server.submit_response(1, p.ok, false) == send_errc::ok);
    REQUIRE(*p.server.send_data(1, wire::as_bytes("body"), true) == 4);
    const std::string wire_bytes = drain(p.server);
    send_errc reset_in_handler = send_errc::ok;
    resetting handler{p.rc, p.client, reset_in_handler};
    p.client.receive(wire::as_bytes(wire_bytes), t0(), handler);
    CHECK(reset_in_handler == send_errc::no_such_stream);
    CHECK(p.client.state_of(1) == closed);
    CHECK(resets_in(drain(p.client)).empty());
}

TEST_CASE("connection: the peer's events the table refuses are errors of the right kind",
          "[h2][stream_state]") {
    // Server side; the peer (a raw client) opens stream 1 with END_STREAM:
    // half-closed (remote) for us.
    connection server(role::server, t0());
    recorder r;
    peer_bytes p;
    p.preface().settings();
    p.headers(1, {{":method", "GET"}, {":scheme", "http"}, {":authority", "a"}, {":path", "/"}},
              true);
    server.receive(p.view(), t0(), r);
    REQUIRE(server.state_of(1) == half_closed_remote);
    (void)drain(server);

    SECTION("half-closed (remote): HEADERS -> stream error STREAM_CLOSED") {
        // §5.1: "If an endpoint receives additional frames, other than
        // WINDOW_UPDATE, PRIORITY, or RST_STREAM, for a stream that is in this
        // state, it MUST respond with a stream error (Section 5.4.2) of type
        // STREAM_CLOSED." A stream error: RST_STREAM, the connection lives.
        p.b.clear();  // same peer, same HPACK encoder
        p.headers(1, {{"x-late", "1"}}, true);
        server.receive(p.view(), t0(), r);
        const auto resets = resets_in(drain(server));
        REQUIRE(resets.size() == 1);
        CHECK(resets[0] == std::pair<std::uint32_t, std::uint32_t>{
                               1, static_cast<std::uint32_t>(error_code::stream_closed)});
        CHECK(server.state_of(1) == closed);
        CHECK(r.count<connection_error>() == 0);
        CHECK_FALSE(server.is_closed());
    }
    SECTION("half-closed (remote): DATA -> stream error STREAM_CLOSED") {
        peer_bytes q;
        q.data(1, "late", false);
        server.receive(q.view(), t0(), r);
        const auto resets = resets_in(drain(server));
        REQUIRE(resets.size() == 1);
        CHECK(resets[0].second == static_cast<std::uint32_t>(error_code::stream_closed));
        CHECK(r.count<connection_error>() == 0);
    }
    SECTION("idle: DATA -> connection error PROTOCOL_ERROR") {
        // §5.1 idle: "Receiving any frame other than HEADERS or PRIORITY on a
        // stream in this state MUST be treated as a connection error
        // (Section 5.4.1) of type PROTOCOL_ERROR."
        peer_bytes q;
        q.data(3, "x", false);
        server.receive(q.view(), t0(), r);
        const connection_error* e = r.first<connection_error>();
        REQUIRE(e);
        CHECK(e->code == error_code::protocol_error);
        CHECK(server.is_closed());
    }
    SECTION("closed: RST_STREAM crossing our END_STREAM is ignored") {
        const hpack::field ok[] = {{":status", "200"}};
        REQUIRE(server.submit_response(1, ok, true) == send_errc::ok);
        REQUIRE(server.state_of(1) == closed);
        peer_bytes q;
        q.frame(frame_type::rst_stream, 0, 1, std::string_view("\0\0\0\x08", 4));
        server.receive(q.view(), t0(), r);
        CHECK(resets_in(drain(server)).empty());
        CHECK(r.count<connection_error>() == 0);
        CHECK(r.count<stream_reset>() == 0);
    }
}
