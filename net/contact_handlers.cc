#include "net/contact_handlers.h"

#include "net/query.h"
#include "net/request_decoder.h"
#include "net/response_encoder.h"

namespace tally::net {

HttpResponse HandleTimelineList(const HandlerContext& ctx, const HttpRequest& request) {
  Result<Query> q = Query::Parse(request.target);
  if (!q.ok()) {
    return ErrorResponse(400, q.status().message());
  }
  // Notifuse's order of checks and messages (reference §4.3).
  std::int64_t limit = kTimelineLimitDefault;
  if (q->Has("limit") && !q->Get("limit").empty()) {
    std::optional<std::int64_t> v = ParseInteger(q->Get("limit"));
    if (!v) {
      return ErrorResponse(400, "invalid limit parameter: must be an integer");
    }
    limit = *v;
  }
  std::string_view workspace = q->Get("workspace_id");
  if (workspace.empty()) {
    return ErrorResponse(400, "workspace_id is required");
  }
  std::string_view email = q->Get("email");
  if (email.empty()) {
    return ErrorResponse(400, "email is required");
  }
  if (limit < 0) {
    return ErrorResponse(400, "limit must be non-negative");
  }
  if (limit > kTimelineLimitMax) {
    return ErrorResponse(400, "limit cannot exceed 100");
  }
  if (limit == 0) {
    limit = kTimelineLimitDefault;
  }
  // D10: the timeline needs the read scope, unlike Notifuse.
  if (auto denied = Forbidden(ctx, workspace, kScopeRead)) {
    return std::move(*denied);
  }
  Result<engine::TimelinePage> page =
      ctx.engine.Timeline(workspace, email, static_cast<std::size_t>(limit), q->Get("cursor"));
  if (!page.ok()) {
    return EngineErrorResponse(page.status());
  }
  return HttpResponse{200, EncodeTimelineResponse(*page)};
}

HttpResponse HandleContactsGetByEmail(const HandlerContext& ctx, const HttpRequest& request) {
  Result<Query> q = Query::Parse(request.target);
  if (!q.ok()) {
    return ErrorResponse(400, q.status().message());
  }
  std::string_view workspace = q->Get("workspace_id");
  if (workspace.empty()) {
    return ErrorResponse(400, "Missing workspace ID");
  }
  std::string_view email = q->Get("email");
  if (email.empty()) {
    return ErrorResponse(400, "Missing email");
  }
  if (auto denied = Forbidden(ctx, workspace, kScopeRead)) {
    return std::move(*denied);
  }
  Result<engine::Contact> contact = ctx.engine.GetContact(workspace, email);
  if (!contact.ok()) {
    if (contact.status().IsNotFound()) {
      return ErrorResponse(404, "Contact not found");
    }
    return EngineErrorResponse(contact.status());
  }
  return HttpResponse{200, EncodeContactResponse(*contact)};
}

HttpResponse HandleContactsDelete(const HandlerContext& ctx, const HttpRequest& request) {
  Result<ContactBody> body = DecodeContactBody(request.body);
  if (!body.ok()) {
    return ErrorResponse(400, kInvalidRequestBody);
  }
  if (body->workspace_id.empty()) {
    return ErrorResponse(400, "Missing workspace ID");
  }
  if (body->email.empty()) {
    return ErrorResponse(400, "Missing email");
  }
  if (auto denied = Forbidden(ctx, body->workspace_id, kScopeWrite)) {
    return std::move(*denied);
  }
  Status s = ctx.engine.EraseContact(body->workspace_id, body->email);
  if (!s.ok()) {
    if (s.IsNotFound()) {
      return ErrorResponse(404, "Contact not found");
    }
    return EngineErrorResponse(s);
  }
  return HttpResponse{200, EncodeSuccess()};
}

}  // namespace tally::net
