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

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include <h2pb/h2/asio/tls.hpp>
#include <h2pb/rpc/asio/channel.hpp>
#include <h2pb/rpc/generated/grpc/reflection/v1/reflection.h2pb.grpc.hpp>
#include <h2pb/rpc/generated/grpc/reflection/v1alpha/reflection.h2pb.grpc.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "schema.hpp"
#include "trace_analyzer.hpp"

namespace h2pb::cli {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace ha = h2::asio;
namespace ra = rpc::asio;
using tcp = net::ip::tcp;

/// Octets read from one socket before they are written to the other: the
/// proxy holds at most this much per direction (the next read waits for the
/// write), so a fast sender is slowed to the receiver's pace by TCP itself.
/// Setting: --buffer.
constexpr std::size_t default_buffer_size = 64 * 1024;

/// How long --reflect may take, both reflection versions together, before
/// the trace starts without a schema: an upstream that accepts the
/// connection and never answers must not keep the proxy from listening.
/// Setting: --reflect-timeout SECONDS.
constexpr unsigned long default_reflect_timeout_s = 10;

/// Services --reflect asks about: one file_containing_symbol round trip
/// each, so a listing longer than this (no real server has one) is cut, with
/// a note, rather than holding the proxy for an unbounded time. Each answer
/// is one gRPC message, bounded by the channel's receive limit (4 MiB, as
/// grpc's default). Setting: none.
constexpr std::size_t max_reflected_services = 1024;

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
    tcp::resolver::results_type target;
    ha::tls_context_ptr listen_tls;  // --tls-listen, else null
    ha::tls_context_ptr to_tls;      // --tls-to, else null
    std::string tls_name;            // SNI and verified name towards the upstream
    bool verify_upstream = true;
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

/// One side of a proxied connection: a TCP socket, carrying a TLS session
/// when that side uses TLS. Reads and writes go through the session if
/// there is one; one read and one write may be outstanding at a time (Asio's
/// ssl::stream is full duplex).
class side {
  public:
    side(tcp::socket s, ssl::context* tls) {
        if (tls)
            tls_ = std::make_unique<ssl::stream<tcp::socket>>(std::move(s), *tls);
        else
            plain_.emplace(std::move(s));
    }
    side(const net::any_io_executor& ex, ssl::context* tls) : side(tcp::socket(ex), tls) {}

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
bool is_end(const boost::system::error_code& ec) {
    return ec == net::error::eof || ec == ssl::error::stream_truncated;
}

/// One proxied connection: two sides, two pumps, one analyzer.
class connection : public std::enable_shared_from_this<connection> {
  public:
    connection(tcp::socket client, std::shared_ptr<shared_state> st, std::size_t id)
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
        side& s = std::string_view(who) == "client" ? client_ : server_;
        if (ec) {
            print_line(*st_, id_, "error",
                       std::string("TLS handshake with the ") + who + " failed: " + ec.message());
            close_all();
            return false;
        }
        const SSL* ssl = s.tls()->native_handle();
        if (const auto check = ha::check_negotiated(ssl); check != ha::tls_check::ok) {
            print_line(
                *st_, id_, "error",
                std::string("TLS with the ") + who + ": " + std::string(ha::describe(check)));
            close_all();
            return false;
        }
        print_line(*st_, id_, "tls",
                   std::string("TLS with the ") + who + ": " + ha::describe_session(ssl));
        return true;
    }

    void connect() {
        net::async_connect(
            server_.socket(), st_->target,
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
                auto* tls = self->server_.tls();
                if (!tls) {
                    self->start_pumps();
                    return;
                }
                if (auto e = ha::prepare_client(tls->native_handle(), self->st_->tls_name,
                                                self->st_->verify_upstream)) {
                    print_line(*self->st_, self->id_, "error", "TLS to the server: " + *e);
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

    side& from(trace_direction d) {
        return d == trace_direction::client_to_server ? client_ : server_;
    }
    side& to(trace_direction d) {
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
            print(*self->st_, self->id_,
                  self->analyzer_.feed(d, wire::bytes_view(b.data(), n), trace_clock::now()));
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
        print_line(*st_, id_, "closed", "connection closed");
        ++st_->closed;
        if (st_->max_connections != 0 && st_->closed >= st_->max_connections && st_->on_all_closed)
            st_->on_all_closed();
    }

    side client_, server_;
    std::shared_ptr<shared_state> st_;
    std::size_t id_;
    trace_analyzer analyzer_;
    std::vector<wire::byte> bufs_[2];
    bool done_[2] = {false, false};
    bool closed_ = false;
};

void accept_loop(tcp::acceptor& acceptor, std::shared_ptr<shared_state> st) {
    acceptor.async_accept([&acceptor, st](boost::system::error_code ec, tcp::socket sock) {
        if (ec) return;  // the acceptor was closed
        const std::size_t id = ++st->connections;
        std::ostringstream s;
        boost::system::error_code ignore;
        s << "accepted " << sock.remote_endpoint(ignore);
        print_line(*st, id, "accepted", s.str());
        std::make_shared<connection>(std::move(sock), st, id)->start();
        if (st->max_connections == 0 || st->connections < st->max_connections)
            accept_loop(acceptor, st);
    });
}

// ------------------------------------------------------------- --reflect

/// What the reflection exchange found.
struct reflection_result {
    std::string descriptor_set;  ///< a FileDescriptorSet: field 1, one per file
    std::vector<std::string> services;
    std::vector<std::string> file_names;  ///< each file once, in the order received
    std::vector<std::string> notes;       ///< per-service errors, cuts
};

/// The name (field 1) of a serialized FileDescriptorProto (descriptor.proto),
/// or nullopt if the octets do not parse.
std::optional<std::string> file_name_of(std::string_view fdp) {
    proto::field_reader r(wire::as_bytes(fdp));
    proto::field f;
    std::string name;
    while (r.next(f))
        if (f.number == 1 && f.type == proto::wire_type::len)
            name = std::string(wire::as_chars(f.payload));
    if (r.error()) return std::nullopt;
    return name;
}

/// Adds a FileDescriptorProto to the set as field 1 (tag 0x0A, LEN: the
/// protobuf encoding of `repeated FileDescriptorProto file = 1`), unless a
/// file of that name is already in it: every answer carries the requested
/// file with all its dependencies (reflection.proto), so shared imports
/// such as google/protobuf/empty.proto come again and again.
void add_file(reflection_result& out, std::string_view fdp) {
    const auto name = file_name_of(fdp);
    if (!name) {
        out.notes.push_back("a FileDescriptorProto that does not parse was skipped");
        return;
    }
    for (const auto& n : out.file_names)
        if (n == *name) return;
    out.file_names.push_back(*name);
    out.descriptor_set.push_back('\x0a');
    for (std::uint64_t n = fdp.size();; n >>= 7) {
        if (n < 0x80) {
            out.descriptor_set.push_back(static_cast<char>(n));
            break;
        }
        out.descriptor_set.push_back(static_cast<char>((n & 0x7f) | 0x80));
    }
    out.descriptor_set.append(fdp);
}

/// One ServerReflectionInfo call (a bidi stream) of one reflection version:
/// list_services, then file_containing_symbol for each service, one request
/// and one response at a time. v1 and v1alpha have the same messages under
/// two package names, hence the template. The call's status is returned.
template <class Req, class Resp>
ha::awaitable<rpc::status> reflect_with(ra::channel* ch, const rpc::method_descriptor* method,
                                        std::chrono::steady_clock::time_point deadline,
                                        reflection_result* out) {
    ra::call_options o;
    o.deadline = deadline;
    auto rw = co_await ch->bidi_streaming<Req, Resp>(*method, o);

    // Asks one question and returns its answer, or nullopt when the stream
    // has ended (the status then says why).
    auto ask = [&rw](Req req) -> ha::awaitable<std::optional<Resp>> {
        const bool wrote = co_await rw.write(req);
        if (!wrote) co_return std::nullopt;
        Resp resp;
        const bool got = co_await rw.read(resp);
        if (!got) co_return std::nullopt;
        co_return resp;
    };

    Req list;
    list.message_request.template emplace<Req::list_services_index>("*");
    auto listed = co_await ask(std::move(list));
    if (listed) {
        if (auto* e = std::get_if<Resp::error_response_index>(&listed->message_response)) {
            out->notes.push_back("list_services: " + (*e)->error_message);
        } else if (auto* l =
                       std::get_if<Resp::list_services_response_index>(&listed->message_response)) {
            for (const auto& s : (*l)->service) {
                if (out->services.size() == max_reflected_services) {
                    out->notes.push_back("more than " + std::to_string(max_reflected_services) +
                                         " services: the rest were not asked about");
                    break;
                }
                out->services.push_back(s.name);
            }
        }
        for (const auto& service : out->services) {
            Req q;
            q.message_request.template emplace<Req::file_containing_symbol_index>(service);
            auto answer = co_await ask(std::move(q));
            if (!answer) break;
            if (auto* e = std::get_if<Resp::error_response_index>(&answer->message_response)) {
                out->notes.push_back(service + ": " + (*e)->error_message);
            } else if (auto* f = std::get_if<Resp::file_descriptor_response_index>(
                           &answer->message_response)) {
                for (const auto& fdp : (*f)->file_descriptor_proto) add_file(*out, fdp);
            }
        }
        (void)co_await rw.writes_done();
    }
    rpc::status st = co_await rw.finish();
    co_return st;
}

/// v1, then v1alpha if the server does not have v1 (UNIMPLEMENTED: older
/// grpc-go and grpcio servers only register v1alpha).
ha::awaitable<void> reflect(ra::channel* ch, std::chrono::steady_clock::time_point deadline,
                            reflection_result* out, rpc::status* final_status,
                            std::string* version) {
    namespace v1 = ::grpc::reflection::v1;
    namespace v1alpha = ::grpc::reflection::v1alpha;
    *version = "v1";
    rpc::status st =
        co_await reflect_with<v1::ServerReflectionRequest, v1::ServerReflectionResponse>(
            ch, &v1::ServerReflection::ServerReflectionInfo_method, deadline, out);
    if (st.code == rpc::status_code::unimplemented) {
        *out = reflection_result{};
        *version = "v1alpha";
        st = co_await reflect_with<v1alpha::ServerReflectionRequest,
                                   v1alpha::ServerReflectionResponse>(
            ch, &v1alpha::ServerReflection::ServerReflectionInfo_method, deadline, out);
    }
    *final_status = st;
    ch->close();
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

    auto st = std::make_shared<shared_state>();
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
    bool have_schema = !protos.empty();

    std::signal(SIGPIPE, SIG_IGN);
    if (use_reflection) {
        ra::channel_options co;
        co.use_tls = tls_to;
        co.verify_peer = !insecure;
        if (ca) co.ca_file = *ca;
        if (authority) co.server_name_override = *authority;
        net::io_context rio(1);
        ra::channel ch(rio.get_executor(), *to, co);
        reflection_result found;
        rpc::status status{rpc::status_code::unknown, "the reflection exchange did not finish"};
        std::string version;
        net::co_spawn(
            rio,
            reflect(&ch, std::chrono::steady_clock::now() + std::chrono::seconds(reflect_timeout_s),
                    &found, &status, &version),
            net::detached);
        rio.run();
        for (const auto& n : found.notes)
            std::cerr << "h2pb trace: reflection " << version << ": " << n << '\n';
        proto::error perr;
        if (status.ok() && !found.file_names.empty()) {
            perr = parse_descriptor_set(wire::as_bytes(found.descriptor_set), *types);
            if (!perr) perr = parse_methods(wire::as_bytes(found.descriptor_set), *methods);
        }
        if (!status.ok()) {
            std::cerr << "h2pb trace: reflection failed (" << status.to_string()
                      << "); tracing without its schema\n";
        } else if (found.file_names.empty()) {
            std::cerr << "h2pb trace: reflection found no files; tracing without a schema\n";
        } else if (perr) {
            std::cerr << "h2pb trace: reflection's files do not parse (" << perr.message()
                      << "); tracing without a schema\n";
            types = std::make_unique<schema>();
            methods = std::make_unique<std::map<std::string, method_desc>>();
        } else {
            std::cerr << "h2pb trace: reflection " << version << ": " << found.services.size()
                      << " services, " << found.file_names.size() << " files\n";
            have_schema = true;
        }
    }
    if (have_schema) {
        st->options.types = types.get();
        st->options.methods = methods.get();
    }

    net::io_context io;
    boost::system::error_code ec;
    tcp::resolver resolver(io);
    st->target = resolver.resolve(to_host, to_port, ec);
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
    accept_loop(acceptor, st);
    io.run();
    return 0;
}

}  // namespace h2pb::cli
