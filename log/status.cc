#include "log/status.h"

#include <cerrno>
#include <cstring>

namespace tally {

Status::Status(Code code, std::string_view message)
    : state_(std::make_shared<const State>(State{code, std::string(message)})) {}

Status Status::FromErrno(int error_number, std::string_view context) {
  std::string message(context);
  message += ": ";
  message += std::strerror(error_number);
  if (error_number == ENOSPC || error_number == EDQUOT) {
    return NoSpace(message);
  }
  return IoError(message);
}

std::string Status::ToString() const {
  if (ok()) {
    return "ok";
  }
  std::string out(CodeName(code()));
  out += ": ";
  out += state_->message;
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) {
    return *this;
  }
  std::string message(context);
  message += ": ";
  message += state_->message;
  return Status(state_->code, message);
}

std::string_view CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "ok";
    case Status::Code::kInvalidArgument: return "invalid argument";
    case Status::Code::kNotFound: return "not found";
    case Status::Code::kAlreadyExists: return "already exists";
    case Status::Code::kCorruption: return "corruption";
    case Status::Code::kIoError: return "I/O error";
    case Status::Code::kNoSpace: return "no space";
    case Status::Code::kFailedPrecondition: return "failed precondition";
    case Status::Code::kPermissionDenied: return "permission denied";
    case Status::Code::kUnavailable: return "unavailable";
    case Status::Code::kOutOfRange: return "out of range";
    case Status::Code::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace tally
