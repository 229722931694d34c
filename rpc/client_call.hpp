// h2pb::rpc — the client side of one gRPC call on one HTTP/2 stream, sans-IO.
//
//   rpc::client_call call(settings);
//   rpc::request_options opt{.path = "/pkg.Svc/Get", .authority = "host"};
//   opt.deadline = now + 2s;  opt.now = now;
//   call.start(opt, compressor_or_null, on);       // send_headers(Request-Headers)
//   call.send_message(bytes, on);                  // send_data(framed)
//   call.close_send(on);                           // send_data(empty, END_STREAM)
//   // h2 events of the stream:
//   call.on_headers(ev.fields, ev.end_stream, on); // headers_received | call_ended
//   call.on_data(ev.data, ev.end_stream, on);      // message_received...
//   call.on_reset(ev.code, on);                    // call_ended{UNAVAILABLE, retryable} ...
//   call.on_tick(now, on);                         // call_ended{DEADLINE_EXCEEDED} +
//   send_reset(CANCEL) call.cancel(on);                               // call_ended{CANCELLED} +
//   send_reset(CANCEL)
//
// Every call ends with exactly one call_ended event carrying the final status.
//
// Receive side (recv_state), where "end(st, code)" = call_ended(st) and,
// when the stream is still open, send_reset(code):
//   state        input                               action                              next
//   idle         start(options)                      send_headers(Request-Headers) awaiting_headers
//   awaiting_headers  headers 1xx                    ignored (RFC 9110 §15.2) awaiting_headers
//   awaiting_headers  headers, not END_STREAM, gRPC  headers_received                    receiving
//   awaiting_headers  headers, not END_STREAM,       end(status from :status /          done
//                     not gRPC                         content-type, CANCEL) (grpc-go)
//   awaiting_headers  headers END_STREAM             call_ended(parse_trailers_only)     done
//   receiving    data                                message_received for each message   receiving
//   receiving    data the decoder refuses            end(status, CANCEL)                 done
//   receiving    headers END_STREAM (trailers)       call_ended(parse_trailers; INTERNAL  done
//                                                      if a message was cut short)
//   awaiting_headers | receiving
//                data with END_STREAM                end(INTERNAL "server closed the     done
//                                                      stream without sending trailers",
//                                                      grpc-go's words)
//   awaiting_headers  data                           end(INTERNAL, PROTOCOL_ERROR)       done
//   receiving    headers without END_STREAM          end(INTERNAL, PROTOCOL_ERROR)       done
//   any, not done  reset(code) from the peer         call_ended(code_from_rst_stream;    done
//                                                      retryable for REFUSED_STREAM)
//   any, not done  tick(now >= deadline)             end(DEADLINE_EXCEEDED, CANCEL)      done
//   any, not done  cancel()                          end(CANCELLED, CANCEL)              done
//   done         anything                            nothing                             done
//
// When the server ends the stream (END_STREAM on trailers, Trailers-Only or
// DATA) while we are still sending, our half is closed with
// send_reset(NO_ERROR), as grpc-go's client does (operateHeaders ->
// closeStream with rst when the stream is still active).
//
// Send side (send_state):
//   idle         start                               send_headers                        open
//   open         send_message(m)                     send_data(framed m)                 open
//   open         close_send()                        send_data(empty, END_STREAM)        closed
//   anything else: FAILED_PRECONDITION, nothing sent. When the call ends,
//   the send side is closed too.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <h2pb/h2/error_code.hpp>
#include <h2pb/hpack/field.hpp>
#include <h2pb/rpc/call_events.hpp>
#include <h2pb/rpc/call_head.hpp>
#include <h2pb/rpc/compression.hpp>
#include <h2pb/rpc/message_codec.hpp>
#include <h2pb/rpc/status.hpp>

namespace h2pb::rpc {

class client_call {
  public:
    enum class recv_state : std::uint8_t { idle, awaiting_headers, receiving, done };
    enum class send_state : std::uint8_t { idle, open, closed };

    /// `registry` makes the decompressor for the server's grpc-encoding.
    explicit client_call(const codec_registry& registry, call_settings settings = {})
        : registry_(&registry), settings_(settings), decoder_(settings.max_receive_message_size) {}

    recv_state receive_state() const noexcept { return recv_; }
    send_state sending_state() const noexcept { return send_; }
    bool done() const noexcept { return recv_ == recv_state::done; }
    std::optional<time_point> deadline() const noexcept { return deadline_; }
    /// The final status (valid once done()).
    const status& final_status() const noexcept { return final_; }
    const response_head& response() const noexcept { return response_; }
    const metadata& trailing_metadata() const noexcept { return trailing_; }

    /// Sends the request headers. `compressor` (not owned; null: identity)
    /// compresses every message; its name overrides o.encoding. A deadline
    /// already past ends the call at once with DEADLINE_EXCEEDED (grpc C++
    /// and grpc-go do not send such a call).
    template <class Handler>
    status start(request_options o, codec* compressor, Handler&& on) {
        if (recv_ != recv_state::idle) return {status_code::failed_precondition, "call started"};
        compressor_ = compressor;
        o.encoding = compressor ? compressor->name() : std::string_view{};
        if (o.accept_encoding.empty()) o.accept_encoding = registry_->accept_encoding();
        deadline_ = o.deadline;
        if (deadline_ && *deadline_ <= o.now) {
            send_ = send_state::closed;
            finish_call(status{status_code::deadline_exceeded, "Deadline Exceeded"}, false, on);
            return {};
        }
        build_request_headers(o, fields_, storage_);
        recv_ = recv_state::awaiting_headers;
        send_ = send_state::open;
        on(send_headers{fields_, false});
        return {};
    }

    template <class Handler>
    status send_message(wire::bytes_view msg, Handler&& on) {
        if (send_ != send_state::open)
            return {status_code::failed_precondition, "the request stream is closed"};
        out_.clear();
        if (status s = encode_message(out_, msg, compressor_, settings_.max_send_message_size);
            !s.ok())
            return s;
        on(send_data{out_.view(), false});
        return {};
    }

    /// Half-close: no more messages (an empty DATA frame with END_STREAM,
    /// as PROTOCOL-HTTP2.md requires when no data remains).
    template <class Handler>
    status close_send(Handler&& on) {
        if (send_ != send_state::open)
            return {status_code::failed_precondition, "the request stream is closed"};
        send_ = send_state::closed;
        on(send_data{{}, true});
        return {};
    }

    template <class Handler>
    void on_headers(std::span<const hpack::field> fields, bool end_stream, Handler&& on) {
        if (recv_ == recv_state::done || recv_ == recv_state::idle) return;
        if (recv_ == recv_state::awaiting_headers) {
            const unsigned code = detail::http_status_of(fields);
            if (code >= 100 && code < 200 && !end_stream) return;  // informational
            if (end_stream) {
                remote_ended(parse_trailers_only(fields, response_, trailing_,
                                                 {settings_.max_metadata_size}),
                             on);
                return;
            }
            if (status s = parse_response_headers(fields, response_, {settings_.max_metadata_size});
                !s.ok()) {
                end(std::move(s), h2::error_code::cancel, on);
                return;
            }
            if (!is_identity(response_.encoding)) {
                decompressor_ = registry_->make(response_.encoding);
                if (!decompressor_) {
                    // compression.md: a client that gets an encoding it did
                    // not advertise fails the call (grpc-go: INTERNAL).
                    end(status{status_code::internal,
                               "grpc: Decompressor is not installed for "
                               "grpc-encoding \"" +
                                   response_.encoding + "\""},
                        h2::error_code::cancel, on);
                    return;
                }
                decoder_.set_decompressor(decompressor_.get());
            }
            recv_ = recv_state::receiving;
            on(headers_received{response_});
            return;
        }
        // receiving: only Trailers (with END_STREAM) may come.
        if (!end_stream) {
            end(status{status_code::internal,
                       "header section without END_STREAM after the "
                       "response headers"},
                h2::error_code::protocol_error, on);
            return;
        }
        if (status s = decoder_.finish(); !s.ok()) {
            remote_ended(std::move(s), on);
            return;
        }
        remote_ended(parse_trailers(fields, trailing_, {settings_.max_metadata_size}), on);
    }

    template <class Handler>
    void on_data(wire::bytes_view data, bool end_stream, Handler&& on) {
        if (recv_ == recv_state::done || recv_ == recv_state::idle) return;
        if (recv_ == recv_state::awaiting_headers) {
            end(status{status_code::internal, "DATA before the response headers"},
                end_stream ? h2::error_code::no_error : h2::error_code::protocol_error, on);
            return;
        }
        decoder_.feed(data);
        wire::bytes_view m;
        decode_result r;
        while ((r = decoder_.next(m)) == decode_result::message) {
            on(message_received{m, decoder_.last_compressed()});
            if (recv_ == recv_state::done) return;  // cancelled from the handler
        }
        if (r == decode_result::failed) {
            end(decoder_.error(), h2::error_code::cancel, on);
            return;
        }
        if (end_stream) {
            // Response → (Response-Headers *Length-Prefixed-Message Trailers):
            // END_STREAM belongs on the trailers.
            remote_ended(
                status{status_code::internal, "server closed the stream without sending trailers"},
                on);
        }
    }

    template <class Handler>
    void on_reset(h2::error_code code, Handler&& on) {
        if (recv_ == recv_state::done) return;
        send_ = send_state::closed;
        finish_call(status{code_from_rst_stream(code),
                           "stream reset by the server: " + std::string(h2::name(code))},
                    code == h2::error_code::refused_stream, on);
    }

    template <class Handler>
    void on_tick(time_point now, Handler&& on) {
        if (recv_ == recv_state::done || recv_ == recv_state::idle) return;
        if (!deadline_ || now < *deadline_) return;
        end(status{status_code::deadline_exceeded, "Deadline Exceeded"}, h2::error_code::cancel,
            on);
    }

    template <class Handler>
    void cancel(Handler&& on) {
        if (recv_ == recv_state::done) return;
        if (recv_ == recv_state::idle) {
            send_ = send_state::closed;
            finish_call(status{status_code::cancelled, "Cancelled"}, false, on);
            return;
        }
        end(status{status_code::cancelled, "Cancelled"}, h2::error_code::cancel, on);
    }

  private:
    template <class Handler>
    void finish_call(status st, bool retryable, Handler&& on) {
        final_ = std::move(st);
        recv_ = recv_state::done;
        on(call_ended{final_, retryable});
    }

    /// The server ended the stream (END_STREAM). If we are still sending,
    /// RST_STREAM(NO_ERROR) closes our half, as grpc-go's client does.
    template <class Handler>
    void remote_ended(status st, Handler&& on) {
        if (send_ == send_state::open) on(send_reset{h2::error_code::no_error});
        send_ = send_state::closed;
        finish_call(std::move(st), false, on);
    }

    /// Ends the call from our side: the stream is still open in at least one
    /// direction, so it is reset.
    template <class Handler>
    void end(status st, h2::error_code code, Handler&& on) {
        send_ = send_state::closed;
        on(send_reset{code});
        finish_call(std::move(st), false, on);
    }

    const codec_registry* registry_;
    call_settings settings_;
    recv_state recv_ = recv_state::idle;
    send_state send_ = send_state::idle;
    std::optional<time_point> deadline_;
    codec* compressor_ = nullptr;
    std::unique_ptr<codec> decompressor_;
    message_decoder decoder_;
    response_head response_;
    metadata trailing_;
    status final_;
    std::vector<hpack::field> fields_;
    std::string storage_;
    wire::buffer out_;
};

}  // namespace h2pb::rpc
