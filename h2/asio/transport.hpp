// h2pb::h2::asio — the byte stream under one HTTP/2 connection: a TCP
// socket (h2c, "prior knowledge", RFC 9113 §3.3) or TLS over it (§3.2), with
// one interface for the connection loop:
//
//   co_await t.handshake(...)           TLS only; a no-op for TCP
//   auto in = co_await t.read()         some received octets (or an error)
//   t.async_write(gather_list, handler) all of the list, then handler(ec, n)
//
// Reading. A cleartext connection waits for the socket to become readable
// and then reads, without blocking, into a buffer that belongs to the thread
// (read_buffer_size octets), not to the connection: the received octets are
// processed before the coroutine yields again, so one buffer serves every
// connection of the thread, and an idle connection holds no read buffer at
// all. TLS keeps its own per-connection buffers inside OpenSSL and Asio's
// stream, so a TLS connection reads into a buffer of its own.
//
// Writing. The gather list (the connection's pending frames, DATA payloads
// referenced in place) goes to the kernel in one vectored write for TCP,
// tried at once (write_now): when the socket takes it all, as it usually
// does, no operation is queued and no completion has to wait for the next
// turn of the event loop.
//
// Asio's TLS stream encrypts only the first buffer of a sequence per
// operation, so for TLS the list is first joined into one staging buffer
// (a copy that encryption would make anyway) and written as one sequence of
// records.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <h2pb/h2/asio/asio.hpp>
#include <h2pb/h2/asio/handler_memory.hpp>
#include <h2pb/h2/asio/tls.hpp>
#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/bytes.hpp>
#include <h2pb/wire/result.hpp>

namespace h2pb::h2::asio {

namespace detail {

/// The per-thread read buffer of cleartext connections.
inline wire::mutable_bytes thread_read_buffer(std::size_t size) {
    thread_local std::unique_ptr<wire::byte[]> buf;
    thread_local std::size_t have = 0;
    if (have < size) {
        buf.reset(new wire::byte[size]);
        have = size;
    }
    return {buf.get(), size};
}

}  // namespace detail

class transport {
  public:
    /// The largest TLS record's plaintext (RFC 8446 §5.1, RFC 5246 §6.2.1).
    static constexpr std::size_t max_tls_record = 16384;

    using executor_type = executor;
    using tls_stream = net::ssl::stream<tcp::socket>;

    /// Cleartext (h2c).
    explicit transport(tcp::socket socket, std::size_t read_buffer_size = std::size_t{64} * 1024)
        : tcp_(std::move(socket)), read_size_(read_buffer_size) {}

    /// TLS: the handshake is still to be done (handshake()).
    transport(tcp::socket socket, net::ssl::context& ctx,
              std::size_t read_buffer_size = std::size_t{64} * 1024)
        : tls_(std::make_unique<tls_stream>(std::move(socket), ctx)),
          read_size_(read_buffer_size) {}

    transport(const transport&) = delete;
    transport& operator=(const transport&) = delete;

    bool is_tls() const noexcept { return tls_ != nullptr; }
    tcp::socket& socket() noexcept { return tls_ ? tls_->next_layer() : *tcp_; }
    executor_type get_executor() noexcept { return socket().get_executor(); }
    SSL* native_ssl() noexcept { return tls_ ? tls_->native_handle() : nullptr; }

    /// Socket options every HTTP/2 connection wants.
    void configure(bool nodelay) {
        error_code_t ec;
        socket().set_option(tcp::no_delay(nodelay), ec);
        socket().non_blocking(true, ec);
    }

    /// TLS handshake (a no-op for cleartext).
    awaitable<error_code_t> handshake(net::ssl::stream_base::handshake_type type) {
        error_code_t ec;
        if (tls_) {
            co_await tls_->async_handshake(type, net::redirect_error(net::use_awaitable, ec));
        }
        co_return ec;
    }

    /// Waits for input, then calls handler(error_code_t, wire::bytes_view):
    /// a view into a buffer that stays valid until the handler returns. End
    /// of stream is net::error::eof. (A completion handler, not a coroutine:
    /// the operation then lives in Asio's recycled handler memory, and a
    /// read costs no allocation.)
    /// `memory` holds the operation (handler_memory.hpp).
    template <class Handler>
    void async_read(read_handler_memory& memory, Handler&& handler) {
        if (tls_) {
            // One SSL_read returns at most one record: 16 KiB of plaintext
            // (RFC 8446 §5.1). A larger buffer would never fill.
            read_size_ = std::min<std::size_t>(read_size_, max_tls_record);
            if (!own_buffer_) own_buffer_.reset(new wire::byte[read_size_]);
            tls_->async_read_some(
                net::buffer(own_buffer_.get(), read_size_),
                with_memory(memory, [this, h = std::forward<Handler>(handler)](
                                        const error_code_t& ec, std::size_t n) mutable {
                    h(ec, wire::bytes_view(own_buffer_.get(), ec ? 0 : n));
                }));
            return;
        }
        tcp_->async_wait(tcp::socket::wait_read,
                         with_memory(memory, [this, &memory, h = std::forward<Handler>(handler)](
                                                 const error_code_t& ec) mutable {
                             if (ec) return h(ec, wire::bytes_view{});
                             error_code_t rec;
                             const wire::bytes_view got = read_now(rec);
                             if (rec == net::error::would_block || rec == net::error::try_again)
                                 return async_read(memory, std::move(h));  // spurious: wait again
                             h(rec, got);
                         }));
    }

    /// Cleartext only: reads what is there without waiting (would_block if
    /// nothing is), into the thread's buffer.
    wire::bytes_view read_now(error_code_t& ec) {
        const wire::mutable_bytes buf = detail::thread_read_buffer(read_size_);
        const std::size_t n = tcp_->read_some(net::buffer(buf.data(), buf.size()), ec);
        last_read_full_ = !ec && n == buf.size();
        return wire::bytes_view(buf.data(), ec ? 0 : n);
    }

    /// The last read_now() filled the buffer: more is probably waiting.
    bool more_likely() const noexcept { return !tls_ && last_read_full_; }

    /// What write_now() did: octets written, and whether that was all.
    struct write_progress {
        std::size_t written = 0;
        bool complete = false;
    };

    /// Cleartext only: writes as much of `buffers` as the socket takes now,
    /// without waiting (0 and would_block if it takes nothing). The caller
    /// passes the rest, `skip` octets in, to async_write().
    write_progress write_now(std::span<const wire::bytes_view> buffers, error_code_t& ec) {
        const std::size_t total = gather(buffers, 0);
        const std::size_t n = tcp_->write_some(std::span<const net::const_buffer>(iov_), ec);
        return {n, !ec && n == total};
    }

    /// Writes all of `buffers` (views that stay valid until the handler
    /// runs), then calls handler(error_code_t, std::size_t).
    /// The first `skip` octets are taken as written already (by write_now):
    /// the handler's count includes them.
    template <class Handler>
    void async_write(std::span<const wire::bytes_view> buffers, write_handler_memory& memory,
                     Handler&& handler, std::size_t skip = 0) {
        if (tls_) {
            if (buffers.size() == 1) {
                net::async_write(*tls_, net::buffer(buffers[0].data(), buffers[0].size()),
                                 with_memory(memory, std::forward<Handler>(handler)));
                return;
            }
            staging_.clear();
            for (const auto& b : buffers) staging_.append(b);
            net::async_write(*tls_, net::buffer(staging_.data(), staging_.size()),
                             with_memory(memory, std::forward<Handler>(handler)));
            return;
        }
        gather(buffers, skip);
        // A span, not the vector: the write operation keeps a copy of the
        // buffer sequence, and copying a span allocates nothing.
        net::async_write(*tcp_, std::span<const net::const_buffer>(iov_),
                         with_memory(memory, [skip, h = std::forward<Handler>(handler)](
                                                 const error_code_t& ec, std::size_t n) mutable {
                             h(ec, skip + n);
                         }));
    }

    /// Ends our direction (TCP FIN): the peer reads end of stream after what
    /// we wrote.
    void shutdown_send() noexcept {
        error_code_t ec;
        socket().shutdown(tcp::socket::shutdown_send, ec);
    }

    void close() noexcept {
        error_code_t ec;
        socket().shutdown(tcp::socket::shutdown_both, ec);
        socket().close(ec);
    }

    bool is_open() noexcept { return socket().is_open(); }

    /// Memory the transport holds between reads (for the idle-connection
    /// accounting of benchmarks and tests).
    std::size_t buffered_capacity() const noexcept {
        return (own_buffer_ ? read_size_ : 0) + staging_.capacity() +
               iov_.capacity() * sizeof(net::const_buffer);
    }

  private:
    /// The iovec list of `buffers` minus their first `skip` octets; returns
    /// the octets it holds.
    std::size_t gather(std::span<const wire::bytes_view> buffers, std::size_t skip) {
        iov_.clear();
        std::size_t total = 0;
        for (const auto& b : buffers) {
            if (skip >= b.size()) {
                skip -= b.size();
                continue;
            }
            iov_.emplace_back(b.data() + skip, b.size() - skip);
            total += b.size() - skip;
            skip = 0;
        }
        return total;
    }

    std::optional<tcp::socket> tcp_;
    std::unique_ptr<tls_stream> tls_;  ///< on the heap: a cleartext transport stays small
    std::size_t read_size_;
    bool last_read_full_ = false;               ///< the last cleartext read filled the buffer
    std::unique_ptr<wire::byte[]> own_buffer_;  ///< TLS only
    wire::buffer staging_;                      ///< TLS only
    std::vector<net::const_buffer> iov_;        ///< TCP only
};

}  // namespace h2pb::h2::asio
