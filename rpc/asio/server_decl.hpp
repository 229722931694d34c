// h2pb::rpc::asio — the gRPC server's declarations: its options, the
// interceptor type and rpc::asio::server, whose members forward to
// detail::server_impl (impl/server.hpp). Include <h2pb/rpc/asio/server.hpp>,
// which adds the definitions unless H2PB_SEPARATE_COMPILATION is defined
// (h2/asio/config.hpp); this header is what a separately compiled program's
// units see of the server.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/awaitable.hpp>
#include <h2pb/h2/asio/config.hpp>
#include <h2pb/h2/asio/server_options.hpp>
#include <h2pb/rpc/asio/server_context.hpp>
#include <h2pb/rpc/asio/service.hpp>
#include <h2pb/rpc/compression.hpp>
#include <h2pb/rpc/file_descriptor.hpp>
#include <h2pb/rpc/message_codec.hpp>
#include <h2pb/rpc/metadata.hpp>
#include <h2pb/rpc/status.hpp>

namespace h2pb::rpc::asio {

namespace net = h2::asio::net;

/// Runs before the handler of every call; a non-OK status ends the call with
/// that status and the handler does not run. It may read the metadata, set
/// trailing metadata and ctx.auth_identity.
using interceptor = std::function<awaitable<status>(server_context&)>;

/// gRPC-Web and CORS (see the header comment).
///
/// gRPC-Web is on by default, CORS off (no other origin allowed). Serving
/// gRPC-Web adds nothing a native client could not do already: the same
/// methods, interceptors and limits, only another framing, and a request
/// must say application/grpc-web to get it. Envoy needs its grpc_web filter
/// configured and grpc-go its grpcweb wrapper because there it is a
/// translation layer in front of the server; here it is built in, so off by
/// default would only make a browser's calls fail with 415 for no gain. What
/// does open the server to pages of other origins, CORS, is opt-in: only
/// the origins listed may read responses.
struct grpc_web_options {
    /// Serve application/grpc-web* requests (false: they are answered 415 like
    /// any other non-gRPC content-type).
    bool enabled = true;
    /// Origins ("https://app.example.com:8443", the exact serialization the
    /// browser sends in Origin) whose pages may call; "*" for any. Empty:
    /// same-origin pages only (no CORS fields are ever sent).
    std::vector<std::string> allowed_origins;
    /// Response headers the page may read besides grpc-status, grpc-message
    /// and grpc-status-details-bin (initial and trailing metadata of the
    /// application when sent as headers).
    std::vector<std::string> exposed_headers;
    /// Request headers a preflight allows when the browser does not list
    /// any (it echoes the list the browser sends otherwise): the ones every
    /// gRPC-Web client sends.
    std::string default_allowed_headers =
        "content-type, x-grpc-web, x-user-agent, grpc-timeout, grpc-encoding, "
        "grpc-accept-encoding";
    /// Access-Control-Max-Age of preflights: how long a browser may cache
    /// one. Two hours, Chromium's own cap (Firefox allows 24 h).
    std::chrono::seconds max_age{7200};

    /// Whether a page of `origin` may call.
    bool allows(std::string_view origin) const noexcept {
        if (origin.empty()) return false;
        for (const auto& o : allowed_origins)
            if (o == "*" || o == origin) return true;
        return false;
    }
};

struct server_options {
    /// Address, port, threads, TLS, HTTP/2 settings and timeouts; and the
    /// connection management of gRFC A9 (grpc's GRPC_ARG_MAX_CONNECTION_AGE_MS,
    /// _AGE_GRACE_MS, _IDLE_MS): http.max_connection_age,
    /// http.max_connection_age_grace, http.max_connection_idle (off by default).
    h2::asio::server_options http;
    /// Largest request message, before and after decompression
    /// (RESOURCE_EXHAUSTED beyond).
    std::uint32_t max_receive_message_size = default_max_message_size;
    /// Largest response message (RESOURCE_EXHAUSTED beyond).
    std::uint32_t max_send_message_size = default_max_send_message_size;
    /// Largest request header list (RESOURCE_EXHAUSTED beyond).
    std::size_t max_metadata_size = default_max_metadata_size;
    /// The compression algorithms the server understands (identity only
    /// unless given, e.g. std::make_shared<rpc::zlib_registry>()).
    std::shared_ptr<const codec_registry> codecs = std::make_shared<identity_only>();
    /// gRPC-Web (on) and CORS for it (off): grpc_web_options.
    grpc_web_options grpc_web;
};

class health_service;       // health.hpp
class reflection_services;  // reflection.hpp
namespace detail {
class server_impl;  // impl/server.hpp
}  // namespace detail

/// A gRPC server: services and interceptors on an HTTP/2 server. Every
/// member but the enable_*() templates forwards to detail::server_impl.
class server {
  public:
    explicit server(server_options o = {});
    server(const server&) = delete;
    server& operator=(const server&) = delete;
    ~server();

    /// Serves every method of `s` (which must outlive the server). Call
    /// before listen().
    void add_service(service& s);
    /// Serves one method from a handler on bytes.
    void add_method(method_descriptor d, call_handler h);
    /// Runs before every handler, in the order added.
    void add_interceptor(interceptor i);

    const method_table& methods() const noexcept;
    const std::vector<std::string>& service_names() const noexcept;

    /// Binds and listens. Error text on failure.
    std::optional<std::string> listen();
    std::uint16_t port() const;
    /// (Its type is complete where <boost/asio/ip/tcp.hpp> is included.)
    h2::asio::tcp_endpoint local_endpoint() const;
    void start();
    void join();
    void run();
    /// Graceful: GOAWAY, calls in flight get until `grace`. With health
    /// enabled, every service turns NOT_SERVING first (Watch calls see it).
    void shutdown(h2::asio::duration grace);
    void stop();
    /// A program's whole life: start(), then wait on the calling thread
    /// for SIGINT or SIGTERM, then shutdown(grace) (GOAWAY, calls in flight
    /// get `grace`) and join(). Returns once the server's threads are done.
    void run_until_signal(h2::asio::duration grace);

    /// Serves grpc.health.v1.Health (rpc/asio/health.hpp) and returns it, for
    /// the application to set statuses; "" (the whole server) starts
    /// SERVING. Call before listen(); a second call returns the same object.
    /// (A template only so that the service's code is compiled where it is
    /// used, not in every program that includes this header.)
    template <class Health = health_service>
    Health& enable_health() {
        if (!health_) {
            auto h = std::make_shared<Health>();
            Health* p = h.get();
            health_ = p;
            on_shutdown([p] { p->shutdown(); });
            keep(std::move(h));
            add_service(*p);
        }
        return *static_cast<Health*>(health_);
    }
    /// The health service, if enable_health() was called.
    health_service* health() noexcept { return health_; }

    /// Serves server reflection, grpc.reflection.v1 and v1alpha
    /// (rpc/asio/reflection.hpp): every service added, before or after this
    /// call, is listed, and the .proto files of those generated with
    /// protoc-gen-h2pb's `descriptors` (and their imports) can be fetched.
    /// Call before listen(); a second call returns the same object.
    template <class Reflection = reflection_services>
    Reflection& enable_reflection() {
        if (!reflection_) {
            auto r = std::make_shared<Reflection>();
            Reflection* p = r.get();
            reflection_ = p;
            keep(std::move(r));
            on_service_added([p](std::string_view name, const file_descriptor* file) {
                p->registry().add_service(name, file);
            });
            add_service(p->v1());
            add_service(p->v1alpha());
        }
        return *static_cast<Reflection*>(reflection_);
    }
    const server_options& options() const noexcept;

  private:
    using service_hook = std::function<void(std::string_view name, const file_descriptor* file)>;
    /// The enable_*() templates' way in (detail::server_impl's keep(),
    /// on_shutdown(), on_service_added()).
    void keep(std::shared_ptr<void> p);
    void on_shutdown(std::function<void()> f);
    void on_service_added(service_hook f);

    std::unique_ptr<detail::server_impl> impl_;
    health_service* health_ = nullptr;
    reflection_services* reflection_ = nullptr;
};

}  // namespace h2pb::rpc::asio
