#include "engine/segment_preview.h"

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <variant>

#include "engine/goal_index.h"
#include "engine/segment_contact_facts.h"
#include "engine/segment_eval.h"
#include "log/assert.h"

namespace tally::engine {
namespace {

// Keeps the `limit` smallest emails seen.
void KeepSmallest(std::vector<std::string>& emails, std::size_t limit) {
  if (emails.size() <= limit) return;
  std::nth_element(emails.begin(), emails.begin() + static_cast<std::ptrdiff_t>(limit),
                   emails.end());
  emails.resize(limit);
}

SegmentPreview PreviewStripes(const Workspace& ws, const StringInterner& interner,
                              const SegmentTree& tree, TimeUs now, std::size_t sample_limit,
                              unsigned first, unsigned step) {
  const std::optional<std::optional<GoalType>> required = RequiredGoalType(tree.root);
  SegmentPreview out;
  for (unsigned s = first; s < kStripeCount; s += step) {
    const Stripe& stripe = ws.stripes[s];
    std::shared_lock lock(stripe.mu);
    for (const auto& [email, contact] : stripe.contacts) {
      if (!contact.exists) continue;
      if (required && FindGoalSeries(contact, *required, nullptr) == nullptr) continue;
      if (!EvaluateSegment(tree, SegmentContactFacts(contact, interner), now)) continue;
      ++out.total_count;
      out.emails.push_back(email);
      // Trim now and then so that a large match set does not hold every email.
      if (out.emails.size() >= 2 * sample_limit + 1024) KeepSmallest(out.emails, sample_limit);
    }
  }
  KeepSmallest(out.emails, sample_limit);
  return out;
}

}  // namespace

std::optional<std::optional<GoalType>> RequiredGoalType(const SegmentNode& node) {
  if (const auto* goal = std::get_if<GoalLeaf>(&node.node)) return goal->goal_type;
  const auto* branch = std::get_if<SegmentBranch>(&node.node);
  if (branch == nullptr || branch->op != BranchOp::kAnd) return std::nullopt;
  for (const SegmentNode& child : branch->children) {
    if (auto required = RequiredGoalType(child)) return required;
  }
  return std::nullopt;
}

SegmentPreview PreviewSegment(const Workspace& ws, const StringInterner& interner,
                              const SegmentTree& tree, TimeUs now, std::size_t sample_limit) {
  std::uint64_t contacts = 0;
  for (const Stripe& stripe : ws.stripes) {
    contacts += stripe.contacts_count.load(std::memory_order_relaxed);
  }
  const unsigned threads = contacts >= kPreviewParallelContactsMin ? kPreviewThreadsMax : 1;
  std::vector<SegmentPreview> parts(threads);
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t) {
    workers.emplace_back(
        [&, t] { parts[t] = PreviewStripes(ws, interner, tree, now, sample_limit, t, threads); });
  }
  parts[0] = PreviewStripes(ws, interner, tree, now, sample_limit, 0, threads);
  for (std::thread& worker : workers) worker.join();
  SegmentPreview out;
  for (SegmentPreview& part : parts) {
    out.total_count += part.total_count;
    std::move(part.emails.begin(), part.emails.end(), std::back_inserter(out.emails));
  }
  KeepSmallest(out.emails, sample_limit);
  std::sort(out.emails.begin(), out.emails.end());
  TALLY_ASSERT(out.emails.size() <= sample_limit);
  return out;
}

}  // namespace tally::engine
