#include "net/snapshot_report.h"

#include <cstdio>

#include <boost/json/serialize.hpp>

#include "net/rfc3339.h"

namespace tally::net {

std::string FormatSnapshotHash(std::uint64_t hash) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

boost::json::object SnapshotReportJson(const engine::SnapshotSaved& saved) {
  const engine::SnapshotHeader& h = saved.header;
  boost::json::object o;
  o["path"] = saved.path.string();
  o["lsn"] = h.lsn;
  o["events"] = h.events;
  o["contacts"] = h.contacts;
  o["workspaces"] = h.workspaces;
  o["timeline_entries"] = h.timeline_entries;
  o["segments"] = h.segments;
  o["bytes"] = h.file_bytes;
  o["hash"] = FormatSnapshotHash(h.content_hash);
  o["duration_ms"] = saved.duration_ms;
  return o;
}

std::string FormatReportLines(const boost::json::object& report) {
  std::string out;
  for (const auto& member : report) {
    out += std::string(member.key()) + ": ";
    if (member.value().is_string()) {
      out += std::string(member.value().get_string());
    } else {
      out += boost::json::serialize(member.value());
    }
    out += '\n';
  }
  return out;
}

std::string FormatHeaderLines(const std::string& file, const engine::SnapshotHeader& h) {
  boost::json::object o;
  o["file"] = file;
  o["format_version"] = h.format_version;
  o["lsn"] = h.lsn;
  o["created_at"] = FormatRfc3339(h.created_at);
  o["workspaces"] = h.workspaces;
  o["contacts"] = h.contacts;
  o["events"] = h.events;
  o["timeline_entries"] = h.timeline_entries;
  o["segments"] = h.segments;
  o["content_bytes"] = h.content_bytes;
  o["bytes"] = h.file_bytes;
  o["hash"] = FormatSnapshotHash(h.content_hash);
  return FormatReportLines(o);
}

}  // namespace tally::net
