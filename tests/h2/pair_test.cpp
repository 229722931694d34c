// Two h2pb connections, a client and a server, wired back to back in memory:
// many concurrent streams with bodies in both directions, small and large
// windows, random frame sizes (random write sizes and SETTINGS_MAX_FRAME_SIZE),
// random read chunk boundaries, slow and fast consumers. Checked:
//   - every byte of every body arrives, in order, on the right stream, and the
//     trailers carry a checksum of what the other side received;
//   - every window is honoured: an independent auditor parses both byte
//     streams and recomputes, from the SETTINGS and WINDOW_UPDATE frames a
//     sender had received when it wrote each DATA frame, the windows the DATA
//     had to fit, and checks frame sizes against SETTINGS_MAX_FRAME_SIZE;
//   - senders only resume after a stream_writable event (no polling), so a
//     missing wake-up shows as a stall.
// Seeded and deterministic; a failing seed is printed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <string>

#include "h2_harness.hpp"

using namespace h2pb;
using namespace h2pb::h2;
using namespace h2pb::test;

namespace {

std::uint8_t body_byte(std::uint32_t stream, std::size_t i, bool response) {
    return static_cast<std::uint8_t>(std::size_t{stream} * 131 + i * 7 + (i >> 8) +
                                     (response ? 101 : 0));
}
std::string make_body(std::uint32_t stream, std::size_t n, bool response) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(body_byte(stream, i, response));
    return s;
}
std::string checksum(std::string_view s) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return std::to_string(h) + ":" + std::to_string(s.size());
}

/// Recomputes the flow-control windows of one direction (sender -> receiver)
/// from the bytes on the wire, independently of the connection code.
class window_auditor {
  public:
    explicit window_auditor(bool sender_is_client)
        : fwd_(sender_is_client), rev_(!sender_is_client) {}

    /// Bytes the sender wrote, after it had received `seen_reverse` octets of the
    /// receiver's bytes.
    void on_forward(std::string_view bytes, std::size_t seen_reverse) {
        apply_reverse_up_to(seen_reverse);
        fwd_.feed(wire::as_bytes(bytes));
        for (auto e = fwd_.next(); e.what != frame_splitter::kind::need_more; e = fwd_.next()) {
            REQUIRE(e.what != frame_splitter::kind::error);  // a client starts with the preface
            if (e.what == frame_splitter::kind::frame) check_forward(e.frame.header);
        }
    }
    /// Bytes the receiver wrote (SETTINGS, WINDOW_UPDATE for the sender).
    void on_reverse(std::string_view bytes) { rev_pending_.append(bytes); }

    std::size_t data_frames = 0;

  private:
    void apply_reverse_up_to(std::size_t seen) {
        // Only what the sender had received counts: a frame applies once all
        // its octets lie within the first `seen`.
        const std::size_t n = std::min(rev_pending_.size(), seen - rev_fed_);
        rev_.feed(wire::as_bytes(std::string_view(rev_pending_).substr(0, n)));
        for (auto e = rev_.next(); e.what != frame_splitter::kind::need_more; e = rev_.next()) {
            REQUIRE(e.what != frame_splitter::kind::error);
            if (e.what == frame_splitter::kind::frame)
                apply_reverse(e.frame.header, wire::as_chars(e.frame.payload));
        }
        rev_pending_.erase(0, n);
        rev_fed_ += n;
    }

    void apply_reverse(const frame_header& h, std::string_view payload) {
        if (h.type == frame_type::settings && !h.has(flag::ack)) {
            for (std::size_t i = 0; i + 6 <= payload.size(); i += 6) {
                const auto* p = reinterpret_cast<const wire::byte*>(payload.data() + i);
                const std::uint16_t id = wire::load_be16(p);
                const std::uint32_t v = wire::load_be32(p + 2);
                if (id == 4) initial_ = v;
                if (id == 5) max_frame_ = v;
            }
        } else if (h.type == frame_type::window_update) {
            const std::uint32_t inc =
                wire::load_be32(reinterpret_cast<const wire::byte*>(payload.data())) & 0x7fffffff;
            if (h.stream_id == 0) {
                conn_window_ += inc;
            } else {
                streams_[h.stream_id].credited += inc;
            }
        }
    }

    void check_forward(const frame_header& h) {
        if (h.type == frame_type::data || h.type == frame_type::headers ||
            h.type == frame_type::continuation) {
            INFO("frame of " << h.length << " octets on stream " << h.stream_id);
            REQUIRE(h.length <= max_frame_);  // the receiver's SETTINGS_MAX_FRAME_SIZE
        }
        if (h.type != frame_type::data) return;
        ++data_frames;
        auto& s = streams_[h.stream_id];
        const std::int64_t stream_window = std::int64_t{initial_} + s.credited - s.sent;
        INFO("DATA of " << h.length << " on stream " << h.stream_id << ": stream window "
                        << stream_window << ", connection window " << conn_window_);
        if (h.length > 0) {
            REQUIRE(h.length <= stream_window);
            REQUIRE(h.length <= conn_window_);
        }
        s.sent += h.length;
        conn_window_ -= h.length;
    }

    struct stream_audit {
        std::int64_t sent = 0;
        std::int64_t credited = 0;
    };
    frame_splitter fwd_;       ///< the sender's bytes (a client's start with the preface)
    frame_splitter rev_;       ///< the receiver's bytes, up to what the sender had seen
    std::string rev_pending_;  ///< the receiver's bytes not yet fed to rev_
    std::size_t rev_fed_ = 0;  ///< octets fed to rev_
    std::int64_t conn_window_ = 65535;
    std::uint32_t initial_ = 65535;
    std::uint32_t max_frame_ = 16384;
    std::map<std::uint32_t, stream_audit> streams_;
};

struct scenario {
    std::uint32_t seed;
    std::mt19937 rng;
    connection_options client_opts, server_opts;
    int streams;
    std::size_t max_body;

    explicit scenario(std::uint32_t s) : seed(s), rng(s) {
        auto pick = [&](std::initializer_list<std::uint32_t> v) {
            return *(v.begin() + rng() % v.size());
        };
        for (connection_options* o : {&client_opts, &server_opts}) {
            o->initial_window_size = pick({512, 4096, 65535, 262144, 1 << 20});
            o->connection_window_size =
                std::max<std::uint32_t>(65535, pick({65535, 200000, 4 << 20}));
            o->max_frame_size = pick({16384, 16384, 20000, 65536, 1 << 20});
            o->max_concurrent_streams = pick({4, 16, 100});
            o->limits.max_output_buffered = pick({32768, 1 << 20});
            // Both ways of releasing the connection window, by seed (no draw
            // from rng: the other choices of a seed stay what they were).
            o->connection_window_release =
                (s & 1) ? window_release::on_receive : window_release::on_consume;
        }
        streams = 20 + static_cast<int>(rng() % 30);
        max_body = pick({1000, 30000, 150000});
    }
    std::size_t rand_upto(std::size_t n) { return n == 0 ? 0 : rng() % (n + 1); }
    bool coin(unsigned percent) { return rng() % 100 < percent; }
};

/// One side's view of its streams.
struct side_stream {
    std::string to_send;    ///< the body we send
    std::size_t sent = 0;   ///< accepted by send_data
    bool ended = false;     ///< our END_STREAM went out (with the last DATA or trailers)
    bool may_write = true;  ///< false after a short send_data, until stream_writable
    bool headers_sent = false;
    std::string received;  ///< their body
    std::size_t unconsumed = 0;
    bool remote_ended = false;
    std::string trailer_sum;  ///< the checksum in their trailers
    bool reset = false;
};

struct side {
    connection& conn;
    bool is_server;
    scenario& sc;
    std::map<std::uint32_t, side_stream> streams;
    std::vector<std::string> errors;
    std::vector<std::uint32_t> refused;

    void operator()(const headers_received& e) {
        auto& s = streams[e.stream_id];
        if (e.kind == section_kind::trailers) {
            for (const auto& f : e.fields)
                if (f.name == "x-checksum") s.trailer_sum = std::string(f.value);
        } else if (is_server && e.kind == section_kind::request) {
            // Respond at once, from inside the handler.
            const hpack::field resp[] = {{":status", "200"},
                                         {"content-type", "application/octet-stream"}};
            if (conn.submit_response(e.stream_id, resp, false) != send_errc::ok)
                errors.push_back("response");
            s.headers_sent = true;
            s.to_send = make_body(e.stream_id, sc.rand_upto(sc.max_body), true);
        }
        if (e.end_stream) s.remote_ended = true;
    }
    void operator()(const data_received& e) {
        auto& s = streams[e.stream_id];
        s.received.append(wire::as_chars(e.data));
        s.unconsumed += e.data.size();
        if (e.end_stream) s.remote_ended = true;
        if (sc.coin(30)) consume(e.stream_id, s);  // a fast consumer, sometimes
    }
    void operator()(const stream_writable& e) {
        auto it = streams.find(e.stream_id);
        if (it == streams.end()) return errors.push_back("writable for unknown stream");
        it->second.may_write = true;
    }
    void operator()(const stream_reset& e) {
        streams[e.stream_id].reset = true;
        // A client may open streams before it learns the server's limit
        // (§5.1.2): REFUSED_STREAM is retryable, and retried.
        if (!is_server && e.retryable) return refused.push_back(e.stream_id);
        errors.push_back("stream reset " + std::to_string(e.stream_id) + " " +
                         std::string(name(e.code)));
    }
    void operator()(const connection_error& e) {
        errors.push_back("connection error: " + e.reason.message());
    }
    void operator()(const goaway_received&) { errors.push_back("goaway"); }
    void operator()(const auto&) {}

    void consume(std::uint32_t id, side_stream& s) {
        const std::size_t n = sc.coin(50) ? s.unconsumed : sc.rand_upto(s.unconsumed);
        conn.consume(id, n);
        s.unconsumed -= n;
    }

    /// Sends what the stream may send now, in a random write size.
    void pump_stream(std::uint32_t id, side_stream& s) {
        if (!s.headers_sent || s.ended || !s.may_write || s.reset) return;
        const std::size_t left = s.to_send.size() - s.sent;
        if (left > 0) {
            std::size_t want = sc.coin(20) ? left : std::min(left, 1 + sc.rand_upto(40000));
            const bool end = want == left && !(is_server);  // the server ends with trailers
            const auto own = sc.coin(50) ? data_ownership::borrow : data_ownership::copy;
            auto r = conn.send_data(id, wire::as_bytes(s.to_send).subspan(s.sent, want), end, own);
            if (!r)
                return errors.push_back(std::string("send_data: ") +
                                        std::string(describe(r.error())));
            s.sent += *r;
            if (*r < want) s.may_write = false;  // wait for stream_writable
            if (end && *r == want) s.ended = true;
            return;
        }
        if (is_server) {
            if (!s.remote_ended) return;  // the checksum covers the whole request
            const std::string sum = checksum(s.received);
            const hpack::field tr[] = {{"x-checksum", sum}};
            if (conn.submit_trailers(id, tr) != send_errc::ok) errors.push_back("trailers");
            s.ended = true;
        } else {
            auto r = conn.send_data(id, {}, true);
            if (!r) return errors.push_back("final empty DATA");
            s.ended = true;
        }
    }
};

/// One direction of the in-memory transport: bytes written, not yet read.
struct pipe {
    std::string bytes;
    std::size_t delivered_total = 0;
};

void run_scenario(std::uint32_t seed) {
    INFO("seed " << seed);
    scenario sc(seed);
    connection client(role::client, t0(), sc.client_opts);
    connection server(role::server, t0(), sc.server_opts);
    side cs{client, false, sc, {}, {}, {}};
    side ss{server, true, sc, {}, {}, {}};
    pipe c2s, s2c;
    window_auditor audit_c2s(true), audit_s2c(false);
    std::vector<std::uint32_t> ids;
    int opened = 0;
    std::size_t server_received_from_client = 0, client_received_from_server = 0;

    auto collect = [&](connection& c, pipe& p, window_auditor& fwd, window_auditor& rev,
                       std::size_t seen_reverse) {
        std::string out = drain(c);
        fwd.on_forward(out, seen_reverse);
        rev.on_reverse(out);
        p.bytes += out;
    };

    for (int iter = 0; iter < 200000; ++iter) {
        // The client opens streams while the server's limit allows.
        while (opened < sc.streams && sc.coin(60)) {
            auto r = client.submit_request(post_request("/s" + std::to_string(opened)), false);
            if (!r) {
                REQUIRE(r.error() == send_errc::too_many_streams);
                break;
            }
            auto& s = cs.streams[*r];
            s.headers_sent = true;
            s.to_send = make_body(*r, sc.rand_upto(sc.max_body), false);
            ids.push_back(*r);
            ++opened;
        }
        for (std::uint32_t id : cs.refused) {  // retried on a new stream
            ids.erase(std::find(ids.begin(), ids.end(), id));
            --opened;
        }
        cs.refused.clear();
        for (auto& [id, s] : cs.streams) cs.pump_stream(id, s);
        for (auto& [id, s] : ss.streams) ss.pump_stream(id, s);
        // Slow consumers catch up now and then.
        for (auto& [id, s] : cs.streams)
            if (s.unconsumed && sc.coin(40)) cs.consume(id, s);
        for (auto& [id, s] : ss.streams)
            if (s.unconsumed && sc.coin(40)) ss.consume(id, s);

        collect(client, c2s, audit_c2s, audit_s2c, client_received_from_server);
        collect(server, s2c, audit_s2c, audit_c2s, server_received_from_client);
        client.tick(t0(), cs);  // output drained: blocked writers may resume
        server.tick(t0(), ss);

        // The transport moves a random number of bytes each way.
        auto deliver = [&](pipe& p, connection& to, side& h, std::size_t& counter) {
            if (p.bytes.empty()) return;
            const std::size_t n =
                std::min(p.bytes.size(), 1 + sc.rand_upto(sc.coin(30) ? 50 : 70000));
            to.receive(wire::as_bytes(std::string_view(p.bytes).substr(0, n)), t0(), h);
            p.bytes.erase(0, n);
            counter += n;
        };
        deliver(c2s, server, ss, server_received_from_client);
        deliver(s2c, client, cs, client_received_from_server);

        INFO("client: " << (cs.errors.empty() ? "" : cs.errors[0])
                        << " server: " << (ss.errors.empty() ? "" : ss.errors[0]));
        REQUIRE(cs.errors.empty());
        REQUIRE(ss.errors.empty());

        const bool all_done =
            opened == sc.streams && std::all_of(ids.begin(), ids.end(), [&](std::uint32_t id) {
                const auto& c = cs.streams[id];
                return c.ended && c.remote_ended;
            });
        if (all_done && c2s.bytes.empty() && s2c.bytes.empty()) break;
    }

    // Every byte, both ways.
    INFO("client conn send window "
         << client.connection_send_window() << " server conn send window "
         << server.connection_send_window() << " client out " << client.output_size()
         << " server conn recv " << server.connection_recv_window());
    REQUIRE(opened == sc.streams);
    for (std::uint32_t id : ids) {
        INFO("stream " << id);
        const auto& c = cs.streams[id];
        const auto& s = ss.streams[id];
        INFO("client sent " << c.sent << "/" << c.to_send.size() << " ended " << c.ended
                            << " may_write " << c.may_write << "; server got " << s.received.size()
                            << " sent " << s.sent << "/" << s.to_send.size() << " ended " << s.ended
                            << " may_write " << s.may_write << " remote_ended " << s.remote_ended
                            << "; client got " << c.received.size()
                            << " unconsumed c=" << c.unconsumed << " s=" << s.unconsumed
                            << " stream window " << client.stream_send_window(id) << " capacity "
                            << client.send_capacity(id) << " server recv window "
                            << server.stream_recv_window(id));
        REQUIRE(c.remote_ended);
        CHECK(s.received == c.to_send);
        CHECK(c.received == s.to_send);
        CHECK(c.trailer_sum == checksum(c.to_send));
    }
    CHECK(client.active_streams() == 0);
    CHECK(server.active_streams() == 0);
    CHECK(audit_c2s.data_frames > 0);
}

}  // namespace

TEST_CASE("back to back: many concurrent streams, random windows, frames and chunks",
          "[h2][pair]") {
    for (std::uint32_t seed = 1; seed <= 64; ++seed) {
        DYNAMIC_SECTION("seed " << seed) {
            run_scenario(seed);
        }
    }
}
