// h2/limits.hpp: every limit against abuse (RFC 9113 §10.5), with its
// default and its setting: below the limit a peer is served, past it the
// reaction is the one limits.hpp documents.
#include <catch2/catch.hpp>

#include <string>

#include "h2_harness.hpp"

using namespace h2pb;
using namespace h2pb::h2;
using namespace h2pb::test;

namespace {

std::string u32(std::uint32_t v) {
    std::string s(4, '\0');
    wire::store_be32(reinterpret_cast<wire::byte*>(s.data()), v);
    return s;
}

/// A server after the handshake with a client peer.
struct server_under_attack {
    connection conn;
    recorder rec;
    peer_bytes p;
    explicit server_under_attack(const connection_options& o = {}) : conn(role::server, t0(), o) {
        p.preface().settings().settings_ack();
        send();
        drain(conn);
    }
    void send(h2::time_point now = t0()) {
        conn.receive(p.view(), now, rec);
        p.b.clear();
    }
    const connection_error* error() const { return rec.first<connection_error>(); }
    errc reason() const { return error() ? error()->reason.code : errc::ok; }
    void open(std::uint32_t id, bool end_stream = false) {
        p.headers(id, {{":method", "GET"}, {":scheme", "https"}, {":path", "/"}}, end_stream);
    }
};

}  // namespace

TEST_CASE("limit: max concurrent streams (default 100, REFUSED_STREAM beyond)", "[h2][abuse]") {
    server_under_attack s;
    for (std::uint32_t i = 0; i < 101; ++i) s.open(1 + 2 * i);
    s.send();
    CHECK(s.rec.count<ev_headers>() == 100);
    auto fs = frames_of(drain(s.conn));
    auto rst = find_frame(fs, frame_type::rst_stream);
    REQUIRE(rst);
    CHECK(rst->header.stream_id == 201);
    CHECK(u32_at(rst->payload, 0) == static_cast<std::uint32_t>(error_code::refused_stream));
    CHECK(s.conn.active_streams() == 100);
    CHECK(s.conn.last_peer_stream_processed() == 199);  // refused streams were not processed

    connection_options five;
    five.max_concurrent_streams = 5;
    server_under_attack t(five);
    for (std::uint32_t i = 0; i < 6; ++i) t.open(1 + 2 * i);
    t.send();
    CHECK(t.rec.count<ev_headers>() == 5);
}

TEST_CASE("limit: max header list size, advertised and enforced", "[h2][abuse]") {
    connection_options o;
    o.max_header_list_size = 1000;
    server_under_attack s(o);
    // Advertised in the preface.
    connection fresh(role::server, t0(), o);
    auto fs = frames_of(drain(fresh));
    settings_frame sf{false, wire::as_bytes(fs.at(0).payload)};
    bool advertised = false;
    for (std::size_t i = 0; i < sf.size(); ++i)
        if (sf[i].id == 6 && sf[i].value == 1000) advertised = true;
    CHECK(advertised);
    // Enforced: 900 octets of fields pass, 1100 do not (name + value + 32 each).
    s.p.headers(
        1, {{":method", "GET"}, {":scheme", "https"}, {":path", "/"}, {"x", std::string(700, 'a')}},
        true);
    s.p.headers(
        3,
        {{":method", "GET"}, {":scheme", "https"}, {":path", "/"}, {"x", std::string(1000, 'b')}},
        true);
    s.send();
    CHECK(s.rec.count<ev_headers>() == 1);
    auto out = frames_of(drain(s.conn));
    auto rst = find_frame(out, frame_type::rst_stream);
    REQUIRE(rst);
    CHECK(rst->header.stream_id == 3);
    CHECK(u32_at(rst->payload, 0) == static_cast<std::uint32_t>(error_code::enhance_your_calm));
    CHECK_FALSE(s.error());
}

TEST_CASE("limit: HPACK bomb — one large entry referenced many times", "[h2][abuse]") {
    server_under_attack s;
    // Insert a 3000-octet entry, then reference it 5000 times in one block:
    // 5000 octets on the wire, 15 MB if expanded.
    wire::buffer block;
    block.append(std::string_view("\x82\x87\x84", 3));  // :method GET, :scheme https, :path /
    block.push_back(0x40);  // literal with incremental indexing, new name
    block.push_back(0x01);
    block.push_back('x');
    block.push_back(0x7f);  // value length 3000 = 127 + 2873
    block.push_back(static_cast<wire::byte>(0x80 | (2873 & 0x7f)));
    block.push_back(static_cast<wire::byte>(2873 >> 7));
    block.append(std::string(3000, 'B'));
    for (int i = 0; i < 5000; ++i) block.push_back(0xbe);  // indexed: dynamic entry 62
    REQUIRE(block.size() < 16384);
    s.p.raw_headers(1, block.view(), {.end_stream = true});
    s.send();
    CHECK_FALSE(s.error());  // the HPACK state stayed in sync
    auto out = frames_of(drain(s.conn));
    auto rst = find_frame(out, frame_type::rst_stream);
    REQUIRE(rst);
    CHECK(u32_at(rst->payload, 0) == static_cast<std::uint32_t>(error_code::enhance_your_calm));
    // The connection still works, with the same table.
    s.p.frame(frame_type::headers, 0x05, 3, std::string_view("\x82\x87\x84\xbe", 4));
    s.send();
    REQUIRE(s.rec.first<ev_headers>());
    CHECK(s.rec.first<ev_headers>()->get("x") == std::string(3000, 'B'));
}

TEST_CASE("limit: field block size before END_HEADERS (CONTINUATION flood)", "[h2][abuse]") {
    connection_options o;
    o.limits.max_continuation_frames = 1000;  // isolate the byte limit
    server_under_attack s(o);
    s.p.frame(frame_type::headers, 0x01, 1, std::string(8000, '\x82'));
    s.p.frame(frame_type::continuation, 0, 1, std::string(8000, '\x82'));
    s.send();
    CHECK_FALSE(s.error());  // 16,000 octets: still within 16,384
    s.p.frame(frame_type::continuation, 0, 1, std::string(1000, '\x82'));
    s.send();
    REQUIRE(s.error());
    CHECK(s.reason() == errc::header_block_too_large);
    CHECK(s.error()->code == error_code::compression_error);
}

TEST_CASE("limit: CONTINUATION frames per block (default 8)", "[h2][abuse]") {
    server_under_attack ok;
    // :method GET | :scheme https | :path / | five empty fragments | END_HEADERS: 8 CONTINUATIONs.
    ok.p.frame(frame_type::headers, 0x01, 1, std::string_view("\x82", 1));
    ok.p.frame(frame_type::continuation, 0, 1, std::string_view("\x87", 1));
    ok.p.frame(frame_type::continuation, 0, 1, std::string_view("\x84", 1));
    for (int i = 0; i < 5; ++i) ok.p.frame(frame_type::continuation, 0, 1, "");
    ok.p.frame(frame_type::continuation, 0x04, 1, "");
    ok.send();
    CHECK_FALSE(ok.error());
    CHECK(ok.rec.count<ev_headers>() == 1);

    server_under_attack bad;
    bad.p.frame(frame_type::headers, 0x01, 1, std::string_view("\x82", 1));
    for (int i = 0; i < 9; ++i) bad.p.frame(frame_type::continuation, 0, 1, "");
    bad.send();
    REQUIRE(bad.error());
    CHECK(bad.reason() == errc::too_many_continuations);
    CHECK(bad.error()->code == error_code::enhance_your_calm);
}

TEST_CASE("limit: rapid reset (CVE-2023-44487) — burst 1000, then 33 per second", "[h2][abuse]") {
    server_under_attack s;
    std::uint32_t id = 1;
    for (int i = 0; i < 1000; ++i, id += 2) {
        s.open(id);
        s.p.frame(frame_type::rst_stream, 0, id, u32(8));
    }
    s.send();
    CHECK_FALSE(s.error());
    CHECK(s.rec.count<stream_reset>() == 1000);
    drain(s.conn);
    // One second later, 33 more are allowed; the 34th is one too many.
    for (int i = 0; i < 33; ++i, id += 2) {
        s.open(id);
        s.p.frame(frame_type::rst_stream, 0, id, u32(8));
    }
    s.send(t0() + 1s);
    CHECK_FALSE(s.error());
    s.open(id);
    s.p.frame(frame_type::rst_stream, 0, id, u32(8));
    s.send(t0() + 1s);
    REQUIRE(s.error());
    CHECK(s.reason() == errc::rapid_reset);
    const auto out = frames_of(drain(s.conn));
    auto go = find_frame(out, frame_type::goaway);
    REQUIRE(go);
    CHECK(u32_at(go->payload, 4) == static_cast<std::uint32_t>(error_code::enhance_your_calm));
}

TEST_CASE("limit: rapid reset counts streams we reset for the peer's faults too", "[h2][abuse]") {
    connection_options o;
    o.limits.reset_burst = 10;
    server_under_attack s(o);
    // Zero-length HEADERS: each is a malformed request, each costs a RST_STREAM.
    for (std::uint32_t i = 0; i < 11; ++i) s.p.frame(frame_type::headers, 0x05, 1 + 2 * i, "");
    s.send();
    REQUIRE(s.error());
    CHECK(s.reason() == errc::rapid_reset);
}

TEST_CASE("limit: answers queued to a peer that does not read (PING and SETTINGS floods)",
          "[h2][abuse]") {
    server_under_attack s;
    for (int i = 0; i < 1000; ++i) s.p.frame(frame_type::ping, 0, 0, std::string(8, 'p'));
    s.send();
    CHECK_FALSE(s.error());  // 1000 PING ACKs wait in the output
    s.p.frame(frame_type::settings, 0, 0, "");
    s.send();
    REQUIRE(s.error());
    CHECK(s.reason() == errc::control_frame_flood);
    CHECK(s.error()->code == error_code::enhance_your_calm);

    // The same PINGs with a driver that writes: no limit is hit.
    server_under_attack t;
    for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < 900; ++i) t.p.frame(frame_type::ping, 0, 0, std::string(8, 'p'));
        t.send(t0() + std::chrono::seconds(10 * round));
        drain(t.conn);
    }
    CHECK_FALSE(t.error());
    CHECK(t.rec.count<ping_received>() == 4500);
}

TEST_CASE("limit: empty frames (CVE-2019-9518) — 100 in a row", "[h2][abuse]") {
    server_under_attack s;
    s.open(1);
    for (int i = 0; i < 100; ++i) s.p.data(1, "", false);
    s.send();
    CHECK_FALSE(s.error());
    s.p.data(1, "real data", false);  // content resets the count
    for (int i = 0; i < 100; ++i) s.p.data(1, "", false);
    s.send();
    CHECK_FALSE(s.error());
    s.p.data(1, "", false);
    s.send();
    REQUIRE(s.error());
    CHECK(s.reason() == errc::empty_frame_flood);
    CHECK(s.error()->code == error_code::enhance_your_calm);
}

TEST_CASE("limit: zero-length HEADERS fragments count as empty frames", "[h2][abuse]") {
    connection_options o;
    o.limits.max_empty_frames = 3;
    o.limits.max_continuation_frames = 100;
    server_under_attack s(o);
    s.p.frame(frame_type::headers, 0, 1, "");
    for (int i = 0; i < 3; ++i) s.p.frame(frame_type::continuation, 0, 1, "");
    s.send();
    REQUIRE(s.error());
    CHECK(s.reason() == errc::empty_frame_flood);
}

TEST_CASE("limit: entries per SETTINGS frame (default 32)", "[h2][abuse]") {
    server_under_attack s;
    std::string ok, bad;
    for (int i = 0; i < 32; ++i) ok += std::string("\x00\x03\x00\x00\x00\x64", 6);
    bad = ok + std::string("\x00\x03\x00\x00\x00\x64", 6);
    s.p.frame(frame_type::settings, 0, 0, ok);
    s.send();
    CHECK_FALSE(s.error());
    s.p.frame(frame_type::settings, 0, 0, bad);
    s.send();
    REQUIRE(s.error());
    CHECK(s.reason() == errc::settings_too_many_entries);
}

TEST_CASE("limit: control frames — burst 10000, then 1000 per second", "[h2][abuse]") {
    connection_options o;
    o.limits.control_frame_burst = 100;
    o.limits.control_frame_rate_per_second = 10;
    server_under_attack s(o);
    // The handshake's SETTINGS took one token; 99 PRIORITY frames take the rest.
    for (int i = 0; i < 99; ++i) s.p.frame(frame_type::priority, 0, 1, u32(3) + "\x10");
    s.send();
    drain(s.conn);
    CHECK_FALSE(s.error());
    for (int i = 0; i < 10; ++i) s.p.frame(frame_type::ping, 0, 0, std::string(8, 'x'));
    s.send(t0() + 1s);  // refilled by 10
    drain(s.conn);
    CHECK_FALSE(s.error());
    s.p.frame(static_cast<frame_type>(0xcc), 0, 0, "");  // unknown types count too
    s.send(t0() + 1s);
    REQUIRE(s.error());
    CHECK(s.reason() == errc::frame_flood);
    // Defaults.
    CHECK(connection_limits{}.control_frame_burst == 10000);
    CHECK(connection_limits{}.control_frame_rate_per_second == 1000);
}

TEST_CASE("limit: WINDOW_UPDATE flood — updates not earned by our DATA are control frames",
          "[h2][abuse]") {
    connection_options o;
    o.limits.control_frame_burst = 50;
    o.limits.control_frame_rate_per_second = 0;
    // Earned updates: one per DATA we sent are free.
    {
        connection client(role::client, t0());
        connection server(role::server, t0(), o);
        recorder rc, rs;
        pump(client, rc, server, rs);
        auto id = *client.submit_request(post_request(), false);
        pump(client, rc, server, rs);
        for (int i = 0; i < 200; ++i) {
            (void)server.submit_response(id, std::vector<hpack::field>{{":status", "200"}}, false);
            REQUIRE(*server.send_data(id, wire::as_bytes("x"), false) == 1);
            client.receive(wire::as_bytes(drain(server)), t0(), rc);
            peer_bytes wu;
            write_window_update(wu.b, id, 1);
            write_window_update(wu.b, 0, 1);
            server.receive(wu.view(), t0(), rs);
        }
        CHECK(rs.count<connection_error>() == 0);
    }
    // The stream's update that crosses our END_STREAM (grpc C++ sends one per
    // call, after the response) is earned too: once per closed stream, even
    // when it comes after hundreds of other streams closed (more than the
    // closed streams remembered for RST_STREAM).
    {
        connection client(role::client, t0());
        connection server(role::server, t0(), o);
        recorder rc, rs;
        pump(client, rc, server, rs);
        std::vector<std::uint32_t> ids;
        for (int i = 0; i < 300; ++i) {
            const auto id = *client.submit_request(post_request(), true);
            pump(client, rc, server, rs);
            (void)server.submit_response(id, std::vector<hpack::field>{{":status", "200"}}, false);
            REQUIRE(*server.send_data(id, wire::as_bytes("x"), true) == 1);
            client.receive(wire::as_bytes(drain(server)), t0(), rc);
            ids.push_back(id);
        }
        for (const auto id : ids) {  // after every stream closed on both sides
            // In two steps, as grpc C++ returns a message's credit: the
            // 5-octet prefix, then the rest.
            peer_bytes wu;
            write_window_update(wu.b, id, 5);
            write_window_update(wu.b, id, 1);
            write_window_update(wu.b, 0, 5);
            write_window_update(wu.b, 0, 1);
            server.receive(wu.view(), t0(), rs);
        }
        CHECK(rs.count<connection_error>() == 0);
        // A third update for the same closed stream is not earned.
        for (int i = 0; i < 51; ++i) {
            peer_bytes wu;
            write_window_update(wu.b, ids.back(), 1);
            server.receive(wu.view(), t0(), rs);
        }
        REQUIRE(rs.count<connection_error>() == 1);
        CHECK(rs.first<connection_error>()->reason.code == errc::frame_flood);
    }
    // Unearned ones are counted, after the one every new stream may send to
    // announce its window (grpc C++ does, on each stream it opens).
    server_under_attack s(o);
    s.open(1);
    for (int i = 0; i < 52; ++i) s.p.frame(frame_type::window_update, 0, 1, u32(1));
    s.send();
    REQUIRE(s.error());
    CHECK(s.reason() == errc::frame_flood);
}

TEST_CASE("limit: closed streams remembered (frames after our RST_STREAM)", "[h2][abuse]") {
    connection_options o;
    o.limits.closed_streams_remembered = 2;
    server_under_attack s(o);
    for (std::uint32_t id : {1u, 3u, 5u}) s.open(id);
    s.send();
    for (std::uint32_t id : {1u, 3u, 5u}) REQUIRE(s.conn.reset_stream(id) == send_errc::ok);
    drain(s.conn);
    // Stream 5 and 3 are remembered as reset by us: their DATA is ignored.
    s.p.data(5, "late", false);
    s.p.data(3, "late", false);
    s.send();
    CHECK(find_frame(frames_of(drain(s.conn)), frame_type::rst_stream) == nullptr);
    // Stream 1 was forgotten: its DATA is a frame on a closed stream.
    s.p.data(1, "late", false);
    s.send();
    const auto out = frames_of(drain(s.conn));
    auto rst = find_frame(out, frame_type::rst_stream);
    REQUIRE(rst);
    CHECK(u32_at(rst->payload, 0) == static_cast<std::uint32_t>(error_code::stream_closed));
    CHECK(connection_limits{}.closed_streams_remembered == 128);
}

TEST_CASE("limit: output budget — a peer with large windows that does not read", "[h2][abuse]") {
    connection_options big_windows;
    big_windows.initial_window_size = 16 << 20;
    big_windows.connection_window_size = 16 << 20;
    connection_options budget;
    budget.limits.max_output_buffered = 100000;
    connection client(role::client, t0(), budget);
    connection server(role::server, t0(), big_windows);
    recorder rc, rs;
    pump(client, rc, server, rs);
    auto id = *client.submit_request(post_request(), false);
    const std::string body(1 << 20, 'x');
    auto n = client.send_data(id, wire::as_bytes(body), true);
    CHECK(*n < 100000);
    CHECK(client.output_size() <= 100000 + 9 * 8);  // payload within budget, plus frame headers
    CHECK(client.send_capacity(id) == 0);
    // The driver writes; tick() tells the stream it may go on.
    drain(client);
    client.tick(t0(), rc);
    auto w = rc.all<stream_writable>();
    REQUIRE(w.size() == 1);
    CHECK(w[0].capacity == 100000);
    CHECK(connection_limits{}.max_output_buffered == std::size_t{1} << 20);
}
