// h2pb::h2 — the clock the layers name. Nothing below the Asio drivers reads
// it: the driver passes `now` in (connection.hpp's receive/tick). One header
// of its own so that a light header (rpc/asio/server_context.hpp) names the
// same type as the connection without including it.
#pragma once

#include <chrono>

namespace h2pb::h2 {

using clock = std::chrono::steady_clock;
using time_point = clock::time_point;

}  // namespace h2pb::h2
