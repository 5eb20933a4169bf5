#include "codec/prompt_catalogue.hpp"

#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "attune/v1/catalogue.pb.h"
#include "codec/frame_codec.hpp"

namespace attune::codec {
namespace {
constexpr std::size_t kMaxCatalogueBytes = 1 << 20;
constexpr const char* kTriggers = "CO_ESCALATION, ONE_ACTIVATED, CONNECTED, WITHDRAWN or CLINICIAN_ACTIVATED";
constexpr const char* kAudiences = "BOTH, ACTIVATED, SETTLED or CLINICIAN";
}  // namespace

bool parse_prompt_catalogue(std::string_view json, core::PromptCatalogue& out, std::string& error) {
  if (json.size() > kMaxCatalogueBytes) {
    error = "The prompt catalogue is larger than 1 MiB.";
    return false;
  }
  v1::PromptCatalogue spec;
  std::string why;
  if (!from_json(json, spec, &why)) {
    error = "The prompt catalogue is not valid JSON for attune.v1.PromptCatalogue: " + why;
    return false;
  }
  // Strict second pass: from_json ignores unknown fields, a catalogue must not.
  google::protobuf::util::JsonParseOptions strict;
  strict.ignore_unknown_fields = false;
  v1::PromptCatalogue check;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &check, strict);
  if (!status.ok()) {
    error = "The prompt catalogue has a field attune.v1.PromptCatalogue does not know: " +
            std::string(status.message());
    return false;
  }

  core::PromptCatalogue cat;
  if (spec.has_per_person_interval_ms()) cat.per_person_interval_ms = spec.per_person_interval_ms();
  for (int i = 0; i < spec.rules_size(); ++i) {
    const v1::PromptRuleSpec& r = spec.rules(i);
    const std::string where = "Prompt rule " + std::to_string(i + 1) +
                              (r.id().empty() ? std::string() : " (\"" + r.id() + "\")") + ": ";
    const auto trigger = core::trigger_from_name(r.trigger());
    if (!trigger) {
      error = where + "the trigger \"" + r.trigger() + "\" is not one of " + kTriggers + ".";
      return false;
    }
    const auto audience = core::audience_from_name(r.audience());
    if (!audience) {
      error = where + "the audience \"" + r.audience() + "\" is not one of " + kAudiences + ".";
      return false;
    }
    core::PromptRule rule;
    rule.id = r.id();
    rule.text = r.text();
    rule.trigger = *trigger;
    rule.audience = *audience;
    rule.priority = r.priority();
    rule.min_state_ms = r.min_state_ms();
    rule.cooldown_ms = r.cooldown_ms();
    rule.start_pacer = r.start_pacer();
    cat.rules.push_back(std::move(rule));
  }
  if (auto problem = cat.catalogue_problem()) {
    error = *problem;
    return false;
  }
  out = std::move(cat);
  return true;
}

bool load_prompt_catalogue_file(const std::string& path, core::PromptCatalogue& out,
                                std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "The prompt catalogue " + path + " cannot be opened.";
    return false;
  }
  std::string text;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxCatalogueBytes) {
      error = "The prompt catalogue " + path + " is larger than 1 MiB.";
      return false;
    }
  }
  if (in.bad()) {
    error = "The prompt catalogue " + path + " cannot be read.";
    return false;
  }
  std::string why;
  if (!parse_prompt_catalogue(text, out, why)) {
    error = path + ": " + why;
    return false;
  }
  return true;
}

core::PromptCatalogue load_default_catalogue() {
  core::PromptCatalogue cat;
  std::string error;
  if (!parse_prompt_catalogue(default_catalogue_json(), cat, error)) {
    throw std::logic_error("The embedded default prompt catalogue does not load: " + error);
  }
  return cat;
}

}  // namespace attune::codec
