#include "engine/time_format.h"

#include <chrono>

#include <date/date.h>

namespace tally::engine {

std::string FormatRfc3339(TimeUs time) {
  const date::sys_time<std::chrono::microseconds> tp{std::chrono::microseconds(time)};
  std::string text = date::format("%FT%T", tp);  // always six fractional digits
  const std::size_t dot = text.rfind('.');
  if (dot != std::string::npos) {
    std::size_t end = text.size();
    while (end > dot + 1 && text[end - 1] == '0') --end;
    if (end == dot + 1) end = dot;
    text.resize(end);
  }
  text += 'Z';
  return text;
}

}  // namespace tally::engine
