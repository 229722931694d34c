// h2pb::wire — everything in the bytes layer.
#pragma once

#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/bytes.hpp>
#include <h2pb/wire/cursor.hpp>
#include <h2pb/wire/endian.hpp>
#include <h2pb/wire/error.hpp>
#include <h2pb/wire/hex.hpp>
#include <h2pb/wire/result.hpp>
#include <h2pb/wire/varint.hpp>
