// PostAdminSnapshot: `tally snapshot save --server URL --key KEY` — one synchronous HTTP/1.1
// request to a running server's `POST /admin/snapshot` with Beast's blocking client, waiting as
// long as the snapshot takes. Only plain http:// URLs (tally serves no TLS). Thread safe (no
// shared state).
#pragma once

#include <string_view>

#include <boost/json/object.hpp>

#include "log/result.h"

namespace tally::net {

// The 200 response's JSON object (net/snapshot_report.h). Errors: kInvalidArgument for a URL
// that is not http://host[:port][/], kUnavailable when the server cannot be reached, and for
// any other status kFailedPrecondition "server answered <status>: <its error message>".
Result<boost::json::object> PostAdminSnapshot(std::string_view url, std::string_view key);

}  // namespace tally::net
