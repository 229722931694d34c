// h2/asio/transport.hpp: the byte stream under a connection. A cleartext
// write is tried at once (write_now) and whatever the socket did not take
// goes to async_write with the count already written; reads come back as
// views. Checked on a TCP connection over 127.0.0.1 with a small send buffer,
// so that the immediate write is partial and the rest must wait.
#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <h2pb/h2/asio/transport.hpp>

#include <boost/asio/read.hpp>

#include <catch2/catch.hpp>

namespace ha = h2pb::h2::asio;
namespace wire = h2pb::wire;
using ha::net::ip::tcp;

namespace {

std::string pattern(std::size_t n, std::size_t seed) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>('a' + (i * 7 + seed + i / 251) % 26);
    return s;
}

/// Socket buffers small enough that the kernel takes only part of a 3 MiB
/// write at once, large enough that the peer's window opens by more than
/// one segment per read: with 4 KiB buffers each window update waited for
/// the delayed-ACK timer (about 40 ms) and the 3 MiB test took a minute.
constexpr int small_buffer_size = 64 * 1024;

/// A transport over one end of a TCP connection on 127.0.0.1, and the
/// socket at the other end (`peer`). Small socket buffers, when asked for,
/// make the kernel take only part of a large write at once.
struct connected {
    explicit connected(bool small_buffers = false) {
        tcp::acceptor acceptor(io, tcp::endpoint(ha::net::ip::make_address("127.0.0.1"), 0));
        tcp::socket ours(io);
        ours.connect(acceptor.local_endpoint());
        peer = acceptor.accept();
        if (small_buffers) {
            ours.set_option(tcp::socket::send_buffer_size(small_buffer_size));
            peer.set_option(tcp::socket::receive_buffer_size(small_buffer_size));
        }
        t.emplace(std::move(ours));
        t->configure(true);
    }

    ha::net::io_context io;
    tcp::socket peer{io};
    std::optional<ha::transport> t;
};

}  // namespace

TEST_CASE("a write the socket cannot take at once: write_now, then the rest in order",
          "[transport]") {
    connected c(/*small_buffers=*/true);
    ha::net::io_context& io = c.io;
    tcp::socket& b = c.peer;
    ha::transport& t = *c.t;

    // Three pieces, the way a connection's output looks: frame headers and
    // DATA payloads referenced in place.
    const std::array<std::string, 3> pieces = {pattern(9, 1), pattern(3 << 20, 2),
                                               pattern(123457, 3)};
    std::vector<wire::bytes_view> views;
    std::string expected;
    for (const auto& p : pieces) {
        views.push_back(wire::as_bytes(p));
        expected += p;
    }

    ha::error_code_t ec;
    const auto progress = t.write_now(views, ec);
    const std::size_t now = progress.written;
    CHECK_FALSE(progress.complete);
    INFO("immediate write: " << now << " octets, " << ec.message());
    REQUIRE((!ec || ec == ha::net::error::would_block));
    REQUIRE(now < expected.size());  // the small buffers cannot take 3 MiB at once

    ha::write_handler_memory memory;
    std::size_t reported = 0;
    bool done = false;
    t.async_write(
        views, memory,
        [&](const ha::error_code_t& wec, std::size_t n) {
            CHECK_FALSE(wec);
            reported = n;
            done = true;
        },
        now);

    std::string got;
    std::vector<char> buf(65536);
    b.non_blocking(true);
    while (got.size() < expected.size()) {
        io.poll();
        ha::error_code_t rec;
        const std::size_t n = b.read_some(ha::net::buffer(buf), rec);
        if (rec == ha::net::error::would_block) {
            io.run_one_for(std::chrono::milliseconds(1));
            continue;
        }
        REQUIRE_FALSE(rec);
        got.append(buf.data(), n);
    }
    while (!done) io.run_one();
    CHECK(reported == expected.size());  // the handler's count includes write_now's octets
    CHECK(got.size() == expected.size());
    CHECK(got == expected);
}

TEST_CASE("a write the socket takes whole: write_now reports every octet", "[transport]") {
    connected c;
    tcp::socket& b = c.peer;
    ha::transport& t = *c.t;
    const std::string head = pattern(9, 4), body = pattern(100, 5);
    const std::array<wire::bytes_view, 2> views = {wire::as_bytes(head), wire::as_bytes(body)};
    ha::error_code_t ec;
    const auto progress = t.write_now(views, ec);
    CHECK(progress.written == head.size() + body.size());
    CHECK(progress.complete);
    CHECK_FALSE(ec);
    std::string got(head.size() + body.size(), '\0');
    ha::net::read(b, ha::net::buffer(got));
    CHECK(got == head + body);
}

TEST_CASE("a read returns what arrived; end of stream is eof", "[transport]") {
    connected c;
    ha::net::io_context& io = c.io;
    tcp::socket& b = c.peer;
    ha::transport& t = *c.t;
    ha::read_handler_memory memory;
    const std::string sent = pattern(1000, 6);
    ha::net::write(b, ha::net::buffer(sent));
    std::string got;
    bool eof = false;
    std::function<void()> next = [&] {
        t.async_read(memory, [&](const ha::error_code_t& ec, wire::bytes_view in) {
            if (ec) {
                eof = ec == ha::net::error::eof;
                return;
            }
            got.append(reinterpret_cast<const char*>(in.data()), in.size());
            if (got.size() == sent.size()) b.shutdown(tcp::socket::shutdown_send);
            next();
        });
    };
    next();
    io.run();
    CHECK(got == sent);
    CHECK(eof);
}
