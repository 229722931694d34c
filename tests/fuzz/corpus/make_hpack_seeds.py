#!/usr/bin/python3
"""Writes the seed corpora of the hpack fuzz targets (tests/fuzz/hpack/):
tests/fuzz/corpus/hpack_decoder/ and tests/fuzz/corpus/hpack_roundtrip/.
The blocks are RFC 7541 Appendix C examples plus a few edge cases; the input
formats are described at the top of each target."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

C3 = ["828684410f7777772e6578616d706c652e636f6d", "828684be58086e6f2d6361636865",
      "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565"]
C4 = ["828684418cf1e3c2e5f23a6ba0ab90f4ff", "828684be5886a8eb10649cbf",
      "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf"]
C6 = ["488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
      "4883640effc1c0bf",
      "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007"]


def block(hex_text):
    b = bytes.fromhex(hex_text)
    if len(b) <= 64:
        return bytes([((len(b) - 1) << 2) | 0]) + b
    return bytes([3, len(b) >> 8, len(b) & 0xff]) + b


def write(folder, name, data):
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    with open(os.path.join(HERE, folder, name), "wb") as f:
        f.write(data)


def main():
    # decoder: settings octet (table size index 5 = 4096, big limits), then blocks
    write("hpack_decoder", "c3_requests", bytes([0x1d]) + b"".join(block(h) for h in C3))
    write("hpack_decoder", "c4_requests_huffman", bytes([0x1d]) + b"".join(block(h) for h in C4))
    # table size 256 (index 3), small list limit
    write("hpack_decoder", "c6_responses_256", bytes([0x13]) + b"".join(block(h) for h in C6))
    # lower the setting to 0 then to 4096 (commands 1), blocks with updates
    write("hpack_decoder", "size_updates",
          bytes([0x1d, 1, 0, 0, 1, 0x10, 0x00]) + block("203fe11f82") + block("3fe10782") + block("82 20".replace(" ", "")))
    # a bomb: one large entry referenced many times, small list limit
    bomb = "400178" + "7f21" + "61" * 160 + "be" * 40
    write("hpack_decoder", "bomb", bytes([0x05]) + block(bomb))
    # errors: EOS, padding, index 0, integer overflow
    write("hpack_decoder", "errors", bytes([0x1d]) + block("4184ffffffff") + block("418118") + block("80") +
          block("ff81ffffff0f"))
    # roundtrip: options octet, then blocks of fields
    def field(flags, name, value):
        return bytes([flags]) + (b"" if flags & 2 else bytes([len(name)]) + name) + bytes([len(value)]) + value
    fields = [field(2 | (0 << 4), b"", b"GET"), field(2 | (1 << 4), b"", b"/index.html"),
              field(0, b"x-custom", b"value"), field(1, b"password", b"secret"),
              field(2 | (3 << 4), b"", b"id=1"), field(4 | (7 << 3), b"custom-key", b"custom-value")]
    write("hpack_roundtrip", "requests", bytes([0x03, len(fields)]) + b"".join(fields) + bytes([len(fields)]) + b"".join(fields))
    write("hpack_roundtrip", "small_table_huffman_always", bytes([0x05, 2]) + field(0, b"a" * 40, b"\xff" * 30) + field(0, b"b", b"<<<"))


if __name__ == "__main__":
    main()
