// h2pb::h2::asio — the one place the Boost.Asio and OpenSSL headers come in.
//
// Everything under h2/asio/ includes Asio through this header, so that the
// workarounds Boost 1.74 needs with C++20 coroutines are applied once, before
// any Asio header is seen:
//   - g++ 12: boost/asio/awaitable.hpp uses std::exchange without including
//     <utility>; include it (and <coroutine>) first.
//   - clang 14 with libstdc++ 12: Boost 1.74 does not detect C++20
//     coroutines; tell it they are there.
//   - g++ 12 reports -Wmismatched-new-delete on every coroutine whose frame
//     uses Asio's awaitable_frame operator new/delete (a false positive of
//     the coroutine lowering: the frame is allocated and freed by the same
//     class's pair). It is silenced for the translation units that include
//     this header, since the warning fires where the coroutines are
//     instantiated, not in Asio's own code.
// The rest of h2pb (wire/, hpack/, the sans-IO h2/) never includes this file:
// a consumer of those layers pulls in neither Boost nor OpenSSL.
#pragma once

#include <coroutine>
#include <utility>

#if defined(__clang__) && !defined(BOOST_ASIO_HAS_CO_AWAIT)
#define BOOST_ASIO_HAS_CO_AWAIT 1
#endif
#if defined(__clang__) && !defined(BOOST_ASIO_HAS_STD_COROUTINE)
#define BOOST_ASIO_HAS_STD_COROUTINE 1
#endif

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <boost/asio/awaitable.hpp>
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

/// Boost.Asio, under a short name that does not collide with this namespace.
namespace net = ::boost::asio;
using tcp = net::ip::tcp;
using error_code_t = ::boost::system::error_code;

/// The executor every h2pb connection runs on: an io_context's, or a strand
/// of one when several threads share the context.
using executor = net::any_io_executor;

template <class T>
using awaitable = net::awaitable<T, executor>;

}  // namespace h2pb::h2::asio
