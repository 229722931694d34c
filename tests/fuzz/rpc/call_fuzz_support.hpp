// Shared by the call fuzz targets: a header section written as text lines
// "name: value\n" (fields view into the input), a fake codec, chunking and
// the action-order checks every call must pass.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <h2pb/rpc/call_events.hpp>

namespace call_fuzz {

using namespace h2pb;

/// Lines up to an empty line (or the end); returns the rest.
inline std::string_view parse_fields(std::string_view in, std::vector<hpack::field>& out) {
    while (!in.empty()) {
        const std::size_t nl = in.find('\n');
        const std::string_view line = in.substr(0, nl);
        in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
        if (line.empty()) break;
        const std::size_t colon = line.find(": ", 1);
        if (colon == std::string_view::npos)
            out.push_back({line, ""});
        else
            out.push_back({line.substr(0, colon), line.substr(colon + 2)});
    }
    return in;
}

/// "Compresses" by reversing the bytes; a decompressed size over the limit
/// is too_large, an input starting with '!' is corrupt.
struct rev_codec final : rpc::codec {
    std::string_view name() const noexcept override { return "rev"; }
    rpc::compress_errc compress(wire::bytes_view in, wire::buffer& out) override {
        for (std::size_t i = in.size(); i > 0; --i) out.push_back(in[i - 1]);
        return rpc::compress_errc::ok;
    }
    rpc::compress_errc decompress(wire::bytes_view in, std::size_t max,
                                  wire::buffer& out) override {
        if (!in.empty() && in[0] == '!') return rpc::compress_errc::corrupt;
        if (in.size() > max) return rpc::compress_errc::too_large;
        return compress(in, out);
    }
};
struct rev_registry final : rpc::codec_registry {
    std::unique_ptr<rpc::codec> make(std::string_view n) const override {
        return n == "rev" ? std::make_unique<rev_codec>() : nullptr;
    }
    std::string_view accept_encoding() const noexcept override { return "identity,rev"; }
};

struct xorshift {
    std::uint32_t s;
    std::uint32_t next() {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        return s;
    }
};

/// Checks the order of what one call asks the driver to send (RFC 9113 §8.1:
/// at most one non-END header section before DATA, nothing after END_STREAM
/// but RST_STREAM, nothing at all after RST_STREAM) and that it ends once.
struct checker {
    bool headers_sent = false;
    bool end_sent = false;
    bool reset_sent = false;
    int ended = 0;
    std::vector<std::string> messages;

    void on(const rpc::send_headers& e) {
        if (end_sent || reset_sent) std::abort();
        if (!e.end_stream && headers_sent) std::abort();
        if (e.fields.empty()) std::abort();
        headers_sent = true;
        end_sent = e.end_stream;
    }
    void on(const rpc::send_data& e) {
        if (end_sent || reset_sent) std::abort();
        end_sent = e.end_stream;
    }
    void on(const rpc::send_reset&) {
        if (reset_sent) std::abort();
        reset_sent = true;
    }
    void on(const rpc::message_received& e) {
        if (ended != 0) std::abort();
        messages.push_back(wire::to_string(e.bytes));
    }
    void on(const rpc::call_ended&) {
        if (++ended > 1) std::abort();
    }
    void on(const rpc::request_accepted&) {}
    void on(const rpc::request_rejected&) {}
    void on(const rpc::headers_received&) {}
    void on(const rpc::half_closed&) {
        if (ended != 0) std::abort();
    }
};

/// The messages of `stream` decoded in one piece (the chunked run must see
/// the same ones, or a prefix of them when the call ended early).
inline std::vector<std::string> one_shot(wire::bytes_view stream, std::uint32_t max,
                                         rpc::codec* c) {
    std::vector<std::string> out;
    rpc::message_decoder dec(max, c);
    dec.feed(stream);
    wire::bytes_view m;
    while (dec.next(m) == rpc::decode_result::message) out.push_back(wire::to_string(m));
    return out;
}

inline bool is_prefix(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    if (a.size() > b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i]) return false;
    return true;
}

}  // namespace call_fuzz
