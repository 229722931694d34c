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
#include "frames_decoder.hpp"

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

void print_text(const frames_decoder& d, bool preface, std::size_t total) {
    std::cout << d.frames.size() << " frame" << (d.frames.size() == 1 ? "" : "s") << ", " << total
              << " octets";
    if (preface) std::cout << " (client preface at 0-23)";
    std::cout << '\n';
    for (const auto& r : d.frames) print_frame_text(std::cout, r);
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
        if (h.type == h2::frame_type::settings && r.error.empty())
            write_settings_json(j, r.settings);
        if (r.block) {
            write_header_block_json(j, *r.block, /*with_error=*/true);
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
