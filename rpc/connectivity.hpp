// h2pb::rpc — a channel's connectivity state (connectivity-semantics-and-api.md
// in grpc's doc/; the same five states as grpc C++'s grpc_connectivity_state
// and grpc-go's connectivity.State).
//
//   IDLE               no connection and none being made: the first call
//                      (or state(true)) starts one; a channel also goes back
//                      to IDLE after idle_timeout with no calls
//   CONNECTING         a connection attempt is in progress
//   READY              a connection is established: calls go out
//   TRANSIENT_FAILURE  the attempt failed; the next one waits for the
//                      backoff (connection-backoff.md). Calls without
//                      wait_for_ready fail with UNAVAILABLE at once
//   SHUTDOWN           the channel was closed; final
#pragma once

#include <cstdint>
#include <string_view>

namespace h2pb::rpc {

enum class connectivity_state : std::uint8_t {
    idle,
    connecting,
    ready,
    transient_failure,
    shutdown,
};

/// The names grpc prints (ConnectivityStateName).
constexpr std::string_view name(connectivity_state s) noexcept {
    switch (s) {
        case connectivity_state::idle:
            return "IDLE";
        case connectivity_state::connecting:
            return "CONNECTING";
        case connectivity_state::ready:
            return "READY";
        case connectivity_state::transient_failure:
            return "TRANSIENT_FAILURE";
        case connectivity_state::shutdown:
            return "SHUTDOWN";
    }
    return "UNKNOWN";
}

}  // namespace h2pb::rpc
