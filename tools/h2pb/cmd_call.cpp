// h2pb call — a client for any gRPC server, for people used to grpcurl:
// requests written as protobuf JSON (json.md), responses printed the same
// way, the schema from the server's reflection service or from .proto
// files, and --trace to watch the call layer by layer.
//
//   h2pb call --plaintext localhost:50051 list
//   h2pb call --plaintext localhost:50051 describe grpc.testing.SimpleRequest
//   h2pb call --plaintext -d '{"responseSize": 3}' localhost:50051
//   grpc.testing.TestService/UnaryCall
//
// The pieces: the schema is a proto::descriptor_pool, built from the
// FileDescriptorProtos that reflection_client.hpp fetches (v1, then
// v1alpha) or from the FileDescriptorSet protoc writes for --proto
// (schema.hpp's run_protoc). Requests are proto::dynamic_messages filled by
// proto::json::from_json and serialized; the call itself is the channel's
// call_core (rpc/asio/call.hpp), which moves message bytes; each response
// is parsed into a dynamic_message and printed by proto::json::to_json.
// --trace starts the proxy of `h2pb trace` (trace_proxy.hpp) on a loopback
// port in the same io_context and sends the call through it, so every frame,
// HPACK field, gRPC message and protobuf field is printed on stderr.
#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <utility>  // before Asio: its awaitable.hpp uses std::exchange

// Before Boost.Asio: under clang it turns on Asio's co_await support.
#include <h2pb/h2/asio/awaitable.hpp>

#include <boost/asio.hpp>

#include <h2pb/h2/asio/client.hpp>
#include <h2pb/h2/asio/tls.hpp>
#include <h2pb/h2/asio/url.hpp>
#include <h2pb/proto_codec/descriptor.hpp>
#include <h2pb/proto_codec/dynamic_message.hpp>
#include <h2pb/proto_codec/json_dynamic.hpp>
#include <h2pb/proto_codec/json_reader.hpp>
#include <h2pb/rpc/asio/call.hpp>
#include <h2pb/rpc/asio/channel.hpp>
#include <h2pb/rpc/grpc_web.hpp>
#include <h2pb/rpc/timeout.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "reflection_client.hpp"
#include "schema.hpp"
#include "trace_analyzer.hpp"
#include "trace_proxy.hpp"

namespace h2pb::cli {
namespace {

namespace net = boost::asio;
namespace ha = h2::asio;
namespace ra = rpc::asio;
namespace json = proto::json;
using tcp = net::ip::tcp;

/// The exit status of a call that ended with a status other than OK is this
/// plus the status code (1..16), as grpcurl does: 65 CANCELLED .. 80
/// UNAUTHENTICATED. 0 is OK; 1 a local failure (bad JSON, unknown method,
/// no schema); 2 bad usage.
constexpr int exit_status_base = 64;

/// After the call, with --trace: how long the proxy may take to print the
/// connection's last frames (GOAWAY, the close) before the tool exits.
/// Setting: none.
constexpr auto trace_drain_time = std::chrono::milliseconds(500);

constexpr const char* usage_text = R"(usage: h2pb call [options] HOST:PORT SERVICE/METHOD
       h2pb call [options] HOST:PORT list [SERVICE]
       h2pb call [options] HOST:PORT describe [SYMBOL]

A gRPC client for any server, with grpcurl's habits. The schema comes from
the server's reflection service (grpc.reflection.v1, else v1alpha) unless
--proto files are given. Requests are protobuf JSON (-d), responses are
printed as protobuf JSON on standard output, one pretty-printed object per
message (one line each with --format json-compact).

  list               the server's services, one per line (sorted)
  list SERVICE       the methods of SERVICE, fully qualified, one per line
  describe [SYMBOL]  the .proto-like definition of a service, method,
                     message or enum (without SYMBOL: every service)
  SERVICE/METHOD     calls pkg.Service/Method (pkg.Service.Method works too)

When the status is not OK, standard error gets
  ERROR:
    Code: NotFound
    Message: ...
and the exit status is 64 + the code (65 Canceled ... 80 Unauthenticated).
Other exit statuses: 0 OK, 1 a local failure (bad JSON, unknown method, no
schema), 2 bad usage.

options:
  --plaintext         h2c (HTTP/2 without TLS, prior knowledge); the default
                      is TLS with ALPN h2, the certificate verified against
                      the system's CAs
  --insecure          TLS without verifying the server's certificate
  --ca FILE           trusted CA certificates (PEM), besides the system's
  --authority NAME    :authority of the calls, and with TLS the SNI and the
                      name the certificate must have
  --connect-timeout S seconds a connection attempt may take (default 10)
  --proto FILE        a .proto file (repeatable; compiled with protoc
                      --include_imports) instead of reflection
  -I DIR, --proto_path DIR
                      import path for protoc (repeatable)
  -H 'NAME: VALUE'    request metadata (repeatable; also sent with the
                      reflection calls). NAME is lower-cased; the VALUE of a
                      NAME ending in -bin is base64 (standard or URL-safe,
                      padded or not) and is sent as the octets it encodes
  -d DATA             the request(s): JSON text, '@FILE' to read a file, '@'
                      or '-' to read standard input. Several JSON objects,
                      separated by white space, are several messages (client
                      and bidi streaming); none: one empty message
  --deadline S        the call's deadline, seconds from its start (decimals
                      allowed; sent as grpc-timeout)
  --format F          json (pretty, default) or json-compact (one line per
                      message)
  --emit-defaults     print fields without presence that hold their default
  -v                  also print the method, the request metadata, the
                      response headers and trailers, and the message counts
  --trace             send the call through h2pb trace's proxy on a
                      loopback port and print every layer of it on standard
                      error: frames, HPACK representations, gRPC messages
                      and protobuf fields
  --web               call a gRPC-Web server (PROTOCOL-WEB.md): content-type
                      application/grpc-web+proto, x-grpc-web: 1, the status
                      read from the trailer frame at the end of the body (or
                      from the headers of a Trailers-Only answer); over TLS
                      (ALPN h2) or, with --plaintext, h2c. Needs --proto
                      (reflection is a bidi stream, which gRPC-Web does not
                      carry); excludes --trace; --authority sets only the
                      :authority. The requests go as one body, so client and
                      bidi streams are sent whole first
  --web-text          --web with application/grpc-web-text+proto: both
                      bodies in base64
)";

/// Printed after a TLS verification failure: the two ways out.
constexpr const char* tls_verify_hint =
    "h2pb call: the server's certificate is not trusted: --ca FILE to trust its CA, or "
    "--insecure to skip the verification";

int usage_error(const std::string& msg) {
    return cli::report_usage_error("call", msg, usage_text);
}

int local_error(const std::string& msg) {
    std::cerr << "h2pb call: " << msg << '\n';
    return 1;
}

/// grpc-go's names of the codes (codes.Code.String()), which grpcurl prints.
std::string_view go_code_name(rpc::status_code c) {
    static constexpr std::array<std::string_view, 17> names = {
        "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
        "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
        "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
        "DataLoss", "Unauthenticated"};
    const auto i = static_cast<std::size_t>(c);
    return i < names.size() ? names[i] : "Unknown";
}

// ------------------------------------------------------------- the schema

/// The schema of the server's services, from reflection or --proto.
struct loaded_schema {
    proto::descriptor_pool pool;
    std::vector<std::string> services;  ///< what `list` prints
};

/// Adds the files gathered in `files` (each once, imports included) to the
/// pool; the services listed are every service of the pool, sorted.
std::optional<std::string> build_schema(const reflection_result& files, loaded_schema& out) {
    for (const auto& fdp : files.files)
        if (auto e = out.pool.add_file(wire::as_bytes(std::string_view(fdp)))) return e.message();
    if (auto e = out.pool.check_complete()) return e.message();
    return std::nullopt;
}

/// The schema from --proto files: protoc writes a FileDescriptorSet with
/// every import (run_protoc); two files may share imports.
std::optional<std::string> schema_from_protos(const std::vector<std::string>& protos,
                                              const std::vector<std::string>& import_paths,
                                              loaded_schema& out) {
    reflection_result files;
    for (const auto& p : protos) {
        std::string err;
        const auto set = run_protoc(p, import_paths, &err);
        if (!set) return err;
        proto::field_reader r(wire::as_bytes(*set));
        proto::field f;
        while (r.next(f))
            if (f.number == 1 && f.type == proto::wire_type::len)
                add_reflected_file(files, wire::as_chars(f.payload));
        if (r.error()) return "protoc's descriptor set does not parse";
    }
    if (auto e = build_schema(files, out)) return "protoc's descriptor set: " + *e;
    for (const auto& f : out.pool.files())
        for (const auto* s : f->services) out.services.push_back(s->full_name);
    std::sort(out.services.begin(), out.services.end());
    return std::nullopt;
}

/// Runs the reflection exchange on `ch`, keeping its connection open for the
/// call that follows, then stops `io` (which the call restarts: the
/// connection's pending reads stay queued across stop()).
ha::awaitable<void> reflect_then_pause(ra::channel* ch, ra::call_options o, reflection_result* out,
                                       net::io_context* io) {
    co_await reflect(ch, std::move(o), out, /*keep_open=*/true);
    io->stop();
}

/// The schema from the server's reflection service. With `ch` the exchange
/// runs on that channel (run on `io`), whose connection the call then
/// reuses; without, on a connection of its own (fetch_reflection).
std::optional<std::string> schema_from_reflection(const std::string& target,
                                                  const ra::channel_options& co,
                                                  const ra::call_options& o, loaded_schema& out,
                                                  ra::channel* ch, net::io_context& io) {
    reflection_result found;
    if (ch != nullptr) {
        net::co_spawn(io, reflect_then_pause(ch, o, &found, &io), net::detached);
        io.run();
        io.restart();
    } else {
        found = fetch_reflection(target, co, o);
    }
    for (const auto& n : found.notes)
        std::cerr << "h2pb call: reflection " << found.version << ": " << n << '\n';
    if (!found.status.ok()) {
        return "server reflection failed: " + found.status.to_string() +
               (found.status.message.find("certificate verify failed") != std::string::npos
                    ? std::string("\n") + tls_verify_hint
                    : std::string(" (give the schema with --proto)"));
    }
    if (auto e = build_schema(found, out)) return "the reflected files: " + *e;
    out.services = found.services;
    std::sort(out.services.begin(), out.services.end());
    return std::nullopt;
}

// ------------------------------------------------------------- describe

/// A field's type as a .proto names it: scalars by keyword, messages and
/// enums fully qualified with a leading dot (as grpcurl prints them).
std::string type_text(const proto::field_descriptor& f) {
    if (f.message_type != nullptr) return "." + f.message_type->full_name;
    if (f.enum_type != nullptr) return "." + f.enum_type->full_name;
    return std::string(proto::name(f.type));
}

std::string field_text(const proto::field_descriptor& f, bool proto2) {
    std::string s;
    if (f.is_map()) {
        s = "map<" + type_text(*f.message_type->map_key()) + ", " +
            type_text(*f.message_type->map_value()) + "> ";
    } else {
        if (f.is_repeated())
            s = "repeated ";
        else if (f.is_required())
            s = "required ";
        else if (f.proto3_optional || (proto2 && f.real_containing_oneof() == nullptr))
            s = "optional ";
        s += type_text(f) + " ";
    }
    s += f.name + " = " + std::to_string(f.number) + ";";
    return s;
}

std::string rpc_text(const proto::method_descriptor& m) {
    return "rpc " + m.name + " ( " + (m.client_streaming ? "stream " : "") + m.input_name +
           " ) returns ( " + (m.server_streaming ? "stream " : "") + m.output_name + " );";
}

void describe_enum(std::ostream& out, const proto::enum_descriptor& e, const std::string& indent) {
    out << indent << "enum " << e.name << " {\n";
    for (const auto& v : e.values) out << indent << "  " << v.name << " = " << v.number << ";\n";
    out << indent << "}\n";
}

/// A message and its nested types. Recursion is bounded by the nesting of
/// the descriptors, which descriptor_pool bounds (descriptor_limits).
void describe_message(std::ostream& out, const proto::message_descriptor& m,
                      const std::string& indent) {
    const bool proto2 = m.file != nullptr && m.file->syntax == proto::file_syntax::proto2;
    out << indent << "message " << m.name << " {\n";
    const proto::oneof_descriptor* open = nullptr;
    for (const proto::field_descriptor* f : m.fields()) {
        const proto::oneof_descriptor* o = f->real_containing_oneof();
        if (o != open) {
            if (open != nullptr) out << indent << "  }\n";
            if (o != nullptr) out << indent << "  oneof " << o->name << " {\n";
            open = o;
        }
        out << indent << (open != nullptr ? "    " : "  ") << field_text(*f, proto2) << '\n';
    }
    if (open != nullptr) out << indent << "  }\n";
    for (const auto* n : m.nested_types())
        if (!n->is_map_entry) describe_message(out, *n, indent + "  ");
    for (const auto* e : m.enum_types()) describe_enum(out, *e, indent + "  ");
    out << indent << "}\n";
}

void describe_service(std::ostream& out, const proto::service_descriptor& s) {
    out << "service " << s.name << " {\n";
    for (const auto& m : s.methods) out << "  " << rpc_text(*m) << '\n';
    out << "}\n";
}

/// grpcurl's `describe`: "NAME is a service:" and the definition.
bool describe(std::ostream& out, const loaded_schema& sc, std::string symbol) {
    if (!symbol.empty() && symbol[0] == '.') symbol.erase(0, 1);
    if (const auto* s = sc.pool.find_service(symbol)) {
        out << s->full_name << " is a service:\n";
        describe_service(out, *s);
        return true;
    }
    std::string dotted = symbol;
    std::replace(dotted.begin(), dotted.end(), '/', '.');
    if (const auto* m = sc.pool.find_method(dotted)) {
        out << m->full_name << " is a method:\n" << rpc_text(*m) << '\n';
        return true;
    }
    if (const auto* m = sc.pool.find_message(symbol)) {
        out << m->full_name << " is a message:\n";
        describe_message(out, *m, "");
        return true;
    }
    if (const auto* e = sc.pool.find_enum(symbol)) {
        out << e->full_name << " is an enum:\n";
        describe_enum(out, *e, "");
        return true;
    }
    return false;
}

// ------------------------------------------------------------- requests

/// -d's text: literal JSON, '@FILE', or '@' / '-' for standard input; at
/// most `limit` octets (parse_options::max_input_size).
std::optional<std::string> read_data(const std::string& spec, std::size_t limit, std::string& out) {
    auto read_all = [&](std::istream& in) -> std::optional<std::string> {
        char buf[65536];
        while (in.read(buf, sizeof buf) || in.gcount() > 0) {
            out.append(buf, static_cast<std::size_t>(in.gcount()));
            if (out.size() > limit)
                return "the request data is larger than " + std::to_string(limit) + " octets";
        }
        return std::nullopt;
    };
    if (spec == "@" || spec == "-") return read_all(std::cin);
    if (!spec.empty() && spec[0] == '@') {
        std::ifstream f(spec.substr(1), std::ios::binary);
        if (!f) return "cannot read " + spec.substr(1);
        return read_all(f);
    }
    if (spec.size() > limit)
        return "the request data is larger than " + std::to_string(limit) + " octets";
    out = spec;
    return std::nullopt;
}

/// Splits the text into JSON values separated by white space (grpcurl's
/// stream of objects) and turns each into a serialized request message.
std::optional<std::string> make_requests(std::string_view text,
                                         const proto::message_descriptor& type,
                                         const proto::descriptor_pool& pool,
                                         std::vector<std::string>& out) {
    json::parse_options po;
    json::json_reader r(text, po);
    proto::dynamic_message m(type);
    while (r.peek() != json::json_reader::token::end) {
        std::string_view one;
        if (!r.capture_value(one)) return "request data: " + r.error().message();
        if (auto e = json::from_json(m, one, po, &pool))
            return "request " + std::to_string(out.size() + 1) + ": " + e.message();
        out.push_back(m.serialize_as_string());
    }
    if (r.error()) return "request data: " + r.error().message();
    return std::nullopt;
}

// ------------------------------------------------------------- the call

struct call_plan {
    ra::channel* channel = nullptr;
    std::string path, service, method;
    rpc::method_kind kind = rpc::method_kind::unary;
    ra::call_options options;
    std::vector<std::string> requests;
    const proto::method_descriptor* desc = nullptr;
    const proto::descriptor_pool* pool = nullptr;
    json::print_options print;
    bool verbose = false;
};

struct call_outcome {
    rpc::status status;
    std::size_t sent = 0, received = 0;
    bool response_unreadable = false;
};

/// Metadata as grpcurl's -v prints it: "key: value" per entry; the values
/// of "-bin" keys, which the metadata holds as raw octets, printed as padded
/// standard base64 (RFC 4648 section 4), as grpcurl's MetadataToString does.
void print_metadata(std::ostream& out, const rpc::metadata& md) {
    if (md.empty()) out << "(empty)\n";
    for (const auto& [k, v] : md) {
        if (!rpc::is_binary_key(k)) {
            out << k << ": " << v << '\n';
            continue;
        }
        std::string b64;
        rpc::base64_encode(std::string_view(v), b64);
        b64.append((4 - b64.size() % 4) % 4, '=');
        out << k << ": " << b64 << '\n';
    }
}

/// -H's value for a "-bin" key: the text is base64 and the metadata holds
/// the octets it encodes (gRPC's Binary-Header, PROTOCOL-HTTP2.md), as
/// grpcurl decodes it. grpcurl accepts any of Go's four base64 flavours:
/// the standard and the URL-safe alphabet (RFC 4648 sections 4 and 5),
/// padded or not; so does this (rpc::base64_decode takes the standard
/// alphabet, padded or not, so '-' and '_' are mapped to '+' and '/').
/// nullopt: the text is not base64 (grpcurl would then send the text as it
/// is; h2pb call refuses it, so a typo is not sent as binary garbage).
std::optional<std::string> binary_header_value(std::string_view text) {
    std::string std_alphabet(text);
    for (auto& ch : std_alphabet) {
        if (ch == '-') ch = '+';
        if (ch == '_') ch = '/';
    }
    std::string octets;
    if (rpc::base64_decode(std_alphabet, octets) != rpc::base64_errc::ok) return std::nullopt;
    return octets;
}

/// Prints each response message as protobuf JSON on standard output (a
/// message that does not parse, or has no JSON form, is reported on
/// standard error and makes the exit status 1).
class response_printer {
  public:
    response_printer(const call_plan* p, call_outcome* out)
        : p_(p), out_(out), resp_(*p->desc->output_type) {}

    void print(wire::bytes_view bytes) {
        ++out_->received;
        text_.clear();
        if (auto e = resp_.parse(bytes)) {
            std::cerr << "h2pb call: response " << out_->received << " does not parse as "
                      << p_->desc->output_type->full_name << '\n';
            out_->response_unreadable = true;
            return;
        }
        const json::json_error je = json::to_json(resp_, text_, p_->print, p_->pool);
        if (je) {
            std::cerr << "h2pb call: response " << out_->received
                      << " has no JSON form: " << je.message() << '\n';
            out_->response_unreadable = true;
            return;
        }
        if (p_->verbose) std::cout << "\nResponse contents:\n";
        std::cout << text_ << '\n' << std::flush;
    }

  private:
    const call_plan* p_;
    call_outcome* out_;
    proto::dynamic_message resp_;
    std::string text_;
};

/// Writes the requests, then half-closes. For bidi it runs beside the
/// reading; it signals its end through `done` and `timer`.
ha::awaitable<void> write_requests(ra::detail::call_core* c, const std::vector<std::string>* reqs,
                                   call_outcome* out, bool* done, net::steady_timer* timer) {
    for (const auto& r : *reqs) {
        const bool ok = co_await c->send(wire::as_bytes(std::string_view(r)));
        if (!ok) break;
        ++out->sent;
    }
    (void)co_await c->close_send();
    *done = true;
    if (timer != nullptr) timer->cancel();
}

ha::awaitable<void> run_call(const call_plan* p, call_outcome* out, std::function<void()> after) {
    rpc::method_descriptor md{p->path, p->service, p->method, p->kind};
    auto c = co_await p->channel->start_call(md, p->options);
    bool writer_done = false;
    net::steady_timer writer_timer(p->channel->get_executor(),
                                   net::steady_timer::time_point::max());
    if (p->kind == rpc::method_kind::unary || p->kind == rpc::method_kind::server_streaming) {
        co_await c->send_only(p->requests.front());
        out->sent = 1;
        writer_done = true;
    } else if (p->kind == rpc::method_kind::client_streaming) {
        co_await write_requests(c.get(), &p->requests, out, &writer_done, nullptr);
    } else {
        net::co_spawn(p->channel->get_executor(),
                      write_requests(c.get(), &p->requests, out, &writer_done, &writer_timer),
                      net::detached);
    }

    bool headers_printed = false;
    auto headers = [&] {
        if (headers_printed || !p->verbose || !c->head_seen()) return;
        headers_printed = true;
        std::cout << "\nResponse headers received:\n";
        print_metadata(std::cout, c->initial_metadata());
    };
    std::string bytes;
    response_printer printer(p, out);
    for (;;) {
        const bool got = co_await c->next(bytes);
        headers();
        if (!got) break;
        printer.print(wire::as_bytes(std::string_view(bytes)));
    }
    // (No co_await inside ?: — g++ 12 destroys the temporaries twice.)
    rpc::status st;
    if (c->done()) {
        st = c->final_status();
    } else {
        rpc::status fin = co_await c->finish();
        st = std::move(fin);
    }
    if (!writer_done) {
        boost::system::error_code ec;
        co_await writer_timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    out->status = st;
    if (p->verbose) {
        std::cout << "\nResponse trailers received:\n";
        print_metadata(std::cout, c->trailing_metadata());
        std::cout << "Sent " << out->sent << " request" << (out->sent == 1 ? "" : "s")
                  << " and received " << out->received << " response"
                  << (out->received == 1 ? "" : "s") << '\n';
    }
    c.reset();
    after();
}

// ------------------------------------------------------------- gRPC-Web

/// A gRPC-Web call (--web, --web-text), PROTOCOL-WEB.md, made on the HTTP/2
/// client of `h2pb get` rather than the channel (whose calls are native
/// gRPC): the request is gRPC's, but with the content-type
/// application/grpc-web+proto (or application/grpc-web-text+proto, whose
/// body is base64 both ways) and `x-grpc-web: 1`; the response carries its
/// status in a trailer frame at the end of the body (flag 0x80), which
/// rpc::web::response_parser reads, or, when the call ends at once
/// (Trailers-Only), in the response header section.
struct web_plan {
    ha::url url;                 ///< scheme, host and port of the target
    ha::client_options options;  ///< TLS, connect timeout
    std::string authority;       ///< :authority of the request
    rpc::web::content_kind kind = rpc::web::content_kind::binary;
    std::optional<std::chrono::nanoseconds> timeout;  ///< --deadline
};

/// The status of an HTTP/2 stream that failed, mapped as the channel maps
/// it (rpc/asio/call.hpp, on_stream_error): past the deadline (our timer, or
/// the server's RST_STREAM(CANCEL) when it enforced the grpc-timeout we
/// sent) DEADLINE_EXCEEDED; another RST_STREAM through
/// http-grpc-status-mapping.md's table (code_from_rst_stream); the rest
/// UNAVAILABLE.
rpc::status web_stream_status(const ha::stream_error& e, bool past_deadline) {
    using ha::stream_errc;
    if (e.kind == stream_errc::timeout ||
        (past_deadline && e.kind == stream_errc::reset_by_peer && e.code == h2::error_code::cancel))
        return {rpc::status_code::deadline_exceeded, "Deadline Exceeded"};
    if (e.kind == stream_errc::reset_by_peer)
        return {rpc::code_from_rst_stream(e.code), e.to_string()};
    return {rpc::status_code::unavailable, e.to_string()};
}

/// The request, the response messages (printed) and the status of one
/// gRPC-Web call on `client`.
ha::awaitable<rpc::status> web_exchange(ha::client* client, const call_plan* p, const web_plan* w,
                                        call_outcome* out) {
    namespace web = rpc::web;
    const bool text = w->kind == web::content_kind::text;
    const std::string_view type = text ? web::text_content_type : web::binary_content_type;
    std::vector<hpack::field> fields{{":method", "POST"},          {":scheme", w->url.scheme},
                                     {":authority", w->authority}, {":path", p->path},
                                     {"content-type", type},       {"accept", type},
                                     {"x-grpc-web", "1"}};
    rpc::timeout_text timeout_text;
    std::optional<h2::time_point> deadline;
    if (w->timeout) {
        deadline = std::chrono::steady_clock::now() +
                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(*w->timeout);
        timeout_text = rpc::format_timeout(*w->timeout);
        fields.push_back({"grpc-timeout", timeout_text.view()});
    }
    std::string storage;
    rpc::to_hpack(p->options.md, fields, storage);
    auto past_deadline = [&] { return deadline && std::chrono::steady_clock::now() >= *deadline; };

    // The body: every request framed as native gRPC frames it (5-octet
    // prefix, then the message); for -text, all of it in one padded base64.
    wire::buffer framed;
    for (const auto& r : p->requests) {
        if (!rpc::write_message(framed, wire::as_bytes(std::string_view(r))))
            co_return rpc::status{rpc::status_code::internal, "request too large to frame"};
        ++out->sent;
    }
    std::string body;
    if (text)
        web::append_text(framed.view(), body);
    else
        body.assign(wire::as_chars(framed.view()));

    auto opened = co_await client->open(fields, false);
    if (!opened) co_return web_stream_status(opened.error(), past_deadline());
    ha::client_stream& st = *opened;
    if (deadline) st.set_deadline(*deadline);
    const ha::stream_error written =
        co_await st.write(wire::as_bytes(std::string_view(body)), true);
    // (The server may answer, and end the stream, before reading it all.)
    if (written && !st.complete()) co_return web_stream_status(written, past_deadline());
    const ha::stream_error head = co_await st.response();
    if (head) co_return web_stream_status(head, past_deadline());

    rpc::metadata initial, trailing;
    (void)rpc::from_hpack(st.headers(), initial);
    if (p->verbose) {
        std::cout << "\nResponse headers received:\n";
        print_metadata(std::cout, initial);
    }
    const unsigned http_status = st.status();
    if (http_status != 200) {  // http-grpc-status-mapping.md
        co_return rpc::status{
            rpc::code_from_http_status(http_status),
            "unexpected HTTP status code received from server: " + std::to_string(http_status)};
    }
    // Trailers-Only: the status is in the header section (grpc-status).
    if (!st.header("grpc-status").empty()) {
        co_return rpc::parse_trailers(st.headers(), trailing);
    }
    const web::content_kind got = web::classify(st.header("content-type"));
    if (got != web::content_kind::binary && got != web::content_kind::text) {
        co_return rpc::status{
            rpc::status_code::unknown,
            "received unexpected content-type \"" + std::string(st.header("content-type")) + "\""};
    }

    response_printer printer(p, out);
    web::response_parser parser(got);
    web::response_parser::event ev;
    std::optional<rpc::status> st_from_trailers;
    auto drain = [&]() -> std::optional<rpc::status> {
        for (;;) {
            switch (parser.next(ev)) {
                case web::response_parser::result::message:
                    if (ev.compressed)
                        return rpc::status{rpc::status_code::internal,
                                           "compressed message, but none was asked for"};
                    printer.print(ev.message);
                    continue;
                case web::response_parser::result::trailers:
                    st_from_trailers = rpc::parse_trailers(parser.trailers(), trailing);
                    continue;
                case web::response_parser::result::need_more:
                    return std::nullopt;
                case web::response_parser::result::failed:
                    return rpc::status{rpc::status_code::internal,
                                       std::string(web::describe(parser.error()))};
            }
        }
    };
    for (;;) {
        auto piece = co_await st.read();
        if (!piece) co_return web_stream_status(piece.error(), past_deadline());
        if (piece->empty()) break;
        if (parser.feed(*piece) != web::parse_errc::ok)
            co_return rpc::status{rpc::status_code::internal,
                                  std::string(web::describe(parser.error()))};
        if (auto failed = drain()) co_return *failed;
    }
    (void)parser.finish();
    if (auto failed = drain()) co_return *failed;
    if (p->verbose) {
        std::cout << "\nResponse trailers received:\n";
        print_metadata(std::cout, trailing);
    }
    if (st_from_trailers) co_return *st_from_trailers;
    // No trailer frame: a server that sent native HTTP/2 trailers instead.
    if (!st.trailers().empty()) co_return rpc::parse_trailers(st.trailers(), trailing);
    co_return rpc::status{rpc::status_code::internal,
                          "the gRPC-Web response ended without a trailer frame"};
}

/// Connects, makes the call, closes the connection.
ha::awaitable<void> run_web_call(const call_plan* p, const web_plan* w, call_outcome* out) {
    const ha::executor ex = co_await net::this_coro::executor;
    auto connected = co_await ha::client::connect(ex, w->url, w->options);
    if (!connected) {
        out->status = rpc::status{rpc::status_code::unavailable, connected.error().to_string()};
        co_return;
    }
    const std::shared_ptr<ha::client> client = *connected;
    rpc::status st = co_await web_exchange(client.get(), p, w, out);
    out->status = std::move(st);
    if (p->verbose) {
        std::cout << "Sent " << out->sent << " request" << (out->sent == 1 ? "" : "s")
                  << " and received " << out->received << " response"
                  << (out->received == 1 ? "" : "s") << '\n';
    }
    client->close();
}

/// Closes the channel of the reflection exchange (sending GOAWAY, RFC 9113
/// section 6.8) and runs `io` until its connection is gone, then gives
/// `rc`: for the exits after list, describe or a local error.
int close_then(net::io_context& io, std::unique_ptr<ra::channel>& ch, int rc) {
    if (ch) {
        ch->close();
        io.run();
        ch.reset();
    }
    return rc;
}

/// The exit status of a call, after printing a status other than OK as
/// grpcurl does. `unverified`: no certificate was verified (no hint then).
int finish_call(const call_outcome& outcome, bool unverified) {
    if (!outcome.status.ok()) {
        std::cerr << "ERROR:\n  Code: " << go_code_name(outcome.status.code)
                  << "\n  Message: " << outcome.status.message << '\n';
        if (!unverified &&
            outcome.status.message.find("certificate verify failed") != std::string::npos)
            std::cerr << tls_verify_hint << '\n';
        return exit_status_base + static_cast<int>(outcome.status.code);
    }
    return outcome.response_unreadable ? 1 : 0;
}

/// A positive number of seconds, decimals allowed ("2.5").
std::optional<std::chrono::nanoseconds> seconds_arg(const std::string& s) {
    if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789.") != std::string::npos)
        return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !(v > 0) || v > 1e8) return std::nullopt;
    return std::chrono::nanoseconds(static_cast<std::int64_t>(v * 1e9));
}

}  // namespace

int run_call(int argc, char** argv) {
    args a(argc, argv, 1);
    if (a.take_flag("--help") || a.take_flag("-h")) {
        std::cout << usage_text;
        return 0;
    }
    const bool plaintext = a.take_flag("--plaintext");
    const bool insecure = a.take_flag("--insecure");
    const auto ca = a.take_value("--ca");
    const auto authority = a.take_value("--authority");
    const auto connect_timeout = a.take_value("--connect-timeout");
    const auto data = a.take_value("-d");
    const auto deadline = a.take_value("--deadline");
    const auto format = a.take_value("--format").value_or("json");
    const bool emit_defaults = a.take_flag("--emit-defaults");
    const bool verbose = a.take_flag("-v");
    const bool trace = a.take_flag("--trace");
    const bool web_text = a.take_flag("--web-text");
    const bool web = a.take_flag("--web") || web_text;
    std::vector<std::string> protos, import_paths, headers;
    while (auto p = a.take_value("--proto")) protos.push_back(*p);
    while (auto p = a.take_value("-I")) import_paths.push_back(*p);
    while (auto p = a.take_value("--proto_path")) import_paths.push_back(*p);
    while (auto p = a.take_value("-H")) headers.push_back(*p);
    if (auto u = a.unknown_option()) return usage_error("unknown option " + *u);
    const auto pos = a.positionals();
    if (pos.size() < 2) return usage_error("HOST:PORT and a method, list or describe are needed");
    const std::string& target = pos[0];
    const std::string& what = pos[1];
    if ((what == "list" || what == "describe") ? pos.size() > 3 : pos.size() > 2)
        return usage_error("unexpected argument " + pos.back());
    if (plaintext && (insecure || ca))
        return usage_error("--plaintext excludes --insecure and --ca");
    if (insecure && ca) return usage_error("--insecure and --ca exclude each other");
    if (format != "json" && format != "json-compact")
        return usage_error("--format takes json or json-compact");
    if (web && protos.empty())
        return usage_error(
            "--web needs --proto: reflection is a bidi stream, which gRPC-Web does not carry");
    if (web && trace) return usage_error("--web excludes --trace");

    ra::channel_options co;
    co.use_tls = !plaintext;
    co.verify_peer = !insecure;
    if (ca) co.ca_file = *ca;
    if (authority) co.server_name_override = *authority;
    if (connect_timeout) {
        const auto t = seconds_arg(*connect_timeout);
        if (!t) return usage_error("--connect-timeout takes a positive number of seconds");
        co.http.connect_timeout = std::chrono::duration_cast<ha::duration>(*t);
    }
    ra::call_options o;
    for (const auto& h : headers) {
        const auto colon = h.find(':');
        if (colon == std::string::npos || colon == 0)
            return usage_error("-H takes 'NAME: VALUE', not '" + h + "'");
        std::string name = h.substr(0, colon);
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        std::string_view value = std::string_view(h).substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
            value.remove_prefix(1);
        std::optional<std::string> octets;
        if (rpc::is_binary_key(name)) {
            octets = binary_header_value(value);
            if (!octets) return usage_error("-H '" + h + "': a -bin value must be base64");
            value = *octets;
        }
        if (o.md.add(name, value) != rpc::metadata_errc::ok)
            return usage_error("-H '" + h + "': not a valid gRPC metadata entry");
    }
    if (deadline) {
        const auto t = seconds_arg(*deadline);
        if (!t) return usage_error("--deadline takes a positive number of seconds");
        o.timeout = *t;
    }

    std::signal(SIGPIPE, SIG_IGN);

    // One io_context for the reflection exchange and the call. Without
    // --trace they share one channel, so one connection (grpcurl's habit:
    // the server sees one client); with --trace the call goes through the
    // proxy and the reflection, made before the proxy can name the fields,
    // has its own connection.
    net::io_context io(1);
    std::unique_ptr<ra::channel> ch;
    if (!trace && !web) ch = std::make_unique<ra::channel>(io.get_executor(), target, co);

    // The schema.
    loaded_schema sc;
    if (!protos.empty()) {
        if (auto e = schema_from_protos(protos, import_paths, sc)) return local_error(*e);
    } else {
        ra::call_options ro;
        ro.md = o.md;
        ro.deadline =
            std::chrono::steady_clock::now() +
            (o.timeout ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(*o.timeout)
                       : std::chrono::seconds(default_reflect_timeout_s));
        if (auto e = schema_from_reflection(target, co, ro, sc, ch.get(), io))
            return close_then(io, ch, local_error(*e));
    }

    if (what == "list") {
        if (pos.size() == 2) {
            for (const auto& s : sc.services) std::cout << s << '\n';
            return close_then(io, ch, 0);
        }
        const auto* s = sc.pool.find_service(pos[2]);
        if (s == nullptr) return close_then(io, ch, local_error("Service not found: " + pos[2]));
        for (const auto& m : s->methods) std::cout << m->full_name << '\n';
        return close_then(io, ch, 0);
    }
    if (what == "describe") {
        if (pos.size() == 3) {
            if (!describe(std::cout, sc, pos[2]))
                return close_then(io, ch, local_error("Symbol not found: " + pos[2]));
            return close_then(io, ch, 0);
        }
        for (const auto& name : sc.services) {
            if (!describe(std::cout, sc, name))
                return close_then(io, ch, local_error("Symbol not found: " + name));
        }
        return close_then(io, ch, 0);
    }

    // The call.
    std::string dotted = what;
    if (!dotted.empty() && dotted[0] == '/') dotted.erase(0, 1);
    std::replace(dotted.begin(), dotted.end(), '/', '.');
    const proto::method_descriptor* m = sc.pool.find_method(dotted);
    if (m == nullptr) return close_then(io, ch, local_error("method not found: " + what));
    call_plan plan;
    plan.desc = m;
    plan.pool = &sc.pool;
    plan.path = m->path();
    plan.service = m->service->full_name;
    plan.method = m->name;
    plan.kind = m->client_streaming ? (m->server_streaming ? rpc::method_kind::bidi_streaming
                                                           : rpc::method_kind::client_streaming)
                                    : (m->server_streaming ? rpc::method_kind::server_streaming
                                                           : rpc::method_kind::unary);
    plan.print.pretty = format == "json";
    plan.print.always_print_fields_with_no_presence = emit_defaults;
    plan.verbose = verbose;
    plan.options = o;
    {
        std::string text;
        if (data) {
            if (auto e = read_data(*data, proto::json::parse_options{}.max_input_size, text))
                return close_then(io, ch, local_error(*e));
        }
        if (auto e = make_requests(text, *m->input_type, sc.pool, plan.requests))
            return close_then(io, ch, local_error(*e));
    }
    if (!m->client_streaming) {
        if (plan.requests.empty()) plan.requests.emplace_back();  // grpcurl: an empty message
        if (plan.requests.size() > 1) {
            return close_then(io, ch,
                              local_error(m->full_name + " takes one request message, -d has " +
                                          std::to_string(plan.requests.size())));
        }
    }
    if (verbose) {
        std::cout << "\nResolved method descriptor:\n"
                  << rpc_text(*m) << "\n\nRequest metadata to send:\n";
        print_metadata(std::cout, o.md);
    }

    call_outcome outcome;
    outcome.status = rpc::status{rpc::status_code::unknown, "the call did not finish"};
    if (web) {
        web_plan w;
        const auto parsed = ha::parse_url((plaintext ? "http://" : "https://") + target);
        if (!parsed) return usage_error("--web needs the target as HOST:PORT, not " + target);
        w.url = *parsed;
        w.options.tls.verify_peer = !insecure;
        if (ca) w.options.tls.ca_file = *ca;
        w.options.connect_timeout = co.http.connect_timeout;
        w.authority = authority.value_or(w.url.authority);
        w.kind = web_text ? rpc::web::content_kind::text : rpc::web::content_kind::binary;
        w.timeout = o.timeout;
        net::co_spawn(io, run_web_call(&plan, &w, &outcome), net::detached);
        io.run();
        return finish_call(outcome, plaintext || insecure);
    }

    // --trace: the proxy between the call and the server, on a loopback
    // port, printing to stderr; the call goes to it in h2c (the trace shows
    // the HTTP/2 connection; TLS, if any, is the proxy's towards the server).
    auto tst = std::make_shared<trace_proxy_state>();
    tcp::acceptor acceptor(io);
    std::string call_target = target;
    ra::channel_options call_co = co;
    if (trace) {
        const auto colon = target.rfind(':');
        if (colon == std::string::npos || colon == 0)
            return usage_error("--trace needs the target as HOST:PORT");
        std::string host = target.substr(0, colon);
        if (host.size() > 2 && host.front() == '[' && host.back() == ']')
            host = host.substr(1, host.size() - 2);
        boost::system::error_code ec;
        tcp::resolver resolver(io);
        tst->target = resolver.resolve(host, target.substr(colon + 1), ec);
        if (ec) return local_error("cannot resolve " + target + ": " + ec.message());
        tst->out = &std::cerr;
        if (!plaintext) {
            ha::tls_client_options to;
            to.verify_peer = !insecure;
            if (ca) to.ca_file = *ca;
            auto ctx = ha::make_client_context(to);
            if (!ctx) return local_error("TLS: " + ctx.error());
            tst->to_tls = *ctx;
            tst->tls_name = authority.value_or(host);
            tst->verify_upstream = !insecure;
        }
        tst->options.types = &sc.pool;  // the schema the call itself uses
        ec = open_trace_listener(acceptor, "127.0.0.1", 0);
        if (ec) return local_error("--trace: cannot listen on 127.0.0.1: " + ec.message());
        call_target = "127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
        call_co.use_tls = false;
        call_co.server_name_override = authority.value_or(target);
        accept_trace_connections(acceptor, tst);
    }

    if (!ch) ch = std::make_unique<ra::channel>(io.get_executor(), call_target, call_co);
    plan.channel = ch.get();
    net::steady_timer drain(io);
    std::function<void()> after = [&] {
        ch->close();
        if (!trace) return;
        boost::system::error_code ignore;
        acceptor.close(ignore);
        // Stop once every connection the proxy accepted has closed, or
        // after trace_drain_time.
        tst->on_all_closed = [&io] { io.stop(); };
        tst->max_connections = tst->connections;
        if (tst->closed >= tst->connections) {
            io.stop();
            return;
        }
        drain.expires_after(trace_drain_time);
        drain.async_wait([&io](boost::system::error_code) { io.stop(); });
    };
    net::co_spawn(io, run_call(&plan, &outcome, after), net::detached);
    io.run();
    ch.reset();
    return finish_call(outcome, plaintext || insecure);
}

}  // namespace h2pb::cli
