// h2pb::h2::asio — a wake-up call for one waiting coroutine.
//
// A handler coroutine waits for something the connection loop will tell it:
// request body octets arrived, flow-control credit came back, output was
// written. The loop and the coroutine run on the same executor (one thread,
// or a strand), so no lock is needed: the coroutine checks its condition,
// and if it does not hold yet, waits; the loop changes the state, then wakes.
//
//   while (!condition()) co_await w.wait();     // the coroutine
//   state = ...; w.notify();                    // the loop
//
// Waiting stores the coroutine's completion handler in place (no allocation,
// unlike a timer used as a condition variable); notify() posts it, so the
// coroutine resumes from the executor's queue, never inside the caller.
#pragma once

#include <optional>
#include <utility>

#include <h2pb/h2/asio/asio.hpp>

namespace h2pb::h2::asio {

class wakeup {
  public:
    using token_type = net::use_awaitable_t<executor>;
    using handler_type = typename net::async_result<token_type, void()>::handler_type;

    wakeup() = default;
    wakeup(const wakeup&) = delete;
    wakeup& operator=(const wakeup&) = delete;
    /// A coroutine still waiting is destroyed with its frames, never resumed.
    ~wakeup() = default;

    /// Suspends until notify(). At most one coroutine waits at a time.
    awaitable<void> wait() {
        return net::async_initiate<const token_type&, void()>(
            [this](handler_type h) { waiter_.emplace(std::move(h)); }, net::use_awaitable);
    }

    bool waiting() const noexcept { return waiter_.has_value(); }

    /// Resumes the waiting coroutine, if any (later, from the executor).
    void notify() {
        if (!waiter_) return;
        handler_type h = std::move(*waiter_);
        waiter_.reset();
        net::post(std::move(h));
    }

  private:
    std::optional<handler_type> waiter_;
};

/// A wake-up call that carries its answer: wait() completes with the bool
/// given to notify(). The waiting coroutine learns what happened from the
/// completion itself, so it need not look at the object it waited on after
/// it resumes — that object may have been reused meanwhile (see
/// session::wait_cancelled).
class bool_wakeup {
  public:
    using token_type = net::use_awaitable_t<executor>;
    using handler_type = typename net::async_result<token_type, void(bool)>::handler_type;

    bool_wakeup() = default;
    bool_wakeup(const bool_wakeup&) = delete;
    bool_wakeup& operator=(const bool_wakeup&) = delete;
    /// A coroutine still waiting is destroyed with its frames, never resumed.
    ~bool_wakeup() = default;

    /// Suspends until notify(v); returns v. At most one coroutine waits at a time.
    awaitable<bool> wait() {
        return net::async_initiate<const token_type&, void(bool)>(
            [this](handler_type h) { waiter_.emplace(std::move(h)); }, net::use_awaitable);
    }

    bool waiting() const noexcept { return waiter_.has_value(); }

    /// Resumes the waiting coroutine, if any, with `v` (later, from the executor).
    void notify(bool v) {
        if (!waiter_) return;
        handler_type h = std::move(*waiter_);
        waiter_.reset();
        // The executor first: the lambda below takes the handler away.
        const auto ex = net::get_associated_executor(h);
        net::post(net::bind_executor(ex, [h = std::move(h), v]() mutable { std::move(h)(v); }));
    }

  private:
    std::optional<handler_type> waiter_;
};

}  // namespace h2pb::h2::asio
