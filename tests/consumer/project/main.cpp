// Encodes 150 as a varint with h2pb and checks the bytes (protobuf guide: 96 01).
#include <cstdio>

#include <h2pb/wire/buffer.hpp>
#include <h2pb/wire/hex.hpp>

int main() {
    h2pb::wire::buffer b;
    b.put_varint(150);
    const std::string hex = h2pb::wire::to_hex(b);
    std::printf("%s\n", hex.c_str());
    return hex == "96 01" ? 0 : 1;
}
