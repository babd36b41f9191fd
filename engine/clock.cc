#include "engine/clock.h"

#include <chrono>

namespace tally::engine {

TimeUs SystemClock::NowUs() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace tally::engine
