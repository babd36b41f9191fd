#include "engine/segment_definition.h"

#include <algorithm>

#include "engine/segment_tree_parser.h"

namespace tally::engine {
namespace {

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

// The first problem with the fields other than the tree, or "".
std::string FieldProblem(const SegmentInput& input) {
  if (input.id.empty()) return "id is required";
  if (input.id.size() > kSegmentIdBytesMax) return "id must be 32 characters or less";
  if (!std::all_of(input.id.begin(), input.id.end(), IsIdChar)) {
    return "id must contain only lowercase letters, numbers, and underscores";
  }
  if (input.name.empty()) return "name is required";
  if (input.name.size() > kSegmentNameBytesMax) return "name must be 255 characters or less";
  if (input.color.size() > kSegmentColorBytesMax) return "color must be 50 characters or less";
  if (input.tree_json.empty()) return "tree is required";
  return "";
}

}  // namespace

Result<SegmentTree> ValidateSegmentInput(const SegmentInput& input, SegmentRequestKind kind) {
  const std::string prefix = kind == SegmentRequestKind::kCreate
                                 ? "invalid create segment request: "
                                 : "invalid update segment request: ";
  if (const std::string problem = FieldProblem(input); !problem.empty()) {
    return Status::InvalidArgument(prefix + problem);
  }
  // The zone is checked on its own first, so that its message does not read as a tree problem.
  if (Result<SegmentTimeZone> zone = SegmentTimeZone::Find(input.timezone); !zone.ok()) {
    return Status::InvalidArgument(prefix + std::string(zone.status().message()));
  }
  Result<SegmentTree> tree = ParseSegmentTree(input.tree_json, input.timezone);
  if (!tree.ok()) {
    const std::string_view message = tree.status().message();
    return Status::InvalidArgument(prefix + (message == "tree is required"
                                                 ? std::string(message)
                                                 : "invalid tree: " + std::string(message)));
  }
  return tree;
}

}  // namespace tally::engine
