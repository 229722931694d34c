// h2pb::h2::asio — the one place the Boost.Asio and OpenSSL headers come in.
//
// Everything under h2/asio/ includes Asio through this header (or, for the
// coroutine types alone, through h2/asio/awaitable.hpp, which this header
// includes first), so that the workarounds Boost 1.74 needs with C++20
// coroutines (see awaitable.hpp) are applied once, before any Asio header is
// seen.
// The rest of h2pb (wire/, hpack/, the sans-IO h2/) never includes this file:
// a consumer of those layers pulls in neither Boost nor OpenSSL.
#pragma once

#include <h2pb/h2/asio/awaitable.hpp>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace h2pb::h2::asio {

using tcp = net::ip::tcp;
using error_code_t = ::boost::system::error_code;

}  // namespace h2pb::h2::asio
