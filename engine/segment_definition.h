// Segment definitions: the fields of segments.create / segments.update (reference §5.4), their
// limits and their validation into a parsed tree.
//
// Value types and pure functions; thread safe.
#pragma once

#include <cstddef>
#include <string>

#include "engine/segment_tree.h"
#include "log/result.h"

namespace tally::engine {

// Notifuse's limits (reference §5.4), and tally's own on the number of saved segments.
inline constexpr std::size_t kSegmentIdBytesMax = 32;
inline constexpr std::size_t kSegmentNameBytesMax = 255;
inline constexpr std::size_t kSegmentColorBytesMax = 50;

// A segment as the client sends it; the tree as its JSON text.
struct SegmentInput {
  std::string id;
  std::string name;
  std::string color;
  std::string tree_json;
  std::string timezone;  // IANA; empty means UTC
};

enum class SegmentRequestKind { kCreate, kUpdate };

// Checks the fields in this order and parses the tree in the segment's zone. Errors are
// kInvalidArgument "invalid create segment request: <problem>" (or "update"), the problem
// being one of: id is required | id must be 32 characters or less | id must contain only
// lowercase letters, numbers, and underscores | name is required | name must be 255 characters
// or less | color must be 50 characters or less | tree is required | the time zone's messages |
// "invalid tree: " + a tree message (docs/segments.md).
Result<SegmentTree> ValidateSegmentInput(const SegmentInput& input, SegmentRequestKind kind);

}  // namespace tally::engine
