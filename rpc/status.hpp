// h2pb::rpc — gRPC status codes (statuscodes.md) and the status of a call.
//
// Every gRPC call ends with a status: a code, a message for people, and
// optionally details for programs (google.rpc.Status, serialized). On the
// wire they are the trailers
//
//   grpc-status: 5                      decimal code (the only required one)
//   grpc-message: no%20such%20report    percent-encoded UTF-8 (metadata.hpp)
//   grpc-status-details-bin: CAUS...    base64 of google.rpc.Status bytes
//
// A client that gets no grpc-status (a proxy answered, the stream was reset)
// still ends the call with a status: from the HTTP status
// (http-grpc-status-mapping.md) or from the RST_STREAM code
// (PROTOCOL-HTTP2.md, "Errors"). Both mappings are here.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <h2pb/h2/error_code.hpp>

namespace h2pb::rpc {

/// The 17 codes of statuscodes.md, with their numbers on the wire.
enum class status_code : std::uint8_t {
    ok = 0,
    cancelled = 1,
    unknown = 2,
    invalid_argument = 3,
    deadline_exceeded = 4,
    not_found = 5,
    already_exists = 6,
    permission_denied = 7,
    resource_exhausted = 8,
    failed_precondition = 9,
    aborted = 10,
    out_of_range = 11,
    unimplemented = 12,
    internal = 13,
    unavailable = 14,
    data_loss = 15,
    unauthenticated = 16,
};

/// Codes 0..16: anything above is not a gRPC code.
inline constexpr int status_code_count = 17;

/// The spec's name of a code: "OK", "CANCELLED", ... "UNAUTHENTICATED".
constexpr std::string_view name(status_code c) noexcept {
    constexpr std::array<std::string_view, status_code_count> names = {
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    };
    const auto i = static_cast<std::size_t>(c);
    return i < names.size() ? names[i] : std::string_view("UNKNOWN");
}

/// A code from its number; a number outside 0..16 is UNKNOWN (statuscodes.md:
/// "unknown error codes are mapped to UNKNOWN"; grpc C++ and grpc-go do so).
constexpr status_code code_from_int(long long n) noexcept {
    if (n < 0 || n >= status_code_count) return status_code::unknown;
    return static_cast<status_code>(n);
}

/// A code from its name ("NOT_FOUND"); an unknown name is UNKNOWN.
constexpr status_code code_from_name(std::string_view s) noexcept {
    for (int i = 0; i < status_code_count; ++i) {
        if (name(static_cast<status_code>(i)) == s) return static_cast<status_code>(i);
    }
    return status_code::unknown;
}

/// The value of a grpc-status field: decimal digits only. Anything else (a
/// sign, spaces, an empty value, more than 10 digits) is UNKNOWN, like an
/// unknown number. grpc C++ does this (a grpc-status that is not an integer
/// is GRPC_STATUS_UNKNOWN); grpc-go ends such a call INTERNAL instead.
constexpr status_code parse_status_field(std::string_view v) noexcept {
    if (v.empty() || v.size() > 10) return status_code::unknown;
    long long n = 0;
    for (const char ch : v) {
        if (ch < '0' || ch > '9') return status_code::unknown;
        n = n * 10 + (ch - '0');
    }
    return code_from_int(n);
}

/// The decimal text of a code, for the grpc-status field ("0" .. "16").
constexpr std::string_view status_field(status_code c) noexcept {
    constexpr std::array<std::string_view, status_code_count> text = {
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
    };
    const auto i = static_cast<std::size_t>(c);
    return i < text.size() ? text[i] : std::string_view("2");
}

/// http-grpc-status-mapping.md: the code of a response without grpc-status,
/// from its HTTP status. Only for clients; 200 is UNKNOWN because a real OK
/// has a grpc-status.
constexpr status_code code_from_http_status(unsigned http_status) noexcept {
    switch (http_status) {
        case 400:
            return status_code::internal;
        case 401:
            return status_code::unauthenticated;
        case 403:
            return status_code::permission_denied;
        case 404:
            return status_code::unimplemented;
        case 429:
        case 502:
        case 503:
        case 504:
            return status_code::unavailable;
        default:
            return status_code::unknown;
    }
}

/// PROTOCOL-HTTP2.md "Errors": the status of a call whose stream the peer
/// reset with `code` (RST_STREAM, or a GOAWAY that did not include it).
/// CANCEL is CANCELLED, REFUSED_STREAM is UNAVAILABLE (and the call may be
/// retried: the peer did not process it), ENHANCE_YOUR_CALM is
/// RESOURCE_EXHAUSTED and INADEQUATE_SECURITY PERMISSION_DENIED as the table
/// says; every other code is INTERNAL. grpc-go's http2ErrConvTab is the same
/// table except that it also maps FLOW_CONTROL_ERROR to RESOURCE_EXHAUSTED;
/// we follow the spec's table (grpc C++ does too).
constexpr status_code code_from_rst_stream(h2::error_code code) noexcept {
    switch (code) {
        case h2::error_code::cancel:
            return status_code::cancelled;
        case h2::error_code::refused_stream:
            return status_code::unavailable;
        case h2::error_code::enhance_your_calm:
            return status_code::resource_exhausted;
        case h2::error_code::inadequate_security:
            return status_code::permission_denied;
        default:
            return status_code::internal;
    }
}

/// The status a call ends with.
struct status {
    status_code code = status_code::ok;
    std::string message;  ///< UTF-8, for people (grpc-message, decoded)
    std::string details;  ///< serialized google.rpc.Status (grpc-status-details-bin, decoded)

    status() = default;
    status(status_code c, std::string msg = {},
           std::string det = {})  // NOLINT: implicit on purpose
        : code(c), message(std::move(msg)), details(std::move(det)) {}

    bool ok() const noexcept { return code == status_code::ok; }
    explicit operator bool() const noexcept { return ok(); }

    /// "NOT_FOUND: no such report", or "OK".
    std::string to_string() const {
        std::string s(name(code));
        if (!message.empty()) {
            s += ": ";
            s += message;
        }
        return s;
    }

    friend bool operator==(const status&, const status&) = default;
};

}  // namespace h2pb::rpc

namespace h2pb::rpc {

/// A value or the status that says why there is none: what a unary or
/// client-streaming handler returns (`co_return report;` or
/// `co_return rpc::status{status_code::not_found, "no such report"};`).
template <class T>
class [[nodiscard]] result {
  public:
    result(T v) : value_(std::move(v)) {}  // NOLINT(google-explicit-constructor)
    /// An error. An OK status without a value is a bug of the caller: it
    /// becomes INTERNAL rather than a response nobody built.
    result(rpc::status s)
        : status_(std::move(s)), has_value_(false) {  // NOLINT(google-explicit-constructor)
        if (status_.ok())
            status_ = rpc::status{status_code::internal, "OK status without a response"};
    }
    result(status_code c) : result(rpc::status{c}) {}  // NOLINT(google-explicit-constructor)

    bool ok() const noexcept { return has_value_; }
    explicit operator bool() const noexcept { return has_value_; }
    T& value() & noexcept { return value_; }
    const T& value() const& noexcept { return value_; }
    T&& value() && noexcept { return std::move(value_); }
    T& operator*() & noexcept { return value_; }
    const T& operator*() const& noexcept { return value_; }
    T* operator->() noexcept { return &value_; }
    const T* operator->() const noexcept { return &value_; }
    /// OK with a value, the error otherwise.
    const rpc::status& status() const noexcept { return status_; }

  private:
    T value_{};
    rpc::status status_{};
    bool has_value_ = true;
};

}  // namespace h2pb::rpc
