// h2pb::hpack — everything in the HPACK layer (RFC 7541).
#pragma once

#include <h2pb/hpack/decoder.hpp>
#include <h2pb/hpack/dynamic_table.hpp>
#include <h2pb/hpack/encoder.hpp>
#include <h2pb/hpack/errc.hpp>
#include <h2pb/hpack/field.hpp>
#include <h2pb/hpack/huffman.hpp>
#include <h2pb/hpack/integer.hpp>
#include <h2pb/hpack/limits.hpp>
#include <h2pb/hpack/representation.hpp>
#include <h2pb/hpack/scratch.hpp>
#include <h2pb/hpack/static_table.hpp>
