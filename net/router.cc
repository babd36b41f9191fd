#include "net/router.h"

#include <chrono>

#include "log/logger.h"
#include "net/admin_handlers.h"
#include "net/auth.h"
#include "net/contact_handlers.h"
#include "net/event_handlers.h"
#include "net/handler_context.h"
#include "net/route.h"
#include "net/segment_handlers.h"

namespace tally::net {
namespace {

std::string_view PathOf(std::string_view target) {
  return target.substr(0, target.find('?'));
}

// "application/json", optionally with parameters ("; charset=utf-8"). An absent Content-Type is
// accepted: Go's handlers never looked at it, and clients that omit it send JSON anyway.
bool IsJsonContentType(std::string_view content_type) {
  if (content_type.empty()) {
    return true;
  }
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') {
    media.remove_suffix(1);
  }
  if (media.size() != kJsonContentType.size()) {
    return false;
  }
  for (std::size_t i = 0; i < media.size(); ++i) {
    char c = media[i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != kJsonContentType[i]) {
      return false;
    }
  }
  return true;
}

RejectReason ReasonOf(unsigned status) {
  switch (status) {
    case 401: return RejectReason::kUnauthenticated;
    case 403: return RejectReason::kForbidden;
    case 413: return RejectReason::kTooLarge;
    case 415: return RejectReason::kUnsupportedMedia;
    case 503: return RejectReason::kUnavailable;
    default: return RejectReason::kInvalidBody;
  }
}

}  // namespace

Router::Router(KeyRing& keys, Metrics& metrics, log::SyncPolicy sync)
    : keys_(keys), metrics_(metrics), sync_(sync) {}

bool Router::MayWaitForSync(const HttpRequest& request) const {
  if (request.method != HttpMethod::kPost) {
    return false;
  }
  const Route route = RouteOf(PathOf(request.target));
  // A snapshot takes as long as writing the state out, whatever the sync policy: it runs on a
  // worker so that the I/O threads keep serving.
  return route == Route::kAdminSnapshot ||
         (sync_ == log::SyncPolicy::kAlways && RouteMethod(route) == HttpMethod::kPost);
}

HttpResponse Router::Handle(HttpRequest& request) {
  auto start = std::chrono::steady_clock::now();
  metrics_.AddInFlight(1);
  Route route = RouteOf(PathOf(request.target));
  HttpResponse response = Dispatch(request, route);
  metrics_.AddInFlight(-1);
  metrics_.RecordRequest(route, request.method, response.status,
                         std::chrono::steady_clock::now() - start);
  // /readyz answers 503 on every probe while replaying; that is its job, not a failure.
  if (response.status >= 500 && route != Route::kReadyz) {
    Log(LogLevel::kWarn, "net", "request failed",
        {{"route", RouteName(route)}, {"status", response.status}, {"error", response.body}});
  }
  return response;
}

HttpResponse Router::Dispatch(HttpRequest& request, Route route) {
  if (route == Route::kUnknown) {
    return ErrorResponse(404, "Not found");
  }
  if (request.method != RouteMethod(route)) {
    return ErrorResponse(405, "Method not allowed");
  }
  switch (route) {
    case Route::kLivez: return HttpResponse{200, "{\"status\":\"ok\"}\n"};
    case Route::kReadyz: return Readyz();
    case Route::kMetrics:
      return HttpResponse{200, metrics_.Render(Snapshot()), "text/plain; version=0.0.4"};
    default: break;
  }
  bool write = RouteMethod(route) == HttpMethod::kPost;
  std::shared_ptr<const KeySet> keys = keys_.current();
  Principal principal =
      Authenticate(*keys, request.authorization.has_value(), request.authorization.value_or(""));
  if (principal.key == nullptr) {
    if (write) {
      metrics_.CountRejected(RejectReason::kUnauthenticated, 1);
    }
    return ErrorResponse(principal.error.status, principal.error.message);
  }
  if (route == Route::kAdminSnapshot && (principal.key->scopes & kScopeAdmin) == 0) {
    return ErrorResponse(403, "Insufficient permissions: admin access required");
  }
  if (write && !IsJsonContentType(request.content_type)) {
    metrics_.CountRejected(ReasonOf(415), 1);
    return ErrorResponse(415, "Content-Type must be application/json");
  }
  engine::Engine* engine = engine_.load(std::memory_order_acquire);
  if (engine == nullptr) {
    if (write) {
      metrics_.CountRejected(RejectReason::kUnavailable, 1);
    }
    return ErrorResponse(503, "Service unavailable: replaying the log");
  }
  if (route == Route::kAdminSnapshot) {
    engine::SnapshotStore* snapshots = snapshots_.load(std::memory_order_acquire);
    log::Log* log = log_.load(std::memory_order_acquire);
    if (snapshots == nullptr || log == nullptr) {
      return ErrorResponse(503, "Service unavailable: snapshots are not open");
    }
    return HandleAdminSnapshot(*snapshots, *engine, *log);
  }
  HandlerContext ctx{*engine, *principal.key, metrics_};
  switch (route) {
    case Route::kEventsUpsert: return HandleEventsUpsert(ctx, request);
    case Route::kEventsImport: return HandleEventsImport(ctx, request);
    case Route::kEventsGet: return HandleEventsGet(ctx, request);
    case Route::kEventsList: return HandleEventsList(ctx, request);
    case Route::kTimelineList: return HandleTimelineList(ctx, request);
    case Route::kContactsGetByEmail: return HandleContactsGetByEmail(ctx, request);
    case Route::kContactsDelete: return HandleContactsDelete(ctx, request);
    case Route::kSegmentsCreate: return HandleSegmentsCreate(ctx, request);
    case Route::kSegmentsUpdate: return HandleSegmentsUpdate(ctx, request);
    case Route::kSegmentsDelete: return HandleSegmentsDelete(ctx, request);
    case Route::kSegmentsRebuild: return HandleSegmentsRebuild(ctx, request);
    case Route::kSegmentsPreview: return HandleSegmentsPreview(ctx, request);
    case Route::kSegmentsGet: return HandleSegmentsGet(ctx, request);
    case Route::kSegmentsList: return HandleSegmentsList(ctx, request);
    case Route::kSegmentsContacts: return HandleSegmentsContacts(ctx, request);
    default: break;
  }
  TALLY_ASSERT_MSG(false, "route without a handler");
}

HttpResponse Router::Readyz() const {
  if (engine_.load(std::memory_order_acquire) == nullptr) {
    return ErrorResponse(503, "replaying the log");
  }
  log::Log* log = log_.load(std::memory_order_acquire);
  if (log != nullptr) {
    Status health = log->health();
    if (!health.ok()) {
      return ErrorResponse(503, "log error: " + health.ToString());
    }
  }
  return HttpResponse{200, "{\"status\":\"ready\"}\n"};
}

MetricsSnapshot Router::Snapshot() const {
  MetricsSnapshot s;
  engine::Engine* engine = engine_.load(std::memory_order_acquire);
  log::Log* log = log_.load(std::memory_order_acquire);
  s.ready = engine != nullptr;
  if (log != nullptr) {
    s.log_healthy = log->health().ok();
    s.log_last_lsn = log->last_lsn();
    s.log_durable_lsn = log->durable_lsn();
    s.log_stats = log->GetStats();
    s.ready = s.ready && s.log_healthy;
  }
  if (engine != nullptr) {
    engine::Engine::Stats stats = engine->GetStats();
    s.workspaces = stats.workspaces;
    s.contacts = stats.contacts;
    s.events = stats.events;
    s.timeline_entries = stats.timeline_entries;
  }
  return s;
}

}  // namespace tally::net
