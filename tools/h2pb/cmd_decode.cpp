// h2pb decode — explain protobuf bytes field by field, optionally behind the
// gRPC 5-byte message prefix, optionally with field names from a .proto file.
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <h2pb/proto_codec/field_reader.hpp>
#include <h2pb/proto_codec/json_dynamic.hpp>
#include <h2pb/proto_codec/text_format.hpp>
#include <h2pb/rpc/message_reader.hpp>
#include <h2pb/wire/hex.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "explain.hpp"
#include "schema.hpp"

namespace h2pb::cli {
namespace {

// With a schema, `--format text` and `--format protojson` print each message
// whole rather than field by field: parsed into a proto::dynamic_message,
// then printed in protobuf text format as protoc --decode prints it
// (proto_codec/text_format.hpp), or in protobuf's JSON mapping
// (protobuf-docs/json.md, proto_codec/json_dynamic.hpp).
enum class whole_format { text, protojson };

/// Prints the message in b (b[0] at absolute offset base); false, with the
/// reason on standard error, when it does not parse or print.
bool print_whole(wire::bytes_view b, std::size_t base, const proto::message_descriptor& type,
                 const proto::descriptor_pool& pool, whole_format format,
                 const explain_options& opts) {
    proto::dynamic_message m(type);
    if (auto e = m.parse(b, opts.limits)) {
        std::cout.flush();
        std::cerr << "h2pb decode: offset " << base + e.offset << ": " << proto_rule(e.code)
                  << '\n';
        return false;
    }
    if (format == whole_format::text) {
        std::cout << proto::to_text(m);
        return true;
    }
    // The pool is also the registry of the types an Any may hold (json.md, "Any").
    std::string out;
    if (auto e = proto::json::to_json(m, out, {}, &pool)) {
        std::cout.flush();
        std::cerr << "h2pb decode: the message at offset " << base
                  << " has no JSON form: " << e.message() << '\n';
        return false;
    }
    std::cout << out << '\n';
    return true;
}

/// Each message whole; with --grpc one after the other: in text format each
/// under a `#` comment line (which text-format readers skip), in JSON one
/// object per line (JSON Lines) and a compressed message only noted on
/// standard error.
int print_messages(wire::bytes_view bytes, const proto::message_descriptor& type,
                   const proto::descriptor_pool& pool, whole_format format, bool grpc,
                   const explain_options& opts, const rpc::reader_settings& framing) {
    if (!grpc) return print_whole(bytes, 0, type, pool, format, opts) ? 0 : 1;
    rpc::message_reader reader(framing);
    reader.feed(bytes);
    rpc::message m;
    rpc::read_status st;
    std::size_t k = 0;
    while ((st = reader.next(m)) == rpc::read_status::message) {
        ++k;
        if (format == whole_format::text) {
            std::cout << "# gRPC message " << k << ", " << m.bytes.size() << " bytes"
                      << (m.compressed ? ", compressed (not inflated)\n" : "\n");
        } else if (m.compressed) {
            std::cout.flush();
            std::cerr << "h2pb decode: gRPC message " << k
                      << " is compressed (not inflated), not printed\n";
        }
        if (!m.compressed &&
            !print_whole(m.bytes, m.offset + rpc::prefix_size, type, pool, format, opts))
            return 1;
    }
    const rpc::error e = st == rpc::read_status::failed ? reader.error() : reader.finish();
    std::cout.flush();
    if (e) {
        std::cerr << "h2pb decode: offset " << e.offset << ": " << rpc::describe(e.code) << '\n';
        return 1;
    }
    return 0;
}

constexpr std::string_view decode_help = R"(usage: h2pb decode [OPTIONS] [HEX...]

Explains protobuf bytes field by field: byte offsets, tag bytes, field number,
wire type and value. Nested messages are indented.

Input (one of):
  HEX...              hex bytes on the command line: 08 96 01, 089601, 0x08,0x96
  --file F            read F ('-' is standard input); without HEX or --file,
                      standard input is read
  --hex / --binary    the file is hex text / raw bytes (default: hex when it
                      parses as hex, otherwise binary)

What the bytes are:
  --grpc              gRPC messages: each a 5-byte prefix (compressed-flag,
                      big-endian message-length) then the protobuf message;
                      several may follow each other
  --proto FILE        a .proto file (compiled with protoc) that declares ...
  --type NAME         ... the message type (pkg.Name, or Name when unique);
                      fields then get names and exact types (sint zigzag,
                      fixed, float, enum names, packed, maps)
  -I DIR, --proto_path DIR
                      import path for protoc (repeatable; default: the
                      folder of FILE)

Without --proto, values are shown in every reading the wire allows, and a
length-delimited value that parses completely as fields is shown as a nested
message (what protoc --decode_raw guesses), else as text when it is printable
UTF-8, else as hex.

Output and limits:
  --format text|json|protojson
                      text table (default) or a JSON tree with the same content;
                      with --proto and --type, an explicit --format text prints
                      the message in protobuf text format, as protoc --decode,
                      and --format protojson in protobuf's JSON mapping (with
                      --grpc: one JSON object per message per line)
  --max-depth N       nesting limit (default 100, as libprotobuf)
  --max-message-size N
                      largest gRPC message-length accepted (default 4194304,
                      4 MiB, as gRPC)

Exit status: 0 decoded, 1 the input broke a rule (the message on standard
error gives the byte offset and the rule; what was decoded before is printed),
2 bad usage.

Examples:
  h2pb decode 08 96 01 12 05 41 70 70 6c 65
  h2pb decode --grpc 00 00 00 00 0a 08 96 01 12 05 41 70 70 6c 65
  h2pb decode --proto docs/examples/fruit.proto --type Fruit 08 96 01 12 05 41 70 70 6c 65
  protoc --encode=tour.Fruit -I docs/examples fruit.proto < fruit.txt | h2pb decode --format json
)";

int usage_error(const std::string& msg) {
    return cli::report_usage_error("decode", msg);
}

// ---- text ------------------------------------------------------------------

struct row {
    std::string offset, tag, field, wire, bytes, value;
};

std::string range(std::size_t offset, std::size_t size) {
    if (size <= 1) return std::to_string(offset);
    return std::to_string(offset) + "-" + std::to_string(offset + size - 1);
}

void flatten(const std::vector<node>& nodes, std::size_t depth, std::vector<row>& rows) {
    for (const auto& n : nodes) {
        rows.push_back({range(n.offset, n.size), n.tag_hex, std::string(2 * depth, ' ') + n.label,
                        n.wire, n.value_hex, n.text});
        flatten(n.children, depth + 1, rows);
    }
}

/// The fields as a table: offset range, tag bytes, field (number and name,
/// indented by nesting), wire type, the value's bytes (LEN: the length
/// prefix), and the value.
void print_table(const std::vector<node>& nodes, std::ostream& out, const std::string& indent) {
    std::vector<row> rows = {{"offset", "tag", "field", "wire", "bytes", "value"}};
    flatten(nodes, 0, rows);
    if (rows.size() == 1) {
        out << indent << "(no fields)\n";
        return;
    }
    std::size_t w[5] = {};
    for (const auto& r : rows) {
        w[0] = std::max(w[0], r.offset.size());
        w[1] = std::max(w[1], r.tag.size());
        w[2] = std::max(w[2], r.field.size());
        w[3] = std::max(w[3], r.wire.size());
        w[4] = std::max(w[4], r.bytes.size());
    }
    auto pad = [](const std::string& s, std::size_t width) {
        return s + std::string(width - s.size() + 2, ' ');
    };
    for (const auto& r : rows)
        out << indent << pad(r.offset, w[0]) << pad(r.tag, w[1]) << pad(r.field, w[2])
            << pad(r.wire, w[3]) << pad(r.bytes, w[4]) << r.value << '\n';
}

// ---- JSON ------------------------------------------------------------------

void put_scalar(json& j, const scalar& v) {
    std::visit([&](const auto& x) { j.value(x); }, v);
}

void put_nodes(json& j, const std::vector<node>& nodes);

void put_node(json& j, const node& n) {
    j.begin_object();
    j.member("offset", n.offset);
    j.member("size", n.size);
    if (!n.tag_hex.empty()) {
        j.member("tag", n.tag_hex);
        j.member("number", n.number);
        j.member("wire_type", n.wire);
    }
    if (!n.value_hex.empty())
        j.member(n.wire == "LEN" ? "length_bytes" : "value_bytes", n.value_hex);
    for (const auto& a : n.attrs) {
        j.key(a.key);
        put_scalar(j, a.value);
    }
    if (!n.children_key.empty()) {
        j.key(n.children_key);
        put_nodes(j, n.children);
        for (const auto& c : n.children) {
            if (!c.end_group) continue;
            j.key("end_group");
            j.begin_object();
            j.member("offset", c.offset);
            j.member("tag", c.tag_hex);
            j.end_object();
        }
    }
    j.end_object();
}

void put_nodes(json& j, const std::vector<node>& nodes) {
    j.begin_array();
    for (const auto& n : nodes)
        if (!n.end_group) put_node(j, n);
    j.end_array();
}

// ---- the command -------------------------------------------------------------

struct grpc_message {
    rpc::message m;
    std::vector<node> fields;
};

/// A broken rule, from whichever layer found it.
struct failure_info {
    std::size_t offset = 0;
    std::string rule;
    std::string layer;  // "protobuf" or "grpc"
};

std::optional<std::size_t> parse_size(const std::string& s) {
    if (s.empty() || s.size() > 12 ||
        !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    return static_cast<std::size_t>(std::stoull(s));
}

}  // namespace

int run_decode(int argc, char** argv) {
    args a(argc, argv, 1);
    if (a.take_flag("--help") || a.take_flag("-h")) {
        std::cout << decode_help;
        return 0;
    }
    const bool grpc = a.take_flag("--grpc");
    const bool force_hex = a.take_flag("--hex");
    const bool force_binary = a.take_flag("--binary");
    const auto file = a.take_value("--file");
    const auto proto_file = a.take_value("--proto");
    const auto type_arg = a.take_value("--type");
    const auto format_arg = a.take_value("--format");
    const std::string format = format_arg.value_or("text");
    const auto max_depth = a.take_value("--max-depth");
    const auto max_message = a.take_value("--max-message-size");
    std::vector<std::string> import_paths;
    while (auto p = a.take_value("-I")) import_paths.push_back(*p);
    while (auto p = a.take_value("--proto_path")) import_paths.push_back(*p);
    if (auto u = a.unknown_option()) return usage_error("unknown option " + *u);
    if (format != "text" && format != "json" && format != "protojson")
        return usage_error("--format is text, json or protojson");
    if (force_hex && force_binary) return usage_error("--hex and --binary exclude each other");
    if (proto_file.has_value() != type_arg.has_value())
        return usage_error("--proto and --type go together");
    if (format == "protojson" && !proto_file)
        return usage_error("--format protojson needs the schema: --proto FILE --type NAME");
    const auto hex_words = a.positionals();
    if (!hex_words.empty() && file) return usage_error("give hex bytes or --file, not both");
    if (hex_words.empty() && !file && isatty(STDIN_FILENO) != 0)
        return usage_error("no input: give hex bytes, --file F, or pipe the bytes in");

    explain_options opts;
    if (max_depth) {
        const auto n = parse_size(*max_depth);
        if (!n) return usage_error("--max-depth takes a number");
        opts.limits.max_depth = *n;
    }
    rpc::reader_settings framing;
    framing.accept_compressed = true;  // explained, not inflated
    if (max_message) {
        const auto n = parse_size(*max_message);
        if (!n || *n > UINT32_MAX)
            return usage_error("--max-message-size takes a number up to 4294967295");
        framing.max_message_size = static_cast<std::uint32_t>(*n);
    }

    proto::descriptor_pool types;
    const proto::message_descriptor* type = nullptr;
    if (proto_file) {
        std::string err;
        const auto set = run_protoc(*proto_file, import_paths, &err);
        if (!set) return usage_error(err);
        if (auto e = add_descriptor_set(types, wire::as_bytes(*set)))
            return usage_error("protoc's descriptor set: " + e.message());
        type = resolve_message(types, *type_arg);
        if (type == nullptr) {
            std::string known;
            for (const auto& name : message_type_names(types)) known += "\n  " + name;
            return usage_error("no message type '" + *type_arg + "' in " + *proto_file +
                               " (or the name is ambiguous); its types:" + known);
        }
    }

    const input_format in_format = force_hex      ? input_format::hex
                                   : force_binary ? input_format::binary
                                                  : input_format::automatic;
    input_result in = read_input(hex_words, file, in_format);
    if (!in.error.empty()) {
        std::cerr << "h2pb decode: " << in.error << '\n';
        return in.error.rfind("cannot read", 0) == 0 ? 2 : 1;
    }
    const wire::bytes_view bytes = in.bytes.view();
    if (type != nullptr && (format_arg == "text" || format == "protojson")) {
        return print_messages(bytes, *type, types,
                              format == "protojson" ? whole_format::protojson : whole_format::text,
                              grpc, opts, framing);
    }

    explainer ex(opts);
    std::optional<failure_info> failed;
    std::vector<node> fields;
    std::vector<grpc_message> messages;
    auto proto_failure = [&](const proto::error& e) {
        failed = failure_info{e.offset, proto_rule(e.code), "protobuf"};
    };
    if (!grpc) {
        if (auto e = ex.message(bytes, 0, 0, type, fields)) proto_failure(e);
    } else {
        rpc::message_reader reader(framing);
        reader.feed(bytes);
        rpc::message m;
        rpc::read_status st;
        while (!failed && (st = reader.next(m)) == rpc::read_status::message) {
            grpc_message g{m, {}};
            if (!m.compressed) {
                if (auto e = ex.message(m.bytes, m.offset + rpc::prefix_size, 0, type, g.fields))
                    proto_failure(e);
            }
            messages.push_back(std::move(g));
        }
        if (!failed) {
            const rpc::error e = st == rpc::read_status::failed ? reader.error() : reader.finish();
            if (e) failed = failure_info{e.offset, std::string(rpc::describe(e.code)), "grpc"};
        }
    }

    const std::string what = type != nullptr ? type->full_name : std::string("no schema");
    if (format == "json") {
        json j(std::cout);
        j.begin_object();
        j.member("input_size", bytes.size());
        if (type != nullptr) {
            j.member("type", type->full_name);
            j.member("proto", *proto_file);
        }
        if (grpc) {
            j.key("grpc_messages");
            j.begin_array();
            for (const auto& g : messages) {
                j.begin_object();
                j.member("offset", g.m.offset);
                j.member("size", rpc::prefix_size + g.m.bytes.size());
                j.member("prefix", wire::to_hex(bytes.subspan(g.m.offset, rpc::prefix_size)));
                j.member("compressed_flag", g.m.compressed ? 1 : 0);
                j.member("message_length", g.m.bytes.size());
                j.member("message_offset", g.m.offset + rpc::prefix_size);
                if (g.m.compressed) {
                    j.member("compressed_hex", wire::to_hex(g.m.bytes));
                } else {
                    j.key("fields");
                    put_nodes(j, g.fields);
                }
                j.end_object();
            }
            j.end_array();
        } else {
            j.key("fields");
            put_nodes(j, fields);
        }
        if (failed) {
            j.key("error");
            j.begin_object();
            j.member("offset", failed->offset);
            j.member("rule", failed->rule);
            j.member("layer", failed->layer);
            j.end_object();
        }
        j.end_object();
    } else if (!grpc) {
        std::cout << "protobuf message, " << bytes_count(bytes.size()) << ", "
                  << (type != nullptr
                          ? "as " + what
                          : "no schema (nested messages guessed as protoc --decode_raw does)")
                  << ":\n";
        print_table(fields, std::cout, "");
    } else {
        std::size_t k = 0;
        for (const auto& g : messages) {
            const std::size_t len = g.m.bytes.size();
            const std::size_t at = g.m.offset;
            if (k != 0) std::cout << '\n';
            std::cout << "gRPC message " << ++k << ": bytes " << range(at, rpc::prefix_size + len)
                      << " = 5-byte prefix + " << bytes_count(len) << " of message\n";
            const std::string body = len == 0 ? "" : range(at + rpc::prefix_size, len);
            const std::size_t w =
                std::max({std::size_t{6}, range(at + 1, 4).size(), body.size()}) + 2;
            auto col = [w](const std::string& s) {
                return "  " + s + std::string(w - s.size(), ' ');
            };
            std::cout << col("offset") << "bytes        meaning\n";
            std::cout << col(std::to_string(at)) << wire::to_hex(bytes.subspan(at, 1))
                      << "           compressed-flag = "
                      << (g.m.compressed ? "1 (compressed with the stream's grpc-encoding)"
                                         : "0 (not compressed)")
                      << '\n';
            std::cout << col(range(at + 1, 4)) << wire::to_hex(bytes.subspan(at + 1, 4))
                      << "  message-length = " << len << " (big-endian uint32)\n";
            if (len == 0) {
                std::cout << "  (empty message: every field has its default value)\n";
                continue;
            }
            if (g.m.compressed) {
                std::string hx = short_hex(g.m.bytes, 3);
                hx.resize(std::max<std::size_t>(hx.size(), 11), ' ');
                std::cout << col(body) << hx
                          << "  compressed message (h2pb decode does not inflate it)\n";
                continue;
            }
            std::cout << col(body) << std::string(13, ' ') << "message: " << bytes_count(len)
                      << " of protobuf, "
                      << (type != nullptr ? "as " + what : std::string("no schema")) << ":\n";
            print_table(g.fields, std::cout, "    ");
        }
        if (messages.empty() && !failed) std::cout << "(no gRPC messages)\n";
    }
    std::cout.flush();
    if (failed) {
        std::cerr << "h2pb decode: offset " << failed->offset << ": " << failed->rule << '\n';
        return 1;
    }
    return 0;
}

}  // namespace h2pb::cli
