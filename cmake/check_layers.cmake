# Which layer may include which: run by ctest (Layers.IncludesPointDown) as
#   cmake -DROOT=<source dir> -P cmake/check_layers.cmake
# Each source or header under a layer's folder may include (with "folder/file.hpp") only
# its own folder and the layers below it. The layers, bottom up:
#   common -> async -> {store, sip, gateway/http, twilio} -> modules/admin -> the other
#   modules, cluster -> gateway
# tools/twilio_emulator (a test tool) sits on gateway/http; ctl (the CLI) talks HTTP only.
# Services (modules/**/*_service.hpp|cpp) may not include gateway/http at all.
# A failure names the file, the line and the rule.
cmake_minimum_required(VERSION 3.25)

set(base "common")
set(allowed_common "common")
set(allowed_async "${base};async")
set(allowed_store "${base};store")
set(allowed_sip "${base};sip")
set(allowed_gateway/http "${base};gateway/http")
set(allowed_twilio "${base};async;twilio")
set(services "${base};async;store;sip;gateway/http;twilio")
set(allowed_modules/admin "${services};modules/admin")
set(allowed_modules/import "${services};modules/admin;modules/import")
set(allowed_modules/agents "${services};modules/admin;modules/agents")
set(allowed_cluster "${services};modules/admin;cluster")
set(allowed_gateway "${services};modules/admin;modules/import;modules/agents;cluster;gateway")
set(allowed_tools/twilio_emulator "${base};gateway/http;tools/twilio_emulator")
set(allowed_ctl "common;ctl")
# Most specific first: gateway/http before gateway.
set(layers common async store sip gateway/http twilio modules/admin modules/import modules/agents cluster gateway
           tools/twilio_emulator ctl)
set(known_roots common async store sip gateway twilio modules cluster tools ctl)

set(violations "")
foreach(layer IN LISTS layers)
  file(GLOB_RECURSE files LIST_DIRECTORIES false RELATIVE "${ROOT}"
       "${ROOT}/${layer}/*.hpp" "${ROOT}/${layer}/*.cpp" "${ROOT}/${layer}/*.h")
  foreach(file IN LISTS files)
    # A file belongs to the most specific layer: gateway/http/x.cpp is not checked as gateway.
    set(owner "")
    foreach(candidate IN LISTS layers)
      string(LENGTH "${candidate}/" n)
      string(SUBSTRING "${file}" 0 ${n} prefix)
      if(prefix STREQUAL "${candidate}/" AND owner STREQUAL "")
        set(owner "${candidate}")
      endif()
    endforeach()
    if(NOT owner STREQUAL layer)
      continue()
    endif()
    file(STRINGS "${ROOT}/${file}" lines REGEX "^[ \t]*#[ \t]*include[ \t]+\"")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]+\"([^\"]+)\".*" "\\1" target "${line}")
      string(REGEX MATCH "^[^/]+" root "${target}")
      if(NOT root IN_LIST known_roots)
        continue()  # a generated header or a same-folder include: not a layer
      endif()
      set(ok FALSE)
      foreach(dir IN LISTS allowed_${layer})
        string(LENGTH "${dir}/" n)
        string(SUBSTRING "${target}" 0 ${n} prefix)
        if(prefix STREQUAL "${dir}/")
          set(ok TRUE)
        endif()
      endforeach()
      if(NOT ok)
        string(APPEND violations
               "${file}: includes \"${target}\"; ${layer} may include only: ${allowed_${layer}}\n")
      endif()
      # Domain services take and return no HTTP types: their handlers (*_api.cpp) do that.
      if(file MATCHES "^modules/.*_service\\.(hpp|cpp)$" AND target MATCHES "^gateway/http/")
        string(APPEND violations
               "${file}: includes \"${target}\"; a service (*_service.*) uses no HTTP type\n")
      endif()
    endforeach()
  endforeach()
endforeach()

if(violations)
  message(FATAL_ERROR "Includes that point up or sideways between layers:\n${violations}"
                      "Move the shared code down a layer, or depend the other way.")
endif()
message(STATUS "layers: every include points down")
