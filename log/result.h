// Result<T>: either a value of type T or a non-ok Status (C++20 has no std::expected).
//
// Result is a value type with the thread safety of T. Reading value() of an error Result,
// or status() being ok without a value, are programmer errors caught by TALLY_ASSERT.
#pragma once

#include <optional>
#include <utility>

#include "log/assert.h"
#include "log/status.h"

namespace tally {

template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit on purpose, so that `return value;` and `return status;` both read naturally.
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    TALLY_ASSERT_MSG(!status_.ok(), "a Result built from a Status must hold an error");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  T& value() & {
    TALLY_ASSERT_MSG(ok(), status_.ToString().c_str());
    return *value_;
  }
  const T& value() const& {
    TALLY_ASSERT_MSG(ok(), status_.ToString().c_str());
    return *value_;
  }
  T&& value() && {
    TALLY_ASSERT_MSG(ok(), status_.ToString().c_str());
    return std::move(*value_);
  }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace tally

#define TALLY_CONCAT_INNER_(a, b) a##b
#define TALLY_CONCAT_(a, b) TALLY_CONCAT_INNER_(a, b)

// TALLY_ASSIGN_OR_RETURN(auto x, Foo()); returns Foo()'s Status when it is not ok.
#define TALLY_ASSIGN_OR_RETURN(lhs, expr) \
  TALLY_ASSIGN_OR_RETURN_IMPL_(TALLY_CONCAT_(tally_result_, __LINE__), lhs, expr)
#define TALLY_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr) \
  auto result = (expr);                                 \
  if (!result.ok()) {                                   \
    return result.status();                             \
  }                                                     \
  lhs = std::move(result).value()
