// ParseSegmentTree: the segment tree JSON (reference §5.1, plus the `not` branch of D15) and
// the segment's time zone → a validated SegmentTree, or the first problem as a message a user
// can act on. docs/segments.md lists every message; they keep Notifuse's wording where Notifuse
// has one, and nested nodes are prefixed "branch leaf <i>: ".
//
// Pure function; thread safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "engine/segment_tree.h"
#include "log/result.h"

namespace tally::engine {

// Limits on a tree; each has a test that exceeds it.
inline constexpr std::size_t kSegmentTreeJsonBytesMax = 64 * 1024;
inline constexpr std::size_t kSegmentTreeNodesMax = 200;
inline constexpr std::size_t kSegmentTreeDepthMax = 16;    // nodes on the longest root-leaf path
inline constexpr std::size_t kTimelineKindBytesMax = 113;  // "custom_event." + a 100-byte name
inline constexpr std::uint64_t kTimelineCountValueMax = 1'000'000'000;
inline constexpr std::size_t kSegmentGoalNameBytesMax = 100;  // as goal_name on events

// `tree_json` is the tree's JSON text; `timezone` an IANA name ("" means UTC). Every failure is
// kInvalidArgument.
Result<SegmentTree> ParseSegmentTree(std::string_view tree_json, std::string_view timezone);

}  // namespace tally::engine
