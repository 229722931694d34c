// h2pb hpack — decode or encode HPACK field blocks (RFC 7541), showing every
// representation: its octets, indexed or literal, Huffman or raw, and the
// dynamic table after each block.
//
// The annotations come from hpack::decoder's observer: what is printed is what
// the real decoder decoded. `encode` runs hpack::encoder and then annotates its
// output the same way, with a decoder that follows the encoder's table.
#include <cstdint>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <h2pb/hpack/decoder.hpp>
#include <h2pb/hpack/encoder.hpp>
#include <h2pb/proto_codec/utf8.hpp>
#include <h2pb/wire/hex.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "hpack_words.hpp"

namespace {

using namespace h2pb;

constexpr std::string_view usage_text =
    "usage: h2pb hpack decode [OPTIONS] HEX...   decode field blocks, one per argument, in\n"
    "                                             sequence (one decoder: the table carries over)\n"
    "       h2pb hpack decode [OPTIONS] --file F one block per line of F ('-': standard input)\n"
    "       h2pb hpack encode [OPTIONS] [FILE]    encode 'name: value' lines (standard input by\n"
    "                                             default); an empty line starts the next block\n"
    "\n"
    "options:\n"
    "  --format text|json          output format (default text)\n"
    "  --table-size N              SETTINGS_HEADER_TABLE_SIZE: ours when decoding, the peer's\n"
    "                              when encoding (default 4096)\n"
    "  --max-header-list-size N    decode: header list limit (default 16384)\n"
    "encode only:\n"
    "  --huffman shorter|always|never   when to Huffman-code strings (default shorter)\n"
    "  --index default|all|none         what to add to the dynamic table (default: h2pb's policy)\n"
    "  --never-index NAME               send NAME never-indexed (repeatable)\n"
    "\n"
    "A field block is the HPACK-encoded header or trailer section of one HTTP/2\n"
    "message (RFC 9113 §4.3; RFC 7541 says header block).\n"
    "\n"
    "Exit status: 0 success, 1 the input broke a rule (offset and rule are printed), 2 usage.\n";

int usage_error(const std::string& message) {
    return cli::report_usage_error("hpack", message, usage_text);
}

std::optional<std::uint32_t> parse_u32(const std::string& s) {
    if (s.empty() || s.size() > 10) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > UINT32_MAX) return std::nullopt;
    return static_cast<std::uint32_t>(v);
}

bool valid_utf8(std::string_view s) {  // RFC 3629, as protobuf strings are checked
    return proto::is_valid_utf8(reinterpret_cast<const wire::byte*>(s.data()), s.size());
}

/// Octets as text for JSON: as they are when they are UTF-8; otherwise each
/// octet becomes one code point (U+0000..U+00FF), and the caller adds the hex.
std::string octets_text(std::string_view s) {
    if (valid_utf8(s)) return std::string(s);
    std::string out;
    out.reserve(s.size() * 2);
    for (unsigned char c : s) {
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else {
            out += static_cast<char>(0xc0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3f));
        }
    }
    return out;
}

/// "name"/"value" members (plus "name_hex"/"value_hex" when not UTF-8).
void json_string(cli::json& j, std::string_view key, std::string_view octets) {
    j.member(key, octets_text(octets));
    if (!valid_utf8(octets))
        j.member(std::string(key) + "_hex", wire::to_hex(wire::as_bytes(octets), '\0'));
}

/// Octets as text for the terminal: printable ASCII as is, the rest \xHH.
std::string printable(std::string_view s) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            out += "\\x";
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
    return out;
}

/// Everything one block's decoding produced, for printing.
struct block_report {
    wire::buffer octets;
    std::vector<hpack::representation> reps;
    std::vector<std::pair<std::string, std::string>> strings;  // decoded name/value, copied
    hpack::error err;
    std::size_t table_size = 0;
    std::uint32_t table_max = 0;
    std::vector<std::pair<std::string, std::string>> table;  // newest first
};

block_report decode_block(hpack::decoder& d, wire::buffer octets) {
    block_report r;
    r.octets = std::move(octets);
    r.err = d.decode(
        r.octets.view(), [](const hpack::field&) {},
        [&](const hpack::representation& rep) {
            r.reps.push_back(rep);
            r.strings.emplace_back(rep.decoded.name, rep.decoded.value);
        });
    for (std::size_t i = 0; i < d.table().count(); ++i) {
        const auto e = d.table().at(i);
        r.table.emplace_back(e.name, e.value);
    }
    r.table_size = d.table_size();
    r.table_max = d.table().max_size();
    return r;
}

std::string describe_string(const hpack::literal_string& s, std::string_view decoded) {
    std::string out = s.huffman ? "huffman " : "raw ";
    out += std::to_string(s.length) + (s.length == 1 ? " octet" : " octets");
    if (s.huffman) out += " -> " + std::to_string(decoded.size());
    return out;
}

std::string describe(const hpack::representation& rep, std::string_view name,
                     std::string_view value) {
    std::string out = cli::representation_words(rep);
    if (rep.kind == hpack::representation_kind::table_size_update ||
        rep.kind == hpack::representation_kind::indexed)
        return out;
    if (rep.index == 0) out += ", name " + describe_string(rep.name, name);
    out += ", value " + describe_string(rep.value, value);
    return out;
}

void print_text(std::ostream& out, const block_report& r, std::size_t number) {
    out << "block " << number << ": " << r.octets.size()
        << (r.octets.size() == 1 ? " octet\n" : " octets\n");
    for (std::size_t i = 0; i < r.reps.size(); ++i) {
        const auto& rep = r.reps[i];
        const auto& [name, value] = r.strings[i];
        const auto bytes = r.octets.view().subspan(rep.offset, rep.length);
        char offset[16];
        std::snprintf(offset, sizeof offset, "  %4zu  ", rep.offset);
        out << offset << describe(rep, name, value) << '\n';
        for (std::size_t k = 0; k < bytes.size(); k += 16) {
            out << "        "
                << wire::to_hex(bytes.subspan(k, std::min<std::size_t>(16, bytes.size() - k)))
                << '\n';
        }
        if (rep.kind == hpack::representation_kind::table_size_update && rep.evicted != 0) {
            out << "        (evicted " << rep.evicted
                << (rep.evicted == 1 ? " entry)\n" : " entries)\n");
        }
        if (rep.kind != hpack::representation_kind::table_size_update) {
            out << "        -> " << printable(name) << ": " << printable(value);
            if (rep.decoded.never_indexed) out << "  (never indexed)";
            if (rep.added) out << "  (added to the dynamic table)";
            if (rep.evicted != 0) {
                out << "  (evicted " << rep.evicted << (rep.evicted == 1 ? " entry)" : " entries)");
            }
            if (!rep.emitted) out << "  (past the header list limit: not emitted)";
            out << '\n';
        }
    }
    if (r.err) {
        out << "  error at offset " << r.err.offset << ": " << hpack::describe(r.err.code) << '\n';
    }
    out << "  dynamic table: " << r.table.size()
        << (r.table.size() == 1 ? " entry, " : " entries, ") << r.table_size << " of "
        << r.table_max << " octets\n";
    for (std::size_t i = 0; i < r.table.size(); ++i) {
        const auto& [name, value] = r.table[i];
        char head[48];
        std::snprintf(head, sizeof head, "    [%3zu] (s = %3zu) ", hpack::static_table_size + 1 + i,
                      name.size() + value.size() + hpack::entry_overhead);
        out << head << printable(name) << ": " << printable(value) << '\n';
    }
}

void print_json_block(cli::json& j, const block_report& r, std::size_t number) {
    j.begin_object();
    j.member("block", number);
    j.member("octets", r.octets.size());
    j.member("hex", wire::to_hex(r.octets.view(), '\0'));
    j.key("representations");
    j.begin_array();
    for (std::size_t i = 0; i < r.reps.size(); ++i) {
        const auto& rep = r.reps[i];
        const auto& [name, value] = r.strings[i];
        j.begin_object();
        j.member("offset", rep.offset);
        j.member("length", rep.length);
        j.member("hex", wire::to_hex(r.octets.view().subspan(rep.offset, rep.length), '\0'));
        j.member("kind", hpack::id(rep.kind));
        j.member("evicted", rep.evicted);
        if (rep.kind == hpack::representation_kind::table_size_update) {
            j.member("max_size", rep.index);
            j.end_object();
            continue;
        }
        if (rep.kind == hpack::representation_kind::indexed) {
            j.member("index", rep.index);
            j.member("table", cli::table_of(rep.index));
        } else {
            j.member("name_index", rep.index);
            if (rep.index != 0) {
                j.member("name_table", cli::table_of(rep.index));
            } else {
                j.member("name_huffman", rep.name.huffman);
                j.member("name_octets", rep.name.length);
            }
            j.member("value_huffman", rep.value.huffman);
            j.member("value_octets", rep.value.length);
        }
        json_string(j, "name", name);
        json_string(j, "value", value);
        j.member("never_indexed", rep.decoded.never_indexed);
        j.member("added", rep.added);
        j.member("emitted", rep.emitted);
        j.end_object();
    }
    j.end_array();
    j.key("headers");
    j.begin_array();
    for (std::size_t i = 0; i < r.reps.size(); ++i) {
        if (!r.reps[i].emitted) continue;
        j.begin_object();
        json_string(j, "name", r.strings[i].first);
        json_string(j, "value", r.strings[i].second);
        j.member("never_indexed", r.reps[i].decoded.never_indexed);
        j.end_object();
    }
    j.end_array();
    j.key("table");
    j.begin_object();
    j.member("size", r.table_size);
    j.member("max_size", r.table_max);
    j.key("entries");
    j.begin_array();
    for (std::size_t i = 0; i < r.table.size(); ++i) {
        j.begin_object();
        j.member("index", hpack::static_table_size + 1 + i);
        json_string(j, "name", r.table[i].first);
        json_string(j, "value", r.table[i].second);
        j.member("size",
                 r.table[i].first.size() + r.table[i].second.size() + hpack::entry_overhead);
        j.end_object();
    }
    j.end_array();
    j.end_object();
    if (r.err) {
        j.key("error");
        j.begin_object();
        j.member("offset", r.err.offset);
        j.member("code", hpack::id(r.err.code));
        j.member("message", hpack::describe(r.err.code));
        j.end_object();
    }
    j.end_object();
}

/// Prints the reports; returns the exit status (1 if the last one failed).
int print_reports(const std::vector<block_report>& reports, bool json) {
    const bool failed = !reports.empty() && static_cast<bool>(reports.back().err);
    if (json) {
        cli::json j(std::cout);
        j.begin_object();
        j.key("blocks");
        j.begin_array();
        for (std::size_t i = 0; i < reports.size(); ++i) print_json_block(j, reports[i], i + 1);
        j.end_array();
        j.member("ok", !failed);
        j.end_object();
    } else {
        for (std::size_t i = 0; i < reports.size(); ++i) print_text(std::cout, reports[i], i + 1);
    }
    if (failed) {
        const auto& e = reports.back().err;
        std::cerr << "h2pb hpack: block " << reports.size() << ", offset " << e.offset << ": "
                  << hpack::describe(e.code) << '\n';
        return 1;
    }
    return 0;
}

int hpack_decode(cli::args& a, bool json, std::uint32_t table_size) {
    hpack::decoder_options o;
    if (table_size != hpack::default_max_table_size) o.max_table_size = table_size;
    if (auto v = a.take_value("--max-header-list-size")) {
        const auto n = parse_u32(*v);
        if (!n) return usage_error("--max-header-list-size needs a number");
        o.max_header_list_size = *n;
    }
    const auto file = a.take_value("--file");
    if (auto bad = a.unknown_option()) return usage_error("unknown option " + *bad);
    std::vector<std::string> texts = a.positionals();
    if (file) {
        if (!texts.empty()) return usage_error("give blocks either as arguments or with --file");
        const auto content = cli::read_file(*file);
        if (!content) {
            std::cerr << "h2pb hpack: cannot read " << *file << '\n';
            return 1;
        }
        std::istringstream lines(*content);
        for (std::string line; std::getline(lines, line);) {
            const auto first = line.find_first_not_of(" \t\r");
            if (first == std::string::npos || line[first] == '#') continue;
            texts.push_back(line);
        }
    }
    if (texts.empty()) return usage_error("no field block given");
    hpack::decoder d(o);
    std::vector<block_report> reports;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        wire::buffer octets;
        if (auto e = wire::parse_hex(texts[i], octets)) {
            std::cerr << "h2pb hpack: block " << i + 1 << " is not hex: character " << e.offset
                      << ": " << wire::describe(e.code) << '\n';
            return 1;
        }
        reports.push_back(decode_block(d, std::move(octets)));
        if (reports.back().err) break;
    }
    return print_reports(reports, json);
}

/// "name: value" (a pseudo-header's name starts with ':'); the value's
/// leading spaces and tabs are dropped.
bool split_line(std::string_view line, std::string& name, std::string& value) {
    const std::size_t colon = line.find(':', line.empty() || line[0] != ':' ? 0 : 1);
    if (colon == std::string_view::npos || colon == 0) return false;
    name = std::string(line.substr(0, colon));
    std::string_view rest = line.substr(colon + 1);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    value = std::string(rest);
    return true;
}

int hpack_encode(cli::args& a, bool json, std::uint32_t table_size) {
    hpack::encoder_options o;
    if (table_size > o.max_table_size) o.max_table_size = table_size;
    if (auto h = a.take_value("--huffman")) {
        if (*h == "shorter")
            o.huffman = hpack::huffman_policy::shorter;
        else if (*h == "always")
            o.huffman = hpack::huffman_policy::always;
        else if (*h == "never")
            o.huffman = hpack::huffman_policy::never;
        else
            return usage_error("--huffman is shorter, always or never");
    }
    if (auto p = a.take_value("--index")) {
        if (*p == "all")
            o.policy = [](const hpack::field&) { return hpack::indexing::incremental; };
        else if (*p == "none")
            o.policy = [](const hpack::field&) { return hpack::indexing::without; };
        else if (*p != "default")
            return usage_error("--index is default, all or none");
    }
    while (auto n = a.take_value("--never-index")) o.sensitive_names.push_back(*n);
    if (auto bad = a.unknown_option()) return usage_error("unknown option " + *bad);
    const auto files = a.positionals();
    if (files.size() > 1) return usage_error("encode reads one file");
    const std::string path = files.empty() ? "-" : files[0];
    const auto content = cli::read_file(path);
    if (!content) {
        std::cerr << "h2pb hpack: cannot read " << path << '\n';
        return 1;
    }

    // Blocks of owned name/value pairs.
    std::vector<std::vector<std::pair<std::string, std::string>>> blocks(1);
    std::istringstream lines(*content);
    std::size_t line_number = 0;
    for (std::string line; std::getline(lines, line);) {
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) {
            if (!blocks.back().empty()) blocks.emplace_back();
            continue;
        }
        if (line[0] == '#') continue;
        std::string name, value;
        if (!split_line(line, name, value)) {
            std::cerr << "h2pb hpack: line " << line_number << ": expected 'name: value'\n";
            return 1;
        }
        blocks.back().emplace_back(std::move(name), std::move(value));
    }
    if (blocks.back().empty()) blocks.pop_back();
    if (blocks.empty()) return usage_error("no header fields given");

    hpack::encoder e(o);
    hpack::decoder d({.max_table_size = std::max(table_size, o.max_table_size),
                      .max_header_list_size = UINT32_MAX});
    if (table_size != hpack::default_max_table_size) {
        e.set_peer_max_table_size(table_size);
        d.set_max_table_size(table_size);
    }
    std::vector<block_report> reports;
    for (const auto& b : blocks) {
        std::vector<hpack::field> fields;
        fields.reserve(b.size());
        for (const auto& [name, value] : b) fields.push_back({name, value});
        wire::buffer out;
        e.encode(fields, out);
        reports.push_back(decode_block(d, std::move(out)));
        if (reports.back().err) break;  // would be a bug: the encoder's output must decode
    }
    return print_reports(reports, json);
}

}  // namespace

int h2pb::cli::run_hpack(int argc, char** argv) {
    if (argc < 2) return usage_error("decode or encode?");
    const std::string_view mode = argv[1];
    if (mode == "--help" || mode == "-h" || mode == "help") {
        std::cout << usage_text;
        return 0;
    }
    cli::args a(argc, argv, 2);
    if (a.take_flag("--help") || a.take_flag("-h")) {
        std::cout << usage_text;
        return 0;
    }
    bool json = false;
    if (auto f = a.take_value("--format")) {
        if (*f == "json")
            json = true;
        else if (*f != "text")
            return usage_error("--format is text or json");
    }
    std::uint32_t table_size = hpack::default_max_table_size;
    if (auto v = a.take_value("--table-size")) {
        const auto n = parse_u32(*v);
        if (!n) return usage_error("--table-size needs a number");
        table_size = *n;
    }
    if (mode == "decode") return hpack_decode(a, json, table_size);
    if (mode == "encode") return hpack_encode(a, json, table_size);
    return usage_error("unknown mode '" + std::string(mode) + "' (decode or encode)");
}
