// h2pb::rpc — the header sections of a gRPC call (PROTOCOL-HTTP2.md):
// parsing and building Request-Headers, Response-Headers, Trailers and
// Trailers-Only. Sans-IO: fields in, fields out; time is a value.
//
// SERVER
//
//   rpc::request_head head;
//   if (auto rej = rpc::parse_request(ev.fields, head, registry)) {
//       // rejected: send rej's fields as one HEADERS frame with END_STREAM
//       rpc::build_rejection(*rej, registry.accept_encoding(), fields, storage);
//   } else {
//       head.service(), head.method(), head.timeout, head.md, head.decompressor ...
//       rpc::build_response_headers(fields, storage, "", registry.accept_encoding(), &initial_md);
//       ... messages ...
//       rpc::build_trailers(fields, storage, rpc::status{}, &trailing_md);
//   }
//   // an error before any response header: one section with END_STREAM
//   rpc::build_trailers_only(fields, storage, {status_code::not_found, "no such report"});
//
// CLIENT
//
//   rpc::request_options opt{.path = "/pkg.Svc/Get", .authority = "example.com"};
//   opt.deadline = now + 2s;  opt.now = now;  opt.md = &md;
//   rpc::build_request_headers(opt, fields, storage);
//   // response headers without END_STREAM:
//   rpc::response_head rh;
//   if (rpc::status s = rpc::parse_response_headers(ev.fields, rh); !s.ok()) fail(s);
//   // the trailers (or a Trailers-Only section, same function with rh):
//   rpc::metadata trailing;
//   rpc::status final = rpc::parse_trailers(ev.fields, trailing);
//   rpc::status final = rpc::parse_trailers_only(ev.fields, rh, trailing);
//
// Builders replace the contents of a caller-owned std::vector<hpack::field>
// and std::string: the fields point at static text, at the caller's
// arguments (which must outlive the fields) and into `storage` for what had
// to be encoded (grpc-timeout, percent-encoded grpc-message, base64). Both
// are reused: once they have grown, steady state allocates nothing.
//
// Server rejections, where the spec is silent, follow grpc-go (its
// http2_server.go operateHeaders and writeEarlyAbort):
//   :method not POST              -> HTTP 405, allow: POST. (grpc-go resets the
//                                    stream; 405 is what HTTP says, RFC 9110 §15.5.6)
//   content-type not application/grpc[+x|;x]
//                                 -> HTTP 415 (PROTOCOL-HTTP2.md), with
//                                    grpc-status INTERNAL like grpc-go
//   :path not "/Service/Method"   -> UNIMPLEMENTED ("malformed method name", grpc-go)
//   header list > 8 KiB           -> RESOURCE_EXHAUSTED (grpc C++'s limit)
//   grpc-timeout malformed        -> INTERNAL ("malformed grpc-timeout", grpc-go)
//   -bin value not base64         -> INTERNAL (grpc-go)
//   grpc-encoding not supported   -> UNIMPLEMENTED + grpc-accept-encoding (compression.md)
//   te missing                    -> accepted, as grpc-go does (grpc C++ rejects
//                                    it); a te other than "trailers" never
//                                    gets here: h2 rejects it (RFC 9113 §8.2.2)
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <h2pb/hpack/field.hpp>
#include <h2pb/rpc/base64.hpp>
#include <h2pb/rpc/compression.hpp>
#include <h2pb/rpc/grpc_web.hpp>
#include <h2pb/rpc/metadata.hpp>
#include <h2pb/rpc/percent.hpp>
#include <h2pb/rpc/status.hpp>
#include <h2pb/rpc/timeout.hpp>

namespace h2pb::rpc {

/// The clock of deadlines: the same type as h2::time_point (h2/connection.hpp
/// defines it as std::chrono::steady_clock::time_point too); repeated here so
/// that this header does not pull in the whole connection.
using time_point = std::chrono::steady_clock::time_point;

/// What we call ourselves in user-agent (grpc C++ sends "grpc-c++/1.x ...").
inline constexpr std::string_view default_user_agent = "grpc-c++-h2pb/0.2";

/// The content-type we send.
inline constexpr std::string_view grpc_content_type = "application/grpc";

/// "application/grpc", "application/grpc+proto", "application/grpc;x=y":
/// the test of grpc-go's validContentType (prefix then end, '+' or ';').
constexpr bool is_grpc_content_type(std::string_view v) noexcept {
    if (!v.starts_with(grpc_content_type)) return false;
    if (v.size() == grpc_content_type.size()) return true;
    const char next = v[grpc_content_type.size()];
    return next == '+' || next == ';';
}

/// True when the comma-separated list `list` (grpc-accept-encoding) names
/// `token` (spaces around items ignored).
constexpr bool list_contains(std::string_view list, std::string_view token) noexcept {
    while (true) {
        const std::size_t comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item == token) return true;
        if (comma == std::string_view::npos) return false;
        list.remove_prefix(comma + 1);
    }
}

/// grpc-encoding values that mean "not compressed".
constexpr bool is_identity(std::string_view encoding) noexcept {
    return encoding.empty() || encoding == "identity";
}

// ---------------------------------------------------------------- server side

/// An accepted request's Call-Definition and custom metadata.
struct request_head {
    std::string path;                                 ///< "/pkg.Service/Method"
    std::string authority;                            ///< :authority (may be empty)
    std::string scheme;                               ///< :scheme
    std::string content_type;                         ///< "application/grpc[...]"
    std::optional<std::chrono::nanoseconds> timeout;  ///< grpc-timeout; none: infinite
    std::string encoding;                             ///< grpc-encoding as sent ("" when absent)
    std::string accept_encoding;  ///< grpc-accept-encoding as sent ("" when absent)
    std::string user_agent;
    metadata md;  ///< custom metadata (reserved fields excluded, -bin decoded)
    /// The decompressor for `encoding`, from the registry; null for identity.
    std::unique_ptr<codec> decompressor;

    /// Back to empty, keeping the strings' memory: a server that reuses one
    /// request_head per call parses without allocating once it has grown.
    void clear() noexcept {
        path.clear();
        authority.clear();
        scheme.clear();
        content_type.clear();
        timeout.reset();
        encoding.clear();
        accept_encoding.clear();
        user_agent.clear();
        md.clear();
        decompressor.reset();
    }

    /// "pkg.Service" and "Method": the path split at its last '/'.
    std::string_view service() const noexcept {
        const std::string_view p(path);
        const std::size_t slash = p.rfind('/');
        return slash == std::string_view::npos || slash == 0 ? std::string_view{}
                                                             : p.substr(1, slash - 1);
    }
    std::string_view method() const noexcept {
        const std::string_view p(path);
        const std::size_t slash = p.rfind('/');
        return slash == std::string_view::npos ? std::string_view{} : p.substr(slash + 1);
    }
    /// Does the client accept `encoding` for our responses?
    bool accepts(std::string_view enc) const noexcept {
        return is_identity(enc) || list_contains(accept_encoding, enc);
    }
};

/// Why a request was refused, and how to say so.
struct rejection {
    /// 200: a gRPC error, sent as Trailers-Only; otherwise the HTTP status
    /// (405, 415) of a response that a non-gRPC client understands too.
    unsigned http_status = 200;
    status st;  ///< grpc-status / grpc-message to send
    /// compression.md: an UNIMPLEMENTED for an unsupported grpc-encoding
    /// carries the grpc-accept-encoding we support.
    bool with_accept_encoding = false;
};

/// Limits of header parsing.
struct head_limits {
    /// Largest header list (fields' name + value + 32): RESOURCE_EXHAUSTED above.
    std::size_t max_metadata_size = default_max_metadata_size;
    /// Accept the gRPC-Web content-types too (application/grpc-web[-text][+proto],
    /// rpc/grpc_web.hpp): the server that sets it frames the body itself.
    bool accept_grpc_web = false;
};

/// Parses a request header section (already valid HTTP/2, h2/field_validation)
/// into `out`. Returns nullopt when the call may proceed, or the rejection.
/// `registry` makes the decompressor for grpc-encoding.
inline std::optional<rejection> parse_request(std::span<const hpack::field> fields,
                                              request_head& out, const codec_registry& registry,
                                              head_limits limits = {}) {
    std::string_view method, path, content_type, timeout, encoding;
    bool have_timeout = false;
    for (const auto& f : fields) {
        const std::string_view n = f.name;
        if (n == ":method")
            method = f.value;
        else if (n == ":path")
            path = f.value;
        else if (n == ":authority")
            out.authority = f.value;
        else if (n == ":scheme")
            out.scheme = f.value;
        else if (n == "content-type")
            content_type = f.value;
        else if (n == "grpc-timeout")
            timeout = f.value, have_timeout = true;
        else if (n == "grpc-encoding")
            encoding = f.value;
        else if (n == "grpc-accept-encoding") {
            // Repeated fields are one list (RFC 9110 §5.3).
            if (!out.accept_encoding.empty()) out.accept_encoding += ',';
            out.accept_encoding += f.value;
        } else if (n == "user-agent")
            out.user_agent = f.value;
    }
    if (method != "POST") {
        return rejection{405,
                         {status_code::unimplemented,
                          "method \"" + std::string(method) + "\" not allowed: gRPC uses POST"}};
    }
    const web::content_kind web_kind = web::classify(content_type);
    const bool web_ok = limits.accept_grpc_web && (web_kind == web::content_kind::binary ||
                                                   web_kind == web::content_kind::text);
    if (!is_grpc_content_type(content_type) && !web_ok) {
        return rejection{415,
                         {status_code::internal, "invalid gRPC request content-type \"" +
                                                     std::string(content_type) + "\""}};
    }
    out.content_type = content_type;
    // "/" Service-Name "/" method name: both non-empty.
    const std::size_t slash = path.rfind('/');
    if (!path.starts_with('/') || slash == std::string_view::npos || slash <= 1 ||
        slash + 1 == path.size()) {
        return rejection{
            200,
            {status_code::unimplemented, "malformed method name: \"" + std::string(path) + "\""}};
    }
    out.path = path;
    if (status s = from_hpack(fields, out.md, limits.max_metadata_size); !s.ok())
        return rejection{200, std::move(s)};
    if (have_timeout) {
        out.timeout = parse_timeout(timeout);
        if (!out.timeout) {
            return rejection{200,
                             {status_code::internal,
                              "malformed grpc-timeout: \"" + std::string(timeout) + "\""}};
        }
    }
    out.encoding = encoding;
    if (!is_identity(encoding)) {
        out.decompressor = registry.make(encoding);
        if (!out.decompressor) {
            return rejection{200,
                             {status_code::unimplemented,
                              "grpc: Decompressor is not installed for grpc-encoding \"" +
                                  std::string(encoding) + "\""},
                             true};
        }
    }
    return std::nullopt;
}

namespace detail {
/// Appends `text` to storage (whose capacity was reserved) and returns its view.
inline std::string_view stash(std::string& storage, std::string_view text) {
    const std::size_t at = storage.size();
    storage.append(text);
    return std::string_view(storage).substr(at);
}

/// Storage the trailers of `st` need: grpc-message encoded, details base64.
inline std::size_t trailer_storage_size(const status& st, const metadata* md) noexcept {
    std::size_t n = percent_encoded_size(st.message) + base64_encoded_size(st.details.size());
    if (md != nullptr) n += hpack_storage_size(*md);
    return n;
}

/// Appends Trailers (Status [Status-Message] [details] *Custom-Metadata).
inline void append_trailers(std::vector<hpack::field>& fields, std::string& storage,
                            const status& st, const metadata* md) {
    fields.push_back({"grpc-status", status_field(st.code)});
    if (!st.message.empty()) {
        const std::size_t at = storage.size();
        percent_encode(st.message, storage);
        fields.push_back({"grpc-message", std::string_view(storage).substr(at)});
    }
    if (!st.details.empty()) {
        const std::size_t at = storage.size();
        base64_encode(st.details, storage);
        fields.push_back({"grpc-status-details-bin", std::string_view(storage).substr(at)});
    }
    if (md != nullptr) to_hpack(*md, fields, storage);
}
}  // namespace detail

/// Response-Headers: ":status 200", content-type, [grpc-encoding] (when
/// `encoding` is not identity), [grpc-accept-encoding], initial metadata.
inline void build_response_headers(std::vector<hpack::field>& fields, std::string& storage,
                                   std::string_view encoding = {},
                                   std::string_view accept_encoding = {},
                                   const metadata* md = nullptr) {
    fields.clear();
    storage.clear();
    if (md != nullptr) storage.reserve(hpack_storage_size(*md));
    fields.push_back({":status", "200"});
    fields.push_back({"content-type", grpc_content_type});
    if (!is_identity(encoding)) fields.push_back({"grpc-encoding", encoding});
    if (!accept_encoding.empty()) fields.push_back({"grpc-accept-encoding", accept_encoding});
    if (md != nullptr) to_hpack(*md, fields, storage);
}

/// Trailers: grpc-status, [grpc-message percent-encoded], [grpc-status-details-bin
/// base64 unpadded], trailing metadata. Sent with END_STREAM.
inline void build_trailers(std::vector<hpack::field>& fields, std::string& storage,
                           const status& st, const metadata* md = nullptr) {
    fields.clear();
    storage.clear();
    storage.reserve(detail::trailer_storage_size(st, md));
    detail::append_trailers(fields, storage, st, md);
}

/// Trailers-Only: ":status 200", content-type and the Trailers in one
/// section with END_STREAM, for a call that ends before any response
/// header. `accept_encoding`, when not empty, is sent too.
inline void build_trailers_only(std::vector<hpack::field>& fields, std::string& storage,
                                const status& st, const metadata* md = nullptr,
                                std::string_view accept_encoding = {}) {
    fields.clear();
    storage.clear();
    storage.reserve(detail::trailer_storage_size(st, md));
    fields.push_back({":status", "200"});
    fields.push_back({"content-type", grpc_content_type});
    if (!accept_encoding.empty()) fields.push_back({"grpc-accept-encoding", accept_encoding});
    detail::append_trailers(fields, storage, st, md);
}

/// The one header section (with END_STREAM) that answers a rejected request:
/// Trailers-Only for a gRPC rejection; for 405 and 415 the HTTP status, allow
/// (405), and grpc-status / grpc-message as grpc-go's writeEarlyAbort sends
/// them so that a gRPC client learns why too.
inline void build_rejection(const rejection& r, std::string_view accept_encoding,
                            std::vector<hpack::field>& fields, std::string& storage) {
    build_trailers_only(fields, storage, r.st, nullptr,
                        r.with_accept_encoding ? accept_encoding : std::string_view{});
    if (r.http_status == 405) {
        fields[0].value = "405";
        fields.insert(fields.begin() + 1, hpack::field{"allow", "POST"});
    } else if (r.http_status == 415) {
        fields[0].value = "415";
    }
}

// ---------------------------------------------------------------- client side

/// What a client request says besides its messages.
struct request_options {
    std::string_view path;       ///< "/pkg.Service/Method"
    std::string_view authority;  ///< :authority (host[:port])
    std::string_view scheme = "http";
    std::optional<time_point> deadline;  ///< none: no grpc-timeout (infinite)
    time_point now{};                    ///< to turn the deadline into a grpc-timeout
    std::string_view encoding;           ///< grpc-encoding of our messages; "" = identity
    std::string_view accept_encoding;    ///< grpc-accept-encoding; "" = not sent
    std::string_view user_agent = default_user_agent;
    const metadata* md = nullptr;  ///< custom metadata
};

/// The most fields build_request_headers() writes before the custom
/// metadata (:method, :scheme, :path, :authority, grpc-timeout,
/// content-type, te, grpc-encoding, grpc-accept-encoding, user-agent).
inline constexpr std::size_t max_request_call_fields = 10;

/// Request-Headers in the order PROTOCOL-HTTP2.md asks: pseudo-headers, then
/// grpc-timeout "immediately after the reserved headers", the rest of
/// Call-Definition, then custom metadata.
inline void build_request_headers(const request_options& o, std::vector<hpack::field>& fields,
                                  std::string& storage) {
    fields.clear();
    storage.clear();
    storage.reserve(max_timeout_digits + 1 + (o.md != nullptr ? hpack_storage_size(*o.md) : 0));
    // One allocation, not one per doubling: the fields below, then one per
    // metadata entry.
    fields.reserve(max_request_call_fields + (o.md != nullptr ? o.md->size() : 0));
    fields.push_back({":method", "POST"});
    fields.push_back({":scheme", o.scheme});
    fields.push_back({":path", o.path});
    if (!o.authority.empty()) fields.push_back({":authority", o.authority});
    if (o.deadline) {
        const timeout_text t = format_timeout(*o.deadline - o.now);
        fields.push_back({"grpc-timeout", detail::stash(storage, t.view())});
    }
    fields.push_back({"content-type", grpc_content_type});
    fields.push_back({"te", "trailers"});
    if (!is_identity(o.encoding)) fields.push_back({"grpc-encoding", o.encoding});
    if (!o.accept_encoding.empty()) fields.push_back({"grpc-accept-encoding", o.accept_encoding});
    if (!o.user_agent.empty()) fields.push_back({"user-agent", o.user_agent});
    if (o.md != nullptr) to_hpack(*o.md, fields, storage);
}

/// What the client learned from Response-Headers.
struct response_head {
    unsigned http_status = 0;
    std::string content_type;
    std::string encoding;         ///< grpc-encoding of the server's messages
    std::string accept_encoding;  ///< what the server can decompress
    metadata md;                  ///< initial metadata
};

namespace detail {
/// :status as a number, 0 when absent or not three digits.
inline unsigned http_status_of(std::span<const hpack::field> fields) noexcept {
    for (const auto& f : fields) {
        if (f.name != ":status") continue;
        if (f.value.size() != 3) return 0;
        unsigned n = 0;
        for (const char c : f.value) {
            if (c < '0' || c > '9') return 0;
            n = n * 10 + static_cast<unsigned>(c - '0');
        }
        return n;
    }
    return 0;
}

/// The status of a response that is not gRPC (grpc-go's operateHeaders): a
/// :status other than 200 maps through http-grpc-status-mapping.md (no
/// :status: INTERNAL); a 200 without a gRPC content-type is UNKNOWN.
inline status check_grpc_response(std::span<const hpack::field> fields, response_head& out) {
    out.http_status = http_status_of(fields);
    for (const auto& f : fields) {
        if (f.name == "content-type")
            out.content_type = f.value;
        else if (f.name == "grpc-encoding")
            out.encoding = f.value;
        else if (f.name == "grpc-accept-encoding")
            out.accept_encoding = f.value;
    }
    const bool grpc = is_grpc_content_type(out.content_type);
    if (out.http_status == 200 && grpc) return {};
    std::string msg;
    status_code code = status_code::unknown;
    if (out.http_status == 0) {
        code = status_code::internal;
        msg = "malformed header: missing HTTP status";
    } else if (out.http_status != 200) {
        code = code_from_http_status(out.http_status);
        msg =
            "unexpected HTTP status code received from server: " + std::to_string(out.http_status);
    }
    if (!grpc) {
        if (!msg.empty()) msg += "; ";
        msg += "received unexpected content-type \"" + out.content_type + "\"";
    }
    return {code, std::move(msg)};
}
}  // namespace detail

/// Client: Response-Headers (a section without END_STREAM). OK to go on
/// reading messages, or the status that ends the call (not gRPC, metadata
/// too large or malformed).
inline status parse_response_headers(std::span<const hpack::field> fields, response_head& out,
                                     head_limits limits = {}) {
    if (status s = detail::check_grpc_response(fields, out); !s.ok()) return s;
    return from_hpack(fields, out.md, limits.max_metadata_size);
}

/// Client: Trailers. Returns the call's status: grpc-status (missing:
/// UNKNOWN, as grpc C++), grpc-message percent-decoded, grpc-status-details-bin
/// base64-decoded (malformed: INTERNAL, as grpc-go); trailing metadata into `md`.
inline status parse_trailers(std::span<const hpack::field> fields, metadata& md,
                             head_limits limits = {}) {
    if (status s = from_hpack(fields, md, limits.max_metadata_size); !s.ok()) return s;
    std::optional<std::string_view> code, message, details;
    for (const auto& f : fields) {
        if (f.name == "grpc-status")
            code = f.value;
        else if (f.name == "grpc-message")
            message = f.value;
        else if (f.name == "grpc-status-details-bin")
            details = f.value;
    }
    if (!code) return {status_code::unknown, "missing grpc-status in trailers"};
    status st{parse_status_field(*code)};
    if (message) percent_decode(*message, st.message);
    if (details) {
        if (const auto e = base64_decode(*details, st.details); e != base64_errc::ok) {
            return {status_code::internal,
                    "malformed grpc-status-details-bin: " + std::string(describe(e))};
        }
    }
    return st;
}

/// Client: a response header section that came with END_STREAM: Trailers-
/// Only (or a non-gRPC error response). Its metadata is trailing metadata.
inline status parse_trailers_only(std::span<const hpack::field> fields, response_head& head,
                                  metadata& trailing, head_limits limits = {}) {
    if (status s = detail::check_grpc_response(fields, head); !s.ok()) return s;
    return parse_trailers(fields, trailing, limits);
}

}  // namespace h2pb::rpc
