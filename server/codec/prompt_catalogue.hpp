// The prompt catalogue file (config/prompts.json; proto/attune/v1/
// catalogue.proto; docs/prompts.md) <-> core::PromptCatalogue.
#pragma once

#include <string>
#include <string_view>

#include "core/prompt_policy.hpp"

namespace attune::codec {

// The text of config/prompts.json as it was at build time (embedded by
// server/codec/prompt_catalogue.cmake), so the server works without the file.
std::string_view default_catalogue_json();

// Parses a catalogue in protobuf's JSON mapping of attune.v1.PromptCatalogue
// and validates it (core::PromptCatalogue::catalogue_problem). Unknown field
// names are errors (a misspelt "min_state_ms" must not pass silently). On
// failure returns false and sets `error` to a sentence; `out` is unchanged.
bool parse_prompt_catalogue(std::string_view json, core::PromptCatalogue& out, std::string& error);

// Reads and parses a catalogue file (at most 1 MiB). Errors name the path.
bool load_prompt_catalogue_file(const std::string& path, core::PromptCatalogue& out,
                                std::string& error);

// The embedded default catalogue. Throws std::logic_error if it does not
// parse (a test keeps that from happening).
core::PromptCatalogue load_default_catalogue();

}  // namespace attune::codec
