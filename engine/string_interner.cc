#include "engine/string_interner.h"

#include <mutex>

namespace tally::engine {

const std::string* StringInterner::Intern(std::string_view text) {
  if (const std::string* found = Find(text)) return found;
  std::unique_lock lock(mu_);
  return &*strings_.emplace(text).first;
}

const std::string* StringInterner::Find(std::string_view text) const {
  std::shared_lock lock(mu_);
  const auto it = strings_.find(text);
  return it == strings_.end() ? nullptr : &*it;
}

}  // namespace tally::engine
