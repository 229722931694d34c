// Shared by the h2 connection fuzz targets (client_fuzz.cpp, server_fuzz.cpp):
// the set-up both run — the input's first octets pick the application's
// behaviour and how the rest is cut into receive() calls, the connection
// runs with small abuse limits so that short inputs reach them, and time
// advances between chunks — and the check that what a connection writes is
// always a well-formed HTTP/2 byte stream, whatever it was fed.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdlib>

#include <h2pb/h2/connection.hpp>
#include <h2pb/h2/frame.hpp>
#include <h2pb/h2/frame_reader.hpp>

namespace h2pb::fuzz {

/// Reads the connection's output with the project's one frame splitter
/// (h2/frame_reader.hpp) and checks every frame with the real parser.
/// Aborts (a fuzzer finding) on a malformed frame of our own.
class output_checker {
  public:
    /// A client's output starts with the client preface (RFC 9113 §3.4).
    explicit output_checker(bool client) : frames_(client) {}

    /// Everything the connection has to write, read by the peer.
    void drain_and_check(h2::connection& c) {
        while (c.want_write()) {
            std::size_t n = 0;
            for (auto b : c.output()) {
                check(b);
                n += b.size();
            }
            c.consume_output(n);
        }
    }

  private:
    void check(wire::bytes_view bytes) {
        using kind = h2::frame_splitter::kind;
        frames_.feed(bytes);
        for (auto e = frames_.next(); e.what != kind::need_more; e = frames_.next()) {
            if (e.what == kind::error) std::abort();  // not our preface
            if (e.what != kind::frame) continue;
            const auto r = h2::parse_frame(e.frame.header, e.frame.payload, h2::max_max_frame_size);
            if (!r) std::abort();  // we wrote a frame that breaks the RFC
        }
    }

    h2::frame_splitter frames_;
};

/// The limits both targets set low, so that short inputs reach them: the
/// queued control frames (ping and settings floods), the RST_STREAM and
/// control frame bursts (RFC 9113 §10.5).
inline constexpr std::uint32_t fuzz_max_queued_control_frames = 64;
inline constexpr std::uint32_t fuzz_reset_burst = 16;
inline constexpr std::uint32_t fuzz_control_frame_burst = 256;
/// receive() is called with 1 to this many octets at a time.
inline constexpr std::size_t fuzz_max_chunk = 64;

/// How one target drives its connection.
struct connection_run {
    h2::role side;
    h2::connection_options options;  ///< the limits above are set on top
    std::size_t read_every;          ///< the peer reads our output every this many chunks
    std::chrono::milliseconds tick;  ///< time between chunks, per unit of salt
};

/// Runs one input: octet 0 is the `salt` (App{connection, salt} plays the
/// application with it), octet 1 the chunk size, the rest is received from
/// the peer after `prepare(connection, app)`. Returns 0 (libFuzzer's "keep
/// going").
template <class App, class Prepare>
int run_connection(const std::uint8_t* data, std::size_t size, const connection_run& run,
                   Prepare&& prepare) {
    if (size < 2) return 0;
    const std::uint32_t salt = data[0];
    const std::size_t chunk = 1 + data[1] % fuzz_max_chunk;
    data += 2;
    size -= 2;

    h2::connection_options o = run.options;
    o.limits.max_queued_control_frames = fuzz_max_queued_control_frames;
    o.limits.reset_burst = fuzz_reset_burst;
    o.limits.control_frame_burst = fuzz_control_frame_burst;
    const h2::time_point t0{};
    h2::connection c(run.side, t0, o);
    output_checker check(run.side == h2::role::client);
    App a{c, salt};
    prepare(c, a);

    h2::time_point now = t0;
    for (std::size_t pos = 0; pos < size; pos += chunk) {
        const std::size_t n = size - pos < chunk ? size - pos : chunk;
        c.receive(wire::bytes_view(data + pos, n), now, a);
        if (pos % (run.read_every * chunk) == 0) check.drain_and_check(c);  // sometimes
        now += run.tick * salt;
        c.tick(now, a);
    }
    check.drain_and_check(c);
    return 0;
}

}  // namespace h2pb::fuzz
