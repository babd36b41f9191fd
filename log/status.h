// Status: the outcome of an operation that can fail for expected reasons.
//
// A Status is either ok or carries a Code and a message a user can act on ("segment
// 00000003.tlog offset 4096: checksum mismatch at LSN 17"). It is a value type: cheap to
// move, copyable, and safe to pass between threads. Functions that can fail return
// [[nodiscard]] Status (or Result<T>, see log/result.h); programmer errors are TALLY_ASSERTs.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace tally {

class [[nodiscard]] Status {
 public:
  enum class Code : unsigned char {
    kOk = 0,
    kInvalidArgument,     // the caller's input is wrong; retrying the same input fails again
    kNotFound,            // the named thing does not exist
    kAlreadyExists,       // the named thing exists and must not be replaced
    kCorruption,          // stored data failed a checksum or structural check
    kIoError,             // the operating system reported an I/O failure
    kNoSpace,             // the disk is full (ENOSPC)
    kFailedPrecondition,  // the system is not in a state that allows the operation
    kPermissionDenied,    // the caller may not do this
    kUnavailable,         // temporarily unable (for example still replaying)
    kOutOfRange,          // a position or size beyond a limit
    kInternal,            // a failure that no caller can correct
  };

  Status() = default;  // ok

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string_view message) {
    return Status(Code::kInvalidArgument, message);
  }
  static Status NotFound(std::string_view message) { return Status(Code::kNotFound, message); }
  static Status AlreadyExists(std::string_view message) {
    return Status(Code::kAlreadyExists, message);
  }
  static Status Corruption(std::string_view message) { return Status(Code::kCorruption, message); }
  static Status IoError(std::string_view message) { return Status(Code::kIoError, message); }
  static Status NoSpace(std::string_view message) { return Status(Code::kNoSpace, message); }
  static Status FailedPrecondition(std::string_view message) {
    return Status(Code::kFailedPrecondition, message);
  }
  static Status PermissionDenied(std::string_view message) {
    return Status(Code::kPermissionDenied, message);
  }
  static Status Unavailable(std::string_view message) {
    return Status(Code::kUnavailable, message);
  }
  static Status OutOfRange(std::string_view message) { return Status(Code::kOutOfRange, message); }
  static Status Internal(std::string_view message) { return Status(Code::kInternal, message); }

  // Maps an errno value from a failed system call to a Status: ENOSPC and EDQUOT become
  // kNoSpace, everything else kIoError. The message reads "<context>: <strerror(errno)>".
  static Status FromErrno(int error_number, std::string_view context);

  bool ok() const { return state_ == nullptr; }
  Code code() const { return ok() ? Code::kOk : state_->code; }
  // The message without the code's name; empty when ok.
  std::string_view message() const {
    return ok() ? std::string_view() : std::string_view(state_->message);
  }
  // "<code name>: <message>", or "ok".
  std::string ToString() const;

  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsCorruption() const { return code() == Code::kCorruption; }
  bool IsNoSpace() const { return code() == Code::kNoSpace; }
  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }

  // Returns a copy whose message is "<context>: <message>"; ok stays ok.
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct State {
    Code code;
    std::string message;
  };
  Status(Code code, std::string_view message);

  // Shared and immutable, so copies are cheap and an ok Status is a null pointer.
  std::shared_ptr<const State> state_;
};

std::string_view CodeName(Status::Code code);

}  // namespace tally

// Returns early from the enclosing function when `expr` yields a non-ok Status.
#define TALLY_RETURN_IF_ERROR(expr)         \
  do {                                      \
    ::tally::Status tally_status_ = (expr); \
    if (!tally_status_.ok()) {              \
      return tally_status_;                 \
    }                                       \
  } while (0)
