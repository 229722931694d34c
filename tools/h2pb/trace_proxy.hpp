// The proxy behind `h2pb trace`: accepts connections, forwards the octets of
// each HTTP/2 connection unchanged, in both directions, as they arrive, and
// gives a copy of each piece to the connection's trace_analyzer
// (trace_analyzer.hpp, sans-IO), whose events are printed. The analysis never
// changes, delays or drops an octet: a broken rule is flagged, the exchange
// goes on. TLS is terminated on each side on its own (see cmd_trace.cpp).
//
// Started from code by `h2pb trace` (its own io_context, events on stdout)
// and by `h2pb call --trace` (on a loopback port between the call and the
// server, in the call's io_context, events on stderr):
//
//   auto st = std::make_shared<trace_proxy_state>();
//   st->target = resolver.resolve(host, port);  st->out = &std::cerr;
//   tcp::acceptor acceptor(io);
//   if (auto ec = open_trace_listener(acceptor, "127.0.0.1", 0)) ...;
//   accept_trace_connections(acceptor, st);   // until the acceptor closes
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <utility>  // before Asio: its awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <h2pb/h2/asio/tls.hpp>

#include "trace_analyzer.hpp"

namespace h2pb::cli {

namespace trace_net {
namespace net = boost::asio;
namespace ssl = net::ssl;
namespace ha = h2::asio;
using tcp = net::ip::tcp;
}  // namespace trace_net

using namespace trace_net;  // NOLINT: the names above, in this header only

/// Octets read from one socket before they are written to the other: the
/// proxy holds at most this much per direction (the next read waits for the
/// write), so a fast sender is slowed to the receiver's pace by TCP itself.
/// Setting: --buffer.
constexpr std::size_t default_buffer_size = std::size_t{64} * 1024;

struct trace_proxy_state {
    std::ostream* out = &std::cout;  ///< where the events go
    trace_options options;
    bool json = false;
    std::size_t buffer_size = default_buffer_size;
    std::size_t connections = 0;
    std::size_t closed = 0;
    std::size_t max_connections = 0;  // 0: unlimited
    std::function<void()> on_all_closed;
    tcp::resolver::results_type target;
    ha::tls_context_ptr listen_tls;  // --tls-listen, else null
    ha::tls_context_ptr to_tls;      // --tls-to, else null
    std::string tls_name;            // SNI and verified name towards the upstream
    bool verify_upstream = true;
};

inline void print_trace_events(const trace_proxy_state& st, std::size_t conn,
                               const std::vector<trace_event>& events) {
    for (const auto& e : events) {
        if (st.json)
            print_event_json(*st.out, conn, e);
        else
            print_event_text(*st.out, conn, e);
    }
    *st.out << std::flush;
}

inline void print_trace_line(const trace_proxy_state& st, std::size_t conn,
                             const std::string& event, const std::string& text) {
    if (st.json) {
        *st.out << "{\"connection\": " << conn << ", \"event\": " << json_quote(event)
                << ", \"text\": " << json_quote(text) << "}\n";
    } else {
        *st.out << "#" << conn << " " << text << '\n';
    }
    *st.out << std::flush;
}

/// One side of a proxied connection: a TCP socket, carrying a TLS session
/// when that side uses TLS. Reads and writes go through the session if
/// there is one; one read and one write may be outstanding at a time (Asio's
/// ssl::stream is full duplex).
class trace_side {
  public:
    trace_side(tcp::socket s, ssl::context* tls) {
        if (tls)
            tls_ = std::make_unique<ssl::stream<tcp::socket>>(std::move(s), *tls);
        else
            plain_.emplace(std::move(s));
    }
    trace_side(const net::any_io_executor& ex, ssl::context* tls)
        : trace_side(tcp::socket(ex), tls) {}

    tcp::socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }
    ssl::stream<tcp::socket>* tls() { return tls_.get(); }

    template <class Handler>
    void read_some(net::mutable_buffer b, Handler&& h) {
        if (tls_)
            tls_->async_read_some(b, std::forward<Handler>(h));
        else
            plain_->async_read_some(b, std::forward<Handler>(h));
    }
    template <class Handler>
    void write(net::const_buffer b, Handler&& h) {
        if (tls_)
            net::async_write(*tls_, b, std::forward<Handler>(h));
        else
            net::async_write(*plain_, b, std::forward<Handler>(h));
    }
    /// Ends this side's sending half with a TCP FIN. A TLS side sends no
    /// close_notify first: ssl::stream's shutdown waits for the peer's
    /// close_notify, a read that would race the pump's. The peer then sees
    /// the TCP stream end without close_notify (RFC 8446 §6.1 lets it treat
    /// that as a truncation), which HTTP/2 peers take as the connection's end.
    void shutdown_send() {
        boost::system::error_code ignore;
        socket().shutdown(tcp::socket::shutdown_send, ignore);
    }
    void close() {
        boost::system::error_code ignore;
        socket().close(ignore);
    }

  private:
    std::optional<tcp::socket> plain_;
    std::unique_ptr<ssl::stream<tcp::socket>> tls_;
};

/// The end of one direction's stream: the peer closed it (TCP FIN, or TLS
/// without close_notify), as opposed to an error.
inline bool is_end(const boost::system::error_code& ec) {
    return ec == net::error::eof || ec == ssl::error::stream_truncated;
}

/// One proxied connection: two sides, two pumps, one analyzer.
class trace_connection : public std::enable_shared_from_this<trace_connection> {
  public:
    trace_connection(tcp::socket client, std::shared_ptr<trace_proxy_state> st, std::size_t id)
        : client_(std::move(client), st->listen_tls.get()),
          server_(client_.socket().get_executor(), st->to_tls.get()),
          st_(std::move(st)),
          id_(id),
          analyzer_(st_->options, trace_clock::now()) {
        bufs_[0].resize(st_->buffer_size);
        bufs_[1].resize(st_->buffer_size);
    }

    void start() {
        auto* tls = client_.tls();
        if (!tls) {
            connect();
            return;
        }
        tls->async_handshake(ssl::stream_base::server,
                             [self = shared_from_this()](boost::system::error_code ec) {
                                 if (!self->handshake_done(ec, "client")) return;
                                 self->connect();
                             });
    }

  private:
    /// After a TLS handshake with `who`: checks ALPN "h2" and the RFC 9113
    /// §9.2 rules (ha::check_negotiated), prints the session; false (and the
    /// connection closed) if the side is not usable for HTTP/2.
    bool handshake_done(boost::system::error_code ec, const char* who) {
        trace_side& s = std::string_view(who) == "client" ? client_ : server_;
        if (ec) {
            print_trace_line(
                *st_, id_, "error",
                std::string("TLS handshake with the ") + who + " failed: " + ec.message());
            close_all();
            return false;
        }
        const SSL* ssl = s.tls()->native_handle();
        if (const auto check = ha::check_negotiated(ssl); check != ha::tls_check::ok) {
            print_trace_line(
                *st_, id_, "error",
                std::string("TLS with the ") + who + ": " + std::string(ha::describe(check)));
            close_all();
            return false;
        }
        print_trace_line(*st_, id_, "tls",
                         std::string("TLS with the ") + who + ": " + ha::describe_session(ssl));
        return true;
    }

    void connect() {
        net::async_connect(
            server_.socket(), st_->target,
            [self = shared_from_this()](boost::system::error_code ec, const tcp::endpoint& ep) {
                if (ec) {
                    print_trace_line(*self->st_, self->id_, "error",
                                     "cannot connect to the target: " + ec.message());
                    self->close_all();
                    return;
                }
                std::ostringstream s;
                s << "connected to " << ep;
                print_trace_line(*self->st_, self->id_, "connected", s.str());
                auto* tls = self->server_.tls();
                if (!tls) {
                    self->start_pumps();
                    return;
                }
                if (auto e = ha::prepare_client(tls->native_handle(), self->st_->tls_name,
                                                self->st_->verify_upstream)) {
                    print_trace_line(*self->st_, self->id_, "error", "TLS to the server: " + *e);
                    self->close_all();
                    return;
                }
                tls->async_handshake(ssl::stream_base::client,
                                     [self](boost::system::error_code hec) {
                                         if (!self->handshake_done(hec, "server")) return;
                                         self->start_pumps();
                                     });
            });
    }

    void start_pumps() {
        pump(trace_direction::client_to_server);
        pump(trace_direction::server_to_client);
    }

    trace_side& from(trace_direction d) {
        return d == trace_direction::client_to_server ? client_ : server_;
    }
    trace_side& to(trace_direction d) {
        return d == trace_direction::client_to_server ? server_ : client_;
    }

    void pump(trace_direction d) {
        auto& buf = bufs_[static_cast<int>(d)];
        from(d).read_some(net::buffer(buf), [self = shared_from_this(), d](
                                                boost::system::error_code ec, std::size_t n) {
            if (ec) {
                self->ended(d, ec);
                return;
            }
            // Forward first; analyse the same octets while they are on their way.
            auto& b = self->bufs_[static_cast<int>(d)];
            self->to(d).write(net::buffer(b.data(), n),
                              [self, d](boost::system::error_code wec, std::size_t) {
                                  if (wec) {
                                      self->ended(d, wec);
                                      return;
                                  }
                                  self->pump(d);
                              });
            print_trace_events(
                *self->st_, self->id_,
                self->analyzer_.feed(d, wire::bytes_view(b.data(), n), trace_clock::now()));
        });
    }

    /// One direction has ended: pass the end on (a half close, so the other
    /// direction can still finish), and close when both are done.
    void ended(trace_direction d, boost::system::error_code ec) {
        auto& done = done_[static_cast<int>(d)];
        if (done) return;
        done = true;
        print_trace_line(*st_, id_, "end",
                         std::string(name(d)) + " ended" +
                             (is_end(ec) ? std::string() : " (" + ec.message() + ")"));
        if (!is_end(ec)) {
            close_all();
            return;
        }
        to(d).shutdown_send();
        if (done_[0] && done_[1]) close_all();
    }

    void close_all() {
        if (closed_) return;
        closed_ = true;
        client_.close();
        server_.close();
        done_[0] = done_[1] = true;
        print_trace_line(*st_, id_, "closed", "connection closed");
        ++st_->closed;
        if (st_->max_connections != 0 && st_->closed >= st_->max_connections && st_->on_all_closed)
            st_->on_all_closed();
    }

    trace_side client_, server_;
    std::shared_ptr<trace_proxy_state> st_;
    std::size_t id_;
    trace_analyzer analyzer_;
    std::vector<wire::byte> bufs_[2];
    bool done_[2] = {false, false};
    bool closed_ = false;
};

inline void accept_trace_connections(tcp::acceptor& acceptor,
                                     std::shared_ptr<trace_proxy_state> st) {
    acceptor.async_accept(
        [&acceptor, st = std::move(st)](boost::system::error_code ec, tcp::socket sock) {
            if (ec) return;  // the acceptor was closed
            const std::size_t id = ++st->connections;
            std::ostringstream s;
            boost::system::error_code ignore;
            s << "accepted " << sock.remote_endpoint(ignore);
            print_trace_line(*st, id, "accepted", s.str());
            std::make_shared<trace_connection>(std::move(sock), st, id)->start();
            if (st->max_connections == 0 || st->connections < st->max_connections)
                accept_trace_connections(acceptor, st);
        });
}

/// Opens `acceptor` on host:port (0: the kernel picks one; read it from
/// acceptor.local_endpoint()); the error, if any.
inline boost::system::error_code open_trace_listener(tcp::acceptor& acceptor,
                                                     const std::string& host, unsigned short port) {
    boost::system::error_code ec;
    const auto addr = net::ip::make_address(host, ec);
    if (ec) return ec;
    const tcp::endpoint ep(addr, port);
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    return ec;
}

}  // namespace h2pb::cli
