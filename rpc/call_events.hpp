// h2pb::rpc — what a call state machine (server_call.hpp, client_call.hpp)
// reports: call events for the application and actions for the driver.
//
// Every input method of a call takes a handler and calls it synchronously,
// zero or more times, with one of the structs below (as h2::connection
// does): a generic lambda or a struct with one overload per type.
//
//   call.on_data(ev.data, ev.end_stream, [&](const auto& e) {
//       using E = std::decay_t<decltype(e)>;
//       if constexpr (std::is_same_v<E, rpc::send_headers>) conn.submit_headers(id, e.fields,
//       e.end_stream); else if constexpr (std::is_same_v<E, rpc::send_data>) conn.send_data(id,
//       e.bytes, e.end_stream); else if constexpr (std::is_same_v<E, rpc::send_reset>)
//       conn.reset_stream(id, e.code); else if constexpr (std::is_same_v<E, rpc::message_received>)
//       app.on_message(e.bytes);
//       ...
//   });
//
// Views in events (fields, bytes) are valid only during the handler call:
// copy what must outlive it (h2's submit functions copy or queue what they
// are given, see h2/output_queue.hpp for its borrowing rules).
#pragma once

#include <span>

#include <h2pb/h2/error_code.hpp>
#include <h2pb/hpack/field.hpp>
#include <h2pb/rpc/call_head.hpp>
#include <h2pb/rpc/message_codec.hpp>
#include <h2pb/rpc/status.hpp>
#include <h2pb/wire/bytes.hpp>

namespace h2pb::rpc {

// ---- actions: what the driver must send on the stream

/// Send a header section (HEADERS + CONTINUATION), with END_STREAM or not.
struct send_headers {
    std::span<const hpack::field> fields;
    bool end_stream = false;
};
/// Send DATA: framed messages, or nothing but END_STREAM (client half-close).
struct send_data {
    wire::bytes_view bytes;
    bool end_stream = false;
};
/// Send RST_STREAM with this code.
struct send_reset {
    h2::error_code code = h2::error_code::cancel;
};

// ---- events: what the application learns

/// Server: the request headers were accepted. `head` may be moved from.
struct request_accepted {
    request_head& head;
};
/// Server: the request was refused (its answer has been sent: a send_headers
/// action with END_STREAM came just before). The call is over.
struct request_rejected {
    const rejection& why;
};
/// Client: the response headers arrived (initial metadata).
struct headers_received {
    const response_head& head;
};
/// One message, decompressed. Valid during the handler call only.
struct message_received {
    wire::bytes_view bytes;
    /// The message's Compressed-Flag was 1 (it came compressed and `bytes`
    /// are the inflated message): interop's server_compressed_* cases check it.
    bool compressed = false;
};
/// The peer will send no more messages (server: the client half-closed).
struct half_closed {};
/// The call is over with this status: the client's final status (from the
/// trailers, a reset, the deadline, a protocol error), or on the server why
/// it ended other than by finish() (peer reset, deadline, bad input).
/// `retryable`: the peer did not process the call (REFUSED_STREAM,
/// PROTOCOL-HTTP2.md "Errors"), so a client may transparently retry it.
struct call_ended {
    const status& st;
    bool retryable = false;
};

/// Limits of one call; every one a setting with a safe default.
struct call_settings {
    /// Largest message received (prefix and inflated size): 4 MiB, grpc's default.
    std::uint32_t max_receive_message_size = default_max_message_size;
    /// Largest message sent (on the wire): grpc-go's default, 2^31-1.
    std::uint32_t max_send_message_size = default_max_send_message_size;
    /// Largest header list received: 8 KiB, grpc C++'s default.
    std::size_t max_metadata_size = default_max_metadata_size;
};

}  // namespace h2pb::rpc
