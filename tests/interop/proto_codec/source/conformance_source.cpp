// The sources protoc-gen-h2pb writes with the parameter `source` for protobuf's
// conformance messages and the well-known types (meson.build here generates
// them into conf/, whose files a custom_target cannot list): one unit that
// compiles them all.
// Including .cpp files is the point of this unit:
// NOLINTBEGIN(bugprone-suspicious-include)
#include "google/protobuf/any.h2pb.cpp"
#include "google/protobuf/api.h2pb.cpp"
#include "google/protobuf/descriptor.h2pb.cpp"
#include "google/protobuf/duration.h2pb.cpp"
#include "google/protobuf/empty.h2pb.cpp"
#include "google/protobuf/field_mask.h2pb.cpp"
#include "google/protobuf/source_context.h2pb.cpp"
#include "google/protobuf/struct.h2pb.cpp"
#include "google/protobuf/timestamp.h2pb.cpp"
#include "google/protobuf/type.h2pb.cpp"
#include "google/protobuf/wrappers.h2pb.cpp"
#include "test_messages_proto2.h2pb.cpp"
#include "test_messages_proto3.h2pb.cpp"
// NOLINTEND(bugprone-suspicious-include)
