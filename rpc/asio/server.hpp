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
#include <h2pb/rpc/asio/server_context.hpp>
#include <h2pb/rpc/asio/service.hpp>
#include <h2pb/rpc/compression.hpp>
#include <h2pb/rpc/message_framer.hpp>
#include <h2pb/rpc/metadata.hpp>
#include <h2pb/rpc/percent.hpp>
#include <h2pb/rpc/status.hpp>
#include <h2pb/rpc/timeout.hpp>

namespace h2pb::rpc::asio {

namespace net = h2::asio::net;

/// The largest message a server sends unless told otherwise: grpc C++ and
/// grpc-go do not limit what they send (-1 / math.MaxInt32); the framing
/// itself cannot carry more than 2^32-1 octets.
inline constexpr std::size_t default_max_send_message_size = UINT32_MAX;

/// Runs before the handler of every call; a non-OK status ends the call with
/// that status and the handler does not run. It may read the metadata, set
/// trailing metadata and ctx.auth_identity.
using interceptor = std::function<awaitable<status>(server_context&)>;

struct server_options {
    /// Address, port, threads, TLS, HTTP/2 settings and timeouts.
    h2::asio::server_options http;
    /// Largest request message, before and after decompression
    /// (RESOURCE_EXHAUSTED beyond).
    std::uint32_t max_receive_message_size = default_max_message_size;
    /// Largest response message (RESOURCE_EXHAUSTED beyond).
    std::size_t max_send_message_size = default_max_send_message_size;
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
    server_call(const server_options& o, h2::asio::request& req, h2::asio::response& res)
        : opts_(o), req_(req), res_(res) {
        ctx_.call_ = this;
    }

    server_context& context() noexcept override { return ctx_; }

    awaitable<std::optional<wire::bytes_view>> read_message() override {
        for (;;) {
            if (finished_ || cancelled()) co_return std::nullopt;
            message m;
            const read_status s = reader_.next(m);
            if (s == read_status::message) {
                ctx_.last_message_compressed_ = m.compressed;
                if (!m.compressed) co_return m.bytes;
                if (!decoder_) {
                    fail({status_code::internal,
                          "compressed message without grpc-encoding"});  // PROTOCOL-HTTP2.md
                    co_return std::nullopt;
                }
                inflated_.clear();
                const compress_errc e =
                    decoder_->decompress(m.bytes, opts_.max_receive_message_size, inflated_);
                if (e == compress_errc::too_large) {
                    fail({status_code::resource_exhausted,
                          "Received message larger than max (decompressed; limit " +
                              std::to_string(opts_.max_receive_message_size) + ")"});
                    co_return std::nullopt;
                }
                if (e != compress_errc::ok) {
                    fail({status_code::internal, "Failed to decompress the message (" +
                                                     std::string(decoder_->name()) + ")"});
                    co_return std::nullopt;
                }
                co_return inflated_.view();
            }
            if (s == read_status::failed) {
                fail(framing_status(reader_.error()));
                co_return std::nullopt;
            }
            if (input_ended_) co_return std::nullopt;
            auto piece = co_await req_.read();
            if (!piece) co_return std::nullopt;  // reset, deadline, connection gone
            if (piece->empty()) {
                input_ended_ = true;
                if (const rpc::error e = reader_.finish()) {
                    fail(framing_status(e));
                }
                co_return std::nullopt;
            }
            reader_.feed(*piece);
        }
    }

    awaitable<bool> write_message(wire::bytes_view message) override {
        if (finished_ || cancelled()) co_return false;
        if (message.size() > opts_.max_send_message_size) {
            fail({status_code::resource_exhausted,
                  "Sent message larger than max (" + std::to_string(message.size()) + " vs. " +
                      std::to_string(opts_.max_send_message_size) + ")"});
            co_return false;
        }
        if (!send_headers()) co_return false;
        out_.clear();
        if (encoder_ && ctx_.compress_messages_) {
            out_.prepare(prefix_size);
            out_.commit(prefix_size);
            if (encoder_->compress(message, out_) != compress_errc::ok) {
                fail({status_code::internal, "compression failed"});
                co_return false;
            }
            const std::size_t n = out_.size() - prefix_size;
            if (n > UINT32_MAX) {
                fail({status_code::resource_exhausted, "compressed message too large"});
                co_return false;
            }
            encode_prefix(out_.data(), {true, static_cast<std::uint32_t>(n)});
        } else if (!write_message_to(out_, message)) {
            fail({status_code::resource_exhausted, "message too large to frame"});
            co_return false;
        }
        const h2::asio::stream_error e = co_await res_.write(out_.view());
        co_return !e;
    }

    bool cancelled() const noexcept { return static_cast<bool>(res_.error()); }

    /// Sends the response header section (with the initial metadata) unless
    /// it went out already. False when the stream is gone.
    bool send_headers() {
        if (ctx_.initial_sent_) return true;
        if (cancelled() || finished_) return false;
        fields_.clear();
        storage_.clear();
        fields_.push_back({"content-type", "application/grpc"});
        if (encoder_) fields_.push_back({"grpc-encoding", encoder_->name()});
        fields_.push_back({"grpc-accept-encoding", opts_.codecs->accept_encoding()});
        to_hpack(ctx_.initial_metadata_, fields_, storage_);
        ctx_.initial_sent_ = true;
        return res_.send_headers(200, fields_) == h2::send_errc::ok;
    }

    bool set_compression(std::string_view encoding) {
        if (encoding == "identity") {
            encoder_.reset();
            ctx_.response_encoding_ = "identity";
            return true;
        }
        if (ctx_.initial_sent_) return false;  // grpc-encoding went out already
        if (!accepts(encoding)) return false;
        auto c = opts_.codecs->make(encoding);
        if (!c) return false;
        encoder_ = std::move(c);
        ctx_.response_encoding_ = std::string(encoding);
        return true;
    }

    /// Ends the call with `st` (trailers, or Trailers-Only when nothing was
    /// sent). Once only; nothing after a reset.
    void finish(const status& st) {
        if (finished_) return;
        finished_ = true;
        if (cancelled()) return;
        fields_.clear();
        storage_.clear();
        const bool trailers_only = !ctx_.initial_sent_;
        if (trailers_only) {
            // Trailers-Only: one header section with :status, content-type
            // and the status (PROTOCOL-HTTP2.md), with END_STREAM.
            fields_.push_back({"content-type", "application/grpc"});
        }
        append_status_fields(st);
        ctx_.initial_sent_ = true;
        if (trailers_only) {
            (void)res_.send_headers(200, fields_, true);
        } else {
            res_.send_trailers(fields_);
        }
    }

    /// An error found by the call layer itself: remembered, the handler's
    /// status is replaced by it.
    void fail(status st) {
        if (!failure_) failure_ = std::move(st);
    }
    const std::optional<status>& failure() const noexcept { return failure_; }

    // ---- set-up by the server, before the handler runs

    /// Reads the request head. Returns a status to end the call with at once
    /// (Trailers-Only), or OK. HTTP-level refusals (405, 415) are answered
    /// here and reported as `answered`.
    status start(const method_descriptor& d, bool& answered) {
        answered = false;
        ctx_.method_ = d;
        ctx_.authority_ = req_.authority();
        ctx_.peer_ = peer_of(req_);
        ctx_.user_agent_ = req_.header("user-agent");
        if (status st = from_hpack(req_.headers(), ctx_.client_metadata_, opts_.max_metadata_size);
            !st.ok())
            return st;
        if (const std::string_view t = req_.header("grpc-timeout"); !t.empty()) {
            const auto d2 = parse_timeout(t);
            if (!d2) return {status_code::internal, "Invalid grpc-timeout value"};
            ctx_.deadline_ = h2::clock::now() +
                             std::chrono::duration_cast<h2::clock::duration>(*d2);
        }
        accept_encoding_ = req_.header("grpc-accept-encoding");
        if (const std::string_view enc = req_.header("grpc-encoding");
            !enc.empty() && enc != "identity") {
            decoder_ = opts_.codecs->make(enc);
            if (!decoder_) {
                // compression.md: UNIMPLEMENTED, and say what we support.
                unsupported_encoding_ = true;
                return {status_code::unimplemented,
                        "Compression algorithm '" + std::string(enc) + "' is not supported"};
            }
            ctx_.request_encoding_ = decoder_->name();
        }
        reader_ = message_reader(reader_settings{opts_.max_receive_message_size, true});
        return {};
    }

  private:
    void append_status_fields(const status& st) {
        // Everything the fields point to must stay put: reserve first.
        std::size_t need = percent_encoded_size(st.message) +
                           base64_encoded_size(st.details.size()) +
                           hpack_storage_size(ctx_.trailing_metadata_);
        storage_.reserve(need);
        fields_.push_back({"grpc-status", status_field(st.code)});
        if (!st.message.empty()) {
            const std::size_t at = storage_.size();
            percent_encode(st.message, storage_);
            fields_.push_back({"grpc-message", std::string_view(storage_).substr(at)});
        }
        if (!st.details.empty()) {
            const std::size_t at = storage_.size();
            base64_encode(std::string_view(st.details), storage_);
            fields_.push_back({"grpc-status-details-bin", std::string_view(storage_).substr(at)});
        }
        if (unsupported_encoding_) {
            fields_.push_back({"grpc-accept-encoding", opts_.codecs->accept_encoding()});
        }
        to_hpack(ctx_.trailing_metadata_, fields_, storage_);
    }

    bool accepts(std::string_view encoding) const noexcept {
        std::string_view list = accept_encoding_;
        while (!list.empty()) {
            const std::size_t comma = list.find(',');
            std::string_view item = list.substr(0, comma);
            while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
            while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
            if (item == encoding) return true;
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
        return false;
    }

    static status framing_status(const rpc::error& e) {
        switch (e.code) {
            case errc::message_too_large:
                return {status_code::resource_exhausted,
                        "Received message larger than max (" + std::string(describe(e.code)) + ")"};
            default:
                return {status_code::internal, std::string(describe(e.code))};
        }
    }

    static bool write_message_to(wire::buffer& out, wire::bytes_view m) {
        return rpc::write_message(out, m, false);
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

    const server_options& opts_;
    h2::asio::request& req_;
    h2::asio::response& res_;
    server_context ctx_;
    message_reader reader_;
    std::unique_ptr<codec> decoder_;
    std::unique_ptr<codec> encoder_;
    std::string_view accept_encoding_;
    wire::buffer inflated_;
    wire::buffer out_;
    std::vector<hpack::field> fields_;
    std::string storage_;
    std::optional<status> failure_;
    bool unsupported_encoding_ = false;  ///< Trailers-Only: say what we accept
    bool input_ended_ = false;
    bool finished_ = false;
};

inline bool server_context::send_initial_metadata() {
    return call_ && call_->send_headers();
}
inline bool server_context::set_compression(std::string_view encoding) {
    return call_ && call_->set_compression(encoding);
}
inline bool server_context::is_cancelled() const noexcept {
    return call_ && call_->cancelled();
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
    /// Graceful: GOAWAY, calls in flight get until `grace`.
    void shutdown(h2::asio::duration grace) { http_->shutdown(grace); }
    void stop() { http_->stop(); }
    const server_options& options() const noexcept { return opts_; }

  private:
    awaitable<void> serve(h2::asio::request& req, h2::asio::response& res) {
        // HTTP-level checks first (PROTOCOL-HTTP2.md): a request that is not
        // a gRPC POST gets a plain HTTP answer.
        if (req.method() != "POST") {
            const hpack::field f[] = {{"allow", "POST"}, {"content-type", "text/plain"}};
            res.send_headers(405, f, false);
            res.send(wire::as_bytes(std::string_view("gRPC requires POST\n")), true);
            co_return;
        }
        if (!is_grpc_content_type(req.header("content-type"))) {
            const hpack::field f[] = {{"content-type", "text/plain"}};
            res.send_headers(415, f, false);
            res.send(wire::as_bytes(std::string_view("content-type is not application/grpc\n")),
                     true);
            co_return;
        }
        server_call call(opts_, req, res);
        const method_entry* m = methods_.find(req.path());
        if (!m) {
            call.finish(unimplemented_status(req.path()));
            co_return;
        }
        bool answered = false;
        if (status st = call.start(m->descriptor, answered); !st.ok()) {
            call.finish(st);
            co_return;
        }
        status st;
        try {
            for (const auto& i : interceptors_) {
                st = co_await i(call.context());
                if (!st.ok()) break;
            }
            if (st.ok()) st = co_await m->handler(call);
        } catch (const std::exception& e) {
            st = {status_code::unknown, std::string("handler threw: ") + e.what()};
        } catch (...) {
            st = {status_code::unknown, "handler threw"};
        }
        if (call.failure()) st = *call.failure();
        call.finish(st);
    }

    status unimplemented_status(std::string_view path) const {
        // grpc C++ answers both with UNIMPLEMENTED and an empty message;
        // grpc-go says "unknown service X" / "unknown method M for service X".
        // We say which, as grpc-go does.
        std::string_view p = path.substr(0, path.find('?'));
        if (!p.empty() && p.front() == '/') p.remove_prefix(1);
        const std::size_t slash = p.find('/');
        if (slash == std::string_view::npos)
            return {status_code::unimplemented, "malformed method name: " + std::string(path)};
        const std::string_view svc = p.substr(0, slash);
        if (!methods_.has_service(svc))
            return {status_code::unimplemented, "unknown service " + std::string(svc)};
        return {status_code::unimplemented, "unknown method " + std::string(p.substr(slash + 1)) +
                                                " for service " + std::string(svc)};
    }

    /// application/grpc, application/grpc+proto, application/grpc;params...
    static bool is_grpc_content_type(std::string_view ct) noexcept {
        constexpr std::string_view base = "application/grpc";
        if (ct.size() < base.size()) return false;
        for (std::size_t i = 0; i < base.size(); ++i) {
            char c = ct[i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            if (c != base[i]) return false;
        }
        if (ct.size() == base.size()) return true;
        return ct[base.size()] == '+' || ct[base.size()] == ';';
    }

    server_options opts_;
    method_table methods_;
    std::vector<std::string> service_names_;
    std::vector<interceptor> interceptors_;
    std::unique_ptr<h2::asio::server> http_;
};

}  // namespace h2pb::rpc::asio
