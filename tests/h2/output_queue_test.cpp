// h2/output_queue.hpp: the gather list of pending output, its two
// generations and the lifetime clock of referenced payloads.
#include <catch2/catch.hpp>

#include <string>

#include <h2pb/h2/output_queue.hpp>

using namespace h2pb;
using namespace h2pb::h2;

namespace {
std::string joined(std::span<const wire::bytes_view> bufs) {
    std::string s;
    for (auto b : bufs) s += wire::as_chars(b);
    return s;
}
}  // namespace

TEST_CASE("control bytes and referenced payloads come out in order", "[h2][output_queue]") {
    output_queue q;
    const std::string payload = "PAYLOAD";
    q.control().append("hdr1|");
    q.append_external(wire::as_bytes(payload));
    q.control().append("|hdr2");
    CHECK(q.size() == 5 + 7 + 5);
    auto bufs = q.buffers();
    CHECK(bufs.size() == 3);
    CHECK(joined(bufs) == "hdr1|PAYLOAD|hdr2");
    CHECK(bufs[1].data() == reinterpret_cast<const wire::byte*>(payload.data()));  // not copied
}

TEST_CASE("partial consumption keeps the rest", "[h2][output_queue]") {
    output_queue q;
    const std::string payload = "0123456789";
    q.control().append("ab");
    q.append_external(wire::as_bytes(payload));
    q.control().append("cd");
    q.buffers();
    q.consume(1);
    CHECK(joined(q.buffers()) == "b0123456789cd");
    q.consume(5);
    CHECK(joined(q.buffers()) == "456789cd");
    q.consume(8);
    CHECK(q.empty());
    CHECK(q.buffers().empty());
    CHECK(q.drained_total() == 14);
}

TEST_CASE("bytes handed out stay put while more is appended", "[h2][output_queue]") {
    output_queue q;
    q.control().append("first");
    auto bufs = q.buffers();
    const wire::byte* p = bufs[0].data();
    for (int i = 0; i < 1000; ++i)
        q.control().append("more bytes that would reallocate the buffer ");
    CHECK(q.buffers()[0].data() == p);  // the frozen generation did not move
    CHECK(wire::as_chars(q.buffers()[0]) == "first");
    q.consume(5);
    // The next call hands out what was appended meanwhile.
    auto next = q.buffers();
    CHECK(joined(next).starts_with("more bytes"));
    CHECK(q.size() == std::size_t{1000} * 44);
}

TEST_CASE("the lifetime clock: a payload is released once drained_total passes it",
          "[h2][output_queue]") {
    output_queue q;
    const std::string payload(100, 'x');
    q.control().append("h");
    q.append_external(wire::as_bytes(payload));
    const auto release_at = q.queued_total();
    CHECK(release_at == 101);
    q.buffers();
    q.consume(50);
    CHECK(q.drained_total() < release_at);
    q.consume(51);
    CHECK(q.drained_total() >= release_at);
    q.control().append("z");
    CHECK(q.queued_total() == 102);
}
