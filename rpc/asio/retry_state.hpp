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
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <h2pb/wire/bytes.hpp>

namespace h2pb::rpc::asio::detail {

/// Uniform in [0, 1): the backoff jitter when channel_options::retry_random
/// is empty.
inline double default_retry_random() {
    thread_local std::mt19937_64 gen{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
}

/// The request side of a call, kept for replays until the call commits.
///
/// Allocation (issue 10: a unary call should cost few allocations): an empty
/// buffer allocates nothing, the first message is kept inline (a unary or
/// server-streaming request is one message), and a message can be kept
/// without a copy: moved in (add(std::string&&)), or borrowed
/// (add_borrowed) when the caller keeps its bytes alive until the call ends.
class retry_buffer {
  public:
    struct message {
        std::string owned;      ///< the bytes, when kept (copied or moved in)
        wire::bytes_view lent;  ///< the bytes, when borrowed
        bool borrowed = false;
        bool compress = true;
        /// The serialized message (before compression).
        wire::bytes_view bytes() const noexcept {
            return borrowed ? lent : wire::as_bytes(std::string_view(owned));
        }
    };

    explicit retry_buffer(std::size_t limit) : limit_(limit) {}
    retry_buffer(const retry_buffer&) = delete;
    retry_buffer& operator=(const retry_buffer&) = delete;

    /// Keeps a copy of `m`. False when that makes the request larger than
    /// the limit: the call is then committed (and the buffer dropped).
    bool add(wire::bytes_view m, bool compress) {
        return keep(m.size(), compress, [&](message& to) { to.owned.assign(wire::as_chars(m)); });
    }
    /// Keeps `m` itself (no copy).
    bool add(std::string&& m, bool compress) {
        return keep(m.size(), compress, [&](message& to) { to.owned = std::move(m); });
    }
    /// Keeps a view of `m`: its bytes must stay valid until the call ends.
    bool add_borrowed(wire::bytes_view m, bool compress) {
        return keep(m.size(), compress, [&](message& to) {
            to.lent = m;
            to.borrowed = true;
        });
    }
    void close() noexcept { half_closed_ = true; }
    void commit() {
        committed_ = true;
        first_ = message{};
        more_.clear();
        count_ = 0;
        size_ = 0;
    }

    bool committed() const noexcept { return committed_; }
    bool half_closed() const noexcept { return half_closed_; }
    std::size_t count() const noexcept { return count_; }
    const message& at(std::size_t i) const noexcept { return i == 0 ? first_ : more_[i - 1]; }

  private:
    template <class Fill>
    bool keep(std::size_t n, bool compress, Fill fill) {
        if (committed_) return false;
        if (n > limit_ - size_) {
            commit();
            return false;
        }
        size_ += n;
        message& to = count_ == 0 ? first_ : more_.emplace_back();
        fill(to);
        to.compress = compress;
        ++count_;
        return true;
    }

    std::size_t limit_;
    std::size_t size_ = 0;
    std::size_t count_ = 0;
    message first_;
    // std::deque allocates even when empty (libstdc++); a vector does not.
    // Its elements do not move while a replay reads them: send() waits for
    // the replay.
    std::vector<message> more_;
    bool half_closed_ = false;
    bool committed_ = false;
};

}  // namespace h2pb::rpc::asio::detail
