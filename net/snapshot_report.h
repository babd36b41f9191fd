// The report of a saved snapshot, as one shape for every way of taking one: the JSON body of
// `POST /admin/snapshot` (docs/api.md) and the `key: value` lines `tally snapshot save` prints,
// online (from that body) or offline. Pure functions; thread safe.
#pragma once

#include <cstdint>
#include <string>

#include <boost/json/object.hpp>

#include "engine/snapshot.h"
#include "engine/snapshot_store.h"

namespace tally::net {

// 16 lower-case hex digits: how snapshot content hashes are shown everywhere.
std::string FormatSnapshotHash(std::uint64_t hash);

// {"path","lsn","events","contacts","workspaces","timeline_entries","segments","bytes","hash",
// "duration_ms"} in that order.
boost::json::object SnapshotReportJson(const engine::SnapshotSaved& saved);

// One "key: value" line per member of a report object, in its order (strings unquoted).
std::string FormatReportLines(const boost::json::object& report);

// The header of a snapshot file as "key: value" lines: file, format_version, lsn, created_at,
// the counts, content_bytes, bytes and hash.
std::string FormatHeaderLines(const std::string& file, const engine::SnapshotHeader& header);

}  // namespace tally::net
