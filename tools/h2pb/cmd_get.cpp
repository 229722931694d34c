// h2pb get — an HTTP/2 client like nghttp: fetch URLs over one connection
// (concurrently), print status, header fields, body and trailers; --trace
// prints every frame as `h2pb frames` would.
#include <unistd.h>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <h2pb/h2/asio/client.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "frame_trace.hpp"

namespace h2pb::cli {
namespace {

namespace ha = h2::asio;
using namespace std::chrono_literals;

constexpr std::string_view get_help = R"(usage: h2pb get [OPTIONS] URL [URL...]

Fetches the URLs over one HTTP/2 connection, concurrently, and prints for
each the response: ":status", the header fields, a blank line, the body, and
the trailer fields (after a blank line) if there are any.
  http://HOST[:PORT]/PATH    cleartext HTTP/2 with prior knowledge (h2c)
  https://HOST[:PORT]/PATH   TLS with ALPN h2; the server's certificate is
                             verified against the system CAs (and --cacert)
All URLs must name the same scheme, host and port.

Options:
  --trace             print every frame sent and received, annotated as
                      `h2pb frames` does (offset, type, flags, stream,
                      payload, HPACK representations), after a legend of the
                      columns: the number after send/recv is the frame's
                      offset in that direction's byte stream; each field
                      block names the HPACK table it used (one per
                      direction, RFC 9113 §4.3.1)
  --raw               with --trace: each frame's 9 header octets too
  --grpc              with --trace: DATA payloads are gRPC streams, show each
                      Length-Prefixed-Message (`h2pb decode` explains them)
  --save PREFIX       write the bytes sent to PREFIX.send (starting with the
                      client preface) and those received to PREFIX.recv;
                      `h2pb frames --file` reads them
  --insecure, -k      do not verify the server's certificate
  --cacert FILE       trust the CA certificates in FILE (PEM) too
  --data FILE         send FILE ('-': standard input) as the request body
                      (the method becomes POST unless -X says otherwise)
  -X, --method M      request method (default GET, or POST with --data)
  -H, --header 'N: V' add a request header field (repeatable)
  -o, --output FILE   write the body (of the last URL) to FILE instead of
                      standard output; header fields are still printed
  --no-body           do not print bodies (their length is printed instead)
  --timeout SECONDS   give up after this long (default 60)

Exit status: 0 every response arrived complete, 1 a stream or the
connection failed (the error is printed: RST_STREAM / GOAWAY code), 2 bad
usage. SSLKEYLOGFILE is honoured.
)";

int usage_error(const std::string& msg) {
    return cli::report_usage_error("get", msg);
}

struct header_arg {
    std::string name, value;
};

struct outcome {
    std::string url;
    ha::stream_result<ha::client_response> response = ha::client_response{};
};

struct job {
    std::vector<ha::url> urls;
    ha::client_options options;
    std::string method;
    std::vector<header_arg> headers;
    std::shared_ptr<std::string> body;  ///< request body, or null
    std::unique_ptr<ha::trace_sink> trace;
    std::vector<outcome> results;
    ha::stream_error connect_error;
    bool done = false;
};

/// One request on the connection; fills `out`.
ha::awaitable<void> one_request(std::shared_ptr<ha::client> c, job& j, std::size_t i) {
    const ha::url& u = j.urls[i];
    std::vector<hpack::field> extra;
    std::string length;
    if (j.body) {
        length = std::to_string(j.body->size());
        extra.push_back({"content-length", length});
    }
    for (const auto& h : j.headers) extra.push_back({h.name, h.value});
    const auto fields = c->request_fields(j.method, u.path, extra);
    outcome& out = j.results[i];
    const bool has_body = j.body != nullptr;
    auto st = co_await c->open(fields, !has_body);
    if (!st) {
        out.response = wire::failure{st.error()};
        co_return;
    }
    if (has_body) {
        const wire::bytes_view b = wire::as_bytes(*j.body);
        if (auto e = co_await st->write(j.body, b, true); e && !st->complete()) {
            out.response = wire::failure{e};
            co_return;
        }
    }
    if (auto e = co_await st->response()) {
        out.response = wire::failure{e};
        co_return;
    }
    ha::client_response r;
    r.status = st->status();
    for (const auto& f : st->headers())
        r.headers.emplace_back(std::string(f.name), std::string(f.value));
    for (;;) {
        auto piece = co_await st->read();
        if (!piece) {
            out.response = wire::failure{piece.error()};
            co_return;
        }
        if (piece->empty()) break;
        r.body.append(wire::as_chars(*piece));
    }
    for (const auto& f : st->trailers())
        r.trailers.emplace_back(std::string(f.name), std::string(f.value));
    out.response = std::move(r);
}

ha::awaitable<void> run_job(ha::executor ex, job& j) {
    auto c = co_await ha::client::connect(ex, j.urls.front(), j.options, std::move(j.trace));
    if (!c) {
        j.connect_error = c.error();
        j.done = true;
        co_return;
    }
    std::shared_ptr<ha::client> client = *c;
    // All requests at once, on one connection; wait for them in turn.
    std::size_t remaining = j.urls.size();
    ha::wakeup all_done;
    for (std::size_t i = 0; i < j.urls.size(); ++i) {
        ha::net::co_spawn(ex, one_request(client, j, i),
                          [&remaining, &all_done](const std::exception_ptr&) {
                              if (--remaining == 0) all_done.notify();
                          });
    }
    while (remaining > 0) {
        co_await all_done.wait();
    }
    client->shutdown();  // GOAWAY(NO_ERROR); the connection closes once both sides are done
    ha::net::steady_timer t(ex);
    for (int i = 0; i < 100 && !client->is_closed(); ++i) {
        t.expires_after(10ms);
        co_await t.async_wait(ha::net::use_awaitable);
    }
    client->close();
    j.done = true;
}

}  // namespace

int run_get(int argc, char** argv) {
    args a(argc, argv, 1);
    if (a.take_flag("--help") || a.take_flag("-h")) {
        std::cout << get_help;
        return 0;
    }
    job j;
    const bool trace = a.take_flag("--trace");
    frame_trace_options topts;
    topts.print = trace;
    topts.raw = a.take_flag("--raw");
    topts.grpc = a.take_flag("--grpc");
    topts.save = a.take_value("--save").value_or("");
    const bool insecure = a.take_flag("--insecure") || a.take_flag("-k");
    const bool no_body = a.take_flag("--no-body");
    const auto cacert = a.take_value("--cacert");
    const auto data = a.take_value("--data");
    auto method = a.take_value("--method");
    if (!method) method = a.take_value("-X");
    auto output = a.take_value("--output");
    if (!output) output = a.take_value("-o");
    const auto timeout_arg = a.take_value("--timeout");
    for (;;) {
        auto h = a.take_value("--header");
        if (!h) h = a.take_value("-H");
        if (!h) break;
        const auto colon = h->find(':', 1);
        if (colon == std::string::npos) return usage_error("a header is 'name: value'");
        header_arg ha_{h->substr(0, colon), h->substr(colon + 1)};
        for (auto& ch : ha_.name)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        while (!ha_.value.empty() && ha_.value.front() == ' ') ha_.value.erase(0, 1);
        j.headers.push_back(std::move(ha_));
    }
    if (auto u = a.unknown_option()) return usage_error("unknown option " + *u);
    const auto positionals = a.positionals();
    if (positionals.empty()) return usage_error("give a URL");
    for (const auto& p : positionals) {
        auto u = ha::parse_url(p);
        if (!u) return usage_error("not an http:// or https:// URL: " + p);
        if (!j.urls.empty() &&
            (u->scheme != j.urls.front().scheme || u->authority != j.urls.front().authority))
            return usage_error(
                "all URLs must name the same scheme, host and port (one connection)");
        j.urls.push_back(std::move(*u));
    }
    int timeout = 60;
    if (timeout_arg) {
        int v = 0;
        const auto r =
            std::from_chars(timeout_arg->data(), timeout_arg->data() + timeout_arg->size(), v);
        if (r.ec != std::errc() || v <= 0) return usage_error("--timeout takes seconds");
        timeout = v;
    }
    if (data) {
        auto content = read_file(*data);
        if (!content) return usage_error("cannot read " + *data);
        j.body = std::make_shared<std::string>(std::move(*content));
    }
    j.method = method.value_or(data ? "POST" : "GET");
    j.options.tls.verify_peer = !insecure;
    if (cacert) j.options.tls.ca_file = *cacert;
    j.results.resize(j.urls.size());
    for (std::size_t i = 0; i < j.urls.size(); ++i) j.results[i].url = positionals[i];
    if ((topts.raw || topts.grpc) && !trace) return usage_error("--raw and --grpc need --trace");
    if (trace) std::cout << frame_trace::legend(/*server=*/false);
    if (trace || !topts.save.empty()) {
        j.trace = std::make_unique<frame_trace>(
            std::cout, std::make_shared<std::mutex>(), "", true, std::chrono::steady_clock::now(),
            j.options.driver.h2.header_table_size, h2::default_header_table_size, topts);
    }
    std::signal(SIGPIPE, SIG_IGN);

    ha::net::io_context io(1);
    ha::net::co_spawn(io, run_job(io.get_executor(), j), ha::net::detached);
    io.run_for(std::chrono::seconds(timeout));
    if (!j.done) {
        std::cout.flush();
        std::cerr << "h2pb get: timed out after " << timeout << " s\n";
        return 1;
    }
    std::cout.flush();
    if (j.connect_error) {
        std::cerr << "h2pb get: " << j.connect_error.to_string() << '\n';
        return 1;
    }
    int status = 0;
    for (std::size_t i = 0; i < j.results.size(); ++i) {
        const outcome& o = j.results[i];
        if (j.results.size() > 1 || trace)
            std::cout << (i || trace ? "\n" : "") << "== " << o.url << '\n';
        if (!o.response) {
            std::cout.flush();
            std::cerr << "h2pb get: " << o.url << ": " << o.response.error().to_string() << '\n';
            status = 1;
            continue;
        }
        const ha::client_response& r = *o.response;
        for (const auto& [n, v] : r.headers) std::cout << n << ": " << v << '\n';
        std::cout << '\n';
        const bool last = i + 1 == j.results.size();
        if (output && last) {
            std::ofstream f(*output, std::ios::binary);
            f.write(r.body.data(), static_cast<std::streamsize>(r.body.size()));
            if (!f) {
                std::cerr << "h2pb get: cannot write " << *output << '\n';
                return 1;
            }
            std::cout << "(" << r.body.size() << " octets of body written to " << *output << ")\n";
        } else if (no_body) {
            std::cout << "(" << r.body.size() << " octets of body)\n";
        } else {
            std::cout.write(r.body.data(), static_cast<std::streamsize>(r.body.size()));
            if (!r.body.empty() && r.body.back() != '\n' && !r.trailers.empty()) std::cout << '\n';
        }
        if (!r.trailers.empty()) {
            std::cout << '\n';
            for (const auto& [n, v] : r.trailers) std::cout << n << ": " << v << '\n';
        }
    }
    std::cout.flush();
    return status;
}

}  // namespace h2pb::cli
