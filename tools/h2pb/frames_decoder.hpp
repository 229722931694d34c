// h2pb — the annotated frame decoder of `h2pb frames`, shared with the
// --trace output of `h2pb serve` and `h2pb get`, so that a live connection is
// printed exactly as a captured byte stream is: the real frame parser
// (h2/frame.hpp) and the real HPACK decoder (hpack/decoder.hpp), whose
// dynamic table carries over from one field block to the next.
//
// Besides each frame's own rules (h2/frame.hpp) it checks what one
// endpoint's byte stream alone can show of the stream lifecycle (RFC 9113
// §5.1, §5.1.1), see frames_decoder::check_stream.
#pragma once

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <h2pb/h2/errc.hpp>
#include <h2pb/h2/frame.hpp>
#include <h2pb/h2/frame_reader.hpp>
#include <h2pb/h2/frame_writer.hpp>
#include <h2pb/h2/settings.hpp>
#include <h2pb/hpack/decoder.hpp>
#include <h2pb/hpack/representation.hpp>
#include <h2pb/rpc/message_reader.hpp>
#include <h2pb/wire/hex.hpp>

#include "cli.hpp"
#include "hpack_words.hpp"

namespace h2pb::cli {

/// How many octets of a DATA (or unknown frame's) payload are shown in hex
/// before " ...": enough for a gRPC prefix and a small message, short enough
/// to keep one line per frame. Setting: frames_decoder::data_octets (`h2pb
/// trace --data-octets`), 0 meaning all.
inline constexpr std::size_t default_data_octets = 32;

/// The first `max` octets of b in hex, " ..." when there are more; max 0: all.
/// How many streams' states frames_decoder remembers. A capture or a long
/// trace may open any number of streams; past this many the lowest id is
/// forgotten (its later frames are no longer checked), so memory stays
/// bounded. Setting: frames_decoder::max_checked_streams.
inline constexpr std::size_t default_max_checked_streams = 65536;

/// Who sent the bytes a frames_decoder reads: it decides which stream ids
/// are new streams of the sender (§5.1.1: a client's are odd, a server's
/// even) and which frames only one side may send (PUSH_PROMISE, §8.4).
enum class sender { unknown, client, server };

inline std::string hex_preview(wire::bytes_view b, std::size_t max = default_data_octets) {
    if (max == 0) max = b.size();
    std::string s = wire::to_hex(b.subspan(0, std::min(max, b.size())));
    if (b.size() > max) s += " ...";
    return s;
}

inline bool printable(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
}

inline std::string flag_names(h2::frame_type t, std::uint8_t flags) {
    std::string s;
    for (std::uint8_t bit = 1; bit != 0; bit = static_cast<std::uint8_t>(bit << 1)) {
        if (!(flags & bit)) continue;
        const std::string_view n = h2::flag_name(t, bit);
        if (!s.empty()) s += '|';
        if (n.empty()) {
            char buf[16];
            std::snprintf(buf, sizeof buf, "0x%02x(unused)", bit);
            s += buf;
        } else {
            s += n;
        }
    }
    return s;
}

inline std::string code_name(h2::error_code c) {
    std::string n(h2::name(c));
    if (!h2::is_known(c)) {
        char buf[24];
        std::snprintf(buf, sizeof buf, "0x%x", static_cast<unsigned>(c));
        n += std::string(" ") + buf;
    }
    return n;
}

/// One decoded header field and how it was represented.
struct field_line {
    std::string name, value;
    std::string representation;  ///< hpack_words.hpp: "indexed field 62 (dynamic)", ...
    std::size_t offset = 0;      ///< in the block
    bool never_indexed = false;
};

struct block_report {
    std::vector<field_line> fields;
    std::vector<std::string> size_updates;
    std::size_t block_size = 0;
    std::size_t table_size_after = 0;
    std::string table_name;  ///< which of the connection's two tables (frames_decoder)
    std::string error;       ///< HPACK error, if any
};

struct grpc_message_report {
    bool compressed = false;
    std::size_t length = 0;
    std::string hex;
};

/// Everything known about one frame.
struct frame_report {
    std::size_t offset = 0;
    h2::frame_header header;
    std::string header_hex;  ///< the 9 frame-header octets (RFC 9113 §4.1)
    std::vector<std::pair<std::string, std::string>> details;  ///< key, value (in order)
    std::vector<h2::setting> settings;
    std::optional<block_report> block;  ///< a completed field block
    std::vector<grpc_message_report> messages;
    std::string error;  ///< a rule this frame breaks
    std::string error_code, error_scope, error_section;
    std::size_t error_offset = 0;
};

class frames_decoder {
  public:
    frames_decoder(std::uint32_t max_frame_size, std::uint32_t table_size, bool grpc,
                   sender from = sender::unknown)
        : max_frame_size_(max_frame_size),
          decoder_(hpack::decoder_options{table_size, 0xffffffffu, 0xffffffffu}),
          grpc_on_(grpc),
          from_(from) {}

    /// The HPACK decoder, for a caller that follows SETTINGS_HEADER_TABLE_SIZE
    /// (h2pb trace).
    hpack::decoder& hpack_decoder() noexcept { return decoder_; }

    std::vector<frame_report> frames;
    std::size_t data_octets = default_data_octets;  ///< of a DATA payload shown, 0: all
    std::string tail_error;                         ///< a truncated frame at the end
    bool failed = false;
    /// Names the HPACK dynamic table in "(field block ...; NAME now N
    /// octets)": a connection has two, one per direction (RFC 9113 §4.3.1).
    std::string table_name = "this direction's dynamic table";
    std::size_t max_checked_streams = default_max_checked_streams;

    /// Decodes the frames of `in`, whose first octet lies at offset `base`
    /// of the input; a frame cut off at the end is reported in tail_error.
    void run(wire::bytes_view in, std::size_t base) {
        h2::frame_splitter s(false, h2::max_max_frame_size, base);
        s.feed(in);
        for (auto e = s.next(); e.what == h2::frame_splitter::kind::frame; e = s.next())
            frames.push_back(decode(e.frame));
        const auto t = s.tail();
        using part = h2::frame_splitter::partial::part;
        if (t.what == part::header) {
            tail_error = "truncated frame header: " + std::to_string(t.have) +
                         " octets at offset " + std::to_string(t.offset);
            failed = true;
        } else if (t.what == part::payload) {
            tail_error = std::string(h2::name(t.header.type)) + " frame at offset " +
                         std::to_string(t.offset) + " announces " +
                         std::to_string(t.header.length) + " octets, " + std::to_string(t.have) +
                         " remain";
            failed = true;
        }
    }

    /// Decodes one whole frame (from an h2::frame_splitter): the next in
    /// this direction's byte stream.
    frame_report decode(const h2::frame_splitter::frame_view& f) {
        frame_report r;
        r.offset = f.offset;
        r.header = f.header;
        r.header_hex = wire::to_hex(f.header_octets);
        decode_frame(r, f.payload);
        return r;
    }

    /// The input has ended: with --grpc, a stream whose DATA stopped inside
    /// a gRPC message is reported (as `h2pb decode --grpc` reports it).
    void finish() {
        if (!tail_error.empty()) return;
        for (auto& [id, g] : grpc_) {
            const rpc::error e = g.reader.finish();
            if (!e) continue;
            if (!tail_error.empty()) tail_error += "; ";
            tail_error += "the input ends with stream " + std::to_string(id) + " inside a gRPC " +
                          "message: " + std::string(rpc::describe(e.code)) + " (stream offset " +
                          std::to_string(e.offset) + ")";
            failed = true;
        }
    }

  private:
    void fail(frame_report& r, const h2::error& e) {
        const auto& rule = h2::rule_of(e.code);
        r.error = std::string(rule.description);
        r.error_code = std::string(h2::name(rule.code));
        r.error_scope = rule.scope == h2::error_scope::stream ? "stream" : "connection";
        r.error_section = std::string(rule.section);
        r.error_offset = e.offset;
        failed = true;
    }

    void decode_frame(frame_report& r, wire::bytes_view payload) {
        const auto& h = r.header;
        // Frame sequencing of §4.3 / §6.10 that a stream of frames can break.
        if (block_open_ &&
            (h.type != h2::frame_type::continuation || h.stream_id != block_stream_)) {
            fail(r, {h2::errc::continuation_expected, r.offset});
            block_open_ = false;
        } else if (!block_open_ && h.type == h2::frame_type::continuation) {
            fail(r, {h2::errc::unexpected_continuation, r.offset});
            return;
        }
        const auto parsed = h2::parse_frame(h, payload, max_frame_size_, r.offset);
        if (!parsed) {
            fail(r, parsed.error());
            return;
        }
        std::visit([&](const auto& f) { describe(r, f); }, *parsed);
        if (r.error.empty()) check_stream(r, *parsed);
    }

    /// What the sender knows of one of its streams (§5.1): it has ended its
    /// side (END_STREAM: half-closed (local)) or reset the stream (closed).
    struct stream_seen {
        bool ended = false;
        bool reset = false;
    };

    /// The stream lifecycle rules one direction's bytes can break (§5.1,
    /// §5.1.1, §8.4), as the receiver would report them:
    ///  - a client's new stream (HEADERS on an id it has not used) must be odd
    ///    and above every stream it opened before (PROTOCOL_ERROR, §5.1.1);
    ///  - a client's DATA, RST_STREAM or WINDOW_UPDATE on an odd id above all
    ///    it opened is on an idle stream (PROTOCOL_ERROR, §5.1);
    ///  - after the sender's END_STREAM on a stream no DATA or HEADERS may
    ///    follow on it, after its RST_STREAM nothing but PRIORITY
    ///    (STREAM_CLOSED, §5.1);
    ///  - a promised stream id (PUSH_PROMISE) is even and increasing
    ///    (§5.1.1), and a client never sends PUSH_PROMISE (§8.4).
    /// What the other direction sent (the peer's RST_STREAM, its END_STREAM)
    /// is not in these bytes, so frames the sender may legally send in reply
    /// are never flagged.
    void check_stream(frame_report& r, const h2::any_frame& f) {
        const std::uint32_t id = r.header.stream_id;
        const h2::frame_type t = r.header.type;
        if (const auto* pp = std::get_if<h2::push_promise_frame>(&f)) {
            if (from_ == sender::client)
                return fail(r, {h2::errc::push_promise_by_client, r.offset});
            const std::uint32_t p = pp->promised_stream_id;
            if (p % 2 != 0) return fail(r, {h2::errc::stream_id_wrong_parity, r.offset});
            if (p <= last_promised_) return fail(r, {h2::errc::stream_id_not_increasing, r.offset});
            last_promised_ = p;
            remember(p);
        }
        if (id == 0 || t == h2::frame_type::priority || t == h2::frame_type::continuation ||
            !h2::is_known(t))
            return;
        const bool end_stream = r.header.has(h2::flag::end_stream) &&
                                (t == h2::frame_type::data || t == h2::frame_type::headers);
        auto it = streams_.find(id);
        if (it != streams_.end()) {
            const stream_seen& s = it->second;
            const bool carries = t == h2::frame_type::data || t == h2::frame_type::headers;
            if (s.reset || (s.ended && carries))
                return fail(r, {h2::errc::frame_on_closed_stream, r.offset});
        } else if (id > forgotten_up_to_) {
            // A stream id the sender has not used (or a client's old one).
            const bool client_id = id % 2 != 0;
            if (from_ == sender::client && t == h2::frame_type::headers) {
                if (!client_id) return fail(r, {h2::errc::stream_id_wrong_parity, r.offset});
                if (id <= last_opened_)
                    return fail(r, {h2::errc::stream_id_not_increasing, r.offset});
                last_opened_ = id;
            } else if (from_ == sender::client && client_id && id > last_opened_) {
                return fail(r, {h2::errc::frame_on_idle_stream, r.offset});
            }
            it = remember(id);
        }
        if (it == streams_.end()) return;
        if (end_stream) it->second.ended = true;
        if (t == h2::frame_type::rst_stream) it->second.reset = true;
        if (grpc_on_ && end_stream) grpc_end(r, id);
    }

    std::map<std::uint32_t, stream_seen>::iterator remember(std::uint32_t id) {
        auto it = streams_.try_emplace(id).first;
        while (streams_.size() > max_checked_streams) {
            if (streams_.begin() == it) break;
            forgotten_up_to_ = std::max(forgotten_up_to_, streams_.begin()->first);
            streams_.erase(streams_.begin());
        }
        return it;
    }

    void add(frame_report& r, std::string k, std::string v) {
        r.details.emplace_back(std::move(k), std::move(v));
    }

    void padding(frame_report& r, bool padded, std::uint8_t pad) {
        if (padded) add(r, "padding", std::to_string(pad));
    }

    void describe(frame_report& r, const h2::data_frame& f) {
        add(r, "data_length", std::to_string(f.data.size()));
        padding(r, f.padded, f.pad_length);
        if (!f.data.empty()) add(r, "data", hex_preview(f.data, data_octets));
        if (!grpc_on_) return;
        auto& g = grpc_[r.header.stream_id];
        g.reader.set_accept_compressed(true);
        g.reader.feed(f.data);
        g.fed += f.data.size();
        rpc::message m;
        rpc::read_status st;
        while ((st = g.reader.next(m)) == rpc::read_status::message) {
            r.messages.push_back({m.compressed, m.bytes.size(), wire::to_hex(m.bytes)});
            g.done = m.offset + rpc::prefix_size + m.bytes.size();
        }
        if (st == rpc::read_status::failed) {
            add(r, "grpc_error", g.reader.error().message());
            failed = true;
        } else if (g.fed > g.done) {
            // A gRPC message may span DATA frames (gRPC's PROTOCOL-HTTP2.md):
            // not an error unless the stream ends here (grpc_end).
            const std::size_t have = g.fed - g.done;
            std::string note = "the payload ends inside a gRPC message";
            if (g.reader.current_state() == rpc::message_reader::state::body) {
                note += ": " + std::to_string(have - rpc::prefix_size) + " of its " +
                        std::to_string(g.reader.current_prefix().length) +
                        " octets so far (after the " + std::to_string(rpc::prefix_size) +
                        "-octet prefix)";
            } else {
                note += " prefix: " + std::to_string(have) + " of its " +
                        std::to_string(rpc::prefix_size) + " octets so far";
            }
            add(r, "grpc_partial", note);
        }
    }

    /// The sender ended the stream: a gRPC message left unfinished is an error.
    void grpc_end(frame_report& r, std::uint32_t id) {
        const auto it = grpc_.find(id);
        if (it == grpc_.end()) return;
        const rpc::error e = it->second.reader.finish();
        if (e && e.code != rpc::errc::ok && !it->second.reported) {
            add(r, "grpc_error",
                "END_STREAM inside a gRPC message: " + std::string(rpc::describe(e.code)) +
                    " (stream offset " + std::to_string(e.offset) + ")");
            it->second.reported = true;
            failed = true;
        }
        grpc_.erase(it);
    }

    void describe(frame_report& r, const h2::headers_frame& f) {
        padding(r, f.padded, f.pad_length);
        if (f.has_priority) {
            add(r, "priority",
                "depends on " + std::to_string(f.priority.dependency) +
                    (f.priority.exclusive ? " (exclusive)" : "") + ", weight " +
                    std::to_string(f.priority.weight + 1));
            if (f.priority.dependency == r.header.stream_id)
                fail(r, {h2::errc::stream_depends_on_itself, r.offset});
        }
        fragment(r, f.fragment, f.end_headers);
    }

    void describe(frame_report& r, const h2::priority_frame& f) {
        add(r, "priority",
            "depends on " + std::to_string(f.priority.dependency) +
                (f.priority.exclusive ? " (exclusive)" : "") + ", weight " +
                std::to_string(f.priority.weight + 1));
    }

    void describe(frame_report& r, const h2::rst_stream_frame& f) {
        add(r, "error_code", code_name(f.code));
    }

    void describe(frame_report& r, const h2::settings_frame& f) {
        for (std::size_t i = 0; i < f.size(); ++i) {
            r.settings.push_back(f[i]);
            // §6.5.2's value ranges (ENABLE_PUSH = 1 only matters from a server).
            const h2::errc e = h2::validate(f[i], from_ == sender::server);
            if (e != h2::errc::ok && r.error.empty()) fail(r, {e, r.offset});
        }
    }

    void describe(frame_report& r, const h2::push_promise_frame& f) {
        padding(r, f.padded, f.pad_length);
        add(r, "promised_stream_id", std::to_string(f.promised_stream_id));
        fragment(r, f.fragment, f.end_headers);
    }

    void describe(frame_report& r, const h2::ping_frame& f) {
        add(r, "opaque_data", wire::to_hex(wire::bytes_view(f.opaque.data(), 8)));
    }

    void describe(frame_report& r, const h2::goaway_frame& f) {
        add(r, "last_stream_id", std::to_string(f.last_stream_id));
        add(r, "error_code", code_name(f.code));
        if (!f.debug_data.empty()) {
            const std::string_view d = wire::as_chars(f.debug_data);
            add(r, "debug_data",
                printable(d) ? "\"" + std::string(d) + "\"" : hex_preview(f.debug_data));
        }
    }

    void describe(frame_report& r, const h2::window_update_frame& f) {
        add(r, "window_size_increment", std::to_string(f.increment));
    }

    void describe(frame_report& r, const h2::continuation_frame& f) {
        fragment(r, f.fragment, f.end_headers);
    }

    void describe(frame_report& r, const h2::unknown_frame& f) {
        add(r, "ignored",
            "unknown frame type " + std::to_string(static_cast<unsigned>(r.header.type)) +
                " (RFC 9113 §4.1: discarded)");
        if (!f.payload.empty()) add(r, "payload", hex_preview(f.payload));
    }

    /// A field block fragment: collected until END_HEADERS, then decoded.
    void fragment(frame_report& r, wire::bytes_view frag, bool end_headers) {
        add(r, "fragment_length", std::to_string(frag.size()));
        if (!block_open_) {
            block_.clear();
            block_open_ = true;
            block_stream_ = r.header.stream_id;
        }
        block_.append(frag);
        if (!end_headers) return;
        block_open_ = false;
        block_report b;
        b.block_size = block_.size();
        auto on_field = [](const hpack::field&) {};
        auto observer = [&](const hpack::representation& rep) {
            if (rep.kind == hpack::representation_kind::table_size_update) {
                b.size_updates.push_back(representation_words(rep));
                return;
            }
            field_line l;
            l.name = std::string(rep.decoded.name);
            l.value = std::string(rep.decoded.value);
            l.offset = rep.offset;
            l.never_indexed = rep.kind == hpack::representation_kind::literal_never_indexed;
            l.representation = representation_words(rep);
            b.fields.push_back(std::move(l));
        };
        const hpack::error e = decoder_.decode(block_.view(), on_field, observer);
        if (e) {
            b.error = "HPACK: " + e.message() + " (COMPRESSION_ERROR, RFC 9113 §4.3)";
            failed = true;
        }
        b.table_size_after = decoder_.table_size();
        b.table_name = table_name;
        r.block = std::move(b);
    }

    /// One stream's gRPC messages: the reader, octets fed, octets through
    /// the last whole message.
    struct grpc_stream {
        rpc::message_reader reader;
        std::size_t fed = 0, done = 0;
        bool reported = false;
    };

    std::uint32_t max_frame_size_;
    hpack::decoder decoder_;
    bool grpc_on_;
    sender from_;
    std::map<std::uint32_t, grpc_stream> grpc_;
    std::map<std::uint32_t, stream_seen> streams_;
    std::uint32_t last_opened_ = 0;      ///< highest stream a client opened
    std::uint32_t last_promised_ = 0;    ///< highest promised stream id
    std::uint32_t forgotten_up_to_ = 0;  ///< streams up to this id are no longer tracked
    wire::buffer block_;
    bool block_open_ = false;
    std::uint32_t block_stream_ = 0;
};

/// One frame as `h2pb frames` prints it in text: a line with offset, type,
/// stream, length and flags, then the payload's details, one per line.
/// `raw`: the 9 frame-header octets too (`--raw`).
inline void print_frame_text(std::ostream& out, const frame_report& r, std::string_view indent = {},
                             bool raw = false) {
    const auto& h = r.header;
    out << indent << r.offset << "  " << h2::name(h.type);
    if (!h2::is_known(h.type))
        out << "(0x" << std::hex << static_cast<unsigned>(h.type) << std::dec << ')';
    out << "  stream " << h.stream_id << "  length " << h.length;
    if (h.flags) out << "  flags " << flag_names(h.type, h.flags);
    out << '\n';
    if (raw) out << indent << "    frame header: " << r.header_hex << '\n';
    for (const auto& [k, v] : r.details) out << indent << "    " << k << ": " << v << '\n';
    for (const auto& s : r.settings) {
        const std::string_view n = h2::name(static_cast<h2::setting_id>(s.id));
        out << indent << "    " << n;
        if (n == "UNKNOWN") out << "(0x" << std::hex << s.id << std::dec << ", ignored)";
        out << " = " << s.value << '\n';
    }
    if (r.block) {
        for (const auto& u : r.block->size_updates) out << indent << "    [" << u << "]\n";
        for (const auto& f : r.block->fields) {
            out << indent << "    " << f.name << ": "
                << (printable(f.value) ? f.value : "(" + hex_preview(wire::as_bytes(f.value)) + ")")
                << "   [" << f.representation << "]\n";
        }
        out << indent << "    (field block " << r.block->block_size
            << (r.block->block_size == 1 ? " octet" : " octets") << "; " << r.block->table_name
            << " now " << r.block->table_size_after << " octets)\n";
        if (!r.block->error.empty()) out << indent << "    error: " << r.block->error << '\n';
    }
    for (const auto& m : r.messages) {
        out << indent << "    gRPC message: " << m.length << " octets"
            << (m.compressed ? ", compressed" : "") << ": " << m.hex << '\n';
    }
    if (!r.error.empty()) {
        out << indent << "    error at offset " << r.error_offset << ": " << r.error << " ("
            << r.error_scope << " error " << r.error_code << ", RFC 9113 §" << r.error_section
            << ")\n";
    }
}

/// The "settings" member of a frame's JSON object (`h2pb frames --json`,
/// `h2pb trace --json`).
inline void write_settings_json(json& j, const std::vector<h2::setting>& settings) {
    j.key("settings");
    j.begin_array();
    for (const auto& st : settings) {
        j.begin_object();
        j.member("id", st.id);
        j.member("name", h2::name(static_cast<h2::setting_id>(st.id)));
        j.member("value", st.value);
        j.end_object();
    }
    j.end_array();
}

/// The "field_block" member (RFC 9113 §4.3's word): every field with its representation, the size
/// updates and the dynamic table size after the block; `with_error`: the
/// block's decoding error too, when there is one.
inline void write_field_block_json(json& j, const block_report& b, bool with_error) {
    j.key("field_block");
    j.begin_object();
    j.member("octets", b.block_size);
    j.key("fields");
    j.begin_array();
    for (const auto& f : b.fields) {
        j.begin_object();
        j.member("name", f.name);
        j.member("value", f.value);
        j.member("representation", f.representation);
        j.member("offset", f.offset);
        if (f.never_indexed) j.member("never_indexed", true);
        j.end_object();
    }
    j.end_array();
    j.key("size_updates");
    j.begin_array();
    for (const auto& u : b.size_updates) j.value(u);
    j.end_array();
    j.member("dynamic_table_size", b.table_size_after);
    if (with_error && !b.error.empty()) j.member("error", b.error);
    j.end_object();
}

}  // namespace h2pb::cli
