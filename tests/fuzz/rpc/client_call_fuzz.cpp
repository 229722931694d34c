// libFuzzer target for rpc::client_call: what a server may send back — a
// response header section, a DATA stream of framed (possibly compressed)
// messages in random chunks, and a trailer section — in any shape. The call
// must never crash, send in a valid order, end exactly once with a status,
// and deliver exactly the messages a one-shot decode gives (or a prefix).
//
// Input: byte 0 mode (bits 0-3: log2 max message size; bit 4: headers with
// END_STREAM (Trailers-Only); bit 5: skip the trailers; bit 6: close_send
// first; bit 7: compress our request), bytes 1-4 chunk seed, bytes 5-6 the
// DATA length (big-endian), then header lines, an empty line, DATA bytes,
// then trailer lines.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "call_fuzz_support.hpp"

#include <h2pb/rpc/client_call.hpp>

using namespace h2pb;
using namespace call_fuzz;
using namespace std::chrono_literals;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 7) return 0;
    call_input in = read_call_input(data, size);
    const std::uint8_t mode = in.mode;
    const std::size_t data_len = wire::load_be16(data + 5);
    const std::string_view text = in.rest.substr(2);
    std::vector<hpack::field> headers, trailers;
    std::string_view rest = parse_fields(text, headers);
    const std::size_t n_data = std::min(data_len, rest.size());
    const wire::bytes_view stream = wire::as_bytes(rest.substr(0, n_data));
    parse_fields(rest.substr(n_data), trailers);

    const rev_registry reg;
    const rpc::call_settings settings = settings_for(mode);
    rpc::client_call call(reg, settings);
    rev_codec out_codec;
    checker ck;
    auto on = [&](const auto& e) { ck.on(e); };
    const rpc::time_point t0{};
    rpc::request_options o;
    o.path = "/a.B/C";
    o.authority = "x";
    o.now = t0;
    o.deadline = t0 + 1s;
    (void)call.start(o, (mode & 128) != 0 ? &out_codec : nullptr, on);
    (void)call.send_message(wire::as_bytes("request"), on);
    if ((mode & 64) != 0) (void)call.close_send(on);

    call.on_headers(headers, (mode & 16) != 0, on);
    feed_in_chunks(
        call, stream, in.rng, 128, 2000, [&](wire::bytes_view b) { call.on_data(b, false, on); },
        [&](std::chrono::milliseconds t) { call.on_tick(t0 + t, on); });
    if ((mode & 32) == 0)
        call.on_headers(trailers, true, on);
    else
        call.on_data({}, true, on);
    call.cancel(on);  // no effect when already done

    if (ck.ended != 1 || !call.done()) std::abort();
    // The decompressor the call chose is the one a fresh lookup gives.
    std::unique_ptr<rpc::codec> c;
    if (!rpc::is_identity(call.response().encoding)) c = reg.make(call.response().encoding);
    const auto want = one_shot(stream, settings.max_receive_message_size, c.get());
    if (!is_prefix(ck.messages, want)) std::abort();
    return 0;
}
