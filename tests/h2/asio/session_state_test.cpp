// The session's lifecycle table (h2/asio/session_state.hpp): every arrow of
// the diagram is legal, every other move is not. The expected arrows are
// written out here from the diagram, pair by pair, not derived from the
// function under test.
#include <catch2/catch.hpp>

#include <h2pb/h2/asio/session_state.hpp>

#include <set>
#include <utility>

using h2pb::h2::asio::describe;
using h2pb::h2::asio::is_legal_transition;
using h2pb::h2::asio::session_state;

namespace {
constexpr session_state all[] = {session_state::created,   session_state::handshaking,
                                 session_state::running,   session_state::timed_out,
                                 session_state::lingering, session_state::closed};
}

TEST_CASE("session_state: exactly the arrows of the diagram are legal") {
    using s = session_state;
    const std::set<std::pair<s, s>> arrows = {
        {s::created, s::handshaking}, {s::created, s::running},    {s::handshaking, s::running},
        {s::running, s::timed_out},   {s::running, s::lingering},  {s::timed_out, s::lingering},
        {s::created, s::closed},      {s::handshaking, s::closed}, {s::running, s::closed},
        {s::timed_out, s::closed},    {s::lingering, s::closed},
    };
    int legal = 0;
    for (const session_state from : all) {
        for (const session_state to : all) {
            INFO(describe(from) << " -> " << describe(to));
            const bool expected = arrows.count({from, to}) == 1;
            CHECK(is_legal_transition(from, to) == expected);
            legal += is_legal_transition(from, to) ? 1 : 0;
        }
    }
    CHECK(legal == 11);
}

TEST_CASE("session_state: closed is final, nothing returns to an earlier state") {
    for (const session_state to : all) CHECK_FALSE(is_legal_transition(session_state::closed, to));
    for (const session_state from : all) {
        CHECK_FALSE(is_legal_transition(from, session_state::created));
        CHECK_FALSE(is_legal_transition(from, from));
    }
    CHECK_FALSE(is_legal_transition(session_state::lingering, session_state::running));
    CHECK_FALSE(is_legal_transition(session_state::timed_out, session_state::running));
}

TEST_CASE("session_state: every state has a name") {
    std::set<std::string_view> names;
    for (const session_state st : all) names.insert(describe(st));
    CHECK(names.size() == 6);
    CHECK(names.count("?") == 0);
    CHECK(describe(session_state::timed_out) == "timed_out");
}
