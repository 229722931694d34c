// The server of the health and reflection interop tests: an h2pb gRPC server
// (rpc/asio/server.hpp) with grpc.testing.TestService (UnaryCall, EmptyCall;
// generated with protoc-gen-h2pb's `descriptors`), enable_health() and
// enable_reflection(), on 127.0.0.1 with an ephemeral port.
//
// It prints "PORT <n>" on stdout, then reads commands from stdin, one a line,
// so that a test can change the health statuses while a client watches:
//
//   set SERVICE STATUS     STATUS: SERVING | NOT_SERVING | UNKNOWN; SERVICE "-" is ""
//   clear SERVICE
//   shutdown MS            graceful shutdown with that grace (all NOT_SERVING first)
//   quit                   stop now (also at the end of stdin)
//
// and answers each with "OK" (or "ERR ...") on stdout.
#include <chrono>
#include <cstdio>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include <h2pb/rpc/asio/server.hpp>

#include "grpc_testing_descriptors.h2pb.grpc.hpp"

namespace ra = h2pb::rpc::asio;
namespace rpc = h2pb::rpc;
namespace gt = grpc::testing;

namespace {

// Outside the coroutine: g++ 12 -O3 sees false array bounds in a
// string's assign() inlined into a coroutine frame (-Warray-bounds).
gt::SimpleResponse make_response(const gt::SimpleRequest& req) {
    gt::SimpleResponse r;
    gt::Payload p;
    p.body = std::string(static_cast<std::size_t>(req.response_size), '\0');
    r.payload = std::move(p);
    if (req.fill_username) r.username = "h2pb-user";
    return r;
}

class test_service final : public gt::TestService {
  public:
    awaitable<result<EmptyCall_response>> EmptyCall(const EmptyCall_request&,
                                                    server_context&) override {
        co_return EmptyCall_response{};
    }
    // A response_size-byte zero payload, and "h2pb-user" when fill_username:
    // what a reflection client that built the request must get back.
    awaitable<result<UnaryCall_response>> UnaryCall(const UnaryCall_request& req,
                                                    server_context&) override {
        if (req.response_size < 0 || req.response_size > 1 << 20)
            co_return status{status_code::invalid_argument, "response_size out of range"};
        co_return make_response(req);
    }
};

bool parse_status(const std::string& s, rpc::serving_status& out) {
    if (s == "SERVING")
        out = rpc::serving_status::SERVING;
    else if (s == "NOT_SERVING")
        out = rpc::serving_status::NOT_SERVING;
    else if (s == "UNKNOWN")
        out = rpc::serving_status::UNKNOWN;
    else
        return false;
    return true;
}

}  // namespace

int main() try {
    ra::server_options o;
    o.http.host = "127.0.0.1";
    o.http.threads = 2;  // statuses set on the main thread, watched on two others
    o.http.port = 0;
    ra::server srv(o);
    test_service svc;
    srv.add_service(svc);
    ra::health_service& health = srv.enable_health();
    srv.enable_reflection();
    if (auto err = srv.listen()) {
        std::cerr << "listen: " << *err << "\n";
        return 1;
    }
    srv.start();
    std::cout << "PORT " << srv.port() << std::endl;
    bool stopped = false;
    for (std::string line; std::getline(std::cin, line);) {
        std::istringstream in(line);
        std::string cmd, name, arg;
        in >> cmd >> name >> arg;
        if (name == "-") name.clear();
        if (cmd == "set") {
            rpc::serving_status s;
            if (!parse_status(arg, s)) {
                std::cout << "ERR bad status " << arg << std::endl;
                continue;
            }
            std::cout << (health.set(name, s) ? "OK" : "ERR ignored") << std::endl;
        } else if (cmd == "clear") {
            health.registry().clear(name);
            std::cout << "OK" << std::endl;
        } else if (cmd == "shutdown") {
            srv.shutdown(std::chrono::milliseconds(std::stoi(name)));
            std::cout << "OK" << std::endl;
            srv.join();
            stopped = true;
            break;
        } else if (cmd == "quit") {
            break;
        } else {
            std::cout << "ERR unknown command" << std::endl;
        }
    }
    if (!stopped) {
        srv.stop();
        srv.join();
    }
    return 0;
} catch (const std::exception& e) {  // a bad number after "shutdown", out of memory
    std::cerr << e.what() << '\n';
    return 1;
}
