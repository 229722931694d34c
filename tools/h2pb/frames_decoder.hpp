// h2pb — the annotated frame decoder of `h2pb frames`, shared with the
// --trace output of `h2pb serve` and `h2pb get`, so that a live connection is
// printed exactly as a captured byte stream is: the real frame parser
// (h2/frame.hpp) and the real HPACK decoder (hpack/decoder.hpp), whose
// dynamic table carries over from one header block to the next.
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
#include <h2pb/h2/frame_writer.hpp>
#include <h2pb/h2/settings.hpp>
#include <h2pb/hpack/decoder.hpp>
#include <h2pb/hpack/representation.hpp>
#include <h2pb/rpc/message_framer.hpp>
#include <h2pb/wire/hex.hpp>

#include "cli.hpp"

namespace h2pb::cli {

/// How many octets of a DATA (or unknown frame's) payload are shown in hex
/// before " ...": enough for a gRPC prefix and a small message, short enough
/// to keep one line per frame. Setting: frames_decoder::data_octets (`h2pb
/// trace --data-octets`), 0 meaning all.
inline constexpr std::size_t default_data_octets = 32;

/// The first `max` octets of b in hex, " ..." when there are more; max 0: all.
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
    std::string representation;  ///< e.g. "indexed 62", "literal with incremental indexing"
    std::size_t offset = 0;      ///< in the block
    bool never_indexed = false;
};

struct block_report {
    std::vector<field_line> fields;
    std::vector<std::string> size_updates;
    std::size_t block_size = 0;
    std::size_t table_size_after = 0;
    std::string error;  ///< HPACK error, if any
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
    std::vector<std::pair<std::string, std::string>> details;  ///< key, value (in order)
    std::vector<h2::setting> settings;
    std::optional<block_report> block;  ///< a completed header block
    std::vector<grpc_message_report> messages;
    std::string error;  ///< a rule this frame breaks
    std::string error_code, error_scope, error_section;
    std::size_t error_offset = 0;
};

class frames_decoder {
  public:
    frames_decoder(std::uint32_t max_frame_size, std::uint32_t table_size, bool grpc)
        : max_frame_size_(max_frame_size),
          decoder_(hpack::decoder_options{table_size, 0xffffffffu, 0xffffffffu}),
          grpc_(grpc) {}

    /// The HPACK decoder, for a caller that follows SETTINGS_HEADER_TABLE_SIZE
    /// (h2pb trace).
    hpack::decoder& hpack_decoder() noexcept { return decoder_; }

    std::vector<frame_report> frames;
    std::size_t data_octets = default_data_octets;  ///< of a DATA payload shown, 0: all
    std::string tail_error;                         ///< a truncated frame at the end
    bool failed = false;

    void run(wire::bytes_view in, std::size_t base) {
        std::size_t pos = 0;
        while (pos < in.size()) {
            if (in.size() - pos < h2::frame_header_size) {
                tail_error = "truncated frame header: " + std::to_string(in.size() - pos) +
                             " octets at offset " + std::to_string(base + pos);
                failed = true;
                return;
            }
            const auto h = h2::parse_frame_header(in.data() + pos);
            const std::size_t avail = in.size() - pos - h2::frame_header_size;
            if (avail < h.length) {
                tail_error = std::string(h2::name(h.type)) + " frame at offset " +
                             std::to_string(base + pos) + " announces " + std::to_string(h.length) +
                             " octets, " + std::to_string(avail) + " remain";
                failed = true;
                return;
            }
            frame_report r;
            r.offset = base + pos;
            r.header = h;
            decode_frame(r, in.subspan(pos + h2::frame_header_size, h.length));
            frames.push_back(std::move(r));
            pos += h2::frame_header_size + h.length;
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
        if (!grpc_) return;
        auto& reader = readers_[r.header.stream_id];
        reader.set_accept_compressed(true);
        reader.feed(f.data);
        rpc::message m;
        rpc::read_status st;
        while ((st = reader.next(m)) == rpc::read_status::message)
            r.messages.push_back({m.compressed, m.bytes.size(), wire::to_hex(m.bytes)});
        if (st == rpc::read_status::failed) {
            add(r, "grpc_error", reader.error().message());
            failed = true;
        }
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
        for (std::size_t i = 0; i < f.size(); ++i) r.settings.push_back(f[i]);
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
                b.size_updates.push_back("dynamic table size update to " +
                                         std::to_string(rep.index));
                return;
            }
            field_line l;
            l.name = std::string(rep.decoded.name);
            l.value = std::string(rep.decoded.value);
            l.offset = rep.offset;
            l.never_indexed = rep.kind == hpack::representation_kind::literal_never_indexed;
            l.representation = std::string(hpack::name(rep.kind));
            if (rep.kind == hpack::representation_kind::indexed) {
                l.representation += " " + std::to_string(rep.index);
            } else if (rep.index != 0) {
                l.representation += ", name " + std::to_string(rep.index);
            }
            b.fields.push_back(std::move(l));
        };
        const hpack::error e = decoder_.decode(block_.view(), on_field, observer);
        if (e) {
            b.error = "HPACK: " + e.message() + " (COMPRESSION_ERROR, RFC 9113 §4.3)";
            failed = true;
        }
        b.table_size_after = decoder_.table_size();
        r.block = std::move(b);
    }

    std::uint32_t max_frame_size_;
    hpack::decoder decoder_;
    bool grpc_;
    std::map<std::uint32_t, rpc::message_reader> readers_;
    wire::buffer block_;
    bool block_open_ = false;
    std::uint32_t block_stream_ = 0;
};

/// One frame as `h2pb frames` prints it in text: a line with offset, type,
/// stream, length and flags, then the payload's details, one per line.
inline void print_frame_text(std::ostream& out, const frame_report& r,
                             std::string_view indent = {}) {
    const auto& h = r.header;
    out << indent << r.offset << "  " << h2::name(h.type);
    if (!h2::is_known(h.type))
        out << "(0x" << std::hex << static_cast<unsigned>(h.type) << std::dec << ')';
    out << "  stream " << h.stream_id << "  length " << h.length;
    if (h.flags) out << "  flags " << flag_names(h.type, h.flags);
    out << '\n';
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
        out << indent << "    (header block " << r.block->block_size
            << (r.block->block_size == 1 ? " octet" : " octets") << "; dynamic table now "
            << r.block->table_size_after << " octets)\n";
        if (!r.block->error.empty()) out << indent << "    error: " << r.block->error << '\n';
    }
    for (const auto& m : r.messages)
        out << indent << "    gRPC message: " << m.length << " octets"
            << (m.compressed ? ", compressed" : "") << ": " << m.hex << '\n';
    if (!r.error.empty())
        out << indent << "    error at offset " << r.error_offset << ": " << r.error << " ("
            << r.error_scope << " error " << r.error_code << ", RFC 9113 §" << r.error_section
            << ")\n";
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

/// The "header_block" member: every field with its representation, the size
/// updates and the dynamic table size after the block; `with_error`: the
/// block's decoding error too, when there is one.
inline void write_header_block_json(json& j, const block_report& b, bool with_error) {
    j.key("header_block");
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
