#include "log/segment_preparer.h"

#include <algorithm>
#include <utility>

#include "log/assert.h"

namespace tally::log {

AheadPages AheadPagesFor(SyncPolicy sync) {
  return sync == SyncPolicy::kAlways ? AheadPages::kFaultAndWriteBack : AheadPages::kFault;
}

SegmentPreparer::SegmentPreparer(FileSystem* fs, std::filesystem::path dir,
                                 std::uint64_t capacity_bytes, MapPages pages, AheadPages ahead,
                                 std::uint64_t next_seq)
    : fs_(fs),
      dir_(std::move(dir)),
      capacity_bytes_(capacity_bytes),
      pages_(pages),
      ahead_(ahead),
      want_seq_(next_seq) {
  thread_ = std::thread([this] { Run(); });
}

SegmentPreparer::~SegmentPreparer() {
  (void)Stop();
}

void SegmentPreparer::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] {
      return stop_ || (want_seq_ != 0 && prepared_ == nullptr) ||
             (prefault_segment_ != nullptr && prefaulted_until_ < prefault_until_);
    });
    if (stop_) {
      return;
    }
    if (want_seq_ != 0 && prepared_ == nullptr) {
      const std::uint64_t seq = want_seq_;
      preparing_ = true;
      lock.unlock();
      Result<std::shared_ptr<Segment>> segment =
          Segment::Create(fs_, dir_ / SegmentFileName(seq), seq, capacity_bytes_, pages_);
      if (segment.ok()) {
        PrepareAhead(**segment, 0, std::min(kPrefaultWindowBytes, capacity_bytes_));
      }
      lock.lock();
      preparing_ = false;
      // On failure (a full disk) the writer retries on its own thread when it needs the
      // segment, and reports the error then.
      want_seq_ = 0;
      if (segment.ok()) {
        prepared_ = std::move(segment).value();
      }
      ready_cv_.notify_all();
      continue;
    }
    std::shared_ptr<Segment> segment = prefault_segment_;
    const std::uint64_t from = prefaulted_until_;
    const std::uint64_t until = prefault_until_;
    lock.unlock();
    PrepareAhead(*segment, from, until - from);
    lock.lock();
    if (prefault_segment_ == segment) {
      prefaulted_until_ = std::max(prefaulted_until_, until);
    }
  }
}

void SegmentPreparer::PrepareAhead(const Segment& segment, std::uint64_t offset,
                                   std::uint64_t bytes) const {
  (void)segment.Prefault(offset, bytes);
  if (ahead_ == AheadPages::kFaultAndWriteBack && segment.WriteBack(offset, bytes).ok()) {
    (void)segment.Prefault(offset, bytes);
  }
}

Result<std::shared_ptr<Segment>> SegmentPreparer::Take(std::uint64_t seq) {
  std::shared_ptr<Segment> segment;
  {
    std::unique_lock lock(mu_);
    ready_cv_.wait(lock, [&] { return !preparing_; });
    if (prepared_ != nullptr && prepared_->seq() == seq) {
      segment = std::move(prepared_);
      // Its first window was prepared with it: the writer's Prefault request for that window
      // finds nothing to do (written back twice, those pages would cost the disk twice).
      prefault_segment_ = segment;
      prefaulted_until_ = std::min(kPrefaultWindowBytes, capacity_bytes_);
      prefault_until_ = prefaulted_until_;
    }
    TALLY_ASSERT(prepared_ == nullptr);
    // The thread has not started on `seq` (or failed it): cancel, so that it does not try to
    // create the same file while this thread does.
    want_seq_ = 0;
  }
  if (segment == nullptr) {
    TALLY_ASSIGN_OR_RETURN(
        segment, Segment::Create(fs_, dir_ / SegmentFileName(seq), seq, capacity_bytes_, pages_));
  }
  {
    std::lock_guard lock(mu_);
    if (!stop_) {
      want_seq_ = seq + 1;
      work_cv_.notify_one();
    }
  }
  return segment;
}

void SegmentPreparer::Prefault(std::shared_ptr<Segment> segment, std::uint64_t until) {
  std::lock_guard lock(mu_);
  until = std::min(until, segment->capacity_bytes());
  if (prefault_segment_ != segment) {
    prefault_segment_ = std::move(segment);
    prefaulted_until_ = 0;
  }
  prefault_until_ = until;
  work_cv_.notify_one();
}

Status SegmentPreparer::Stop() {
  std::shared_ptr<Segment> unused;
  {
    std::lock_guard lock(mu_);
    if (stop_) {
      return Status::Ok();
    }
    stop_ = true;
    work_cv_.notify_one();
  }
  thread_.join();
  {
    std::lock_guard lock(mu_);
    unused = std::move(prepared_);
    prefault_segment_.reset();
  }
  if (unused == nullptr) {
    return Status::Ok();
  }
  const std::filesystem::path path = unused->path();
  unused.reset();
  TALLY_RETURN_IF_ERROR(fs_->Remove(path));
  return fs_->SyncDir(dir_);
}

}  // namespace tally::log
