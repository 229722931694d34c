// The hpack-test-case stories (https://github.com/http2jp/hpack-test-case),
// loaded for tests and benchmarks.
//
// A story is a sequence of header lists ("cases") sent on one connection: one
// encoder or decoder per story. raw-data/ holds only the lists; the other
// folders (one per implementation) add each list's encoded block ("wire") and,
// optionally, the SETTINGS_HEADER_TABLE_SIZE in force ("header_table_size").
//
// The stories are in the repository, as tests/data/hpack-test-case/
// hpack-test-case.tar.xz; the build extracts them (the custom target
// hpack-test-case in tests/data/meson.build) into the folder that meson passes
// as H2PB_HPACK_STORIES_DIR. An exported H2PB_HPACK_STORIES_DIR (a folder that
// holds raw-data/ and the encoder folders) wins over it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/hex.hpp>

#include "json_reader.hpp"

namespace h2pb::test::stories {

struct header {
    std::string name;
    std::string value;
};

struct story_case {
    std::optional<std::uint32_t> header_table_size;
    wire::buffer wire;  ///< the encoded block (empty in raw-data)
    std::vector<header> headers;
};

struct story {
    std::string path;
    std::vector<story_case> cases;
};

inline std::filesystem::path vectors_dir() {
    if (const char* env = std::getenv("H2PB_HPACK_STORIES_DIR"); env != nullptr && *env != '\0') {
        return env;
    }
#ifdef H2PB_HPACK_STORIES_DIR
    return H2PB_HPACK_STORIES_DIR;
#else
    return "tests/data/hpack-test-case";
#endif
}

/// The RFC 7541 appendices copied into the repository (tests/data/rfc7541/).
inline std::filesystem::path rfc7541_dir() {
#ifdef H2PB_RFC7541_DATA_DIR
    return H2PB_RFC7541_DATA_DIR;
#else
    return "tests/data/rfc7541";
#endif
}

/// Exits 1 (failed, not skipped: the data is part of the repository) with a
/// message when the extracted stories are not there.
inline void require_vectors() {
    if (!std::filesystem::is_directory(vectors_dir() / "raw-data")) {
        std::fprintf(stderr,
                     "hpack-test-case stories not found at %s: build the target hpack-test-case "
                     "(it extracts tests/data/hpack-test-case/hpack-test-case.tar.xz), or set "
                     "H2PB_HPACK_STORIES_DIR to a folder that holds raw-data/\n",
                     vectors_dir().c_str());
        std::exit(1);
    }
}

/// The story folders: raw-data plus one per encoder implementation.
inline std::vector<std::string> folders() {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(vectors_dir())) {
        if (entry.is_directory()) out.push_back(entry.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

inline std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + p.string());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline story load(const std::filesystem::path& p) {
    std::string error;
    const auto doc = json::parse(read_text(p), &error);
    if (!doc || !doc->is_object()) throw std::runtime_error(p.string() + ": " + error);
    const json::value* cases = doc->find("cases");
    if (cases == nullptr || !cases->is_array()) throw std::runtime_error(p.string() + ": no cases");
    story s;
    s.path = p.string();
    for (const auto& c : cases->items) {
        story_case sc;
        if (const auto* t = c.find("header_table_size"); t != nullptr && t->is_number()) {
            sc.header_table_size = static_cast<std::uint32_t>(t->number);
        }
        if (const auto* w = c.find("wire"); w != nullptr && w->is_string()) {
            if (wire::parse_hex(w->string, sc.wire))
                throw std::runtime_error(p.string() + ": bad wire hex");
        }
        const auto* hs = c.find("headers");
        if (hs == nullptr || !hs->is_array()) throw std::runtime_error(p.string() + ": no headers");
        for (const auto& h : hs->items) {
            for (const auto& [name, value] : h.members) sc.headers.push_back({name, value.string});
        }
        s.cases.push_back(std::move(sc));
    }
    return s;
}

/// Every story of a folder, in file name order.
inline std::vector<story> load_folder(const std::string& folder) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(vectors_dir() / folder)) {
        if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<story> out;
    out.reserve(files.size());
    for (const auto& f : files) out.push_back(load(f));
    return out;
}

}  // namespace h2pb::test::stories
