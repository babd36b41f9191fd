// PreviewSegment: evaluates a segment tree for every contact of a workspace (segments.preview).
//
// The stripes are split between kPreviewThreadsMax threads (the machine tally targets has two
// cores), each holding its stripes shared one at a time, so writers to other stripes proceed.
// A tree whose every match needs a live event of some goal type (a goal leaf, or an `and` with
// one, never under `not`) is evaluated over that goal type's column (engine/goal_columns.h):
// the conjuncts of the root `and` run one after another over the rows that survived the
// previous ones, cheapest first — leaves the column decides, or their `not` (anytime, then
// other timeframes, whose undecided rows are decided by one scan of the events in range,
// engine/goal_range_aggregates.h, or when few rows are left by their series, prefetched a few
// rows ahead), then anything else per row through SegmentColumnFacts. Other trees (`not`, `or`,
// timeline leaves at the root) evaluate every existing contact through SegmentColumnFacts. Either
// way the answer per contact is EvaluateSegment's (engine/segment_eval.h). Sample emails are kept
// as references while a stripe is held and only the `limit` smallest are copied
// (engine/segment_sample.h).
//
// Thread safety: takes the stripes' locks itself; the caller holds none of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "engine/clock.h"
#include "engine/model.h"
#include "engine/segment_tree.h"
#include "engine/string_interner.h"
#include "engine/workspace.h"

namespace tally::engine {

inline constexpr unsigned kPreviewThreadsMax = 2;
// Below this many contacts one thread is faster than starting another.
inline constexpr std::uint64_t kPreviewParallelContactsMin = 20'000;

SegmentPreview PreviewSegment(const Workspace& ws, const StringInterner& interner,
                              const SegmentTree& tree, TimeUs now, std::size_t sample_limit);

// The goal type (nullopt: "*") every contact matching `node` must have a live event of, if any.
std::optional<std::optional<GoalType>> RequiredGoalType(const SegmentNode& node);

}  // namespace tally::engine
