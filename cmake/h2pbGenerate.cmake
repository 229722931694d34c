# h2pb_generate(): .proto files to C++ headers at build time, with protoc and
# protoc-gen-h2pb. Included by h2pbConfig.cmake (find_package(h2pb)) and by
# h2pb's own CMakeLists.txt (add_subdirectory, FetchContent).
#
#   h2pb_generate(TARGET app
#                 PROTOS hello.proto [sub/other.proto ...]
#                 [IMPORT_DIRS dir ...]      # protoc -I; default: the current source dir
#                 [OPTIONS views services source ...]  # plugin parameters, joined with ','
#                 [OUT_DIR dir])             # default: CMAKE_CURRENT_BINARY_DIR/h2pb_generated/app
#
# For each PROTO, NAME.h2pb.hpp (the messages; none with `services=only`) and,
# with `services` in OPTIONS, NAME.h2pb.grpc.hpp (the services, for h2pb::asio),
# where NAME is the .proto's path below the import dir that holds it: the
# headers include each other by that path, as the .proto files import each
# other. With `source` in OPTIONS, also NAME.h2pb.cpp (the member bodies, as
# protoc's NAME.pb.cc; the header then declares them) and, with `services`,
# NAME.h2pb.grpc.cpp (the services' default method bodies and
# register_methods()), compiled as more sources of TARGET. The outputs are added to TARGET's sources and OUT_DIR to its include
# path, so `#include "hello.h2pb.hpp"` works. The default OUT_DIR is the
# target's own, so that two targets may generate from the same .proto (with
# different OPTIONS) without two rules writing one file. Plugin parameters (see
# protoc-gen-h2pb's main.cpp): namespace=NAME, views, services,
# services=only, descriptors, source, include_prefix=DIR, single_header=FILE.
#
# protoc: H2PB_PROTOC (cache variable), else protobuf::protoc, else found on
# PATH. The plugin: the target h2pb::protoc-gen-h2pb (installed beside the
# headers by `meson install`, or built by h2pb's CMakeLists.txt), else
# H2PB_PROTOC_GEN_H2PB, else protoc-gen-h2pb found on PATH.

function(h2pb_generate)
  cmake_parse_arguments(arg "" "TARGET;OUT_DIR" "PROTOS;IMPORT_DIRS;OPTIONS" ${ARGN})
  if(NOT arg_TARGET OR NOT arg_PROTOS)
    message(FATAL_ERROR "h2pb_generate: TARGET and PROTOS are required")
  endif()
  if(NOT arg_IMPORT_DIRS)
    set(arg_IMPORT_DIRS "${CMAKE_CURRENT_SOURCE_DIR}")
  endif()
  if(NOT arg_OUT_DIR)
    set(arg_OUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/h2pb_generated/${arg_TARGET}")
  endif()

  # protoc
  if(NOT H2PB_PROTOC)
    if(TARGET protobuf::protoc)
      set(protoc protobuf::protoc)
    else()
      find_program(H2PB_PROTOC protoc)
      if(NOT H2PB_PROTOC)
        message(FATAL_ERROR "h2pb_generate: protoc not found (set H2PB_PROTOC)")
      endif()
    endif()
  endif()
  if(H2PB_PROTOC)
    set(protoc "${H2PB_PROTOC}")
  endif()

  # protoc-gen-h2pb: a target (built here or imported), or a program
  set(plugin_dep "")
  if(TARGET h2pb::protoc-gen-h2pb)
    get_target_property(real h2pb::protoc-gen-h2pb ALIASED_TARGET)
    if(real)
      set(plugin_dep ${real})  # built in this project: regenerate when it changes
    endif()
    set(plugin "$<TARGET_FILE:h2pb::protoc-gen-h2pb>")
  else()
    find_program(H2PB_PROTOC_GEN_H2PB protoc-gen-h2pb)
    if(NOT H2PB_PROTOC_GEN_H2PB)
      message(FATAL_ERROR "h2pb_generate: protoc-gen-h2pb not found (set H2PB_PROTOC_GEN_H2PB)")
    endif()
    set(plugin "${H2PB_PROTOC_GEN_H2PB}")
    set(plugin_dep "${H2PB_PROTOC_GEN_H2PB}")
  endif()

  set(messages TRUE)
  set(services FALSE)
  set(source FALSE)
  foreach(o IN LISTS arg_OPTIONS)
    if(o MATCHES "^source(=true)?$")
      set(source TRUE)
    endif()
    if(o MATCHES "^services(=true)?$")
      set(services TRUE)
    elseif(o STREQUAL "services=only")
      set(services TRUE)
      set(messages FALSE)
    endif()
  endforeach()
  string(JOIN "," params ${arg_OPTIONS})
  set(out_arg "--h2pb_out=${arg_OUT_DIR}")
  if(NOT params STREQUAL "")
    set(out_arg "--h2pb_out=${params}:${arg_OUT_DIR}")
  endif()

  set(include_args "")
  set(abs_import_dirs "")
  foreach(d IN LISTS arg_IMPORT_DIRS)
    get_filename_component(d "${d}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND abs_import_dirs "${d}")
    list(APPEND include_args "-I${d}")
  endforeach()

  set(all_outputs "")
  foreach(proto IN LISTS arg_PROTOS)
    get_filename_component(proto "${proto}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    set(rel "")
    foreach(d IN LISTS abs_import_dirs)
      file(RELATIVE_PATH r "${d}" "${proto}")
      if(NOT r MATCHES "^\\.\\./" AND NOT IS_ABSOLUTE "${r}")
        set(rel "${r}")
        break()
      endif()
    endforeach()
    if(rel STREQUAL "")
      message(FATAL_ERROR "h2pb_generate: ${proto} is in none of IMPORT_DIRS (${abs_import_dirs})")
    endif()
    string(REGEX REPLACE "\\.proto$" "" stem "${rel}")
    set(outputs "")
    if(messages)
      list(APPEND outputs "${arg_OUT_DIR}/${stem}.h2pb.hpp")
      if(source)
        list(APPEND outputs "${arg_OUT_DIR}/${stem}.h2pb.cpp")
      endif()
    endif()
    if(services)
      list(APPEND outputs "${arg_OUT_DIR}/${stem}.h2pb.grpc.hpp")
      if(source)
        list(APPEND outputs "${arg_OUT_DIR}/${stem}.h2pb.grpc.cpp")
      endif()
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${arg_OUT_DIR}"
      COMMAND ${protoc} "--plugin=protoc-gen-h2pb=${plugin}" "${out_arg}" ${include_args} "${proto}"
      DEPENDS "${proto}" ${plugin_dep}
      COMMENT "protoc-gen-h2pb: ${rel}"
      VERBATIM)
    list(APPEND all_outputs ${outputs})
  endforeach()

  target_sources(${arg_TARGET} PRIVATE ${all_outputs})
  target_include_directories(${arg_TARGET} PRIVATE "${arg_OUT_DIR}")
endfunction()
