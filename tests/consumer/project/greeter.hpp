// consumer.Greeter (hello.proto) for the consumer programs: the service,
// and one checked call of it through the generated stub. Include it after
// hello.h2pb.grpc.hpp and the h2pb headers (server.hpp for the service,
// channel.hpp for the call).
#pragma once

#include <cstdio>
#include <string>

namespace consumer_test {

/// Answers "hello, " + text, count + 1.
class greeter final : public consumer::Greeter {
    awaitable<result<Greet_response>> Greet(const Greet_request& req,
                                            h2pb::rpc::asio::server_context& /*ctx*/) override {
        Greet_response r;
        r.text = "hello, " + req.text;
        r.count = req.count + 1;
        co_return r;
    }
};

/// Greet("consumer", 1) through `stub`; prints the outcome, true when the
/// answer is greeter's.
template <class Stub>
h2pb::h2::asio::awaitable<bool> greet_checked(Stub& stub) {
    consumer::Greeting req;
    req.text = std::string("consumer");
    req.count = 1;
    auto r = co_await stub.Greet(req);
    const bool ok = r && r->text == "hello, consumer" && r->count == 2;
    std::printf("%s: gRPC Greet -> %s\n", ok ? "ok" : "FAIL",
                (r ? r->text : r.status().to_string()).c_str());
    co_return ok;
}

}  // namespace consumer_test
