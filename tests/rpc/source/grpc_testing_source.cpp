// The sources protoc-gen-h2pb writes with the parameter `source` for grpc's
// test.proto and its imports (tests/rpc/source/meson.build generates them
// into grpc_testing/, whose files a custom_target cannot list): one unit
// that compiles them all.
// Including .cpp files is the point of this unit:
// NOLINTBEGIN(bugprone-suspicious-include)
#include "grpc/testing/empty.h2pb.cpp"
#include "grpc/testing/empty.h2pb.grpc.cpp"
#include "grpc/testing/messages.h2pb.cpp"
#include "grpc/testing/messages.h2pb.grpc.cpp"
#include "grpc/testing/test.h2pb.cpp"
#include "grpc/testing/test.h2pb.grpc.cpp"
// NOLINTEND(bugprone-suspicious-include)
