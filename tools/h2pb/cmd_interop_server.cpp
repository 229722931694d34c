// h2pb interop-server — grpc.testing.TestService for conformance testers.
#include <chrono>
#include <iostream>
#include <string>

#include <h2pb/h2/asio/tls.hpp>
#include <h2pb/rpc/zlib.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "interop_service.hpp"
#include "serve_loop.hpp"

namespace h2pb::cli {

namespace {

constexpr const char* interop_help =
    R"(usage: h2pb interop-server [--port N] [--host ADDR] [--tls-cert F --tls-key F]
                           [--threads N] [--grace S]

Serves grpc.testing.TestService (grpc/testing/test.proto, as Debian's
grpc-proto installs it) exactly as gRPC's interop test descriptions require
of a server: empty and large unary calls, the four streaming shapes,
metadata echo (x-grpc-test-echo-initial, x-grpc-test-echo-trailing-bin),
status echo, response sizes and intervals, compressed requests and
responses (gzip, deflate), UnimplementedCall and unknown services answering
UNIMPLEMENTED. Point any gRPC implementation's interop client at it.

The first line of standard output is "listening on HOST:PORT" (with
--port 0 the kernel picks the port). SIGINT or SIGTERM shuts down
gracefully (GOAWAY; calls in flight get --grace seconds, default 5); a
second signal closes everything.

options:
  --port N            port to listen on (default 0: any free port)
  --host ADDR         address to bind (default 127.0.0.1)
  --tls-cert FILE     certificate chain (PEM); with --tls-key: TLS, ALPN h2
  --tls-key FILE      private key (PEM)
  --threads N         threads, each running its own connections (default 1)
  --grace S           seconds calls in flight get at shutdown (default 5)
)";

int usage_error(const std::string& what) {
    return cli::report_usage_error("interop-server", what);
}

std::optional<unsigned long> to_number(const std::string& s, unsigned long max) {
    if (s.empty() || s.size() > 10) return std::nullopt;
    unsigned long n = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<unsigned long>(c - '0');
    }
    if (n > max) return std::nullopt;
    return n;
}

}  // namespace

int run_interop_server(int argc, char** argv) {
    args a(argc, argv, 1);
    if (a.take_flag("--help") || a.take_flag("-h")) {
        std::cout << interop_help;
        return 0;
    }
    namespace ha = h2::asio;
    rpc::asio::server_options o;
    o.codecs = std::make_shared<rpc::zlib_registry>();
    const auto port = a.take_value("--port");
    const auto host = a.take_value("--host");
    const auto cert = a.take_value("--tls-cert");
    const auto key = a.take_value("--tls-key");
    const auto threads = a.take_value("--threads");
    const auto grace_arg = a.take_value("--grace");
    if (auto u = a.unknown_option()) return usage_error("unknown option " + *u);
    if (!a.positionals().empty())
        return usage_error("unexpected argument " + a.positionals().front());
    if (port) {
        const auto n = to_number(*port, 65535);
        if (!n) return usage_error("--port takes a number from 0 to 65535");
        o.http.port = static_cast<std::uint16_t>(*n);
    }
    if (host) o.http.host = *host;
    if (threads) {
        const auto n = to_number(*threads, 256);
        if (!n || *n == 0) return usage_error("--threads takes a number from 1 to 256");
        o.http.threads = static_cast<unsigned>(*n);
    }
    std::chrono::seconds grace{5};
    if (grace_arg) {
        const auto n = to_number(*grace_arg, 86400);
        if (!n) return usage_error("--grace takes seconds");
        grace = std::chrono::seconds(*n);
    }
    if (cert.has_value() != key.has_value())
        return usage_error("--tls-cert and --tls-key go together");
    if (cert) {
        ha::tls_server_options t;
        t.credentials.cert_file = *cert;
        t.credentials.key_file = *key;
        auto ctx = ha::make_server_context(t);
        if (!ctx) {
            std::cerr << "h2pb interop-server: TLS: " << ctx.error() << '\n';
            return 1;
        }
        o.http.tls = *ctx;
    }

    interop_service service;
    rpc::asio::server srv(o);
    srv.add_service(service);
    if (auto e = srv.listen()) {
        std::cerr << "h2pb interop-server: " << *e << '\n';
        return 1;
    }
    const auto ep = srv.local_endpoint();
    const std::string addr =
        ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
    std::cout << "listening on " << addr << ':' << ep.port()
              << (o.http.tls ? " (TLS, ALPN h2)" : " (h2c)") << std::endl;

    run_until_signalled(srv, grace, [&] {
        std::cerr << "h2pb interop-server: shutting down (GOAWAY; " << grace.count()
                  << " s for calls in flight)" << std::endl;
    });
    return 0;
}

}  // namespace h2pb::cli
