#include "net/log_scan.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/frame_check.h"
#include "log/record_format.h"
#include "log/segment.h"

namespace tally::net {
namespace {

// A read-only mapping of a whole file.
class MappedFile {
 public:
  static Result<MappedFile> Open(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Status::FromErrno(errno, "open " + path.string());
    }
    MappedFile file;
    file.fd_ = fd;
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      return Status::FromErrno(errno, "stat " + path.string());
    }
    file.size_ = static_cast<std::size_t>(st.st_size);
    if (file.size_ > 0) {
      void* base = ::mmap(nullptr, file.size_, PROT_READ, MAP_SHARED, fd, 0);
      if (base == MAP_FAILED) {
        return Status::FromErrno(errno, "mmap " + path.string());
      }
      file.base_ = static_cast<const std::byte*>(base);
    }
    return file;
  }
  MappedFile(MappedFile&& o) noexcept : fd_(o.fd_), base_(o.base_), size_(o.size_) {
    o.fd_ = -1;
    o.base_ = nullptr;
  }
  MappedFile& operator=(MappedFile&&) = delete;
  ~MappedFile() {
    if (base_ != nullptr) {
      ::munmap(const_cast<std::byte*>(base_), size_);
    }
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  std::span<const std::byte> bytes() const { return {base_, size_}; }

 private:
  MappedFile() = default;
  int fd_ = -1;
  const std::byte* base_ = nullptr;
  std::size_t size_ = 0;
};

class Scanner {
 public:
  explicit Scanner(const LogScanOptions& options) : options_(options) {}

  Status ScanSegment(const std::filesystem::path& path, bool last);
  bool stopped() const { return stopped_; }
  LogScanSummary& summary() { return summary_; }

 private:
  void Problem(const std::string& segment, std::uint64_t offset, std::string reason) {
    summary_.problems.push_back({segment, offset, expected_, std::move(reason)});
  }
  // Handles a valid frame; false when on_record asked to stop.
  bool Record(const std::string& name, std::span<const std::byte> bytes, std::uint64_t offset,
              const log::FrameHeader& header);

  const LogScanOptions& options_;
  LogScanSummary summary_;
  log::Lsn expected_ = 0;  // LSN of the next frame; 0 before the first segment header
  log::Lsn durable_hint_max_ = 0;
  bool stopped_ = false;
};

bool Scanner::Record(const std::string& name, std::span<const std::byte> bytes,
                     std::uint64_t offset, const log::FrameHeader& header) {
  const auto payload = bytes.subspan(offset + log::kFrameHeaderBytes, header.payload_bytes);
  if (Status v = log::VerifyRecordPayload(header.record_type, payload); !v.ok()) {
    Problem(name, offset, std::string(v.message()));
    return true;
  }
  ++summary_.records;
  if (summary_.first_lsn == 0) {
    summary_.first_lsn = header.lsn;
  }
  summary_.last_lsn = header.lsn;
  if (header.lsn >= options_.from && options_.on_record) {
    return options_.on_record(log::RecordView{header.lsn, header.record_type, payload});
  }
  return true;
}

Status Scanner::ScanSegment(const std::filesystem::path& path, bool last) {
  const std::string name = path.filename().string();
  TALLY_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path));
  ++summary_.segments;
  std::span<const std::byte> bytes = file.bytes();
  if (bytes.size() < log::kSegmentHeaderBytes) {
    Problem(name, 0, "file is shorter than a segment header");
    return Status::Ok();
  }
  log::SegmentHeader header;
  const auto state = log::DecodeSegmentHeader(bytes.first<log::kSegmentHeaderBytes>(), &header);
  if (state != log::SegmentHeaderState::kValid) {
    Problem(name, 0,
            state == log::SegmentHeaderState::kZero
                ? "segment header is zero"
                : "segment header checksum, magic or version mismatch");
    return Status::Ok();
  }
  log::Lsn hint = 0;
  std::memcpy(&hint, bytes.data() + log::kSegmentHeaderDurableHintOffset, sizeof(hint));
  durable_hint_max_ = std::max(durable_hint_max_, hint);
  if (expected_ != 0 && header.first_lsn != expected_) {
    Problem(name, 0,
            "segment starts at LSN " + std::to_string(header.first_lsn) + ", expected " +
                std::to_string(expected_));
  }
  expected_ = header.first_lsn;
  bytes = bytes.first(std::min<std::uint64_t>(bytes.size(), header.capacity_bytes));
  std::uint64_t offset = log::kSegmentHeaderBytes;
  for (;;) {
    const log::FrameCheck check = log::CheckFrame(bytes, offset, expected_);
    if (check.kind == log::FrameCheck::Kind::kValid) {
      if (!Record(name, bytes, offset, check.header)) {
        stopped_ = true;
        return Status::Ok();
      }
      ++expected_;
      offset += check.frame_bytes();
      continue;
    }
    const bool bad = check.kind == log::FrameCheck::Kind::kBad;
    const std::optional<log::FoundFrame> next = log::FindNextValidFrame(bytes, offset);
    if (!next.has_value() && !bad) {
      return Status::Ok();  // the end of this segment's data
    }
    const std::string reason = bad ? check.reason : "unwritten frame followed by valid frames";
    if (last && expected_ > durable_hint_max_) {
      // Recovery cuts here: these records were never acknowledged as durable.
      summary_.torn_tail = LogScanProblem{name, offset, expected_, reason};
      return Status::Ok();
    }
    if (!next.has_value()) {
      Problem(name, offset, reason + "; no valid frame follows in this segment");
      return Status::Ok();
    }
    Problem(name, offset,
            reason + "; next valid frame at offset " + std::to_string(next->offset) +
                " holds LSN " + std::to_string(next->header.lsn));
    expected_ = next->header.lsn;
    offset = next->offset;
  }
}

}  // namespace

Result<LogScanSummary> ScanLog(const std::filesystem::path& log_dir,
                               const LogScanOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(log_dir, ec)) {
    return Status::NotFound("no log directory at " + log_dir.string());
  }
  std::vector<std::uint64_t> seqs;
  for (const auto& entry : std::filesystem::directory_iterator(log_dir, ec)) {
    if (std::optional<std::uint64_t> seq =
            log::ParseSegmentFileName(entry.path().filename().string())) {
      seqs.push_back(*seq);
    }
  }
  if (ec) {
    return Status::IoError("list " + log_dir.string() + ": " + ec.message());
  }
  std::sort(seqs.begin(), seqs.end());
  Scanner scanner(options);
  for (std::size_t i = 0; i < seqs.size() && !scanner.stopped(); ++i) {
    TALLY_RETURN_IF_ERROR(
        scanner.ScanSegment(log_dir / log::SegmentFileName(seqs[i]), i + 1 == seqs.size()));
    if (options.progress) {
      options.progress(i + 1, seqs.size());
    }
  }
  return std::move(scanner.summary());
}

}  // namespace tally::net
