// Activation episodes: when which simulated person is activated, and how much.
#pragma once

#include <string>
#include <vector>

namespace attune::sim {

enum class Seat : int { A = 0, B = 1, Clinician = 2 };
inline constexpr int kSeatCount = 3;
const char* seat_name(Seat s);  // "A", "B", "C"

inline unsigned seat_bit(Seat s) { return 1u << static_cast<int>(s); }

struct Episode {
  unsigned seats = 0;       // seat_bit() mask
  double start_s = 0.0;     // data seconds from the session start
  double end_s = 0.0;
  double intensity = 1.0;   // 0..1: how far toward full fight/flight
};

// The default story, scaled to the session length: calm, A activated,
// recovery, both activated, calm. The first calm stretch is a quarter of the
// session (150 s of 600) so that a server calibrating on the first two
// minutes sees a calm baseline.
std::vector<Episode> default_scenario(double duration_s);

// Parses "--episodes": comma-separated SEATS:START-END[@INTENSITY], seats
// from {a,b,c} (e.g. "a:150-240,ab:330-420@0.8"), times in data seconds.
// "none" gives no episodes, "default" the default scenario. On failure
// returns false and sets error.
bool parse_episodes(const std::string& text, double duration_s,
                    std::vector<Episode>& out, std::string& error);

}  // namespace attune::sim
