#include "net/segment_handlers.h"

#include <string>

#include <boost/json.hpp>

#include "net/go_json.h"
#include "net/query.h"
#include "net/raw_json.h"
#include "net/request_decoder.h"
#include "net/rfc3339.h"

namespace tally::net {
namespace {

namespace json = boost::json;

// A segment request body: its string fields and the raw text of `tree` (kept as sent).
struct SegmentBody {
  std::string workspace_id;
  engine::SegmentInput input;
  std::string segment_id;  // rebuild
  std::int64_t limit = 0;  // preview
  bool has_tree = false;
};

std::optional<SegmentBody> DecodeSegmentBody(std::string_view body) {
  boost::system::error_code error;
  const json::value root = json::parse(body, error);
  if (error || !root.is_object()) return std::nullopt;
  SegmentBody out;
  const auto text = [&](std::string_view key, std::string& field) {
    const json::value* v = root.get_object().if_contains(key);
    if (v == nullptr || v->is_null()) return true;
    if (!v->is_string()) return false;
    field = std::string(v->get_string());
    return true;
  };
  if (!text("workspace_id", out.workspace_id) || !text("id", out.input.id) ||
      !text("name", out.input.name) || !text("color", out.input.color) ||
      !text("timezone", out.input.timezone) || !text("segment_id", out.segment_id)) {
    return std::nullopt;
  }
  if (const json::value* limit = root.get_object().if_contains("limit")) {
    if (!limit->is_null() && !limit->is_int64()) return std::nullopt;
    if (limit->is_int64()) out.limit = limit->get_int64();
  }
  const json::value* tree = root.get_object().if_contains("tree");
  if (tree != nullptr && !tree->is_null()) {
    // The tree is stored and returned as the client wrote it, so take its text, not the DOM.
    for (const RawMember& member : RawObjectMembers(RawFirstValue(body))) {
      if (UnescapedKey(member) == "tree") out.input.tree_json = std::string(member.value);
    }
    out.has_tree = true;
  }
  return out;
}

void AppendSegment(std::string& out, const engine::Segment& s, bool with_count) {
  out += "{\"id\":";
  AppendJsonString(out, s.id);
  out += ",\"name\":";
  AppendJsonString(out, s.name);
  out += ",\"color\":";
  AppendJsonString(out, s.color);
  out += ",\"tree\":";
  out += CompactJson(s.tree_json);
  out += ",\"timezone\":";
  AppendJsonString(out, s.timezone);
  out += ",\"version\":" + std::to_string(s.version);
  out += ",\"status\":";
  AppendJsonString(out, s.status);
  out += ",\"db_created_at\":\"";
  AppendRfc3339(out, s.db_created_at);
  out += "\",\"db_updated_at\":\"";
  AppendRfc3339(out, s.db_updated_at);
  out += "\",\"users_count\":" + std::to_string(with_count ? s.users_count : 0) + "}";
}

std::string SegmentResponse(const engine::Segment& segment) {
  std::string out = "{\"segment\":";
  AppendSegment(out, segment, true);
  return out + "}\n";
}

void AppendEmails(std::string& out, const std::vector<std::string>& emails) {
  out += '[';
  for (std::size_t i = 0; i < emails.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, emails[i]);
  }
  out += ']';
}

HttpResponse Define(const HandlerContext& ctx, const HttpRequest& request, bool create) {
  std::optional<SegmentBody> body = DecodeSegmentBody(request.body);
  if (!body) return ErrorResponse(400, kInvalidRequestBody);
  if (body->workspace_id.empty()) return ErrorResponse(400, "workspace_id is required");
  if (auto denied = Forbidden(ctx, body->workspace_id, kScopeWrite)) return std::move(*denied);
  Result<engine::Segment> segment = create
                                        ? ctx.engine.CreateSegment(body->workspace_id, body->input)
                                        : ctx.engine.UpdateSegment(body->workspace_id, body->input);
  if (!segment.ok()) return EngineErrorResponse(segment.status());
  return HttpResponse{create ? 201u : 200u, SegmentResponse(*segment)};
}

}  // namespace

HttpResponse HandleSegmentsCreate(const HandlerContext& ctx, const HttpRequest& request) {
  return Define(ctx, request, /*create=*/true);
}

HttpResponse HandleSegmentsUpdate(const HandlerContext& ctx, const HttpRequest& request) {
  return Define(ctx, request, /*create=*/false);
}

HttpResponse HandleSegmentsDelete(const HandlerContext& ctx, const HttpRequest& request) {
  std::optional<SegmentBody> body = DecodeSegmentBody(request.body);
  if (!body) return ErrorResponse(400, kInvalidRequestBody);
  if (body->workspace_id.empty()) return ErrorResponse(400, "workspace_id is required");
  if (body->input.id.empty()) return ErrorResponse(400, "id is required");
  if (auto denied = Forbidden(ctx, body->workspace_id, kScopeWrite)) return std::move(*denied);
  const Status status = ctx.engine.DeleteSegment(body->workspace_id, body->input.id);
  if (!status.ok()) return EngineErrorResponse(status);
  return HttpResponse{200, "{\"success\":true}\n"};
}

HttpResponse HandleSegmentsRebuild(const HandlerContext& ctx, const HttpRequest& request) {
  std::optional<SegmentBody> body = DecodeSegmentBody(request.body);
  if (!body) return ErrorResponse(400, kInvalidRequestBody);
  if (body->workspace_id.empty()) return ErrorResponse(400, "workspace_id is required");
  if (body->segment_id.empty()) return ErrorResponse(400, "segment_id is required");
  if (auto denied = Forbidden(ctx, body->workspace_id, kScopeWrite)) return std::move(*denied);
  // Membership is always current (D17): there is nothing to rebuild, only a segment to find.
  Result<engine::Segment> segment = ctx.engine.GetSegment(body->workspace_id, body->segment_id);
  if (!segment.ok() || segment->status == "deleted") {
    return ErrorResponse(404, "Segment not found");
  }
  return HttpResponse{200, "{\"success\":true,\"message\":\"Segment rebuild has been queued\"}\n"};
}

HttpResponse HandleSegmentsPreview(const HandlerContext& ctx, const HttpRequest& request) {
  std::optional<SegmentBody> body = DecodeSegmentBody(request.body);
  if (!body) return ErrorResponse(400, kInvalidRequestBody);
  if (body->workspace_id.empty()) return ErrorResponse(400, "workspace_id is required");
  if (!body->has_tree) return ErrorResponse(400, "tree is required");
  if (auto denied = Forbidden(ctx, body->workspace_id, kScopeRead)) return std::move(*denied);
  std::int64_t limit = body->limit == 0 ? 10 : body->limit;
  if (limit <= 0 || limit > 100) limit = kSegmentPreviewLimitDefault;
  Result<engine::SegmentPreview> preview =
      ctx.engine.PreviewSegment(body->workspace_id, body->input.tree_json, body->input.timezone,
                                static_cast<std::size_t>(limit));
  if (!preview.ok()) return EngineErrorResponse(preview.status());
  std::string out = "{\"emails\":";
  AppendEmails(out, preview->emails);
  out += ",\"total_count\":" + std::to_string(preview->total_count);
  out += ",\"limit\":" + std::to_string(limit);
  // D18: there is no SQL.
  out += ",\"generated_sql\":\"\",\"sql_args\":[]}\n";
  return HttpResponse{200, std::move(out)};
}

HttpResponse HandleSegmentsGet(const HandlerContext& ctx, const HttpRequest& request) {
  Result<Query> q = Query::Parse(request.target);
  if (!q.ok()) return ErrorResponse(400, q.status().message());
  const std::string_view workspace = q->Get("workspace_id");
  if (workspace.empty()) return ErrorResponse(400, "workspace_id is required");
  if (q->Get("id").empty()) return ErrorResponse(400, "id is required");
  if (auto denied = Forbidden(ctx, workspace, kScopeRead)) return std::move(*denied);
  Result<engine::Segment> segment = ctx.engine.GetSegment(workspace, q->Get("id"));
  if (!segment.ok()) return EngineErrorResponse(segment.status());
  return HttpResponse{200, SegmentResponse(*segment)};
}

HttpResponse HandleSegmentsList(const HandlerContext& ctx, const HttpRequest& request) {
  Result<Query> q = Query::Parse(request.target);
  if (!q.ok()) return ErrorResponse(400, q.status().message());
  const std::string_view workspace = q->Get("workspace_id");
  if (workspace.empty()) return ErrorResponse(400, "workspace_id is required");
  if (auto denied = Forbidden(ctx, workspace, kScopeRead)) return std::move(*denied);
  // Notifuse counts members only with with_count=true|1.
  const bool with_count = q->Get("with_count") == "true" || q->Get("with_count") == "1";
  std::string out = "{\"segments\":[";
  const std::vector<engine::Segment> segments = ctx.engine.ListSegments(workspace);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out += ',';
    AppendSegment(out, segments[i], with_count);
  }
  out += "]}\n";
  return HttpResponse{200, std::move(out)};
}

HttpResponse HandleSegmentsContacts(const HandlerContext& ctx, const HttpRequest& request) {
  Result<Query> q = Query::Parse(request.target);
  if (!q.ok()) return ErrorResponse(400, q.status().message());
  const std::string_view workspace = q->Get("workspace_id");
  if (workspace.empty()) return ErrorResponse(400, "workspace_id is required");
  const std::string_view id = q->Get("segment_id");
  if (id.empty()) return ErrorResponse(400, "segment_id is required");
  std::int64_t limit = kSegmentContactsLimitDefault;
  std::int64_t offset = 0;
  if (!q->Get("limit").empty()) {
    const std::optional<std::int64_t> v = ParseInteger(q->Get("limit"));
    if (!v || *v < 0) return ErrorResponse(400, "limit must be a non-negative integer");
    if (*v > kSegmentContactsLimitMax) return ErrorResponse(400, "limit cannot exceed 1000");
    if (*v > 0) limit = *v;
  }
  if (!q->Get("offset").empty()) {
    const std::optional<std::int64_t> v = ParseInteger(q->Get("offset"));
    if (!v || *v < 0) return ErrorResponse(400, "offset must be a non-negative integer");
    offset = *v;
  }
  if (auto denied = Forbidden(ctx, workspace, kScopeRead)) return std::move(*denied);
  Result<std::vector<std::string>> emails = ctx.engine.SegmentContacts(
      workspace, id, static_cast<std::size_t>(limit), static_cast<std::size_t>(offset));
  if (!emails.ok()) return EngineErrorResponse(emails.status());
  std::string out = "{\"emails\":";
  AppendEmails(out, *emails);
  out += ",\"limit\":" + std::to_string(limit) + ",\"offset\":" + std::to_string(offset) + "}\n";
  return HttpResponse{200, std::move(out)};
}

}  // namespace tally::net
