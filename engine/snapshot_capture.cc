#include "engine/snapshot_capture.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "engine/snapshot_epoch.h"
#include "log/assert.h"

namespace tally::engine {

WorkspaceCapture::WorkspaceCapture(Workspace& workspace) : ws(workspace) {
  for (const auto& segment : *ws.segments->Live()) {
    segments.push_back(segment);
    by_ordinal[segment->ordinal] = segment.get();
  }
  for (const auto& segment : ws.segments->All()) {
    if (segment->deleted) segments.push_back(segment);
  }
  // The schedule changes with every write that moves a boundary, so it is copied at the cut,
  // straight into the columns its chunks are written from.
  ws.segments->ForEachScheduledUnlocked([&](TimeUs at, const std::string& email) {
    TALLY_ASSERT(email.size() <= UINT32_MAX);
    schedule.emplace_back(at, static_cast<std::uint32_t>(email.size()));
    schedule_text.append(email);
  });
  stripes.reserve(kStripeCount);
  for (unsigned s = 0; s < kStripeCount; ++s) {
    stripes.push_back(std::make_unique<StripeCapture>(by_ordinal, s));
  }
}

SnapshotCapture::SnapshotCapture(log::Lsn lsn, TimeUs created_at,
                                 const std::vector<Workspace*>& workspaces,
                                 std::vector<ErasureMark> erasures)
    : lsn_(lsn),
      created_at_(created_at),
      epoch_(NewSnapshotEpoch()),
      erasures_(std::move(erasures)) {
  workspaces_.reserve(workspaces.size());
  for (Workspace* ws : workspaces) {
    workspaces_.push_back(std::make_unique<WorkspaceCapture>(*ws));
    by_workspace_.emplace(ws, workspaces_.back().get());
  }
  std::sort(workspaces_.begin(), workspaces_.end(),
            [](const auto& a, const auto& b) { return a->ws.id < b->ws.id; });
}

StripeCapture* SnapshotCapture::StripeOf(const Workspace& ws, const ContactEntry& contact) {
  const auto it = by_workspace_.find(&ws);
  // A workspace created after the cut holds no contact of the snapshot.
  if (it == by_workspace_.end()) return nullptr;
  return it->second->stripes[ContactStripe(contact.first)].get();
}

void SnapshotCapture::PreserveIfPending(const Workspace& ws, ContactEntry& contact) {
  // The walk needs no lock to finish a claimed contact (nor does it wait for this writer), so
  // the wait ends within one contact's encoding; yielding lets the walk run where the cores
  // are few.
  while (EpochOf(contact) == kSnapshotEpochWalking) std::this_thread::yield();
  if (Pending(contact)) Preserve(ws, contact);
}

void SnapshotCapture::Preserve(const Workspace& ws, ContactEntry& contact) {
  TALLY_ASSERT(Pending(contact));
  StripeCapture* stripe = StripeOf(ws, contact);
  TALLY_ASSERT_MSG(stripe != nullptr, "a contact older than the cut in a workspace created after");
  TALLY_ASSERT_MSG(!stripe->walked, "a contact the walk left behind");
  stripe->preserved.Add(contact);
  EpochRef(contact).store(epoch_, std::memory_order_release);
}

void SnapshotCapture::Claim(ContactEntry& contact) {
  TALLY_ASSERT(Pending(contact));
  // Writers see the claim through the stripe's lock, which they take after the walk's hold.
  EpochRef(contact).store(kSnapshotEpochWalking, std::memory_order_relaxed);
}

void SnapshotCapture::Stamp(ContactEntry& contact) {
  TALLY_ASSERT(EpochOf(contact) == kSnapshotEpochWalking);
  EpochRef(contact).store(epoch_, std::memory_order_release);
}

void SnapshotCapture::NoteErased(const Workspace& ws, const ContactEntry& contact) {
  TALLY_ASSERT(!Pending(contact));
  if (StripeCapture* stripe = StripeOf(ws, contact)) stripe->erased.insert(&contact);
}

}  // namespace tally::engine
