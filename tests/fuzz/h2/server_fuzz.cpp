// Fuzz target: random bytes into a server connection, after a valid client
// preface and SETTINGS (so that the bytes reach the frame layer). The first
// octets choose how the input is split, and the handler plays an
// application that answers requests, consumes data and resets streams, to
// reach as many states as possible. Whatever happens, everything the server
// writes must parse as valid HTTP/2 frames.
#include <cstdint>

#include <h2pb/h2/connection.hpp>

#include "fuzz_support.hpp"

using namespace h2pb;
using namespace h2pb::h2;

namespace {

struct app {
    connection& c;
    std::uint32_t salt;
    void operator()(const headers_received& e) {
        if (e.kind != section_kind::request) return;
        const hpack::field resp[] = {{":status", "200"}, {"content-type", "application/grpc"}};
        if (salt % 7 == 0) {
            (void)c.reset_stream(e.stream_id, error_code::cancel);
            return;
        }
        (void)c.submit_response(e.stream_id, resp, e.end_stream && salt % 3 == 0);
        static const std::string body(3000, 'r');
        (void)c.send_data(e.stream_id, wire::as_bytes(body).subspan(0, salt % 3000), false,
                          salt & 1 ? data_ownership::borrow : data_ownership::copy);
        if (e.end_stream) {
            const hpack::field tr[] = {{"grpc-status", "0"}};
            (void)c.submit_trailers(e.stream_id, tr);
        }
    }
    void operator()(const data_received& e) {
        if (salt % 5 != 0) c.consume(e.stream_id, e.data.size());
    }
    void operator()(const stream_writable& e) {
        static const std::string more(20000, 'w');
        (void)c.send_data(e.stream_id, wire::as_bytes(more).subspan(0, e.capacity % 20000), false);
    }
    void operator()(const ping_received&) {
        if (salt % 11 == 0) c.shutdown(time_point{});
    }
    void operator()(const auto&) {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    connection_options o;
    o.max_concurrent_streams = 8;
    o.initial_window_size = 1000;
    o.limits.closed_streams_remembered = 4;
    // The client preface and SETTINGS first, so that the bytes reach the frame layer.
    const auto preface = [](connection& server, app& a) {
        wire::buffer start;
        start.append(client_preface);
        write_settings(start, {});
        server.receive(start.view(), time_point{}, a);
    };
    return fuzz::run_connection<app>(data, size, {role::server, o, 4, std::chrono::milliseconds(1)},
                                     preface);
}
