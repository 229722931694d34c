// h2/errc.hpp and h2/error_code.hpp: every rule maps to an RFC 9113 code,
// a scope (connection or stream error) and a section.
#include <catch2/catch.hpp>

#include <h2pb/h2/errc.hpp>
#include <h2pb/h2/error_code.hpp>

using namespace h2pb::h2;

TEST_CASE("every errc has an RFC code, a scope and a section", "[h2][errc]") {
    for (std::size_t i = 1; i < static_cast<std::size_t>(errc::count_); ++i) {
        const auto e = static_cast<errc>(i);
        INFO(i);
        CHECK(scope_of(e) != error_scope::none);
        CHECK_FALSE(rule_of(e).section.empty());
        CHECK_FALSE(describe(e).empty());
        CHECK(is_known(code_of(e)));
    }
    CHECK(name(error_code::http_1_1_required) == "HTTP_1_1_REQUIRED");
    CHECK(static_cast<std::uint32_t>(error_code::enhance_your_calm) == 0xb);
}

TEST_CASE("errc rules match the RFC's choice of code and scope", "[h2][errc]") {
    // A few rules where the RFC is explicit about both.
    CHECK(rule_of(errc::priority_bad_length).code == error_code::frame_size_error);  // §6.3
    CHECK(rule_of(errc::priority_bad_length).scope == error_scope::stream);
    CHECK(rule_of(errc::rst_stream_bad_length).scope == error_scope::connection);  // §6.4
    CHECK(rule_of(errc::settings_initial_window_too_large).code == error_code::flow_control_error);
    CHECK(rule_of(errc::frame_on_closed_stream).code == error_code::stream_closed);  // §6.1
    CHECK(rule_of(errc::stream_limit_exceeded).code == error_code::refused_stream);  // §5.1.2
    CHECK(rule_of(errc::compression_failed).code == error_code::compression_error);  // §4.3
    CHECK(rule_of(errc::te_not_trailers).scope == error_scope::stream);              // §8.1.1
    CHECK(rule_of(errc::rapid_reset).code == error_code::enhance_your_calm);
    CHECK(error{errc::ping_bad_length, 17}.message() == "offset 17: PING frame length is not 8");
}
