// HandlerContext: what an endpoint handler may use — the engine, the caller's verified key and
// the metrics — plus the helpers every handler shares (authorization, Status → HTTP).
//
// Built per request by the Router on the calling thread; holds references only.
#pragma once

#include <string_view>

#include "engine/engine.h"
#include "log/status.h"
#include "net/http_message.h"
#include "net/key_set.h"
#include "net/metrics.h"

namespace tally::net {

struct HandlerContext {
  engine::Engine& engine;
  const ApiKeyRecord& key;
  Metrics& metrics;
  // How custom-event writes return: kDeferred under --sync always, where the response then
  // carries the record's LSN (HttpResponse::wait) and is sent once it is durable.
  engine::Durability durability = engine::Durability::kWait;
};

// {"error": message} with `status`.
HttpResponse ErrorResponse(unsigned status, std::string_view message);

// The HTTP status for a failed engine call (D9): kInvalidArgument/kOutOfRange 400, kNotFound 404,
// kPermissionDenied 403, kAlreadyExists 409, kUnavailable/kNoSpace/kIoError/kFailedPrecondition
// 503, anything else 500.
unsigned HttpStatusOf(const Status& status);

// The response for a failed engine call: its message for 4xx, "Service unavailable: …" for 503.
HttpResponse EngineErrorResponse(const Status& status);

// nullopt when `key` may use `scope` in `workspace`; otherwise the 403 to send.
std::optional<HttpResponse> Forbidden(const HandlerContext& ctx, std::string_view workspace,
                                      Scope scope);

}  // namespace tally::net
