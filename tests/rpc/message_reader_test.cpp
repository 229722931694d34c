// Tests of rpc/message_reader.hpp: the gRPC 5-byte message prefix, encoded
// and reassembled from every way a stream can be cut into chunks.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include <h2pb/rpc/message_reader.hpp>
#include <test_support.hpp>

using namespace h2pb;
using rpc::read_status;

namespace {

struct got {
    std::string bytes;
    bool compressed;
    std::size_t offset;
    friend bool operator==(const got&, const got&) = default;
};

/// Feeds `stream` cut at the given split points; collects messages and the
/// final error (finish() included).
struct outcome {
    std::vector<got> messages;
    rpc::error error;
};

outcome run(wire::bytes_view stream, const std::vector<std::size_t>& cuts,
            rpc::reader_settings s = {}) {
    outcome out;
    rpc::message_reader reader(s);
    std::size_t from = 0;
    std::vector<std::size_t> ends = cuts;
    ends.push_back(stream.size());
    for (std::size_t to : ends) {
        REQUIRE(reader.feed(stream.subspan(from, to - from)));
        rpc::message m;
        read_status st;
        while ((st = reader.next(m)) == read_status::message)
            out.messages.push_back({wire::to_string(m.bytes), m.compressed, m.offset});
        if (st == read_status::failed) {
            out.error = reader.error();
            return out;
        }
        from = to;
    }
    out.error = reader.finish();
    return out;
}

wire::buffer framed(const std::vector<std::string>& messages, bool compressed = false) {
    wire::buffer out;
    for (const auto& m : messages) REQUIRE(rpc::write_message(out, wire::as_bytes(m), compressed));
    return out;
}

// The article's example: { weight: 150, name: "Apple" } is 10 protobuf bytes
// and 15 bytes once framed. (Its protobuf bytes are checked against protoc in
// the tools tests; here they are only a payload.)
const wire::buffer apple = test::hex("08 96 01 12 05 41 70 70 6c 65");

}  // namespace

TEST_CASE("encode_prefix writes flag and big-endian length") {
    wire::byte p[rpc::prefix_size];
    rpc::encode_prefix(p, {false, 10});
    CHECK(test::hex_of(p) == "00 00 00 00 0a");
    rpc::encode_prefix(p, {true, 0x01020304});
    CHECK(test::hex_of(p) == "01 01 02 03 04");
    rpc::encode_prefix(p, {false, 0xffffffff});
    CHECK(test::hex_of(p) == "00 ff ff ff ff");
}

TEST_CASE("write_message frames the article's Apple message into 15 bytes") {
    wire::buffer out;
    REQUIRE(rpc::write_message(out, apple));
    CHECK(test::hex_of(out) == "00 00 00 00 0a 08 96 01 12 05 41 70 70 6c 65");
    CHECK(out.size() == 15);
}

TEST_CASE("decode_prefix reads flag and length, rejects flags other than 0 and 1") {
    rpc::message_prefix p;
    CHECK(rpc::decode_prefix(test::hex("00 00 00 00 0a").data(), &p) == rpc::errc::ok);
    CHECK(p == rpc::message_prefix{false, 10});
    CHECK(rpc::decode_prefix(test::hex("01 80 00 00 01").data(), &p) == rpc::errc::ok);
    CHECK(p == rpc::message_prefix{true, 0x80000001});
    for (int flag : {2, 0x80, 0xff}) {
        wire::byte b[5] = {static_cast<wire::byte>(flag), 0, 0, 0, 0};
        CHECK(rpc::decode_prefix(b, &p) == rpc::errc::bad_compressed_flag);
    }
}

TEST_CASE("a message contiguous in its chunk is delivered without a copy") {
    const wire::buffer frame = framed({wire::to_string(apple)});
    rpc::message_reader reader;
    REQUIRE(reader.feed(frame));
    rpc::message m;
    REQUIRE(reader.next(m) == read_status::message);
    CHECK(m.bytes.data() == frame.data() + 5);  // pointer identity: a view into the chunk
    CHECK(m.bytes.size() == 10);
    CHECK(m.contiguous);
    CHECK_FALSE(m.compressed);
    CHECK(m.offset == 0);
    CHECK(reader.next(m) == read_status::need_more);
    CHECK(reader.finish() == rpc::error{});
    CHECK(reader.buffer_capacity() == 0);  // nothing was buffered
}

TEST_CASE("many messages in one chunk: all views into the chunk, offsets exact") {
    std::vector<std::string> msgs;
    msgs.reserve(1000);
    for (int i = 0; i < 1000; ++i)
        msgs.push_back(std::string(static_cast<std::size_t>(i % 37), char('a' + i % 26)));
    const wire::buffer stream = framed(msgs);
    rpc::message_reader reader;
    REQUIRE(reader.feed(stream));
    rpc::message m;
    std::size_t offset = 0;
    for (const auto& expect : msgs) {
        REQUIRE(reader.next(m) == read_status::message);
        CHECK(m.offset == offset);
        CHECK(m.bytes.data() == stream.data() + offset + 5);
        CHECK(wire::as_chars(m.bytes) == expect);
        offset += 5 + expect.size();
    }
    CHECK(reader.next(m) == read_status::need_more);
    CHECK(reader.position() == stream.size());
    CHECK(reader.finish() == rpc::error{});
    CHECK(reader.buffer_capacity() == 0);
}

TEST_CASE("empty messages are messages") {
    const auto r = run(framed({"", "x", ""}), {});
    REQUIRE(r.messages.size() == 3);
    CHECK(r.messages[0] == got{"", false, 0});
    CHECK(r.messages[1] == got{"x", false, 5});
    CHECK(r.messages[2] == got{"", false, 11});
    CHECK_FALSE(r.error);
}

TEST_CASE("byte-by-byte feeding yields the same messages") {
    const std::vector<std::string> msgs = {wire::to_string(apple), "", std::string(300, 'z'), "ab"};
    const wire::buffer stream = framed(msgs);
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
    const auto whole = run(stream, {});
    const auto bytewise = run(stream, cuts);
    REQUIRE(whole.messages.size() == msgs.size());
    CHECK(bytewise.messages == whole.messages);
    CHECK_FALSE(bytewise.error);
    for (std::size_t i = 0; i < msgs.size(); ++i) CHECK(whole.messages[i].bytes == msgs[i]);
}

TEST_CASE("every split of a multi-message stream into two and three chunks") {
    const wire::buffer stream = framed({wire::to_string(apple), "", "hello", std::string(20, 'q')});
    const auto whole = run(stream, {});
    REQUIRE(whole.messages.size() == 4);
    for (std::size_t i = 0; i <= stream.size(); ++i) {
        INFO("split at " << i);
        const auto two = run(stream, {i});
        CHECK(two.messages == whole.messages);
        CHECK_FALSE(two.error);
        for (std::size_t j = i; j <= stream.size(); ++j) {
            const auto three = run(stream, {i, j});
            CHECK(three.messages == whole.messages);
            CHECK_FALSE(three.error);
        }
    }
}

TEST_CASE("a split prefix followed by a contiguous body still avoids the copy") {
    const wire::buffer frame = framed({"hello"});
    rpc::message_reader reader;
    rpc::message m;
    REQUIRE(reader.feed(wire::bytes_view(frame).subspan(0, 3)));
    CHECK(reader.next(m) == read_status::need_more);
    const wire::bytes_view rest = wire::bytes_view(frame).subspan(3);
    REQUIRE(reader.feed(rest));
    REQUIRE(reader.next(m) == read_status::message);
    CHECK(m.contiguous);
    CHECK(m.bytes.data() == rest.data() + 2);
    CHECK(reader.buffer_capacity() == 0);
}

TEST_CASE("a message split across chunks is copied once into a reused buffer") {
    const wire::buffer frame = framed({std::string(100, 'x')});
    const wire::bytes_view v(frame);
    rpc::message_reader reader;
    rpc::message m;
    REQUIRE(reader.feed(v.subspan(0, 50)));
    CHECK(reader.next(m) == read_status::need_more);
    REQUIRE(reader.feed(v.subspan(50)));
    REQUIRE(reader.next(m) == read_status::message);
    CHECK_FALSE(m.contiguous);
    CHECK(wire::as_chars(m.bytes) == std::string(100, 'x'));

    // Steady state: more split messages of that size neither grow nor move
    // the buffer (the messages land at the same address every time).
    const std::size_t capacity = reader.buffer_capacity();
    const wire::byte* where = m.bytes.data();
    for (int i = 0; i < 1000; ++i) {
        REQUIRE(reader.feed(v.subspan(0, 7)));
        REQUIRE(reader.next(m) == read_status::need_more);
        REQUIRE(reader.feed(v.subspan(7)));
        REQUIRE(reader.next(m) == read_status::message);
        REQUIRE(m.bytes.data() == where);
    }
    CHECK(reader.buffer_capacity() == capacity);
}

TEST_CASE("feeding before the previous chunk is drained is refused") {
    const wire::buffer stream = framed({"a", "b"});
    rpc::message_reader reader;
    REQUIRE(reader.feed(stream));
    rpc::message m;
    REQUIRE(reader.next(m) == read_status::message);
    CHECK_FALSE(reader.feed(stream));  // "b" not read yet
    REQUIRE(reader.next(m) == read_status::message);
    CHECK(wire::as_chars(m.bytes) == "b");
    CHECK(reader.next(m) == read_status::need_more);
    CHECK(reader.feed(stream));
}

TEST_CASE("compressed-flag other than 0 or 1 is an error at the flag byte") {
    for (int flag : {2, 0x7f, 0x80, 0xff}) {
        INFO("flag " << flag);
        wire::buffer stream = framed({"ok"});  // message at 0..6, bad one at 7
        stream.put_u8(static_cast<std::uint8_t>(flag));
        stream.put_u32(1);
        stream.put_u8('x');
        const auto r = run(stream, {});
        REQUIRE(r.messages.size() == 1);
        CHECK(r.error == rpc::error{rpc::errc::bad_compressed_flag, 7});
        // Byte by byte, the error comes as soon as the flag byte arrives.
        rpc::message_reader reader;
        rpc::message m;
        for (std::size_t i = 0; i < 8; ++i) {
            REQUIRE(reader.feed(wire::bytes_view(stream).subspan(i, 1)));
            const auto st = reader.next(m);
            if (i == 6) CHECK(st == read_status::message);
            if (i == 7) CHECK(st == read_status::failed);
        }
        CHECK(reader.error() == rpc::error{rpc::errc::bad_compressed_flag, 7});
    }
}

TEST_CASE("max message size: default 4 MiB, checked before buffering") {
    CHECK(rpc::default_max_message_size == 4u * 1024 * 1024);
    CHECK(rpc::message_reader{}.settings().max_message_size == rpc::default_max_message_size);

    // A prefix announcing 4 MiB + 1 fails on its own, with nothing buffered.
    wire::buffer prefix;
    rpc::encode_prefix(prefix, {false, rpc::default_max_message_size + 1});
    rpc::message_reader reader;
    rpc::message m;
    REQUIRE(reader.feed(prefix));
    CHECK(reader.next(m) == read_status::failed);
    CHECK(reader.error() == rpc::error{rpc::errc::message_too_large, 1});
    CHECK(reader.buffer_capacity() == 0);
    CHECK(reader.next(m) == read_status::failed);  // and stays failed
    CHECK(reader.finish() == rpc::error{rpc::errc::message_too_large, 1});

    // Exactly the limit is fine.
    const auto ok = run(framed({std::string(rpc::default_max_message_size, 'm')}), {1000});
    REQUIRE(ok.messages.size() == 1);
    CHECK(ok.messages[0].bytes.size() == rpc::default_max_message_size);
    CHECK_FALSE(ok.error);
}

TEST_CASE("max message size is a setting") {
    const wire::buffer stream = framed({"12345", "123456"});
    const auto r = run(stream, {}, rpc::reader_settings{5, false});
    REQUIRE(r.messages.size() == 1);
    CHECK(r.error == rpc::error{rpc::errc::message_too_large, 10 + 1});
    rpc::message_reader reader;
    reader.set_max_message_size(6);
    REQUIRE(reader.feed(stream));
    rpc::message m;
    CHECK(reader.next(m) == read_status::message);
    CHECK(reader.next(m) == read_status::message);
}

TEST_CASE("compressed messages: an error without a decompressor, flagged with one") {
    const wire::buffer stream = framed({"zz"}, true);
    const auto rejected = run(stream, {});
    CHECK(rejected.messages.empty());
    CHECK(rejected.error == rpc::error{rpc::errc::compressed_without_encoding, 0});
    const auto accepted =
        run(stream, {3}, rpc::reader_settings{rpc::default_max_message_size, true});
    REQUIRE(accepted.messages.size() == 1);
    CHECK(accepted.messages[0] == got{"zz", true, 0});
    CHECK_FALSE(accepted.error);
}

TEST_CASE("a stream that ends inside a prefix or a message is truncated") {
    const wire::buffer stream = framed({"abc", "defgh"});  // 8 + 10 bytes
    for (std::size_t end = 0; end <= stream.size(); ++end) {
        INFO("stream ends at " << end);
        const auto r = run(wire::bytes_view(stream).subspan(0, end), {end / 2});
        if (end == 0 || end == 8 || end == 18) {
            CHECK_FALSE(r.error);
        } else if (end < 5 || (end > 8 && end < 13)) {
            CHECK(r.error == rpc::error{rpc::errc::truncated_prefix, end});
        } else {
            CHECK(r.error == rpc::error{rpc::errc::truncated_message, end});
        }
    }
}

TEST_CASE("read_messages reads a whole stream in one call") {
    std::vector<std::string> seen;
    const wire::buffer stream = framed({"a", "bc"});
    CHECK_FALSE(rpc::read_messages(
        stream, [&](const rpc::message& m) { seen.push_back(wire::to_string(m.bytes)); }));
    CHECK(seen == std::vector<std::string>{"a", "bc"});
    const auto e =
        rpc::read_messages(wire::bytes_view(stream).subspan(0, 12), [](const rpc::message&) {});
    CHECK(e == rpc::error{rpc::errc::truncated_message, 12});
    CHECK(e.message() == "offset 12: stream ends before message-length bytes of message");
}

TEST_CASE("reset forgets a broken stream") {
    rpc::message_reader reader;
    rpc::message m;
    const wire::buffer bad = test::hex("09");
    REQUIRE(reader.feed(bad));
    CHECK(reader.next(m) == read_status::failed);
    reader.reset();
    const wire::buffer good = framed({"a"});
    REQUIRE(reader.feed(good));
    CHECK(reader.next(m) == read_status::message);
    CHECK(m.offset == 0);
}
