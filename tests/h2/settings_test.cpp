// h2/settings.hpp: the six settings of RFC 9113 §6.5.2, their initial values
// and the value rules a peer can break.
#include <catch2/catch.hpp>

#include <h2pb/h2/settings.hpp>

using namespace h2pb::h2;

TEST_CASE("§6.5.2 initial values", "[h2][settings]") {
    settings s;
    CHECK(s.header_table_size == 4096);
    CHECK(s.enable_push == 1);
    CHECK(s.max_concurrent_streams == unlimited);
    CHECK(s.initial_window_size == 65535);
    CHECK(s.max_frame_size == 16384);
    CHECK(s.max_header_list_size == unlimited);
}

TEST_CASE("§6.5.2 value rules", "[h2][settings][error]") {
    CHECK(validate({0x2, 0}, true) == errc::ok);
    CHECK(validate({0x2, 1}, false) == errc::ok);
    CHECK(validate({0x2, 1}, true) == errc::settings_enable_push_by_server);
    CHECK(validate({0x2, 2}, false) == errc::settings_enable_push_invalid);
    CHECK(validate({0x4, 0x7fffffff}, false) == errc::ok);
    CHECK(validate({0x4, 0x80000000}, false) == errc::settings_initial_window_too_large);
    CHECK(code_of(errc::settings_initial_window_too_large) == error_code::flow_control_error);
    CHECK(validate({0x5, 16383}, false) == errc::settings_max_frame_size_invalid);
    CHECK(validate({0x5, 16384}, false) == errc::ok);
    CHECK(validate({0x5, 16777215}, false) == errc::ok);
    CHECK(validate({0x5, 16777216}, false) == errc::settings_max_frame_size_invalid);
    CHECK(code_of(errc::settings_max_frame_size_invalid) == error_code::protocol_error);
    CHECK(validate({0x1, 0xffffffff}, false) == errc::ok);
    CHECK(validate({0x3, 0}, false) == errc::ok);
    CHECK(validate({0xabcd, 0xffffffff}, true) == errc::ok);  // unknown: ignored
}

TEST_CASE("settings set/get by identifier; unknown identifiers ignored", "[h2][settings]") {
    settings s;
    CHECK(s.set({0x3, 100}));
    CHECK(s.get(setting_id::max_concurrent_streams) == 100);
    CHECK_FALSE(s.set({0x7, 1}));
    CHECK(s == [] {
        settings t;
        t.max_concurrent_streams = 100;
        return t;
    }());
    for (auto id : all_setting_ids) CHECK(name(id).starts_with("SETTINGS_"));
    CHECK(name(static_cast<setting_id>(0x8)) == "UNKNOWN");
}
