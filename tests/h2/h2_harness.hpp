// Test harness for h2/: an event recorder that keeps owned copies of the
// events a connection reports, helpers that build the frames a peer sends,
// and a pump that wires two connections back to back in memory.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <h2pb/h2/connection.hpp>
#include <h2pb/h2/frame_reader.hpp>
#include <h2pb/h2/frame_writer.hpp>
#include <h2pb/hpack/encoder.hpp>
#include <h2pb/wire/buffer.hpp>

namespace h2pb::test {

using namespace std::chrono_literals;

struct ev_settings {
    h2::settings remote;
};
struct ev_settings_ack {};
struct ev_headers {
    std::uint32_t stream_id;
    h2::section_kind kind;
    std::vector<std::pair<std::string, std::string>> fields;
    bool end_stream;
    std::uint16_t status;
    std::string get(std::string_view name) const {
        for (const auto& f : fields)
            if (f.first == name) return f.second;
        return {};
    }
};
struct ev_data {
    std::uint32_t stream_id;
    std::string data;
    bool end_stream;
};
struct ev_goaway {
    std::uint32_t last_stream_id;
    h2::error_code code;
    std::string debug;
};
using any_event = std::variant<ev_settings, ev_settings_ack, ev_headers, ev_data, h2::stream_reset,
                               h2::ping_received, h2::ping_acknowledged, ev_goaway,
                               h2::stream_writable, h2::connection_error>;

/// A handler that records every event. With `auto_consume`, DATA is
/// released as soon as it arrives.
struct recorder {
    std::vector<any_event> events;
    h2::connection* auto_consume = nullptr;

    void operator()(const h2::settings_received& e) { events.push_back(ev_settings{e.remote}); }
    void operator()(const h2::settings_acknowledged&) { events.push_back(ev_settings_ack{}); }
    void operator()(const h2::headers_received& e) {
        ev_headers h{e.stream_id, e.kind, {}, e.end_stream, e.status};
        for (const auto& f : e.fields)
            h.fields.emplace_back(std::string(f.name), std::string(f.value));
        events.push_back(std::move(h));
    }
    void operator()(const h2::data_received& e) {
        events.push_back(ev_data{e.stream_id, std::string(wire::as_chars(e.data)), e.end_stream});
        if (auto_consume) auto_consume->consume(e.stream_id, e.data.size());
    }
    void operator()(const h2::stream_reset& e) { events.push_back(e); }
    void operator()(const h2::ping_received& e) { events.push_back(e); }
    void operator()(const h2::ping_acknowledged& e) { events.push_back(e); }
    void operator()(const h2::goaway_received& e) {
        events.push_back(
            ev_goaway{e.last_stream_id, e.code, std::string(wire::as_chars(e.debug_data))});
    }
    void operator()(const h2::stream_writable& e) { events.push_back(e); }
    void operator()(const h2::connection_error& e) { events.push_back(e); }

    template <class T>
    std::vector<T> all() const {
        std::vector<T> out;
        for (const auto& e : events)
            if (const T* t = std::get_if<T>(&e)) out.push_back(*t);
        return out;
    }
    template <class T>
    const T* first() const {
        for (const auto& e : events)
            if (const T* t = std::get_if<T>(&e)) return t;
        return nullptr;
    }
    template <class T>
    std::size_t count() const {
        return all<T>().size();
    }
    void clear() { events.clear(); }
    /// All DATA of a stream, concatenated.
    std::string body(std::uint32_t id) const {
        std::string s;
        for (const auto& d : all<ev_data>())
            if (d.stream_id == id) s += d.data;
        return s;
    }
};

/// Takes everything a connection wants to send, as one byte string.
inline std::string drain(h2::connection& c) {
    std::string out;
    while (c.want_write()) {
        std::size_t n = 0;
        for (auto b : c.output()) {
            out += wire::as_chars(b);
            n += b.size();
        }
        c.consume_output(n);
    }
    return out;
}

inline h2::time_point t0() {
    return h2::time_point{} + std::chrono::hours(1);
}

/// Moves bytes between two connections until neither has anything to say.
inline void pump(h2::connection& a, recorder& ra, h2::connection& b, recorder& rb,
                 h2::time_point now = t0()) {
    for (int round = 0; round < 1000; ++round) {
        const std::string ab = drain(a);
        const std::string ba = drain(b);
        if (ab.empty() && ba.empty()) return;
        if (!ab.empty()) b.receive(wire::as_bytes(ab), now, rb);
        if (!ba.empty()) a.receive(wire::as_bytes(ba), now, ra);
    }
}

/// Builds what a (possibly misbehaving) peer sends, frame by frame.
struct peer_bytes {
    wire::buffer b;
    hpack::encoder enc;

    peer_bytes& preface() {
        b.append(h2::client_preface);
        return *this;
    }
    peer_bytes& settings(std::initializer_list<h2::setting> s = {}) {
        h2::write_settings(b, std::span<const h2::setting>(s.begin(), s.size()));
        return *this;
    }
    peer_bytes& settings_ack() {
        h2::write_settings_ack(b);
        return *this;
    }
    /// A HEADERS frame whose block encodes `fields` with this peer's encoder.
    peer_bytes& headers(std::uint32_t id, std::initializer_list<hpack::field> fields,
                        bool end_stream, bool end_headers = true) {
        wire::buffer block;
        enc.encode(fields, block);
        h2::write_headers(b, id, block.view(),
                          {.end_stream = end_stream, .end_headers = end_headers});
        return *this;
    }
    peer_bytes& raw_headers(std::uint32_t id, wire::bytes_view block, h2::headers_options o) {
        h2::write_headers(b, id, block, o);
        return *this;
    }
    peer_bytes& data(std::uint32_t id, std::string_view d, bool end_stream, int pad = -1) {
        h2::write_data(b, id, wire::as_bytes(d), end_stream, pad);
        return *this;
    }
    peer_bytes& frame(h2::frame_type t, std::uint8_t flags, std::uint32_t id,
                      wire::bytes_view payload) {
        h2::write_frame(b, t, flags, id, payload);
        return *this;
    }
    peer_bytes& frame(h2::frame_type t, std::uint8_t flags, std::uint32_t id,
                      std::string_view payload) {
        return frame(t, flags, id, wire::as_bytes(payload));
    }
    wire::bytes_view view() const { return b.view(); }
};

/// A typical GET request.
inline std::vector<hpack::field> get_request(std::string_view path = "/") {
    return {
        {":method", "GET"}, {":scheme", "http"}, {":authority", "example.com"}, {":path", path}};
}
inline std::vector<hpack::field> post_request(std::string_view path = "/upload") {
    return {
        {":method", "POST"}, {":scheme", "https"}, {":authority", "example.com"}, {":path", path}};
}

/// The frames in a byte string, as (header, payload) pairs (no preface).
struct parsed_frame {
    h2::frame_header header;
    std::string payload;
};
inline std::vector<parsed_frame> frames_of(std::string_view bytes, bool skip_preface = false) {
    std::vector<parsed_frame> out;
    if (skip_preface && bytes.starts_with(h2::client_preface))
        bytes.remove_prefix(h2::client_preface.size());
    h2::frame_splitter s;  // a frame cut off at the end is left out
    s.feed(wire::as_bytes(bytes));
    for (auto e = s.next(); e.what == h2::frame_splitter::kind::frame; e = s.next())
        out.push_back({e.frame.header, std::string(wire::as_chars(e.frame.payload))});
    return out;
}

/// The first frame of a type in a byte string.
inline const parsed_frame* find_frame(const std::vector<parsed_frame>& fs, h2::frame_type t) {
    for (const auto& f : fs)
        if (f.header.type == t) return &f;
    return nullptr;
}

inline std::uint32_t u32_at(const std::string& s, std::size_t i) {
    return wire::load_be32(reinterpret_cast<const wire::byte*>(s.data() + i));
}

}  // namespace h2pb::test
