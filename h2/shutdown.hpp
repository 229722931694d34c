// h2pb::h2 — GOAWAY in both directions and graceful shutdown (RFC 9113 §6.8).
//
// GOAWAY ends a connection by naming the last stream the sender processed:
// streams above it may be retried elsewhere, streams at or below it finish.
// "Endpoints MUST NOT increase the value they send in the last stream
// identifier" (§6.8), and a receiver keeps the smallest one it has seen.
//
// A server that shuts down gracefully cannot know which streams the client
// is opening while the GOAWAY is on its way, so §6.8 suggests two steps:
// first GOAWAY with 2^31-1 and a PING; once the PING is acknowledged (a
// round trip later, so the client has seen the GOAWAY and opens nothing
// more), the final GOAWAY with the real last stream id. If the ACK does not
// come within connection_limits::graceful_shutdown_timeout, the final GOAWAY
// goes anyway.
//
// goaway_state, one per connection, keeps what was sent and received; the
// connection writes the frames and closes the streams.
#pragma once

#include <chrono>
#include <cstdint>

#include <h2pb/h2/frame.hpp>

namespace h2pb::h2 {

class goaway_state {
  public:
    using time_point = std::chrono::steady_clock::time_point;

    /// The opaque data of the PING of a graceful shutdown ("h2pbSHUT").
    static constexpr std::uint64_t shutdown_ping_opaque = 0x6832706253485554ull;

    // ---- ours

    bool sent() const noexcept { return sent_; }
    /// The last stream id of our latest GOAWAY (2^31-1 before any).
    std::uint32_t sent_last_id() const noexcept { return sent_last_id_; }
    /// A peer stream opened beyond our GOAWAY: its frames are ignored (§6.8).
    bool beyond_sent(std::uint32_t id) const noexcept { return sent_ && id > sent_last_id_; }
    /// We send GOAWAY naming `last_id`; returns the id to put in the frame,
    /// never more than the one we sent before (§6.8).
    std::uint32_t send(std::uint32_t last_id) noexcept {
        if (sent_ && last_id > sent_last_id_) last_id = sent_last_id_;
        sent_ = true;
        sent_last_id_ = last_id;
        return last_id;
    }

    // ---- graceful shutdown (server)

    /// The first GOAWAY (2^31-1) and the PING are sent; the final GOAWAY is
    /// due when the PING is acknowledged or at `deadline`.
    /// The first GOAWAY restricts nothing yet: sent() stays false until the
    /// final one.
    void start_graceful(time_point deadline) noexcept {
        sent_last_id_ = max_stream_id;
        ping_pending_ = true;
        deadline_ = deadline;
    }
    /// Between the two GOAWAYs of a graceful shutdown.
    bool ping_pending() const noexcept { return ping_pending_; }
    time_point deadline() const noexcept { return deadline_; }
    /// A PING ACK: true if it answers our shutdown PING (the final GOAWAY is
    /// then due; finish() it).
    bool is_shutdown_ack(std::uint64_t opaque) const noexcept {
        return ping_pending_ && opaque == shutdown_ping_opaque;
    }
    void finish() noexcept { ping_pending_ = false; }

    // ---- the peer's

    bool received() const noexcept { return received_; }
    /// The smallest last stream id the peer sent (2^31-1 before any).
    std::uint32_t peer_last_id() const noexcept { return peer_last_id_; }
    /// The peer's GOAWAY naming `last_id`: the id stays the smallest seen.
    void receive(std::uint32_t last_id) noexcept {
        if (!received_ || last_id < peer_last_id_) peer_last_id_ = last_id;
        received_ = true;
    }

  private:
    bool sent_ = false;
    std::uint32_t sent_last_id_ = max_stream_id;
    bool received_ = false;
    std::uint32_t peer_last_id_ = max_stream_id;
    bool ping_pending_ = false;
    time_point deadline_{};
};

}  // namespace h2pb::h2
