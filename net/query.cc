#include "net/query.h"

#include <charconv>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace tally::net {

Result<Query> Query::Parse(std::string_view target) {
  auto parsed =
      boost::urls::parse_origin_form(boost::urls::string_view(target.data(), target.size()));
  if (!parsed) {
    return Status::InvalidArgument("invalid request target");
  }
  Query q;
  q.path_ = std::string(parsed->path());
  for (auto param : parsed->params()) {
    q.params_.emplace_back(std::string(param.key), std::string(param.value));
  }
  return q;
}

std::string_view Query::Get(std::string_view name) const {
  for (const auto& [key, value] : params_) {
    if (key == name) {
      return value;
    }
  }
  return {};
}

bool Query::Has(std::string_view name) const {
  for (const auto& param : params_) {
    if (param.first == name) {
      return true;
    }
  }
  return false;
}

std::optional<std::int64_t> ParseInteger(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') {
    digits.remove_prefix(1);  // Atoi accepts a leading '+'; from_chars does not
  }
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace tally::net
