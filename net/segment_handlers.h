// The segment endpoints (reference §5.4, contract §4, D10, D18): segments.create, .update,
// .delete, .rebuild, .preview (POST) and segments.get, .list, .contacts (GET). Each checks its
// input, then the caller's scope for the workspace, then calls the engine; membership is always
// current, so rebuild only confirms the segment exists. Stateless functions; safe from any
// thread.
#pragma once

#include <cstdint>

#include "net/handler_context.h"
#include "net/http_message.h"

namespace tally::net {

// segments.preview: 0 means 10 (handler) and anything outside 1..100 means 20 (service), as
// Notifuse; segments.contacts: 50 by default, at most kSegmentContactsLimitMax.
inline constexpr std::int64_t kSegmentPreviewLimitDefault = 20;
inline constexpr std::int64_t kSegmentContactsLimitDefault = 50;
inline constexpr std::int64_t kSegmentContactsLimitMax = 1000;

HttpResponse HandleSegmentsCreate(const HandlerContext& ctx, const HttpRequest& request);
HttpResponse HandleSegmentsUpdate(const HandlerContext& ctx, const HttpRequest& request);
HttpResponse HandleSegmentsDelete(const HandlerContext& ctx, const HttpRequest& request);
HttpResponse HandleSegmentsRebuild(const HandlerContext& ctx, const HttpRequest& request);
HttpResponse HandleSegmentsPreview(const HandlerContext& ctx, const HttpRequest& request);
HttpResponse HandleSegmentsGet(const HandlerContext& ctx, const HttpRequest& request);
HttpResponse HandleSegmentsList(const HandlerContext& ctx, const HttpRequest& request);
HttpResponse HandleSegmentsContacts(const HandlerContext& ctx, const HttpRequest& request);

}  // namespace tally::net
