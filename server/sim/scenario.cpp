#include "sim/scenario.hpp"

#include <cstdlib>
#include <sstream>

namespace attune::sim {

const char* seat_name(Seat s) {
  switch (s) {
    case Seat::A: return "A";
    case Seat::B: return "B";
    case Seat::Clinician: return "C";
  }
  return "?";
}

std::vector<Episode> default_scenario(double d) {
  const unsigned a = seat_bit(Seat::A), b = seat_bit(Seat::B);
  return {
      {a, 0.25 * d, 0.40 * d, 1.0},      // A activated; 0.40-0.55 recovery
      {a | b, 0.55 * d, 0.70 * d, 1.0},  // both activated, then calm
  };
}

namespace {

bool parse_number(const std::string& s, double& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

bool parse_one(const std::string& item, Episode& ep, std::string& error) {
  const auto colon = item.find(':');
  if (colon == std::string::npos || colon == 0) {
    error = "episode '" + item + "': expected SEATS:START-END[@INTENSITY]";
    return false;
  }
  ep = Episode{};
  for (char c : item.substr(0, colon)) {
    switch (c) {
      case 'a': case 'A': ep.seats |= seat_bit(Seat::A); break;
      case 'b': case 'B': ep.seats |= seat_bit(Seat::B); break;
      case 'c': case 'C': ep.seats |= seat_bit(Seat::Clinician); break;
      default:
        error = "episode '" + item + "': seats are letters from a, b, c";
        return false;
    }
  }
  std::string rest = item.substr(colon + 1);
  const auto at = rest.find('@');
  if (at != std::string::npos) {
    if (!parse_number(rest.substr(at + 1), ep.intensity) || ep.intensity < 0.0 ||
        ep.intensity > 1.0) {
      error = "episode '" + item + "': intensity must be 0..1";
      return false;
    }
    rest = rest.substr(0, at);
  }
  const auto dash = rest.find('-');
  if (dash == std::string::npos || !parse_number(rest.substr(0, dash), ep.start_s) ||
      !parse_number(rest.substr(dash + 1), ep.end_s) || ep.start_s < 0.0 ||
      ep.end_s <= ep.start_s) {
    error = "episode '" + item + "': expected START-END in seconds with START < END";
    return false;
  }
  return true;
}

}  // namespace

bool parse_episodes(const std::string& text, double duration_s,
                    std::vector<Episode>& out, std::string& error) {
  out.clear();
  if (text == "none" || text.empty()) return true;
  if (text == "default") {
    out = default_scenario(duration_s);
    return true;
  }
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    Episode ep;
    if (!parse_one(item, ep, error)) return false;
    out.push_back(ep);
  }
  return true;
}

}  // namespace attune::sim
