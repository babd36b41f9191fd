#include "log/recovery.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <set>
#include <string>

#include "log/assert.h"
#include "log/frame_check.h"
#include "log/record_format.h"

namespace tally::log {
namespace {

struct FoundAt {
  std::size_t index = 0;  // into Recoverer::segments_
  FoundFrame frame;
};

class Recoverer {
 public:
  Recoverer(FileSystem* fs, const LogOptions& options) : fs_(fs), options_(options) {}

  Result<RecoveredLog> Run() {
    TALLY_RETURN_IF_ERROR(fs_->CreateDir(options_.dir));
    TALLY_RETURN_IF_ERROR(LoadSegments());
    TALLY_RETURN_IF_ERROR(WalkFrames());
    TALLY_RETURN_IF_ERROR(SyncResult());
    out_.segments = std::move(segments_);
    out_.report.segments = out_.segments.size();
    return std::move(out_);
  }

 private:
  Status LoadSegments();
  Result<bool> DropIfZeroHeader(std::uint64_t seq);
  Status LoadSegment(std::uint64_t seq, bool* stop);
  Status WalkFrames();
  std::optional<FoundAt> FindValidAfter(std::size_t index, std::uint64_t offset, Lsn lsn_min) const;
  Status TruncateAt(std::size_t index, std::uint64_t offset);
  Status SetAside(const std::filesystem::path& path);
  Status CopyAside(const Segment& segment);
  Status SyncResult();

  Status Problem(const std::string& segment, std::uint64_t offset, Lsn lsn,
                 const std::string& reason, bool* stop);

  std::span<const std::byte> Bytes(std::size_t index) const {
    return {segments_[index]->data(), segments_[index]->capacity_bytes()};
  }

  FileSystem* const fs_;
  const LogOptions& options_;
  std::set<std::string> names_;  // every file name in the directory, for unique aside names
  std::vector<std::shared_ptr<Segment>> segments_;
  bool dir_changed_ = false;
  RecoveredLog out_;
};

// Offset one past the last non-zero byte of `bytes` at or after `from`, or `from` if none.
std::uint64_t NonZeroEnd(std::span<const std::byte> bytes, std::uint64_t from) {
  std::uint64_t end = bytes.size();
  while (end > from && bytes[end - 1] == std::byte{0}) {
    --end;
  }
  return end;
}

bool ValidCapacity(std::uint64_t bytes) {
  return bytes % kPageBytes == 0 && bytes >= kSegmentBytesMin && bytes <= kSegmentBytesMax;
}

Status Recoverer::LoadSegments() {
  TALLY_ASSIGN_OR_RETURN(std::vector<std::string> names, fs_->ListDir(options_.dir));
  std::vector<std::uint64_t> seqs;
  for (const std::string& name : names) {
    names_.insert(name);
    if (auto seq = ParseSegmentFileName(name)) {
      seqs.push_back(*seq);
    }
  }
  std::sort(seqs.begin(), seqs.end());
  out_.next_seq = seqs.empty() ? 1 : seqs.back() + 1;
  while (!seqs.empty()) {
    TALLY_ASSIGN_OR_RETURN(const bool dropped, DropIfZeroHeader(seqs.back()));
    if (!dropped) {
      break;
    }
    seqs.pop_back();
  }
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    bool stop = false;
    TALLY_RETURN_IF_ERROR(LoadSegment(seqs[i], &stop));
    if (stop) {
      // Point-in-time recovery stopped at a bad header: everything after it is set aside.
      for (std::size_t j = i + 1; j < seqs.size(); ++j) {
        TALLY_RETURN_IF_ERROR(SetAside(options_.dir / SegmentFileName(seqs[j])));
      }
      break;
    }
  }
  return Status::Ok();
}

// A trailing segment whose header is zero was never covered by a sync: a sync of a segment
// always includes its header page, and segments are synced in order. So it is either the
// segment prepared ahead and never used (all zero: removed) or one the writer rolled into
// before the crash, whose records were never acknowledged as durable (set aside and reported
// as a torn tail). Returns whether `seq` was such a segment.
Result<bool> Recoverer::DropIfZeroHeader(std::uint64_t seq) {
  const std::filesystem::path path = options_.dir / SegmentFileName(seq);
  TALLY_ASSIGN_OR_RETURN(const FileHandle file, fs_->Open(path, /*create=*/false));
  std::vector<std::byte> chunk(std::size_t{1} << 20);
  std::uint64_t nonzero_end = 0;
  std::uint64_t offset = 0;
  for (;;) {
    Result<std::size_t> read = fs_->ReadAt(file, offset, chunk);
    if (!read.ok()) {
      (void)fs_->Close(file);
      return read.status().WithContext("read segment " + path.string());
    }
    if (offset == 0) {
      std::array<std::byte, kSegmentHeaderBytes> raw{};
      std::copy_n(chunk.begin(), std::min<std::size_t>(*read, raw.size()), raw.begin());
      SegmentHeader header;
      if (DecodeSegmentHeader(raw, &header) != SegmentHeaderState::kZero) {
        TALLY_RETURN_IF_ERROR(fs_->Close(file));
        return false;
      }
    }
    const std::uint64_t end = NonZeroEnd(std::span<const std::byte>(chunk.data(), *read), 0);
    if (end > 0) {
      nonzero_end = offset + end;
    }
    offset += *read;
    if (*read < chunk.size()) {
      break;
    }
  }
  TALLY_RETURN_IF_ERROR(fs_->Close(file));
  if (nonzero_end == 0) {
    TALLY_RETURN_IF_ERROR(fs_->Remove(path));
    dir_changed_ = true;
    return true;
  }
  TALLY_RETURN_IF_ERROR(SetAside(path));
  out_.report.truncated_bytes += nonzero_end;
  out_.report.truncated_segment = path.filename().string();
  out_.report.truncated_offset = 0;
  return true;
}

Status Recoverer::LoadSegment(std::uint64_t seq, bool* stop) {
  const std::filesystem::path path = options_.dir / SegmentFileName(seq);
  TALLY_ASSIGN_OR_RETURN(const FileHandle file, fs_->Open(path, /*create=*/false));
  std::array<std::byte, kSegmentHeaderBytes> raw{};
  Result<std::uint64_t> size = fs_->FileSize(file);
  Result<std::size_t> read = size.ok() ? fs_->ReadAt(file, 0, raw) : size.status();
  if (!read.ok()) {
    (void)fs_->Close(file);
    return read.status().WithContext("read segment header " + path.string());
  }
  SegmentHeader header;
  const SegmentHeaderState state = DecodeSegmentHeader(raw, &header);
  std::string reason;
  if (state == SegmentHeaderState::kZero) {
    reason = "segment header is zero";
  } else if (state == SegmentHeaderState::kBad) {
    reason = "segment header checksum, magic or version mismatch";
  } else if (header.seq != seq || !ValidCapacity(header.capacity_bytes) || header.first_lsn == 0) {
    reason = "segment header names seq " + std::to_string(header.seq) + ", capacity " +
             std::to_string(header.capacity_bytes) + ", first LSN " +
             std::to_string(header.first_lsn);
  } else if (*size < header.capacity_bytes) {
    // A file cut short (by a crash on a file system without preallocation, or by hand) reads
    // as zeros from the cut on once it is extended; the frame walk treats them as a tail.
    if (Status s = fs_->Allocate(file, header.capacity_bytes); !s.ok()) {
      (void)fs_->Close(file);
      return s.WithContext("extend segment " + path.string());
    }
  }
  TALLY_RETURN_IF_ERROR(fs_->Close(file));
  if (!reason.empty()) {
    return Problem(path.filename().string(), 0, 0, reason, stop).WithContext("recover log");
  }
  TALLY_ASSIGN_OR_RETURN(auto segment, Segment::OpenExisting(fs_, path, seq, header.capacity_bytes,
                                                             SegmentMapPages(options_.sync)));
  segment->SetFirstLsn(header.first_lsn);
  segments_.push_back(std::move(segment));
  return Status::Ok();
}

// Records a mid-log problem per the recovery mode: kStrict fails, kSalvage reports it and goes
// on, kPointInTime reports it and sets *stop. A bad segment header (offset 0) in kSalvage mode
// sets its file aside.
Status Recoverer::Problem(const std::string& segment, std::uint64_t offset, Lsn lsn,
                          const std::string& reason, bool* stop) {
  RecoveryReport::Problem problem{segment, offset, lsn, reason};
  switch (options_.recovery) {
    case RecoveryMode::kStrict:
      return Status::Corruption("segment " + segment + " offset " + std::to_string(offset) +
                                (lsn != 0 ? " LSN " + std::to_string(lsn) : std::string()) + ": " +
                                reason);
    case RecoveryMode::kSalvage:
      out_.report.skipped.push_back(problem);
      if (offset == 0) {
        return SetAside(options_.dir / segment);
      }
      return Status::Ok();
    case RecoveryMode::kPointInTime:
      out_.report.stopped_at.push_back(problem);
      *stop = true;
      if (offset == 0) {
        return SetAside(options_.dir / segment);
      }
      return Status::Ok();
  }
  return Status::Internal("unknown recovery mode");
}

Status Recoverer::WalkFrames() {
  if (segments_.empty()) {
    return Status::Ok();
  }
  // Every LSN at or below the highest durable hint was acknowledged as durable; a bad frame
  // above it may be an append that was still being copied when the process died while later
  // appends had completed, which is a torn tail, not corruption.
  Lsn durable_hint = 0;
  for (const auto& segment : segments_) {
    durable_hint = std::max(durable_hint, segment->LoadDurableHint());
  }
  Lsn expected = segments_.front()->first_lsn();
  std::size_t index = 0;
  std::uint64_t offset = kSegmentHeaderBytes;
  for (;;) {
    const FrameCheck check = CheckFrame(Bytes(index), offset, expected);
    if (check.kind == FrameCheck::Kind::kValid) {
      ++expected;
      offset += check.frame_bytes();
      continue;
    }
    if (check.kind == FrameCheck::Kind::kEnd && index + 1 < segments_.size() &&
        segments_[index + 1]->first_lsn() == expected) {
      ++index;
      offset = kSegmentHeaderBytes;
      continue;
    }
    const std::optional<FoundAt> found = FindValidAfter(index, offset + kFrameAlignment, expected);
    if (!found.has_value() || expected > durable_hint) {
      TALLY_RETURN_IF_ERROR(TruncateAt(index, offset));
      break;
    }
    const std::string reason =
        check.kind == FrameCheck::Kind::kEnd ? "zero or unpublished frame header" : check.reason;
    bool stop = false;
    TALLY_RETURN_IF_ERROR(Problem(segments_[index]->name(), offset, expected,
                                  reason + "; a valid frame (LSN " +
                                      std::to_string(found->frame.header.lsn) + ") follows in " +
                                      segments_[found->index]->name() + " at offset " +
                                      std::to_string(found->frame.offset),
                                  &stop));
    if (stop) {
      TALLY_RETURN_IF_ERROR(CopyAside(*segments_[index]));
      TALLY_RETURN_IF_ERROR(TruncateAt(index, offset));
      break;
    }
    out_.skips.push_back(SalvageSkip{.seq = segments_[index]->seq(),
                                     .offset = offset,
                                     .resume_seq = segments_[found->index]->seq(),
                                     .resume_offset = found->frame.offset,
                                     .resume_lsn = found->frame.header.lsn});
    index = found->index;
    offset = found->frame.offset;
    expected = found->frame.header.lsn;
  }
  // TruncateAt dropped every segment after `index`.
  TALLY_ASSERT(index + 1 == segments_.size());
  out_.next_lsn = expected;
  out_.last_lsn = expected - 1;
  out_.write_offset = offset;
  const Lsn first = segments_.front()->first_lsn();
  out_.report.first_lsn = out_.last_lsn >= first ? first : 0;
  out_.report.last_lsn = out_.last_lsn;
  return Status::Ok();
}

// The first frame after (index, offset) whose checksums verify and whose LSN is at least
// `lsn_min` (a lower LSN cannot continue the log, whatever it is).
std::optional<FoundAt> Recoverer::FindValidAfter(std::size_t index, std::uint64_t offset,
                                                 Lsn lsn_min) const {
  for (std::size_t i = index; i < segments_.size(); ++i) {
    std::uint64_t from = i == index ? offset : kSegmentHeaderBytes;
    while (auto frame = FindNextValidFrame(Bytes(i), from)) {
      if (frame->header.lsn >= lsn_min) {
        return FoundAt{.index = i, .frame = *frame};
      }
      from = frame->offset + kFrameAlignment;
    }
  }
  return std::nullopt;
}

// Cuts the log at (index, offset): zeroes the rest of that segment and sets every later
// segment aside. Reports what was cut when anything but zeros was there.
Status Recoverer::TruncateAt(std::size_t index, std::uint64_t offset) {
  Segment& segment = *segments_[index];
  const std::uint64_t end = NonZeroEnd(Bytes(index), offset);
  std::uint64_t cut = end - offset;
  if (end > offset) {
    std::memset(segment.data() + offset, 0, end - offset);
    TALLY_RETURN_IF_ERROR(segment.Sync(offset, end - offset));
  }
  for (std::size_t i = index + 1; i < segments_.size(); ++i) {
    cut += NonZeroEnd(Bytes(i), kSegmentHeaderBytes) - kSegmentHeaderBytes;
    TALLY_RETURN_IF_ERROR(SetAside(segments_[i]->path()));
  }
  segments_.resize(index + 1);
  if (cut > 0) {
    // Trailing zero-header segments may have been counted already; this cut comes before them.
    out_.report.truncated_bytes += cut;
    out_.report.truncated_segment = segment.name();
    out_.report.truncated_offset = offset;
  }
  return Status::Ok();
}

Status Recoverer::SetAside(const std::filesystem::path& path) {
  std::string name = path.filename().string() + ".discarded";
  for (int k = 1; names_.contains(name); ++k) {
    name = path.filename().string() + ".discarded." + std::to_string(k);
  }
  names_.insert(name);
  dir_changed_ = true;
  return fs_->Rename(path, path.parent_path() / name);
}

// Keeps a copy of a whole segment before point-in-time recovery zeroes its tail.
Status Recoverer::CopyAside(const Segment& segment) {
  std::string name = segment.name() + ".discarded";
  for (int k = 1; names_.contains(name); ++k) {
    name = segment.name() + ".discarded." + std::to_string(k);
  }
  names_.insert(name);
  dir_changed_ = true;
  TALLY_ASSIGN_OR_RETURN(auto copy, Segment::Create(fs_, options_.dir / name, 0,
                                                    segment.capacity_bytes(), MapPages::kSmall));
  std::memcpy(copy->data(), segment.data(), segment.capacity_bytes());
  return copy->Sync(0, segment.capacity_bytes());
}

// Makes everything recovery kept durable (a killed process leaves dirty pages behind) and
// records that in the last segment's durable hint.
Status Recoverer::SyncResult() {
  for (const auto& segment : segments_) {
    TALLY_RETURN_IF_ERROR(segment->Sync(0, segment->capacity_bytes()));
  }
  if (!segments_.empty()) {
    segments_.back()->StoreDurableHint(out_.last_lsn);
    TALLY_RETURN_IF_ERROR(segments_.back()->Sync(0, kSegmentHeaderBytes));
  }
  if (dir_changed_) {
    TALLY_RETURN_IF_ERROR(fs_->SyncDir(options_.dir));
  }
  return Status::Ok();
}

}  // namespace

Result<RecoveredLog> Recover(FileSystem* fs, const LogOptions& options) {
  return Recoverer(fs, options).Run();
}

}  // namespace tally::log
