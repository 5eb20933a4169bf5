// The prompt catalogue file and its loader (server/codec/prompt_catalogue.hpp).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "codec/prompt_catalogue.hpp"

using namespace attune;

namespace {
const std::string kDefaultPath = std::string(ATTUNE_SOURCE_DIR) + "/config/prompts.json";

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string error_of(const std::string& json) {
  core::PromptCatalogue cat;
  std::string error;
  CHECK_FALSE(codec::parse_prompt_catalogue(json, cat, error));
  CHECK(cat.rules.empty());  // unchanged
  return error;
}
}  // namespace

TEST_CASE("the default catalogue file loads", "[catalogue]") {
  core::PromptCatalogue cat;
  std::string error;
  REQUIRE(codec::load_prompt_catalogue_file(kDefaultPath, cat, error));
  CHECK(error.empty());
  CHECK(cat.per_person_interval_ms == 60000);
  for (const char* id : {"pause_co_escalation", "anchor_settled_partner", "breathe_together_activated",
                         "shared_calm_connected", "reengage_withdrawn", "clinician_own_exhale"}) {
    INFO(id);
    CHECK(cat.find(id));
  }
  const auto* pause = cat.find("pause_co_escalation");
  REQUIRE(pause);
  CHECK(pause->trigger == core::Trigger::CoEscalation);
  CHECK(pause->audience == core::Audience::Both);
  CHECK(cat.find("clinician_own_exhale")->audience == core::Audience::Clinician);
  CHECK(cat.find("anchor_settled_partner")->audience == core::Audience::Settled);
  CHECK(cat.find("breathe_together_activated")->audience == core::Audience::Activated);
}

TEST_CASE("the embedded default equals config/prompts.json", "[catalogue]") {
  CHECK(std::string(codec::default_catalogue_json()) == read(kDefaultPath));
  const auto cat = codec::load_default_catalogue();
  CHECK(cat.rules.size() == 6);
}

TEST_CASE("a broken catalogue gives a clear error", "[catalogue]") {
  CHECK(error_of("{ \"rules\": [ ").find("not valid JSON") != std::string::npos);
  CHECK(error_of("[1, 2]").find("not valid JSON") != std::string::npos);
  const std::string bad_trigger = error_of(
      R"({"rules":[{"id":"x","text":"Hi.","trigger":"CO_ESCALATING","audience":"BOTH"}]})");
  CHECK(bad_trigger.find("Prompt rule 1 (\"x\")") != std::string::npos);
  CHECK(bad_trigger.find("CO_ESCALATING") != std::string::npos);
  CHECK(error_of(R"({"rules":[{"id":"x","text":"Hi.","trigger":"CONNECTED","audience":"EVERYONE"}]})")
            .find("audience") != std::string::npos);
  CHECK(error_of(R"({"rules":[{"id":"x","text":"Hi.","trigger":"CONNECTED","audience":"BOTH","min_state":5}]})")
            .find("min_state") != std::string::npos);
  CHECK(error_of(R"({"rules":[{"id":"x","text":"","trigger":"CONNECTED","audience":"BOTH"}]})")
            .find("text is empty") != std::string::npos);
  CHECK(error_of(R"({"rules":[{"id":"x","text":"Hi.","trigger":"CLINICIAN_ACTIVATED","audience":"BOTH"}]})")
            .find("CLINICIAN alone") != std::string::npos);
  CHECK(error_of(R"({"per_person_interval_ms":"-1","rules":[]})").find("per_person_interval_ms") !=
        std::string::npos);

  core::PromptCatalogue cat;
  std::string error;
  CHECK_FALSE(codec::load_prompt_catalogue_file("/nonexistent/prompts.json", cat, error));
  CHECK(error.find("/nonexistent/prompts.json") != std::string::npos);
}

TEST_CASE("catalogue defaults and lowerCamelCase names", "[catalogue]") {
  core::PromptCatalogue cat;
  std::string error;
  REQUIRE(codec::parse_prompt_catalogue(
      R"({"rules":[{"id":"calm","text":"Hi.","trigger":"CONNECTED","audience":"BOTH","minStateMs":"5000","cooldownMs":1000,"priority":3}]})",
      cat, error));
  CHECK(cat.per_person_interval_ms == 60000);  // absent: the default
  REQUIRE(cat.rules.size() == 1);
  CHECK(cat.rules[0].min_state_ms == 5000);
  CHECK(cat.rules[0].cooldown_ms == 1000);
  CHECK(cat.rules[0].priority == 3);
  CHECK_FALSE(cat.rules[0].start_pacer);
}
