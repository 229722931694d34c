// h2pb trace — a transparent TCP proxy for HTTP/2 (h2c) and gRPC between two
// programs, printing every frame as it passes. The bytes are forwarded
// unchanged, in both directions, as they arrive; a copy of each piece goes to
// the connection's trace_analyzer (trace_analyzer.hpp, sans-IO), whose
// events are printed. The analysis never changes, delays or drops a byte: a
// broken rule is flagged, the exchange goes on.
#include <csignal>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <utility>  // before Asio: its awaitable.hpp uses std::exchange

#include <boost/asio.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "schema.hpp"
#include "trace_analyzer.hpp"

namespace h2pb::cli {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

/// Octets read from one socket before they are written to the other: the
/// proxy holds at most this much per direction (the next read waits for the
/// write), so a fast sender is slowed to the receiver's pace by TCP itself.
/// Setting: --buffer.
constexpr std::size_t default_buffer_size = 64 * 1024;

constexpr const char* usage_text = R"(usage: h2pb trace --listen PORT --to HOST:PORT [options]

A transparent proxy for HTTP/2 with prior knowledge (h2c) and gRPC: point a
client at PORT, and every connection is forwarded to HOST:PORT unchanged, in
both directions, while each frame is printed as it passes: the frame header,
the HPACK representations with the dynamic-table indices they use, gRPC
message prefixes, and the protobuf fields of each message. Rules of RFC 9113,
RFC 7541 and gRPC's PROTOCOL-HTTP2.md that the bytes break are flagged
("!! violation: ...") on the frame that breaks them, without interfering.

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
  --json              one JSON object per line and event, for scripts
  --max-connections N exit after N connections have closed (default: run
                      until interrupted)
  --buffer N          octets read per direction before forwarding (default 65536)

Not yet: TLS on either side (--tls-listen/--tls-to), --reflect.
)";

int usage_error(const std::string& msg) {
    std::cerr << "h2pb trace: " << msg << "\n\n" << usage_text;
    return 2;
}

struct shared_state {
    trace_options options;
    bool json = false;
    std::size_t buffer_size = default_buffer_size;
    std::size_t connections = 0;
    std::size_t closed = 0;
    std::size_t max_connections = 0;  // 0: unlimited
    std::function<void()> on_all_closed;
};

void print(const shared_state& st, std::size_t conn, const std::vector<trace_event>& events) {
    for (const auto& e : events) {
        if (st.json)
            print_event_json(std::cout, conn, e);
        else
            print_event_text(std::cout, conn, e);
    }
    std::cout << std::flush;
}

void print_line(const shared_state& st, std::size_t conn, const std::string& event,
                const std::string& text) {
    if (st.json) {
        std::cout << "{\"connection\": " << conn << ", \"event\": " << json_quote(event)
                  << ", \"text\": " << json_quote(text) << "}\n";
    } else {
        std::cout << "#" << conn << " " << text << '\n';
    }
    std::cout << std::flush;
}

/// One proxied connection: two sockets, two pumps, one analyzer.
class connection : public std::enable_shared_from_this<connection> {
  public:
    connection(tcp::socket client, std::shared_ptr<shared_state> st, std::size_t id)
        : client_(std::move(client)),
          server_(client_.get_executor()),
          st_(std::move(st)),
          id_(id),
          analyzer_(st_->options) {
        bufs_[0].resize(st_->buffer_size);
        bufs_[1].resize(st_->buffer_size);
    }

    void start(const tcp::resolver::results_type& target) {
        net::async_connect(
            server_, target,
            [self = shared_from_this()](boost::system::error_code ec, const tcp::endpoint& ep) {
                if (ec) {
                    print_line(*self->st_, self->id_, "error",
                               "cannot connect to the target: " + ec.message());
                    self->close_all();
                    return;
                }
                std::ostringstream s;
                s << "connected to " << ep;
                print_line(*self->st_, self->id_, "connected", s.str());
                self->pump(trace_direction::client_to_server);
                self->pump(trace_direction::server_to_client);
            });
    }

  private:
    tcp::socket& from(trace_direction d) {
        return d == trace_direction::client_to_server ? client_ : server_;
    }
    tcp::socket& to(trace_direction d) {
        return d == trace_direction::client_to_server ? server_ : client_;
    }

    void pump(trace_direction d) {
        auto& buf = bufs_[static_cast<int>(d)];
        from(d).async_read_some(net::buffer(buf), [self = shared_from_this(), d](
                                                      boost::system::error_code ec, std::size_t n) {
            if (ec) {
                self->ended(d, ec);
                return;
            }
            // Forward first; analyse the same octets while they are on their way.
            auto& b = self->bufs_[static_cast<int>(d)];
            net::async_write(self->to(d), net::buffer(b.data(), n),
                             [self, d](boost::system::error_code wec, std::size_t) {
                                 if (wec) {
                                     self->ended(d, wec);
                                     return;
                                 }
                                 self->pump(d);
                             });
            print(*self->st_, self->id_, self->analyzer_.feed(d, wire::bytes_view(b.data(), n)));
        });
    }

    /// One direction has ended: pass the end on (a half close, so the other
    /// direction can still finish), and close when both are done.
    void ended(trace_direction d, boost::system::error_code ec) {
        auto& done = done_[static_cast<int>(d)];
        if (done) return;
        done = true;
        print_line(*st_, id_, "end",
                   std::string(name(d)) + " ended" +
                       (ec == net::error::eof ? std::string() : " (" + ec.message() + ")"));
        boost::system::error_code ignore;
        if (ec == net::error::eof) {
            to(d).shutdown(tcp::socket::shutdown_send, ignore);
        } else {
            close_all();
            return;
        }
        if (done_[0] && done_[1]) close_all();
    }

    void close_all() {
        if (closed_) return;
        closed_ = true;
        boost::system::error_code ignore;
        client_.close(ignore);
        server_.close(ignore);
        done_[0] = done_[1] = true;
        print_line(*st_, id_, "closed", "connection closed");
        ++st_->closed;
        if (st_->max_connections != 0 && st_->closed >= st_->max_connections && st_->on_all_closed)
            st_->on_all_closed();
    }

    tcp::socket client_, server_;
    std::shared_ptr<shared_state> st_;
    std::size_t id_;
    trace_analyzer analyzer_;
    std::vector<wire::byte> bufs_[2];
    bool done_[2] = {false, false};
    bool closed_ = false;
};

void accept_loop(tcp::acceptor& acceptor, std::shared_ptr<shared_state> st,
                 const tcp::resolver::results_type& target) {
    acceptor.async_accept([&acceptor, st, &target](boost::system::error_code ec, tcp::socket sock) {
        if (ec) return;  // the acceptor was closed
        const std::size_t id = ++st->connections;
        std::ostringstream s;
        boost::system::error_code ignore;
        s << "accepted " << sock.remote_endpoint(ignore);
        print_line(*st, id, "accepted", s.str());
        std::make_shared<connection>(std::move(sock), st, id)->start(target);
        if (st->max_connections == 0 || st->connections < st->max_connections)
            accept_loop(acceptor, st, target);
    });
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
    const auto max_conn = a.take_value("--max-connections");
    const auto buffer = a.take_value("--buffer");
    std::vector<std::string> protos, import_paths;
    while (auto p = a.take_value("--proto")) protos.push_back(*p);
    while (auto p = a.take_value("-I")) import_paths.push_back(*p);
    while (auto p = a.take_value("--proto_path")) import_paths.push_back(*p);
    if (auto u = a.unknown_option()) return usage_error("unknown option " + *u);
    if (!a.positionals().empty()) return usage_error("unexpected argument " + a.positionals()[0]);
    if (!listen || !to) return usage_error("--listen PORT and --to HOST:PORT are required");

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

    auto st = std::make_shared<shared_state>();
    st->json = as_json;
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

    // The schema: every --proto compiled by protoc, messages and services.
    auto types = std::make_unique<schema>();
    auto methods = std::make_unique<std::map<std::string, method_desc>>();
    for (const auto& p : protos) {
        std::string err;
        const auto set = run_protoc(p, import_paths, &err);
        if (!set) return usage_error(err);
        if (auto e = parse_descriptor_set(wire::as_bytes(*set), *types))
            return usage_error("protoc's descriptor set: " + e.message());
        if (auto e = parse_methods(wire::as_bytes(*set), *methods))
            return usage_error("protoc's descriptor set: " + e.message());
    }
    if (!protos.empty()) {
        st->options.types = types.get();
        st->options.methods = methods.get();
    }

    net::io_context io;
    boost::system::error_code ec;
    tcp::resolver resolver(io);
    const auto target = resolver.resolve(to_host, to_port, ec);
    if (ec) return usage_error("cannot resolve " + *to + ": " + ec.message());
    const auto addr = net::ip::make_address(host, ec);
    if (ec) return usage_error("--host: " + ec.message());
    tcp::acceptor acceptor(io);
    const tcp::endpoint ep(addr, static_cast<unsigned short>(*port));
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
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
    accept_loop(acceptor, st, target);
    io.run();
    return 0;
}

}  // namespace h2pb::cli
