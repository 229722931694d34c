// RFC 9113 conformance: for every MUST / MUST NOT of §3-§8 that a peer can
// violate, the bytes that violate it and the exact reaction of h2pb — a
// GOAWAY with a code (connection error), a RST_STREAM with a code on a stream
// (stream error), or nothing (the frame is ignored as the RFC requires, and
// the connection still answers a PING). Each case is named by its section.
//
// The MUSTs of RFC 9113 with no row here, and why (reviewed MUST by MUST):
// - §3.2 (h2c Upgrade): h2pb speaks h2c with prior knowledge only.
// - §3.3, §9.1.1, §9.2-§9.2.3 (ALPN, TLS version, SNI, renegotiation, cipher
//   suites, post-handshake auth): the TLS layer of h2/asio (tls.hpp, OpenSSL),
//   tested in tests/h2/asio/tls_test.cpp; nothing for the sans-IO connection.
// - §4.1, §6.1, §6.2, §6.6 "MUST be left unset / set to zero when sending"
//   (flags, reserved bit, padding): the sender's side, frame_writer_test.
// - §4.2 "capable of receiving 16,384 octets": the "exactly
//   SETTINGS_MAX_FRAME_SIZE" row below.
// - §5.1 reserved (local) / reserved (remote), §5.1.1 even ids of the
//   server, §6.5.2 and §6.6 PUSH_PROMISE sending and processing, §8.4,
//   §8.4.1, §8.4.2 (promised requests, pushed responses): h2pb never enables
//   or sends push; a PUSH_PROMISE received is a connection error (rows §6.6,
//   §8.4), so no pushed stream ever exists.
// - §5.1 "MUST NOT send" in each state, §5.1.2 "MUST NOT exceed the peer's
//   limit", §5.2.1 and §6.9.1 "MUST respect flow-control limits", §6.9.2
//   "track the negative window": our sending side, refused by the submit_*
//   calls (connection_test, flow_control_test, pair_test).
// - §5.2.2 "MUST read and process control frames": the connection reads all
//   of its input (every row ends with a PING it must answer).
// - §5.4.1 "MUST close the TCP connection": the I/O driver, after GOAWAY
//   (h2/asio session; tests/interop/asio/misbehaving.py).
// - §5.5 extension negotiation: h2pb defines no extension.
// - §6.8 "MUST NOT increase the last stream identifier": our GOAWAY
//   (connection_test, graceful shutdown); debug data storage: not stored.
// - §8.1.1 "intermediary MUST NOT forward", §8.2.1 "MUST NOT forward",
//   §8.2.2 HTTP/1.x translation, §8.3.1 Host / :authority construction by
//   intermediaries, §8.5 CONNECT tunnel TCP behaviour, §10.3, §10.4: h2pb
//   is not an intermediary, proxy or cache.
// - §8.2 "MUST be converted to lowercase when constructing": our sending
//   side (validate_outgoing_fields, field_validation_test).
// - §8.3.1 "scheme-based normalization", §8.7 "REFUSED_STREAM MUST NOT be
//   used for a processed stream": application semantics (h2/asio server).
// - §10.5.1 "field block MUST be processed": rows §4.3 and §5.1 below
//   (blocks on reset streams are still decoded); §10.6 compression of
//   secrets: TLS compression is never enabled.
//
// Every case starts from a completed handshake: the peer's preface and
// SETTINGS, and its ACK of ours. The peer's header blocks are encoded with a
// real HPACK encoder whose state carries over from block to block.
#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "h2_harness.hpp"

using namespace h2pb;
using namespace h2pb::h2;
using namespace h2pb::test;
using namespace std::string_literals;

namespace {

enum class reaction { goaway, rst_stream, ignored };

struct expected {
    reaction kind;
    error_code code = error_code::no_error;
    std::uint32_t stream = 0;
};

expected goaway(error_code c) {
    return {reaction::goaway, c};
}
expected rst(std::uint32_t id, error_code c) {
    return {reaction::rst_stream, c, id};
}
expected ignored() {
    return {reaction::ignored};
}

struct conformance_case {
    std::string name;
    role h2pb_role;
    std::function<void(peer_bytes&)> send;  ///< what the peer sends after the handshake
    expected want;
    /// Before the peer's bytes: our calls, and earlier exchanges (fed with feed()).
    std::function<void(connection&, recorder&, peer_bytes&)> setup = {};
    connection_options options = {};
    bool handshake = true;
    std::function<void(connection&, recorder&)> after = {};  ///< e.g. time passing
};

constexpr std::uint64_t probe_opaque = 0x70726f6265212121ull;  // "probe!!!"

using enum error_code;
using ft = frame_type;

std::string u32(std::uint32_t v) {
    std::string s(4, '\0');
    wire::store_be32(reinterpret_cast<wire::byte*>(s.data()), v);
    return s;
}
std::string setting_bytes(std::uint16_t id, std::uint32_t v) {
    std::string s(6, '\0');
    wire::store_be16(reinterpret_cast<wire::byte*>(s.data()), id);
    wire::store_be32(reinterpret_cast<wire::byte*>(s.data() + 2), v);
    return s;
}

/// Opens stream `id` with a GET (client -> h2pb server).
void open(peer_bytes& p, std::uint32_t id, bool end_stream = false) {
    p.headers(
        id, {{":method", "GET"}, {":scheme", "https"}, {":authority", "a.example"}, {":path", "/"}},
        end_stream);
}
/// A request whose header section is `fields` (the test of one field rule).
void request_with(peer_bytes& p, std::initializer_list<hpack::field> fields) {
    p.headers(1, fields, true);
}
/// A response header section from the peer server on stream 1.
void respond(peer_bytes& p, bool end_stream = false) {
    p.headers(1, {{":status", "200"}}, end_stream);
}
/// Delivers what the peer has written so far (its HPACK context carries on).
void feed(connection& c, recorder& r, peer_bytes& p) {
    c.receive(p.view(), t0(), r);
    p.b.clear();
}
/// The client submits a GET on stream 1.
void client_get(connection& c, recorder&, peer_bytes&) {
    (void)c.submit_request(get_request(), true);
}
/// A complete exchange on stream 1: request and response both ended.
void finished_exchange(connection& c, recorder& r, peer_bytes& p) {
    open(p, 1, true);
    feed(c, r, p);
    const hpack::field resp[] = {{":status", "204"}};
    REQUIRE(c.submit_response(1, resp, true) == send_errc::ok);
    REQUIRE(c.state_of(1) == stream_state::closed);
}

std::vector<conformance_case> cases() {
    std::vector<conformance_case> v;
    const role S = role::server, C = role::client;
    auto add = [&](conformance_case c) { v.push_back(std::move(c)); };

    // ---------------------------------------------------------------- §3.4
    add({"§3.4 invalid client preface -> GOAWAY PROTOCOL_ERROR",
         S,
         [](peer_bytes& p) { p.b.append("GET / HTTP/1.1\r\nHost: a\r\n\r\n"); },
         goaway(protocol_error),
         {},
         {},
         false});
    add({"§3.4 first frame after the client preface is not SETTINGS -> GOAWAY PROTOCOL_ERROR",
         S,
         [](peer_bytes& p) { p.preface().frame(ft::ping, 0, 0, std::string(8, 'x')); },
         goaway(protocol_error),
         {},
         {},
         false});
    add({"§3.4 server's first frame is not SETTINGS -> GOAWAY PROTOCOL_ERROR",
         C,
         [](peer_bytes& p) { p.frame(ft::ping, 0, 0, std::string(8, 'x')); },
         goaway(protocol_error),
         {},
         {},
         false});
    add({"§3.4 client preface SETTINGS with ACK flag -> GOAWAY PROTOCOL_ERROR",
         S,
         [](peer_bytes& p) { p.preface().settings_ack(); },
         goaway(protocol_error),
         {},
         {},
         false});

    // ---------------------------------------------------------------- §4.1
    add({"§4.1 frame of unknown type is ignored", S,
         [](peer_bytes& p) { p.frame(static_cast<ft>(0xee), 0xff, 1, "anything"); }, ignored()});
    add({"§4.1 unknown frame type on an idle stream is ignored", S,
         [](peer_bytes& p) { p.frame(static_cast<ft>(0x20), 0, 99, ""); }, ignored()});
    add({"§4.1 unused flags are ignored", S,
         [](peer_bytes& p) {
             wire::buffer block;
             p.enc.encode(get_request(), block);
             // END_STREAM|END_HEADERS plus the unused flags 0x02, 0x10, 0x40, 0x80.
             p.frame(ft::headers, 0x01 | 0x04 | 0x02 | 0x10 | 0x40 | 0x80, 1, block.view());
         },
         ignored()});
    add({"§4.1 reserved bit of the stream id is ignored",
         S,
         [](peer_bytes& p) {
             wire::buffer block;
             p.enc.encode(get_request(), block);
             p.frame(ft::headers, 0x05, 0x80000001u, block.view());
         },
         ignored(),
         {},
         {},
         true,
         [](connection& c, recorder& r) {
             REQUIRE(r.first<ev_headers>());
             CHECK(r.first<ev_headers>()->stream_id == 1);
             CHECK(c.last_peer_stream_processed() == 1);
         }});

    // ---------------------------------------------------------------- §4.2
    add({"§4.2 DATA larger than SETTINGS_MAX_FRAME_SIZE -> GOAWAY FRAME_SIZE_ERROR", S,
         [](peer_bytes& p) {
             open(p, 1);
             p.data(1, std::string(16385, 'x'), false);
         },
         goaway(frame_size_error)});
    add({"§4.2 HEADERS larger than SETTINGS_MAX_FRAME_SIZE -> GOAWAY FRAME_SIZE_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::headers, 0x04, 1, std::string(16385, '\x82')); },
         goaway(frame_size_error)});
    add({"§4.2 a frame of exactly SETTINGS_MAX_FRAME_SIZE is accepted", S,
         [](peer_bytes& p) {
             open(p, 1);
             p.data(1, std::string(16384, 'x'), false);
         },
         ignored()});

    // ---------------------------------------------------------------- §4.3
    add({"§4.3 field block that fails to decode -> GOAWAY COMPRESSION_ERROR", S,
         [](peer_bytes& p) {
             p.frame(ft::headers, 0x05, 1, "\x80");
         },  // indexed field 0 (RFC 7541 §6.1)
         goaway(compression_error)});
    add({"§4.3 field block indexing beyond the tables -> GOAWAY COMPRESSION_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::headers, 0x05, 1, "\xff\x7f"); },
         goaway(compression_error)});
    add({"§4.3 frame of another type inside a field block -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             p.headers(1, {{":method", "GET"}}, true, false);
             p.frame(ft::ping, 0, 0, std::string(8, 'x'));
         },
         goaway(protocol_error)});
    add({"§4.3 CONTINUATION of another stream inside a field block -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             p.headers(1, {{":method", "GET"}}, true, false);
             p.frame(ft::continuation, 0x04, 3, "\x84");
         },
         goaway(protocol_error)});
    add({"§4.3 field block split over CONTINUATION frames is reassembled",
         S,
         [](peer_bytes& p) {
             wire::buffer block;
             p.enc.encode(get_request("/split"), block);
             const auto b = block.view();
             p.frame(ft::headers, 0x01, 1, b.subspan(0, 3));
             p.frame(ft::continuation, 0, 1, b.subspan(3, 4));
             p.frame(ft::continuation, 0x04, 1, b.subspan(7));
         },
         ignored(),
         {},
         {},
         true,
         [](connection&, recorder& r) {
             REQUIRE(r.first<ev_headers>());
             CHECK(r.first<ev_headers>()->get(":path") == "/split");
         }});
    {
        connection_options o;
        o.header_table_size = 0;
        add(
            {"§4.3.1 field block after an acknowledged table size reduction without a size update "
             "-> "
             "GOAWAY COMPRESSION_ERROR",
             S,
             [](peer_bytes& p) { p.frame(ft::headers, 0x05, 1, "\x82\x86\x84\x41\x01\x61"); },
             goaway(compression_error),
             {},
             o});
        add({"§4.3.1 field block that starts with the required size update is accepted",
             S,
             [](peer_bytes& p) { p.frame(ft::headers, 0x05, 1, "\x20\x82\x86\x84\x41\x01\x61"); },
             ignored(),
             {},
             o});
    }

    // ---------------------------------------------------------------- §5.1
    add({"§5.1 idle: DATA -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { p.data(1, "x", false); }, goaway(protocol_error)});
    add({"§5.1 idle: RST_STREAM -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::rst_stream, 0, 1, u32(8)); }, goaway(protocol_error)});
    add({"§5.1 idle: WINDOW_UPDATE -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::window_update, 0, 1, u32(100)); },
         goaway(protocol_error)});
    add({"§5.1 idle: CONTINUATION -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::continuation, 0x04, 1, "\x82"); },
         goaway(protocol_error)});
    add({"§5.1 idle: PRIORITY is accepted", S,
         [](peer_bytes& p) { p.frame(ft::priority, 0, 7, u32(0) + "\x10"); }, ignored()});
    add({"§5.1 half-closed (remote): DATA -> RST_STREAM STREAM_CLOSED", S,
         [](peer_bytes& p) {
             open(p, 1, true);
             p.data(1, "late", false);
         },
         rst(1, stream_closed)});
    add({"§5.1 half-closed (remote): HEADERS -> RST_STREAM STREAM_CLOSED", S,
         [](peer_bytes& p) {
             open(p, 1, true);
             p.headers(1, {{"x-late", "1"}}, true);
         },
         rst(1, stream_closed)});
    add({"§5.1 half-closed (remote): WINDOW_UPDATE and PRIORITY are accepted", S,
         [](peer_bytes& p) {
             open(p, 1, true);
             p.frame(ft::window_update, 0, 1, u32(10));
             p.frame(ft::priority, 0, 1, u32(0) + "\x10");
         },
         ignored()});
    add({"§5.1 closed (by the peer's RST_STREAM): DATA -> RST_STREAM STREAM_CLOSED", S,
         [](peer_bytes& p) {
             open(p, 1);
             p.frame(ft::rst_stream, 0, 1, u32(8));
             p.data(1, "late", false);
         },
         rst(1, stream_closed)});
    add({"§5.1 closed (by the peer's RST_STREAM): HEADERS -> GOAWAY STREAM_CLOSED", S,
         [](peer_bytes& p) {
             open(p, 1);
             p.frame(ft::rst_stream, 0, 1, u32(8));
             open(p, 1);
         },
         goaway(stream_closed)});
    add({"§5.1 closed (END_STREAM both ways): DATA -> RST_STREAM STREAM_CLOSED", S,
         [](peer_bytes& p) {
             // The response went out before; this arrives after both END_STREAMs.
             p.data(1, "late", false);
         },
         rst(1, stream_closed), finished_exchange});
    add({"§5.1 closed: WINDOW_UPDATE and RST_STREAM crossing our END_STREAM are ignored", S,
         [](peer_bytes& p) {
             p.frame(ft::window_update, 0, 1, u32(10));
             p.frame(ft::rst_stream, 0, 1, u32(8));
         },
         ignored(), finished_exchange});
    add({"§5.1 closed: frames the peer sent before our RST_STREAM arrived are ignored", S,
         [](peer_bytes& p) {
             p.data(1, "in flight", false);
             p.headers(1, {{"x-trailer", "1"}}, true);
         },
         ignored(),
         [](connection& c, recorder& r, peer_bytes& p) {
             open(p, 1);
             feed(c, r, p);
             REQUIRE(c.reset_stream(1, cancel) == send_errc::ok);
         }});

    add({"§5.1 closed (by the peer's RST_STREAM): PRIORITY is accepted", S,
         [](peer_bytes& p) {
             open(p, 1);
             p.frame(ft::rst_stream, 0, 1, u32(8));
             p.frame(ft::priority, 0, 1, u32(0) + "\x10");
         },
         ignored()});
    add({"§4.3 a field block on a stream we reset is still decoded (HPACK state stays in step)",
         S,
         [](peer_bytes& p) {
             p.headers(1, {{"x-late-trailer", "inserted"}}, true);  // enters the dynamic table
             p.headers(3,
                       {{":method", "GET"},
                        {":scheme", "https"},
                        {":path", "/"},
                        {"x-late-trailer", "inserted"}},
                       true);  // refers to it
         },
         ignored(),
         [](connection& c, recorder& r, peer_bytes& p) {
             open(p, 1);
             feed(c, r, p);
             REQUIRE(c.reset_stream(1, cancel) == send_errc::ok);
         },
         {},
         true,
         [](connection&, recorder& r) {
             auto hs = r.all<ev_headers>();
             REQUIRE(hs.size() == 1);
             CHECK(hs[0].stream_id == 3);
             CHECK(hs[0].get("x-late-trailer") == "inserted");
         }});

    // ---------------------------------------------------------------- §5.1.1
    add({"§5.1.1 client opens an even-numbered stream -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { open(p, 2); }, goaway(protocol_error)});
    add({"§5.1.1 new stream id lower than a previous one -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             open(p, 5);
             open(p, 3);
         },
         goaway(protocol_error)});
    add({"§5.1.1 skipped stream ids are closed: HEADERS on one -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             open(p, 7, true);
             open(p, 1, true);
         },
         goaway(protocol_error)});
    add({"§5.1.1 server opens a stream without PUSH_PROMISE -> GOAWAY PROTOCOL_ERROR", C,
         [](peer_bytes& p) {
             p.headers(2, {{":status", "200"}}, true);
         },
         goaway(protocol_error), client_get});
    add({"§5.1.1 server answers on a client stream never opened -> GOAWAY PROTOCOL_ERROR", C,
         [](peer_bytes& p) {
             p.headers(3, {{":status", "200"}}, true);
         },
         goaway(protocol_error), client_get});

    // ---------------------------------------------------------------- §5.1.2
    {
        connection_options o;
        o.max_concurrent_streams = 1;
        add({"§5.1.2 stream beyond SETTINGS_MAX_CONCURRENT_STREAMS -> RST_STREAM REFUSED_STREAM",
             S,
             [](peer_bytes& p) {
                 open(p, 1);
                 open(p, 3);
             },
             rst(3, refused_stream),
             {},
             o});
    }

    // ---------------------------------------------------------------- §5.4
    add({"§5.4.2 RST_STREAM is never answered with RST_STREAM",
         S,
         [](peer_bytes& p) {
             open(p, 1);
             p.frame(ft::rst_stream, 0, 1, u32(2));
         },
         ignored(),
         {},
         {},
         true,
         [](connection&, recorder& r) {
             auto resets = r.all<stream_reset>();
             REQUIRE(resets.size() == 1);
             CHECK(resets[0].remote);
             CHECK(resets[0].code == internal_error);
         }});

    // ---------------------------------------------------------------- §5.5
    add({"§5.5 unknown SETTINGS identifier is ignored", S,
         [](peer_bytes& p) { p.frame(ft::settings, 0, 0, setting_bytes(0x99, 12345)); },
         ignored()});
    add({"§5.5 extension frame inside a field block -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             p.headers(1, {{":method", "GET"}}, true, false);
             p.frame(static_cast<ft>(0xee), 0, 1, "x");
         },
         goaway(protocol_error)});

    // ---------------------------------------------------------------- §6.1
    add({"§6.1 DATA on stream 0 -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { p.data(0, "x", false); }, goaway(protocol_error)});
    add({"§6.1 DATA with padding as long as the payload -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             open(p, 1);
             p.frame(ft::data, 0x08, 1, "\x03xyz");  // pad length 3, payload 4
             p.frame(ft::data, 0x08, 1, "\x04xyz");
         },
         goaway(protocol_error)});
    add({"§6.1 DATA with PADDED and no Pad Length octet -> GOAWAY FRAME_SIZE_ERROR", S,
         [](peer_bytes& p) {
             open(p, 1);
             p.frame(ft::data, 0x08, 1, "");
         },
         goaway(frame_size_error)});
    add({"§6.1 padded DATA is accepted and the padding stripped",
         S,
         [](peer_bytes& p) {
             open(p, 1);
             p.data(1, "body", true, 10);
         },
         ignored(),
         {},
         {},
         true,
         [](connection&, recorder& r) { CHECK(r.body(1) == "body"); }});

    // ---------------------------------------------------------------- §6.2
    add({"§6.2 HEADERS on stream 0 -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::headers, 0x05, 0, "\x82"); }, goaway(protocol_error)});
    add({"§6.2 HEADERS with padding longer than the payload -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::headers, 0x0d, 1, "\x05\x82\x86\x84"); },
         goaway(protocol_error)});
    add({"§6.2 HEADERS without END_HEADERS followed by DATA -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             p.headers(1, {{":method", "GET"}}, false, false);
             p.data(1, "x", false);
         },
         goaway(protocol_error)});
    add({"§6.2 HEADERS with the priority flag and too short a payload -> GOAWAY FRAME_SIZE_ERROR",
         S, [](peer_bytes& p) { p.frame(ft::headers, 0x25, 1, "\x00\x00"s); },
         goaway(frame_size_error)});
    add({"§6.2 (RFC 7540 §5.3.1) HEADERS depending on its own stream -> RST_STREAM PROTOCOL_ERROR",
         S,
         [](peer_bytes& p) {
             wire::buffer block;
             p.enc.encode(get_request(), block);
             priority_fields pri{1, false, 15};
             p.raw_headers(1, block.view(), {.end_stream = true, .priority = &pri});
         },
         rst(1, protocol_error)});

    // ---------------------------------------------------------------- §6.3
    add({"§6.3 PRIORITY on stream 0 -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::priority, 0, 0, u32(1) + "\x10"); },
         goaway(protocol_error)});
    add({"§6.3 PRIORITY of length 4 -> RST_STREAM FRAME_SIZE_ERROR", S,
         [](peer_bytes& p) {
             open(p, 1);
             p.frame(ft::priority, 0, 1, u32(0));
         },
         rst(1, frame_size_error)});
    // RFC 9113 §5.3.2 keeps RFC 7540's mandatory priority handling: a stream
    // cannot depend on itself (RFC 7540 §5.3.1, a stream error PROTOCOL_ERROR).
    add(
        {"§5.3.2 (RFC 7540 §5.3.1) PRIORITY making an open stream depend on itself -> RST_STREAM "
         "PROTOCOL_ERROR",
         S,
         [](peer_bytes& p) {
             open(p, 1);
             p.frame(ft::priority, 0, 1, u32(1) + "\x10");
         },
         rst(1, protocol_error)});
    add(
        {"§5.3.2 (RFC 7540 §5.3.1) exclusive PRIORITY on a half-closed stream depending on itself "
         "-> RST_STREAM PROTOCOL_ERROR",
         S,
         [](peer_bytes& p) {
             open(p, 1, true);
             p.frame(ft::priority, 0, 1, u32(0x80000001u) + "\xff");
         },
         rst(1, protocol_error)});
    // §6.4 forbids RST_STREAM on an idle stream: the stream error becomes a
    // connection error (§5.4.1: an endpoint MAY treat one as the other).
    add(
        {"§5.3.2 (RFC 7540 §5.3.1) PRIORITY making an idle stream depend on itself -> GOAWAY "
         "PROTOCOL_ERROR",
         S, [](peer_bytes& p) { p.frame(ft::priority, 0, 3, u32(3) + "\x10"); },
         goaway(protocol_error)});
    add(
        {"§5.3.2 (RFC 7540 §5.3.1) PRIORITY making a closed stream depend on itself -> "
         "RST_STREAM PROTOCOL_ERROR",
         S, [](peer_bytes& p) { p.frame(ft::priority, 0, 1, u32(1) + "\x10"); },
         rst(1, protocol_error), finished_exchange});
    add(
        {"§5.3.2 (RFC 7540 §5.3.1) trailers HEADERS depending on their own stream -> RST_STREAM "
         "PROTOCOL_ERROR",
         S,
         [](peer_bytes& p) {
             open(p, 1);
             wire::buffer block;
             p.enc.encode(std::vector<hpack::field>{{"x-trailer", "1"}}, block);
             priority_fields pri{1, false, 15};
             p.raw_headers(1, block.view(), {.end_stream = true, .priority = &pri});
         },
         rst(1, protocol_error)});
    add({"§6.3 PRIORITY of length 4 on an idle stream -> GOAWAY FRAME_SIZE_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::priority, 0, 3, u32(0)); }, goaway(frame_size_error)});
    add({"§6.3 PRIORITY between the frames of a field block -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             p.headers(1, {{":method", "GET"}}, true, false);
             p.frame(ft::priority, 0, 1, u32(0) + "\x10");
         },
         goaway(protocol_error)});

    // ---------------------------------------------------------------- §6.4
    add({"§6.4 RST_STREAM on stream 0 -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::rst_stream, 0, 0, u32(8)); }, goaway(protocol_error)});
    add({"§6.4 RST_STREAM of length 3 -> GOAWAY FRAME_SIZE_ERROR", S,
         [](peer_bytes& p) {
             open(p, 1);
             p.frame(ft::rst_stream, 0, 1, "\x00\x00\x08"s);
         },
         goaway(frame_size_error)});

    // ---------------------------------------------------------------- §6.5
    add({"§6.5 SETTINGS ACK with a payload -> GOAWAY FRAME_SIZE_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::settings, 0x01, 0, setting_bytes(3, 1)); },
         goaway(frame_size_error)});
    add({"§6.5 SETTINGS on a stream -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::settings, 0, 1, setting_bytes(3, 1)); },
         goaway(protocol_error)});
    add({"§6.5 SETTINGS with length not a multiple of 6 -> GOAWAY FRAME_SIZE_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::settings, 0, 0, "\x00\x03\x00\x00\x00"s); },
         goaway(frame_size_error)});
    add({"§6.5.2 SETTINGS_ENABLE_PUSH = 2 -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::settings, 0, 0, setting_bytes(2, 2)); },
         goaway(protocol_error)});
    add({"§6.5.2 server sends SETTINGS_ENABLE_PUSH = 1 -> GOAWAY PROTOCOL_ERROR", C,
         [](peer_bytes& p) { p.frame(ft::settings, 0, 0, setting_bytes(2, 1)); },
         goaway(protocol_error)});
    add({"§6.5.2 SETTINGS_INITIAL_WINDOW_SIZE = 2^31 -> GOAWAY FLOW_CONTROL_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::settings, 0, 0, setting_bytes(4, 0x80000000u)); },
         goaway(flow_control_error)});
    add({"§6.5.2 SETTINGS_MAX_FRAME_SIZE = 16383 -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::settings, 0, 0, setting_bytes(5, 16383)); },
         goaway(protocol_error)});
    add({"§6.5.2 SETTINGS_MAX_FRAME_SIZE = 2^24 -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::settings, 0, 0, setting_bytes(5, 16777216)); },
         goaway(protocol_error)});
    add({"§6.5.2 SETTINGS_INITIAL_WINDOW_SIZE = 2^31-1 is accepted", S,
         [](peer_bytes& p) { p.frame(ft::settings, 0, 0, setting_bytes(4, 0x7fffffffu)); },
         ignored()});
    add({"§6.5.2 SETTINGS_MAX_FRAME_SIZE = 2^24-1 is accepted", S,
         [](peer_bytes& p) { p.frame(ft::settings, 0, 0, setting_bytes(5, 16777215)); },
         ignored()});
    add({"§6.5.2 server sends SETTINGS_ENABLE_PUSH = 0 is accepted", C,
         [](peer_bytes& p) { p.frame(ft::settings, 0, 0, setting_bytes(2, 0)); }, ignored()});
    add({"§6.5.3 SETTINGS is acknowledged, values applied in order",
         S,
         [](peer_bytes& p) {
             p.frame(ft::settings, 0, 0, setting_bytes(5, 20000) + setting_bytes(5, 30000));
         },
         ignored(),
         {},
         {},
         true,
         [](connection& c, recorder&) { CHECK(c.remote_settings().max_frame_size == 30000); }});
    add({"§6.5.3 SETTINGS not acknowledged in time -> GOAWAY SETTINGS_TIMEOUT",
         S,
         [](peer_bytes&) {},
         goaway(settings_timeout),
         [](connection& c, recorder&, peer_bytes&) {
             const setting s[] = {{4, 1000}};
             REQUIRE(c.submit_settings(s, t0()) == send_errc::ok);
         },
         {},
         true,
         [](connection& c, recorder& r) {
             c.tick(t0() + 5s, r);
             CHECK(r.count<connection_error>() == 0);
             c.tick(t0() + 10s, r);
             CHECK(r.count<connection_error>() == 1);
         }});
    add({"§6.5.3 SETTINGS ACK without a SETTINGS outstanding -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { p.settings_ack(); }, goaway(protocol_error)});

    // ---------------------------------------------------------------- §6.6, §8.4
    add({"§8.4 client sends PUSH_PROMISE -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             open(p, 1);
             p.frame(ft::push_promise, 0x04, 1, u32(2) + "\x82");
         },
         goaway(protocol_error)});
    add({"§6.6 PUSH_PROMISE with SETTINGS_ENABLE_PUSH = 0 -> GOAWAY PROTOCOL_ERROR", C,
         [](peer_bytes& p) {
             p.frame(ft::push_promise, 0x04, 1, u32(2) + "\x82\x86\x84\x41\x01\x61");
         },
         goaway(protocol_error), client_get});
    add({"§6.6 PUSH_PROMISE on stream 0 -> GOAWAY PROTOCOL_ERROR", C,
         [](peer_bytes& p) { p.frame(ft::push_promise, 0x04, 0, u32(2)); }, goaway(protocol_error),
         client_get});

    // ---------------------------------------------------------------- §6.7
    add({"§6.7 PING on a stream -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::ping, 0, 1, std::string(8, 'x')); },
         goaway(protocol_error)});
    add({"§6.7 PING of length 7 -> GOAWAY FRAME_SIZE_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::ping, 0, 0, std::string(7, 'x')); },
         goaway(frame_size_error)});
    add({"§6.7 PING with ACK is not answered",
         S,
         [](peer_bytes& p) { p.frame(ft::ping, 0x01, 0, std::string(8, 'a')); },
         ignored(),
         {},
         {},
         true,
         [](connection&, recorder& r) { CHECK(r.count<ping_acknowledged>() == 1); }});

    // ---------------------------------------------------------------- §6.8
    add({"§6.8 GOAWAY on a stream -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::goaway, 0, 1, u32(0) + u32(0)); },
         goaway(protocol_error)});
    add({"§6.8 GOAWAY shorter than 8 octets -> GOAWAY FRAME_SIZE_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::goaway, 0, 0, u32(0)); }, goaway(frame_size_error)});

    add({"§6.8 after the peer's GOAWAY no new stream is opened",
         C,
         [](peer_bytes& p) { p.frame(ft::goaway, 0, 0, u32(0) + u32(0)); },
         ignored(),
         {},
         {},
         true,
         [](connection& c, recorder&) {
             const auto r = c.submit_request(get_request(), true);
             CHECK_FALSE(r);
         }});

    // ---------------------------------------------------------------- §6.9
    add({"§6.9 WINDOW_UPDATE of 0 on a stream -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             open(p, 1);
             p.frame(ft::window_update, 0, 1, u32(0));
         },
         rst(1, protocol_error)});
    add({"§6.9 WINDOW_UPDATE of 0 on the connection -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::window_update, 0, 0, u32(0)); }, goaway(protocol_error)});
    add({"§6.9 WINDOW_UPDATE of length 3 -> GOAWAY FRAME_SIZE_ERROR", S,
         [](peer_bytes& p) { p.frame(ft::window_update, 0, 0, "\x00\x00\x01"s); },
         goaway(frame_size_error)});
    add({"§6.9.1 connection window above 2^31-1 -> GOAWAY FLOW_CONTROL_ERROR", S,
         [](peer_bytes& p) {
             p.frame(ft::window_update, 0, 0, u32(0x7fffffff - 65535));
             p.frame(ft::window_update, 0, 0, u32(1));
         },
         goaway(flow_control_error)});
    add({"§6.9.1 stream window above 2^31-1 -> RST_STREAM FLOW_CONTROL_ERROR", S,
         [](peer_bytes& p) {
             open(p, 1);
             p.frame(ft::window_update, 0, 1, u32(0x7fffffff));
         },
         rst(1, flow_control_error)});
    {
        connection_options big;
        big.initial_window_size = 1 << 20;
        add({"§6.9.1 DATA beyond the connection window -> GOAWAY FLOW_CONTROL_ERROR",
             S,
             [](peer_bytes& p) {
                 open(p, 1);
                 for (int i = 0; i < 4; ++i)
                     p.data(1, std::string(16384, 'x'), false);  // 65536 > 65535
             },
             goaway(flow_control_error),
             {},
             big});
        // With window_release::on_receive the connection window is given
        // back as DATA arrives (after two of the frames above: 32,768 octets,
        // half the window), so a peer racing ahead of our WINDOW_UPDATE is
        // not caught there; a frame that alone exceeds the window still is.
        connection_options eager = big;
        eager.max_frame_size = 1 << 20;
        eager.connection_window_release = window_release::on_receive;
        add({"§6.9.1 DATA beyond the connection window (on_receive) -> GOAWAY FLOW_CONTROL_ERROR",
             S,
             [](peer_bytes& p) {
                 open(p, 1);
                 p.data(1, std::string(65536, 'x'), false);
             },
             goaway(flow_control_error),
             {},
             eager});
        connection_options small;
        small.initial_window_size = 100;
        add({"§6.9.1 DATA beyond the stream window -> RST_STREAM FLOW_CONTROL_ERROR",
             S,
             [](peer_bytes& p) {
                 open(p, 1);
                 p.data(1, std::string(101, 'x'), false);
             },
             rst(1, flow_control_error),
             {},
             small});
    }
    add(
        {"§6.9.2 SETTINGS_INITIAL_WINDOW_SIZE pushing a stream window above 2^31-1 -> GOAWAY "
         "FLOW_CONTROL_ERROR",
         S,
         [](peer_bytes& p) {
             p.frame(ft::window_update, 0, 1, u32(0x7fffffff - 65535));  // stream window 2^31-1
             p.frame(ft::settings, 0, 0, setting_bytes(4, 65536));
         },
         goaway(flow_control_error),
         [](connection& c, recorder& r, peer_bytes& p) {
             open(p, 1);
             feed(c, r, p);
         }});
    {
        // DATA on an ignored stream is given back to the connection window
        // as it arrives, so only a frame that alone exceeds the window shows
        // that it was counted.
        connection_options o;
        o.max_frame_size = 1 << 20;
        add(
            {"§6.9 DATA on a stream we reset still counts against the connection window -> "
             "GOAWAY FLOW_CONTROL_ERROR",
             S, [](peer_bytes& p) { p.data(1, std::string(65536, 'x'), false); },
             goaway(flow_control_error),
             [](connection& c, recorder& r, peer_bytes& p) {
                 open(p, 1);
                 feed(c, r, p);
                 REQUIRE(c.reset_stream(1, cancel) == send_errc::ok);
             },
             o});
    }
    add({"§6.9 WINDOW_UPDATE on a closed stream is not an error", S,
         [](peer_bytes& p) {
             open(p, 1);
             p.frame(ft::rst_stream, 0, 1, u32(8));
             p.frame(ft::window_update, 0, 1, u32(100));
         },
         ignored()});

    // ---------------------------------------------------------------- §6.10
    add({"§6.10 CONTINUATION after a complete field block -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             open(p, 1);
             p.frame(ft::continuation, 0x04, 1, "\x84");
         },
         goaway(protocol_error)});
    add({"§6.10 CONTINUATION on stream 0 inside a field block -> GOAWAY PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             p.headers(1, {{":method", "GET"}}, true, false);
             p.frame(ft::continuation, 0x04, 0, "\x84");
         },
         goaway(protocol_error)});

    // ---------------------------------------------------------------- §7
    add({"§7 unknown error code in RST_STREAM triggers nothing special", S,
         [](peer_bytes& p) {
             open(p, 1);
             p.frame(ft::rst_stream, 0, 1, u32(0xabcdef));
         },
         ignored()});
    add({"§7 unknown error code in GOAWAY triggers nothing special", C,
         [](peer_bytes& p) { p.frame(ft::goaway, 0, 0, u32(1) + u32(0xabcdef)); }, ignored()});

    // ---------------------------------------------------------------- §8.1
    add({"§8.1 trailers without END_STREAM -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             open(p, 1);
             p.headers(1, {{"x-trailer", "1"}}, false);
         },
         rst(1, protocol_error)});
    add({"§8.1 pseudo-header in trailers -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             open(p, 1);
             p.headers(1, {{":path", "/"}}, true);
         },
         rst(1, protocol_error)});
    add({"§8.1 1xx response with END_STREAM -> RST_STREAM PROTOCOL_ERROR", C,
         [](peer_bytes& p) {
             p.headers(1, {{":status", "103"}}, true);
         },
         rst(1, protocol_error), client_get});
    add({"§8.1 1xx responses before the final response are accepted",
         C,
         [](peer_bytes& p) {
             p.headers(1, {{":status", "100"}}, false);
             p.headers(1, {{":status", "103"}, {"link", "</a>"}}, false);
             p.headers(1, {{":status", "200"}}, true);
         },
         ignored(),
         client_get,
         {},
         true,
         [](connection&, recorder& r) {
             auto hs = r.all<ev_headers>();
             REQUIRE(hs.size() == 3);
             CHECK(hs[2].status == 200);
             CHECK(hs[2].kind == section_kind::response);
         }});
    add({"§8.1 HEADERS without END_STREAM after the final response -> RST_STREAM PROTOCOL_ERROR", C,
         [](peer_bytes& p) {
             respond(p);
             p.headers(1, {{"x-more", "1"}}, false);
         },
         rst(1, protocol_error), client_get});

    // ---------------------------------------------------------------- §8.1.1
    add({"§8.1.1 content-length larger than the DATA -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             p.headers(1,
                       {{":method", "POST"},
                        {":scheme", "https"},
                        {":path", "/"},
                        {"content-length", "10"}},
                       false);
             p.data(1, "12345", true);
         },
         rst(1, protocol_error)});
    add({"§8.1.1 content-length smaller than the DATA -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             p.headers(1,
                       {{":method", "POST"},
                        {":scheme", "https"},
                        {":path", "/"},
                        {"content-length", "3"}},
                       false);
             p.data(1, "12345", false);
         },
         rst(1, protocol_error)});
    add({"§8.1.1 content-length equal to the DATA is accepted", S,
         [](peer_bytes& p) {
             p.headers(1,
                       {{":method", "POST"},
                        {":scheme", "https"},
                        {":path", "/"},
                        {"content-length", "5"}},
                       false);
             p.data(1, "12", false);
             p.data(1, "345", true);
         },
         ignored()});
    add({"§8.1.1 response to HEAD may announce a content-length without DATA", C,
         [](peer_bytes& p) {
             p.headers(1, {{":status", "200"}, {"content-length", "1234"}}, true);
         },
         ignored(),
         [](connection& c, recorder&, peer_bytes&) {
             const hpack::field head[] = {
                 {":method", "HEAD"}, {":scheme", "https"}, {":path", "/"}};
             (void)c.submit_request(head, true);
         }});
    add({"§8.1.1 content-length on a 200 response not matched by DATA -> RST_STREAM PROTOCOL_ERROR",
         C,
         [](peer_bytes& p) {
             p.headers(1, {{":status", "200"}, {"content-length", "1234"}}, true);
         },
         rst(1, protocol_error), client_get});
    add({"§8.1.1 invalid content-length value -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             request_with(p, {{":method", "GET"},
                              {":scheme", "https"},
                              {":path", "/"},
                              {"content-length", "1a"}});
         },
         rst(1, protocol_error)});

    // ---------------------------------------------------------------- §8.2
    const std::vector<hpack::field> base = {
        {":method", "GET"}, {":scheme", "https"}, {":path", "/"}};
    auto with = [base](hpack::field extra) {
        return [base, extra](peer_bytes& p) {
            std::vector<hpack::field> f(base);
            f.push_back(extra);
            wire::buffer block;
            p.enc.encode(f, block);
            p.raw_headers(1, block.view(), {.end_stream = true});
        };
    };
    add({"§8.2 uppercase field name -> RST_STREAM PROTOCOL_ERROR", S, with({"X-Upper", "1"}),
         rst(1, protocol_error)});
    add({"§8.2.1 field name with a space -> RST_STREAM PROTOCOL_ERROR", S, with({"x y", "1"}),
         rst(1, protocol_error)});
    add({"§8.2.1 field name with a colon -> RST_STREAM PROTOCOL_ERROR", S, with({"x:y", "1"}),
         rst(1, protocol_error)});
    add({"§8.2.1 field name with a non-ASCII octet -> RST_STREAM PROTOCOL_ERROR", S,
         with({"x\xff", "1"}), rst(1, protocol_error)});
    add({"§8.2.1 field value with CR LF -> RST_STREAM PROTOCOL_ERROR", S, with({"x", "a\r\nb: c"}),
         rst(1, protocol_error)});
    add({"§8.2.1 field value with NUL -> RST_STREAM PROTOCOL_ERROR", S,
         with({"x", std::string_view("a\0b", 3)}), rst(1, protocol_error)});
    add({"§8.2.1 field value with leading whitespace -> RST_STREAM PROTOCOL_ERROR", S,
         with({"x", " a"}), rst(1, protocol_error)});
    add({"§8.2.1 field value with trailing whitespace -> RST_STREAM PROTOCOL_ERROR", S,
         with({"x", "a\t"}), rst(1, protocol_error)});
    add({"§8.2.2 Connection header field -> RST_STREAM PROTOCOL_ERROR", S,
         with({"connection", "close"}), rst(1, protocol_error)});
    add({"§8.2.2 Transfer-Encoding header field -> RST_STREAM PROTOCOL_ERROR", S,
         with({"transfer-encoding", "chunked"}), rst(1, protocol_error)});
    add({"§8.2.2 Keep-Alive header field -> RST_STREAM PROTOCOL_ERROR", S,
         with({"keep-alive", "1"}), rst(1, protocol_error)});
    add({"§8.2.2 Upgrade header field -> RST_STREAM PROTOCOL_ERROR", S, with({"upgrade", "h2c"}),
         rst(1, protocol_error)});
    add({"§8.2.2 Proxy-Connection header field -> RST_STREAM PROTOCOL_ERROR", S,
         with({"proxy-connection", "keep-alive"}), rst(1, protocol_error)});
    add({"§8.2.2 TE other than trailers -> RST_STREAM PROTOCOL_ERROR", S, with({"te", "gzip"}),
         rst(1, protocol_error)});
    add({"§8.2.2 TE: trailers is accepted", S, with({"te", "trailers"}), ignored()});

    // ---------------------------------------------------------------- §8.3
    add({"§8.3 pseudo-header after a regular field -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             request_with(p,
                          {{":method", "GET"}, {":scheme", "https"}, {"x", "1"}, {":path", "/"}});
         },
         rst(1, protocol_error)});
    add({"§8.3 repeated pseudo-header -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             request_with(
                 p, {{":method", "GET"}, {":scheme", "https"}, {":path", "/"}, {":path", "/"}});
         },
         rst(1, protocol_error)});
    add({"§8.3 undefined pseudo-header -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             request_with(
                 p, {{":method", "GET"}, {":scheme", "https"}, {":path", "/"}, {":foo", "bar"}});
         },
         rst(1, protocol_error)});
    add({"§8.3 response pseudo-header in a request -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             request_with(
                 p, {{":method", "GET"}, {":scheme", "https"}, {":path", "/"}, {":status", "200"}});
         },
         rst(1, protocol_error)});
    add({"§8.3.1 request without :method -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             request_with(p, {{":scheme", "https"}, {":path", "/"}});
         },
         rst(1, protocol_error)});
    add({"§8.3.1 request without :scheme -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             request_with(p, {{":method", "GET"}, {":path", "/"}});
         },
         rst(1, protocol_error)});
    add({"§8.3.1 request without :path -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             request_with(p, {{":method", "GET"}, {":scheme", "https"}});
         },
         rst(1, protocol_error)});
    add({"§8.3.1 request with an empty :path -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             request_with(p, {{":method", "GET"}, {":scheme", "https"}, {":path", ""}});
         },
         rst(1, protocol_error)});
    add({"§8.3.1 :authority with userinfo -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             request_with(p, {{":method", "GET"},
                              {":scheme", "https"},
                              {":authority", "u:p@h"},
                              {":path", "/"}});
         },
         rst(1, protocol_error)});
    add({"§8.3.1 OPTIONS with :path \"*\" is accepted", S,
         [](peer_bytes& p) {
             request_with(p, {{":method", "OPTIONS"}, {":scheme", "https"}, {":path", "*"}});
         },
         ignored()});
    add({"§8.3.1 :path neither absolute nor \"*\" -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             request_with(p, {{":method", "GET"}, {":scheme", "https"}, {":path", "a/b"}});
         },
         rst(1, protocol_error)});
    add({"§8.3.2 response without :status -> RST_STREAM PROTOCOL_ERROR", C,
         [](peer_bytes& p) {
             p.headers(1, {{"server", "x"}}, true);
         },
         rst(1, protocol_error), client_get});
    add({"§8.3.2 request pseudo-header in a response -> RST_STREAM PROTOCOL_ERROR", C,
         [](peer_bytes& p) {
             p.headers(1, {{":status", "200"}, {":path", "/"}}, true);
         },
         rst(1, protocol_error), client_get});
    add({"§8.5 CONNECT with :path -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             request_with(p, {{":method", "CONNECT"}, {":authority", "h:443"}, {":path", "/"}});
         },
         rst(1, protocol_error)});
    add({"§8.5 CONNECT with :scheme -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             request_with(p,
                          {{":method", "CONNECT"}, {":authority", "h:443"}, {":scheme", "https"}});
         },
         rst(1, protocol_error)});
    add({"§8.5 CONNECT with only :method and :authority is accepted", S,
         [](peer_bytes& p) {
             request_with(p, {{":method", "CONNECT"}, {":authority", "h:443"}});
         },
         ignored()});
    add({"§8.5 CONNECT without :authority -> RST_STREAM PROTOCOL_ERROR", S,
         [](peer_bytes& p) {
             request_with(p, {{":method", "CONNECT"}});
         },
         rst(1, protocol_error)});
    add({"§8.6 101 (Switching Protocols) response -> RST_STREAM PROTOCOL_ERROR", C,
         [](peer_bytes& p) {
             p.headers(1, {{":status", "101"}}, false);
         },
         rst(1, protocol_error), client_get});

    // ---------------------------------------------------------------- §10.5.1
    add({"§10.5.1 header list above SETTINGS_MAX_HEADER_LIST_SIZE -> RST_STREAM ENHANCE_YOUR_CALM",
         S,
         [](peer_bytes& p) {
             std::vector<hpack::field> f = {
                 {":method", "GET"}, {":scheme", "https"}, {":path", "/"}};
             // One 2000-octet field, indexed once and then referenced: a small
             // block that decodes to 10 x 2037 octets.
             const std::string big(2000, 'v');
             for (int i = 0; i < 10; ++i) f.push_back({"x-big", big});
             wire::buffer block;
             p.enc.encode(f, block);
             p.raw_headers(1, block.view(), {.end_stream = true});
         },
         rst(1, enhance_your_calm)});
    return v;
}

/// The handshake a well-behaved peer performs, as bytes.
void handshake(peer_bytes& p, role h2pb_role) {
    if (h2pb_role == role::server) p.preface();
    p.settings();
    p.settings_ack();
}

void run(const conformance_case& c) {
    connection conn(c.h2pb_role, t0(), c.options);
    recorder rec;
    peer_bytes p;  // one peer, one HPACK context, from the handshake on
    if (c.handshake) {
        handshake(p, c.h2pb_role);
        feed(conn, rec, p);
        REQUIRE(rec.count<connection_error>() == 0);
    }
    if (c.setup) c.setup(conn, rec, p);
    drain(conn);  // what was sent before the violation does not count
    rec.clear();

    c.send(p);
    if (c.want.kind == reaction::ignored) write_ping(p.b, probe_opaque);  // liveness probe
    feed(conn, rec, p);
    if (c.after) c.after(conn, rec);
    const auto out = frames_of(drain(conn));

    const parsed_frame* go = find_frame(out, frame_type::goaway);
    switch (c.want.kind) {
        case reaction::goaway: {
            REQUIRE(go != nullptr);
            CHECK(name(static_cast<error_code>(u32_at(go->payload, 4))) == name(c.want.code));
            const connection_error* ev = rec.first<connection_error>();
            REQUIRE(ev != nullptr);
            CHECK(name(ev->code) == name(c.want.code));
            CHECK(conn.is_closed());
            break;
        }
        case reaction::rst_stream: {
            CHECK(go == nullptr);
            const parsed_frame* r = find_frame(out, frame_type::rst_stream);
            REQUIRE(r != nullptr);
            CHECK(r->header.stream_id == c.want.stream);
            CHECK(name(static_cast<error_code>(u32_at(r->payload, 0))) == name(c.want.code));
            CHECK_FALSE(conn.is_closed());
            break;
        }
        case reaction::ignored: {
            CHECK(go == nullptr);
            CHECK(find_frame(out, frame_type::rst_stream) == nullptr);
            CHECK(rec.count<connection_error>() == 0);
            bool answered = false;
            for (const auto& f : out) {
                if (f.header.type == frame_type::ping && f.header.has(flag::ack) &&
                    wire::load_be64(reinterpret_cast<const wire::byte*>(f.payload.data())) ==
                        probe_opaque) {
                    answered = true;
                }
            }
            CHECK(answered);
            break;
        }
    }
}

/// The same case fed one octet at a time: the reaction must not depend on
/// how the bytes are split. Each connection has its own peer (its own HPACK
/// context), and both go through the same handshake and set-up, fed whole;
/// then the case's bytes go to one whole and to the other an octet at a time.
void run_split(const conformance_case& c) {
    connection whole(c.h2pb_role, t0(), c.options), split(c.h2pb_role, t0(), c.options);
    recorder rw, rs;
    peer_bytes pw, ps;
    const auto prepare = [&](connection& conn, recorder& rec, peer_bytes& p) {
        if (c.handshake) {
            handshake(p, c.h2pb_role);
            feed(conn, rec, p);
        }
        if (c.setup) c.setup(conn, rec, p);
        drain(conn);
        rec.clear();
        c.send(p);
    };
    prepare(whole, rw, pw);
    prepare(split, rs, ps);
    REQUIRE(pw.b.size() == ps.b.size());
    whole.receive(pw.view(), t0(), rw);
    for (std::size_t i = 0; i < ps.b.size(); ++i) split.receive(ps.view().subspan(i, 1), t0(), rs);
    if (c.after) {
        c.after(whole, rw);
        c.after(split, rs);
    }
    const auto a = frames_of(drain(whole)), b = frames_of(drain(split));
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].header == b[i].header);
        CHECK(a[i].payload == b[i].payload);
    }
    // DATA may arrive in more pieces; everything else must be the same.
    auto summary = [](const recorder& r) {
        std::string s;
        for (const auto& e : r.events) {
            if (std::holds_alternative<ev_data>(e)) continue;
            s += std::to_string(e.index()) + ",";
        }
        return s;
    };
    CHECK(summary(rw) == summary(rs));
    for (std::uint32_t id = 1; id < 8; ++id) CHECK(rw.body(id) == rs.body(id));
}

}  // namespace

TEST_CASE("RFC 9113 conformance: each MUST a peer can break, and the reaction",
          "[h2][conformance]") {
    const auto all = cases();
    for (const auto& c : all) {
        DYNAMIC_SECTION(c.name) {
            run(c);
        }
    }
}

TEST_CASE("RFC 9113 conformance: reactions do not depend on how the input is split",
          "[h2][conformance]") {
    const auto all = cases();
    for (const auto& c : all) {
        DYNAMIC_SECTION(c.name) {
            run_split(c);
        }
    }
}
