// h2pb::rpc — the state behind grpc.health.v1.Health
// (/work/shared/reference/grpc/health-checking.md), without I/O: a table of
// serving statuses by service name, and the watchers of those names.
//
//   health_registry h;                       // "" (the whole server): SERVING
//   h.set("analytics.AnalyticsService", serving_status::SERVING);
//   h.check("analytics.AnalyticsService");   // SERVING
//   h.check("nope");                         // nullopt: Check answers NOT_FOUND
//   auto id = h.watch("nope", [](serving_status s) { ... });  // SERVICE_UNKNOWN at once
//   h.set("nope", serving_status::NOT_SERVING);                // NOT_SERVING
//   h.unwatch(id);
//   h.shutdown();                            // all NOT_SERVING; set() ignored from now on
//
// What the spec asks and how this answers it:
// - "The server should use an empty string as the key for server's overall
//   health status": "" is registered from the start as SERVING, as grpc C++'s
//   default health service and grpc-go's health.NewServer() do.
// - Check: "if the service name is not registered, the server returns a
//   NOT_FOUND GRPC status" — check() answers nullopt. Exact matching only.
// - Watch: "The server will immediately send back a message indicating the
//   current serving status. It will then subsequently send a new message
//   whenever the service's serving status changes"; for an unknown service
//   the status is SERVICE_UNKNOWN ("Used only by the Watch method"), and the
//   watch goes on: it sees the service when it is registered later. A set()
//   that does not change the status tells no watcher (a change is a change).
// - Shutdown: every service becomes NOT_SERVING and later set() calls are
//   ignored, as grpc C++'s HealthCheckServiceInterface::Shutdown() and
//   grpc-go's health.Server.Shutdown() do, so that a load balancer stops
//   sending before the connections close.
//
// Thread-safe: the application may set statuses from any thread while calls
// watch from the server's threads. Listeners run on the thread that made the
// change, with the registry's lock held: they must be quick and must not call
// back into the registry (rpc/asio/health.hpp's listener posts to the watching
// call's executor).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <h2pb/rpc/generated/grpc/health/v1/health.h2pb.hpp>

namespace h2pb::rpc {

using serving_status = ::grpc::health::v1::HealthCheckResponse_ServingStatus;

class health_registry {
  public:
    /// Told the status of the watched service: at once, then at each change.
    using listener = std::function<void(serving_status)>;
    using watch_id = std::uint64_t;

    health_registry() { statuses_.emplace(std::string(), serving_status::SERVING); }
    health_registry(const health_registry&) = delete;
    health_registry& operator=(const health_registry&) = delete;

    /// Sets (registers, if new) the status of `service` ("" is the whole
    /// server). Ignored after shutdown(); returns whether it was taken.
    bool set(std::string_view service, serving_status s) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (shut_down_) return false;
        auto it = statuses_.find(service);
        if (it == statuses_.end()) {
            statuses_.emplace(std::string(service), s);
        } else {
            if (it->second == s) return true;
            it->second = s;
        }
        tell(service, s);
        return true;
    }

    /// Forgets `service`: Check answers NOT_FOUND, watchers see
    /// SERVICE_UNKNOWN (grpc-go's health server does not have this; grpc C++
    /// neither; it is what an unregistered service looks like to Watch).
    void clear(std::string_view service) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (shut_down_) return;
        auto it = statuses_.find(service);
        if (it == statuses_.end()) return;
        statuses_.erase(it);
        tell(service, serving_status::SERVICE_UNKNOWN);
    }

    /// The status of `service`, or nullopt if it is not registered.
    std::optional<serving_status> check(std::string_view service) const {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = statuses_.find(service);
        if (it == statuses_.end()) return std::nullopt;
        return it->second;
    }

    /// Every registered service becomes NOT_SERVING (watchers are told) and
    /// set() is ignored from now on. For the server's shutdown.
    void shutdown() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (shut_down_) return;
        shut_down_ = true;
        for (auto& [name, s] : statuses_) {
            if (s == serving_status::NOT_SERVING) continue;
            s = serving_status::NOT_SERVING;
            tell(name, s);
        }
    }
    bool is_shut_down() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return shut_down_;
    }

    /// Watches `service`: `l` is called at once with its status
    /// (SERVICE_UNKNOWN when it is not registered), then at every change,
    /// until unwatch(). The id is never 0.
    watch_id watch(std::string_view service, listener l) {
        std::lock_guard<std::mutex> lock(mutex_);
        const watch_id id = ++last_id_;
        auto it = statuses_.find(service);
        l(it == statuses_.end() ? serving_status::SERVICE_UNKNOWN : it->second);
        watchers_.push_back(watcher{id, std::string(service), std::move(l)});
        return id;
    }
    /// Stops a watch; the listener is not called after this returns.
    void unwatch(watch_id id) {
        std::lock_guard<std::mutex> lock(mutex_);
        for (std::size_t i = 0; i < watchers_.size(); ++i) {
            if (watchers_[i].id != id) continue;
            watchers_[i] = std::move(watchers_.back());
            watchers_.pop_back();
            return;
        }
    }
    std::size_t watchers() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return watchers_.size();
    }

  private:
    struct watcher {
        watch_id id;
        std::string service;
        listener on_change;
    };

    /// With the lock held.
    void tell(std::string_view service, serving_status s) {
        for (auto& w : watchers_)
            if (w.service == service) w.on_change(s);
    }

    mutable std::mutex mutex_;
    std::map<std::string, serving_status, std::less<>> statuses_;
    std::vector<watcher> watchers_;
    watch_id last_id_ = 0;
    bool shut_down_ = false;
};

}  // namespace h2pb::rpc
