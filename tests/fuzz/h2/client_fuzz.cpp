// Fuzz target: random bytes into a client connection that has three requests
// in flight (one with a body still to send), as if they came from a server.
// Everything the client writes must parse as valid HTTP/2 frames.
#include <cstdint>

#include <h2pb/h2/connection.hpp>

#include "fuzz_support.hpp"

using namespace h2pb;
using namespace h2pb::h2;

namespace {

struct app {
    connection& c;
    std::uint32_t salt;
    void operator()(const data_received& e) {
        if (salt % 4 != 0) c.consume(e.stream_id, e.data.size());
        if (salt % 9 == 0) (void)c.reset_stream(e.stream_id);
    }
    void operator()(const stream_writable& e) {
        static const std::string more(70000, 'u');
        (void)c.send_data(e.stream_id, wire::as_bytes(more).subspan(0, e.capacity % 70000),
                          salt & 2);
    }
    void operator()(const goaway_received&) {
        (void)c.submit_request(
            std::vector<hpack::field>{{":method", "GET"}, {":scheme", "http"}, {":path", "/"}},
            true);  // refused after GOAWAY: must fail cleanly
    }
    void operator()(const auto&) {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    connection_options o;
    o.initial_window_size = 2000;
    const auto requests = [](connection& client, app&) {
        const hpack::field get[] = {
            {":method", "GET"}, {":scheme", "https"}, {":authority", "x"}, {":path", "/"}};
        const hpack::field head[] = {{":method", "HEAD"}, {":scheme", "https"}, {":path", "/h"}};
        const hpack::field post[] = {{":method", "POST"},
                                     {":scheme", "https"},
                                     {":path", "/p"},
                                     {"content-type", "application/grpc"},
                                     {"te", "trailers"}};
        (void)client.submit_request(get, true);
        (void)client.submit_request(head, true);
        if (auto id = client.submit_request(post, false)) {
            static const std::string body(100000, 'b');
            (void)client.send_data(*id, wire::as_bytes(body), true, data_ownership::borrow);
        }
    };
    return fuzz::run_connection<app>(data, size,
                                     {role::client, o, 3, std::chrono::milliseconds(10)}, requests);
}
