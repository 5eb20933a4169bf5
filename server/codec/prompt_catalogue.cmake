# Embeds config/prompts.json in attune_codec as default_catalogue_json()
# (server/codec/prompt_catalogue.hpp), regenerated whenever the file changes.
# Included from server/codec/CMakeLists.txt after attune_codec is defined;
# run with -P (IN, OUT) it writes the generated source.
if(CMAKE_SCRIPT_MODE_FILE)
  file(READ "${IN}" ATTUNE_PROMPTS_TEXT)
  string(FIND "${ATTUNE_PROMPTS_TEXT}" ")attune_prompts\"" ATTUNE_DELIM_AT)
  if(NOT ATTUNE_DELIM_AT EQUAL -1)
    message(FATAL_ERROR "${IN} contains the raw-string delimiter )attune_prompts\"")
  endif()
  file(WRITE "${OUT}"
    "// Generated from config/prompts.json by server/codec/prompt_catalogue.cmake.\n"
    "#include \"codec/prompt_catalogue.hpp\"\n\n"
    "namespace attune::codec {\n"
    "std::string_view default_catalogue_json() {\n"
    "  static constexpr char kText[] = R\"attune_prompts(${ATTUNE_PROMPTS_TEXT})attune_prompts\";\n"
    "  return std::string_view(kText, sizeof kText - 1);\n"
    "}\n"
    "}  // namespace attune::codec\n")
  return()
endif()

set(ATTUNE_PROMPTS_JSON ${PROJECT_SOURCE_DIR}/config/prompts.json)
set(ATTUNE_PROMPTS_CPP ${CMAKE_CURRENT_BINARY_DIR}/generated/default_prompts.cpp)
add_custom_command(OUTPUT ${ATTUNE_PROMPTS_CPP}
  COMMAND ${CMAKE_COMMAND} -DIN=${ATTUNE_PROMPTS_JSON} -DOUT=${ATTUNE_PROMPTS_CPP}
          -P ${CMAKE_CURRENT_LIST_DIR}/prompt_catalogue.cmake
  DEPENDS ${ATTUNE_PROMPTS_JSON} ${CMAKE_CURRENT_LIST_DIR}/prompt_catalogue.cmake
  COMMENT "Embedding config/prompts.json")
target_sources(attune_codec PRIVATE ${ATTUNE_PROMPTS_CPP})
