// What every way into h2pb builds (tests/consumer/consumer_test.sh): a program
// that uses the three sans-IO layers an embedder meets first, with nothing but
// h2pb and a header generated from hello.proto at build time.
//   1. protobuf: a consumer::Greeting encoded and decoded (the bytes are the
//      protobuf encoding guide's: field 1 LEN "hi" = 0a 02 68 69, field 2
//      VARINT 3 = 10 03)
//   2. HPACK: a header list encoded and decoded again (RFC 7541 §C.3.1: the
//      first request of the RFC's examples, all static-table hits, is the
//      block 82 86 84 41 0f + the literal authority)
//   3. HTTP/2: two h2::connection objects, a client and a server, passing
//      bytes in memory: a GET and its answer
// Built with -DH2PB_CONSUMER_SINGLE_HEADER it includes the single header
// h2pb.hpp instead (and hello.h2pb.hpp was generated with single_header=).
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#ifdef H2PB_CONSUMER_SINGLE_HEADER
#include <h2pb.hpp>
#else
#include <h2pb/h2/connection.hpp>
#include <h2pb/hpack/decoder.hpp>
#include <h2pb/hpack/encoder.hpp>
#include <h2pb/wire/hex.hpp>
#endif
#include "hello.h2pb.hpp"

namespace h2 = h2pb::h2;
namespace hpack = h2pb::hpack;
namespace wire = h2pb::wire;

namespace {

int failures = 0;
void check(bool ok, const char* what) {
    std::printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    if (!ok) ++failures;
}

void protobuf_round_trip() {
    consumer::Greeting g;  // from hello.proto, generated as hello.h2pb.hpp
    g.text = std::string("hi");
    g.count = 3;
    wire::buffer out;
    g.encode(out);
    check(wire::to_hex(out) == "0a 02 68 69 10 03",
          "protobuf: Greeting encodes as 0a 02 68 69 10 03");
    consumer::Greeting back;
    check(!back.decode(out) && back == g, "protobuf: and decodes back");
}

void hpack_round_trip() {
    const hpack::field request[] = {
        {":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":authority", "www.example.com"}};
    hpack::encoder enc;
    wire::buffer block;
    enc.encode(request, block);
    check(wire::to_hex(block).rfind("82 86 84 41", 0) == 0,
          "hpack: :method GET, :scheme http, :path / are static-table hits (RFC 7541 C.3.1)");
    hpack::decoder dec;
    std::vector<std::string> seen;
    auto err = dec.decode(block.view(), [&](const hpack::field& f) {
        seen.push_back(std::string(f.name) + ": " + std::string(f.value));
    });
    check(!err && seen.size() == 4 && seen[0] == ":method: GET" &&
              seen[3] == ":authority: www.example.com",
          "hpack: the four fields decode back");
}

/// Moves everything `from` has to send into `to`.
template <class Handler>
void pump(h2::connection& from, h2::connection& to, Handler&& handler) {
    std::string bytes;
    for (auto b : from.output()) bytes.append(reinterpret_cast<const char*>(b.data()), b.size());
    from.consume_output(bytes.size());
    to.receive(wire::as_bytes(std::string_view(bytes)), h2::clock::now(), handler);
}

void http2_exchange() {
    h2::connection client(h2::role::client, h2::clock::now());
    h2::connection server(h2::role::server, h2::clock::now());
    const hpack::field request[] = {
        {":method", "GET"}, {":scheme", "http"}, {":path", "/hello"}, {":authority", "localhost"}};
    auto id = client.submit_request(request, /*end_stream=*/true);
    check(id && *id == 1, "http2: the first request is stream 1");

    std::string path;
    bool answered = false;
    pump(client, server, [&](const auto& ev) {
        if constexpr (std::is_same_v<std::decay_t<decltype(ev)>, h2::headers_received>) {
            for (const auto& f : ev.fields)
                if (f.name == ":path") path = std::string(f.value);
            const hpack::field response[] = {{":status", "200"}};
            const auto head = server.submit_response(ev.stream_id, response, false);
            const auto sent =
                server.send_data(ev.stream_id, wire::as_bytes(std::string_view("hello")), true);
            answered = head == h2::send_errc::ok && sent && *sent == 5;
        }
    });
    check(path == "/hello" && answered, "http2: the server sees GET /hello and answers");

    std::uint16_t status = 0;
    std::string body;
    bool ended = false;
    pump(server, client, [&](const auto& ev) {
        using E = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<E, h2::headers_received>) {
            status = ev.status;
        } else if constexpr (std::is_same_v<E, h2::data_received>) {
            body.append(reinterpret_cast<const char*>(ev.data.data()), ev.data.size());
            client.consume(ev.stream_id, ev.data.size());
            ended = ev.end_stream;
        }
    });
    check(status == 200 && body == "hello" && ended, "http2: the client gets 200 \"hello\"");
}

}  // namespace

int main() {
    protobuf_round_trip();
    hpack_round_trip();
    http2_exchange();
    std::printf("%s\n", failures ? "consumer: FAILED" : "consumer: ok");
    return failures ? 1 : 0;
}
