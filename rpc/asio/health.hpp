// h2pb::rpc::asio — grpc.health.v1.Health served from an rpc::health_registry
// (rpc/health.hpp; the spec: /work/shared/reference/grpc/health-checking.md).
//
//   rpc::asio::server srv(o);
//   rpc::asio::health_service& health = srv.enable_health();  // "" is SERVING
//   health.set("analytics.AnalyticsService", rpc::serving_status::SERVING);
//   ...
//   srv.shutdown(grace);         // every service NOT_SERVING first
//
// or by hand: `rpc::asio::health_service h; srv.add_service(h);`.
//
// Check answers the status of the service named in the request, or
// NOT_FOUND when it is not registered (grpc-go's message: "unknown
// service"). Watch sends the current status at once (SERVICE_UNKNOWN for a
// service not registered) and then each change, until the client cancels,
// the deadline passes or the server stops; a status that changes several
// times while a write waits for flow control is sent once, the latest (as
// grpc-go's health server does: the watcher sees the latest state, not every
// step), and a status equal to the one last sent is not sent again.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/rpc/asio/server_context.hpp>
#include <h2pb/rpc/asio/service.hpp>
#include <h2pb/rpc/generated/grpc/health/v1/health.h2pb.grpc.hpp>
#include <h2pb/rpc/health.hpp>

namespace h2pb::rpc::asio {

class health_service final : public ::grpc::health::v1::Health {
  public:
    health_service() = default;

    /// The table of statuses: set(), clear(), check(), shutdown().
    health_registry& registry() noexcept { return registry_; }
    const health_registry& registry() const noexcept { return registry_; }

    /// Shorthands for registry().set() / .shutdown().
    bool set(std::string_view service, serving_status s) { return registry_.set(service, s); }
    void shutdown() { registry_.shutdown(); }

    awaitable<result<Check_response>> Check(const Check_request& request,
                                            server_context& /*context*/) override {
        const std::optional<serving_status> s = registry_.check(request.service);
        if (!s) co_return status{status_code::not_found, "unknown service"};
        Check_response r;
        r.status = *s;
        co_return r;
    }

    awaitable<status> Watch(const Watch_request& request, server_writer<Watch_response>& writer,
                            server_context& context) override {
        const auto ex = co_await h2::asio::net::this_coro::executor;
        auto w = std::make_shared<watch_state>(ex);
        const health_registry::watch_id id =
            registry_.watch(request.service, [w](serving_status s) { w->push(s); });
        // A second coroutine waits for the call's end (the client's
        // RST_STREAM, the deadline, the server's stop) and wakes this one.
        h2::asio::net::co_spawn(ex, wait_for_end(&context, w), h2::asio::net::detached);
        std::optional<serving_status> last_sent;
        for (;;) {
            const std::optional<serving_status> next = w->take();
            if (w->ended()) break;
            if (next) {
                if (next == last_sent) continue;
                Watch_response r;
                r.status = *next;
                const bool ok = co_await writer.write(r);
                if (!ok) break;
                last_sent = next;
                continue;
            }
            co_await w->wait();
        }
        registry_.unwatch(id);
        // Seen by nobody when the stream is gone already; after a shutdown
        // without a reset, this ends the stream cleanly.
        co_return status{status_code::cancelled, "watch ended"};
    }

  private:
    /// What one Watch call shares with the registry's listener (any thread)
    /// and with its end watcher: the latest status not yet taken, and a timer
    /// used as the call's wake-up (cancelled on the call's executor).
    struct watch_state : std::enable_shared_from_this<watch_state> {
        explicit watch_state(const h2::asio::executor& ex)
            : timer(ex, h2::asio::net::steady_timer::time_point::max()) {}

        /// From the registry's listener, on any thread.
        void push(serving_status s) {
            {
                std::lock_guard<std::mutex> lock(mutex);
                pending = s;
            }
            wake();
        }
        /// From the end watcher.
        void end() {
            {
                std::lock_guard<std::mutex> lock(mutex);
                ended_ = true;
            }
            wake();
        }
        std::optional<serving_status> take() {
            std::lock_guard<std::mutex> lock(mutex);
            return std::exchange(pending, std::nullopt);
        }
        bool ended() {
            std::lock_guard<std::mutex> lock(mutex);
            return ended_;
        }
        /// Until the next wake(). A wake() between take() and here is not
        /// lost: it is posted, so it runs after this wait began (the call's
        /// executor runs one thing at a time: a thread, or a strand).
        awaitable<void> wait() {
            timer.expires_at(h2::asio::net::steady_timer::time_point::max());
            h2::asio::error_code_t ec;
            co_await timer.async_wait(
                h2::asio::net::redirect_error(h2::asio::net::use_awaitable, ec));
        }
        void wake() {
            // Posted: the timer belongs to the call's executor.
            h2::asio::net::post(timer.get_executor(), [self = weak_from_this()] {
                if (auto s = self.lock()) s->timer.cancel();
            });
        }

        std::mutex mutex;
        std::optional<serving_status> pending;
        bool ended_ = false;
        h2::asio::net::steady_timer timer;
    };

    /// Waits for the end of the call and wakes the Watch loop. A function
    /// taking its arguments by value, not a lambda with captures: Asio 1.74's
    /// co_spawn of a capturing lambda loses the captures.
    static awaitable<void> wait_for_end(server_context* context, std::shared_ptr<watch_state> w) {
        co_await context->cancelled();
        w->end();
    }

    health_registry registry_;
};

}  // namespace h2pb::rpc::asio
