// h2pb frames — decode a captured HTTP/2 byte stream (one direction) into
// annotated frames, with the real frame parser (h2/frame.hpp) and the real
// HPACK decoder (hpack/decoder.hpp), whose dynamic table carries over from
// one field block to the next as it does on a connection.
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
#include <h2pb/rpc/message_reader.hpp>
#include <h2pb/wire/hex.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "frames_decoder.hpp"

namespace h2pb::cli {
namespace {

constexpr std::string_view frames_help = R"help(usage: h2pb frames [OPTIONS] [HEX...]

Decodes a captured HTTP/2 byte stream — what one endpoint sent — into frames:
offset, length, type, flags by name, stream id, and the payload: SETTINGS by
name, error codes by name, priority fields, padding, and field blocks (the
HPACK-encoded header and trailer sections, RFC 9113 §4.3) decoded field by
field, each with its representation in RFC 7541 §6's words ("indexed field 62
(dynamic)", "literal with incremental indexing, name 1 (static)"). The
dynamic table carries over from block to block, as on the connection;
CONTINUATION fragments are joined first.

Checked, each reported with its RFC 9113 section and error code:
  - every frame's own rules: length, stream 0 or not, fixed payload sizes,
    padding, SETTINGS values, WINDOW_UPDATE of 0 (§4.1-§6.10); a field block
    not interrupted by other frames (§6.2, §6.10); HPACK decoding (§4.3)
  - the stream lifecycle as far as one direction shows it (§5.1, §5.1.1):
    no DATA or HEADERS after the sender's END_STREAM on that stream, nothing
    but PRIORITY after its RST_STREAM; a promised stream id even and
    increasing; and when the bytes are a client's (they start with the
    preface): each new stream (HEADERS on an unused id) odd and above every
    earlier one, no DATA, RST_STREAM or WINDOW_UPDATE on a stream the client
    has not opened, no PUSH_PROMISE (§8.4)
  - with --grpc: a stream that ends (END_STREAM, or the input) inside a gRPC
    message
Not checked (they need both directions): flow-control windows (§6.9),
SETTINGS ACKs, the other endpoint's resets, header field rules (§8.2).

Input (one of):
  HEX...              hex bytes on the command line
  --file F            read F ('-' is standard input); without HEX or --file,
                      standard input is read (`h2pb get --save` and `h2pb
                      serve --save` write such files)
  --hex / --binary    the file is hex text / raw bytes (default: hex when it
                      parses as hex, otherwise binary)

The client preface ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"):
  (default)           skipped when the bytes start with it (then they are a
                      client's)
  --preface           the bytes must start with it (a client's stream)
  --no-preface        never looked for (a server's stream)

Decoding:
  --max-frame-size N  SETTINGS_MAX_FRAME_SIZE the receiver advertised; larger
                      frames are reported (default 16777215: no check)
  --table-size N      SETTINGS_HEADER_TABLE_SIZE the receiver advertised: the
                      largest HPACK dynamic table accepted (default 4096, the
                      setting's initial value, RFC 9113 §6.5.2)
  --grpc              DATA payloads are gRPC streams: show each
                      Length-Prefixed-Message (5-byte prefix, then the protobuf
                      bytes, which `h2pb decode` explains), and say where a
                      payload ends inside one
  --raw               show each frame's 9 header octets too (RFC 9113 §4.1)
  --format text|json  annotated text (default) or JSON with the same content

Exit status: 0 decoded, 1 the input broke a rule (reported, and decoding goes
on where it can), 2 bad usage.
)help";

int usage_error(const std::string& msg) {
    return cli::report_usage_error("frames", msg);
}

std::optional<std::uint32_t> parse_u32(const std::string& s) {
    if (s.empty() || s.size() > 10 ||
        !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    const unsigned long long v = std::stoull(s);
    if (v > 0xffffffffull) return std::nullopt;
    return static_cast<std::uint32_t>(v);
}

void print_text(const frames_decoder& d, bool preface, std::size_t total, bool raw) {
    std::cout << d.frames.size() << " frame" << (d.frames.size() == 1 ? "" : "s") << ", " << total
              << " octets";
    if (preface) std::cout << " (client preface at 0-23)";
    std::cout << '\n';
    for (const auto& r : d.frames) print_frame_text(std::cout, r, {}, raw);
    if (!d.tail_error.empty()) std::cout << "error: " << d.tail_error << '\n';
}

void print_json(const frames_decoder& d, bool preface, std::size_t total, bool raw) {
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
        if (raw) j.member("header_hex", r.header_hex);
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
        if (h.type == h2::frame_type::settings && r.error.empty())
            write_settings_json(j, r.settings);
        if (r.block) {
            write_field_block_json(j, *r.block, /*with_error=*/true);
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
    const bool raw = a.take_flag("--raw");
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
    std::uint32_t table_size = h2::default_header_table_size;
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
    frames_decoder d(max_frame_size, table_size, grpc,
                     preface      ? sender::client
                     : no_preface ? sender::server
                                  : sender::unknown);
    d.run(bytes, preface ? h2::client_preface.size() : 0);
    d.finish();
    if (format == "json") {
        print_json(d, preface, in.bytes.size(), raw);
    } else {
        print_text(d, preface, in.bytes.size(), raw);
    }
    return d.failed ? 1 : 0;
}

}  // namespace h2pb::cli
