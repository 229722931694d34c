// h2pb::proto — everything generated code (protoc-gen-h2pb) includes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <h2pb/proto_codec/box.hpp>
#include <h2pb/proto_codec/decode.hpp>
#include <h2pb/proto_codec/encode.hpp>
#include <h2pb/proto_codec/errc.hpp>
#include <h2pb/proto_codec/limits.hpp>
#include <h2pb/proto_codec/map.hpp>
#include <h2pb/proto_codec/message.hpp>
#include <h2pb/proto_codec/scalar.hpp>
#include <h2pb/proto_codec/unknown_fields.hpp>
#include <h2pb/proto_codec/utf8.hpp>
#include <h2pb/proto_codec/wire_format.hpp>
#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/bytes.hpp>
