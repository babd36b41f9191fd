// The contact endpoints: timeline.list (reference §4.3, D10, D14), contacts.getByEmail and
// contacts.delete (reference §6, D13). Stateless functions; safe from any thread.
#pragma once

#include <cstdint>

#include "net/handler_context.h"
#include "net/http_message.h"

namespace tally::net {

inline constexpr std::int64_t kTimelineLimitDefault = 50;
inline constexpr std::int64_t kTimelineLimitMax = 100;

HttpResponse HandleTimelineList(const HandlerContext& ctx, const HttpRequest& request);
HttpResponse HandleContactsGetByEmail(const HandlerContext& ctx, const HttpRequest& request);
HttpResponse HandleContactsDelete(const HandlerContext& ctx, const HttpRequest& request);

}  // namespace tally::net
