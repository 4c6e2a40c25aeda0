# Runs the compiler on all_headers.cpp: -fsyntax-only must pass, and the include list (-H)
# must not contain Boost or nlohmann (public headers stay thin; see docs/runtime.md).
execute_process(COMMAND ${CXX} -std=c++20 -fsyntax-only -H -I${INCLUDE_DIR} ${SOURCE}
                RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "public headers do not compile:\n${err}")
endif()
string(REGEX MATCHALL "[^\n]*(boost|nlohmann|beast)[^\n]*" heavy "${err}")
if(heavy)
  message(FATAL_ERROR "public headers pull in heavy dependencies:\n${heavy}")
endif()
