// hpack/ side by side with nghttp2's public HPACK API, in one binary.
//
// Input: every raw-data story of hpack-test-case (tests/data, extracted), one
// coder per story, as a connection would use it (the coder is created per
// story inside the timed loop, for both libraries).
//
//   decode_stories/h2pb     hpack::decoder over the blocks nghttp2's deflater
//   decode_stories/nghttp2  produced for each story (the same bytes for both),
//                           nghttp2_hd_inflate_hd2 for nghttp2
//   encode_stories/h2pb     hpack::encoder / nghttp2_hd_deflate_hd over each
//   encode_stories/nghttp2  story's header lists; counter encoded_bytes
//   huffman_decode/h2pb     huffman::decode over every name and value of the
//                           stories, Huffman-coded; MB/s of decoded octets
//
// Throughput (bytes_per_second) is the block octets for decoding and the
// plain name + value octets for encoding, so the ratio of two lines of a pair
// is the ratio of their speeds. Counters: allocs_per_block (all allocations in
// the timed loop, per block: coder creation included) and
// steady_allocs_per_block (the second pass of a coder over its story again,
// i.e. a connection in steady state). h2pb's allocations are counted by
// replacing the global operator new (and, for the encoder's output buffer,
// by watching its capacity); nghttp2's through a counting nghttp2_mem.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <h2pb/hpack/decoder.hpp>
#include <h2pb/hpack/encoder.hpp>

#include "count_allocations.hpp"
#include "hpack_stories.hpp"
#include "nghttp2_hpack.hpp"

namespace {

using namespace h2pb;
namespace stories = h2pb::test::stories;
namespace ng = h2pb::test::nghttp2;

struct story_data {
    std::vector<std::vector<hpack::field>> lists;   // views into `owned`
    std::vector<std::vector<nghttp2_nv>> nv_lists;  // the same, for nghttp2
    std::vector<wire::buffer> blocks;               // nghttp2's encoding of the lists
    std::vector<wire::buffer> twice;                // the lists encoded twice in a row
    stories::story owned;
};

struct corpus {
    std::vector<story_data> stories;
    std::size_t blocks = 0;
    std::size_t block_octets = 0;              // total of nghttp2's blocks
    std::size_t plain_octets = 0;              // total name + value
    std::vector<std::string> huffman_strings;  // every name and value, Huffman-coded
    std::size_t huffman_plain = 0;
};

const corpus& data() {
    static const corpus c = [] {
        stories::require_vectors();
        corpus c;
        auto loaded = stories::load_folder("raw-data");
        c.stories.resize(loaded.size());
        for (std::size_t s = 0; s < loaded.size(); ++s) {
            story_data& sd = c.stories[s];
            sd.owned = std::move(loaded[s]);
            ng::deflater once;
            ng::deflater twice;
            std::vector<std::uint8_t> out;
            for (const auto& cs : sd.owned.cases) {
                auto& fields = sd.lists.emplace_back();
                auto& nvs = sd.nv_lists.emplace_back();
                for (const auto& h : cs.headers) {
                    fields.push_back({h.name, h.value});
                    nvs.push_back(ng::make_nv(h.name, h.value));
                    c.plain_octets += h.name.size() + h.value.size();
                    for (const std::string* str : {&h.name, &h.value}) {
                        std::string enc(hpack::huffman::encoded_size(*str), '\0');
                        hpack::huffman::encode(*str, reinterpret_cast<wire::byte*>(enc.data()));
                        c.huffman_strings.push_back(std::move(enc));
                        c.huffman_plain += str->size();
                    }
                }
                const std::size_t n = once.deflate(nvs.data(), nvs.size(), out);
                sd.blocks.emplace_back().append(wire::bytes_view(out.data(), n));
                c.block_octets += n;
                ++c.blocks;
            }
            for (int pass = 0; pass < 2; ++pass) {
                for (const auto& nvs : sd.nv_lists) {
                    const std::size_t n = twice.deflate(nvs.data(), nvs.size(), out);
                    sd.twice.emplace_back().append(wire::bytes_view(out.data(), n));
                }
            }
        }
        return c;
    }();
    return c;
}

// --- decode ---------------------------------------------------------------

std::size_t h2pb_decode_story(const story_data& sd, const std::vector<wire::buffer>& blocks,
                              std::size_t counted_from, std::uint64_t& allocs) {
    hpack::decoder d({.max_header_list_size = 1u << 24});
    std::size_t sink = 0;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        const std::uint64_t before = h2pb_bench::allocations();
        const auto err = d.decode(blocks[i].view(), [&](const hpack::field& f) {
            sink += f.name.size() + f.value.size();
        });
        if (err) {
            std::fprintf(stderr, "h2pb decode failed: %s in %s\n", err.message().c_str(),
                         sd.owned.path.c_str());
            std::abort();
        }
        if (i >= counted_from) allocs += h2pb_bench::allocations() - before;
    }
    return sink;
}

std::size_t nghttp2_decode_story(const story_data& sd, const std::vector<wire::buffer>& blocks,
                                 std::size_t counted_from, ng::counting_allocator& alloc) {
    ng::inflater inf(&alloc.mem);
    std::size_t sink = 0;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        const std::uint64_t before = alloc.allocations;
        const bool ok = inf.inflate(blocks[i].data(), blocks[i].size(), [&](const nghttp2_nv& nv) {
            sink += nv.namelen + nv.valuelen;
        });
        if (!ok) {
            std::fprintf(stderr, "nghttp2 inflate failed in %s\n", sd.owned.path.c_str());
            std::abort();
        }
        if (i < counted_from) alloc.allocations = before;  // count only the steady part
    }
    return sink;
}

void decode_stories_h2pb(benchmark::State& state) {
    const corpus& c = data();
    const std::uint64_t news_before = h2pb_bench::allocations();
    for (auto _ : state) {
        for (const auto& sd : c.stories) {
            std::uint64_t unused = 0;
            benchmark::DoNotOptimize(h2pb_decode_story(sd, sd.blocks, SIZE_MAX, unused));
        }
    }
    const double iterations = static_cast<double>(state.iterations());
    const double allocs = static_cast<double>(h2pb_bench::allocations() - news_before);
    std::uint64_t steady = 0;
    std::size_t steady_blocks = 0;
    for (const auto& sd : c.stories) {
        h2pb_decode_story(sd, sd.twice, sd.blocks.size(), steady);
        steady_blocks += sd.blocks.size();
    }
    state.SetBytesProcessed(
        static_cast<std::int64_t>(iterations * static_cast<double>(c.block_octets)));
    state.counters["blocks"] = static_cast<double>(c.blocks);
    state.counters["allocs_per_block"] = allocs / (iterations * static_cast<double>(c.blocks));
    state.counters["steady_allocs_per_block"] =
        static_cast<double>(steady) / static_cast<double>(steady_blocks);
}

void decode_stories_nghttp2(benchmark::State& state) {
    const corpus& c = data();
    ng::counting_allocator alloc;
    for (auto _ : state) {
        for (const auto& sd : c.stories) {
            benchmark::DoNotOptimize(nghttp2_decode_story(sd, sd.blocks, 0, alloc));
        }
    }
    const double iterations = static_cast<double>(state.iterations());
    const double allocs = static_cast<double>(alloc.allocations);
    ng::counting_allocator steady;
    std::size_t steady_blocks = 0;
    for (const auto& sd : c.stories) {
        nghttp2_decode_story(sd, sd.twice, sd.blocks.size(), steady);
        steady_blocks += sd.blocks.size();
    }
    state.SetBytesProcessed(
        static_cast<std::int64_t>(iterations * static_cast<double>(c.block_octets)));
    state.counters["blocks"] = static_cast<double>(c.blocks);
    state.counters["allocs_per_block"] = allocs / (iterations * static_cast<double>(c.blocks));
    state.counters["steady_allocs_per_block"] =
        static_cast<double>(steady.allocations) / static_cast<double>(steady_blocks);
}

// --- encode ---------------------------------------------------------------

/// Encodes the story `passes` times with one encoder; returns the octets of
/// the last pass and adds the allocations of the last pass to `allocs`.
std::size_t h2pb_encode_story(const story_data& sd, wire::buffer& out, int passes,
                              std::uint64_t& allocs) {
    hpack::encoder e;
    std::size_t octets = 0;
    for (int pass = 0; pass < passes; ++pass) {
        octets = 0;
        const std::uint64_t before = h2pb_bench::allocations();
        std::uint64_t grown = 0;
        for (const auto& fields : sd.lists) {
            out.clear();
            const std::size_t capacity = out.capacity();
            e.encode(fields, out);
            grown += out.capacity() != capacity;
            octets += out.size();
        }
        if (pass == passes - 1) allocs += h2pb_bench::allocations() - before + grown;
    }
    return octets;
}

std::size_t nghttp2_encode_story(const story_data& sd, std::vector<std::uint8_t>& out, int passes,
                                 ng::counting_allocator& alloc) {
    ng::deflater d(4096, &alloc.mem);
    std::size_t octets = 0;
    for (int pass = 0; pass < passes; ++pass) {
        octets = 0;
        const std::uint64_t before = alloc.allocations;
        for (const auto& nvs : sd.nv_lists) octets += d.deflate(nvs.data(), nvs.size(), out);
        if (pass != passes - 1) alloc.allocations = before;
    }
    return octets;
}

void encode_stories_h2pb(benchmark::State& state) {
    const corpus& c = data();
    wire::buffer out;
    std::size_t encoded = 0;
    std::uint64_t allocs = 0;
    for (auto _ : state) {
        encoded = 0;
        for (const auto& sd : c.stories) encoded += h2pb_encode_story(sd, out, 1, allocs);
        benchmark::DoNotOptimize(encoded);
    }
    const double iterations = static_cast<double>(state.iterations());
    std::uint64_t steady = 0;
    for (const auto& sd : c.stories) h2pb_encode_story(sd, out, 2, steady);
    state.SetBytesProcessed(
        static_cast<std::int64_t>(iterations * static_cast<double>(c.plain_octets)));
    state.counters["encoded_bytes"] = static_cast<double>(encoded);
    state.counters["blocks"] = static_cast<double>(c.blocks);
    state.counters["allocs_per_block"] =
        static_cast<double>(allocs) / (iterations * static_cast<double>(c.blocks));
    state.counters["steady_allocs_per_block"] =
        static_cast<double>(steady) / static_cast<double>(c.blocks);
}

void encode_stories_nghttp2(benchmark::State& state) {
    const corpus& c = data();
    std::vector<std::uint8_t> out;
    std::size_t encoded = 0;
    ng::counting_allocator alloc;
    for (auto _ : state) {
        encoded = 0;
        for (const auto& sd : c.stories) encoded += nghttp2_encode_story(sd, out, 1, alloc);
        benchmark::DoNotOptimize(encoded);
    }
    const double iterations = static_cast<double>(state.iterations());
    ng::counting_allocator steady;
    for (const auto& sd : c.stories) nghttp2_encode_story(sd, out, 2, steady);
    state.SetBytesProcessed(
        static_cast<std::int64_t>(iterations * static_cast<double>(c.plain_octets)));
    state.counters["encoded_bytes"] = static_cast<double>(encoded);
    state.counters["blocks"] = static_cast<double>(c.blocks);
    state.counters["allocs_per_block"] =
        static_cast<double>(alloc.allocations) / (iterations * static_cast<double>(c.blocks));
    state.counters["steady_allocs_per_block"] =
        static_cast<double>(steady.allocations) / static_cast<double>(c.blocks);
}

// --- Huffman ----------------------------------------------------------------

void huffman_decode_h2pb(benchmark::State& state) {
    const corpus& c = data();
    std::vector<wire::byte> out(1 << 20);
    for (auto _ : state) {
        std::size_t total = 0;
        for (const auto& s : c.huffman_strings) {
            hpack::errc why;
            std::size_t where;
            const auto* in = reinterpret_cast<const wire::byte*>(s.data());
            const wire::byte* end = hpack::huffman::decode(in, s.size(), out.data(), why, where);
            total += static_cast<std::size_t>(end - out.data());
        }
        benchmark::DoNotOptimize(total);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(c.huffman_plain));
}

BENCHMARK(decode_stories_h2pb)->Name("decode_stories/h2pb")->Unit(benchmark::kMillisecond);
BENCHMARK(decode_stories_nghttp2)->Name("decode_stories/nghttp2")->Unit(benchmark::kMillisecond);
BENCHMARK(encode_stories_h2pb)->Name("encode_stories/h2pb")->Unit(benchmark::kMillisecond);
BENCHMARK(encode_stories_nghttp2)->Name("encode_stories/nghttp2")->Unit(benchmark::kMillisecond);
BENCHMARK(huffman_decode_h2pb)->Name("huffman_decode/h2pb")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
