// h2pb::rpc::asio — a gRPC server on the h2/asio HTTP/2 server.
//
//   class Analytics : public analytics::AnalyticsService {     // generated base
//       awaitable<rpc::result<analytics::ReportResponse>>
//       GetReport(const analytics::ReportRequest& req, server_context& ctx) override {
//           analytics::ReportResponse r;
//           ...
//           co_return r;
//       }
//   };
//
//   rpc::asio::server_options o;
//   o.http.port = 50051;
//   rpc::asio::server srv(o);
//   Analytics analytics;
//   srv.add_service(analytics);
//   srv.add_interceptor(require_token);       // before every handler
//   srv.listen();  srv.run();
//
// One call = one HTTP/2 stream. For each request header section the server
//
//   1. checks the request head (rpc/call_head.hpp): a method other than POST
//      is answered 405, a content-type that is not gRPC 415 (plain HTTP, as
//      PROTOCOL-HTTP2.md says); a bad grpc-timeout, too much metadata or an
//      unsupported grpc-encoding is a Trailers-Only gRPC error;
//   2. finds the method by :path (UNIMPLEMENTED when unknown);
//   3. runs the interceptors, in the order added (the first non-OK status
//      ends the call before the handler runs);
//   4. runs the handler coroutine: request messages come from the DATA
//      frames (5-byte prefix, reassembled, decompressed, size-checked);
//      response messages go out as DATA, each write waiting for flow control
//      (a slow reader holds the writer, not memory);
//   5. ends the call with trailers (grpc-status, grpc-message, trailing
//      metadata) or, when nothing was sent yet, a Trailers-Only response.
//
// Cancellation: the client's RST_STREAM, the deadline (grpc-timeout: the
// stream is reset with CANCEL when it passes, and the handler sees
// is_cancelled()), the connection's end and a shutdown past its grace
// period all cancel the call. A handler that throws ends its call UNKNOWN;
// the connection and the other calls go on.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/server.hpp>
#include <h2pb/rpc/asio/health.hpp>
#include <h2pb/rpc/asio/reflection.hpp>
#include <h2pb/rpc/asio/server_context.hpp>
#include <h2pb/rpc/asio/service.hpp>
#include <h2pb/rpc/call_head.hpp>
#include <h2pb/rpc/compression.hpp>
#include <h2pb/rpc/message_codec.hpp>
#include <h2pb/rpc/metadata.hpp>
#include <h2pb/rpc/status.hpp>

namespace h2pb::rpc::asio {

namespace net = h2::asio::net;

/// Runs before the handler of every call; a non-OK status ends the call with
/// that status and the handler does not run. It may read the metadata, set
/// trailing metadata and ctx.auth_identity.
using interceptor = std::function<awaitable<status>(server_context&)>;

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
};

class server;

/// One call being served: the bridge between an HTTP/2 request/response
/// pair and the call_stream the method adapters read and write.
class server_call final : public call_stream {
  public:
    server_call() : decoder_(default_max_message_size) { ctx_.call_ = this; }
    server_call(const server_call&) = delete;
    server_call& operator=(const server_call&) = delete;

    /// Takes on a new call. Every member goes back to its fresh state, but
    /// strings, vectors and buffers keep their memory: a pooled server_call
    /// serves unary calls without allocating once it has grown.
    void reset(const server_options& o, h2::asio::request& req, h2::asio::response& res) {
        opts_ = &o;
        req_ = &req;
        res_ = &res;
        ctx_.reset();
        head_.clear();
        decoder_.reset(o.max_receive_message_size);
        encoder_.reset();
        failure_.reset();
        input_ended_ = finished_ = false;
    }

    server_context& context() noexcept override { return ctx_; }

    /// Checks the request head (call_head.hpp). A refused request is
    /// answered here (405, 415, or Trailers-Only) and false returned.
    bool start() {
        head_limits limits;
        limits.max_metadata_size = opts_->max_metadata_size;
        if (auto rej = parse_request(req_->headers(), head_, *opts_->codecs, limits)) {
            build_rejection(*rej, opts_->codecs->accept_encoding(), fields_, storage_);
            finished_ = true;
            // h2::asio's send_headers() writes :status itself (fields_[0]).
            (void)res_->send_headers(rej->http_status, std::span(fields_).subspan(1), true);
            return false;
        }
        ctx_.authority_ = head_.authority;
        ctx_.user_agent_ = head_.user_agent;
        std::swap(ctx_.client_metadata_, head_.md);  // both keep their memory
        if (head_.decompressor) {
            ctx_.request_encoding_ = head_.decompressor->name();
            decoder_.set_decompressor(head_.decompressor.get());
        }
        if (head_.timeout) {
            // A timeout too large for the clock saturates to "no deadline".
            const auto now = h2::clock::now();
            const auto left = std::chrono::duration_cast<h2::clock::duration>(*head_.timeout);
            if (left < h2::clock::time_point::max() - now) {
                ctx_.deadline_ = now + left;
                // When it passes the stream is reset with CANCEL and the
                // handler's reads and writes fail (PROTOCOL-HTTP2.md; the
                // client reports DEADLINE_EXCEEDED itself).
                res_->set_deadline(*ctx_.deadline_);
            }
        }
        return true;
    }

    const request_head& head() const noexcept { return head_; }

    /// Sets the method before the handler runs.
    void bind(const method_descriptor& d) { ctx_.method_ = d; }

    /// The client's address, as grpc C++ writes it (computed when asked).
    const std::string& peer() {
        if (ctx_.peer_.empty()) ctx_.peer_ = peer_of(*req_);
        return ctx_.peer_;
    }

    poll_result poll_message(wire::bytes_view& out) override {
        for (;;) {
            if (finished_ || cancelled()) return poll_result::end;
            const decode_result r = decoder_.next(out);
            if (r == decode_result::message) {
                ctx_.last_message_compressed_ = decoder_.last_compressed();
                return poll_result::message;
            }
            if (r == decode_result::failed) {
                fail(decoder_.error());
                return poll_result::end;
            }
            if (input_ended_) return poll_result::end;
            auto piece = req_->try_read();
            if (!piece) return poll_result::pending;
            if (!*piece) return poll_result::end;  // reset, deadline, connection gone
            if (!feed(**piece)) return poll_result::end;
        }
    }

    awaitable<std::optional<wire::bytes_view>> read_message() override {
        for (;;) {
            wire::bytes_view m;
            const poll_result p = poll_message(m);
            if (p == poll_result::message) co_return m;
            if (p == poll_result::end) co_return std::nullopt;
            auto piece = co_await req_->read();
            if (!piece) co_return std::nullopt;
            if (!feed(*piece)) co_return std::nullopt;
        }
    }

    awaitable<bool> write_message(wire::bytes_view message) override {
        if (finished_ || failure_ || cancelled()) co_return false;
        if (!send_headers()) co_return false;
        out_.clear();
        codec* c = ctx_.compress_messages_ ? encoder_.get() : nullptr;
        if (status st = encode_message(out_, message, c, opts_->max_send_message_size); !st.ok()) {
            fail(std::move(st));
            co_return false;
        }
        const h2::asio::stream_error e = co_await res_->write(out_.view());
        co_return !e;
    }

    send_result send_message(wire::bytes_view message) override {
        if (finished_ || failure_ || cancelled()) return send_result::failed;
        if (!send_headers()) return send_result::failed;
        out_.clear();
        codec* c = ctx_.compress_messages_ ? encoder_.get() : nullptr;
        if (status st = encode_message(out_, message, c, opts_->max_send_message_size); !st.ok()) {
            fail(std::move(st));
            return send_result::failed;
        }
        res_->send(out_.view());
        return send_result::sent;
    }

    bool cancelled() const noexcept { return static_cast<bool>(res_->error()); }
    h2::asio::response& response() noexcept { return *res_; }

    /// Sends the response header section (with the initial metadata) unless
    /// it went out already. False when the stream is gone.
    bool send_headers() {
        if (ctx_.initial_sent_) return true;
        if (cancelled() || finished_) return false;
        build_response_headers(fields_, storage_, encoder_ ? encoder_->name() : std::string_view{},
                               opts_->codecs->accept_encoding(), &ctx_.initial_metadata_);
        ctx_.initial_sent_ = true;
        return res_->send_headers(200, std::span(fields_).subspan(1)) == h2::send_errc::ok;
    }

    bool set_compression(std::string_view encoding) {
        if (ctx_.initial_sent_) return false;  // grpc-encoding went out already
        if (is_identity(encoding)) {
            encoder_.reset();
            ctx_.response_encoding_ = "identity";
            return true;
        }
        if (!head_.accepts(encoding)) return false;
        auto c = opts_->codecs->make(encoding);
        if (!c) return false;
        encoder_ = std::move(c);
        ctx_.response_encoding_ = std::string(encoding);
        return true;
    }

    /// Ends the call with `st`: trailers, or Trailers-Only when nothing was
    /// sent. Once only; nothing after a reset.
    void finish(const status& st) {
        if (finished_) return;
        finished_ = true;
        if (cancelled()) return;
        if (!ctx_.initial_sent_) {
            ctx_.initial_sent_ = true;
            build_trailers_only(fields_, storage_, st, &ctx_.trailing_metadata_);
            (void)res_->send_headers(200, std::span(fields_).subspan(1), true);
        } else {
            build_trailers(fields_, storage_, st, &ctx_.trailing_metadata_);
            res_->send_trailers(fields_);
        }
    }

    /// An error found by the call layer itself (a message that breaks the
    /// framing or the size limits): remembered, it replaces the handler's
    /// status.
    void fail(status st) {
        if (!failure_) failure_ = std::move(st);
    }
    const std::optional<status>& failure() const noexcept { return failure_; }

  private:
    /// Hands the decoder the next piece of the body; an empty piece is the
    /// end of the client's stream. False when the stream is over.
    bool feed(wire::bytes_view piece) {
        if (!piece.empty()) {
            decoder_.feed(piece);
            return true;
        }
        input_ended_ = true;
        if (status st = decoder_.finish(); !st.ok()) fail(std::move(st));
        return true;  // poll once more: the decoder reports the end
    }

    static std::string peer_of(h2::asio::request& req) {
        auto* s = req.raw().owner;
        if (!s) return {};
        h2::asio::error_code_t ec;
        const auto ep = s->get_transport().socket().remote_endpoint(ec);
        if (ec) return {};
        const auto a = ep.address();
        if (a.is_v4()) return "ipv4:" + a.to_string() + ":" + std::to_string(ep.port());
        return "ipv6:[" + a.to_string() + "]:" + std::to_string(ep.port());
    }

    const server_options* opts_ = nullptr;
    h2::asio::request* req_ = nullptr;
    h2::asio::response* res_ = nullptr;
    server_context ctx_;
    request_head head_;
    message_decoder decoder_;
    std::unique_ptr<codec> encoder_;
    wire::buffer out_;
    std::vector<hpack::field> fields_;
    std::string storage_;
    std::optional<status> failure_;
    bool input_ended_ = false;
    bool finished_ = false;
};

inline bool server_context::send_initial_metadata() {
    return call_ && call_->send_headers();
}
inline bool server_context::set_compression(std::string_view encoding) {
    return call_ && call_->set_compression(encoding);
}
inline std::string_view server_context::peer() {
    return call_ ? std::string_view(call_->peer()) : std::string_view{};
}
inline bool server_context::is_cancelled() const noexcept {
    return call_ && call_->cancelled();
}
inline awaitable<void> server_context::cancelled() {
    if (call_ == nullptr) co_return;
    (void)co_await call_->response().cancelled();
}

/// A gRPC server: services and interceptors on an HTTP/2 server.
class server {
  public:
    explicit server(server_options o = {}) : opts_(std::move(o)) {
        if (!opts_.codecs) opts_.codecs = std::make_shared<identity_only>();
    }
    server(const server&) = delete;
    server& operator=(const server&) = delete;
    ~server() {
        if (http_) http_->stop();
    }

    /// Serves every method of `s` (which must outlive the server). Call
    /// before listen().
    void add_service(service& s) {
        s.register_methods(methods_);
        service_names_.emplace_back(s.service_name());
        service_files_.push_back(s.proto_file());
        if (reflection_) reflection_->registry().add_service(s.service_name(), s.proto_file());
    }
    /// Serves one method from a handler on bytes.
    void add_method(method_descriptor d, call_handler h) { methods_.add(d, std::move(h)); }
    /// Runs before every handler, in the order added.
    void add_interceptor(interceptor i) { interceptors_.push_back(std::move(i)); }

    const method_table& methods() const noexcept { return methods_; }
    const std::vector<std::string>& service_names() const noexcept { return service_names_; }

    /// Binds and listens. Error text on failure.
    std::optional<std::string> listen() {
        h2::asio::router routes;
        routes.set_fallback(h2::asio::coroutine_handler(
            [this](h2::asio::request& req, h2::asio::response& res) -> awaitable<void> {
                return serve(req, res);
            }));
        http_ = std::make_unique<h2::asio::server>(opts_.http, std::move(routes));
        return http_->listen();
    }
    std::uint16_t port() const { return http_ ? http_->port() : 0; }
    h2::asio::tcp::endpoint local_endpoint() const { return http_->local_endpoint(); }
    void start() { http_->start(); }
    void join() { http_->join(); }
    void run() { http_->run(); }
    /// Graceful: GOAWAY, calls in flight get until `grace`. With health
    /// enabled, every service turns NOT_SERVING first (Watch calls see it).
    void shutdown(h2::asio::duration grace) {
        if (health_) health_->shutdown();
        http_->shutdown(grace);
    }
    void stop() {
        if (health_) health_->shutdown();
        http_->stop();
    }

    /// Serves grpc.health.v1.Health (rpc/asio/health.hpp) and returns it, for
    /// the application to set statuses; "" (the whole server) starts
    /// SERVING. Call before listen(); a second call returns the same object.
    /// (A template only so that the service's code is compiled where it is
    /// used, not in every program that includes this header.)
    template <int = 0>
    health_service& enable_health() {
        if (!health_) {
            auto h = std::make_shared<health_service>();
            health_ = h.get();
            builtin_.push_back(std::move(h));
            add_service(*health_);
        }
        return *health_;
    }
    /// The health service, if enable_health() was called.
    health_service* health() noexcept { return health_; }

    /// Serves server reflection, grpc.reflection.v1 and v1alpha
    /// (rpc/asio/reflection.hpp): every service added, before or after this
    /// call, is listed, and the .proto files of those generated with
    /// protoc-gen-h2pb's `descriptors` (and their imports) can be fetched.
    /// Call before listen(); a second call returns the same object.
    template <int = 0>
    reflection_services& enable_reflection() {
        if (!reflection_) {
            auto r = std::make_shared<reflection_services>();
            reflection_ = r.get();
            builtin_.push_back(std::move(r));
            for (std::size_t i = 0; i < service_names_.size(); ++i)
                reflection_->registry().add_service(service_names_[i], service_files_[i]);
            add_service(reflection_->v1());
            add_service(reflection_->v1alpha());
        }
        return *reflection_;
    }
    const server_options& options() const noexcept { return opts_; }

  private:
    /// server_calls are pooled per thread: taken for a call, given back
    /// when it ends, memory and all.
    struct call_pool {
        std::vector<std::unique_ptr<server_call>> free;
        ~call_pool() = default;
    };
    static call_pool& pool() {
        thread_local call_pool p;
        return p;
    }
    /// How many idle server_calls a thread keeps.
    static constexpr std::size_t max_pooled_calls = 256;

    struct pooled_call {
        std::unique_ptr<server_call> p;
        pooled_call() {
            auto& f = pool().free;
            if (f.empty()) {
                p = std::make_unique<server_call>();
            } else {
                p = std::move(f.back());
                f.pop_back();
            }
        }
        ~pooled_call() {
            // Given back to the pool of the thread the call ends on.
            auto& f = pool().free;
            if (f.size() < max_pooled_calls) f.push_back(std::move(p));
        }
        pooled_call(const pooled_call&) = delete;
        pooled_call& operator=(const pooled_call&) = delete;
    };

    awaitable<void> serve(h2::asio::request& req, h2::asio::response& res) {
        pooled_call pc;
        server_call& call = *pc.p;
        call.reset(opts_, req, res);
        if (!call.start()) co_return;  // 405, 415 or a Trailers-Only refusal went out
        const method_entry* m = methods_.find(call.head().path);
        if (!m) {
            call.finish(unimplemented_status(call.head()));
            co_return;
        }
        call.bind(m->descriptor);
        status st;
        try {
            for (const auto& i : interceptors_) {
                st = co_await i(call.context());
                if (!st.ok()) break;
            }
            if (st.ok()) {
                st = co_await m->handler(call);
            }
        } catch (const std::exception& e) {
            // grpc C++ answers a throwing handler UNKNOWN too.
            st = {status_code::unknown, std::string("handler threw: ") + e.what()};
        } catch (...) {
            st = {status_code::unknown, "handler threw"};
        }
        if (call.failure()) st = *call.failure();
        call.finish(st);
    }

    status unimplemented_status(const request_head& h) const {
        // grpc C++ answers both with UNIMPLEMENTED and an empty message;
        // grpc-go says which ("unknown service X", "unknown method M for
        // service X"), and so do we.
        if (!methods_.has_service(h.service()))
            return {status_code::unimplemented, "unknown service " + std::string(h.service())};
        return {status_code::unimplemented, "unknown method " + std::string(h.method()) +
                                                " for service " + std::string(h.service())};
    }

    server_options opts_;
    method_table methods_;
    std::vector<std::string> service_names_;
    std::vector<interceptor> interceptors_;
    std::vector<const file_descriptor*> service_files_;  ///< beside service_names_
    /// The built-in services (health, reflection), owned type-erased so that
    /// their code is compiled only where enable_*() is called.
    std::vector<std::shared_ptr<void>> builtin_;
    health_service* health_ = nullptr;
    reflection_services* reflection_ = nullptr;
    std::unique_ptr<h2::asio::server> http_;
};

}  // namespace h2pb::rpc::asio
