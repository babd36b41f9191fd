// RandomSeed: the seed of a randomized test. It is `$<variable>` when that is set, so a failure
// can be replayed exactly, and a fresh random one otherwise, so every run explores new cases.
//
//   const RandomSeed seed("TALLY_ENGINE_MODEL_SEED");
//   SCOPED_TRACE(seed.replay_hint());  // "seed 42 (replay with TALLY_ENGINE_MODEL_SEED=42)"
//   rng.seed(seed.value());
//
// Immutable after construction.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

namespace tally::engine {

class RandomSeed {
 public:
  explicit RandomSeed(const char* variable) {
    const char* env = std::getenv(variable);
    value_ = env != nullptr ? std::strtoull(env, nullptr, 10) : std::random_device{}();
    // Appended piece by piece: `"seed " + std::to_string(...)` trips a GCC 12 -Wrestrict false
    // alarm (see numbered.h).
    replay_hint_ = "seed ";
    replay_hint_ += std::to_string(value_);
    replay_hint_ += " (replay with ";
    replay_hint_ += variable;
    replay_hint_ += '=';
    replay_hint_ += std::to_string(value_);
    replay_hint_ += ')';
  }

  std::uint64_t value() const { return value_; }
  const std::string& replay_hint() const { return replay_hint_; }

 private:
  std::uint64_t value_;
  std::string replay_hint_;
};

}  // namespace tally::engine
