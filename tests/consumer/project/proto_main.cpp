// Uses a header generated from hello.proto by protoc-gen-h2pb at build time.
// text "hi" (field 1, LEN): 0a 02 68 69; count 3 (field 2, VARINT): 10 03.
#include <cstdio>
#include <string>

#include <h2pb/wire/hex.hpp>
#include "hello.h2pb.hpp"

int main() {
    consumer::Greeting g;
    g.text = std::string("hi");
    g.count = 3;
    h2pb::wire::buffer out;
    g.encode(out);
    const std::string hex = h2pb::wire::to_hex(out);
    std::printf("%s\n", hex.c_str());
    consumer::Greeting back;
    if (back.decode(out) || !(back == g)) return 1;
    return hex == "0a 02 68 69 10 03" ? 0 : 1;
}
