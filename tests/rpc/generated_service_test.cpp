// Tests of protoc-gen-h2pb's services output (NAME.h2pb.grpc.hpp) against
// the contract of rpc/asio/service.hpp: the seed article's AnalyticsService
// (docs/examples/analytics_service.proto, all four kinds of method), grpc's
// TestService (/usr/share/grpc-proto/grpc/testing/test.proto) and names that
// need escaping (protos/service_names.proto). Calls run through the method
// table's handlers over a fake call_stream on an io_context.
#include <catch2/catch.hpp>

#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/rpc/asio/server_context.hpp>
#include <h2pb/rpc/asio/service.hpp>
#include <test_support.hpp>

#include "analytics_service.h2pb.grpc.hpp"
#include "grpc_testing.h2pb.grpc.hpp"
#include "service_names.h2pb.grpc.hpp"

using namespace h2pb;
using rpc::method_kind;
using rpc::status_code;
using rpc::asio::awaitable;
namespace av1 = analytics::v1;
namespace net = boost::asio;

namespace {

/// Bytes as hex digits without separators.
std::string plain_hex(wire::bytes_view b) {
    return wire::to_hex(b, '\0');
}

/// The server's side of one call, as byte strings: read_message() hands out
/// `requests` in order, then the end of the stream; write_message() records.
class fake_stream final : public rpc::asio::call_stream {
  public:
    explicit fake_stream(std::vector<wire::buffer> requests) : requests_(std::move(requests)) {}

    awaitable<std::optional<wire::bytes_view>> read_message() override {
        if (next_ == requests_.size()) co_return std::nullopt;
        co_return requests_[next_++].view();
    }
    awaitable<bool> write_message(wire::bytes_view message) override {
        responses.emplace_back();
        responses.back().append(message);
        co_return true;
    }
    rpc::asio::server_context& context() noexcept override { return context_; }

    std::vector<wire::buffer> responses;

  private:
    std::vector<wire::buffer> requests_;
    std::size_t next_ = 0;
    rpc::asio::server_context context_;
};

/// Runs the handler of `path` in `table` over `stream` to its end.
rpc::status run_call(const rpc::asio::method_table& table, std::string_view path,
                     fake_stream& stream) {
    const rpc::asio::method_entry* e = table.find(path);
    REQUIRE(e != nullptr);
    net::io_context io;
    std::optional<rpc::status> out;
    net::co_spawn(io, e->handler(stream), [&](const std::exception_ptr& ex, rpc::status st) {
        if (ex) std::rethrow_exception(ex);
        out = std::move(st);
    });
    io.run();
    REQUIRE(out.has_value());
    return *out;
}

/// GetReport and ProcessPipeline served; StreamEvents and UploadBatch left
/// to the generated defaults.
class analytics_impl final : public av1::AnalyticsService {
  public:
    awaitable<result<GetReport_response>> GetReport(const GetReport_request& request,
                                                    server_context& /*context*/) override {
        if (request.report_id.empty())
            co_return status{status_code::invalid_argument, "report_id is empty"};
        GetReport_response r;
        r.report_id = request.report_id;
        r.events.emplace_back();
        r.events.back().timestamp = request.end_timestamp - request.start_timestamp;
        co_return r;
    }

    awaitable<status> ProcessPipeline(server_reader<ProcessPipeline_request>& reader,
                                      server_writer<ProcessPipeline_response>& writer,
                                      server_context& /*context*/) override {
        ProcessPipeline_request in;
        while (co_await reader.read(in)) {
            ProcessPipeline_response out;
            out.event_id = std::string(in.payload);
            out.category = "seen";
            if (!co_await writer.write(out)) co_return status{status_code::cancelled};
        }
        co_return status{};
    }
};

}  // namespace

TEST_CASE("generated service: descriptors name the article's four methods") {
    using S = av1::AnalyticsService;
    STATIC_REQUIRE(S::service_full_name == "analytics.v1.AnalyticsService");
    STATIC_REQUIRE(S::method_descriptors.size() == 4);
    STATIC_REQUIRE(S::GetReport_method.path == "/analytics.v1.AnalyticsService/GetReport");
    STATIC_REQUIRE(S::GetReport_method.service == "analytics.v1.AnalyticsService");
    STATIC_REQUIRE(S::GetReport_method.method == "GetReport");
    STATIC_REQUIRE(S::GetReport_method.kind == method_kind::unary);
    STATIC_REQUIRE(S::StreamEvents_method.kind == method_kind::server_streaming);
    STATIC_REQUIRE(S::UploadBatch_method.kind == method_kind::client_streaming);
    STATIC_REQUIRE(S::ProcessPipeline_method.kind == method_kind::bidi_streaming);
    STATIC_REQUIRE(std::is_same_v<S::UploadBatch_request, av1::RawEvent>);
    STATIC_REQUIRE(std::is_same_v<S::UploadBatch_response, av1::BatchSummary>);
    STATIC_REQUIRE(std::is_same_v<S::StreamEvents_response, av1::Event>);
    STATIC_REQUIRE(std::is_abstract_v<rpc::asio::service>);
    STATIC_REQUIRE(!std::is_abstract_v<S>);
}

TEST_CASE("generated service: register_methods fills the table with the four paths") {
    analytics_impl impl;
    REQUIRE(impl.service_name() == "analytics.v1.AnalyticsService");
    rpc::asio::method_table table;
    impl.register_methods(table);
    REQUIRE(table.size() == 4);
    const std::vector<std::pair<std::string, method_kind>> want = {
        {"/analytics.v1.AnalyticsService/GetReport", method_kind::unary},
        {"/analytics.v1.AnalyticsService/StreamEvents", method_kind::server_streaming},
        {"/analytics.v1.AnalyticsService/UploadBatch", method_kind::client_streaming},
        {"/analytics.v1.AnalyticsService/ProcessPipeline", method_kind::bidi_streaming},
    };
    for (const auto& [path, kind] : want) {
        const rpc::asio::method_entry* e = table.find(path);
        REQUIRE(e != nullptr);
        CHECK(e->descriptor.path == path);
        CHECK(e->descriptor.kind == kind);
        CHECK(e->descriptor.service == "analytics.v1.AnalyticsService");
    }
    CHECK(table.has_service("analytics.v1.AnalyticsService"));
    CHECK(table.find("/analytics.v1.AnalyticsService/Nope") == nullptr);
}

TEST_CASE("generated service: a unary call runs the override") {
    analytics_impl impl;
    rpc::asio::method_table table;
    impl.register_methods(table);
    // ReportRequest{report_id: "r1", start_timestamp: 5, end_timestamp: 12},
    // by the encoding guide: field 1 LEN (0a) 2 "r1"; field 2 VARINT (10) 5;
    // field 3 VARINT (18) 12.
    fake_stream call({test::hex("0a 02 72 31 10 05 18 0c")});
    const rpc::status st = run_call(table, "/analytics.v1.AnalyticsService/GetReport", call);
    REQUIRE(st.ok());
    REQUIRE(call.responses.size() == 1);
    // ReportResponse{report_id: "r1", events: [{timestamp: 7}]}: field 1 LEN
    // "r1"; field 2 LEN (12) 2 bytes holding Event field 3 VARINT (18) 7.
    CHECK(plain_hex(call.responses[0].view()) ==
          "0a027231120218"
          "07");
    av1::ReportResponse got;
    REQUIRE(!got.decode(call.responses[0].view()));
    CHECK(got.report_id == "r1");
    REQUIRE(got.events.size() == 1);
    CHECK(got.events[0].timestamp == 7);
}

TEST_CASE("generated service: an override's error status ends the call") {
    analytics_impl impl;
    rpc::asio::method_table table;
    impl.register_methods(table);
    fake_stream call({test::hex("10 05")});  // no report_id
    const rpc::status st = run_call(table, "/analytics.v1.AnalyticsService/GetReport", call);
    CHECK(st.code == status_code::invalid_argument);
    CHECK(st.message == "report_id is empty");
    CHECK(call.responses.empty());
}

TEST_CASE("generated service: a bidi call answers each request") {
    analytics_impl impl;
    rpc::asio::method_table table;
    impl.register_methods(table);
    // RawEvent{payload: "a"} and RawEvent{payload: "bc"}: field 1 LEN (0a).
    fake_stream call({test::hex("0a 01 61"), test::hex("0a 02 62 63")});
    const rpc::status st = run_call(table, "/analytics.v1.AnalyticsService/ProcessPipeline", call);
    REQUIRE(st.ok());
    REQUIRE(call.responses.size() == 2);
    // ProcessedEvent{event_id: "a", category: "seen"}: 0a 01 61, 12 04 "seen".
    CHECK(plain_hex(call.responses[0].view()) == "0a016112047365656e");
    av1::ProcessedEvent second;
    REQUIRE(!second.decode(call.responses[1].view()));
    CHECK(second.event_id == "bc");
    CHECK(second.category == "seen");
}

TEST_CASE("generated service: methods not overridden answer UNIMPLEMENTED") {
    analytics_impl impl;
    rpc::asio::method_table table;
    impl.register_methods(table);
    SECTION("server streaming") {
        fake_stream call({test::hex("0a 01 78")});  // EventFilter{event_type: "x"}
        const rpc::status st = run_call(table, "/analytics.v1.AnalyticsService/StreamEvents", call);
        CHECK(st.code == status_code::unimplemented);
        CHECK(call.responses.empty());
    }
    SECTION("client streaming") {
        fake_stream call({test::hex("0a 01 61"), test::hex("0a 01 62")});
        const rpc::status st = run_call(table, "/analytics.v1.AnalyticsService/UploadBatch", call);
        CHECK(st.code == status_code::unimplemented);
        CHECK(call.responses.empty());
    }
    SECTION("a service with nothing overridden") {
        av1::AnalyticsService bare;
        rpc::asio::method_table t2;
        bare.register_methods(t2);
        fake_stream call({test::hex("0a 02 72 31")});
        const rpc::status st = run_call(t2, "/analytics.v1.AnalyticsService/GetReport", call);
        CHECK(st.code == status_code::unimplemented);
        CHECK(call.responses.empty());
    }
}

namespace {

/// A channel that records what the stub asked for (the real one is the
/// client work's): each call returns the descriptor's path.
struct recording_channel {
    struct call_options {
        int tag = 0;
    };
    struct call {
        std::string path;
        method_kind kind;
        std::string request;  // hex of the request's encoding, "" for streaming
        int tag;
    };
    std::vector<call> calls;

    template <class Req, class Resp>
    std::string_view unary(const rpc::method_descriptor& d, const Req& r, call_options o) {
        return record(d, encoded(r), o);
    }
    template <class Req, class Resp>
    std::string_view server_streaming(const rpc::method_descriptor& d, const Req& r,
                                      call_options o) {
        return record(d, encoded(r), o);
    }
    template <class Req, class Resp>
    std::string_view client_streaming(const rpc::method_descriptor& d, call_options o) {
        return record(d, "", o);
    }
    template <class Req, class Resp>
    std::string_view bidi_streaming(const rpc::method_descriptor& d, call_options o) {
        return record(d, "", o);
    }

  private:
    template <class M>
    static std::string encoded(const M& m) {
        wire::buffer b;
        m.encode(b);
        return plain_hex(b.view());
    }
    std::string_view record(const rpc::method_descriptor& d, std::string req, call_options o) {
        calls.push_back({std::string(d.path), d.kind, std::move(req), o.tag});
        return d.path;
    }
};

}  // namespace

TEST_CASE("generated stub: each method forwards to the channel template of its kind") {
    recording_channel ch;
    av1::AnalyticsService::stub<recording_channel> stub(ch);
    CHECK(&stub.channel() == &ch);
    av1::ReportRequest req;
    req.report_id = std::string("r1");
    CHECK(stub.GetReport(req) == "/analytics.v1.AnalyticsService/GetReport");
    av1::EventFilter filter;
    filter.event_type = std::string("x");
    CHECK(stub.StreamEvents(filter, {7}) == "/analytics.v1.AnalyticsService/StreamEvents");
    CHECK(stub.UploadBatch() == "/analytics.v1.AnalyticsService/UploadBatch");
    CHECK(stub.ProcessPipeline({9}) == "/analytics.v1.AnalyticsService/ProcessPipeline");
    REQUIRE(ch.calls.size() == 4);
    CHECK(ch.calls[0].kind == method_kind::unary);
    CHECK(ch.calls[0].request == "0a027231");  // field 1 LEN "r1"
    CHECK(ch.calls[0].tag == 0);
    CHECK(ch.calls[1].kind == method_kind::server_streaming);
    CHECK(ch.calls[1].request == "0a0178");
    CHECK(ch.calls[1].tag == 7);
    CHECK(ch.calls[2].kind == method_kind::client_streaming);
    CHECK(ch.calls[3].kind == method_kind::bidi_streaming);
    CHECK(ch.calls[3].tag == 9);
}

TEST_CASE("generated service: grpc's TestService (imports, eight methods)") {
    using T = grpc::testing::TestService;
    STATIC_REQUIRE(T::method_descriptors.size() == 8);
    STATIC_REQUIRE(std::is_same_v<T::EmptyCall_request, grpc::testing::Empty>);
    STATIC_REQUIRE(T::FullDuplexCall_method.kind == method_kind::bidi_streaming);
    STATIC_REQUIRE(T::StreamingInputCall_method.kind == method_kind::client_streaming);
    STATIC_REQUIRE(T::StreamingOutputCall_method.path ==
                   "/grpc.testing.TestService/StreamingOutputCall");
    T svc;
    rpc::asio::method_table table;
    svc.register_methods(table);
    CHECK(table.size() == 8);
    grpc::testing::UnimplementedService u;
    u.register_methods(table);
    CHECK(table.size() == 9);
    CHECK(table.find("/grpc.testing.UnimplementedService/UnimplementedCall") != nullptr);
    // TestService.UnimplementedCall is not implemented (interop-test-descriptions.md,
    // unimplemented_method): the default answers UNIMPLEMENTED.
    fake_stream call({wire::buffer{}});  // Empty{} is zero bytes
    CHECK(run_call(table, "/grpc.testing.TestService/UnimplementedCall", call).code ==
          status_code::unimplemented);
}

TEST_CASE("generated service: keyword and clashing names are escaped") {
    using D = names::class_::delete_;
    STATIC_REQUIRE(D::service_full_name == "names.class.delete");
    STATIC_REQUIRE(D::new_method.path == "/names.class.delete/new");
    STATIC_REQUIRE(D::delete_method.kind == method_kind::bidi_streaming);
    // The function of method "delete" in class delete_: escaped twice without
    // "__" (a name C++ reserves): delete_2.
    STATIC_REQUIRE(std::is_member_function_pointer_v<decltype(&D::delete_2)>);
    STATIC_REQUIRE(D::stub_method.method == "stub");
    STATIC_REQUIRE(D::Ping_method_method.path == "/names.class.delete/Ping_method");
    STATIC_REQUIRE(D::method_descriptors.size() == 6);
    STATIC_REQUIRE(names::class_::Outer_Inner_::Get_method.path == "/names.class.Outer_Inner/Get");
    STATIC_REQUIRE(names::class_::Empty::method_descriptors.empty());
    struct impl final : D {
        awaitable<result<new_response>> new_(const new_request& r, server_context&) override {
            new_response out;
            out.s = r.s + "!";
            co_return out;
        }
    } svc;
    rpc::asio::method_table table;
    svc.register_methods(table);
    names::class_::Empty{}.register_methods(table);
    CHECK(table.size() == 6);
    fake_stream call({test::hex("0a 01 61")});  // Msg{s: "a"}
    REQUIRE(run_call(table, "/names.class.delete/new", call).ok());
    REQUIRE(call.responses.size() == 1);
    CHECK(plain_hex(call.responses[0].view()) == "0a026121");  // Msg{s: "a!"}
    fake_stream call2({test::hex("0a 01 61")});
    CHECK(run_call(table, "/names.class.delete/Ping_method", call2).code ==
          status_code::unimplemented);
}
