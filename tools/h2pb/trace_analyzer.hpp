// h2pb trace — the sans-IO half of the proxy: two byte streams of one HTTP/2
// connection (client->server, server->client) go in, in whatever pieces the
// network delivers them; annotated events come out, one per frame, with the
// rules of RFC 9113, RFC 7541 and gRPC's PROTOCOL-HTTP2.md that the bytes
// break flagged on the frame that breaks them. Nothing here reads a socket:
// cmd_trace.cpp forwards the bytes and hands each piece here after it.
//
// Each direction is decoded by its own frames_decoder (frames_decoder.hpp:
// the real frame parser and the real HPACK decoder; RFC 7541 §2.2 gives each
// direction its own dynamic table). On top of it this file tracks what a
// single frame cannot tell:
//   * the receiver's SETTINGS_MAX_FRAME_SIZE (RFC 9113 §4.2) and
//     SETTINGS_INITIAL_WINDOW_SIZE (§6.9.2), learned from the SETTINGS frames
//     of the other direction;
//   * both flow-control windows of each sender, connection and per stream
//     (§6.9.1), from WINDOW_UPDATE frames of the other direction;
//   * gRPC calls: the request's :path, content-type and grpc-timeout, the
//     5-octet Length-Prefixed-Message framing of each DATA stream, and how
//     the call ends (trailers with grpc-status, or RST_STREAM without);
//   * gRPC-Web calls (PROTOCOL-WEB.md; content-type application/grpc-web or
//     application/grpc-web-text, rpc::web::classify): the same messages, the
//     -text body base64-decoded first, and the status carried as the body's
//     last frame, flag 0x80, whose "name: value\r\n" lines are listed.
//
// Time is an argument too: the caller passes the clock's reading with each
// piece of bytes (and the connection's start), and each event carries the
// time since the start, as nghttp -v prints "[  0.003]".
//
// The proxy sees every frame before the peer it is addressed to does, so the
// windows here are never smaller than the sender's own view: a flagged
// "DATA exceeds window" is a real violation, not a race.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <h2pb/h2/frame.hpp>
#include <h2pb/h2/frame_reader.hpp>
#include <h2pb/h2/frame_writer.hpp>
#include <h2pb/h2/settings.hpp>
#include <h2pb/proto_codec/field_reader.hpp>
#include <h2pb/rpc/grpc_web.hpp>
#include <h2pb/rpc/percent.hpp>
#include <h2pb/rpc/status.hpp>
#include <h2pb/rpc/timeout.hpp>

#include "explain.hpp"
#include "frames_decoder.hpp"
#include "schema.hpp"

namespace h2pb::cli {

/// The largest gRPC message the analyzer keeps whole to explain its protobuf
/// fields. Longer messages are still framed and counted (their prefix and
/// length are shown), only their fields are not explained: the proxy must
/// not hold an unbounded amount of memory per stream. Setting:
/// trace_options::max_explained_message.
inline constexpr std::size_t default_max_explained_message = 4u << 20;

/// How many streams the analyzer remembers per connection (windows, gRPC
/// framing). A stream is forgotten when it is closed in both directions or
/// reset; a peer that opens more than this without closing them gets a
/// violation note and the oldest entries are dropped. Setting:
/// trace_options::max_tracked_streams.
inline constexpr std::size_t default_max_tracked_streams = 10000;

struct trace_options {
    /// The schema: a gRPC call's :path ("/pkg.Service/Method") names a method
    /// of it, whose input and output types explain the messages of the call.
    /// null: fields shown schema-free.
    const proto::descriptor_pool* types = nullptr;
    std::size_t max_explained_message = default_max_explained_message;
    std::size_t max_tracked_streams = default_max_tracked_streams;
    /// Octets of a DATA payload shown in hex ("data:"), and of a bytes field's
    /// value; 0: all (--data-octets). The fields of a decoded gRPC message
    /// are all shown whatever this is: the message is decoded from all its
    /// octets, only long bytes values are cut.
    std::size_t data_octets = default_data_octets;
    bool timestamps = true;  ///< events carry their time (--no-time: false)
};

/// The clock whose readings the caller passes (cmd_trace.cpp: steady_clock,
/// which never jumps; only differences are shown).
using trace_clock = std::chrono::steady_clock;

enum class trace_direction : std::uint8_t { client_to_server = 0, server_to_client = 1 };

constexpr std::string_view name(trace_direction d) noexcept {
    return d == trace_direction::client_to_server ? "client->server" : "server->client";
}

/// One "name: value" line of a gRPC-Web trailer frame, with what it means:
/// grpc-status's code name, grpc-message percent-decoded.
struct web_trailer_line {
    std::string name, value, meaning;
};

/// A gRPC message prefix or a whole message seen in one DATA frame; for
/// gRPC-Web, also the trailer frame (flag 0x80) and its prefix.
struct grpc_event {
    bool prefix = false;    ///< true: the 5-octet prefix completed in this frame
    bool trailer = false;   ///< gRPC-Web: the trailer frame (flag MSB set), not a message
    std::uint8_t flag = 0;  ///< the prefix's first octet
    bool compressed = false;
    std::uint32_t length = 0;
    std::string type;                        ///< protobuf type, when the method is known
    std::vector<node> fields;                ///< explained fields (whole, uncompressed messages)
    std::string note;                        ///< why the fields are not shown, or a decode error
    std::vector<web_trailer_line> trailers;  ///< trailer == true && !prefix
};

/// One event: the client preface or one frame, with what it means.
struct trace_event {
    trace_direction dir{};
    std::size_t offset = 0;  ///< in this direction's byte stream
    bool preface = false;    ///< the 24-octet client preface (RFC 9113 §3.4)
    std::optional<frame_report> frame;
    std::vector<grpc_event> grpc;
    std::vector<std::string> notes;       ///< facts: ":path /x/Y (gRPC)", "window now ..."
    std::vector<std::string> violations;  ///< broken rules, each naming its rule
    /// Since the connection began (the bytes' arrival); none with --no-time.
    std::optional<std::chrono::nanoseconds> time;
};

/// What a grpc-timeout value means (PROTOCOL-HTTP2.md: TimeoutValue, a
/// positive integer of at most 8 ASCII digits, then TimeoutUnit: H hour, M
/// minute, S second, m milli-, u micro-, n nanosecond), written in the
/// largest of s, ms, µs, ns that keeps it at least 1, exactly: "149998u" ->
/// "149.998 ms", "5S" -> "5 s", "2H" -> "7200 s". nullopt when the value does
/// not follow the grammar (rpc::parse_timeout decides, as h2pb's server does).
inline std::optional<std::string> grpc_timeout_meaning(std::string_view v) {
    if (!rpc::parse_timeout(v)) return std::nullopt;
    // Seconds and the nanoseconds below them, kept apart: 99999999H is
    // ~3.6e20 ns, beyond 64 bits, but only ~3.6e11 s.
    const std::uint64_t n = std::stoull(std::string(v.substr(0, v.size() - 1)));
    std::uint64_t secs = 0, nanos = 0;
    switch (v.back()) {
        case 'H':
            secs = n * 3600;
            break;
        case 'M':
            secs = n * 60;
            break;
        case 'S':
            secs = n;
            break;
        case 'm':
            secs = n / 1000, nanos = n % 1000 * 1000000;
            break;
        case 'u':
            secs = n / 1000000, nanos = n % 1000000 * 1000;
            break;
        default:
            secs = n / 1000000000, nanos = n % 1000000000;
            break;
    }
    // whole.fraction in a unit of 10^digits ns: trailing zeros dropped.
    auto fixed = [](std::uint64_t whole, std::uint64_t frac, int digits, const char* unit) {
        std::string f = std::to_string(frac);
        f.insert(0, static_cast<std::size_t>(digits) - f.size(), '0');
        while (!f.empty() && f.back() == '0') f.pop_back();
        return std::to_string(whole) + (f.empty() ? "" : "." + f) + " " + unit;
    };
    if (secs > 0 || nanos == 0) return fixed(secs, nanos, 9, "s");
    if (nanos >= 1000000) return fixed(nanos / 1000000, nanos % 1000000, 6, "ms");
    if (nanos >= 1000) return fixed(nanos / 1000, nanos % 1000, 3, "µs");
    return fixed(nanos, 0, 1, "ns");
}

/// "[  0.003]": seconds and milliseconds, as nghttp -v prints its times.
inline std::string format_trace_time(std::chrono::nanoseconds t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t).count();
    char buf[32];
    std::snprintf(buf, sizeof buf, "[%3lld.%03lld]", static_cast<long long>(ms / 1000),
                  static_cast<long long>(ms % 1000));
    return buf;
}

/// The analysis of one connection. feed() the bytes of each direction as they
/// pass; it returns the events of the frames those bytes complete.
class trace_analyzer {
  public:
    /// `start`: the clock's reading when the connection began; event times
    /// count from it.
    explicit trace_analyzer(trace_options o = {}, trace_clock::time_point start = {})
        : o_(o), start_(start), dirs_{{direction(true), direction(false)}} {
        for (auto& s : dirs_) s.decoder.data_octets = o_.data_octets;
    }

    /// The bytes `bytes` of direction d, read at `now`.
    std::vector<trace_event> feed(trace_direction d, wire::bytes_view bytes,
                                  trace_clock::time_point now = {}) {
        auto out = feed_bytes(d, bytes);
        if (o_.timestamps)
            for (auto& e : out) e.time = now - start_;
        return out;
    }

    /// The window the sender of direction d may still fill (connection, or
    /// one stream): for tests and notes.
    std::int64_t connection_window(trace_direction d) const {
        return dirs_[static_cast<int>(d)].conn_window;
    }
    std::int64_t stream_window(trace_direction d, std::uint32_t stream) const {
        const auto& s = dirs_[static_cast<int>(d)];
        auto it = s.windows.find(stream);
        return it == s.windows.end() ? s.peer_initial_window : it->second;
    }

  private:
    std::vector<trace_event> feed_bytes(trace_direction d, wire::bytes_view bytes) {
        std::vector<trace_event> out;
        auto& s = dirs_[static_cast<int>(d)];
        if (s.splitter.failed()) return out;
        using kind = h2::frame_splitter::kind;
        s.splitter.feed(bytes);
        for (auto f = s.splitter.next(); f.what != kind::need_more; f = s.splitter.next()) {
            if (f.what == kind::frame) {
                out.push_back(frame(d, f.frame));
                continue;
            }
            trace_event e;
            e.dir = d;
            e.preface = true;
            if (f.what == kind::error) {  // the only error: a wrong preface octet
                e.violations.push_back(
                    "the connection does not start with the client preface (RFC 9113 §3.4); "
                    "not HTTP/2 prior knowledge: this direction is no longer decoded");
            }
            out.push_back(std::move(e));
        }
        return out;
    }

    struct message_state {
        std::uint8_t prefix[5] = {};
        std::size_t prefix_have = 0;
        std::uint32_t length = 0;
        std::size_t body_have = 0;
        bool in_body = false;
        std::string body;  ///< kept only while length <= max_explained_message
        // gRPC-Web only:
        rpc::web::text_decoder text;  ///< -text: the base64 of this direction's body
        bool trailer_seen = false;    ///< the 0x80 frame has completed
        bool after_trailer_flagged = false;
    };

    struct direction {
        explicit direction(bool client)
            : splitter(client),
              decoder(h2::max_max_frame_size, h2::default_header_table_size, false,
                      client ? sender::client : sender::server) {
            // RFC 9113 §4.3.1: one HPACK table per direction.
            decoder.table_name = client ? "dynamic table for fields the client sends"
                                        : "dynamic table for fields the server sends";
        }
        h2::frame_splitter splitter;  ///< whole frames; failed(): no longer decoded
        frames_decoder decoder;
        bool hpack_broken = false;
        // What the receiver of this direction allows its sender.
        std::uint32_t peer_max_frame_size = h2::min_max_frame_size;
        std::int64_t peer_initial_window = h2::default_initial_window_size;
        std::int64_t conn_window = h2::default_initial_window_size;
        std::map<std::uint32_t, std::int64_t> windows;
        std::map<std::uint32_t, message_state> messages;
        std::map<std::uint32_t, bool> ended;  // END_STREAM seen
        bool block_end_stream = false;        // END_STREAM of the HEADERS a block started on
    };

    struct call {
        bool grpc = false;
        /// binary or text: a gRPC-Web call (its request content-type).
        rpc::web::content_kind web = rpc::web::content_kind::none;
        std::string path;
        const proto::method_descriptor* method = nullptr;
        bool response_headers_seen = false;
        bool status_seen = false;     ///< trailers with grpc-status arrived
        bool headers_status = false;  ///< gRPC-Web: grpc-status in the response headers
    };

    /// A method's input or output type by full name ("pkg.Request").
    static std::string type_name(const std::string& declared, const proto::message_descriptor* m) {
        if (m != nullptr) return m->full_name;
        return !declared.empty() && declared[0] == '.' ? declared.substr(1) : declared;
    }

    direction& peer_of(trace_direction d) { return dirs_[1 - static_cast<int>(d)]; }

    std::int64_t& window(direction& s, std::uint32_t stream) {
        auto it = s.windows.find(stream);
        if (it == s.windows.end()) it = s.windows.emplace(stream, s.peer_initial_window).first;
        return it->second;
    }

    void forget(std::uint32_t stream) {
        for (auto& s : dirs_) {
            s.windows.erase(stream);
            s.messages.erase(stream);
            s.ended.erase(stream);
        }
        calls_.erase(stream);
    }

    trace_event frame(trace_direction d, const h2::frame_splitter::frame_view& f) {
        auto& s = dirs_[static_cast<int>(d)];
        trace_event e;
        e.dir = d;
        e.offset = f.offset;
        frame_report r = s.decoder.decode(f);  // moved into e.frame at the end
        const auto& h = r.header;
        const auto payload = f.payload;

        // RFC 9113 §4.2: a frame larger than the receiver's SETTINGS_MAX_FRAME_SIZE.
        if (h.length > s.peer_max_frame_size) {
            e.violations.push_back("frame length " + std::to_string(h.length) +
                                   " exceeds the receiver's SETTINGS_MAX_FRAME_SIZE " +
                                   std::to_string(s.peer_max_frame_size) +
                                   " (FRAME_SIZE_ERROR, RFC 9113 §4.2)");
        }
        if (!r.error.empty())
            e.violations.push_back(r.error + " (" + r.error_scope + " error " + r.error_code +
                                   ", RFC 9113 §" + r.error_section + ")");

        switch (h.type) {
            case h2::frame_type::settings:
                if (r.error.empty() && !h.has(h2::flag::ack)) settings(d, r, e);
                break;
            case h2::frame_type::window_update:
                if (r.error.empty()) window_update(d, payload, h.stream_id, e);
                break;
            case h2::frame_type::data:
                data(d, h, payload, e, r.error.empty());
                break;
            case h2::frame_type::headers:
                s.block_end_stream = h.has(h2::flag::end_stream);
                if (s.block_end_stream) s.ended[h.stream_id] = true;
                break;
            case h2::frame_type::rst_stream:
                if (h.stream_id == 0) break;
                if (payload.size() == 4)
                    reset(d, h.stream_id,
                          static_cast<h2::error_code>(wire::load_be32(payload.data())), e);
                forget(h.stream_id);
                break;
            default:
                break;
        }
        if (r.block) {
            if (!r.block->error.empty()) {
                e.violations.push_back(r.block->error + " (RFC 7541)");
                s.hpack_broken = true;
            }
            headers(d, h.stream_id, *r.block, e);
        }
        if (s.ended.count(h.stream_id) && peer_of(d).ended.count(h.stream_id)) forget(h.stream_id);
        e.frame = std::move(r);
        return e;
    }

    /// RST_STREAM on a gRPC call whose trailers have not come: the call ends
    /// without a grpc-status on the wire. PROTOCOL-HTTP2.md (Errors) says what
    /// each side makes of it: a client's CANCEL is the call's cancellation
    /// (it cancelled, or its deadline passed: it knows which, and reports
    /// that status to itself); the server's code maps to a status the client
    /// reports (CANCEL: CANCELLED, REFUSED_STREAM: UNAVAILABLE, ...).
    void reset(trace_direction d, std::uint32_t stream, h2::error_code code, trace_event& e) {
        auto it = calls_.find(stream);
        if (it == calls_.end() || !it->second.grpc || it->second.status_seen) return;
        const std::string what = "call ended by RST_STREAM " + code_name(code);
        if (d == trace_direction::client_to_server) {
            e.notes.push_back(what +
                              " from the client, no grpc-status: the client decides the status "
                              "itself (e.g. DEADLINE_EXCEEDED or CANCELLED)");
            return;
        }
        std::string status;
        switch (code) {
            case h2::error_code::no_error:
            case h2::error_code::protocol_error:
            case h2::error_code::internal_error:
            case h2::error_code::flow_control_error:
            case h2::error_code::settings_timeout:
            case h2::error_code::frame_size_error:
            case h2::error_code::compression_error:
            case h2::error_code::connect_error:
                status = "the client reports INTERNAL";
                break;
            case h2::error_code::refused_stream:
                status = "the client reports UNAVAILABLE (no processing happened: retryable)";
                break;
            case h2::error_code::cancel:
                status = "the client reports CANCELLED";
                break;
            case h2::error_code::enhance_your_calm:
                status = "the client reports RESOURCE_EXHAUSTED";
                break;
            case h2::error_code::inadequate_security:
                status = "the client reports PERMISSION_DENIED";
                break;
            default:  // STREAM_CLOSED: "no mapping"; codes the table lacks
                status = "the table gives this code no gRPC status";
                break;
        }
        e.notes.push_back(what + " from the server, no grpc-status: " + status +
                          " (PROTOCOL-HTTP2.md Errors: RST_STREAM codes to gRPC codes)");
    }

    void settings(trace_direction d, const frame_report& r, trace_event& e) {
        // The SETTINGS of direction d govern what the *other* direction's sender may do.
        auto& other = peer_of(d);
        for (const auto& st : r.settings) {
            switch (static_cast<h2::setting_id>(st.id)) {
                case h2::setting_id::max_frame_size:
                    other.peer_max_frame_size = st.value;
                    break;
                case h2::setting_id::header_table_size: {
                    // RFC 7541 §4.2: the other direction's encoder may now use a
                    // table this large. A raise applies at once (the proxy sees
                    // it before the encoder does); a lowering only binds after
                    // the ACK, which is not tracked: it is not applied, so it is
                    // never flagged falsely.
                    auto& dec = other.decoder.hpack_decoder();
                    if (st.value > dec.options().max_table_size) dec.set_max_table_size(st.value);
                    break;
                }
                case h2::setting_id::initial_window_size: {
                    // §6.9.2: the change applies to every open stream's window.
                    const std::int64_t delta = std::int64_t{st.value} - other.peer_initial_window;
                    for (auto& [id, w] : other.windows) w += delta;
                    other.peer_initial_window = st.value;
                    break;
                }
                default:
                    break;
            }
        }
        (void)e;
    }

    void window_update(trace_direction d, wire::bytes_view payload, std::uint32_t stream,
                       trace_event& e) {
        if (payload.size() != 4) return;
        const std::uint32_t inc = wire::load_be32(payload.data()) & 0x7fffffffu;
        auto& other = peer_of(d);
        std::int64_t& w = stream == 0 ? other.conn_window : window(other, stream);
        w += inc;
        if (w > h2::max_window_size) {
            e.violations.push_back(
                "window of " +
                (stream == 0 ? std::string("the connection") : "stream " + std::to_string(stream)) +
                " grows to " + std::to_string(w) +
                ", over 2^31-1 (FLOW_CONTROL_ERROR, RFC 9113 §6.9.1)");
        }
        e.notes.push_back(
            std::string(name(static_cast<trace_direction>(1 - static_cast<int>(d)))) +
            " window of " +
            (stream == 0 ? std::string("the connection") : "stream " + std::to_string(stream)) +
            " now " + std::to_string(w));
    }

    void data(trace_direction d, const h2::frame_header& h, wire::bytes_view payload,
              trace_event& e, bool parsed) {
        auto& s = dirs_[static_cast<int>(d)];
        // §6.9.1: the whole payload, padding included, is flow controlled.
        s.conn_window -= h.length;
        std::int64_t& w = window(s, h.stream_id);
        w -= h.length;
        if (s.conn_window < 0) {
            e.violations.push_back("DATA exceeds the connection window by " +
                                   std::to_string(-s.conn_window) +
                                   " (FLOW_CONTROL_ERROR, RFC 9113 §6.9.1)");
        }
        if (w < 0) {
            e.violations.push_back("DATA exceeds stream " + std::to_string(h.stream_id) +
                                   " window by " + std::to_string(-w) +
                                   " (FLOW_CONTROL_ERROR, RFC 9113 §6.9.1)");
        }
        // Report the overdraft once; later frames count from zero again.
        if (s.conn_window < 0) s.conn_window = 0;
        if (w < 0) w = 0;
        if (h.has(h2::flag::end_stream)) s.ended[h.stream_id] = true;
        if (!parsed) return;
        auto c = calls_.find(h.stream_id);
        if (c == calls_.end() || !c->second.grpc) return;
        wire::bytes_view body = payload;
        if (h.has(h2::flag::padded) && !body.empty()) {
            const std::size_t pad = body[0];
            body = body.subspan(1, body.size() - 1 - std::min(pad, body.size() - 1));
        }
        auto& m = s.messages[h.stream_id];
        const bool end = h.has(h2::flag::end_stream);
        if (c->second.web != rpc::web::content_kind::none) {
            web_data(d, c->second, m, body, end, e);
            return;
        }
        grpc_data(d, c->second, m, body, e);
        if (!end) return;
        grpc_end(s, h.stream_id, e);
        if (d == trace_direction::server_to_client) {
            e.violations.push_back(
                "gRPC response ended by DATA with END_STREAM: no trailers, grpc-status missing "
                "(PROTOCOL-HTTP2.md: Response -> Trailers)");
        }
    }

    void grpc_data(trace_direction d, call& c, message_state& m, wire::bytes_view b,
                   trace_event& e) {
        while (!b.empty()) {
            if (m.trailer_seen) {
                if (!m.after_trailer_flagged) {
                    e.violations.push_back(
                        "data after the gRPC-Web trailer frame: trailers must be the last "
                        "message of the response (PROTOCOL-WEB.md Message framing, 3)");
                }
                m.after_trailer_flagged = true;
                break;
            }
            if (!m.in_body) {
                const std::size_t take = std::min<std::size_t>(5 - m.prefix_have, b.size());
                std::copy_n(b.data(), take, m.prefix + m.prefix_have);
                m.prefix_have += take;
                b = b.subspan(take);
                if (m.prefix_have < 5) break;
                grpc_event g;
                g.prefix = true;
                g.flag = m.prefix[0];
                g.compressed = (m.prefix[0] & rpc::web::compressed_flag) != 0;
                m.length = wire::load_be32(m.prefix + 1);
                g.length = m.length;
                if (c.web != rpc::web::content_kind::none) {
                    g.trailer = (g.flag & rpc::web::trailer_flag) != 0;
                    web_prefix(d, m, g, e);
                } else if (m.prefix[0] > 1) {
                    e.violations.push_back("gRPC Compressed-Flag is " +
                                           std::to_string(m.prefix[0]) +
                                           ", must be 0 or 1 (PROTOCOL-HTTP2.md "
                                           "Length-Prefixed-Message)");
                }
                e.grpc.push_back(std::move(g));
                m.in_body = true;
                m.body_have = 0;
                m.body.clear();
            }
            const std::size_t take = std::min<std::size_t>(m.length - m.body_have, b.size());
            if (m.length <= o_.max_explained_message) m.body.append(wire::as_chars(b.first(take)));
            m.body_have += take;
            b = b.subspan(take);
            if (m.body_have < m.length) break;
            e.grpc.push_back((m.prefix[0] & rpc::web::trailer_flag) != 0 &&
                                     c.web != rpc::web::content_kind::none
                                 ? web_trailer(c, m, e)
                                 : message(d, c, m));
            m.in_body = false;
            m.prefix_have = 0;
        }
    }

    // ---- gRPC-Web (PROTOCOL-WEB.md) ----

    /// One DATA payload of a gRPC-Web call: a -text body is base64 first
    /// (its padded segments noted), then the frames are read as gRPC's, the
    /// flag's MSB marking the trailer frame. At END_STREAM: a -text tail is
    /// finished, and a response must have ended with its trailer frame (or
    /// carried grpc-status in its headers: Trailers-Only).
    void web_data(trace_direction d, call& c, message_state& m, wire::bytes_view body, bool end,
                  trace_event& e) {
        std::string decoded;
        wire::bytes_view frames = body;
        if (c.web == rpc::web::content_kind::text) {
            web_text(m, wire::as_chars(body), decoded, e);
            if (end && m.text.error() == rpc::web::text_errc::ok) {
                const std::size_t before = decoded.size();
                if (m.text.finish(decoded) != rpc::web::text_errc::ok) {
                    e.violations.push_back(std::string(rpc::web::describe(m.text.error())) +
                                           " (RFC 4648 §4; PROTOCOL-WEB.md Text-encoded streams)");
                } else if (decoded.size() > before) {
                    e.notes.push_back("unpadded base64 tail decodes to " +
                                      std::to_string(decoded.size() - before) + " octets");
                }
            }
            frames = wire::as_bytes(decoded);
        }
        grpc_data(d, c, m, frames, e);
        if (!end) return;
        cut_frame(m, true, e);
        if (d == trace_direction::server_to_client && !m.trailer_seen && !c.headers_status) {
            e.violations.push_back(
                "gRPC-Web response ended without a trailer frame (flag 0x80) and without "
                "grpc-status in its headers: the status is missing (PROTOCOL-WEB.md Message "
                "framing; PROTOCOL-HTTP2.md: Status is required)");
        }
    }

    /// Base64-decodes one DATA payload of a -text body, noting its segments:
    /// a segment ends after its '=' padding (the server base64-encodes each
    /// flush on its own), and the next starts a new encoding.
    void web_text(message_state& m, std::string_view text, std::string& out, trace_event& e) {
        if (m.text.error() != rpc::web::text_errc::ok) return;
        std::string segs;
        std::size_t count = 0;
        while (!text.empty()) {
            std::size_t end = text.find('=');
            if (end == std::string_view::npos) {
                end = text.size();
            } else {
                while (end < text.size() && text[end] == '=') ++end;
            }
            const std::string_view seg = text.substr(0, end);
            text.remove_prefix(end);
            const std::size_t before = out.size();
            const std::uint64_t at = m.text.consumed();
            if (m.text.feed(seg, out) != rpc::web::text_errc::ok) {
                e.violations.push_back(std::string(rpc::web::describe(m.text.error())) +
                                       " at character " +
                                       std::to_string(m.text.error_offset() - at) +
                                       " of this DATA (RFC 4648 §4; PROTOCOL-WEB.md)");
                break;
            }
            ++count;
            if (!segs.empty()) segs += ", ";
            segs += "\"" + std::string(seg.substr(0, 16)) + (seg.size() > 16 ? "..." : "") + "\" " +
                    std::to_string(seg.size()) + " chars -> " +
                    std::to_string(out.size() - before) + " octets";
        }
        if (count > 0) {
            e.notes.push_back("grpc-web-text: base64 segment" +
                              std::string(count > 1 ? "s " : " ") + segs +
                              " (each flush padded on its own: PROTOCOL-WEB.md "
                              "Text-encoded streams)");
        }
    }

    /// The prefix of a gRPC-Web frame: flag 0 or 1 a message (as gRPC's
    /// Compressed-Flag), 0x80 / 0x81 the trailer frame.
    void web_prefix(trace_direction d, message_state& m, const grpc_event& g, trace_event& e) {
        const std::uint8_t f = g.flag;
        if ((f & ~(rpc::web::trailer_flag | rpc::web::compressed_flag)) != 0) {
            e.violations.push_back("gRPC-Web flag byte 0x" + hex2(f) +
                                   ": only 0x00, 0x01 (message) and 0x80, 0x81 (trailers) are "
                                   "defined (PROTOCOL-WEB.md Message framing)");
        }
        if (g.trailer && d == trace_direction::client_to_server) {
            e.violations.push_back(
                "a trailer frame (flag 0x80) in a request: only the response carries its status "
                "in the body (PROTOCOL-WEB.md Message framing, 1)");
        }
        (void)m;
    }

    static std::string hex2(std::uint8_t v) {
        const char* digits = "0123456789abcdef";
        return {digits[v >> 4], digits[v & 15]};
    }

    /// The completed trailer frame: "name: value\r\n" lines (RFC 7230 §3.2
    /// field lines, without the final empty line), names in lower case.
    grpc_event web_trailer(call& c, message_state& m, trace_event& e) {
        grpc_event g;
        g.trailer = true;
        g.flag = m.prefix[0];
        g.compressed = (m.prefix[0] & rpc::web::compressed_flag) != 0;
        g.length = m.length;
        m.trailer_seen = true;
        if (g.compressed) {
            g.note = "compressed trailer frame (grpc-encoding), lines not shown";
        } else if (m.length > o_.max_explained_message) {
            g.note = "longer than " + std::to_string(o_.max_explained_message) +
                     " octets, lines not shown";
        } else {
            std::string_view rest = m.body;
            bool status = false;
            while (!rest.empty()) {
                const std::size_t eol = rest.find("\r\n");
                const std::string_view line = rest.substr(0, eol);
                rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 2);
                if (eol == std::string_view::npos)
                    e.violations.push_back("trailer line \"" + std::string(line) +
                                           "\" does not end in CRLF (RFC 7230 §3.2)");
                if (line.empty()) continue;
                const std::size_t colon = line.find(':');
                if (colon == std::string_view::npos || colon == 0) {
                    e.violations.push_back("trailer line \"" + std::string(line) +
                                           "\" is not \"name: value\" (RFC 7230 §3.2)");
                    continue;
                }
                web_trailer_line t;
                t.name = line.substr(0, colon);
                std::string_view v = line.substr(colon + 1);
                while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
                while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
                t.value = v;
                if (std::any_of(t.name.begin(), t.name.end(),
                                [](char ch) { return ch >= 'A' && ch <= 'Z'; })) {
                    e.violations.push_back("trailer name \"" + t.name +
                                           "\" is not lower case (PROTOCOL-WEB.md: trailers in "
                                           "the last length-prefixed message must always use "
                                           "lower-case names)");
                }
                if (t.name == "grpc-status") {
                    status = true;
                    c.status_seen = true;  // a later RST_STREAM ends nothing more
                    t.meaning = status_meaning(t.value);
                    e.notes.push_back("gRPC status " + t.value +
                                      (t.meaning.empty() ? "" : " " + t.meaning) +
                                      " (gRPC-Web trailer frame)");
                } else if (t.name == "grpc-message") {
                    std::string text;
                    rpc::percent_decode(t.value, text);
                    if (text != t.value) t.meaning = "percent-decoded: \"" + text + "\"";
                }
                g.trailers.push_back(std::move(t));
            }
            if (!status) {
                e.violations.push_back(
                    "grpc-status missing in the gRPC-Web trailer frame (PROTOCOL-HTTP2.md: "
                    "Status is required)");
            }
        }
        m.body.clear();
        return g;
    }

    /// "OK", "NOT_FOUND", ... for a grpc-status value; empty when it is not
    /// one of the codes (rpc::parse_status_field decides, as h2pb's client).
    static std::string status_meaning(std::string_view v) {
        const rpc::status_code c = rpc::parse_status_field(v);
        if (rpc::status_field(c) != v) return {};
        return std::string(rpc::name(c));
    }

    grpc_event message(trace_direction d, const call& c, message_state& m) {
        grpc_event g;
        g.compressed = m.prefix[0] != 0;
        g.length = m.length;
        const proto::message_descriptor* type = nullptr;
        if (c.method != nullptr) {
            type = d == trace_direction::client_to_server ? c.method->input_type
                                                          : c.method->output_type;
            g.type = type_name(d == trace_direction::client_to_server ? c.method->input_name
                                                                      : c.method->output_name,
                               type);
        }
        if (g.compressed) {
            g.note = "compressed (grpc-encoding), fields not shown";
        } else if (m.length > o_.max_explained_message) {
            g.note = "longer than " + std::to_string(o_.max_explained_message) +
                     " octets, fields not shown";
        } else {
            explainer ex(explain_options{{}, o_.data_octets, /*bytes_as_text=*/true});
            if (auto err = ex.message(wire::as_bytes(m.body), 0, 0, type, g.fields))
                g.note = "protobuf: " + err.message();
        }
        m.body.clear();
        return g;
    }

    void grpc_end(direction& s, std::uint32_t stream, trace_event& e) {
        auto it = s.messages.find(stream);
        if (it == s.messages.end()) return;
        cut_frame(it->second, false, e);
    }

    /// END_STREAM inside a message (or gRPC-Web frame): its prefix or body cut.
    static void cut_frame(const message_state& m, bool web, trace_event& e) {
        const std::string what = web ? "gRPC-Web frame" : "gRPC message";
        const std::string spec = web ? "PROTOCOL-WEB.md" : "PROTOCOL-HTTP2.md";
        if (m.in_body) {
            e.violations.push_back(what + " prefix announces " + std::to_string(m.length) +
                                   " octets, only " + std::to_string(m.body_have) +
                                   " arrived before END_STREAM (" + spec + ")");
        } else if (m.prefix_have > 0) {
            e.violations.push_back("END_STREAM inside a " + what + " prefix (" +
                                   std::to_string(m.prefix_have) + " of 5 octets, " + spec + ")");
        }
    }

    void headers(trace_direction d, std::uint32_t stream, const block_report& b, trace_event& e) {
        auto& s = dirs_[static_cast<int>(d)];
        auto find = [&](std::string_view n) -> const std::string* {
            for (const auto& f : b.fields)
                if (f.name == n) return &f.value;
            return nullptr;
        };
        if (d == trace_direction::client_to_server) {
            auto it = calls_.find(stream);
            if (it != calls_.end()) {
                if (s.block_end_stream) grpc_end(s, stream, e);
                return;  // request trailers
            }
            if (calls_.size() >= o_.max_tracked_streams) {
                e.violations.push_back("more than " + std::to_string(o_.max_tracked_streams) +
                                       " streams open at once; the oldest is forgotten");
                forget(calls_.begin()->first);
            }
            call c;
            const std::string* ct = find("content-type");
            const std::string* path = find(":path");
            c.grpc = ct != nullptr && ct->rfind("application/grpc", 0) == 0;
            if (ct != nullptr) c.web = rpc::web::classify(*ct);
            if (c.web == rpc::web::content_kind::unsupported) {
                // +json, +thrift: framed as gRPC-Web, but not protobuf.
                e.notes.push_back("gRPC-Web with a message format other than protobuf (" + *ct +
                                  "): messages not decoded (PROTOCOL-WEB.md Content-Type)");
                c.grpc = false;
                c.web = rpc::web::content_kind::none;
            }
            if (path != nullptr) c.path = *path;
            if (c.grpc && o_.types != nullptr) {
                // find_method also takes "pkg.Service.Method": only the
                // exact :path form names the method (PROTOCOL-HTTP2.md).
                const proto::method_descriptor* m = o_.types->find_method(c.path);
                if (m != nullptr && m->path() == c.path) c.method = m;
            }
            if (c.grpc) {
                e.notes.push_back(
                    std::string(c.web == rpc::web::content_kind::none ? "gRPC call "
                                : c.web == rpc::web::content_kind::text
                                    ? "gRPC-Web call (text: the bodies are base64) "
                                    : "gRPC-Web call ") +
                    c.path +
                    (c.method != nullptr
                         ? " (" + type_name(c.method->input_name, c.method->input_type) + " -> " +
                               type_name(c.method->output_name, c.method->output_type) + ")"
                         : std::string()));
            }
            if (const std::string* t = find("grpc-timeout")) timeout(*t, e);
            calls_[stream] = c;
            return;
        }
        auto it = calls_.find(stream);
        if (it == calls_.end() || !it->second.grpc) return;
        auto& c = it->second;
        const bool trailers_only = !c.response_headers_seen && s.block_end_stream;
        if (!c.response_headers_seen) {
            c.response_headers_seen = true;
            c.headers_status = find("grpc-status") != nullptr;
            if (!s.block_end_stream) return;
        }
        if (!s.block_end_stream) {
            e.violations.push_back(
                "a second HEADERS on a gRPC response without END_STREAM: trailers must end the "
                "stream (PROTOCOL-HTTP2.md)");
            return;
        }
        grpc_end(s, stream, e);
        const std::string* status = find("grpc-status");
        c.status_seen = status != nullptr;
        if (c.web != rpc::web::content_kind::none && !trailers_only) {
            // A browser's fetch cannot read HTTP/2 trailers: PROTOCOL-WEB.md
            // sends the status in the body's trailer frame instead.
            e.violations.push_back(
                "HTTP/2 trailers on a gRPC-Web response: a browser cannot read them; the status "
                "belongs in the body's trailer frame, flag 0x80 (PROTOCOL-WEB.md Message framing)");
            return;
        }
        if (status == nullptr) {
            e.violations.push_back(std::string("grpc-status missing in ") +
                                   (trailers_only ? "Trailers-Only response" : "trailers") +
                                   " (PROTOCOL-HTTP2.md: Status is required)");
        } else {
            e.notes.push_back("gRPC status " + *status + (trailers_only ? " (Trailers-Only)" : ""));
        }
    }

    void timeout(const std::string& v, trace_event& e) {
        if (auto m = grpc_timeout_meaning(v)) {
            e.notes.push_back("grpc-timeout " + v + " = " + *m +
                              ": the time the client gives the call, counted from now "
                              "(PROTOCOL-HTTP2.md Timeout)" +
                              (*m == "0 s" ? "; 0 is no positive integer as the grammar asks, "
                                             "but grpc C++ and grpc-go read it as a deadline "
                                             "already passed"
                                           : ""));
            return;
        }
        e.violations.push_back("grpc-timeout \"" + v +
                               "\" is malformed: TimeoutValue is 1 to 8 ASCII digits, then one "
                               "TimeoutUnit of H M S m u n (PROTOCOL-HTTP2.md Timeout)");
    }

    trace_options o_;
    trace_clock::time_point start_;
    std::array<direction, 2> dirs_;
    std::map<std::uint32_t, call> calls_;
};

// ---- output ----------------------------------------------------------------

inline void print_fields_text(std::ostream& out, const std::vector<node>& nodes,
                              const std::string& indent) {
    for (const auto& n : nodes) {
        out << indent << n.label;
        if (!n.type.empty()) out << " (" << n.type << ")";
        if (!n.wire.empty()) out << " " << n.wire;
        if (!n.text.empty()) out << ": " << n.text;
        out << '\n';
        print_fields_text(out, n.children, indent + "  ");
    }
}

/// One event as text: its first line starts with "#CONN DIR" and the time
/// since the connection began ("[  0.003]", seconds; not with --no-time),
/// then what `h2pb frames` prints for the frame, the gRPC messages, notes,
/// and violations marked "!!"; the lines after it are indented as far.
inline void print_event_text(std::ostream& out, std::size_t conn, const trace_event& e) {
    std::ostringstream body;
    if (e.preface && e.violations.empty())
        body << e.offset << "  client preface \"PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n\" ("
             << h2::client_preface.size() << " octets, RFC 9113 §3.4)\n";
    if (e.frame) print_frame_text(body, *e.frame);
    for (const auto& g : e.grpc) {
        if (g.trailer && g.prefix) {
            char pre[16];
            std::snprintf(pre, sizeof pre, "%02x %02x %02x %02x %02x", g.flag, g.length >> 24,
                          (g.length >> 16) & 0xff, (g.length >> 8) & 0xff, g.length & 0xff);
            body << "    gRPC-Web trailer frame prefix " << pre << ": flag 0x" << pre[0] << pre[1]
                 << " (MSB set: trailers" << (g.compressed ? ", compressed" : ", uncompressed")
                 << "), length " << g.length << '\n';
            continue;
        }
        if (g.trailer) {
            body << "    gRPC-Web trailer frame complete: " << g.length
                 << " octets of \"name: value\\r\\n\" lines (PROTOCOL-WEB.md)\n";
            for (const auto& t : g.trailers)
                body << "      " << t.name << ": " << t.value
                     << (t.meaning.empty() ? std::string() : "  (" + t.meaning + ")") << '\n';
            if (!g.note.empty()) body << "      (" << g.note << ")\n";
            continue;
        }
        if (g.prefix) {
            body << "    gRPC message prefix: Compressed-Flag " << (g.compressed ? 1 : 0)
                 << ", Message-Length " << g.length << '\n';
            continue;
        }
        body << "    gRPC message complete: " << g.length << " octets"
             << (g.compressed ? ", compressed" : "")
             << (g.type.empty() ? std::string() : " as " + g.type) << '\n';
        print_fields_text(body, g.fields, "      ");
        if (!g.note.empty()) body << "      (" << g.note << ")\n";
    }
    for (const auto& n : e.notes) body << "    note: " << n << '\n';
    for (const auto& v : e.violations) body << "    !! violation: " << v << '\n';
    const std::string text = body.str();
    const std::string head = "#" + std::to_string(conn) + " " +
                             (e.dir == trace_direction::client_to_server ? "c->s" : "s->c") +
                             (e.time ? " " + format_trace_time(*e.time) : std::string()) + "  ";
    const std::string pad(head.size(), ' ');
    std::string lines;
    std::size_t line = 0;
    while (line < text.size()) {
        const std::size_t eol = text.find('\n', line);
        lines += (line == 0 ? head : pad) + text.substr(line, eol - line) + '\n';
        if (eol == std::string::npos) break;
        line = eol + 1;
    }
    out << lines;
}

inline void put_fields_json(json& j, const std::vector<node>& nodes) {
    j.begin_array();
    for (const auto& n : nodes) {
        j.begin_object();
        j.member("offset", n.offset);
        j.member("number", n.number);
        j.member("field", n.label);
        if (!n.name.empty()) j.member("name", n.name);
        if (!n.type.empty()) j.member("type", n.type);
        if (!n.wire.empty()) j.member("wire_type", n.wire);
        j.member("value", n.text);
        if (!n.children.empty()) {
            j.key("fields");
            put_fields_json(j, n.children);
        }
        j.end_object();
    }
    j.end_array();
}

/// One event as a single-line JSON object (JSON Lines).
inline void print_event_json(std::ostream& out, std::size_t conn, const trace_event& e) {
    std::ostringstream s;
    {
        json j(s);
        j.begin_object();
        j.member("connection", conn);
        j.member("direction", name(e.dir));
        j.member("offset", e.offset);
        if (e.time) {
            // Seconds, to the nanosecond, in the shortest exact decimal form.
            const auto ns =
                static_cast<unsigned long long>(e.time->count() < 0 ? 0 : e.time->count());
            std::string frac = std::to_string(ns % 1000000000);
            frac.insert(0, 9 - frac.size(), '0');
            while (!frac.empty() && frac.back() == '0') frac.pop_back();
            j.key("t");
            j.number_text(std::to_string(ns / 1000000000) + (frac.empty() ? "" : "." + frac));
        }
        if (e.preface) j.member("event", "preface");
        if (e.frame) {
            const auto& r = *e.frame;
            const auto& h = r.header;
            j.member("event", "frame");
            j.member("type", h2::name(h.type));
            j.member("type_code", static_cast<unsigned>(h.type));
            j.member("stream_id", h.stream_id);
            j.member("length", h.length);
            j.member("flags_raw", static_cast<unsigned>(h.flags));
            j.key("flags");
            j.begin_array();
            for (std::uint8_t bit = 1; bit != 0; bit = static_cast<std::uint8_t>(bit << 1))
                if ((h.flags & bit) && !h2::flag_name(h.type, bit).empty())
                    j.value(h2::flag_name(h.type, bit));
            j.end_array();
            j.key("details");
            j.begin_object();
            for (const auto& [k, v] : r.details) j.member(k, v);
            j.end_object();
            if (!r.settings.empty()) write_settings_json(j, r.settings);
            if (r.block) write_field_block_json(j, *r.block, /*with_error=*/false);
        }
        if (!e.grpc.empty()) {
            j.key("grpc");
            j.begin_array();
            for (const auto& g : e.grpc) {
                j.begin_object();
                j.member("kind", g.trailer ? (g.prefix ? "trailer_prefix" : "trailers")
                                           : (g.prefix ? "prefix" : "message"));
                if (g.trailer) j.member("flag", static_cast<unsigned>(g.flag));
                j.member("compressed", g.compressed);
                j.member("length", g.length);
                if (!g.type.empty()) j.member("type", g.type);
                if (g.trailer && !g.prefix) {
                    j.key("trailers");
                    j.begin_array();
                    for (const auto& t : g.trailers) {
                        j.begin_object();
                        j.member("name", t.name);
                        j.member("value", t.value);
                        if (!t.meaning.empty()) j.member("meaning", t.meaning);
                        j.end_object();
                    }
                    j.end_array();
                } else if (!g.prefix) {
                    j.key("fields");
                    put_fields_json(j, g.fields);
                }
                if (!g.note.empty()) j.member("note", g.note);
                j.end_object();
            }
            j.end_array();
        }
        j.key("notes");
        j.begin_array();
        for (const auto& n : e.notes) j.value(n);
        j.end_array();
        j.key("violations");
        j.begin_array();
        for (const auto& v : e.violations) j.value(v);
        j.end_array();
        j.end_object();
    }
    // The writer indents; strings never hold a raw line break (they are
    // escaped), so dropping each line break and its indentation is safe.
    const std::string text = s.str();
    std::string line;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\n') {
            line += text[i];
            continue;
        }
        while (i + 1 < text.size() && text[i + 1] == ' ') ++i;
    }
    out << line << '\n';
}

}  // namespace h2pb::cli
