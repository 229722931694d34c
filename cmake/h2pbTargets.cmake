# h2pb's CMake targets, shared by the installed package (h2pbConfig.cmake,
# which `meson install` puts in LIBDIR/cmake/h2pb) and the source tree's
# CMakeLists.txt (add_subdirectory or FetchContent).
#
#   h2pb::h2pb  the sans-IO layers (wire, proto_codec, hpack, h2, rpc): an
#               include directory and C++20, no other dependency
#   h2pb::asio  + the Boost.Asio driver (h2/asio) and gRPC on it (rpc/asio):
#               Boost 1.74+ headers, OpenSSL 3 (SSL and Crypto), threads
#   h2pb::zlib  + gzip/deflate message compression (rpc/zlib.hpp): zlib
#   h2pb::separate  h2pb::asio in separately compiled mode (h2/asio/config.hpp):
#               a static library (libh2pb.a) and H2PB_SEPARATE_COMPILATION
#
# h2pb::asio and h2pb::zlib are defined only when their dependencies are
# found, so that a sans-IO consumer needs neither Boost, OpenSSL nor zlib;
# ask for them as components (find_package(h2pb CONFIG REQUIRED COMPONENTS
# asio)) to make their absence an error. The same split as meson's
# dependencies h2pb, h2pb-asio, h2pb-zlib and their pkg-config files.

# Oldest versions the headers are written for (as in meson.build).
set(H2PB_BOOST_MIN_VERSION 1.74)
set(H2PB_OPENSSL_MIN_VERSION 3.0)

# _h2pb_add_targets(INCLUDE_DIR dir [IMPORTED]): IMPORTED for the installed
# package (targets named h2pb::*), else plain INTERFACE libraries h2pb,
# h2pb_asio, h2pb_zlib with h2pb::* aliases.
function(_h2pb_add_targets)
  cmake_parse_arguments(arg "IMPORTED" "INCLUDE_DIR;SEPARATE_LIBRARY" "SEPARATE_SOURCE" ${ARGN})
  if(arg_IMPORTED)
    set(core h2pb::h2pb)
    set(asio h2pb::asio)
    set(zlib h2pb::zlib)
    set(kind INTERFACE IMPORTED)
  else()
    set(core h2pb)
    set(asio h2pb_asio)
    set(zlib h2pb_zlib)
    set(kind INTERFACE)
  endif()

  add_library(${core} ${kind})
  target_include_directories(${core} INTERFACE "${arg_INCLUDE_DIR}")
  target_compile_features(${core} INTERFACE cxx_std_20)

  # Boost.System is header-only since 1.69: the headers are all Asio needs.
  find_package(Boost ${H2PB_BOOST_MIN_VERSION} QUIET)
  find_package(OpenSSL ${H2PB_OPENSSL_MIN_VERSION} QUIET)
  find_package(Threads QUIET)
  if(Boost_FOUND AND OPENSSL_FOUND AND Threads_FOUND)
    add_library(${asio} ${kind})
    target_link_libraries(${asio} INTERFACE ${core} Boost::headers OpenSSL::SSL OpenSSL::Crypto
                                            Threads::Threads)
  endif()

  # h2pb::separate: the separately compiled mode (h2/asio/config.hpp) — the
  # heavy parts compiled once, from the source tree (SEPARATE_SOURCE: the list
  # src/h2_server.cpp, h2_client.cpp, rpc_server.cpp, rpc_client.cpp, one
  # object per part so that a program links only the parts it uses; built
  # only when a target links it) or installed as libh2pb.a (SEPARATE_LIBRARY,
  # the same four objects); H2PB_SEPARATE_COMPILATION for every unit that
  # links it.
  if(TARGET ${asio})
    if(arg_IMPORTED AND arg_SEPARATE_LIBRARY AND EXISTS "${arg_SEPARATE_LIBRARY}")
      add_library(h2pb::separate STATIC IMPORTED)
      set_target_properties(h2pb::separate PROPERTIES IMPORTED_LOCATION "${arg_SEPARATE_LIBRARY}")
      target_compile_definitions(h2pb::separate INTERFACE H2PB_SEPARATE_COMPILATION)
      target_link_libraries(h2pb::separate INTERFACE ${asio})
    elseif(NOT arg_IMPORTED AND arg_SEPARATE_SOURCE)
      add_library(h2pb_separate STATIC EXCLUDE_FROM_ALL ${arg_SEPARATE_SOURCE})
      target_compile_definitions(h2pb_separate PUBLIC H2PB_SEPARATE_COMPILATION)
      target_link_libraries(h2pb_separate PUBLIC ${asio})
      add_library(h2pb::separate ALIAS h2pb_separate)
    endif()
  endif()

  find_package(ZLIB QUIET)
  if(ZLIB_FOUND)
    add_library(${zlib} ${kind})
    target_link_libraries(${zlib} INTERFACE ${core} ZLIB::ZLIB)
  endif()

  if(NOT arg_IMPORTED)
    add_library(h2pb::h2pb ALIAS h2pb)
    if(TARGET h2pb_asio)
      add_library(h2pb::asio ALIAS h2pb_asio)
    endif()
    if(TARGET h2pb_zlib)
      add_library(h2pb::zlib ALIAS h2pb_zlib)
    endif()
  endif()
endfunction()
