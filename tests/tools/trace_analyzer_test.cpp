// The sans-IO analysis of `h2pb trace` (tools/h2pb/trace_analyzer.hpp), fed
// hand-made bytes. Frames are laid out here octet by octet from RFC 9113 §4.1
// (length 24 bits, type, flags, stream id 31 bits), header blocks from RFC
// 7541 (§6.1 indexed fields of the static table, Appendix A; §6.2.2 literals
// without indexing), gRPC messages from PROTOCOL-HTTP2.md (Compressed-Flag,
// 4-octet big-endian Message-Length): nothing is produced by h2pb's writers.
#include <catch2/catch.hpp>

#include <algorithm>
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

/// POST http /grpc.testing.TestService/UnaryCall, content-type application/grpc.
bytes request_block() {
    bytes b = {0x83, 0x86};  // :method POST (static 3), :scheme http (static 6)
    literal_indexed_name(b, 4, "/grpc.testing.TestService/UnaryCall");  // :path
    literal_indexed_name(b, 1, "localhost");                            // :authority
    literal_indexed_name(b, 31, "application/grpc");                    // content-type
    literal_new_name(b, "te", "trailers");
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

bytes settings(std::vector<std::pair<std::uint16_t, std::uint32_t>> s) {
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
    CHECK(text.str().find("#7 c->s  ") == 0);
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
