// h2/connection.hpp: the sans-IO connection in both roles — preface and
// SETTINGS, requests and responses, trailers, DATA and flow control, resets,
// PING, GOAWAY, and the API contract the drivers rely on.
#include <catch2/catch.hpp>

#include <type_traits>
#include <utility>
#include <vector>

#include "h2_harness.hpp"

using namespace h2pb;
using namespace h2pb::h2;
using namespace h2pb::test;

TEST_CASE("client and server exchange a request and a response with trailers", "[h2][connection]") {
    connection client(role::client, t0());
    connection server(role::server, t0());
    recorder rc, rs;
    rc.auto_consume = &client;
    rs.auto_consume = &server;

    auto id = client.submit_request(post_request(), false);
    REQUIRE(id);
    CHECK(*id == 1);
    REQUIRE(*client.send_data(*id, wire::as_bytes("ping?"), true) == 5);
    pump(client, rc, server, rs);

    auto req = rs.first<ev_headers>();
    REQUIRE(req);
    CHECK(req->kind == section_kind::request);
    CHECK(req->get(":path") == "/upload");
    CHECK(rs.body(1) == "ping?");
    CHECK(rs.all<ev_data>().back().end_stream);
    CHECK(server.state_of(1) == stream_state::half_closed_remote);

    const hpack::field resp[] = {{":status", "200"}, {"content-type", "application/grpc"}};
    REQUIRE(server.submit_response(1, resp, false) == send_errc::ok);
    REQUIRE(*server.send_data(1, wire::as_bytes("pong!"), false) == 5);
    const hpack::field trailers[] = {{"grpc-status", "0"}};
    REQUIRE(server.submit_trailers(1, trailers) == send_errc::ok);
    CHECK(server.state_of(1) == stream_state::closed);
    pump(client, rc, server, rs);

    auto hs = rc.all<ev_headers>();
    REQUIRE(hs.size() == 2);
    CHECK(hs[0].kind == section_kind::response);
    CHECK(hs[0].status == 200);
    CHECK(hs[1].kind == section_kind::trailers);
    CHECK(hs[1].end_stream);
    CHECK(hs[1].get("grpc-status") == "0");
    CHECK(rc.body(1) == "pong!");
    CHECK(client.state_of(1) == stream_state::closed);
    CHECK(client.active_streams() == 0);
    CHECK(server.active_streams() == 0);
    CHECK(rc.count<connection_error>() == 0);
    CHECK(rs.count<connection_error>() == 0);
    CHECK(rc.count<ev_settings>() == 1);
    CHECK(rc.count<ev_settings_ack>() == 1);
}

namespace {
/// A client and a server after the handshake, with recorders.
struct pair {
    connection client;
    connection server;
    recorder rc, rs;
    explicit pair(const connection_options& co = {}, const connection_options& so = {})
        : client(role::client, t0(), co), server(role::server, t0(), so) {
        pump(client, rc, server, rs);
        rc.clear();
        rs.clear();
    }
    void run() { pump(client, rc, server, rs); }
};
}  // namespace

TEST_CASE("preface: client magic, SETTINGS with ENABLE_PUSH=0, limits advertised",
          "[h2][connection]") {
    connection_options o;
    o.initial_window_size = 1 << 20;
    o.connection_window_size = 8 << 20;
    connection client(role::client, t0(), o);
    const std::string out = drain(client);
    REQUIRE(out.starts_with(client_preface));
    auto fs = frames_of(out, true);
    REQUIRE(fs.size() == 2);
    CHECK(fs[0].header.type == frame_type::settings);
    settings_frame sf{false, wire::as_bytes(fs[0].payload)};
    settings s;
    for (std::size_t i = 0; i < sf.size(); ++i) s.set(sf[i]);
    CHECK(s.enable_push == 0);
    CHECK(s.max_concurrent_streams == 100);
    CHECK(s.initial_window_size == 1u << 20);
    CHECK(s.max_header_list_size == 16384);
    // The connection window is raised by WINDOW_UPDATE (§6.9.2).
    CHECK(fs[1].header.type == frame_type::window_update);
    CHECK(u32_at(fs[1].payload, 0) == (8u << 20) - 65535);

    connection server(role::server, t0());
    auto sfs = frames_of(drain(server));
    REQUIRE(sfs.size() == 1);
    CHECK(sfs[0].header.type == frame_type::settings);
    settings_frame ss{false, wire::as_bytes(sfs[0].payload)};
    for (std::size_t i = 0; i < ss.size(); ++i) CHECK(ss[i].id != 2);  // a server omits ENABLE_PUSH
}

TEST_CASE("flow control: send_data stops at the peer's window and resumes on WINDOW_UPDATE",
          "[h2][connection][flow]") {
    pair p;
    auto id = *p.client.submit_request(post_request(), false);
    const std::string body(100000, 'b');
    auto n = p.client.send_data(id, wire::as_bytes(body), true);
    REQUIRE(n);
    CHECK(*n == 65535);  // the initial windows (§6.9.2)
    CHECK(p.client.send_capacity(id) == 0);
    CHECK(p.client.stream_send_window(id) == 0);
    p.run();
    CHECK(p.rs.body(id).size() == 65535);
    CHECK(p.rc.count<stream_writable>() == 0);  // nothing consumed yet: backpressure

    // The server consumes: WINDOW_UPDATEs go out, the client is told to resume.
    p.server.consume(id, 65535);
    p.run();
    auto w = p.rc.all<stream_writable>();
    REQUIRE(w.size() == 1);
    CHECK(w[0].stream_id == id);
    CHECK(w[0].capacity == 65535);
    n = p.client.send_data(id, wire::as_bytes(body).subspan(65535), true);
    CHECK(*n == 100000 - 65535);
    p.run();
    CHECK(p.rs.body(id) == body);
    CHECK(p.rs.all<ev_data>().back().end_stream);
}

TEST_CASE("flow control: WINDOW_UPDATE only after half the window is consumed",
          "[h2][connection][flow]") {
    pair p;
    auto id = *p.client.submit_request(post_request(), false);
    const std::string chunk(10000, 'c');
    (void)p.client.send_data(id, wire::as_bytes(chunk), false);
    p.run();
    p.server.consume(id, 10000);
    auto fs = frames_of(drain(p.server));
    CHECK(find_frame(fs, frame_type::window_update) == nullptr);  // 10000 < 32767
    (void)p.client.send_data(id, wire::as_bytes(chunk), false);
    (void)p.client.send_data(id, wire::as_bytes(chunk), false);
    (void)p.client.send_data(id, wire::as_bytes(chunk), false);
    p.run();
    p.server.consume(id, 30000);
    fs = frames_of(drain(p.server));
    int updates = 0;
    for (const auto& f : fs) {
        if (f.header.type == frame_type::window_update) {
            ++updates;
            CHECK(u32_at(f.payload, 0) == 40000);
        }
    }
    CHECK(updates == 2);  // stream and connection
}

TEST_CASE("flow control: larger windows are one option away", "[h2][connection][flow]") {
    connection_options big;
    big.initial_window_size = 4 << 20;
    big.connection_window_size = 16 << 20;
    connection_options sender;
    sender.limits.max_output_buffered = 8 << 20;  // the output budget is a limit too
    pair p(sender, big);
    auto id = *p.client.submit_request(post_request(), false);
    const std::string body(3 << 20, 'x');
    auto n = p.client.send_data(id, wire::as_bytes(body), true);
    CHECK(*n == body.size());  // 3 MiB in flight without a single WINDOW_UPDATE
    p.run();
    CHECK(p.rs.body(id).size() == body.size());
}

TEST_CASE("§6.9.2 SETTINGS_INITIAL_WINDOW_SIZE changes move open stream windows, even below zero",
          "[h2][connection][flow]") {
    pair p;
    auto id = *p.client.submit_request(post_request(), false);
    (void)p.client.send_data(id, wire::as_bytes(std::string(60000, 'x')), false);
    CHECK(p.client.stream_send_window(id) == 5535);
    const setting s[] = {{4, 16384}};
    REQUIRE(p.server.submit_settings(s, t0()) == send_errc::ok);
    p.run();
    CHECK(p.client.stream_send_window(id) == 16384 - 60000);  // the RFC's example
    CHECK(p.client.send_capacity(id) == 0);
    CHECK(p.server.local_settings().initial_window_size == 16384);
    // Raising it again makes the stream writable.
    p.rc.clear();
    const setting t[] = {{4, 100000}};
    REQUIRE(p.server.submit_settings(t, t0()) == send_errc::ok);
    p.run();
    CHECK(p.client.stream_send_window(id) == 100000 - 60000);
}

TEST_CASE("padding is released automatically; data is released by consume()",
          "[h2][connection][flow]") {
    connection server(role::server, t0());
    recorder r;
    peer_bytes p;
    p.preface().settings().settings_ack();
    p.headers(1, {{":method", "POST"}, {":scheme", "http"}, {":path", "/"}}, false);
    // 150 frames of one data octet and 250 octets of padding: 37,650 octets of
    // padding, more than half the window, and 150 octets of data.
    for (int i = 0; i < 150; ++i) p.data(1, "d", false, 250);
    drain(server);
    server.receive(p.view(), t0(), r);
    CHECK(r.body(1).size() == 150);
    auto fs = frames_of(drain(server));
    std::uint32_t stream_inc = 0, conn_inc = 0;
    for (const auto& f : fs)
        if (f.header.type == frame_type::window_update)
            (f.header.stream_id == 0 ? conn_inc : stream_inc) += u32_at(f.payload, 0);
    CHECK(stream_inc > 32767);  // padding came back without any consume()
    CHECK(conn_inc == stream_inc);
    CHECK(stream_inc % 251 == 0);  // only padding: the 150 data octets are not released
    CHECK(server.stream_recv_window(1) == 65535 - 150 * 252 + stream_inc);
}

TEST_CASE("borrowed DATA is referenced, not copied, until the output is consumed",
          "[h2][connection]") {
    pair p;
    auto id = *p.client.submit_request(post_request(), false);
    drain(p.client);
    const std::string body(5000, 'z');
    REQUIRE(*p.client.send_data(id, wire::as_bytes(body), true, data_ownership::borrow) == 5000);
    const auto release_at = p.client.output_queued_total();
    bool referenced = false;
    for (auto b : p.client.output())
        if (b.data() == reinterpret_cast<const wire::byte*>(body.data())) referenced = true;
    CHECK(referenced);
    CHECK(p.client.output_drained_total() < release_at);
    drain(p.client);
    CHECK(p.client.output_drained_total() >= release_at);
    // Small payloads are copied even when borrowed.
    auto id2 = *p.client.submit_request(post_request(), false);
    const std::string small = "tiny";
    (void)p.client.send_data(id2, wire::as_bytes(small), true, data_ownership::borrow);
    for (auto b : p.client.output())
        CHECK(b.data() != reinterpret_cast<const wire::byte*>(small.data()));
}

TEST_CASE("DATA frames respect the peer's SETTINGS_MAX_FRAME_SIZE", "[h2][connection]") {
    connection_options big_frames;
    big_frames.max_frame_size = 100000;
    big_frames.initial_window_size = 1 << 20;
    big_frames.connection_window_size = 1 << 20;
    pair p({}, big_frames);
    auto id = *p.client.submit_request(post_request(), false);
    drain(p.client);
    (void)p.client.send_data(id, wire::as_bytes(std::string(250000, 'x')), true);
    auto fs = frames_of(drain(p.client));
    REQUIRE(fs.size() == 3);
    CHECK(fs[0].header.length == 100000);
    CHECK(fs[1].header.length == 100000);
    CHECK(fs[2].header.length == 50000);
    CHECK(fs[2].header.has(flag::end_stream));
    CHECK_FALSE(fs[0].header.has(flag::end_stream));
}

TEST_CASE("large header sections are split into HEADERS + CONTINUATION", "[h2][connection]") {
    connection_options roomy;
    roomy.max_header_list_size = 1 << 20;
    roomy.limits.max_header_block_size = 1 << 20;
    pair p({}, roomy);
    std::vector<hpack::field> f = get_request();
    hpack::encoder_options eo;
    const std::string big(40000, 'q');
    f.push_back({"x-large", big});
    auto id = *p.client.submit_request(f, true);
    auto out = drain(p.client);
    auto fs = frames_of(out);
    REQUIRE(fs.size() >= 3);
    CHECK(fs[0].header.type == frame_type::headers);
    CHECK_FALSE(fs[0].header.has(flag::end_headers));
    CHECK(fs[0].header.has(flag::end_stream));
    CHECK(fs.back().header.type == frame_type::continuation);
    CHECK(fs.back().header.has(flag::end_headers));
    p.server.receive(wire::as_bytes(out), t0(), p.rs);
    auto h = p.rs.first<ev_headers>();
    REQUIRE(h);
    CHECK(h->stream_id == id);
    CHECK(h->get("x-large") == big);
}

TEST_CASE("submit errors: role, unknown stream, after END_STREAM, data before headers",
          "[h2][connection]") {
    pair p;
    CHECK(p.server.submit_request(get_request(), true).error() == send_errc::wrong_role);
    CHECK(p.client.submit_headers(7, get_request(), true) == send_errc::no_such_stream);
    auto id = *p.client.submit_request(get_request(), true);
    CHECK(p.client.send_data(id, wire::as_bytes("x"), false).error() ==
          send_errc::stream_not_writable);
    p.run();
    // The server's stream exists, but no response header section was sent.
    CHECK(p.server.send_data(id, wire::as_bytes("x"), false).error() ==
          send_errc::headers_not_sent);
    CHECK(p.server.reset_stream(99) == send_errc::no_such_stream);
}

TEST_CASE("§5.1.2 a client respects the server's SETTINGS_MAX_CONCURRENT_STREAMS",
          "[h2][connection]") {
    connection_options two;
    two.max_concurrent_streams = 2;
    pair p({}, two);
    CHECK(p.client.submit_request(get_request(), false));
    CHECK(p.client.submit_request(get_request(), false));
    CHECK(p.client.submit_request(get_request(), false).error() == send_errc::too_many_streams);
    REQUIRE(p.client.reset_stream(1) == send_errc::ok);
    CHECK(p.client.submit_request(get_request(), false));
}

TEST_CASE("§6.5.2 until the server's SETTINGS a client assumes 100 streams (as nghttp2, grpc-go)",
          "[h2][connection]") {
    // A SETTINGS frame (§6.5): length, type 0x4, flags 0, stream 0, then
    // 6-octet entries; SETTINGS_MAX_CONCURRENT_STREAMS is 0x3.
    const unsigned char empty[] = {0, 0, 0, 4, 0, 0, 0, 0, 0};
    const unsigned char limit150[] = {0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 150};
    for (const bool names_limit : {false, true}) {
        connection client(role::client, t0());
        recorder rc;
        for (int i = 0; i < 100; ++i) REQUIRE(client.submit_request(get_request(), false));
        CHECK(client.submit_request(get_request(), false).error() == send_errc::too_many_streams);
        const wire::bytes_view in = names_limit ? wire::bytes_view(limit150, sizeof limit150)
                                                : wire::bytes_view(empty, sizeof empty);
        client.receive(in, t0(), rc);
        REQUIRE(rc.count<connection_error>() == 0);
        REQUIRE(rc.count<ev_settings>() == 1);
        // Its value from then on, or the RFC's initial value, unlimited.
        const int more = names_limit ? 50 : 1000;
        for (int i = 0; i < more; ++i) REQUIRE(client.submit_request(get_request(), false));
        if (names_limit)
            CHECK(client.submit_request(get_request(), false).error() ==
                  send_errc::too_many_streams);
    }
}

TEST_CASE("reset_stream: the peer is told, later frames on the stream are ignored",
          "[h2][connection]") {
    pair p;
    auto id = *p.client.submit_request(post_request(), false);
    p.run();
    REQUIRE(p.server.reset_stream(id, error_code::cancel) == send_errc::ok);
    CHECK(p.server.state_of(id) == stream_state::closed);
    (void)p.client.send_data(id, wire::as_bytes("in flight"), true);  // crosses the RST_STREAM
    p.run();
    auto r = p.rc.all<stream_reset>();
    REQUIRE(r.size() == 1);
    CHECK(r[0].code == error_code::cancel);
    CHECK(r[0].remote);
    CHECK_FALSE(r[0].retryable);
    CHECK(p.rs.count<ev_data>() == 0);
    CHECK(p.rs.count<connection_error>() == 0);
    CHECK(p.rc.count<connection_error>() == 0);
}

TEST_CASE("PING is acknowledged with the same payload", "[h2][connection]") {
    pair p;
    p.client.ping(0x0102030405060708ull);
    p.run();
    REQUIRE(p.rs.first<ping_received>());
    CHECK(p.rs.first<ping_received>()->opaque == 0x0102030405060708ull);
    REQUIRE(p.rc.first<ping_acknowledged>());
    CHECK(p.rc.first<ping_acknowledged>()->opaque == 0x0102030405060708ull);
}

TEST_CASE("§6.8 graceful shutdown: GOAWAY 2^31-1 first, then the real last stream id",
          "[h2][connection]") {
    pair p;
    auto a = *p.client.submit_request(get_request(), false);
    p.run();
    p.server.shutdown(t0());
    // The client opens another stream before it sees the first GOAWAY.
    auto b = *p.client.submit_request(get_request(), false);
    const std::string from_server = drain(p.server);
    const std::string from_client = drain(p.client);
    auto fs = frames_of(from_server);
    REQUIRE(fs.size() >= 2);
    CHECK(fs[0].header.type == frame_type::goaway);
    CHECK(u32_at(fs[0].payload, 0) == 0x7fffffff);
    CHECK(fs[1].header.type == frame_type::ping);
    p.server.receive(wire::as_bytes(from_client), t0(), p.rs);  // stream b arrives: still accepted
    p.client.receive(wire::as_bytes(from_server), t0(), p.rc);  // GOAWAY + PING -> PING ACK
    CHECK(p.client.submit_request(get_request(), false).error() == send_errc::goaway_received);
    p.server.receive(wire::as_bytes(drain(p.client)), t0(), p.rs);  // the PING ACK
    auto fs2 = frames_of(drain(p.server));
    REQUIRE(fs2.size() == 1);
    CHECK(fs2[0].header.type == frame_type::goaway);
    CHECK(u32_at(fs2[0].payload, 0) == b);  // both streams will be processed
    CHECK_FALSE(p.server.is_closed());
    // The streams finish; then the connection is done.
    const hpack::field ok[] = {{":status", "200"}};
    for (auto id : {a, b}) REQUIRE(p.server.submit_response(id, ok, true) == send_errc::ok);
    for (auto id : {a, b}) REQUIRE(*p.client.send_data(id, {}, true) == 0);
    p.run();
    CHECK(p.server.is_closed());
    CHECK(p.client.is_closed());
}

TEST_CASE("§6.8 streams above the GOAWAY's last stream id are reported retryable",
          "[h2][connection]") {
    pair p;
    auto a = *p.client.submit_request(get_request(), false);
    p.run();
    auto b = *p.client.submit_request(get_request(), false);
    auto c = *p.client.submit_request(get_request(), false);
    drain(p.client);  // b and c never reach the server
    p.server.goaway(error_code::no_error);
    p.run();
    auto resets = p.rc.all<stream_reset>();
    REQUIRE(resets.size() == 2);
    CHECK(resets[0].stream_id == b);
    CHECK(resets[1].stream_id == c);
    for (const auto& r : resets) {
        CHECK(r.retryable);
        CHECK(r.code == error_code::refused_stream);
    }
    auto g = p.rc.first<ev_goaway>();
    REQUIRE(g);
    CHECK(g->last_stream_id == a);
    CHECK(p.client.state_of(a) == stream_state::open);  // at or below last_stream_id: goes on
    CHECK_FALSE(p.client.is_closed());
}

TEST_CASE("REFUSED_STREAM from the peer is retryable", "[h2][connection]") {
    connection_options one;
    one.max_concurrent_streams = 1;
    connection client(role::client, t0());
    connection server(role::server, t0(), one);
    recorder rc, rs;
    // The client sends two requests before it knows the server's limit.
    (void)client.submit_request(get_request(), false);
    (void)client.submit_request(get_request(), false);
    pump(client, rc, server, rs);
    auto r = rc.all<stream_reset>();
    REQUIRE(r.size() == 1);
    CHECK(r[0].stream_id == 3);
    CHECK(r[0].retryable);
}

TEST_CASE("SETTINGS ACK timeout is driven by the time passed in", "[h2][connection]") {
    connection client(role::client, t0());
    recorder r;
    REQUIRE(client.next_deadline());
    CHECK(*client.next_deadline() == t0() + 10s);
    client.tick(t0() + 9s, r);
    CHECK(r.count<connection_error>() == 0);
    // The server's SETTINGS + ACK arrive: the timer is disarmed.
    peer_bytes p;
    p.settings().settings_ack();
    client.receive(p.view(), t0() + 9s, r);
    CHECK_FALSE(client.next_deadline());
    client.tick(t0() + 60s, r);
    CHECK(r.count<connection_error>() == 0);

    connection lazy(role::client, t0());
    lazy.tick(t0() + 10s, r);
    REQUIRE(r.first<connection_error>());
    CHECK(r.first<connection_error>()->code == error_code::settings_timeout);
    auto fs = frames_of(drain(lazy), true);
    REQUIRE(find_frame(fs, frame_type::goaway));
    CHECK(u32_at(find_frame(fs, frame_type::goaway)->payload, 4) == 4);
}

TEST_CASE("stricter SETTINGS apply when acknowledged, looser ones at once", "[h2][connection]") {
    connection_options o;
    o.initial_window_size = 1000;
    connection server(role::server, t0(), o);
    recorder r;
    peer_bytes p;
    p.preface().settings();
    // Before the client acknowledges, it may still use the default 65,535.
    p.headers(1, {{":method", "POST"}, {":scheme", "http"}, {":path", "/"}}, false);
    p.data(1, std::string(5000, 'x'), false);
    server.receive(p.view(), t0(), r);
    CHECK(r.count<stream_reset>() == 0);
    CHECK(server.stream_recv_window(1) == 65535 - 5000);
    peer_bytes ack;
    ack.settings_ack();
    server.receive(ack.view(), t0(), r);
    CHECK(server.stream_recv_window(1) == 1000 - 5000);  // the difference applies to open streams
    CHECK(server.local_settings().initial_window_size == 1000);
}

namespace {
/// An echo server written as a handler.
struct echo_handler {
    connection& c;
    void operator()(const headers_received& e) {
        if (e.kind != section_kind::request) return;
        const hpack::field ok[] = {{":status", "200"}};
        REQUIRE(c.submit_response(e.stream_id, ok, false) == send_errc::ok);
    }
    void operator()(const data_received& e) {
        REQUIRE(*c.send_data(e.stream_id, e.data, e.end_stream) == e.data.size());
        c.consume(e.stream_id, e.data.size());
    }
    void operator()(const auto&) {}
};
}  // namespace

TEST_CASE("the handler may call back into the connection", "[h2][connection]") {
    connection client(role::client, t0());
    connection server(role::server, t0());
    recorder rc;
    echo_handler h{server};
    auto id = *client.submit_request(post_request(), false);
    (void)client.send_data(id, wire::as_bytes("echo me"), true);
    for (int i = 0; i < 10; ++i) {
        server.receive(wire::as_bytes(drain(client)), t0(), h);
        client.receive(wire::as_bytes(drain(server)), t0(), rc);
    }
    CHECK(rc.body(id) == "echo me");
    CHECK(rc.all<ev_data>().back().end_stream);
    CHECK(server.active_streams() == 0);
}

TEST_CASE("stream user data is kept per stream", "[h2][connection]") {
    pair p;
    auto id = *p.client.submit_request(get_request(), false);
    int x = 0;
    p.client.set_stream_user_data(id, &x);
    CHECK(p.client.stream_user_data(id) == &x);
    CHECK(p.client.stream_user_data(id + 2) == nullptr);
}

TEST_CASE("events carry the stream's user data; stream_reset after the stream is gone",
          "[h2][connection]") {
    pair p;
    int req_a = 0, req_b = 0, req_c = 0, resp_a = 0, resp_b = 0, resp_c = 0;
    // Every stream event the server reports, with the user data it carried.
    struct seen {
        std::vector<std::pair<std::uint32_t, void*>> headers, data, resets, writable;
    } s, c;
    const auto watch = [](seen& w, connection& conn, void* attach) {
        return [&w, &conn, attach](const auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, headers_received>) {
                w.headers.emplace_back(e.stream_id, e.user_data);
                if (e.kind == section_kind::request) conn.set_stream_user_data(e.stream_id, attach);
            } else if constexpr (std::is_same_v<E, data_received>) {
                w.data.emplace_back(e.stream_id, e.user_data);
                conn.consume(e.stream_id, e.data.size());
            } else if constexpr (std::is_same_v<E, stream_reset>) {
                // The connection no longer knows the stream...
                CHECK(conn.stream_user_data(e.stream_id) == nullptr);
                w.resets.emplace_back(e.stream_id, e.user_data);  // ...the event does
            } else if constexpr (std::is_same_v<E, stream_writable>) {
                w.writable.emplace_back(e.stream_id, e.user_data);
            }
        };
    };
    // Stream a: a request with a body, a response; the client resets it.
    // Stream b: a request whose body breaks its content-length: the server
    // resets it (a stream error). Stream c: its response waits for window.
    const std::uint32_t a = *p.client.submit_request(post_request(), false);
    p.client.set_stream_user_data(a, &resp_a);
    const hpack::field b_head[] = {{":method", "POST"},
                                   {":scheme", "https"},
                                   {":authority", "example.com"},
                                   {":path", "/b"},
                                   {"content-length", "10"}};
    const std::uint32_t b = *p.client.submit_request(b_head, false);
    p.client.set_stream_user_data(b, &resp_b);
    const std::uint32_t cid = *p.client.submit_request(get_request("/c"), true);
    p.client.set_stream_user_data(cid, &resp_c);
    int* const server_side[] = {&req_a, &req_b, &req_c};
    int next = 0;
    auto server_events = [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, headers_received>) {
            if (e.kind == section_kind::request) {
                CHECK(e.user_data == nullptr);  // new: nothing attached yet
                s.headers.emplace_back(e.stream_id, e.user_data);
                p.server.set_stream_user_data(e.stream_id, server_side[next++]);
                return;
            }
        }
        watch(s, p.server, nullptr)(e);
    };
    auto client_events = watch(c, p.client, nullptr);
    const auto run = [&] {
        for (int round = 0; round < 100; ++round) {
            const std::string to_server = drain(p.client);
            const std::string to_client = drain(p.server);
            if (to_server.empty() && to_client.empty()) return;
            p.server.receive(wire::as_bytes(to_server), t0(), server_events);
            p.client.receive(wire::as_bytes(to_client), t0(), client_events);
        }
    };
    REQUIRE(*p.client.send_data(a, wire::as_bytes("body of a"), false) == 9);
    REQUIRE(*p.client.send_data(b, wire::as_bytes("short"), true) == 5);  // 5 != 10
    run();
    REQUIRE(s.data.size() == 1);
    CHECK(s.data[0] == std::pair<std::uint32_t, void*>{a, &req_a});
    REQUIRE(s.resets.size() == 1);  // b: content-length mismatch, reset by the server
    CHECK(s.resets[0] == std::pair<std::uint32_t, void*>{b, &req_b});
    REQUIRE(c.resets.size() == 1);  // the client hears of it with its own pointer
    CHECK(c.resets[0] == std::pair<std::uint32_t, void*>{b, &resp_b});

    const hpack::field ok[] = {{":status", "200"}};
    REQUIRE(p.server.submit_response(a, ok, false) == send_errc::ok);
    REQUIRE(p.server.submit_response(cid, ok, false) == send_errc::ok);
    // c: more than the client's stream window (65,535): a stream_writable follows.
    const std::string big(70000, 'c');
    const std::size_t took = *p.server.send_data(cid, wire::as_bytes(big), true);
    REQUIRE(took < big.size());
    run();
    REQUIRE(c.headers.size() == 2);
    for (const auto& [id, ud] : c.headers) CHECK(ud == (id == a ? &resp_a : &resp_c));
    REQUIRE_FALSE(c.data.empty());
    for (const auto& [id, ud] : c.data) CHECK(ud == &resp_c);
    REQUIRE_FALSE(s.writable.empty());
    CHECK(s.writable[0] == std::pair<std::uint32_t, void*>{cid, &req_c});

    // The client resets a: the server's stream_reset carries its pointer.
    REQUIRE(p.client.reset_stream(a, error_code::cancel) == send_errc::ok);
    run();
    REQUIRE(s.resets.size() == 2);
    CHECK(s.resets[1] == std::pair<std::uint32_t, void*>{a, &req_a});
    CHECK_FALSE(p.server.is_closed());

    // GOAWAY: the client's streams above the last stream id are reported
    // (retryable) with their pointers too.
    int resp_d = 0;
    const std::uint32_t d = *p.client.submit_request(get_request("/d"), true);
    p.client.set_stream_user_data(d, &resp_d);
    drain(p.client);  // d never reaches the server
    p.server.goaway(error_code::no_error);
    run();
    REQUIRE_FALSE(c.resets.empty());
    CHECK(c.resets.back() == std::pair<std::uint32_t, void*>{d, &resp_d});
}

TEST_CASE("§8.2.1 an HPACK table entry with invalid octets is refused every time it is used",
          "[h2][connection][error]") {
    // The connection checks the octets of a dynamic table entry once and
    // remembers the entries that passed; one that failed is checked (and
    // refused) at every reference.
    connection server(role::server, t0());
    recorder r;
    peer_bytes p;
    p.preface().settings();
    const std::string start =
        "\x82\x86\x84\x01\x0b"
        "example.com";  // GET http / example.com
    const auto block = [&](std::string_view rest) {
        std::string b = start;
        b += rest;
        return b;
    };
    // 1: literal with indexing "X-Bad: v" (uppercase: §8.2.1), added as entry 0.
    const std::string b1 = block(std::string("\x40\x05X-Bad\x01v", 9));
    // 3: index 62 -> entry 0 again.
    const std::string b3 = block("\xbe");
    // 5: "x-ok: v" added as entry 1 (index 62; X-Bad is 63 now).
    const std::string b5 = block(std::string("\x40\x04x-ok\x01v", 8));
    // 7: entry 1 (remembered as checked) and 9: entry 0 (never passed).
    const std::string b7 = block("\xbe");
    const std::string b9 = block("\xbf");
    for (const auto& [id, b] : {std::pair<std::uint32_t, const std::string*>{1, &b1},
                                {3, &b3},
                                {5, &b5},
                                {7, &b7},
                                {9, &b9}})
        p.raw_headers(id, wire::as_bytes(*b), {.end_stream = true});
    server.receive(p.view(), t0(), r);
    REQUIRE(r.count<connection_error>() == 0);
    // The refused requests never reach the application: RST_STREAM only.
    std::vector<std::uint32_t> reset, accepted;
    for (const auto& f : frames_of(drain(server))) {
        if (f.header.type != frame_type::rst_stream) continue;
        CHECK(u32_at(f.payload, 0) == static_cast<std::uint32_t>(error_code::protocol_error));
        reset.push_back(f.header.stream_id);
    }
    for (const auto& h : r.all<ev_headers>()) accepted.push_back(h.stream_id);
    CHECK(reset == std::vector<std::uint32_t>{1, 3, 9});
    CHECK(accepted == std::vector<std::uint32_t>{5, 7});
    const auto h7 = r.all<ev_headers>()[1];
    CHECK(h7.get("x-ok") == "v");
}

TEST_CASE("receive() accepts any split of the input, octet by octet", "[h2][connection]") {
    connection client(role::client, t0());
    connection server(role::server, t0());
    recorder rc, rs;
    rs.auto_consume = &server;
    auto id = *client.submit_request(post_request(), false);
    (void)client.send_data(id, wire::as_bytes(std::string(3000, 'p')), false);
    const hpack::field tr[] = {{"x-checksum", "abc"}};
    REQUIRE(client.submit_trailers(id, tr) == send_errc::ok);
    const std::string bytes = drain(client);
    for (char ch : bytes) server.receive(wire::as_bytes(std::string_view(&ch, 1)), t0(), rs);
    CHECK(rs.body(id) == std::string(3000, 'p'));
    auto hs = rs.all<ev_headers>();
    REQUIRE(hs.size() == 2);
    CHECK(hs[1].get("x-checksum") == "abc");
    CHECK(rs.count<connection_error>() == 0);
}

TEST_CASE("releases held back under a larger window are announced when it shrinks",
          "[h2][connection][flow]") {
    // Found by the back-to-back test: the client sent 8717 octets under the
    // default window; the server consumed them (below the old threshold, so no
    // WINDOW_UPDATE yet); then the client's ACK made the server's smaller
    // window effective, leaving the stream window negative. The held-back
    // release must be announced then, or the stream stalls for ever.
    connection_options small;
    small.initial_window_size = 4096;
    connection server(role::server, t0(), small);
    recorder r;
    peer_bytes p;
    p.preface().settings();
    p.headers(1, {{":method", "POST"}, {":scheme", "http"}, {":path", "/"}}, false);
    p.data(1, std::string(8717, 'x'), false);
    server.receive(p.view(), t0(), r);
    server.consume(1, 8717);
    drain(server);
    peer_bytes ack;
    ack.settings_ack();
    server.receive(ack.view(), t0(), r);
    auto fs = frames_of(drain(server));
    std::uint32_t inc = 0;
    for (const auto& f : fs)
        if (f.header.type == frame_type::window_update && f.header.stream_id == 1)
            inc += u32_at(f.payload, 0);
    CHECK(inc == 8717);
    CHECK(server.stream_recv_window(1) == 4096);
}

TEST_CASE("§6.8 graceful shutdown ends after a timeout when the PING is never answered",
          "[h2][connection]") {
    pair p;
    auto a = *p.client.submit_request(get_request(), true);
    p.run();
    p.server.shutdown(t0());
    auto first = frames_of(drain(p.server));
    REQUIRE(first.size() == 2);  // GOAWAY(2^31-1) and PING; the client never answers
    REQUIRE(p.server.next_deadline());
    CHECK(*p.server.next_deadline() == t0() + 5s);
    p.server.tick(t0() + 4s, p.rs);
    CHECK_FALSE(p.server.want_write());
    p.server.tick(t0() + 5s, p.rs);
    auto second = frames_of(drain(p.server));
    REQUIRE(second.size() == 1);
    CHECK(second[0].header.type == frame_type::goaway);
    CHECK(u32_at(second[0].payload, 0) == a);
    CHECK_FALSE(p.server.next_deadline());
}

TEST_CASE("§8.2-§8.3 outgoing header sections are checked before anything is sent",
          "[h2][connection][validation]") {
    pair p;
    const std::size_t queued = p.client.output_queued_total();
    const hpack::field upper[] = {
        {":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {"X-Upper", "1"}};
    CHECK(p.client.submit_request(upper, true).error() == send_errc::invalid_fields);
    const hpack::field conn_specific[] = {
        {":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {"connection", "close"}};
    CHECK(p.client.submit_request(conn_specific, true).error() == send_errc::invalid_fields);
    const hpack::field no_path[] = {{":method", "GET"}, {":scheme", "http"}};
    CHECK(p.client.submit_request(no_path, true).error() == send_errc::invalid_fields);
    const hpack::field pseudo_late[] = {
        {":method", "GET"}, {"accept", "*/*"}, {":scheme", "http"}, {":path", "/"}};
    CHECK(p.client.submit_request(pseudo_late, true).error() == send_errc::invalid_fields);
    // Nothing was encoded or queued, and no stream id was used up.
    CHECK(p.client.output_queued_total() == queued);
    auto id = p.client.submit_request(get_request(), false);
    REQUIRE(id);
    CHECK(*id == 1);

    // Trailers: no pseudo-header fields, and they end the stream.
    const hpack::field pseudo_trailer[] = {{":status", "200"}};
    CHECK(p.client.submit_trailers(*id, pseudo_trailer) == send_errc::invalid_fields);
    const hpack::field trailer[] = {{"x-checksum", "abc"}};
    CHECK(p.client.submit_headers(*id, trailer, false) == send_errc::invalid_argument);
    CHECK(p.client.submit_trailers(*id, trailer) == send_errc::ok);
    p.run();
    CHECK(p.rs.count<h2::stream_reset>() == 0);

    // Responses need a valid :status.
    const hpack::field bad_status[] = {{":status", "20"}};
    CHECK(p.server.submit_response(*id, bad_status, true) == send_errc::invalid_fields);
    const hpack::field request_pseudo[] = {{":status", "200"}, {":path", "/"}};
    CHECK(p.server.submit_response(*id, request_pseudo, true) == send_errc::invalid_fields);
}

TEST_CASE("§8.1 a 1xx interim response is followed by the final one before DATA",
          "[h2][connection][validation]") {
    pair p;
    auto id = *p.client.submit_request(post_request(), true);
    p.run();
    const hpack::field interim[] = {{":status", "103"}, {"link", "</style.css>; rel=preload"}};
    CHECK(p.server.submit_response(id, interim, true) == send_errc::invalid_argument);
    REQUIRE(p.server.submit_response(id, interim, false) == send_errc::ok);
    CHECK(p.server.send_data(id, wire::as_bytes("x"), false).error() ==
          send_errc::headers_not_sent);
    const hpack::field final_response[] = {{":status", "200"}};
    REQUIRE(p.server.submit_response(id, final_response, false) == send_errc::ok);
    REQUIRE(*p.server.send_data(id, wire::as_bytes("body"), true) == 4);
    p.run();
    auto hs = p.rc.all<ev_headers>();
    REQUIRE(hs.size() == 2);
    CHECK(hs[0].status == 103);
    CHECK(hs[1].status == 200);
    CHECK(p.rc.body(id) == "body");
    CHECK(p.rc.count<h2::stream_reset>() == 0);
}

TEST_CASE(
    "§10.5.1 a header section larger than the peer's SETTINGS_MAX_HEADER_LIST_SIZE is "
    "refused",
    "[h2][connection][validation]") {
    connection_options so;
    so.max_header_list_size = 200;
    pair p({}, so);
    REQUIRE(p.client.remote_settings().max_header_list_size == 200);
    const std::string big(200, 'v');
    const hpack::field fields[] = {
        {":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {"x-big", big}};
    CHECK(p.client.submit_request(fields, true).error() == send_errc::header_list_too_large);
    // name + value + 32 per field (§6.5.2): 4 fields of this request fit.
    const hpack::field small[] = {
        {":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {"x-big", "v"}};
    CHECK(p.client.submit_request(small, true));
}

TEST_CASE("validate_outgoing_fields = false sends what it is given",
          "[h2][connection][validation]") {
    connection_options co;
    co.validate_outgoing_fields = false;
    pair p(co);
    const hpack::field upper[] = {
        {":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {"X-Upper", "1"}};
    auto id = p.client.submit_request(upper, true);
    REQUIRE(id);
    p.run();
    // The server, which does validate, answers the malformed request with a
    // stream error (§8.1.1), not a connection error.
    auto resets = p.rc.all<h2::stream_reset>();
    REQUIRE(resets.size() == 1);
    CHECK(resets[0].stream_id == *id);
    CHECK(resets[0].code == error_code::protocol_error);
    CHECK(p.rc.count<connection_error>() == 0);
}

// ---------------------------------------------------------------------------
// connection_window_release: when received DATA reopens the connection window.

namespace {
/// Client stream A sends a full connection window (65,535 octets, §6.9.2)
/// that the server never consumes; then stream B sends `b_size` octets that
/// the server consumes as they arrive. Returns how much of B got through.
std::size_t stalled_neighbour(window_release mode, std::size_t b_size) {
    connection_options so;
    so.connection_window_release = mode;
    pair p({}, so);
    const auto a = *p.client.submit_request(post_request("/a"), false);
    const std::string a_body(65535, 'a');
    REQUIRE(*p.client.send_data(a, wire::as_bytes(a_body), false) == 65535);
    p.run();
    REQUIRE(p.rs.body(a).size() == 65535);
    const auto b = *p.client.submit_request(post_request("/b"), false);
    const std::string b_body(b_size, 'b');
    std::size_t sent = 0, consumed = 0;
    for (int round = 0; round < 100 && sent < b_body.size(); ++round) {
        auto n = p.client.send_data(b, wire::as_bytes(b_body).subspan(sent), true);
        REQUIRE(n);
        sent += *n;
        p.run();
        const std::size_t got = p.rs.body(b).size();
        p.server.consume(b, got - consumed);  // B's reader keeps up; A's never reads
        consumed = got;
        p.run();
    }
    p.run();
    return p.rs.body(b).size();
}

std::uint32_t window_update_total(const std::vector<parsed_frame>& fs, std::uint32_t id) {
    std::uint32_t total = 0;
    for (const auto& f : fs)
        if (f.header.type == frame_type::window_update && f.header.stream_id == id)
            total += u32_at(f.payload, 0);
    return total;
}
}  // namespace

TEST_CASE("on_receive: a stream whose reader never reads does not stall its neighbours",
          "[h2][connection][flow]") {
    CHECK(stalled_neighbour(window_release::on_receive, 300000) == 300000);
}

TEST_CASE("on_consume (default): unconsumed DATA holds the connection window",
          "[h2][connection][flow]") {
    CHECK(connection_options{}.connection_window_release == window_release::on_consume);
    // A holds all 65,535 octets of the connection window: B gets nothing.
    CHECK(stalled_neighbour(window_release::on_consume, 300000) == 0);
}

TEST_CASE(
    "on_receive: padded DATA releases the connection window per frame, the stream's padding "
    "only",
    "[h2][connection][flow]") {
    connection_options so;
    so.connection_window_release = window_release::on_receive;
    connection server(role::server, t0(), so);
    recorder r;
    peer_bytes p;
    p.preface().settings().settings_ack();
    p.headers(1, {{":method", "POST"}, {":scheme", "http"}, {":path", "/"}}, false);
    // 150 frames of 1 data octet + Pad Length octet + 250 octets of padding:
    // 252 octets of flow-controlled payload each (§6.1).
    for (int i = 0; i < 150; ++i) p.data(1, "d", false, 250);
    drain(server);
    server.receive(p.view(), t0(), r);
    CHECK(r.body(1).size() == 150);
    const auto fs = frames_of(drain(server));
    // The threshold is half the 65,535 window (32,767): the connection window
    // crosses it after 131 frames (131 * 252 = 33,012; 130 * 252 = 32,760),
    // the stream window, which gets the 251 octets of padding per frame
    // back only, after 131 too (131 * 251 = 32,881).
    CHECK(window_update_total(fs, 0) == 33012);
    CHECK(window_update_total(fs, 1) == 32881);
    CHECK(server.connection_recv_window() == 65535 - 150 * 252 + 33012);
    CHECK(server.stream_recv_window(1) == 65535 - 150 * 252 + 32881);
    // consume() now reopens the stream window only.
    server.consume(1, 150);
    CHECK(server.connection_recv_window() == 65535 - 150 * 252 + 33012);
    CHECK(window_update_total(frames_of(drain(server)), 0) == 0);
}

TEST_CASE("on_receive: consume() after the stream closed does not release the window twice",
          "[h2][connection][flow]") {
    connection_options so;
    so.connection_window_release = window_release::on_receive;
    pair p({}, so);
    const auto a = *p.client.submit_request(post_request(), false);
    REQUIRE(*p.client.send_data(a, wire::as_bytes(std::string(65535, 'a')), false) == 65535);
    p.run();
    // Four 16,384-octet frames (the last 16,383): updates at 32,768 and 32,767.
    CHECK(p.server.connection_recv_window() == 65535);
    CHECK(p.client.connection_send_window() == 65535);
    REQUIRE(p.client.reset_stream(a) == send_errc::ok);
    p.run();
    REQUIRE(p.server.state_of(a) == stream_state::closed);
    // The driver gives back what its reader never consumed (on_consume needs it).
    p.server.consume(a, 65535);
    CHECK(p.server.connection_recv_window() == 65535);
    CHECK(window_update_total(frames_of(drain(p.server)), 0) == 0);
}

TEST_CASE("check_trailers answers as submit_trailers would, without sending",
          "[h2][connection][validation]") {
    connection_options co;
    co.max_header_list_size = 100;  // the client's limit binds the server's trailers
    pair p(co);
    const auto id = *p.client.submit_request(get_request(), true);
    p.run();
    const hpack::field status[] = {{":status", "200"}};
    REQUIRE(p.server.submit_response(id, status, false) == send_errc::ok);
    drain(p.server);
    const hpack::field upper[] = {{"Grpc-Status", "0"}};  // §8.2.1: lowercase only
    const std::string long_message(70, 'm');              // outlives the field that views it
    const hpack::field big[] = {{"grpc-message", long_message}};  // 12 + 70 + 32 > 100
    const hpack::field fine[] = {{"grpc-status", "0"}};
    CHECK(p.server.check_trailers(upper) == send_errc::invalid_fields);
    CHECK(p.server.check_trailers(big) == send_errc::header_list_too_large);
    CHECK(p.server.check_trailers(fine) == send_errc::ok);
    CHECK_FALSE(p.server.want_write());  // nothing was sent
    CHECK(p.server.submit_trailers(id, big) == send_errc::header_list_too_large);
    CHECK(p.server.submit_trailers(id, fine) == send_errc::ok);
}
