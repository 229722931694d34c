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
// gRPC-Web (PROTOCOL-WEB.md, rpc/grpc_web.hpp) is served on the same port by
// the same services and interceptors, chosen per request by its content-type:
// application/grpc-web[+proto] and application/grpc-web-text[+proto] (the
// body in base64). The response's content-type is the request's; messages
// are framed as in gRPC; the status goes in the body as the last frame
// (flag 0x80, "grpc-status: 0\r\n"...) with END_STREAM on that DATA frame
// and no HTTP trailers, because a browser cannot read trailers. A call that
// ends before any message answers Trailers-Only: grpc-status in the response
// headers, as PROTOCOL-WEB.md says ("no change to the gRPC protocol spec").
// Pages on another origin need CORS (server_options::grpc_web): a preflight
// OPTIONS is answered 204 with the Access-Control-Allow-* fields when its
// Origin is allowed (403 without them otherwise), and the responses of
// allowed origins carry Access-Control-Allow-Origin and -Expose-Headers
// (grpc-status, grpc-message and the application's), so that the page can
// read the status of a Trailers-Only response.
//
// Cancellation: the client's RST_STREAM, the deadline (grpc-timeout: the
// stream is reset with CANCEL when it passes, and the handler sees
// is_cancelled()), the connection's end and a shutdown past its grace
// period all cancel the call. A gRPC-Web call first gets the status
// DEADLINE_EXCEEDED at its deadline (trailer frame, or Trailers-Only), as
// grpc C++ servers send it when they can: a fetch() that sees a reset
// reports a network error, not a status (web_deadline_grace). A handler that throws ends its call
// UNKNOWN; the connection and the other calls go on.
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
#include <h2pb/rpc/grpc_web.hpp>
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

/// gRPC-Web: a call's deadline passes. Native gRPC resets the stream with
/// CANCEL and leaves DEADLINE_EXCEEDED to the client's own timer, which
/// every gRPC client has; a page's fetch() would see the reset as a network
/// error. So a gRPC-Web call gets the status DEADLINE_EXCEEDED at its
/// deadline (server_call::on_web_deadline), and its stream is reset this
/// much later only if that status has not ended it by then (room to write
/// the last frame under flow control). Setting: none.
inline constexpr std::chrono::milliseconds web_deadline_grace{1000};

/// The CORS fields a server sends, computed once from grpc_web_options.
struct web_cors {
    const grpc_web_options* opts = nullptr;
    std::string expose;   ///< Access-Control-Expose-Headers
    std::string max_age;  ///< Access-Control-Max-Age
    void build(const grpc_web_options& o) {
        opts = &o;
        expose = "grpc-status, grpc-message, grpc-status-details-bin";
        for (const auto& h : o.exposed_headers) (expose += ", ") += h;
        max_age = std::to_string(o.max_age.count());
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
    void reset(const server_options& o, h2::asio::request& req, h2::asio::response& res,
               const web_cors* cors = nullptr) {
        opts_ = &o;
        cors_ = cors;
        web_ = web::content_kind::none;
        origin_ = {};
        text_in_.reset();
        text_end_pending_ = text_ended_ = false;
        req_ = &req;
        res_ = &res;
        ctx_.reset();
        head_.clear();
        decoder_.reset(o.max_receive_message_size);
        encoder_.reset();
        failure_.reset();
        input_ended_ = finished_ = web_deadline_passed_ = false;
    }

    server_context& context() noexcept override { return ctx_; }

    /// Checks the request head (call_head.hpp). A refused request is
    /// answered here (405, 415, or Trailers-Only) and false returned.
    bool start() {
        head_limits limits;
        limits.max_metadata_size = opts_->max_metadata_size;
        if (opts_->grpc_web.enabled) {
            limits.accept_grpc_web = true;
            web_ = web::classify(req_->header("content-type"));
            if (web_ == web::content_kind::unsupported) web_ = web::content_kind::none;  // 415
            if (web_ != web::content_kind::none && cors_ &&
                opts_->grpc_web.allows(req_->header("origin")))
                origin_ = req_->header("origin");
        }
        if (auto rej = parse_request(req_->headers(), head_, *opts_->codecs, limits)) {
            build_rejection(*rej, opts_->codecs->accept_encoding(), fields_, storage_);
            if (rej->http_status == 200) add_web_fields();
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
                // client reports DEADLINE_EXCEEDED itself). gRPC-Web: the
                // status goes first (on_web_deadline), the reset later.
                const bool web = web_ != web::content_kind::none;
                res_->set_deadline(*ctx_.deadline_ +
                                   (web ? web_deadline_grace : h2::clock::duration{}));
            }
        }
        return true;
    }

    const request_head& head() const noexcept { return head_; }
    /// The call's gRPC-Web framing (none: native gRPC).
    web::content_kind web() const noexcept { return web_; }

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
            if (text_end_pending_) {  // the decoded tail of a -text body went in
                text_end_pending_ = false;
                if (!feed({})) return poll_result::end;
                continue;
            }
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
        const h2::asio::stream_error e = co_await res_->write(body_of(out_.view()));
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
        res_->send(body_of(out_.view()));
        return send_result::sent;
    }

    bool cancelled() const noexcept { return web_deadline_passed_ || res_->error(); }
    h2::asio::response& response() noexcept { return *res_; }

    /// gRPC-Web: the deadline passed (web_deadline_grace). The call ends
    /// DEADLINE_EXCEEDED now, and the handler sees is_cancelled().
    void on_web_deadline() {
        finish(status{status_code::deadline_exceeded, "Deadline Exceeded"});
        web_deadline_passed_ = true;
    }

    /// Sends the response header section (with the initial metadata) unless
    /// it went out already. False when the stream is gone.
    bool send_headers() {
        if (ctx_.initial_sent_) return true;
        if (cancelled() || finished_) return false;
        build_response_headers(fields_, storage_, encoder_ ? encoder_->name() : std::string_view{},
                               opts_->codecs->accept_encoding(), &ctx_.initial_metadata_);
        add_web_fields();
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
            add_web_fields();
            (void)res_->send_headers(200, std::span(fields_).subspan(1), true);
        } else if (web_ != web::content_kind::none) {
            // gRPC-Web: the trailers are the body's last frame (0x80), and
            // END_STREAM goes on that DATA frame.
            build_trailers(fields_, storage_, st, &ctx_.trailing_metadata_);
            out_.clear();
            web::append_trailer_frame(fields_, out_);
            res_->send(body_of(out_.view()), true);
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
        if (web_ == web::content_kind::text && !text_ended_) {
            // grpc-web-text: base64 in, the octets to the decoder. The
            // decoder is done with text_buf_ (it asked for more).
            text_buf_.clear();
            web::text_errc e = piece.empty() ? text_in_.finish(text_buf_)
                                             : text_in_.feed(wire::as_chars(piece), text_buf_);
            if (e != web::text_errc::ok) {
                fail({status_code::internal, std::string(web::describe(e)) + " (at offset " +
                                                 std::to_string(text_in_.error_offset()) + ")"});
                return false;
            }
            if (piece.empty()) {
                text_ended_ = true;
                if (text_buf_.empty()) return feed({});  // now the real end
                text_end_pending_ = true;                // the end, after this tail
            }
            if (!text_buf_.empty()) decoder_.feed(wire::as_bytes(text_buf_));
            return true;
        }
        if (!piece.empty()) {
            decoder_.feed(piece);
            return true;
        }
        input_ended_ = true;
        if (status st = decoder_.finish(); !st.ok()) fail(std::move(st));
        return true;  // poll once more: the decoder reports the end
    }

    /// What goes in the body for the framed bytes `framed`: themselves, or
    /// for grpc-web-text their padded base64 (each write its own segment,
    /// PROTOCOL-WEB.md "Text-encoded (response) streams").
    wire::bytes_view body_of(wire::bytes_view framed) {
        if (web_ != web::content_kind::text) return framed;
        text_out_.clear();
        web::append_text(framed, text_out_);
        return wire::as_bytes(text_out_);
    }

    /// gRPC-Web: the response content-type echoes the request's, and an
    /// allowed Origin gets the CORS fields (fields_ is a header section:
    /// Response-Headers or Trailers-Only).
    void add_web_fields() {
        if (web_ == web::content_kind::none) return;
        for (auto& f : fields_)
            if (f.name == "content-type") f.value = head_.content_type;
        if (!origin_.empty()) {
            fields_.push_back({"access-control-allow-origin", origin_});
            fields_.push_back({"access-control-expose-headers", cors_->expose});
            fields_.push_back({"vary", "origin"});
        }
    }

    static std::string peer_of(h2::asio::request& req) {
        auto* s = req.raw().owner;
        if (!s) return {};
        h2::asio::error_code_t ec;
        const auto ep = s->transport().socket().remote_endpoint(ec);
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
    bool web_deadline_passed_ = false;
    // gRPC-Web
    const web_cors* cors_ = nullptr;
    web::content_kind web_ = web::content_kind::none;
    std::string_view origin_;        ///< the allowed Origin, echoed (empty: no CORS fields)
    web::text_decoder text_in_;      ///< grpc-web-text request body
    std::string text_buf_;           ///< its octets, fed to decoder_
    std::string text_out_;           ///< the base64 of the last write
    bool text_end_pending_ = false;  ///< the body ended; its decoded tail is in decoder_
    bool text_ended_ = false;        ///< the base64 text is over (finish() done)
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
        cors_.build(opts_.grpc_web);
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
        if (opts_.grpc_web.enabled && req.method() == "OPTIONS" &&
            !req.header("access-control-request-method").empty()) {
            answer_preflight(req, res);
            co_return;
        }
        pooled_call pc;
        server_call& call = *pc.p;
        call.reset(opts_, req, res, &cors_);
        if (!call.start()) co_return;  // 405, 415 or a Trailers-Only refusal went out
        const method_entry* m = methods_.find(call.head().path);
        if (!m) {
            call.finish(unimplemented_status(call.head()));
            co_return;
        }
        call.bind(m->descriptor);
        // gRPC-Web: DEADLINE_EXCEEDED at the deadline (web_deadline_grace),
        // by a timer that lives until it fires or the call ends.
        web_deadline_guard deadline_timer;
        if (call.web() != web::content_kind::none && call.context().deadline()) {
            const h2::asio::executor ex = co_await net::this_coro::executor;
            auto t = std::make_shared<web_deadline_timer>(ex, &call);
            t->timer.expires_at(*call.context().deadline());
            t->timer.async_wait([t](const h2::asio::error_code_t& ec) {
                if (!ec && t->call) t->call->on_web_deadline();
            });
            deadline_timer.t = std::move(t);
        }
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

    /// The timer of a gRPC-Web call's deadline; the call is null once the
    /// call is over.
    struct web_deadline_timer {
        web_deadline_timer(const h2::asio::executor& ex, server_call* c) : timer(ex), call(c) {}
        net::steady_timer timer;
        server_call* call;
    };
    /// Disarms it when serve() ends, however it ends: the call is over, the
    /// timer must not touch it.
    struct web_deadline_guard {
        std::shared_ptr<web_deadline_timer> t;
        web_deadline_guard() = default;
        web_deadline_guard(const web_deadline_guard&) = delete;
        web_deadline_guard& operator=(const web_deadline_guard&) = delete;
        ~web_deadline_guard() {
            if (!t) return;
            t->call = nullptr;
            t->timer.cancel();
        }
    };

    /// A CORS preflight (Fetch standard, "CORS-preflight fetch"): 204 with
    /// the Access-Control-Allow-* fields when the Origin is allowed and the
    /// method asked for is POST; otherwise 403 without them, which the
    /// browser reports to the page as a network error.
    void answer_preflight(h2::asio::request& req, h2::asio::response& res) const {
        const std::string_view origin = req.header("origin");
        if (!opts_.grpc_web.allows(origin) ||
            req.header("access-control-request-method") != "POST") {
            (void)res.send_headers(403, {}, true);
            return;
        }
        // The headers the page asks for are echoed: any metadata may be
        // sent, as over native gRPC (the Origin check is what guards).
        std::string_view asked = req.header("access-control-request-headers");
        if (asked.empty()) asked = opts_.grpc_web.default_allowed_headers;
        const hpack::field fields[] = {
            {"access-control-allow-origin", origin},
            {"access-control-allow-methods", "POST"},
            {"access-control-allow-headers", asked},
            {"access-control-max-age", cors_.max_age},
            {"vary", "origin"},
        };
        (void)res.send_headers(204, fields, true);
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
    web_cors cors_;  ///< from opts_.grpc_web
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
