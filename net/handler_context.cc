#include "net/handler_context.h"

#include "net/auth.h"
#include "net/response_encoder.h"

namespace tally::net {

HttpResponse ErrorResponse(unsigned status, std::string_view message) {
  return HttpResponse{status, EncodeError(message)};
}

unsigned HttpStatusOf(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk: return 200;
    case Status::Code::kInvalidArgument:
    case Status::Code::kOutOfRange: return 400;
    case Status::Code::kNotFound: return 404;
    case Status::Code::kPermissionDenied: return 403;
    case Status::Code::kAlreadyExists: return 409;
    case Status::Code::kUnavailable:
    case Status::Code::kNoSpace:
    case Status::Code::kIoError:
    case Status::Code::kFailedPrecondition: return 503;
    case Status::Code::kCorruption:
    case Status::Code::kInternal: return 500;
  }
  return 500;
}

HttpResponse EngineErrorResponse(const Status& status) {
  unsigned code = HttpStatusOf(status);
  if (code == 503) {
    return ErrorResponse(code, "Service unavailable: " + std::string(status.message()));
  }
  if (code == 500) {
    return ErrorResponse(code, "Internal error: " + std::string(status.message()));
  }
  return ErrorResponse(code, status.message());
}

std::optional<HttpResponse> Forbidden(const HandlerContext& ctx, std::string_view workspace,
                                      Scope scope) {
  AuthError e = Authorize(ctx.key, workspace, scope);
  if (e.status == 0) {
    return std::nullopt;
  }
  return ErrorResponse(e.status, e.message);
}

}  // namespace tally::net
