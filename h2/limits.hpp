// h2pb::h2 — every limit of the HTTP/2 layer: a named default, the reason for
// it, and the RFC section (or the attack) it answers. Each is a field of
// `connection_limits` (a setter, in effect) and each has a test in
// tests/h2/connection_test.cpp or tests/h2/abuse_test.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include <h2pb/hpack/limits.hpp>

namespace h2pb::h2 {

/// SETTINGS_MAX_CONCURRENT_STREAMS we advertise. RFC 9113 §6.5.2 recommends no
/// less than 100; h2o and many servers use 100. Excess streams get
/// RST_STREAM(REFUSED_STREAM) (§5.1.2), which a client may retry.
inline constexpr std::uint32_t default_max_concurrent_streams = 100;

/// The peer's SETTINGS_MAX_CONCURRENT_STREAMS we assume until its first
/// SETTINGS frame arrives. The RFC's initial value is "unlimited" (§6.5.2),
/// but a client that opens thousands of streams in the first round trip
/// gets them refused (§5.1.2), or its connection closed as a flood, by a
/// server that allows 100; nghttp2 (peer_max_concurrent_streams) and grpc-go
/// (defaultMaxStreamsClient) assume 100. The peer's first SETTINGS replaces
/// it: with the value it names, or unlimited when it names none (as both do).
inline constexpr std::uint32_t default_initial_peer_max_concurrent_streams = 100;

/// SETTINGS_MAX_HEADER_LIST_SIZE we advertise and enforce (name + value + 32
/// per field, §6.5.2): the HPACK decoder's own limit (hpack/limits.hpp, 16 KiB,
/// gRPC C++'s hard limit), so the two layers cannot disagree. A larger list is
/// a stream error (ENHANCE_YOUR_CALM, which gRPC maps to RESOURCE_EXHAUSTED).
using hpack::default_max_header_list_size;

/// Octets of one field block (HEADERS + CONTINUATION fragments) buffered before
/// END_HEADERS. Bounded by the header list size: a block is buffered whole
/// before HPACK decodes it, and a compressed block larger than the decoded
/// list we accept cannot be a list we accept. Above it the block is not
/// decoded, which is a COMPRESSION_ERROR (§4.3). CVE-2024-27316 and siblings.
/// 0 means "the max header list size we advertise".
inline constexpr std::uint32_t default_max_header_block_size = 0;

/// CONTINUATION frames per field block. nghttp2 allows 8 since 1.61
/// (CVE-2024-28182): empty CONTINUATION frames cost nothing to send and
/// escape a byte limit. Above it: GOAWAY(ENHANCE_YOUR_CALM).
inline constexpr std::uint32_t default_max_continuation_frames = 8;

/// Streams the peer may make us reset (its RST_STREAMs on open streams, and
/// our stream errors caused by its frames), as a token bucket: a burst of 1000,
/// refilled at 33 per second — nghttp2's answer to the rapid reset attack
/// (CVE-2023-44487). Past it: GOAWAY(ENHANCE_YOUR_CALM).
inline constexpr std::uint32_t default_reset_burst = 1000;
inline constexpr std::uint32_t default_reset_rate_per_second = 33;

/// Frames we must send in answer to the peer's (SETTINGS ACK, PING ACK,
/// RST_STREAM) that may sit unwritten in the output. A peer that floods PINGs
/// or SETTINGS and never reads would otherwise grow our output without bound
/// (CVE-2019-9512, CVE-2019-9515). 1000 as nghttp2. Past it: the connection is
/// closed with ENHANCE_YOUR_CALM.
inline constexpr std::uint32_t default_max_queued_control_frames = 1000;

/// Consecutive frames that carry nothing: DATA without payload or END_STREAM,
/// HEADERS/CONTINUATION with an empty fragment and no END_HEADERS. Legitimate
/// peers send a few; a flood costs us a frame's processing each
/// (CVE-2019-9518). 100 as hyperium/h2. Reset by any frame with content.
inline constexpr std::uint32_t default_max_empty_frames = 100;

/// Entries in one SETTINGS frame; six settings exist, and repeating them only
/// costs the receiver (§10.5). 32 as nghttp2.
inline constexpr std::uint32_t default_max_settings_entries = 32;

/// Control frames that do not carry application data or answer ours —
/// SETTINGS, PING, PRIORITY, WINDOW_UPDATE for a window we did not use since
/// the last one, unknown frame types — as a token bucket: a burst of 10,000
/// and 1,000 per second. Each costs us processing and some an answer (§10.5).
inline constexpr std::uint32_t default_control_frame_burst = 10000;
inline constexpr std::uint32_t default_control_frame_rate_per_second = 1000;

/// Recently closed streams remembered, to tell the frames still in flight on
/// a stream we reset (ignored, §5.1) from frames on a closed stream (an error).
inline constexpr std::size_t default_closed_streams_remembered = 128;

/// Time the peer has to acknowledge our SETTINGS before SETTINGS_TIMEOUT
/// (§6.5.3). Generous, as the RFC asks ("allowance needs to be made for
/// processing delays"); zero disables the timer.
inline constexpr std::chrono::nanoseconds default_settings_timeout = std::chrono::seconds(10);

/// How long a graceful shutdown waits for the PING that follows its first
/// GOAWAY (2^31-1) to be acknowledged before it sends the final GOAWAY anyway.
/// The PING measures one round trip, so that streams the peer opened before
/// it saw the first GOAWAY are counted in; a peer that has nothing left to do
/// may never answer (nghttp2 stops writing once it is closing).
inline constexpr std::chrono::nanoseconds default_graceful_shutdown_timeout =
    std::chrono::seconds(5);

/// Octets of DATA the connection accepts into its output while earlier output
/// is unwritten. A peer that grants large windows but does not read its
/// socket would otherwise make us buffer without bound (§10.5: "withhold
/// credit at the TCP layer"). send_data() accepts less, and the caller is told
/// when to resume.
inline constexpr std::size_t default_max_output_buffered = std::size_t{1} << 20;

struct connection_limits {
    std::uint32_t max_header_block_size = default_max_header_block_size;
    std::uint32_t max_continuation_frames = default_max_continuation_frames;
    std::uint32_t reset_burst = default_reset_burst;
    std::uint32_t reset_rate_per_second = default_reset_rate_per_second;
    std::uint32_t max_queued_control_frames = default_max_queued_control_frames;
    std::uint32_t max_empty_frames = default_max_empty_frames;
    std::uint32_t max_settings_entries = default_max_settings_entries;
    std::uint32_t control_frame_burst = default_control_frame_burst;
    std::uint32_t control_frame_rate_per_second = default_control_frame_rate_per_second;
    std::size_t closed_streams_remembered = default_closed_streams_remembered;
    std::chrono::nanoseconds settings_timeout = default_settings_timeout;
    std::chrono::nanoseconds graceful_shutdown_timeout = default_graceful_shutdown_timeout;
    std::size_t max_output_buffered = default_max_output_buffered;
};

}  // namespace h2pb::h2
