// h2pb::rpc — the server side of one gRPC call on one HTTP/2 stream, sans-IO.
//
// Inputs are the stream's h2 events and the application's calls; outputs are
// call events and actions (call_events.hpp), given to a handler:
//
//   rpc::server_call call(registry, settings);
//   // h2 headers_received (request):
//   call.on_headers(ev.fields, ev.end_stream, now, on);   // request_accepted{head} or
//                                                          // send_headers(rejection) +
//                                                          request_rejected
//   // h2 data_received:
//   call.on_data(ev.data, ev.end_stream, on);              // message_received..., half_closed
//   // the application answers:
//   call.send_headers(&initial_md, compressor, on);        // optional: send_message does it
//   call.send_message(bytes, on);                          // send_data (framed)
//   call.finish(rpc::status{}, &trailing_md, on);          // send_headers(trailers, END_STREAM)
//   // h2 stream_reset, and time:
//   call.on_reset(ev.code, on);                            // call_ended{CANCELLED...}
//   call.on_tick(now, on);  call.deadline()                // call_ended{DEADLINE_EXCEEDED}
//
// Two state machines, one per direction. Anything not in a table is a
// protocol error of the peer (receive side: the call ends INTERNAL and the
// stream is reset with PROTOCOL_ERROR) or a misuse by the application (send
// side: the method returns FAILED_PRECONDITION and nothing is sent).
//
// Receive side (recv_state):
//   state        input                          action                               next
//   idle         headers, request accepted      request_accepted; if END_STREAM:     open |
//   remote_closed
//                                                 half_closed
//   idle         headers, request rejected      send_headers(rejection, END_STREAM);  done
//                                                 request_rejected
//   open         data                           message_received for each message    open
//   open         data with END_STREAM           messages; half_closed                remote_closed
//   open         data the decoder refuses       end(status): see below               done
//   open         data END_STREAM mid-message    end(INTERNAL)                         done
//   open         headers (request trailers)     gRPC has none: end(INTERNAL),        done
//                                                 send_reset(PROTOCOL_ERROR)
//   *, not done  reset(code) from the peer      call_ended(code_from_rst_stream)      done
//   open|remote_closed  tick(now >= deadline)   end(DEADLINE_EXCEEDED) + RST(CANCEL)  done
//   done         anything                       nothing (late frames are dropped)     done
//
// Send side (send_state):
//   state        input                          action                               next
//   idle         send_headers(md)               send_headers(Response-Headers)       headers_sent
//   idle         send_message(m)                send_headers(Response-Headers),      headers_sent
//                                                 send_data(framed m)
//   headers_sent send_message(m)                send_data(framed m)                  headers_sent
//   idle         finish(st, md)                 send_headers(Trailers-Only, END_STREAM)  closed
//   headers_sent finish(st, md)                 send_headers(Trailers, END_STREAM)   closed
//   (then, if the receive side is still open: send_reset(NO_ERROR), RFC 9113
//    §8.1 "a server can send a complete response prior to the client sending an
//    entire request ... then RST_STREAM NO_ERROR"; grpc-go's finishStream does so)
//
// end(status) — the call layer ends the call itself (bad message, deadline):
// it sends the status the way finish() would (Trailers-Only or Trailers, as
// grpc C++'s close_from_api does, so the client learns why), reports
// call_ended(status), and resets the stream if the client is still sending
// (CANCEL for the deadline: the call is abandoned, and PROTOCOL-HTTP2.md
// "Errors" maps CANCEL to CANCELLED/DEADLINE_EXCEEDED on the peer; NO_ERROR
// otherwise, as grpc-go's finishStream).
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

class server_call {
  public:
    enum class recv_state : std::uint8_t { idle, open, remote_closed, done };
    enum class send_state : std::uint8_t { idle, headers_sent, closed };

    explicit server_call(const codec_registry& registry, call_settings settings = {})
        : registry_(&registry), settings_(settings), decoder_(settings.max_receive_message_size) {}

    recv_state receive_state() const noexcept { return recv_; }
    send_state sending_state() const noexcept { return send_; }
    /// Both directions are over: the call can be destroyed.
    bool done() const noexcept { return recv_ == recv_state::done && send_ == send_state::closed; }
    /// The deadline from grpc-timeout (received at time `now` of on_headers).
    std::optional<time_point> deadline() const noexcept { return deadline_; }
    /// The request (valid after request_accepted; the handler may move from it).
    request_head& head() noexcept { return head_; }

    /// A request header section.
    template <class Handler>
    void on_headers(std::span<const hpack::field> fields, bool end_stream, time_point now,
                    Handler&& on) {
        if (recv_ == recv_state::done) return;
        if (recv_ != recv_state::idle) {
            // gRPC requests have no trailers (PROTOCOL-HTTP2.md: Request →
            // Request-Headers *Length-Prefixed-Message EOS).
            end(status{status_code::internal,
                       "unexpected header section after the request headers"},
                h2::error_code::protocol_error, on);
            return;
        }
        if (auto rej = parse_request(fields, head_, *registry_, {settings_.max_metadata_size})) {
            rejection_ = std::move(*rej);
            build_rejection(rejection_, registry_->accept_encoding(), fields_, storage_);
            recv_ = recv_state::done;
            send_ = send_state::closed;
            on(rpc::send_headers{fields_, true});
            // The client may still be sending DATA: tell it to stop (grpc-go).
            if (!end_stream) on(send_reset{h2::error_code::no_error});
            on(request_rejected{rejection_});
            return;
        }
        if (head_.timeout) {
            const auto max_ahead = time_point::max() - now;
            deadline_ =
                *head_.timeout >= max_ahead
                    ? time_point::max()
                    : now + std::chrono::duration_cast<time_point::duration>(*head_.timeout);
        }
        decoder_.set_decompressor(head_.decompressor.get());
        recv_ = end_stream ? recv_state::remote_closed : recv_state::open;
        on(request_accepted{head_});
        if (end_stream) on(half_closed{});
    }

    /// DATA payload (any piece of it); `end_stream` on the last.
    template <class Handler>
    void on_data(wire::bytes_view data, bool end_stream, Handler&& on) {
        if (recv_ == recv_state::done) return;
        if (recv_ != recv_state::open) {
            // idle: DATA before HEADERS is an h2 error already; remote_closed:
            // nothing may follow END_STREAM (RFC 9113 §5.1). Never reached
            // through h2::connection; kept for other drivers.
            end(status{status_code::internal, "DATA outside the request body"},
                h2::error_code::protocol_error, on);
            return;
        }
        decoder_.feed(data);
        wire::bytes_view m;
        decode_result r;
        while ((r = decoder_.next(m)) == decode_result::message) {
            on(message_received{m, decoder_.last_compressed()});
            if (recv_ != recv_state::open) return;  // the handler ended the call
        }
        if (r == decode_result::failed) {
            end(decoder_.error(), h2::error_code::no_error, on);
            return;
        }
        if (end_stream) {
            if (status s = decoder_.finish(); !s.ok()) {
                recv_ = recv_state::remote_closed;  // nothing to reset: the client is done
                end(s, h2::error_code::no_error, on);
                return;
            }
            recv_ = recv_state::remote_closed;
            on(half_closed{});
        }
    }

    /// The peer reset the stream (RST_STREAM, or GOAWAY excluding it).
    template <class Handler>
    void on_reset(h2::error_code code, Handler&& on) {
        if (recv_ == recv_state::done && send_ == send_state::closed) return;
        recv_ = recv_state::done;
        send_ = send_state::closed;
        final_ = status{code_from_rst_stream(code),
                        "stream reset by the client: " + std::string(h2::name(code))};
        on(call_ended{final_, code == h2::error_code::refused_stream});
    }

    /// Time has passed: past the deadline, the call ends DEADLINE_EXCEEDED.
    template <class Handler>
    void on_tick(time_point now, Handler&& on) {
        if (!deadline_ || now < *deadline_ || done()) return;
        if (recv_ == recv_state::idle) return;
        end(status{status_code::deadline_exceeded, "Deadline Exceeded"}, h2::error_code::cancel,
            on);
    }

    /// Response-Headers with initial metadata; `compressor` (not owned, null:
    /// identity) compresses every message sent after. The application should
    /// pick one the client accepts (head().accepts(name)).
    template <class Handler>
    status send_headers(const metadata* md, codec* compressor, Handler&& on) {
        if (send_ != send_state::idle)
            return {status_code::failed_precondition, "response headers already sent"};
        compressor_ = compressor;
        build_response_headers(fields_, storage_, compressor ? compressor->name() : "",
                               registry_->accept_encoding(), md);
        send_ = send_state::headers_sent;
        on(rpc::send_headers{fields_, false});
        return {};
    }

    /// One response message (framed, compressed when a compressor was set).
    /// Over max_send_message_size: RESOURCE_EXHAUSTED, nothing sent, the call
    /// goes on (the application decides; grpc does the same).
    template <class Handler>
    status send_message(wire::bytes_view msg, Handler&& on) {
        if (send_ == send_state::closed)
            return {status_code::failed_precondition, "the call is finished"};
        out_.clear();
        if (status s = encode_message(out_, msg, compressor_, settings_.max_send_message_size);
            !s.ok())
            return s;
        if (send_ == send_state::idle) {
            if (status s = send_headers(nullptr, nullptr, on); !s.ok()) return s;
        }
        on(send_data{out_.view(), false});
        return {};
    }

    /// Ends the call with `st` and trailing metadata.
    template <class Handler>
    status finish(const status& st, const metadata* md, Handler&& on) {
        if (send_ == send_state::closed)
            return {status_code::failed_precondition, "the call is finished"};
        send_status(st, md, on);
        if (recv_ == recv_state::open || recv_ == recv_state::idle)
            on(send_reset{h2::error_code::no_error});
        recv_ = recv_state::done;
        return {};
    }

  private:
    template <class Handler>
    void send_status(const status& st, const metadata* md, Handler&& on) {
        if (send_ == send_state::idle)
            build_trailers_only(fields_, storage_, st, md);
        else
            build_trailers(fields_, storage_, st, md);
        send_ = send_state::closed;
        on(rpc::send_headers{fields_, true});
    }

    /// The call layer ends the call (see end(status) in the header comment).
    template <class Handler>
    void end(status st, h2::error_code reset_code, Handler&& on) {
        final_ = std::move(st);
        if (send_ != send_state::closed) send_status(final_, nullptr, on);
        const bool client_sending = recv_ == recv_state::open || recv_ == recv_state::idle;
        recv_ = recv_state::done;
        if (client_sending || reset_code == h2::error_code::protocol_error)
            on(send_reset{reset_code});
        on(call_ended{final_, false});
    }

    const codec_registry* registry_;
    call_settings settings_;
    recv_state recv_ = recv_state::idle;
    send_state send_ = send_state::idle;
    request_head head_;
    rejection rejection_;
    std::optional<time_point> deadline_;
    message_decoder decoder_;
    codec* compressor_ = nullptr;
    status final_;
    std::vector<hpack::field> fields_;  // the last header section built
    std::string storage_;               // text fields_ point into
    wire::buffer out_;                  // the last framed message
};

}  // namespace h2pb::rpc
