#include "net/event_handlers.h"

#include <algorithm>

#include "net/query.h"
#include "net/request_decoder.h"
#include "net/response_encoder.h"

namespace tally::net {
namespace {

constexpr std::string_view kWorkspaceRequired =
    "validation error: invalid request: workspace_id is required";

HttpResponse InvalidBody(const HandlerContext& ctx, std::uint64_t events) {
  ctx.metrics.CountRejected(RejectReason::kInvalidBody, events);
  return ErrorResponse(400, kInvalidRequestBody);
}

HttpResponse Rejected(const HandlerContext& ctx, HttpResponse response, std::uint64_t events) {
  RejectReason reason = RejectReason::kValidation;
  if (response.status == 403) {
    reason = RejectReason::kForbidden;
  } else if (response.status == 503) {
    reason = RejectReason::kUnavailable;
  }
  ctx.metrics.CountRejected(reason, events);
  return response;
}

// The response to an accepted write of `events` custom events whose record is `lsn` (0: nothing
// was logged). Under Durability::kDeferred it names the LSN to wait for; the Router counts the
// events as ingested once the response may go out.
HttpResponse Acknowledge(const HandlerContext& ctx, HttpResponse response, log::Lsn lsn,
                         std::uint64_t events) {
  if (ctx.durability == engine::Durability::kDeferred) {
    response.wait.lsn = lsn;
  }
  response.wait.events = events;
  return response;
}

// limit/offset of customEvents.list (D11: a value that is not an integer in range is a 400,
// where Notifuse silently used the default).
std::optional<HttpResponse> ReadPaging(const Query& q, std::size_t& limit, std::size_t& offset) {
  std::int64_t l = kListLimitDefault;
  if (q.Has("limit")) {
    std::optional<std::int64_t> v = ParseInteger(q.Get("limit"));
    if (!v) {
      return ErrorResponse(400, "invalid limit parameter: must be an integer");
    }
    if (*v < 0) {
      return ErrorResponse(400, "limit must be non-negative");
    }
    if (*v > kListLimitMax) {
      return ErrorResponse(400, "limit cannot exceed 100");
    }
    // 0 means "not set", as the console never sends 0 and Notifuse treats it as the default.
    l = *v == 0 ? kListLimitDefault : *v;
  }
  std::int64_t o = 0;
  if (q.Has("offset")) {
    std::optional<std::int64_t> v = ParseInteger(q.Get("offset"));
    if (!v) {
      return ErrorResponse(400, "invalid offset parameter: must be an integer");
    }
    if (*v < 0) {
      return ErrorResponse(400, "offset must be non-negative");
    }
    o = *v;
  }
  limit = static_cast<std::size_t>(l);
  offset = static_cast<std::size_t>(o);
  return std::nullopt;
}

}  // namespace

HttpResponse HandleEventsUpsert(const HandlerContext& ctx, const HttpRequest& request) {
  Result<UpsertBody> body = DecodeUpsertBody(request.body);
  if (!body.ok()) {
    return InvalidBody(ctx, 1);
  }
  if (body->workspace_id.empty()) {
    return Rejected(ctx, ErrorResponse(400, kWorkspaceRequired), 1);
  }
  if (auto denied = Forbidden(ctx, body->workspace_id, kScopeWrite)) {
    return Rejected(ctx, std::move(*denied), 1);
  }
  Result<engine::UpsertOutcome> outcome =
      ctx.engine.Upsert(body->workspace_id, body->event, ctx.durability);
  if (!outcome.ok()) {
    return Rejected(ctx, EngineErrorResponse(outcome.status()), 1);
  }
  return Acknowledge(ctx, HttpResponse{200, EncodeEventResponse(outcome->event)}, outcome->lsn, 1);
}

HttpResponse HandleEventsImport(const HandlerContext& ctx, const HttpRequest& request) {
  Result<ImportBody> body = DecodeImportBody(request.body);
  if (!body.ok()) {
    return InvalidBody(ctx, 1);
  }
  std::uint64_t n = std::max<std::uint64_t>(1, body->events.size());
  if (body->workspace_id.empty()) {
    return Rejected(ctx, ErrorResponse(400, kWorkspaceRequired), n);
  }
  if (auto denied = Forbidden(ctx, body->workspace_id, kScopeWrite)) {
    return Rejected(ctx, std::move(*denied), n);
  }
  if (body->events.empty()) {
    return Rejected(
        ctx, ErrorResponse(400, "validation error: invalid request: events array cannot be empty"),
        n);
  }
  if (body->events.size() > kImportEventsMax) {
    return Rejected(
        ctx,
        ErrorResponse(
            400, "validation error: invalid request: cannot import more than 50 events at once"),
        n);
  }
  if (!body->null_indexes.empty()) {
    // D12: null elements are refused before the engine sees the batch, so nothing can be
    // applied; the errors list names each null element and every other invalid one.
    std::vector<engine::ImportElementError> errors;
    for (std::size_t i : body->null_indexes) {
      errors.push_back({i, "validation error: event at index " + std::to_string(i) +
                               ": event must be an object, not null"});
    }
    for (engine::ImportElementError& e : ctx.engine.CheckImportElements(body->events)) {
      if (!std::binary_search(body->null_indexes.begin(), body->null_indexes.end(), e.index)) {
        errors.push_back(std::move(e));
      }
    }
    std::sort(errors.begin(), errors.end(),
              [](const auto& a, const auto& b) { return a.index < b.index; });
    ctx.metrics.CountRejected(RejectReason::kValidation, n);
    return HttpResponse{400, EncodeImportErrors(errors.front().error, errors)};
  }
  engine::ImportOutcome outcome =
      ctx.engine.Import(body->workspace_id, body->events, ctx.durability);
  if (!outcome.status.ok()) {
    if (outcome.status.IsInvalidArgument() && !outcome.errors.empty()) {
      ctx.metrics.CountRejected(RejectReason::kValidation, n);
      return HttpResponse{400, EncodeImportErrors(outcome.status.message(), outcome.errors)};
    }
    return Rejected(ctx, EngineErrorResponse(outcome.status), n);
  }
  return Acknowledge(ctx, HttpResponse{201, EncodeImportResponse(outcome.event_ids)}, outcome.lsn,
                     body->events.size());
}

HttpResponse HandleEventsGet(const HandlerContext& ctx, const HttpRequest& request) {
  Result<Query> q = Query::Parse(request.target);
  if (!q.ok()) {
    return ErrorResponse(400, q.status().message());
  }
  std::string_view workspace = q->Get("workspace_id");
  std::string_view event_name = q->Get("event_name");
  std::string_view external_id = q->Get("external_id");
  if (workspace.empty() || event_name.empty() || external_id.empty()) {
    return ErrorResponse(400, "workspace_id, event_name, and external_id are required");
  }
  if (auto denied = Forbidden(ctx, workspace, kScopeRead)) {
    return std::move(*denied);
  }
  Result<engine::Event> event = ctx.engine.Get(workspace, event_name, external_id);
  if (!event.ok()) {
    if (event.status().IsNotFound()) {
      return ErrorResponse(404, "Custom event not found");
    }
    return EngineErrorResponse(event.status());
  }
  return HttpResponse{200, EncodeEventResponse(*event)};
}

HttpResponse HandleEventsList(const HandlerContext& ctx, const HttpRequest& request) {
  Result<Query> q = Query::Parse(request.target);
  if (!q.ok()) {
    return ErrorResponse(400, q.status().message());
  }
  engine::ListQuery list;
  list.workspace_id = std::string(q->Get("workspace_id"));
  if (list.workspace_id.empty()) {
    return ErrorResponse(400, "workspace_id is required");
  }
  std::string_view email = q->Get("email");
  std::string_view event_name = q->Get("event_name");
  if (email.empty() && event_name.empty()) {
    return ErrorResponse(400, "either email or event_name is required");
  }
  if (!email.empty()) {
    list.email.emplace(email);
  }
  if (!event_name.empty()) {
    list.event_name.emplace(event_name);
  }
  if (auto bad = ReadPaging(*q, list.limit, list.offset)) {
    return std::move(*bad);
  }
  if (auto denied = Forbidden(ctx, list.workspace_id, kScopeRead)) {
    return std::move(*denied);
  }
  Result<std::vector<engine::Event>> events = ctx.engine.List(list);
  if (!events.ok()) {
    return EngineErrorResponse(events.status());
  }
  return HttpResponse{200, EncodeEventListResponse(*events)};
}

}  // namespace tally::net
