// Per-server settings every room shares (from configuration).
#pragma once

#include <cstdint>
#include <string>

#include "codec/sample_validation.hpp"
#include "core/engine_config.hpp"
#include "core/prompt_policy.hpp"

namespace attune::rooms {

struct RoomSettings {
  std::int64_t grace_ms = 120'000;        // a session outlives its last partner or clinician by this
  std::uint32_t max_frame_bytes = 64 * 1024;
  std::uint32_t batch_interval_ms = 500;  // what clients are told to use
  std::uint32_t max_batches_per_second = 50;
  std::uint32_t max_observers = 8;
  std::int64_t checkpoint_ms = 30'000;    // a live session's summary goes to the store this often; 0: never
  core::EngineConfig engine;
  codec::ValidationLimits validation;
  core::PromptCatalogue catalogue;  // the prompts the policy may send (config/prompts.json)
  std::string recordings_dir;       // where consenting rooms' streams are written; empty: nowhere
};

// What the room was created with (from the store, via the invite).
struct RoomIdentity {
  std::string room_id;
  bool share_metrics_with_partners = false;
  bool recording = false;
};

enum class SeatKind : std::uint8_t { PartnerA = 0, PartnerB = 1, Clinician = 2, Observer = 3 };

}  // namespace attune::rooms
