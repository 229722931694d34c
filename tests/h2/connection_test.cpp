// h2/connection.hpp: the sans-IO connection in both roles — preface and
// SETTINGS, requests and responses, trailers, DATA and flow control, resets,
// PING, GOAWAY, and the API contract the drivers rely on.
#include <catch2/catch.hpp>

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
