// h2pb frames — decode a captured HTTP/2 byte stream (one direction) into
// annotated frames, with the real frame parser (h2/frame.hpp) and the real
// HPACK decoder (hpack/decoder.hpp), whose dynamic table carries over from
// one header block to the next as it does on a connection.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
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
#include "commands.hpp"

namespace h2pb::cli {
namespace {

constexpr std::string_view frames_help = R"(usage: h2pb frames [OPTIONS] [HEX...]

Decodes a captured HTTP/2 byte stream — what one endpoint sent — into frames:
offset, length, type, flags by name, stream id, and the payload: SETTINGS by
name, error codes by name, priority fields, padding, and header blocks decoded
with HPACK (the dynamic table carries over from block to block, as on the
connection; CONTINUATION fragments are joined first). Every frame rule of
RFC 9113 that the bytes break is reported with its section and error code.

Input (one of):
  HEX...              hex bytes on the command line
  --file F            read F ('-' is standard input); without HEX or --file,
                      standard input is read
  --hex / --binary    the file is hex text / raw bytes (default: hex when it
                      parses as hex, otherwise binary)

The client preface ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"):
  (default)           skipped when the bytes start with it
  --preface           the bytes must start with it (a client's stream)
  --no-preface        never looked for (a server's stream)

Decoding:
  --max-frame-size N  SETTINGS_MAX_FRAME_SIZE the receiver advertised; larger
                      frames are reported (default 16777215: no check)
  --table-size N      largest HPACK dynamic table accepted (default 65536)
  --grpc              DATA payloads are gRPC streams: show each
                      Length-Prefixed-Message (5-byte prefix, then the protobuf
                      bytes, which `h2pb decode` explains)
  --format text|json  annotated text (default) or JSON with the same content

Exit status: 0 decoded, 1 the input broke a rule (reported, and decoding goes
on where it can), 2 bad usage.
)";

int usage_error(const std::string& msg) {
    std::cerr << "h2pb frames: " << msg << "\n(h2pb frames --help for usage)\n";
    return 2;
}

std::optional<std::uint32_t> parse_u32(const std::string& s) {
    if (s.empty() || s.size() > 10 ||
        !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    const unsigned long long v = std::stoull(s);
    if (v > 0xffffffffull) return std::nullopt;
    return static_cast<std::uint32_t>(v);
}

std::string hex_preview(wire::bytes_view b, std::size_t max = 32) {
    std::string s = wire::to_hex(b.subspan(0, std::min(max, b.size())));
    if (b.size() > max) s += " ...";
    return s;
}

bool printable(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
}

std::string flag_names(h2::frame_type t, std::uint8_t flags) {
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

std::string code_name(h2::error_code c) {
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

    std::vector<frame_report> frames;
    std::string tail_error;  ///< a truncated frame at the end
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
        if (!f.data.empty()) add(r, "data", hex_preview(f.data));
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

void print_text(const frames_decoder& d, bool preface, std::size_t total) {
    std::cout << d.frames.size() << " frame" << (d.frames.size() == 1 ? "" : "s") << ", " << total
              << " octets";
    if (preface) std::cout << " (client preface at 0-23)";
    std::cout << '\n';
    for (const auto& r : d.frames) {
        const auto& h = r.header;
        std::cout << r.offset << "  " << h2::name(h.type);
        if (!h2::is_known(h.type))
            std::cout << "(0x" << std::hex << static_cast<unsigned>(h.type) << std::dec << ')';
        std::cout << "  stream " << h.stream_id << "  length " << h.length;
        if (h.flags) std::cout << "  flags " << flag_names(h.type, h.flags);
        std::cout << '\n';
        for (const auto& [k, v] : r.details) std::cout << "    " << k << ": " << v << '\n';
        for (const auto& s : r.settings) {
            const std::string_view n = h2::name(static_cast<h2::setting_id>(s.id));
            std::cout << "    " << n;
            if (n == "UNKNOWN") std::cout << "(0x" << std::hex << s.id << std::dec << ", ignored)";
            std::cout << " = " << s.value << '\n';
        }
        if (r.block) {
            for (const auto& u : r.block->size_updates) std::cout << "    [" << u << "]\n";
            for (const auto& f : r.block->fields) {
                std::cout << "    " << f.name << ": "
                          << (printable(f.value) ? f.value
                                                 : "(" + hex_preview(wire::as_bytes(f.value)) + ")")
                          << "   [" << f.representation << "]\n";
            }
            std::cout << "    (header block " << r.block->block_size
                      << (r.block->block_size == 1 ? " octet" : " octets") << "; dynamic table now "
                      << r.block->table_size_after << " octets)\n";
            if (!r.block->error.empty()) std::cout << "    error: " << r.block->error << '\n';
        }
        for (const auto& m : r.messages)
            std::cout << "    gRPC message: " << m.length << " octets"
                      << (m.compressed ? ", compressed" : "") << ": " << m.hex << '\n';
        if (!r.error.empty())
            std::cout << "    error at offset " << r.error_offset << ": " << r.error << " ("
                      << r.error_scope << " error " << r.error_code << ", RFC 9113 §"
                      << r.error_section << ")\n";
    }
    if (!d.tail_error.empty()) std::cout << "error: " << d.tail_error << '\n';
}

void print_json(const frames_decoder& d, bool preface, std::size_t total) {
    json j(std::cout);
    j.begin_object();
    j.member("octets", total);
    j.member("client_preface", preface);
    j.key("frames");
    j.begin_array();
    for (const auto& r : d.frames) {
        const auto& h = r.header;
        j.begin_object();
        j.member("offset", r.offset);
        j.member("length", h.length);
        j.member("type", h2::name(h.type));
        j.member("type_code", static_cast<unsigned>(h.type));
        j.member("flags_raw", static_cast<unsigned>(h.flags));
        j.key("flags");
        j.begin_array();
        for (std::uint8_t bit = 1; bit != 0; bit = static_cast<std::uint8_t>(bit << 1))
            if ((h.flags & bit) && !h2::flag_name(h.type, bit).empty())
                j.value(h2::flag_name(h.type, bit));
        j.end_array();
        j.member("stream_id", h.stream_id);
        for (const auto& [k, v] : r.details) {
            // Counts and ids are numbers; everything else (hex, names) text.
            const bool number =
                !v.empty() && v.size() < 11 && (v == "0" || v[0] != '0') &&
                std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
            if (number) {
                j.member(k, std::stoull(v));
            } else {
                j.member(k, v);
            }
        }
        if (h.type == h2::frame_type::settings && r.error.empty()) {
            j.key("settings");
            j.begin_array();
            for (const auto& s : r.settings) {
                j.begin_object();
                j.member("id", s.id);
                j.member("name", h2::name(static_cast<h2::setting_id>(s.id)));
                j.member("value", s.value);
                j.end_object();
            }
            j.end_array();
        }
        if (r.block) {
            j.key("header_block");
            j.begin_object();
            j.member("octets", r.block->block_size);
            j.key("fields");
            j.begin_array();
            for (const auto& f : r.block->fields) {
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
            for (const auto& u : r.block->size_updates) j.value(u);
            j.end_array();
            j.member("dynamic_table_size", r.block->table_size_after);
            if (!r.block->error.empty()) j.member("error", r.block->error);
            j.end_object();
        }
        if (!r.messages.empty()) {
            j.key("grpc_messages");
            j.begin_array();
            for (const auto& m : r.messages) {
                j.begin_object();
                j.member("compressed", m.compressed);
                j.member("length", m.length);
                j.member("hex", m.hex);
                j.end_object();
            }
            j.end_array();
        }
        if (!r.error.empty()) {
            j.key("error");
            j.begin_object();
            j.member("offset", r.error_offset);
            j.member("rule", r.error);
            j.member("code", r.error_code);
            j.member("scope", r.error_scope);
            j.member("section", r.error_section);
            j.end_object();
        }
        j.end_object();
    }
    j.end_array();
    if (!d.tail_error.empty()) j.member("error", d.tail_error);
    j.end_object();
}

}  // namespace

int run_frames(int argc, char** argv) {
    args a(argc, argv, 1);
    if (a.take_flag("--help") || a.take_flag("-h")) {
        std::cout << frames_help;
        return 0;
    }
    const bool force_hex = a.take_flag("--hex");
    const bool force_binary = a.take_flag("--binary");
    const bool want_preface = a.take_flag("--preface");
    const bool no_preface = a.take_flag("--no-preface");
    const bool grpc = a.take_flag("--grpc");
    const auto file = a.take_value("--file");
    const std::string format = a.take_value("--format").value_or("text");
    const auto max_frame = a.take_value("--max-frame-size");
    const auto table = a.take_value("--table-size");
    if (auto u = a.unknown_option()) return usage_error("unknown option " + *u);
    if (format != "text" && format != "json") return usage_error("--format is text or json");
    if (force_hex && force_binary) return usage_error("--hex and --binary exclude each other");
    if (want_preface && no_preface)
        return usage_error("--preface and --no-preface exclude each other");
    const auto hex_words = a.positionals();
    if (!hex_words.empty() && file) return usage_error("give hex bytes or --file, not both");
    if (hex_words.empty() && !file && isatty(STDIN_FILENO) != 0)
        return usage_error("no input: give hex bytes, --file F, or pipe the bytes in");

    std::uint32_t max_frame_size = h2::max_max_frame_size;
    if (max_frame) {
        const auto n = parse_u32(*max_frame);
        if (!n || *n < h2::min_max_frame_size || *n > h2::max_max_frame_size)
            return usage_error("--max-frame-size takes a number from 16384 to 16777215");
        max_frame_size = *n;
    }
    std::uint32_t table_size = 65536;
    if (table) {
        const auto n = parse_u32(*table);
        if (!n) return usage_error("--table-size takes a number");
        table_size = *n;
    }

    const input_format in_format = force_hex      ? input_format::hex
                                   : force_binary ? input_format::binary
                                                  : input_format::automatic;
    input_result in = read_input(hex_words, file, in_format);
    if (!in.error.empty()) {
        std::cerr << "h2pb frames: " << in.error << '\n';
        return in.error.rfind("cannot read", 0) == 0 ? 2 : 1;
    }
    wire::bytes_view bytes = in.bytes.view();
    const bool starts_with_preface = wire::as_chars(bytes).starts_with(h2::client_preface);
    bool preface = false;
    if (want_preface && !starts_with_preface) {
        std::cerr
            << "h2pb frames: the bytes do not start with the client preface (RFC 9113 §3.4)\n";
        return 1;
    }
    if (!no_preface && starts_with_preface) {
        preface = true;
        bytes = bytes.subspan(h2::client_preface.size());
    }
    frames_decoder d(max_frame_size, table_size, grpc);
    d.run(bytes, preface ? h2::client_preface.size() : 0);
    if (format == "json") {
        print_json(d, preface, in.bytes.size());
    } else {
        print_text(d, preface, in.bytes.size());
    }
    return d.failed ? 1 : 0;
}

}  // namespace h2pb::cli
