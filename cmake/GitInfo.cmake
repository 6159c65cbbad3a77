# SPDX-License-Identifier: Apache-2.0
# Writes the git SHA and dirty flag into a header; only touches it when the values change.
execute_process(COMMAND git -C ${SRC} rev-parse HEAD OUTPUT_VARIABLE sha
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR sha STREQUAL "")
  set(sha "unknown")
endif()
execute_process(COMMAND git -C ${SRC} status --porcelain --untracked-files=no
                OUTPUT_VARIABLE changes ERROR_QUIET)
set(dirty false)
if(NOT changes STREQUAL "")
  set(dirty true)
endif()
set(content "#pragma once\n#define GPB_GIT_SHA \"${sha}\"\n#define GPB_GIT_DIRTY ${dirty}\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
else()
  set(old "")
endif()
if(NOT old STREQUAL content)
  file(WRITE ${OUT} "${content}")
endif()
