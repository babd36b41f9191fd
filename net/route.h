// Route: the endpoints tally serves (contract §2), as a
// dense enum so that metrics can index fixed arrays by route. Pure functions; thread safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "net/http_message.h"

namespace tally::net {

enum class Route : std::size_t {
  kEventsUpsert = 0,  // also /api/customEvents.create
  kEventsImport,
  kEventsGet,
  kEventsList,
  kTimelineList,
  kContactsGetByEmail,
  kContactsDelete,
  kSegmentsCreate,
  kSegmentsUpdate,
  kSegmentsDelete,
  kSegmentsRebuild,
  kSegmentsPreview,
  kSegmentsGet,
  kSegmentsList,
  kSegmentsContacts,
  kLivez,
  kReadyz,
  kMetrics,
  kAdminSnapshot,
  kUnknown,  // 404
};
inline constexpr std::size_t kRouteCount = static_cast<std::size_t>(Route::kUnknown) + 1;

// The route of `path` (without the query), matched exactly as Go's ServeMux does.
Route RouteOf(std::string_view path);

// The metric label: "customEvents.upsert", "livez", "unknown", ...
std::string_view RouteName(Route route);

// The method the route accepts: POST for writes, GET for everything else.
HttpMethod RouteMethod(Route route);

}  // namespace tally::net
