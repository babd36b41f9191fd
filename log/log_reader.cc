#include "log/log_reader.h"

#include <string>
#include <utility>

#include "log/assert.h"
#include "log/frame_check.h"
#include "log/segment.h"
#include "log/segment_list.h"

namespace tally::log {

LogReader::LogReader(std::shared_ptr<const SegmentList> segments, Lsn from)
    : segments_(std::move(segments)), from_(from) {
  if (auto first = segments_->ForLsn(from)) {
    const Lsn first_lsn = first->first_lsn();
    MoveTo(std::move(first), kSegmentHeaderBytes, first_lsn);
  }
}

LogReader::~LogReader() = default;

void LogReader::MoveTo(std::shared_ptr<Segment> segment, std::uint64_t offset, Lsn lsn) {
  TALLY_ASSERT(offset >= kSegmentHeaderBytes && offset % kFrameAlignment == 0);
  segment_ = segment.get();
  if (held_.empty() || held_.back() != segment) {
    held_.push_back(std::move(segment));
  }
  offset_ = offset;
  expected_ = lsn;
}

Result<std::optional<RecordView>> LogReader::Next() {
  while (segment_ != nullptr) {
    const std::span<const std::byte> bytes(segment_->data(), segment_->capacity_bytes());
    const FrameCheck check = CheckFrame(bytes, offset_, expected_);
    if (check.kind == FrameCheck::Kind::kValid) {
      const std::uint64_t offset = offset_;
      offset_ += check.frame_bytes();
      ++expected_;
      if (check.header.lsn < from_) {
        continue;
      }
      const auto payload = bytes.subspan(offset + kFrameHeaderBytes, check.header.payload_bytes);
      if (Status s = VerifyRecordPayload(check.header.record_type, payload); !s.ok()) {
        return s.WithContext("segment " + segment_->name() + " offset " + std::to_string(offset) +
                             " LSN " + std::to_string(check.header.lsn));
      }
      return std::optional<RecordView>(RecordView{
          .lsn = check.header.lsn, .type = check.header.record_type, .payload = payload});
    }
    if (check.kind == FrameCheck::Kind::kEnd) {
      auto next = segments_->After(segment_->seq());
      if (next != nullptr && next->first_lsn() == expected_) {
        MoveTo(std::move(next), kSegmentHeaderBytes, expected_);
        continue;
      }
    }
    // Salvage recovery recorded where to resume after each frame it skipped.
    if (auto skip = segments_->SkipAt(segment_->seq(), offset_)) {
      auto resume = segments_->BySeq(skip->resume_seq);
      TALLY_ASSERT(resume != nullptr);
      MoveTo(std::move(resume), skip->resume_offset, skip->resume_lsn);
      continue;
    }
    if (check.kind == FrameCheck::Kind::kEnd) {
      return std::optional<RecordView>();
    }
    return Status::Corruption("segment " + segment_->name() + " offset " + std::to_string(offset_) +
                              " LSN " + std::to_string(expected_) + ": " + check.reason);
  }
  return std::optional<RecordView>();
}

}  // namespace tally::log
