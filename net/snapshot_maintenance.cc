#include "net/snapshot_maintenance.h"

#include <algorithm>

#include "log/logger.h"

namespace tally::net {
namespace {

std::chrono::milliseconds TickOf(const SnapshotPolicy& policy) {
  const auto quarter = std::chrono::milliseconds(policy.erase_within_s * 1000 / 4);
  return std::clamp(quarter, std::chrono::milliseconds(100), std::chrono::milliseconds(1000));
}

}  // namespace

SnapshotMaintenance::SnapshotMaintenance(engine::SnapshotStore& store, engine::Engine& engine,
                                         log::Log& log, const engine::Clock& clock,
                                         SnapshotPolicy policy)
    : store_(store),
      engine_(engine),
      log_(log),
      clock_(clock),
      policy_(policy),
      tick_(TickOf(policy)) {}

SnapshotMaintenance::~SnapshotMaintenance() {
  Stop();
}

void SnapshotMaintenance::Start() {
  TALLY_ASSERT(!thread_.joinable());
  newest_seen_at_ = clock_.NowUs();
  thread_ = std::thread([this] { Run(); });
}

void SnapshotMaintenance::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void SnapshotMaintenance::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    Tick();
    lock.lock();
    wake_.wait_for(lock, tick_, [this] { return stop_; });
  }
}

void SnapshotMaintenance::Tick() {
  if (clock_.NowUs() < retry_at_) {
    return;
  }
  const bool erasure_due = ErasureDue();
  if (!erasure_due && !PolicyDue()) {
    return;
  }
  engine::SnapshotSaveOptions options;
  Result<engine::SnapshotSaved> saved = erasure_due ? store_.PurgeErasures(engine_, log_, options)
                                                    : store_.Save(engine_, log_, options);
  if (!saved.ok()) {
    retry_at_ = clock_.NowUs() + std::chrono::microseconds(kRetryAfterFailure).count();
    Log(LogLevel::kError, "snapshot", "automatic snapshot failed",
        {{"reason", erasure_due ? "erasure bound" : "policy"},
         {"error", saved.status().ToString()},
         {"retry_in_s", static_cast<std::int64_t>(kRetryAfterFailure.count())}});
  }
}

bool SnapshotMaintenance::ErasureDue() {
  Result<log::Lsn> purged = store_.ErasedThrough(log_);
  if (!purged.ok()) {
    Log(LogLevel::kError, "snapshot", "cannot list snapshots",
        {{"error", purged.status().ToString()}});
    return false;
  }
  std::vector<engine::ErasureMark> marks = engine_.Erasures();
  if (!marks.empty() && marks.front().lsn <= *purged) {
    engine_.ForgetErasuresThrough(*purged);
    marks = engine_.Erasures();
  }
  if (marks.empty()) {
    return false;
  }
  const engine::TimeUs age_us = clock_.NowUs() - marks.front().recorded_at;
  return age_us >= static_cast<engine::TimeUs>(policy_.erase_within_s) * 1'000'000;
}

bool SnapshotMaintenance::PolicyDue() {
  if (policy_.every_records == 0 && policy_.every_minutes == 0) {
    return false;
  }
  Result<std::vector<engine::SnapshotFile>> files = store_.List();
  if (!files.ok()) {
    return false;  // ErasureDue has logged it
  }
  const engine::TimeUs now = clock_.NowUs();
  const log::Lsn newest = files->empty() ? 0 : files->back().lsn;
  if (newest != newest_lsn_) {
    newest_lsn_ = newest;
    newest_seen_at_ = now;
  }
  const log::Lsn since = log_.last_lsn() - std::min(log_.last_lsn(), newest);
  if (policy_.every_records != 0 && since >= policy_.every_records) {
    return true;
  }
  const engine::TimeUs period_us =
      std::chrono::microseconds(std::chrono::minutes(policy_.every_minutes)).count();
  return policy_.every_minutes != 0 && since > 0 && now - newest_seen_at_ >= period_us;
}

}  // namespace tally::net
