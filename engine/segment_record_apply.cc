#include "engine/segment_record_apply.h"

#include <thread>
#include <vector>

#include "engine/segment_contact_facts.h"
#include "engine/segment_eval.h"
#include "engine/segment_preview.h"
#include "engine/segment_registry.h"
#include "engine/segment_tree_parser.h"
#include "engine/segment_upkeep.h"
#include "log/assert.h"
#include "schemas/log_record_generated.h"

namespace tally::engine {
namespace {

std::string Text(const flatbuffers::String* s) {
  return s == nullptr ? std::string() : s->str();
}

// Evaluates `segment` for every contact of the stripes first, first + step, ... at `at`.
void DefineInStripes(Workspace& ws, SegmentRegistry& registry, const StringInterner& interner,
                     const std::shared_ptr<SavedSegment>& segment, TimeUs at, log::Lsn lsn,
                     unsigned first, unsigned step) {
  for (unsigned s = first; s < kStripeCount; s += step) {
    for (ContactEntry& contact : ws.stripes[s].contacts) {
      if (!contact.second.exists) continue;
      const SegmentContactFacts facts(contact.second, interner);
      const bool matches = EvaluateSegment(*segment->tree, facts, at);
      const auto member = segment->members[s].find(contact.first);
      if (member != segment->members[s].end()) {
        member->second.version = segment->version;
        member->second.computed_at = at;
      }
      if (matches != (member != segment->members[s].end())) {
        ApplySegmentChange(ws, contact, {segment, matches}, at, at, lsn);
      }
      // The contact's boundary for the other segments still holds; this tree may need an
      // earlier one.
      if (const auto boundary = NextSegmentBoundary(*segment->tree, facts, at)) {
        LowerSegmentBoundary(registry, contact, *boundary);
      }
    }
  }
}

}  // namespace

Status ApplySegmentDefine(Workspace& ws, const StringInterner& interner,
                          const schemas::SegmentDefine& record, log::Lsn lsn) {
  SegmentRegistry& registry = *ws.segments;
  auto segment = std::make_shared<SavedSegment>();
  segment->definition = SegmentInput{Text(record.id()), Text(record.name()), Text(record.color()),
                                     Text(record.tree_json()), Text(record.timezone())};
  Result<SegmentTree> tree =
      ParseSegmentTree(segment->definition.tree_json, segment->definition.timezone);
  if (!tree.ok()) {
    return Status::Corruption("LSN " + std::to_string(lsn) + ": segment " + segment->definition.id +
                              ": " + tree.status().ToString());
  }
  segment->tree = std::make_shared<const SegmentTree>(std::move(tree).value());
  const TimeUs at = record.recorded_at_us();
  segment->db_updated_at = at;
  const std::shared_ptr<SavedSegment> previous = registry.Find(segment->definition.id);
  if (previous != nullptr && !previous->deleted) {
    // An update keeps the members (re-evaluated below), the ordinal and the creation time.
    segment->version = previous->version + 1;
    segment->ordinal = previous->ordinal;
    segment->db_created_at = previous->db_created_at;
    segment->members = std::move(previous->members);
    segment->members_count.store(previous->members_count.load());
  } else {
    const std::optional<unsigned> ordinal = registry.FreeOrdinal();
    if (!ordinal) {
      return Status::Corruption("LSN " + std::to_string(lsn) + ": more than " +
                                std::to_string(kSegmentsPerWorkspaceMax) + " segments");
    }
    segment->ordinal = *ordinal;
    segment->db_created_at = at;
  }
  registry.Put(segment);
  std::uint64_t contacts = 0;
  for (const Stripe& stripe : ws.stripes) contacts += stripe.contacts.size();
  const unsigned threads = contacts >= kPreviewParallelContactsMin ? kPreviewThreadsMax : 1;
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t) {
    workers.emplace_back(
        [&, t] { DefineInStripes(ws, registry, interner, segment, at, lsn, t, threads); });
  }
  DefineInStripes(ws, registry, interner, segment, at, lsn, 0, threads);
  for (std::thread& worker : workers) worker.join();
  return Status::Ok();
}

void ApplySegmentDelete(Workspace& ws, const schemas::SegmentDelete& record, log::Lsn lsn) {
  SegmentRegistry& registry = *ws.segments;
  const std::shared_ptr<SavedSegment> segment = registry.Find(Text(record.id()));
  if (segment == nullptr || segment->deleted) return;
  const TimeUs at = record.recorded_at_us();
  for (unsigned s = 0; s < kStripeCount; ++s) {
    auto& contacts = ws.stripes[s].contacts;
    // Leaving erases from the map being walked, so walk a copy of the emails.
    std::vector<std::string> members;
    for (const auto& [email, member] : segment->members[s]) members.push_back(email);
    for (const std::string& email : members) {
      const auto contact = contacts.find(email);
      TALLY_ASSERT(contact != contacts.end());
      ApplySegmentChange(ws, *contact, {segment, false}, at, at, lsn);
    }
  }
  TALLY_ASSERT(segment->members_count.load() == 0);
  registry.MarkDeleted(segment);
}

Status ApplySegmentTransition(Workspace& ws, const StringInterner& interner,
                              const schemas::SegmentTransition& record, log::Lsn lsn) {
  const Status corrupt = Status::Corruption("LSN " + std::to_string(lsn) +
                                            ": segment transition that does not fit the state");
  SegmentRegistry& registry = *ws.segments;
  const std::string email = Text(record.email());
  auto& contacts = ws.stripes[ContactStripe(email)].contacts;
  const auto contact = contacts.find(email);
  if (contact == contacts.end()) return corrupt;
  for (const schemas::SegmentMembershipChange* change : *record.changes()) {
    const std::shared_ptr<SavedSegment> segment = registry.Find(Text(change->segment_id()));
    if (segment == nullptr || segment->deleted) return corrupt;
    const bool member = (contact->second.segment_bits >> segment->ordinal & 1) != 0;
    if (member == change->joined()) return corrupt;
    ApplySegmentChange(ws, *contact, {segment, change->joined()}, record.at_us(),
                       record.recorded_at_us(), lsn);
  }
  const ContactSegmentsEvaluation after =
      EvaluateContactSegments(*registry.Live(), *contact, interner, record.at_us());
  if (!after.changes.empty()) return corrupt;
  SetSegmentBoundary(registry, *contact, after.next_boundary);
  return Status::Ok();
}

}  // namespace tally::engine
