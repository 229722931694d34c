// h2pb — the words every tool uses for an HPACK representation (RFC 7541 §6),
// so that `h2pb hpack`, `h2pb frames` and the --trace output of `h2pb get`
// and `h2pb serve` name the same bytes the same way:
//
//   indexed field 62 (dynamic)                        §6.1
//   literal with incremental indexing, name 1 (static) §6.2.1
//   literal without indexing                          §6.2.2
//   literal never indexed                             §6.2.3
//   dynamic table size update: max size 4096          §6.3
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <h2pb/hpack/representation.hpp>
#include <h2pb/hpack/static_table.hpp>

namespace h2pb::cli {

/// Which table an index points into: 1-61 the static table (RFC 7541
/// Appendix A), 62 and above the dynamic table (§2.3.3).
inline std::string_view table_of(std::uint32_t index) {
    return index <= hpack::static_table_size ? "static" : "dynamic";
}

/// The representation's kind and index in RFC 7541 §6's words; a literal
/// with a new name (index 0) says nothing of the name here.
inline std::string representation_words(const hpack::representation& rep) {
    using hpack::representation_kind;
    if (rep.kind == representation_kind::table_size_update)
        return std::string(hpack::name(rep.kind)) + ": max size " + std::to_string(rep.index);
    std::string s(hpack::name(rep.kind));
    if (rep.kind == representation_kind::indexed) {
        s += " " + std::to_string(rep.index) + " (" + std::string(table_of(rep.index)) + ")";
    } else if (rep.index != 0) {
        s += ", name " + std::to_string(rep.index) + " (" + std::string(table_of(rep.index)) + ")";
    }
    return s;
}

}  // namespace h2pb::cli
