// h2pb::rpc::asio — what a client call keeps so that it can be sent again
// (gRFC A6 retries, and transparent retries): the request messages sent so
// far and whether the request side was closed, bounded by
// channel_options::retry_buffer_size; and the default jitter source.
//
// A call is "committed" (gRFC A6) once it can no longer be retried: the
// response headers arrived (a Trailers-Only response does not commit), or
// the request outgrew the buffer. The buffer is then dropped.
#pragma once

#include <cstddef>
#include <deque>
#include <random>
#include <string>
#include <utility>

#include <h2pb/wire/bytes.hpp>

namespace h2pb::rpc::asio::detail {

/// Uniform in [0, 1): the backoff jitter when channel_options::retry_random
/// is empty.
inline double default_retry_random() {
    thread_local std::mt19937_64 gen{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
}

/// The request side of a call, kept for replays until the call commits.
class retry_buffer {
  public:
    struct message {
        std::string bytes;  ///< the serialized message (before compression)
        bool compress = true;
    };

    explicit retry_buffer(std::size_t limit) : limit_(limit) {}

    /// Keeps `m`. False when that makes the request larger than the limit:
    /// the call is then committed (and the buffer dropped).
    bool add(wire::bytes_view m, bool compress) {
        if (committed_) return false;
        if (m.size() > limit_ - size_) {
            commit();
            return false;
        }
        size_ += m.size();
        msgs_.push_back(message{std::string(wire::as_chars(m)), compress});
        return true;
    }
    void close() noexcept { half_closed_ = true; }
    void commit() {
        committed_ = true;
        msgs_.clear();
        size_ = 0;
    }

    bool committed() const noexcept { return committed_; }
    bool half_closed() const noexcept { return half_closed_; }
    std::size_t count() const noexcept { return msgs_.size(); }
    const message& at(std::size_t i) const noexcept { return msgs_[i]; }

  private:
    std::size_t limit_;
    std::size_t size_ = 0;
    std::deque<message> msgs_;
    bool half_closed_ = false;
    bool committed_ = false;
};

}  // namespace h2pb::rpc::asio::detail
