// h2pb trace — a transparent proxy for HTTP/2 (h2c or TLS with ALPN "h2")
// and gRPC between two programs, printing every frame as it passes. The
// octets of the HTTP/2 connection are forwarded unchanged, in both
// directions, as they arrive; a copy of each piece goes to the connection's
// trace_analyzer (trace_analyzer.hpp, sans-IO), whose events are printed. The
// analysis never changes, delays or drops an octet: a broken rule is flagged,
// the exchange goes on.
//
// TLS (RFC 9113 §3.2: h2 over TLS is chosen by ALPN) is terminated on each
// side on its own: --tls-listen makes the proxy a TLS server towards the
// client, --tls-to a TLS client towards the upstream. Each TLS session is
// the proxy's own, so what passes between the sessions is the plaintext
// HTTP/2 connection — the thing being traced. The contexts come from
// h2/asio/tls.hpp, as for h2pb's own servers and clients (same §9.2 rules).
//
// --reflect asks the upstream's server reflection service
// (grpc/reflection/v1/reflection.proto, falling back to v1alpha) for its
// services and the files that define them, with h2pb's own gRPC client
// (rpc/asio/channel.hpp), before the first connection is accepted.
#include <chrono>
#include <csignal>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <utility>  // before Asio: its awaitable.hpp uses std::exchange

// Before Boost.Asio: under clang it turns on Asio's co_await support.
#include <h2pb/h2/asio/awaitable.hpp>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <h2pb/h2/asio/tls.hpp>
#include <h2pb/rpc/asio/channel.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "reflection_client.hpp"
#include "schema.hpp"
#include "trace_analyzer.hpp"
#include "trace_proxy.hpp"

namespace h2pb::cli {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace ha = h2::asio;
namespace ra = rpc::asio;
using tcp = net::ip::tcp;

constexpr const char* usage_text = R"(usage: h2pb trace --listen PORT --to HOST:PORT [options]

A transparent proxy for HTTP/2 and gRPC: point a client at PORT, and every
connection is forwarded to HOST:PORT unchanged, in both directions, while
each frame is printed as it passes: the frame header, the HPACK
representations with the dynamic-table indices they use, gRPC message
prefixes, and the protobuf fields of each message (a bytes value also as
text when it is printable ASCII). Each event starts with its time since
the connection began. Notes say what a grpc-timeout means ("149998u =
149.998 ms") and when a gRPC call ends by RST_STREAM without a
grpc-status. Rules of RFC 9113, RFC 7541 and gRPC's PROTOCOL-HTTP2.md that
the bytes break are flagged ("!! violation: ...") on the frame that breaks
them, without interfering.

gRPC-Web calls (request content-type application/grpc-web[+proto], or
application/grpc-web-text[+proto], whose bodies are base64: each padded
segment is noted, then decoded) are read as PROTOCOL-WEB.md frames them:
the same messages, and the status in the response body's last frame, flag
0x80, whose "name: value" lines are listed (grpc-status with its code name,
grpc-message percent-decoded); its rules are flagged too.

Each side is h2c (HTTP/2 with prior knowledge) unless TLS is asked for:
--tls-listen makes the proxy accept TLS (the client must offer ALPN "h2"),
--tls-to makes it connect to HOST:PORT with TLS (ALPN "h2"; the certificate
is verified against the system's CAs and --ca, unless --insecure, for the
name --authority or else the --to host, also sent as SNI). The two sides
are chosen independently; the trace shows the HTTP/2 connection inside.

The first line on standard output is "listening on 127.0.0.1:PORT" (with
--listen 0 the kernel picks the port).

options:
  --listen PORT       port to accept on (0: any free port)
  --host ADDR         address to accept on (default 127.0.0.1)
  --to HOST:PORT      where to forward each connection
  --proto FILE        a .proto file (repeatable, compiled with protoc): the
                      request and response types of each call are looked up
                      by its :path and their fields are named
  -I DIR, --proto_path DIR
                      import path for protoc (repeatable)
  --reflect           before listening, ask HOST:PORT's server reflection
                      service (grpc.reflection.v1, else v1alpha) for its
                      services and their .proto files, and name the fields
                      with them (no --proto needed; if reflection fails, the
                      trace says so on standard error and goes on without)
  --reflect-timeout S seconds the reflection exchange may take (default 10)
  --tls-listen        accept TLS 1.2+ with ALPN h2 (needs --cert and --key)
  --cert FILE         certificate chain (PEM) for --tls-listen
  --key FILE          private key (PEM) for --tls-listen
  --tls-to            connect to HOST:PORT with TLS 1.2+, ALPN h2
  --ca FILE           trusted CA certificates (PEM) for --tls-to, besides
                      the system's
  --insecure          with --tls-to: do not verify the certificate
  --authority NAME    with --tls-to: the SNI and the name the certificate
                      must have (default: the --to host); also the
                      :authority of --reflect's calls
  --json              one JSON object per line and event, for scripts
  --no-time           leave out each event's time since its connection began
                      (text "[  0.003]" after "#CONN DIR", JSON "t": seconds)
  --data-octets N     octets of a DATA payload shown in hex on its "data:"
                      line, and of a bytes field (default 32; 0: all); the
                      fields of a decoded message are all shown regardless
  --max-connections N exit after N connections have closed (default: run
                      until interrupted)
  --buffer N          octets read per direction before forwarding (default 65536)
)";

int usage_error(const std::string& msg) {
    return cli::report_usage_error("trace", msg, usage_text);
}

}  // namespace

int run_trace(int argc, char** argv) {
    args a(argc, argv, 1);
    if (a.take_flag("--help") || a.take_flag("-h")) {
        std::cout << usage_text;
        return 0;
    }
    const auto listen = a.take_value("--listen");
    const auto host = a.take_value("--host").value_or("127.0.0.1");
    const auto to = a.take_value("--to");
    const bool as_json = a.take_flag("--json");
    const bool no_time = a.take_flag("--no-time");
    const auto data_octets = a.take_value("--data-octets");
    const auto max_conn = a.take_value("--max-connections");
    const auto buffer = a.take_value("--buffer");
    const bool use_reflection = a.take_flag("--reflect");
    const auto reflect_timeout = a.take_value("--reflect-timeout");
    const bool tls_listen = a.take_flag("--tls-listen");
    const auto cert = a.take_value("--cert");
    const auto key = a.take_value("--key");
    const bool tls_to = a.take_flag("--tls-to");
    const auto ca = a.take_value("--ca");
    const bool insecure = a.take_flag("--insecure");
    const auto authority = a.take_value("--authority");
    std::vector<std::string> protos, import_paths;
    while (auto p = a.take_value("--proto")) protos.push_back(*p);
    while (auto p = a.take_value("-I")) import_paths.push_back(*p);
    while (auto p = a.take_value("--proto_path")) import_paths.push_back(*p);
    if (auto u = a.unknown_option()) return usage_error("unknown option " + *u);
    if (!a.positionals().empty()) return usage_error("unexpected argument " + a.positionals()[0]);
    if (!listen || !to) return usage_error("--listen PORT and --to HOST:PORT are required");
    if (tls_listen != (cert.has_value() && key.has_value()) || cert.has_value() != key.has_value())
        return usage_error("--tls-listen needs --cert FILE and --key FILE (and they need it)");
    if (!tls_to && (ca || insecure)) return usage_error("--ca and --insecure go with --tls-to");
    if (ca && insecure) return usage_error("--ca and --insecure exclude each other");

    auto number = [](const std::string& s) -> std::optional<unsigned long> {
        if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
            return std::nullopt;
        return std::stoul(s);
    };
    const auto port = number(*listen);
    if (!port || *port > 65535) return usage_error("--listen takes a port number");
    const auto colon = to->rfind(':');
    if (colon == std::string::npos || colon == 0) return usage_error("--to takes HOST:PORT");
    std::string to_host = to->substr(0, colon);
    if (to_host.size() > 2 && to_host.front() == '[' && to_host.back() == ']')
        to_host = to_host.substr(1, to_host.size() - 2);
    const std::string to_port = to->substr(colon + 1);
    if (!number(to_port) || *number(to_port) > 65535) return usage_error("--to takes HOST:PORT");
    unsigned long reflect_timeout_s = default_reflect_timeout_s;
    if (reflect_timeout) {
        const auto n = number(*reflect_timeout);
        if (!n || *n == 0) return usage_error("--reflect-timeout takes a positive number");
        reflect_timeout_s = *n;
    }

    auto st = std::make_shared<trace_proxy_state>();
    st->json = as_json;
    st->options.timestamps = !no_time;
    if (data_octets) {
        const auto n = number(*data_octets);
        if (!n) return usage_error("--data-octets takes a number (0: all)");
        st->options.data_octets = *n;
    }
    if (max_conn) {
        const auto n = number(*max_conn);
        if (!n || *n == 0) return usage_error("--max-connections takes a positive number");
        st->max_connections = *n;
    }
    if (buffer) {
        const auto n = number(*buffer);
        if (!n || *n == 0) return usage_error("--buffer takes a positive number");
        st->buffer_size = *n;
    }

    // TLS contexts: the same set-up (RFC 9113 §9.2, ALPN h2) as h2pb's own
    // servers and clients.
    if (tls_listen) {
        ha::tls_server_options o;
        o.credentials.cert_file = *cert;
        o.credentials.key_file = *key;
        auto ctx = ha::make_server_context(o);
        if (!ctx) return usage_error("--tls-listen: " + ctx.error());
        st->listen_tls = *ctx;
    }
    st->tls_name = authority.value_or(to_host);
    st->verify_upstream = !insecure;
    if (tls_to) {
        ha::tls_client_options o;
        o.verify_peer = !insecure;
        if (ca) o.ca_file = *ca;
        auto ctx = ha::make_client_context(o);
        if (!ctx) return usage_error("--tls-to: " + ctx.error());
        st->to_tls = *ctx;
    }

    // The schema: every --proto compiled by protoc, and what --reflect finds.
    // (One descriptor_pool: files the sets share are added once.)
    auto types = std::make_unique<proto::descriptor_pool>();
    for (const auto& p : protos) {
        std::string err;
        const auto set = run_protoc(p, import_paths, &err);
        if (!set) return usage_error(err);
        if (auto e = add_descriptor_set(*types, wire::as_bytes(*set)))
            return usage_error("protoc's descriptor set: " + e.message());
    }
    bool have_schema = !protos.empty();

    std::signal(SIGPIPE, SIG_IGN);
    if (use_reflection) {
        ra::channel_options co;
        co.use_tls = tls_to;
        co.verify_peer = !insecure;
        if (ca) co.ca_file = *ca;
        if (authority) co.server_name_override = *authority;
        ra::call_options ro;
        ro.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(reflect_timeout_s);
        const reflection_result found = fetch_reflection(*to, co, ro);
        const rpc::status& status = found.status;
        const std::string& version = found.version;
        for (const auto& n : found.notes)
            std::cerr << "h2pb trace: reflection " << version << ": " << n << '\n';
        proto::descriptor_error perr;
        if (status.ok() && !found.file_names.empty())
            perr = add_descriptor_set(*types, wire::as_bytes(found.descriptor_set));
        if (!status.ok()) {
            std::cerr << "h2pb trace: reflection failed (" << status.to_string()
                      << "); tracing without its schema\n";
        } else if (found.file_names.empty()) {
            std::cerr << "h2pb trace: reflection found no files; tracing without a schema\n";
        } else if (perr.code == proto::descriptor_errc::missing_dependency) {
            // The server did not send every import: the files that have theirs
            // are usable, the others wait in the pool unused.
            std::cerr << "h2pb trace: reflection " << version << ": " << perr.message()
                      << "; the types of the files missing an import are not named\n";
            have_schema = true;
        } else if (perr) {
            std::cerr << "h2pb trace: reflection's files do not parse (" << perr.message()
                      << "); tracing without a schema\n";
            types = std::make_unique<proto::descriptor_pool>();
        } else {
            std::cerr << "h2pb trace: reflection " << version << ": " << found.services.size()
                      << " services, " << found.file_names.size() << " files\n";
            have_schema = true;
        }
    }
    if (have_schema) {
        st->options.types = types.get();
    }

    net::io_context io;
    boost::system::error_code ec;
    tcp::resolver resolver(io);
    st->target = resolver.resolve(to_host, to_port, ec);
    if (ec) return usage_error("cannot resolve " + *to + ": " + ec.message());
    tcp::acceptor acceptor(io);
    ec = open_trace_listener(acceptor, host, static_cast<unsigned short>(*port));
    if (ec) {
        std::cerr << "h2pb trace: cannot listen on " << host << ':' << *port << ": " << ec.message()
                  << '\n';
        return 1;
    }
    std::cout << "listening on " << host << ':' << acceptor.local_endpoint().port()
              << " (forwarding to " << *to << ")" << std::endl;

    st->on_all_closed = [&io] { io.stop(); };
    net::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code, int) { io.stop(); });
    accept_trace_connections(acceptor, st);
    io.run();
    return 0;
}

}  // namespace h2pb::cli
