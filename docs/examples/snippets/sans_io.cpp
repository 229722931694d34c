// The sans-IO code blocks of the docs, compiled and run (tests/docs/meson.build,
// test docs/snippets-sans-io). Each block between `clang-format off` and `on`
// is shown on a page after `<!-- file: docs/examples/snippets/sans_io.cpp -->`,
// and the test docs/blocks checks that the page shows exactly these lines; the
// lines around each block give it the names it uses, and main() runs the
// blocks on real bytes and checks what they produce, so a block that compiles
// but does the wrong thing fails too.
#include <cstddef>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <h2pb/h2/connection.hpp>
#include <h2pb/hpack/decoder.hpp>
#include <h2pb/hpack/encoder.hpp>
#include <h2pb/rpc/message_reader.hpp>

namespace h2 = h2pb::h2;
namespace hpack = h2pb::hpack;

// docs/grpc_message.md, "In code": frames `payload`, reads the messages of
// `data_frame_payload`, a chunk of a stream. Returns the messages read;
// appends the framed payload to framed_out.
std::vector<std::string> framing(h2pb::wire::bytes_view payload,
                                 h2pb::wire::bytes_view data_frame_payload,
                                 h2pb::wire::buffer& framed_out) {
    std::vector<std::string> seen;
    auto handle = [&](h2pb::wire::bytes_view b) { seen.emplace_back(b.begin(), b.end()); };
    auto reset_stream = [&](const h2pb::rpc::error&) { seen.emplace_back("reset"); };
    // clang-format off
h2pb::wire::buffer out;
const bool framed = h2pb::rpc::write_message(out, payload);  // 5-byte prefix + payload
                                             // (false: longer than 2^32 - 1)
h2pb::rpc::message_reader reader;            // max message size: 4 MiB
reader.feed(data_frame_payload);             // any chunk of the stream
h2pb::rpc::message m;
while (reader.next(m) == h2pb::rpc::read_status::message)
    handle(m.bytes);                         // a view: no copy when the message
                                             // lay whole in the chunk
if (reader.failed()) reset_stream(reader.error());   // code + stream offset
    // clang-format on
    if (!framed) seen.emplace_back("not framed");
    framed_out.append(out.view());
    return seen;
}

// docs/hpack.md, "Using it": encodes two fields, decodes them again.
std::vector<std::string> hpack_round_trip() {
    std::vector<std::string> seen;
    auto use = [&](std::string_view name, std::string_view value) {
        seen.push_back(std::string(name) + ": " + std::string(value));
    };
    // clang-format off
h2pb::hpack::encoder enc;                  // one per connection direction
h2pb::wire::buffer block;
enc.encode({{":method", "POST"}, {":path", "/helloworld.Greeter/SayHello"}}, block);

h2pb::hpack::decoder dec;                  // mirrors the peer's encoder
auto err = dec.decode(block.view(), [&](const h2pb::hpack::field& f) {
    use(f.name, f.value);  // views, valid until the next decode() (and while
                           // `block` lives: raw literals point into it)
});
if (err) { /* err.code, err.offset: COMPRESSION_ERROR */ }
    // clang-format on
    if (err) return {"error"};
    return seen;
}

// docs/http2.md, "Using the connection": a client connection's first bytes.
// `write` is the driver's socket write; `bytes_read` what the socket read.
template <class Write>
std::size_t h2_unary_call(h2::time_point now, h2pb::wire::bytes_view message_with_prefix,
                          Write write, h2pb::wire::bytes_view bytes_read, std::size_t& written,
                          std::size_t& events) {
    auto handle = [&](const auto&) { ++events; };
    // clang-format off
h2::connection client(h2::role::client, now);
const hpack::field request[] = {{":method", "POST"}, {":scheme", "http"},
    {":path", "/analytics.v1.AnalyticsService/GetReport"}, {":authority", "localhost:50051"},
    {"content-type", "application/grpc"}, {"te", "trailers"}};
auto id = client.submit_request(request, false);           // HEADERS
auto sent = client.send_data(*id, message_with_prefix, true);  // DATA + END_STREAM; *sent:
                                                           // the octets the windows allowed
for (auto b : client.output()) write(b);                   // a gather list, nothing copied twice
client.consume_output(written);
client.receive(bytes_read, now, [&](const auto& event) {  // headers_received, data_received, ...
    handle(event);  // then client.consume(id, n) once DATA is processed: that reopens the window
});
    // clang-format on
    return sent && *sent == message_with_prefix.size() ? *id : 0;
}

int main() {
    int failures = 0;
    auto check = [&](bool ok, const char* what) {
        if (!ok) {
            std::printf("FAIL: %s\n", what);
            ++failures;
        }
    };

    // The Fruit of grpc_message.md: 10 bytes of protobuf, 15 with the prefix.
    const unsigned char apple[] = {0x08, 0x96, 0x01, 0x12, 0x05, 0x41, 0x70, 0x70, 0x6c, 0x65};
    const h2pb::wire::bytes_view apple_view(apple, sizeof apple);
    h2pb::wire::buffer framed;
    {
        h2pb::wire::buffer first;
        auto unused = framing(apple_view, {}, first);  // frames only
        check(unused.empty(), "framing of nothing read a message");
        check(first.size() == 15, "write_message: 5-byte prefix + 10 bytes");
        framed.append(first.view());
    }
    h2pb::wire::buffer scratch;
    auto read = framing(apple_view, framed.view(), scratch);
    check(read.size() == 1 &&
              read[0] == std::string(reinterpret_cast<const char*>(apple), sizeof apple),
          "message_reader: one message, the 10 bytes");
    const unsigned char bad_flag[] = {0x02, 0x00, 0x00, 0x00, 0x00};
    read = framing(apple_view, h2pb::wire::bytes_view(bad_flag, 5), scratch);
    check(read.size() == 1 && read[0] == "reset", "a compressed-flag of 2 resets the stream");

    auto fields = hpack_round_trip();
    check(fields.size() == 2 && fields[0] == ":method: POST" &&
              fields[1] == ":path: /helloworld.Greeter/SayHello",
          "hpack: the two fields decode back");

    std::string sent;
    std::size_t written = 0, events = 0;
    auto write = [&](h2pb::wire::bytes_view b) {
        sent.append(reinterpret_cast<const char*>(b.data()), b.size());
    };
    // written = 0: the block's consume_output(written) keeps the output, as
    // a driver does that has not written yet.
    std::size_t id = h2_unary_call(h2::clock::now(), framed.view(), write, {}, written, events);
    check(id == 1, "the first request is stream 1");
    check(sent.rfind("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 0) == 0,
          "the output starts with the preface");
    check(events == 0, "no input, no events");
    std::printf("%s\n", failures ? "failed" : "sans-IO snippets ok");
    return failures ? 1 : 0;
}
