#include "engine/goal_type.h"

#include <array>

namespace tally::engine {
namespace {

constexpr std::array<std::string_view, kGoalTypeCount> kNames = {
    "", "purchase", "subscription", "lead", "signup", "booking", "trial", "other"};

}  // namespace

std::string_view GoalTypeName(GoalType type) {
  return kNames[static_cast<int>(type)];
}

std::optional<GoalType> ParseGoalType(std::string_view name) {
  for (int i = 1; i < kGoalTypeCount; ++i) {
    if (kNames[i] == name) return static_cast<GoalType>(i);
  }
  return std::nullopt;
}

}  // namespace tally::engine
