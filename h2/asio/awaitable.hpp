// h2pb::h2::asio — the coroutine types alone: net, executor, awaitable<T>.
//
// What a service's handlers and the generated service bases need, without
// the rest of Asio (sockets, io_context, TLS): h2/asio/asio.hpp includes this
// header and adds those. The workarounds Boost 1.74 needs with C++20
// coroutines are applied here, before any Asio header is seen:
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

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

namespace h2pb::h2::asio {

/// Boost.Asio, under a short name that does not collide with this namespace.
namespace net = ::boost::asio;

/// The executor every h2pb connection runs on: an io_context's, or a strand
/// of one when several threads share the context.
using executor = net::any_io_executor;

template <class T>
using awaitable = net::awaitable<T, executor>;

/// What Asio's operations report (also in asio.hpp; here for a unit that
/// sees only the declarations of a separately compiled h2pb, config.hpp).
using error_code_t = ::boost::system::error_code;

}  // namespace h2pb::h2::asio
