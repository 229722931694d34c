// h2pb::proto — decode limits. Every one is a setting with a safe default.
#pragma once

#include <cstddef>

namespace h2pb::proto {

/// Nesting depth (sub-messages and groups) a decoder follows before it stops
/// with errc::depth_limit_exceeded. 100 is libprotobuf's default recursion
/// limit (io::CodedInputStream::kDefaultRecursionLimit); it bounds the stack a
/// hostile input can make a recursive decoder use.
inline constexpr std::size_t default_max_depth = 100;

/// Largest input a decoder accepts (errc::message_too_large). 64 MiB was
/// libprotobuf's long-standing total-bytes default; gRPC's own 4 MiB limit is
/// applied earlier, by the message reader (rpc/message_reader.hpp), before bytes are buffered.
inline constexpr std::size_t default_max_message_size = std::size_t{64} << 20;

struct decode_limits {
    std::size_t max_depth = default_max_depth;
    std::size_t max_message_size = default_max_message_size;
};

}  // namespace h2pb::proto
