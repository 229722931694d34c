// h2pb::h2::asio — why a request or response did not complete.
//
// The application sees the peer's RST_STREAM and GOAWAY, our own stream and
// connection errors, and the loss of the transport as one value: what kind,
// the HTTP/2 error code (RFC 9113 §7) where there is one, and whether the
// request may be retried on another connection (§8.7: REFUSED_STREAM, or a
// stream above the last stream id of a GOAWAY, was not processed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <h2pb/h2/error_code.hpp>
#include <h2pb/wire/result.hpp>

namespace h2pb::h2::asio {

enum class stream_errc : std::uint8_t {
    ok = 0,
    reset_by_peer,  ///< the peer sent RST_STREAM (code)
    reset_locally,  ///< we reset the stream: the peer broke a rule, or the application cancelled
    goaway,         ///< the peer's GOAWAY ended the stream (code; retryable if above its last id)
    connection_error,   ///< the HTTP/2 connection failed (code); GOAWAY was sent or received
    connection_closed,  ///< the transport closed or failed before the stream completed
    cannot_send,        ///< the connection refused to open or write the stream (see message)
    body_too_large,     ///< read_all(): the body exceeds the given limit
    timeout,            ///< a deadline passed
};

constexpr std::string_view describe(stream_errc e) noexcept {
    switch (e) {
        case stream_errc::ok:
            return "ok";
        case stream_errc::reset_by_peer:
            return "stream reset by the peer (RST_STREAM)";
        case stream_errc::reset_locally:
            return "stream reset by us";
        case stream_errc::goaway:
            return "the peer sent GOAWAY";
        case stream_errc::connection_error:
            return "HTTP/2 connection error";
        case stream_errc::connection_closed:
            return "connection closed";
        case stream_errc::cannot_send:
            return "cannot send on the connection";
        case stream_errc::body_too_large:
            return "body larger than the limit";
        case stream_errc::timeout:
            return "timed out";
    }
    return "unknown";
}

struct stream_error {
    stream_errc kind = stream_errc::ok;
    error_code code = error_code::no_error;  ///< the RFC 9113 code, where one applies
    bool retryable = false;                  ///< not processed by the peer (§8.7)
    std::string message;  ///< detail: GOAWAY debug data, OpenSSL or socket error...

    explicit operator bool() const noexcept { return kind != stream_errc::ok; }

    /// "stream reset by the peer (RST_STREAM): CANCEL" and so on.
    std::string to_string() const {
        std::string s(describe(kind));
        if (kind == stream_errc::reset_by_peer || kind == stream_errc::reset_locally ||
            kind == stream_errc::goaway || kind == stream_errc::connection_error) {
            s += ": ";
            s += name(code);
        }
        if (!message.empty()) {
            s += " (";
            s += message;
            s += ')';
        }
        if (retryable) s += " [retryable]";
        return s;
    }
};

template <class T>
using stream_result = wire::result<T, stream_error>;

}  // namespace h2pb::h2::asio
