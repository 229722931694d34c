// h2pb::rpc::asio — the gRPC server's implementation (see server.hpp): one
// call's bridge between HTTP/2 and the method adapters (server_call), and
// the server's body (detail::server_impl) that rpc::asio::server forwards
// to.
//
// Header-only (the default), server.hpp includes this file and every
// definition here is inline. Separately compiled (H2PB_SEPARATE_COMPILATION,
// h2/asio/config.hpp), only src/rpc_server.cpp includes it: a program's own
// translation units see neither this nor the HTTP/2 server.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/h2/asio/config.hpp>
#include <h2pb/h2/asio/exchange.hpp>
#include <h2pb/h2/asio/server.hpp>
#include <h2pb/h2/asio/session.hpp>
#include <h2pb/rpc/asio/server_context.hpp>
#include <h2pb/rpc/asio/server_decl.hpp>
#include <h2pb/rpc/asio/service.hpp>
#include <h2pb/rpc/call_head.hpp>
#include <h2pb/rpc/compression.hpp>
#include <h2pb/rpc/grpc_web.hpp>
#include <h2pb/rpc/message_codec.hpp>
#include <h2pb/rpc/metadata.hpp>
#include <h2pb/rpc/status.hpp>

namespace h2pb::rpc::asio {

// The H2PB_DECL definitions below (h2/asio/config.hpp) are `inline`
// header-only; in separately compiled mode they are meant not to be: the one
// unit that includes this file then is src/rpc_server.cpp, which compiles them once.
// NOLINTBEGIN(misc-definitions-in-headers)

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

H2PB_DECL bool server_context::send_initial_metadata() {
    return call_ && call_->send_headers();
}
H2PB_DECL bool server_context::set_compression(std::string_view encoding) {
    return call_ && call_->set_compression(encoding);
}
H2PB_DECL std::string_view server_context::peer() {
    return call_ ? std::string_view(call_->peer()) : std::string_view{};
}
H2PB_DECL bool server_context::is_cancelled() const noexcept {
    return call_ && call_->cancelled();
}
H2PB_DECL awaitable<void> server_context::cancelled() {
    if (call_ == nullptr) co_return;
    (void)co_await call_->response().cancelled();
}

namespace detail {

/// What rpc::asio::server runs: the services and interceptors on an HTTP/2
/// server (the server forwards to it; see server.hpp).
class server_impl {
  public:
    explicit server_impl(server_options o) : opts_(std::move(o)) {
        if (!opts_.codecs) opts_.codecs = std::make_shared<identity_only>();
        cors_.build(opts_.grpc_web);
    }
    server_impl(const server_impl&) = delete;
    server_impl& operator=(const server_impl&) = delete;
    ~server_impl() {
        if (http_) http_->stop();
    }

    using service_hook = std::function<void(std::string_view name, const file_descriptor* file)>;

    /// Serves every method of `s` (which must outlive the server). Call
    /// before listen().
    void add_service(service& s) {
        s.register_methods(methods_);
        service_names_.emplace_back(s.service_name());
        service_files_.push_back(s.proto_file());
        for (const auto& f : on_service_added_) f(s.service_name(), s.proto_file());
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
    /// Graceful: GOAWAY, calls in flight get until `grace`; the on_shutdown
    /// hooks run first.
    void shutdown(h2::asio::duration grace) {
        for (const auto& f : on_shutdown_) f();
        http_->shutdown(grace);
    }
    void stop() {
        for (const auto& f : on_shutdown_) f();
        http_->stop();
    }

    /// Keeps a built-in service (health, reflection) alive as long as the
    /// server.
    void keep(std::shared_ptr<void> p) { builtin_.push_back(std::move(p)); }
    /// `f` runs at shutdown() and stop(), before the HTTP/2 server's (health
    /// turns every service NOT_SERVING).
    void on_shutdown(std::function<void()> f) { on_shutdown_.push_back(std::move(f)); }
    /// `f` sees every service added so far, then each one add_service() adds
    /// (reflection lists them).
    void on_service_added(service_hook f) {
        for (std::size_t i = 0; i < service_names_.size(); ++i)
            f(service_names_[i], service_files_[i]);
        on_service_added_.push_back(std::move(f));
    }
    void run_until_signal(h2::asio::duration grace) {
        net::io_context main_io;
        net::signal_set signals(main_io, SIGINT, SIGTERM);
        signals.async_wait([&](const h2::asio::error_code_t&, int) { shutdown(grace); });
        start();        // the server's own threads run it from here
        main_io.run();  // until the signal
        join();
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
            // The error_code overload: the throwing one would let an
            // exception leave the destructor.
            h2::asio::error_code_t ignored;
            t->timer.cancel(ignored);
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
    std::vector<std::function<void()>> on_shutdown_;
    std::vector<service_hook> on_service_added_;
    std::unique_ptr<h2::asio::server> http_;
};

}  // namespace detail

// ---- server: every member forwards to detail::server_impl

H2PB_DECL server::server(server_options o)
    : impl_(std::make_unique<detail::server_impl>(std::move(o))) {}
H2PB_DECL server::~server() = default;
H2PB_DECL void server::add_service(service& s) {
    impl_->add_service(s);
}
H2PB_DECL void server::add_method(method_descriptor d, call_handler h) {
    impl_->add_method(d, std::move(h));
}
H2PB_DECL void server::add_interceptor(interceptor i) {
    impl_->add_interceptor(std::move(i));
}
H2PB_DECL const method_table& server::methods() const noexcept {
    return impl_->methods();
}
H2PB_DECL const std::vector<std::string>& server::service_names() const noexcept {
    return impl_->service_names();
}
H2PB_DECL std::optional<std::string> server::listen() {
    return impl_->listen();
}
H2PB_DECL std::uint16_t server::port() const {
    return impl_->port();
}
H2PB_DECL h2::asio::tcp::endpoint server::local_endpoint() const {
    return impl_->local_endpoint();
}
H2PB_DECL void server::start() {
    impl_->start();
}
H2PB_DECL void server::join() {
    impl_->join();
}
H2PB_DECL void server::run() {
    impl_->run();
}
H2PB_DECL void server::shutdown(h2::asio::duration grace) {
    impl_->shutdown(grace);
}
H2PB_DECL void server::stop() {
    impl_->stop();
}
H2PB_DECL void server::run_until_signal(h2::asio::duration grace) {
    impl_->run_until_signal(grace);
}
H2PB_DECL const server_options& server::options() const noexcept {
    return impl_->options();
}
H2PB_DECL void server::keep(std::shared_ptr<void> p) {
    impl_->keep(std::move(p));
}
H2PB_DECL void server::on_shutdown(std::function<void()> f) {
    impl_->on_shutdown(std::move(f));
}
H2PB_DECL void server::on_service_added(service_hook f) {
    impl_->on_service_added(std::move(f));
}

// NOLINTEND(misc-definitions-in-headers)

}  // namespace h2pb::rpc::asio
