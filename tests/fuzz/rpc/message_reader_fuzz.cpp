// libFuzzer target for rpc::message_reader: random bytes cut into random
// chunks must give exactly what a one-shot read of the same bytes gives, and
// what a plain reference deframer (written out below, no state machine)
// computes.
//
// Input layout: byte 0 picks the settings (max message size 2^(b&31) capped,
// accept_compressed from bit 5), bytes 1..4 seed the chunk sizes, the rest is
// the stream.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <h2pb/rpc/message_reader.hpp>

using namespace h2pb;

namespace {

struct got {
    std::string bytes;
    bool compressed;
    std::size_t offset;
    bool operator==(const got&) const = default;
};

struct outcome {
    std::vector<got> messages;
    rpc::error error;
    bool operator==(const outcome&) const = default;
};

// The rules, read straight from PROTOCOL-HTTP2.md, over the whole stream.
outcome reference(wire::bytes_view s, rpc::reader_settings st) {
    outcome out;
    std::size_t i = 0;
    while (i < s.size()) {
        if (s[i] > 1) return out.error = {rpc::errc::bad_compressed_flag, i}, out;
        if (s.size() - i < 5) return out.error = {rpc::errc::truncated_prefix, s.size()}, out;
        const bool compressed = s[i] == 1;
        const std::uint32_t len = wire::load_be32(s.data() + i + 1);
        if (compressed && !st.accept_compressed)
            return out.error = {rpc::errc::compressed_without_encoding, i}, out;
        if (len > st.max_message_size)
            return out.error = {rpc::errc::message_too_large, i + 1}, out;
        if (s.size() - i - 5 < len)
            return out.error = {rpc::errc::truncated_message, s.size()}, out;
        out.messages.push_back({wire::to_string(s.subspan(i + 5, len)), compressed, i});
        i += 5 + len;
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 5) return 0;
    rpc::reader_settings settings;
    const unsigned shift = data[0] & 31;
    settings.max_message_size =
        shift >= 23 ? rpc::default_max_message_size : (std::uint32_t{1} << shift);
    settings.accept_compressed = (data[0] & 32) != 0;
    std::uint32_t seed = wire::load_be32(data + 1) | 1;
    const wire::bytes_view stream(data + 5, size - 5);

    // One shot.
    outcome whole;
    const rpc::error e = rpc::read_messages(
        stream,
        [&](const rpc::message& m) {
            whole.messages.push_back({wire::to_string(m.bytes), m.compressed, m.offset});
            if (!m.contiguous) std::abort();  // one chunk: never a copy
        },
        settings);
    whole.error = e;
    if (!(whole == reference(stream, settings))) std::abort();

    // Random chunks (xorshift), including empty ones.
    outcome chunked;
    rpc::message_reader reader(settings);
    std::size_t from = 0;
    bool stopped = false;
    while (!stopped) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        const std::size_t n = std::min<std::size_t>(seed % 24, stream.size() - from);
        const wire::bytes_view chunk = stream.subspan(from, n);
        if (!reader.feed(chunk)) std::abort();
        rpc::message m;
        rpc::read_status st;
        while ((st = reader.next(m)) == rpc::read_status::message) {
            chunked.messages.push_back({wire::to_string(m.bytes), m.compressed, m.offset});
            if (m.contiguous && (m.bytes.data() < chunk.data() ||
                                 m.bytes.data() + m.bytes.size() > chunk.data() + chunk.size()))
                std::abort();
        }
        if (st == rpc::read_status::failed) {
            chunked.error = reader.error();
            stopped = true;
        } else if (!reader.drained()) {
            std::abort();
        }
        from += n;
        if (from == stream.size() && !stopped) {
            chunked.error = reader.finish();
            stopped = true;
        }
    }
    if (!(chunked == whole)) std::abort();
    if (reader.buffer_capacity() > 2 * std::size_t{settings.max_message_size} + 64) std::abort();
    return 0;
}
