// libFuzzer target for rpc::server_call: a request header section and a
// stream of framed (possibly compressed) messages, fed in random chunks,
// with the application echoing messages and finishing, and the deadline or
// a reset arriving at random points. The call must never crash, must send in
// a valid order (call_fuzz::checker), end at most once, and deliver exactly
// the messages a one-shot decode of the same bytes gives (or a prefix of
// them when the call ended early).
//
// Input: byte 0 settings (bits 0-3: log2 max message size; bit 4 unused; bit 5: echo
// messages; bit 6: reset at the end instead of END_STREAM; bit 7: send
// response headers with the rev codec), bytes 1-4 chunk seed, then header
// lines "name: value\n" up to an empty line, then the DATA stream.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "call_fuzz_support.hpp"

#include <h2pb/rpc/server_call.hpp>

using namespace h2pb;
using namespace call_fuzz;
using namespace std::chrono_literals;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 5) return 0;
    call_input in = read_call_input(data, size);
    const std::uint8_t mode = in.mode;
    const std::string_view text = in.rest;
    std::vector<hpack::field> fields;
    const std::string_view rest = parse_fields(text, fields);
    const wire::bytes_view stream = wire::as_bytes(rest);

    const rev_registry reg;
    const rpc::call_settings settings = settings_for(mode);
    rpc::server_call call(reg, settings);
    rev_codec out_codec;
    checker ck;
    bool accepted = false;
    auto on = [&](const auto& e) {
        ck.on(e);
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, rpc::request_accepted>) accepted = true;
    };
    const rpc::time_point t0{};
    call.on_headers(fields, false, t0, on);
    if (accepted && (mode & 128) != 0) (void)call.send_headers(nullptr, &out_codec, on);

    const auto on_data = [&](wire::bytes_view b) {
        const std::size_t before = ck.messages.size();
        call.on_data(b, false, on);
        if ((mode & 32) != 0) {  // echo
            for (std::size_t i = before; i < ck.messages.size(); ++i)
                (void)call.send_message(wire::as_bytes(ck.messages[i]), on);
        }
    };
    feed_in_chunks(call, stream, in.rng, 64, 5000, on_data,
                   [&](std::chrono::milliseconds t) { call.on_tick(t0 + t, on); });
    const bool peer_reset = (mode & 64) != 0;
    if (peer_reset) {
        call.on_reset(static_cast<h2::error_code>(in.rng.next() % 14), on);
    } else {
        call.on_data({}, true, on);
    }
    (void)call.finish({rpc::status_code::ok}, nullptr, on);

    if (accepted) {
        const auto want =
            one_shot(stream, settings.max_receive_message_size, call.head().decompressor.get());
        if (!is_prefix(ck.messages, want)) std::abort();
    } else if (!ck.messages.empty()) {
        std::abort();
    }
    if (!call.done()) std::abort();
    // Every call ends on the wire: by us, or by the peer's reset.
    if (!ck.end_sent && !ck.reset_sent && !peer_reset) std::abort();
    return 0;
}
