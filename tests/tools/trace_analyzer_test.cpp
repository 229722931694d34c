// The sans-IO analysis of `h2pb trace` (tools/h2pb/trace_analyzer.hpp), fed
// hand-made bytes. Frames are laid out here octet by octet from RFC 9113 §4.1
// (length 24 bits, type, flags, stream id 31 bits), header blocks from RFC
// 7541 (§6.1 indexed fields of the static table, Appendix A; §6.2.2 literals
// without indexing), gRPC messages from PROTOCOL-HTTP2.md (Compressed-Flag,
// 4-octet big-endian Message-Length): nothing is produced by h2pb's writers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "trace_analyzer.hpp"

using namespace h2pb;
using namespace h2pb::cli;

namespace {

using bytes = std::vector<wire::byte>;
constexpr auto c2s = trace_direction::client_to_server;
constexpr auto s2c = trace_direction::server_to_client;

void put(bytes& b, std::string_view s) {
    for (char c : s) b.push_back(static_cast<wire::byte>(c));
}

bytes frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream, const bytes& payload) {
    const auto n = static_cast<std::uint32_t>(payload.size());
    bytes b;
    b.reserve(9 + payload.size());
    b.push_back(static_cast<wire::byte>(n >> 16));
    b.push_back(static_cast<wire::byte>(n >> 8));
    b.push_back(static_cast<wire::byte>(n));
    b.push_back(type);
    b.push_back(flags);
    for (int sh = 24; sh >= 0; sh -= 8) b.push_back(static_cast<wire::byte>(stream >> sh));
    for (auto x : payload) b.push_back(x);  // (not insert: g++ 12 -Warray-bounds false positive)
    return b;
}

constexpr std::uint8_t DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, WINDOW_UPDATE = 8;
constexpr std::uint8_t END_STREAM = 1, END_HEADERS = 4;

/// §6.2.2 literal without indexing, name from the static table (4-bit prefix).
void literal_indexed_name(bytes& b, std::uint8_t index, std::string_view value) {
    if (index < 15) {
        b.push_back(index);
    } else {
        b.push_back(0x0f);
        b.push_back(static_cast<wire::byte>(index - 15));
    }
    b.push_back(static_cast<wire::byte>(value.size()));
    put(b, value);
}

/// §6.2.2 literal without indexing, new name.
void literal_new_name(bytes& b, std::string_view name, std::string_view value) {
    b.push_back(0x00);
    b.push_back(static_cast<wire::byte>(name.size()));
    put(b, name);
    b.push_back(static_cast<wire::byte>(value.size()));
    put(b, value);
}

/// POST http /grpc.testing.TestService/UnaryCall, content-type application/grpc,
/// and a grpc-timeout when `timeout` is not empty (another :path if given).
bytes request_block(std::string_view timeout = {},
                    std::string_view path = "/grpc.testing.TestService/UnaryCall") {
    bytes b = {0x83, 0x86};                   // :method POST (static 3), :scheme http (static 6)
    literal_indexed_name(b, 4, path);         // :path
    literal_indexed_name(b, 1, "localhost");  // :authority
    literal_indexed_name(b, 31, "application/grpc");  // content-type
    literal_new_name(b, "te", "trailers");
    if (!timeout.empty()) literal_new_name(b, "grpc-timeout", timeout);
    return b;
}

bytes response_block() {
    bytes b = {0x88};  // :status 200 (static 8)
    literal_indexed_name(b, 31, "application/grpc");
    return b;
}

bytes trailers_block(bool with_status) {
    bytes b;
    if (with_status) literal_new_name(b, "grpc-status", "0");
    literal_new_name(b, "grpc-message", "");
    return b;
}

bytes grpc_message(std::size_t n, std::uint32_t announce) {
    bytes b = {0, static_cast<wire::byte>(announce >> 24), static_cast<wire::byte>(announce >> 16),
               static_cast<wire::byte>(announce >> 8), static_cast<wire::byte>(announce)};
    for (std::size_t i = 0; i < n; ++i) b.push_back(0x08);  // field 1 VARINT ... as filler
    return b;
}

bytes settings(const std::vector<std::pair<std::uint16_t, std::uint32_t>>& s) {
    bytes p;
    for (auto [id, v] : s) {
        p.push_back(static_cast<wire::byte>(id >> 8));
        p.push_back(static_cast<wire::byte>(id));
        for (int sh = 24; sh >= 0; sh -= 8) p.push_back(static_cast<wire::byte>(v >> sh));
    }
    return frame(SETTINGS, 0, 0, p);
}

bytes window_update(std::uint32_t stream, std::uint32_t inc) {
    return frame(WINDOW_UPDATE, 0, stream,
                 {static_cast<wire::byte>(inc >> 24), static_cast<wire::byte>(inc >> 16),
                  static_cast<wire::byte>(inc >> 8), static_cast<wire::byte>(inc)});
}

bytes preface() {
    bytes b;
    put(b, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    return b;
}

bytes cat(std::initializer_list<bytes> parts) {
    bytes b;
    for (const auto& p : parts)
        for (auto x : p) b.push_back(x);
    return b;
}

std::vector<std::string> all_violations(const std::vector<trace_event>& ev) {
    std::vector<std::string> v;
    for (const auto& e : ev) v.insert(v.end(), e.violations.begin(), e.violations.end());
    return v;
}

bool any_contains(const std::vector<std::string>& v, std::string_view s) {
    for (const auto& x : v)
        if (x.find(s) != std::string::npos) return true;
    return false;
}

std::vector<trace_event> feed(trace_analyzer& a, trace_direction d, const bytes& b) {
    return a.feed(d, wire::bytes_view(b.data(), b.size()));
}

/// A well-formed unary call: client preface + SETTINGS + request, server
/// SETTINGS + response headers + one message + trailers.
struct unary {
    bytes client = cat({preface(), settings({}), frame(HEADERS, END_HEADERS, 1, request_block()),
                        frame(DATA, END_STREAM, 1, grpc_message(3, 3))});
    bytes server = cat({settings({}), frame(HEADERS, END_HEADERS, 1, response_block()),
                        frame(DATA, 0, 1, grpc_message(4, 4)),
                        frame(HEADERS, END_HEADERS | END_STREAM, 1, trailers_block(true))});
};

}  // namespace

TEST_CASE("a well-formed gRPC call passes without violations, annotated") {
    trace_analyzer a;
    unary u;
    const auto c = feed(a, c2s, u.client);
    const auto s = feed(a, s2c, u.server);
    CHECK(all_violations(c).empty());
    CHECK(all_violations(s).empty());
    REQUIRE(c.size() == 4);  // preface, SETTINGS, HEADERS, DATA
    CHECK(c[0].preface);
    CHECK(c[1].offset == 24);
    REQUIRE(c[2].frame);
    REQUIRE(c[2].frame->block);
    CHECK(c[2].frame->block->fields.size() == 6);
    CHECK(any_contains(c[2].notes, "gRPC call /grpc.testing.TestService/UnaryCall"));
    // DATA: the prefix, then the 3-octet message.
    REQUIRE(c[3].grpc.size() == 2);
    CHECK(c[3].grpc[0].prefix);
    CHECK(c[3].grpc[1].length == 3);
    REQUIRE(s.size() == 4);
    CHECK(s[2].grpc.size() == 2);
    CHECK(s[2].grpc[1].length == 4);
    CHECK(any_contains(s[3].notes, "gRPC status 0"));
}

TEST_CASE("the analysis does not depend on how the bytes are split") {
    trace_analyzer whole, split;
    unary u;
    const auto w = feed(whole, c2s, u.client);
    std::vector<trace_event> s;
    for (auto b : u.client) {
        auto e = split.feed(c2s, wire::bytes_view(&b, 1));
        s.insert(s.end(), e.begin(), e.end());
    }
    REQUIRE(w.size() == s.size());
    for (std::size_t i = 0; i < w.size(); ++i) {
        CHECK(w[i].offset == s[i].offset);
        CHECK(w[i].grpc.size() == s[i].grpc.size());
    }
}

TEST_CASE("trailers without grpc-status are flagged") {
    trace_analyzer a;
    unary u;
    u.server = cat({settings({}), frame(HEADERS, END_HEADERS, 1, response_block()),
                    frame(DATA, 0, 1, grpc_message(4, 4)),
                    frame(HEADERS, END_HEADERS | END_STREAM, 1, trailers_block(false))});
    feed(a, c2s, u.client);
    const auto s = feed(a, s2c, u.server);
    REQUIRE(s.size() == 4);
    CHECK(s[2].violations.empty());
    CHECK(any_contains(s[3].violations, "grpc-status missing in trailers"));
}

TEST_CASE("a response ended by DATA (no trailers) is flagged") {
    trace_analyzer a;
    unary u;
    u.server = cat({settings({}), frame(HEADERS, END_HEADERS, 1, response_block()),
                    frame(DATA, END_STREAM, 1, grpc_message(4, 4))});
    feed(a, c2s, u.client);
    const auto s = feed(a, s2c, u.server);
    CHECK(any_contains(s.back().violations, "grpc-status missing"));
}

TEST_CASE("DATA beyond the stream window set by SETTINGS_INITIAL_WINDOW_SIZE") {
    trace_analyzer a;
    // The server allows 10 octets per stream (SETTINGS_INITIAL_WINDOW_SIZE = 0x4).
    feed(a, s2c, settings({{0x4, 10}}));
    const auto c =
        feed(a, c2s,
             cat({preface(), settings({}), frame(HEADERS, END_HEADERS, 1, request_block()),
                  frame(DATA, 0, 1, grpc_message(15, 15))}));
    REQUIRE(c.size() == 4);
    CHECK(c[2].violations.empty());
    // 20 octets of payload into a window of 10.
    CHECK(any_contains(c[3].violations, "DATA exceeds stream 1 window by 10"));
}

TEST_CASE("WINDOW_UPDATE opens the window again") {
    trace_analyzer a;
    feed(a, s2c, settings({{0x4, 10}}));
    feed(a, c2s, cat({preface(), settings({}), frame(HEADERS, END_HEADERS, 1, request_block())}));
    feed(a, s2c, window_update(1, 20));
    CHECK(a.stream_window(c2s, 1) == 30);
    const auto c = feed(a, c2s, frame(DATA, 0, 1, grpc_message(20, 20)));  // 25 octets
    CHECK(all_violations(c).empty());
    CHECK(a.stream_window(c2s, 1) == 5);
}

TEST_CASE("DATA beyond the connection window (65535, RFC 9113 §6.9.2)") {
    trace_analyzer a;
    // Large stream windows and frames, so only the connection window binds.
    feed(a, s2c, settings({{0x4, 1000000}, {0x5, 40000}}));
    feed(a, c2s, cat({preface(), settings({}), frame(HEADERS, END_HEADERS, 1, request_block())}));
    const bytes chunk = grpc_message(29995, 29995);  // 30000 octets
    auto e1 = feed(a, c2s, frame(DATA, 0, 1, chunk));
    auto e2 = feed(a, c2s, frame(DATA, 0, 1, chunk));
    CHECK(all_violations(e1).empty());
    CHECK(all_violations(e2).empty());
    auto e3 = feed(a, c2s, frame(DATA, 0, 1, chunk));  // 90000 > 65535
    CHECK(any_contains(all_violations(e3), "DATA exceeds the connection window by 24465"));
    CHECK_FALSE(any_contains(all_violations(e3), "stream 1 window"));
}

TEST_CASE("a frame over the receiver's SETTINGS_MAX_FRAME_SIZE is flagged") {
    trace_analyzer a;
    // No SETTINGS from the server yet: the initial 16384 applies (§6.5.2).
    const auto c = feed(a, c2s,
                        cat({preface(), frame(HEADERS, END_HEADERS, 1, request_block()),
                             frame(DATA, 0, 1, bytes(16385, 0))}));
    CHECK(any_contains(c.back().violations,
                       "frame length 16385 exceeds the receiver's SETTINGS_MAX_FRAME_SIZE 16384"));
    // After the server allows 20000, the same frame is fine.
    trace_analyzer b;
    feed(b, s2c, settings({{0x5, 20000}}));
    const auto d = feed(b, c2s,
                        cat({preface(), frame(HEADERS, END_HEADERS, 1, request_block()),
                             frame(DATA, 0, 1, bytes(16385, 0))}));
    CHECK_FALSE(any_contains(all_violations(d), "SETTINGS_MAX_FRAME_SIZE"));
}

TEST_CASE("an HPACK decoding error is flagged") {
    trace_analyzer a;
    // Indexed field 70 (0x80 | 70): the static table has 61 entries and the
    // dynamic table is empty (RFC 7541 §2.3.3: an index error).
    const auto c = feed(a, c2s, cat({preface(), frame(HEADERS, END_HEADERS, 1, {0xc6})}));
    CHECK(any_contains(c.back().violations, "HPACK"));
}

TEST_CASE("a gRPC message prefix longer than what arrives before END_STREAM") {
    trace_analyzer a;
    const auto c = feed(a, c2s,
                        cat({preface(), frame(HEADERS, END_HEADERS, 1, request_block()),
                             frame(DATA, END_STREAM, 1, grpc_message(3, 16))}));
    CHECK(
        any_contains(c.back().violations,
                     "gRPC message prefix announces 16 octets, only 3 arrived before END_STREAM"));
}

TEST_CASE("a stream reset is forgotten; a byte stream without the preface stops decoding") {
    trace_analyzer a;
    feed(a, c2s, cat({preface(), frame(HEADERS, END_HEADERS, 1, request_block())}));
    feed(a, s2c, frame(RST_STREAM, 0, 1, {0, 0, 0, 8}));
    CHECK(a.stream_window(c2s, 1) == 65535);

    trace_analyzer b;
    bytes http1;
    put(http1, "GET / HTTP/1.1\r\n");
    const auto e = feed(b, c2s, http1);
    REQUIRE(e.size() == 1);
    CHECK(any_contains(e[0].violations, "client preface"));
}

TEST_CASE("text and JSON output carry the frame, the message and the violation") {
    trace_analyzer a;
    feed(a, c2s, cat({preface(), frame(HEADERS, END_HEADERS, 1, request_block())}));
    const auto e = feed(a, c2s, frame(DATA, END_STREAM, 1, grpc_message(3, 16)));
    std::ostringstream text, js;
    for (const auto& x : e) {
        print_event_text(text, 7, x);
        print_event_json(js, 7, x);
    }
    CHECK(text.str().find("#7 c->s [  0.000]  ") == 0);
    CHECK(text.str().find("DATA  stream 1  length 8  flags END_STREAM") != std::string::npos);
    CHECK(text.str().find("Message-Length 16") != std::string::npos);
    CHECK(text.str().find("!! violation: gRPC message prefix announces 16") != std::string::npos);
    const std::string j = js.str();
    CHECK(std::count(j.begin(), j.end(), '\n') == 1);  // one line per event
    CHECK(j.find("\"type\": \"DATA\"") != std::string::npos);
    CHECK(j.find("\"direction\": \"client->server\"") != std::string::npos);
}

TEST_CASE("SETTINGS_HEADER_TABLE_SIZE lets the other direction's encoder grow its table") {
    // RFC 7541 §6.3 dynamic table size update to 8000: 001 11111, then
    // 8000 - 31 = 7969 as a varint (§5.1): 0xa1 0x3e. Then :method GET (static 2).
    const bytes block = {0x3f, 0xa1, 0x3e, 0x82};
    trace_analyzer a;  // the server allowed only the initial 4096
    const auto c = feed(a, c2s, cat({preface(), frame(HEADERS, END_HEADERS, 1, block)}));
    CHECK(any_contains(c.back().violations, "HPACK"));

    trace_analyzer b;
    feed(b, s2c, settings({{0x1, 8192}}));
    const auto d = feed(b, c2s, cat({preface(), frame(HEADERS, END_HEADERS, 1, block)}));
    CHECK(all_violations(d).empty());
    REQUIRE(d.back().frame->block);
    CHECK(d.back().frame->block->size_updates.size() == 1);
}

// ---- times, grpc-timeout, calls ended by RST_STREAM, data octets, bytes ------

TEST_CASE("each event carries its time since the connection began; --no-time leaves it out") {
    using namespace std::chrono_literals;
    const trace_clock::time_point start{1h};  // any reading: only differences count
    trace_analyzer a({}, start);
    const auto p = a.feed(c2s, wire::bytes_view(preface().data(), 24), start + 3ms + 412us);
    REQUIRE(p.size() == 1);
    REQUIRE(p[0].time);
    CHECK(*p[0].time == 3412us);
    std::ostringstream text, js;
    print_event_text(text, 1, p[0]);
    print_event_json(js, 1, p[0]);
    // nghttp -v's form: seconds, a point, milliseconds: "[  0.003]".
    CHECK(text.str().find("#1 c->s [  0.003]  0  client preface") == 0);
    CHECK(js.str().find("\"t\": 0.003412,") != std::string::npos);

    trace_options o;
    o.timestamps = false;
    trace_analyzer b(o, start);
    const auto q = b.feed(c2s, wire::bytes_view(preface().data(), 24), start + 2s);
    REQUIRE(q.size() == 1);
    CHECK_FALSE(q[0].time);
    std::ostringstream text2, js2;
    print_event_text(text2, 1, q[0]);
    print_event_json(js2, 1, q[0]);
    CHECK(text2.str().find("#1 c->s  0  client preface") == 0);
    CHECK(js2.str().find("\"t\"") == std::string::npos);
}

TEST_CASE("format_trace_time: seconds and milliseconds, as nghttp -v") {
    using namespace std::chrono_literals;
    CHECK(format_trace_time(0ns) == "[  0.000]");
    CHECK(format_trace_time(149998us) == "[  0.149]");
    CHECK(format_trace_time(12s + 5ms) == "[ 12.005]");
    CHECK(format_trace_time(1234s) == "[1234.000]");
}

TEST_CASE("grpc-timeout values mean what PROTOCOL-HTTP2.md's units say") {
    // TimeoutUnit: H hour, M minute, S second, m millisecond, u microsecond,
    // n nanosecond; TimeoutValue at most 8 digits.
    CHECK(grpc_timeout_meaning("149998u") == "149.998 ms");
    CHECK(grpc_timeout_meaning("1S") == "1 s");  // the spec's example request
    CHECK(grpc_timeout_meaning("2H") == "7200 s");
    CHECK(grpc_timeout_meaning("3M") == "180 s");
    CHECK(grpc_timeout_meaning("1500m") == "1.5 s");
    CHECK(grpc_timeout_meaning("150m") == "150 ms");
    CHECK(grpc_timeout_meaning("4999999u") == "4.999999 s");
    CHECK(grpc_timeout_meaning("1001u") == "1.001 ms");
    CHECK(grpc_timeout_meaning("250u") == "250 µs");
    CHECK(grpc_timeout_meaning("1500n") == "1.5 µs");
    CHECK(grpc_timeout_meaning("7n") == "7 ns");
    CHECK(grpc_timeout_meaning("99999999n") == "99.999999 ms");
    // 99999999 hours: 359999996400 s, more nanoseconds than 64 bits hold.
    CHECK(grpc_timeout_meaning("99999999H") == "359999996400 s");
    // Not the grammar: no digits, nine digits, no unit, another unit, a sign,
    // a fraction, a space.
    for (const char* bad : {"", "S", "123456789S", "100", "10s", "-1S", "1.5S", "1 S", "10x"})
        CHECK_FALSE(grpc_timeout_meaning(bad));
}

TEST_CASE("a request's grpc-timeout is annotated; a malformed one is a violation") {
    trace_analyzer a;
    const auto c =
        feed(a, c2s, cat({preface(), frame(HEADERS, END_HEADERS, 1, request_block("149998u"))}));
    CHECK(all_violations(c).empty());
    CHECK(any_contains(c.back().notes, "grpc-timeout 149998u = 149.998 ms"));

    trace_analyzer b;
    const auto d =
        feed(b, c2s, cat({preface(), frame(HEADERS, END_HEADERS, 1, request_block("1.5S"))}));
    CHECK(any_contains(d.back().violations, "grpc-timeout \"1.5S\" is malformed"));
}

TEST_CASE("a gRPC call ended by RST_STREAM has no grpc-status: a note says who decides") {
    const std::string client_note =
        "call ended by RST_STREAM CANCEL from the client, no grpc-status: the client decides the "
        "status itself (e.g. DEADLINE_EXCEEDED or CANCELLED)";
    unary u;
    {
        trace_analyzer a;
        feed(a, c2s, u.client);
        feed(a, s2c, cat({settings({}), frame(HEADERS, END_HEADERS, 1, response_block())}));
        // RFC 9113 §6.4: RST_STREAM, 4-octet error code; CANCEL is 0x8 (§7).
        const auto r = feed(a, c2s, frame(RST_STREAM, 0, 1, {0, 0, 0, 8}));
        REQUIRE(r.size() == 1);
        CHECK(r[0].notes == std::vector<std::string>{client_note});
        CHECK(r[0].violations.empty());
        // The server's own RST_STREAM after it adds nothing: the call is over.
        const auto s = feed(a, s2c, frame(RST_STREAM, 0, 1, {0, 0, 0, 8}));
        CHECK(s[0].notes.empty());
    }
    {
        // After trailers with grpc-status, a client's RST_STREAM ends nothing.
        trace_analyzer a;
        feed(a, c2s,
             cat({preface(), settings({}), frame(HEADERS, END_HEADERS, 1, request_block())}));
        feed(a, s2c, u.server);
        const auto r = feed(a, c2s, frame(RST_STREAM, 0, 1, {0, 0, 0, 8}));
        CHECK(r[0].notes.empty());
    }
    {
        // The server refuses: PROTOCOL-HTTP2.md maps REFUSED_STREAM (0x7) to UNAVAILABLE.
        trace_analyzer a;
        feed(a, c2s, u.client);
        const auto r = feed(a, s2c, cat({settings({}), frame(RST_STREAM, 0, 1, {0, 0, 0, 7})}));
        CHECK(any_contains(r.back().notes,
                           "call ended by RST_STREAM REFUSED_STREAM from the server, no "
                           "grpc-status: the client reports UNAVAILABLE"));
        // ... and CANCEL sent by a server to CANCELLED.
        trace_analyzer b;
        feed(b, c2s, u.client);
        const auto t = feed(b, s2c, frame(RST_STREAM, 0, 1, {0, 0, 0, 8}));
        CHECK(any_contains(t.back().notes, "the client reports CANCELLED"));
    }
}

namespace {

/// A gRPC Length-Prefixed-Message around msg (Compressed-Flag 0).
bytes grpc_wrap(const bytes& msg) {
    const auto n = static_cast<std::uint32_t>(msg.size());
    bytes b = {0, static_cast<wire::byte>(n >> 24), static_cast<wire::byte>(n >> 16),
               static_cast<wire::byte>(n >> 8), static_cast<wire::byte>(n)};
    for (auto x : msg) b.push_back(x);
    return b;
}

// A minimal protobuf writer for hand-made FileDescriptorProtos
// (descriptor.proto field numbers).
std::string varint_text(std::uint64_t v) {
    std::string s;
    for (; v >= 0x80; v >>= 7) s.push_back(static_cast<char>((v & 0x7f) | 0x80));
    s.push_back(static_cast<char>(v));
    return s;
}
std::string ld(std::uint32_t field, const std::string& body) {
    return varint_text(field << 3 | 2) + varint_text(body.size()) + body;
}
std::string vi(std::uint32_t field, std::uint64_t v) {
    return varint_text(field << 3) + varint_text(v);
}

/// A schema with t.Raw { bytes payload = 1; int32 n = 2; } (t.proto, proto3)
/// as the request and response of grpc.testing.TestService.UnaryCall
/// (svc.proto, importing t.proto).
struct raw_schema {
    proto::descriptor_pool types;
    raw_schema() {
        // FieldDescriptorProto: name 1, number 3, label 4 (1 optional), type 5
        // (12 bytes, 5 int32). DescriptorProto: name 1, field 2.
        const std::string raw = ld(1, "Raw") +
                                ld(2, ld(1, "payload") + vi(3, 1) + vi(4, 1) + vi(5, 12)) +
                                ld(2, ld(1, "n") + vi(3, 2) + vi(4, 1) + vi(5, 5));
        // FileDescriptorProto: name 1, package 2, dependency 3, message_type 4,
        // service 6, syntax 12. MethodDescriptorProto: name 1, input_type 2,
        // output_type 3.
        const std::string t = ld(1, "t.proto") + ld(2, "t") + ld(4, raw) + ld(12, "proto3");
        const std::string svc =
            ld(1, "svc.proto") + ld(2, "grpc.testing") + ld(3, "t.proto") +
            ld(6, ld(1, "TestService") +
                      ld(2, ld(1, "UnaryCall") + ld(2, ".t.Raw") + ld(3, ".t.Raw"))) +
            ld(12, "proto3");
        // Given twice: a set may repeat a file another one already gave.
        const std::string set = ld(1, svc) + ld(1, t) + ld(1, t);
        const auto e = add_descriptor_set(types, wire::as_bytes(set));
        INFO(e.message());
        REQUIRE_FALSE(e);
    }
    trace_options options(std::size_t data_octets) const {
        trace_options o;
        o.types = &types;
        o.data_octets = data_octets;
        return o;
    }
};

/// t.Raw{payload: b, n: 5}: tag 0x0a (field 1, LEN), length, b; tag 0x10
/// (field 2, VARINT), 5 (protobuf encoding.md).
bytes raw_message(const bytes& payload) {
    bytes m = {0x0a, static_cast<wire::byte>(payload.size())};
    for (auto x : payload) m.push_back(x);
    m.push_back(0x10);
    m.push_back(0x05);
    return m;
}

std::string text_of(const std::vector<trace_event>& ev) {
    std::ostringstream out;
    for (const auto& e : ev) print_event_text(out, 1, e);
    return out.str();
}

}  // namespace

TEST_CASE("--data-octets bounds the data: line; the decoded message is shown whole") {
    raw_schema rs;
    bytes payload;
    for (int i = 0; i < 40; ++i) payload.push_back(static_cast<wire::byte>(i));  // not text
    const bytes msg = grpc_wrap(raw_message(payload));  // 5 + 2 + 40 + 2 = 49 octets
    const bytes client = cat({preface(), frame(HEADERS, END_HEADERS, 1, request_block()),
                              frame(DATA, END_STREAM, 1, msg)});
    auto data_line = [](const std::string& t) {
        const auto at = t.find("data: ");
        return t.substr(at + 6, t.find('\n', at) - at - 6);
    };
    {
        trace_analyzer a(rs.options(default_data_octets));
        const std::string t = text_of(feed(a, c2s, client));
        // 32 octets: the prefix 00 00 00 00 2c, the tag 0a, the length 28, 25 payload octets.
        CHECK(data_line(t) == wire::to_hex(wire::bytes_view(msg.data(), 32)) + " ...");
        // Every field is shown, the one after the long payload too.
        CHECK(
            t.find("1 payload (bytes) LEN: " + wire::to_hex(wire::bytes_view(payload.data(), 32)) +
                   " ...  (40 bytes)") != std::string::npos);
        CHECK(t.find("2 n (int32) VARINT: 5") != std::string::npos);
    }
    {
        trace_analyzer a(rs.options(0));  // 0: all
        const std::string t = text_of(feed(a, c2s, client));
        CHECK(data_line(t) == wire::to_hex(wire::bytes_view(msg.data(), msg.size())));
        CHECK(
            t.find("1 payload (bytes) LEN: " + wire::to_hex(wire::bytes_view(payload.data(), 40)) +
                   "  (40 bytes)") != std::string::npos);
        CHECK(t.find("2 n (int32) VARINT: 5") != std::string::npos);
    }
    {
        trace_analyzer a(rs.options(8));
        const std::string t = text_of(feed(a, c2s, client));
        CHECK(data_line(t) == "00 00 00 00 2c 0a 28 00 ...");
        CHECK(t.find("2 n (int32) VARINT: 5") != std::string::npos);
    }
}

TEST_CASE("a bytes field of printable ASCII is shown as hex and as text") {
    raw_schema rs;
    bytes text;
    put(text, "sensor_042 reading 1");
    bytes binary = text;
    binary[6] = 0x00;  // one octet that is no printable ASCII: hex only
    for (const auto& [payload, want] :
         {std::pair{text,
                    "1 payload (bytes) LEN: 73 65 6e 73 6f 72 5f 30 34 32 20 72 65 61 64 "
                    "69 6e 67 20 31  \"sensor_042 reading 1\"  (20 bytes)"},
          std::pair{binary,
                    "1 payload (bytes) LEN: 73 65 6e 73 6f 72 00 30 34 32 20 72 65 61 64 "
                    "69 6e 67 20 31  (20 bytes)"}}) {
        trace_analyzer a(rs.options(0));
        const auto ev = feed(a, c2s,
                             cat({preface(), frame(HEADERS, END_HEADERS, 1, request_block()),
                                  frame(DATA, END_STREAM, 1, grpc_wrap(raw_message(payload)))}));
        const std::string t = text_of(ev);
        CHECK(t.find(want) != std::string::npos);
        std::ostringstream js;
        print_event_json(js, 1, ev.back());
        CHECK(js.str().find("\"value\": \"73 65") != std::string::npos);
    }
}

TEST_CASE("the schema's method, found by :path, names and explains both directions") {
    raw_schema rs;
    const bytes request = grpc_wrap(raw_message({0x61}));
    const bytes client = cat({preface(), frame(HEADERS, END_HEADERS, 1, request_block()),
                              frame(DATA, END_STREAM, 1, request)});
    const bytes server = cat({settings({}), frame(HEADERS, END_HEADERS, 1, response_block()),
                              frame(DATA, 0, 1, grpc_wrap(raw_message({}))),
                              frame(HEADERS, END_HEADERS | END_STREAM, 1, trailers_block(true))});
    trace_analyzer a(rs.options(0));
    const auto c = feed(a, c2s, client);
    const auto s = feed(a, s2c, server);
    const std::string ct = text_of(c), st = text_of(s);
    INFO(ct << st);
    CHECK(ct.find("gRPC call /grpc.testing.TestService/UnaryCall (t.Raw -> t.Raw)") !=
          std::string::npos);
    CHECK(ct.find("1 payload (bytes) LEN: 61  \"a\"  (1 byte)") != std::string::npos);
    CHECK(st.find("1 payload (bytes) LEN: empty  (0 bytes)") != std::string::npos);
    CHECK(st.find("2 n (int32) VARINT: 5") != std::string::npos);

    // The method's dotted full name is no :path (PROTOCOL-HTTP2.md: "/" Service-Name
    // "/" method name): the call is traced without its types.
    const bytes dotted = cat(
        {preface(),
         frame(HEADERS, END_HEADERS, 1, request_block({}, "/grpc.testing.TestService.UnaryCall")),
         frame(DATA, END_STREAM, 1, request)});
    trace_analyzer b(rs.options(0));
    const std::string dt = text_of(feed(b, c2s, dotted));
    INFO(dt);
    CHECK(dt.find("gRPC call /grpc.testing.TestService.UnaryCall\n") != std::string::npos);
    CHECK(dt.find("payload") == std::string::npos);
}

// ---- gRPC-Web (PROTOCOL-WEB.md) ---------------------------------------------
//
// The bytes follow PROTOCOL-WEB.md "Message framing": messages framed as in
// PROTOCOL-HTTP2.md, then the trailer frame, flag 10000000b (0x80), a 4-octet
// big-endian length and an HTTP/1 header block without its final empty line.
// The base64 of the -text cases was computed with Python's base64 module.

namespace {

bytes web_request_block(std::string_view content_type) {
    bytes b = {0x83, 0x87};  // :method POST (static 3), :scheme https (static 7)
    literal_indexed_name(b, 4, "/grpc.testing.TestService/UnaryCall");
    literal_indexed_name(b, 1, "localhost");
    literal_indexed_name(b, 31, content_type);
    return b;
}

bytes web_response_block(std::string_view content_type, std::string_view status = {}) {
    bytes b = {0x88};  // :status 200
    literal_indexed_name(b, 31, content_type);
    if (!status.empty()) literal_new_name(b, "grpc-status", status);
    return b;
}

/// field 1 = 150 (encoding.md's first example) in a 5-octet-prefixed frame.
bytes web_message() {
    return {0x00, 0x00, 0x00, 0x00, 0x03, 0x08, 0x96, 0x01};
}

/// The trailer frame of `block` ("name: value\r\n" lines), flag `flag`.
bytes trailer_frame(std::string_view block, std::uint8_t flag = 0x80) {
    const auto n = static_cast<std::uint32_t>(block.size());
    bytes b = {flag, static_cast<wire::byte>(n >> 24), static_cast<wire::byte>(n >> 16),
               static_cast<wire::byte>(n >> 8), static_cast<wire::byte>(n)};
    put(b, block);
    return b;
}

bytes text(std::string_view s) {
    bytes b;
    put(b, s);
    return b;
}

/// A gRPC-Web unary call up to the response headers; returns the analyzer's
/// events so far (client side).
std::vector<trace_event> web_call(trace_analyzer& a, std::string_view ct,
                                  std::string_view response_status = {}) {
    auto c =
        feed(a, c2s,
             cat({preface(), settings({}), frame(HEADERS, END_HEADERS, 1, web_request_block(ct)),
                  frame(DATA, END_STREAM, 1, web_message())}));
    feed(a, s2c,
         cat({settings({}), frame(HEADERS, END_HEADERS | (response_status.empty() ? 0 : END_STREAM),
                                  1, web_response_block(ct, response_status))}));
    return c;
}

const grpc_event* find_trailers(const std::vector<trace_event>& ev) {
    for (const auto& e : ev)
        for (const auto& g : e.grpc)
            if (g.trailer && !g.prefix) return &g;
    return nullptr;
}

}  // namespace

TEST_CASE("gRPC-Web binary: messages as gRPC, the 0x80 frame read as the trailers") {
    trace_analyzer a;
    const auto c = web_call(a, "application/grpc-web+proto");
    CHECK(all_violations(c).empty());
    CHECK(any_contains(c[2].notes, "gRPC-Web call /grpc.testing.TestService/UnaryCall"));
    REQUIRE(c[3].grpc.size() == 2);
    CHECK(c[3].grpc[1].length == 3);
    CHECK_FALSE(c[3].grpc[1].trailer);
    const auto s = feed(a, s2c,
                        frame(DATA, END_STREAM, 1,
                              cat({web_message(), trailer_frame("grpc-status: 5\r\ngrpc-message: "
                                                                "no%20such%20report\r\n")})));
    REQUIRE(s.size() == 1);
    CHECK(s[0].violations.empty());
    REQUIRE(s[0].grpc.size() == 4);  // message prefix, message, trailer prefix, trailers
    CHECK(s[0].grpc[2].prefix);
    CHECK(s[0].grpc[2].trailer);
    CHECK(s[0].grpc[2].flag == 0x80);
    CHECK(s[0].grpc[2].length == 16 + 34);  // "grpc-status: 5\r\n", "grpc-message: ...\r\n"
    const grpc_event* t = find_trailers(s);
    REQUIRE(t != nullptr);
    REQUIRE(t->trailers.size() == 2);
    CHECK(t->trailers[0].name == "grpc-status");
    CHECK(t->trailers[0].value == "5");
    CHECK(t->trailers[0].meaning == "NOT_FOUND");  // statuscodes.md: 5 NOT_FOUND
    CHECK(t->trailers[1].value == "no%20such%20report");
    CHECK(t->trailers[1].meaning == "percent-decoded: \"no such report\"");
    CHECK(any_contains(s[0].notes, "gRPC status 5 NOT_FOUND (gRPC-Web trailer frame)"));

    std::ostringstream out, js;
    for (const auto& e : s) {
        print_event_text(out, 1, e);
        print_event_json(js, 1, e);
    }
    CHECK(out.str().find("gRPC-Web trailer frame prefix 80 00 00 00 32: flag 0x80 (MSB set: "
                         "trailers, uncompressed), length 50") != std::string::npos);
    CHECK(out.str().find("grpc-status: 5  (NOT_FOUND)") != std::string::npos);
    CHECK(js.str().find("\"kind\": \"trailers\"") != std::string::npos);
    CHECK(js.str().find("\"meaning\": \"NOT_FOUND\"") != std::string::npos);
}

TEST_CASE("gRPC-Web text: base64 segments decoded in any split, then read as binary") {
    // base64("00 00 00 00 03 08 96 01") = "AAAAAAMIlgE=", and the trailer
    // frame of "grpc-status: 0\r\n" = "gAAAABBncnBjLXN0YXR1czogMA0K".
    const std::string body = "AAAAAAMIlgE=gAAAABBncnBjLXN0YXR1czogMA0K";
    for (std::size_t cut = 1; cut < body.size(); cut += 3) {
        trace_analyzer a;
        const auto c = web_call(a, "application/grpc-web-text");
        CHECK(any_contains(c[2].notes, "gRPC-Web call (text: the bodies are base64)"));
        auto s = feed(a, s2c, frame(DATA, 0, 1, text(body.substr(0, cut))));
        const auto s2 = feed(a, s2c, frame(DATA, END_STREAM, 1, text(body.substr(cut))));
        s.insert(s.end(), s2.begin(), s2.end());
        CAPTURE(cut);
        CHECK(all_violations(s).empty());
        const grpc_event* t = find_trailers(s);
        REQUIRE(t != nullptr);
        REQUIRE(t->trailers.size() == 1);
        CHECK(t->trailers[0].meaning == "OK");
    }
    trace_analyzer a;
    web_call(a, "application/grpc-web-text+proto");
    const auto s = feed(a, s2c, frame(DATA, END_STREAM, 1, text(body)));
    REQUIRE(s.size() == 1);
    CHECK(any_contains(s[0].notes,
                       "base64 segments \"AAAAAAMIlgE=\" 12 chars -> 8 octets, "
                       "\"gAAAABBncnBjLXN0...\" 28 chars -> 21 octets"));
}

TEST_CASE("gRPC-Web text: broken base64 is flagged") {
    trace_analyzer a;
    web_call(a, "application/grpc-web-text");
    const auto s = feed(a, s2c, frame(DATA, END_STREAM, 1, text("AAAA*AAA")));
    CHECK(any_contains(all_violations(s), "character outside the base64 alphabet"));
}

TEST_CASE("gRPC-Web: END_STREAM without a trailer frame and without grpc-status is an error") {
    trace_analyzer a;
    web_call(a, "application/grpc-web");
    const auto s = feed(a, s2c, frame(DATA, END_STREAM, 1, web_message()));
    CHECK(any_contains(all_violations(s), "gRPC-Web response ended without a trailer frame"));
}

TEST_CASE("gRPC-Web Trailers-Only: grpc-status in the only HEADERS, no body") {
    trace_analyzer a;
    const auto c = web_call(a, "application/grpc-web", "12");
    CHECK(all_violations(c).empty());
}

TEST_CASE("gRPC-Web trailer rules: lower-case names, trailers last, grpc-status present") {
    {
        trace_analyzer a;
        web_call(a, "application/grpc-web");
        const auto s =
            feed(a, s2c, frame(DATA, END_STREAM, 1, trailer_frame("Grpc-Status: 0\r\n")));
        CHECK(any_contains(all_violations(s), "trailer name \"Grpc-Status\" is not lower case"));
    }
    {
        trace_analyzer a;
        web_call(a, "application/grpc-web");
        const auto s = feed(
            a, s2c,
            frame(DATA, END_STREAM, 1, cat({trailer_frame("grpc-status: 0\r\n"), web_message()})));
        CHECK(any_contains(all_violations(s), "data after the gRPC-Web trailer frame"));
    }
    {
        trace_analyzer a;
        web_call(a, "application/grpc-web");
        const auto s = feed(a, s2c, frame(DATA, END_STREAM, 1, trailer_frame("x-a: b\r\n")));
        CHECK(any_contains(all_violations(s), "grpc-status missing in the gRPC-Web trailer frame"));
    }
    {
        // A flag byte outside 0x00, 0x01, 0x80, 0x81.
        trace_analyzer a;
        web_call(a, "application/grpc-web");
        const auto s = feed(a, s2c, frame(DATA, 0, 1, trailer_frame("", 0x40)));
        CHECK(any_contains(all_violations(s), "gRPC-Web flag byte 0x40"));
    }
    {
        // The status in HTTP/2 trailers: invisible to a browser.
        trace_analyzer a;
        web_call(a, "application/grpc-web");
        feed(a, s2c, frame(DATA, 0, 1, web_message()));
        const auto s =
            feed(a, s2c, frame(HEADERS, END_HEADERS | END_STREAM, 1, trailers_block(true)));
        CHECK(any_contains(all_violations(s), "HTTP/2 trailers on a gRPC-Web response"));
    }
}

TEST_CASE("gRPC-Web: a reset after the trailer frame is not the call's end") {
    trace_analyzer a;
    web_call(a, "application/grpc-web");
    feed(a, s2c, frame(DATA, 0, 1, trailer_frame("grpc-status: 0\r\n")));
    // RFC 9113 §8.1: a server may reset with NO_ERROR after a complete response.
    const auto s = feed(a, s2c, frame(RST_STREAM, 0, 1, {0, 0, 0, 0}));
    REQUIRE(s.size() == 1);
    CHECK_FALSE(any_contains(s[0].notes, "call ended by RST_STREAM"));
}

TEST_CASE("gRPC-Web: a frame cut by END_STREAM is flagged") {
    trace_analyzer a;
    web_call(a, "application/grpc-web");
    bytes cut = trailer_frame("grpc-status: 0\r\n");
    cut.resize(9);  // the prefix announces 16 octets, 4 arrive
    const auto s = feed(a, s2c, frame(DATA, END_STREAM, 1, cut));
    CHECK(any_contains(all_violations(s), "gRPC-Web frame prefix announces 16 octets, only 4"));
}
