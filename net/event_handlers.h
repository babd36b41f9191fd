// The customEvents.* endpoints (contract §2, reference §1): upsert (and its .create alias),
// import, get, list. Each takes an authenticated request and returns the full response; errors
// follow D9/D11/D12 with Notifuse's exact messages. Stateless functions; safe from any thread.
#pragma once

#include "net/handler_context.h"
#include "net/http_message.h"

namespace tally::net {

// Largest import accepted (reference §1.2: 50 is allowed, 51 is rejected).
inline constexpr std::size_t kImportEventsMax = 50;
// customEvents.list page size: default and maximum (reference §1.4).
inline constexpr std::int64_t kListLimitDefault = 50;
inline constexpr std::int64_t kListLimitMax = 100;

HttpResponse HandleEventsUpsert(const HandlerContext& ctx, const HttpRequest& request);
HttpResponse HandleEventsImport(const HandlerContext& ctx, const HttpRequest& request);
HttpResponse HandleEventsGet(const HandlerContext& ctx, const HttpRequest& request);
HttpResponse HandleEventsList(const HandlerContext& ctx, const HttpRequest& request);

}  // namespace tally::net
