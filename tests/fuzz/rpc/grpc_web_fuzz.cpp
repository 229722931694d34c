// libFuzzer target for the gRPC-Web decoders (rpc/grpc_web.hpp): the
// request side the server runs on every grpc-web-text body (text_decoder,
// then rpc::message_decoder), and the response_parser of `h2pb call --web`.
//
// Properties, for random bytes cut into random chunks:
//   - text_decoder: the chunked decode gives the same octets, error and
//     error offset as a one-shot decode, and succeeds exactly when a plain
//     reference (4-character groups, each decoded by wire::base64_decode,
//     an unpadded group of 2 or 3 allowed last) does, with the same octets;
//   - the decoded request body through message_decoder: no crash, the same
//     messages chunked and in one piece;
//   - response_parser: the same messages, trailers and error chunked and in
//     one piece (for a -text body that fails: failing both ways, since a bad
//     character stops the parser at the feed() that holds it), and never a
//     message above its limit.
//
// Input layout: byte 0 picks the mode (bit 0: text, bit 1: response parser)
// and the limits (bits 2..6: a max message size of 2^n), bytes 1..4 seed the
// chunk sizes, the rest is the body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/rpc/grpc_web.hpp>
#include <h2pb/rpc/message_codec.hpp>
#include <h2pb/wire/base64.hpp>

using namespace h2pb;
namespace web = rpc::web;

namespace {

/// Chunk sizes from a seed: 1..64 octets, a cheap LCG.
struct chunker {
    std::uint32_t state;
    std::size_t next() {
        state = state * 1103515245u + 12345u;
        return 1 + (state >> 16) % 64;
    }
};

/// The reference: 4-character groups decoded one by one (each may be a
/// padded end of a segment), an unpadded group of 2 or 3 last. Nullopt-like
/// `ok == false` on any error.
std::pair<bool, std::string> reference_text(std::string_view t) {
    std::string out;
    while (!t.empty()) {
        const std::string_view g = t.substr(0, 4);
        t.remove_prefix(g.size());
        if (g.size() < 4 && (g.size() == 1 || g.find('=') != std::string_view::npos))
            return {false, {}};
        if (wire::base64_decode(g, out) != wire::base64_errc::ok) return {false, {}};
    }
    return {true, out};
}

struct text_result {
    std::string out;
    web::text_errc e{};
    std::uint64_t offset = 0;
};

text_result decode_text(std::string_view t, chunker* c) {
    web::text_decoder d;
    text_result r;
    r.e = web::text_errc::ok;
    while (!t.empty() && r.e == web::text_errc::ok) {
        const std::size_t n = c ? std::min(c->next(), t.size()) : t.size();
        r.e = d.feed(t.substr(0, n), r.out);
        t.remove_prefix(n);
    }
    if (r.e == web::text_errc::ok) r.e = d.finish(r.out);
    r.offset = d.error_offset();
    return r;
}

struct messages_result {
    std::vector<std::string> messages;
    bool failed = false;
    std::string error;
};

/// A request body through message_decoder, as the server feeds it.
messages_result decode_messages(std::string_view body, std::uint32_t max, chunker* c) {
    rpc::message_decoder d(max);
    messages_result r;
    for (;;) {
        wire::bytes_view m;
        rpc::decode_result x;
        while ((x = d.next(m)) == rpc::decode_result::message)
            r.messages.emplace_back(wire::as_chars(m));
        if (x == rpc::decode_result::failed) {
            r.failed = true;
            r.error = d.error().message;
            return r;
        }
        if (body.empty()) break;
        const std::size_t n = c ? std::min(c->next(), body.size()) : body.size();
        d.feed(wire::as_bytes(body.substr(0, n)));
        body.remove_prefix(n);
    }
    if (rpc::status s = d.finish(); !s.ok()) {
        r.failed = true;
        r.error = s.message;
    }
    return r;
}

struct response_result {
    std::vector<std::string> messages;
    std::vector<std::pair<std::string, std::string>> trailers;
    web::parse_errc e = web::parse_errc::ok;
    bool operator==(const response_result&) const = default;
};

response_result parse_response(std::string_view body, web::content_kind kind,
                               web::response_limits limits, chunker* c) {
    web::response_parser p(kind, limits);
    response_result r;
    auto drain = [&] {
        web::response_parser::event ev;
        for (;;) {
            const auto x = p.next(ev);
            if (x == web::response_parser::result::message) {
                if (ev.message.size() > limits.max_message_size) std::abort();
                r.messages.emplace_back(wire::as_chars(ev.message));
            } else if (x == web::response_parser::result::trailers) {
                for (const auto& f : p.trailers()) r.trailers.emplace_back(f.name, f.value);
            } else {
                return x != web::response_parser::result::failed;
            }
        }
    };
    bool ok = true;
    while (!body.empty() && ok) {
        const std::size_t n = c ? std::min(c->next(), body.size()) : body.size();
        ok = p.feed(wire::as_bytes(body.substr(0, n))) == web::parse_errc::ok && drain();
        body.remove_prefix(n);
    }
    if (ok) (void)(p.finish() == web::parse_errc::ok && drain());
    r.e = p.error();
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 5) return 0;
    const bool text = data[0] & 1;
    const bool response = data[0] & 2;
    const std::uint32_t max = std::uint32_t{1} << std::min(((data[0] >> 2) & 31), 20);
    const std::uint32_t seed = std::uint32_t{data[1]} | std::uint32_t{data[2]} << 8 |
                               std::uint32_t{data[3]} << 16 | std::uint32_t{data[4]} << 24;
    const std::string_view body(reinterpret_cast<const char*>(data + 5), size - 5);

    if (response) {
        web::response_limits limits;
        limits.max_message_size = max;
        limits.max_trailer_size = max;
        const auto kind = text ? web::content_kind::text : web::content_kind::binary;
        chunker c{seed};
        const response_result whole = parse_response(body, kind, limits, nullptr);
        const response_result pieces = parse_response(body, kind, limits, &c);
        // A text error stops the parser at the feed() that holds the bad
        // character, so what comes before it (messages, or a framing error
        // found first) depends on the chunking; that it fails must not.
        if (text && whole.e != web::parse_errc::ok) {
            if (pieces.e == web::parse_errc::ok) std::abort();
            return 0;
        }
        if (!(whole == pieces)) std::abort();
        return 0;
    }

    std::string decoded;
    if (text) {
        chunker c{seed};
        const text_result whole = decode_text(body, nullptr);
        const text_result pieces = decode_text(body, &c);
        if (whole.e != pieces.e || whole.offset != pieces.offset || whole.out != pieces.out)
            std::abort();
        const auto [ref_ok, ref_out] = reference_text(body);
        if (ref_ok != (whole.e == web::text_errc::ok)) std::abort();
        if (ref_ok && ref_out != whole.out) std::abort();
        if (!ref_ok) return 0;
        decoded = whole.out;
    } else {
        decoded.assign(body);
    }
    chunker c{seed ^ 0x9e3779b9u};
    const messages_result whole = decode_messages(decoded, max, nullptr);
    const messages_result pieces = decode_messages(decoded, max, &c);
    if (whole.failed != pieces.failed || whole.messages != pieces.messages) std::abort();
    return 0;
}
