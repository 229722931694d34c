// Shared by the call fuzz targets: how their input starts (mode and chunk
// seed), a header section written as text lines "name: value\n" (fields view
// into the input), a fake codec, chunking and the action-order checks every
// call must pass.
#pragma once

#include <algorithm>
#include <chrono>
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

/// What octet 0 (the mode) and octets 1-4 (the chunk seed) of both call
/// targets' inputs choose: the call's limits (mode bits 0-3: log2 of the
/// largest message received) and the random cuts.
inline constexpr std::uint32_t fuzz_max_metadata_size = 1024;
struct call_input {
    std::uint8_t mode;
    xorshift rng;
    std::string_view rest;  ///< after the 5 octets
};
inline call_input read_call_input(const std::uint8_t* data, std::size_t size) {
    return {data[0], xorshift{wire::load_be32(data + 1) | 1},
            std::string_view(reinterpret_cast<const char*>(data + 5), size - 5)};
}
inline rpc::call_settings settings_for(std::uint8_t mode) {
    rpc::call_settings settings;
    settings.max_receive_message_size = std::uint32_t{1} << (mode & 15);
    settings.max_metadata_size = fuzz_max_metadata_size;
    return settings;
}

/// Hands `stream` to on_data in random chunks of 0 to 31 octets until it is
/// all fed or the call is done; after a chunk, once in `tick_every` (by rng),
/// on_tick(a random time below `tick_range`).
template <class Call, class OnData, class OnTick>
void feed_in_chunks(Call& call, wire::bytes_view stream, xorshift& rng, std::uint32_t tick_every,
                    std::uint32_t tick_range_ms, OnData&& on_data, OnTick&& on_tick) {
    std::size_t from = 0;
    while (from < stream.size() && !call.done()) {
        const std::size_t n = std::min<std::size_t>(rng.next() % 32, stream.size() - from);
        on_data(stream.subspan(from, n));
        from += n;
        if (rng.next() % tick_every == 0)
            on_tick(std::chrono::milliseconds(rng.next() % tick_range_ms));
    }
}

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
