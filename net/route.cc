#include "net/route.h"

#include <array>
#include <utility>

#include "log/assert.h"

namespace tally::net {
namespace {

constexpr std::array<std::pair<std::string_view, Route>, 20> kPaths{{
    {"/api/customEvents.upsert", Route::kEventsUpsert},
    {"/api/customEvents.create", Route::kEventsUpsert},
    {"/api/customEvents.import", Route::kEventsImport},
    {"/api/customEvents.get", Route::kEventsGet},
    {"/api/customEvents.list", Route::kEventsList},
    {"/api/timeline.list", Route::kTimelineList},
    {"/api/contacts.getByEmail", Route::kContactsGetByEmail},
    {"/api/contacts.delete", Route::kContactsDelete},
    {"/api/segments.create", Route::kSegmentsCreate},
    {"/api/segments.update", Route::kSegmentsUpdate},
    {"/api/segments.delete", Route::kSegmentsDelete},
    {"/api/segments.rebuild", Route::kSegmentsRebuild},
    {"/api/segments.preview", Route::kSegmentsPreview},
    {"/api/segments.get", Route::kSegmentsGet},
    {"/api/segments.list", Route::kSegmentsList},
    {"/api/segments.contacts", Route::kSegmentsContacts},
    {"/livez", Route::kLivez},
    {"/readyz", Route::kReadyz},
    {"/metrics", Route::kMetrics},
    {"/admin/snapshot", Route::kAdminSnapshot},
}};

}  // namespace

Route RouteOf(std::string_view path) {
  for (const auto& [p, route] : kPaths) {
    if (p == path) {
      return route;
    }
  }
  return Route::kUnknown;
}

std::string_view RouteName(Route route) {
  switch (route) {
    case Route::kEventsUpsert: return "customEvents.upsert";
    case Route::kEventsImport: return "customEvents.import";
    case Route::kEventsGet: return "customEvents.get";
    case Route::kEventsList: return "customEvents.list";
    case Route::kTimelineList: return "timeline.list";
    case Route::kContactsGetByEmail: return "contacts.getByEmail";
    case Route::kContactsDelete: return "contacts.delete";
    case Route::kSegmentsCreate: return "segments.create";
    case Route::kSegmentsUpdate: return "segments.update";
    case Route::kSegmentsDelete: return "segments.delete";
    case Route::kSegmentsRebuild: return "segments.rebuild";
    case Route::kSegmentsPreview: return "segments.preview";
    case Route::kSegmentsGet: return "segments.get";
    case Route::kSegmentsList: return "segments.list";
    case Route::kSegmentsContacts: return "segments.contacts";
    case Route::kLivez: return "livez";
    case Route::kReadyz: return "readyz";
    case Route::kMetrics: return "metrics";
    case Route::kAdminSnapshot: return "admin.snapshot";
    case Route::kUnknown: return "unknown";
  }
  TALLY_ASSERT_MSG(false, "unknown Route");
}

HttpMethod RouteMethod(Route route) {
  switch (route) {
    case Route::kEventsUpsert:
    case Route::kEventsImport:
    case Route::kContactsDelete:
    case Route::kSegmentsCreate:
    case Route::kSegmentsUpdate:
    case Route::kSegmentsDelete:
    case Route::kSegmentsRebuild:
    case Route::kSegmentsPreview:
    case Route::kAdminSnapshot: return HttpMethod::kPost;
    default: return HttpMethod::kGet;
  }
}

}  // namespace tally::net
