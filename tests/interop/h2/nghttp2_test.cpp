// h2pb's connection against nghttp2's (the reference implementation, run in
// the same process through its session API, nghttp2_session_mem_recv /
// nghttp2_session_mem_send): an h2pb client talks to an nghttp2 server and an
// nghttp2 client to an h2pb server. Bodies larger than the windows in both
// directions, trailers, many streams, random chunk boundaries; PING, RST_STREAM,
// GOAWAY and SETTINGS changes sent by nghttp2 are understood by h2pb, and
// nghttp2 finds nothing to complain about in what h2pb sends (it would answer
// with GOAWAY/RST_STREAM, and its callbacks check what arrives).
#include <nghttp2/nghttp2.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <string>

#include "../../h2/h2_harness.hpp"

using namespace h2pb;
using namespace h2pb::h2;
using namespace h2pb::test;

namespace {

std::string body_for(std::int32_t id, std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>('a' + (static_cast<std::size_t>(id) * 7 + i) % 26);
    return s;
}

nghttp2_nv nv(const std::string& n, const std::string& v) {
    return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(n.data())),
            reinterpret_cast<std::uint8_t*>(const_cast<char*>(v.data())), n.size(), v.size(),
            NGHTTP2_NV_FLAG_NONE};
}

/// An nghttp2 session and what it saw.
struct ng_peer {
    nghttp2_session* session = nullptr;
    bool is_server = false;
    std::map<std::int32_t, std::string> bodies;  ///< received DATA per stream
    std::map<std::int32_t, std::map<std::string, std::string>>
        headers;                                  ///< last header section per stream
    std::map<std::int32_t, std::string> to_send;  ///< body the data provider serves
    std::map<std::int32_t, std::size_t> sent;
    std::map<std::int32_t, std::uint32_t> closed;  ///< stream -> error code at close
    std::vector<std::string> errors;
    bool goaway = false;
    std::string response_trailer = "grpc-status";

    static int on_header(nghttp2_session*, const nghttp2_frame* f, const std::uint8_t* n,
                         std::size_t nl, const std::uint8_t* v, std::size_t vl, std::uint8_t,
                         void* u) {
        auto* p = static_cast<ng_peer*>(u);
        p->headers[f->hd.stream_id][std::string(reinterpret_cast<const char*>(n), nl)] =
            std::string(reinterpret_cast<const char*>(v), vl);
        return 0;
    }
    static int on_data(nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* d,
                       std::size_t n, void* u) {
        static_cast<ng_peer*>(u)->bodies[id].append(reinterpret_cast<const char*>(d), n);
        return 0;
    }
    static int on_close(nghttp2_session*, std::int32_t id, std::uint32_t code, void* u) {
        static_cast<ng_peer*>(u)->closed[id] = code;
        return 0;
    }
    static int on_invalid(nghttp2_session*, const nghttp2_frame* f, int err, void* u) {
        static_cast<ng_peer*>(u)->errors.push_back(
            "invalid frame type " + std::to_string(f->hd.type) + ": " + nghttp2_strerror(err));
        return 0;
    }
    static ssize_t read_body(nghttp2_session* s, std::int32_t id, std::uint8_t* buf,
                             std::size_t len, std::uint32_t* flags, nghttp2_data_source*, void* u) {
        auto* p = static_cast<ng_peer*>(u);
        const std::string& b = p->to_send[id];
        std::size_t& off = p->sent[id];
        const std::size_t n = std::min(len, b.size() - off);
        std::copy_n(b.data() + off, n, buf);
        off += n;
        if (off == b.size()) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
            if (p->is_server) {  // responses end with trailers
                *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
                static const std::string k = "grpc-status", v = "0";
                nghttp2_nv t[] = {nv(k, v)};
                nghttp2_submit_trailer(s, id, t, 1);
            }
        }
        return static_cast<ssize_t>(n);
    }
    static int on_frame(nghttp2_session* s, const nghttp2_frame* f, void* u) {
        auto* p = static_cast<ng_peer*>(u);
        if (f->hd.type == NGHTTP2_GOAWAY) p->goaway = true;
        // A server answers each complete request with its body reversed.
        if (p->is_server && (f->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
            (f->hd.type == NGHTTP2_DATA || f->hd.type == NGHTTP2_HEADERS)) {
            std::string b = p->bodies[f->hd.stream_id];
            std::reverse(b.begin(), b.end());
            p->to_send[f->hd.stream_id] = b + "!";
            static const std::string s200 = ":status", v200 = "200", ct = "content-type",
                                     grpc = "application/grpc";
            nghttp2_nv h[] = {nv(s200, v200), nv(ct, grpc)};
            nghttp2_data_provider prd{};
            prd.read_callback = read_body;
            nghttp2_submit_response(s, f->hd.stream_id, h, 2, &prd);
        }
        return 0;
    }

    explicit ng_peer(bool server, std::uint32_t window = 65535) : is_server(server) {
        nghttp2_session_callbacks* cbs = nullptr;
        nghttp2_session_callbacks_new(&cbs);
        nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
        nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_close);
        nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(cbs, on_invalid);
        nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame);
        if (server) {
            nghttp2_session_server_new(&session, cbs, this);
        } else {
            nghttp2_session_client_new(&session, cbs, this);
        }
        nghttp2_session_callbacks_del(cbs);
        nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
                                       {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, window}};
        nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, iv, 2);
    }
    ~ng_peer() { nghttp2_session_del(session); }

    std::string take_output() {
        std::string out;
        for (;;) {
            const std::uint8_t* d = nullptr;
            const ssize_t n = nghttp2_session_mem_send(session, &d);
            if (n <= 0) break;
            out.append(reinterpret_cast<const char*>(d), static_cast<std::size_t>(n));
        }
        return out;
    }
    void give(std::string_view bytes) {
        const ssize_t n = nghttp2_session_mem_recv(
            session, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
        if (n < 0)
            errors.push_back(std::string("mem_recv: ") + nghttp2_strerror(static_cast<int>(n)));
    }
};

/// h2pb's side: sends bodies as windows allow, consumes what arrives.
struct h2pb_peer {
    h2pb_peer(connection& conn, bool server) : c(conn), is_server(server) {}
    connection& c;
    bool is_server;
    std::map<std::uint32_t, std::string> bodies;
    std::map<std::uint32_t, std::map<std::string, std::string>> headers;
    std::map<std::uint32_t, std::string> to_send;
    std::map<std::uint32_t, std::size_t> sent;
    std::map<std::uint32_t, bool> ended;
    std::map<std::uint32_t, bool> remote_ended;
    std::vector<std::string> errors;
    std::vector<stream_reset> resets;
    std::vector<std::uint64_t> pings;
    bool goaway = false;

    void operator()(const headers_received& e) {
        for (const auto& f : e.fields)
            headers[e.stream_id][std::string(f.name)] = std::string(f.value);
        if (e.end_stream) remote_ended[e.stream_id] = true;
        if (is_server && e.end_stream) respond(e.stream_id);
    }
    void operator()(const data_received& e) {
        bodies[e.stream_id].append(wire::as_chars(e.data));
        c.consume(e.stream_id, e.data.size());
        if (e.end_stream) {
            remote_ended[e.stream_id] = true;
            if (is_server) respond(e.stream_id);
        }
    }
    void operator()(const stream_reset& e) { resets.push_back(e); }
    void operator()(const ping_acknowledged& e) { pings.push_back(e.opaque); }
    void operator()(const goaway_received&) { goaway = true; }
    void operator()(const connection_error& e) { errors.push_back(e.reason.message()); }
    void operator()(const auto&) {}

    void respond(std::uint32_t id) {
        std::string b = bodies[id];
        std::reverse(b.begin(), b.end());
        to_send[id] = b + "!";
        const hpack::field h[] = {{":status", "200"}, {"content-type", "application/grpc"}};
        REQUIRE(c.submit_response(id, h, false) == send_errc::ok);
    }
    void pump() {
        for (auto& [id, b] : to_send) {
            if (ended[id]) continue;
            std::size_t& off = sent[id];
            auto r = c.send_data(id, wire::as_bytes(b).subspan(off), !is_server);
            if (!r) continue;
            off += *r;
            if (off == b.size()) {
                if (is_server) {
                    const hpack::field t[] = {{"grpc-status", "0"}};
                    REQUIRE(c.submit_trailers(id, t) == send_errc::ok);
                }
                ended[id] = true;
            }
        }
    }
};

/// Runs both sides until quiet, cutting each direction at random points.
void run(connection& mine, h2pb_peer& me, ng_peer& ng, std::mt19937& rng, int rounds = 2000) {
    std::string to_ng, to_me;
    for (int i = 0; i < rounds; ++i) {
        me.pump();
        to_ng += drain(mine);
        to_me += ng.take_output();
        if (to_ng.empty() && to_me.empty() && !nghttp2_session_want_write(ng.session)) break;
        const std::size_t a = std::min(to_ng.size(), 1 + static_cast<std::size_t>(rng() % 40000));
        ng.give(std::string_view(to_ng).substr(0, a));
        to_ng.erase(0, a);
        const std::size_t b = std::min(to_me.size(), 1 + static_cast<std::size_t>(rng() % 40000));
        mine.receive(wire::as_bytes(std::string_view(to_me).substr(0, b)), t0(), me);
        to_me.erase(0, b);
        mine.tick(t0(), me);
    }
}

}  // namespace

TEST_CASE("h2pb client, nghttp2 server: requests and responses larger than the windows",
          "[interop][nghttp2]") {
    std::mt19937 rng(1);
    connection client(role::client, t0());
    h2pb_peer me(client, false);
    ng_peer server(true);
    std::vector<std::uint32_t> ids;
    for (int i = 0; i < 20; ++i) {
        auto id = client.submit_request(post_request("/svc/" + std::to_string(i)), false);
        REQUIRE(id);
        ids.push_back(*id);
        me.to_send[*id] =
            body_for(static_cast<std::int32_t>(*id), static_cast<std::size_t>(rng() % 150000));
    }
    run(client, me, server, rng);
    CHECK(server.errors.empty());
    CHECK(me.errors.empty());
    for (auto id : ids) {
        INFO("stream " << id);
        const auto sid = static_cast<std::int32_t>(id);
        CHECK(server.bodies[sid] == me.to_send[id]);
        CHECK(server.headers[sid][":path"] == "/svc/" + std::to_string((id - 1) / 2));
        std::string expect = me.to_send[id];
        std::reverse(expect.begin(), expect.end());
        CHECK(me.bodies[id] == expect + "!");
        CHECK(me.headers[id]["grpc-status"] == "0");
        CHECK(server.closed.count(sid) == 1);
        CHECK(server.closed[sid] == NGHTTP2_NO_ERROR);
    }
    CHECK(client.active_streams() == 0);
}

TEST_CASE("nghttp2 client, h2pb server: requests and responses larger than the windows",
          "[interop][nghttp2]") {
    std::mt19937 rng(2);
    connection_options o;
    o.initial_window_size = 30000;  // not the default: the difference must be honoured by nghttp2
    connection server(role::server, t0(), o);
    h2pb_peer me(server, true);
    ng_peer client(false, 100000);
    std::vector<std::int32_t> ids;
    for (int i = 0; i < 20; ++i) {
        static std::vector<std::string> keep;
        keep.push_back("/svc/" + std::to_string(i));
        static const std::string m = ":method", post = "POST", s = ":scheme", http = "http",
                                 p = ":path", a = ":authority", host = "localhost", te = "te",
                                 tr = "trailers";
        nghttp2_nv h[] = {nv(m, post), nv(s, http), nv(p, keep.back()), nv(a, host), nv(te, tr)};
        nghttp2_data_provider prd{};
        prd.read_callback = ng_peer::read_body;
        const std::int32_t id =
            nghttp2_submit_request(client.session, nullptr, h, 5, &prd, nullptr);
        REQUIRE(id > 0);
        client.to_send[id] = body_for(id, static_cast<std::size_t>(rng() % 150000));
        ids.push_back(id);
    }
    run(server, me, client, rng);
    CHECK(client.errors.empty());
    CHECK(me.errors.empty());
    for (auto id : ids) {
        INFO("stream " << id);
        const auto uid = static_cast<std::uint32_t>(id);
        CHECK(me.bodies[uid] == client.to_send[id]);
        std::string expect = client.to_send[id];
        std::reverse(expect.begin(), expect.end());
        CHECK(client.bodies[id] == expect + "!");
        CHECK(client.headers[id]["grpc-status"] == "0");
        CHECK(client.closed[id] == NGHTTP2_NO_ERROR);
    }
    CHECK(server.active_streams() == 0);
}

TEST_CASE("nghttp2's PING, RST_STREAM, SETTINGS and GOAWAY reach h2pb as events",
          "[interop][nghttp2]") {
    std::mt19937 rng(3);
    connection client(role::client, t0());
    h2pb_peer me(client, false);
    ng_peer server(true);
    auto a = *client.submit_request(post_request(), false);
    auto b = *client.submit_request(post_request(), false);
    run(client, me, server, rng);
    // The server pings, resets stream a, shrinks our window, then goes away.
    const std::uint8_t opaque[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    nghttp2_submit_ping(server.session, NGHTTP2_FLAG_NONE, opaque);
    nghttp2_submit_rst_stream(server.session, NGHTTP2_FLAG_NONE, static_cast<std::int32_t>(a),
                              NGHTTP2_CANCEL);
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1000},
                                   {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 20000}};
    nghttp2_submit_settings(server.session, NGHTTP2_FLAG_NONE, iv, 2);
    client.ping(0xfeedfacecafebeefull);  // answered by nghttp2
    run(client, me, server, rng);
    REQUIRE(me.pings.size() == 1);
    CHECK(me.pings[0] == 0xfeedfacecafebeefull);
    nghttp2_submit_goaway(server.session, NGHTTP2_FLAG_NONE, static_cast<std::int32_t>(b),
                          NGHTTP2_NO_ERROR, reinterpret_cast<const std::uint8_t*>("bye"), 3);
    run(client, me, server, rng);
    REQUIRE(me.resets.size() == 1);
    CHECK(me.resets[0].stream_id == a);
    CHECK(me.resets[0].code == error_code::cancel);
    CHECK(client.remote_settings().initial_window_size == 1000);
    CHECK(client.remote_settings().max_frame_size == 20000);
    CHECK(me.goaway);
    CHECK(client.submit_request(get_request(), true).error() == send_errc::goaway_received);
    // Stream b (= last stream id) still completes.
    me.to_send[b] = "last words";
    run(client, me, server, rng);
    CHECK(server.bodies[static_cast<std::int32_t>(b)] == "last words");
    CHECK(me.bodies[b] == "sdrow tsal!");
    // h2pb answered the PING (nghttp2 checks the ACK's payload itself) and
    // nghttp2 acknowledged our SETTINGS: no errors on either side.
    CHECK(server.errors.empty());
    CHECK(me.errors.empty());
}

TEST_CASE("h2pb's graceful shutdown as nghttp2 sees it", "[interop][nghttp2]") {
    std::mt19937 rng(4);
    connection server(role::server, t0());
    h2pb_peer me(server, true);
    ng_peer client(false);
    static const std::string m = ":method", get = "GET", s = ":scheme", http = "http", p = ":path",
                             root = "/";
    nghttp2_nv h[] = {nv(m, get), nv(s, http), nv(p, root)};
    const std::int32_t id = nghttp2_submit_request(client.session, nullptr, h, 3, nullptr, nullptr);
    run(server, me, client, rng);
    server.shutdown(t0());
    run(server, me, client, rng);
    CHECK(client.goaway);
    CHECK(client.closed[id] == NGHTTP2_NO_ERROR);  // the request completed
    // Once it has nothing left to do, nghttp2 stops writing, so the PING of
    // the first step is never answered: the shutdown timeout ends it.
    CHECK_FALSE(server.is_closed());
    REQUIRE(server.next_deadline());
    CHECK(*server.next_deadline() == t0() + std::chrono::seconds(5));
    server.tick(t0() + std::chrono::seconds(5), me);
    auto fs = frames_of(drain(server));
    REQUIRE(find_frame(fs, frame_type::goaway));
    CHECK(u32_at(find_frame(fs, frame_type::goaway)->payload, 0) == static_cast<std::uint32_t>(id));
    CHECK(server.is_closed());
    CHECK(client.errors.empty());
}
