#include "net/router.h"

#include <chrono>
#include <utility>

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

bool Router::RunsOnWorker(const HttpRequest& request) const {
  if (request.method != HttpMethod::kPost) {
    return false;
  }
  const Route route = RouteOf(PathOf(request.target));
  // A snapshot takes as long as writing the state out, whatever the sync policy. Writes other
  // than custom events wait for the sync inside the engine under --sync always.
  return route == Route::kAdminSnapshot ||
         (sync_ == log::SyncPolicy::kAlways && RouteMethod(route) == HttpMethod::kPost &&
          route != Route::kEventsUpsert && route != Route::kEventsImport);
}

HttpResponse Router::Handle(HttpRequest& request) {
  auto started = std::chrono::steady_clock::now();
  metrics_.AddInFlight(1);
  Route route = RouteOf(PathOf(request.target));
  HttpResponse response = Dispatch(request, route);
  if (response.wait.lsn != 0) {
    // Still in flight: AwaitDurable finishes it once the log has spoken.
    response.wait.route = route;
    response.wait.method = request.method;
    response.wait.started = started;
    return response;
  }
  Finish(response, route, request.method, started);
  return response;
}

void Router::AwaitDurable(HttpResponse response, std::function<void(HttpResponse)> done) {
  TALLY_ASSERT(response.wait.lsn != 0);
  log::Log* log = log_.load(std::memory_order_acquire);
  TALLY_ASSERT_MSG(log != nullptr, "a write was acknowledged without a log");
  const log::Lsn lsn = response.wait.lsn;
  log->OnDurable(
      lsn, [this, response = std::move(response), done = std::move(done)](Status durable) mutable {
        const DurableWait wait = response.wait;
        if (durable.ok()) {
          response.wait = DurableWait{.events = wait.events};
        } else {
          // The same answer as a write whose own sync failed (D9): nothing is acknowledged.
          response = EngineErrorResponse(durable);
          metrics_.CountRejected(ReasonOf(response.status), wait.events);
        }
        Finish(response, wait.route, wait.method, wait.started);
        response.wait = DurableWait{};
        done(std::move(response));
      });
}

void Router::Finish(const HttpResponse& response, Route route, HttpMethod method,
                    std::chrono::steady_clock::time_point started) {
  if (response.wait.events != 0) {
    metrics_.CountIngested(response.wait.events);
  }
  metrics_.AddInFlight(-1);
  metrics_.RecordRequest(route, method, response.status,
                         std::chrono::steady_clock::now() - started);
  // /readyz answers 503 on every probe while replaying; that is its job, not a failure.
  if (response.status >= 500 && route != Route::kReadyz) {
    Log(LogLevel::kWarn, "net", "request failed",
        {{"route", RouteName(route)}, {"status", response.status}, {"error", response.body}});
  }
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
  // Under --sync always a custom-event write returns once applied and its response waits for
  // the sync (AwaitDurable); under the other policies the engine does not wait anyway.
  HandlerContext ctx{*engine, *principal.key, metrics_,
                     sync_ == log::SyncPolicy::kAlways ? engine::Durability::kDeferred
                                                       : engine::Durability::kWait};
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
