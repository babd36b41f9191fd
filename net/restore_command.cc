#include "net/restore_command.h"

#include <cstdio>

#include "engine/snapshot_store.h"
#include "log/log.h"
#include "log/logger.h"
#include "net/data_dir_lock.h"
#include "net/progress_meter.h"
#include "net/snapshot_report.h"

namespace tally::net {
namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "tally: %s\n", status.ToString().c_str());
  return 1;
}

// True when `dir` is missing or holds nothing but the lock file.
Result<bool> IsEmptyDataDir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    return true;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().filename() != kLockFileName) {
      return false;
    }
  }
  if (ec) {
    return Status::IoError("list " + dir.string() + ": " + ec.message());
  }
  return true;
}

Status RemoveTree(const std::filesystem::path& path) {
  std::error_code ec;
  std::uintmax_t removed = std::filesystem::remove_all(path, ec);
  if (ec) {
    return Status::IoError("remove " + path.string() + ": " + ec.message());
  }
  if (removed > 0) {
    Log(LogLevel::kWarn, "restore", "--force: removed", {{"path", path.string()}});
  }
  return Status::Ok();
}

Result<engine::SnapshotFile> Restore(const RestoreArgs& args) {
  {
    ProgressMeter meter("restore", "verifying snapshot", "bytes", ProgressMeter::Mode::kDrawOrLog);
    Result<engine::SnapshotHeader> header = engine::VerifySnapshot(args.snapshot, meter.Callback());
    if (!header.ok()) {
      return header.status().WithContext(header.status().IsCorruption()
                                             ? "snapshot " + args.snapshot.string() + " is damaged"
                                             : args.snapshot.string());
    }
  }
  TALLY_ASSIGN_OR_RETURN(bool empty, IsEmptyDataDir(args.data_dir));
  if (!empty && !args.force) {
    return Status::FailedPrecondition("data directory " + args.data_dir.string() +
                                      " is not empty; use --force to replace its log/ and "
                                      "snapshots/");
  }
  TALLY_ASSIGN_OR_RETURN(DataDirLock lock, DataDirLock::Acquire(args.data_dir));
  TALLY_RETURN_IF_ERROR(RemoveTree(args.data_dir / kLogDirName));
  TALLY_RETURN_IF_ERROR(RemoveTree(args.data_dir / kSnapshotsDirName));
  TALLY_ASSIGN_OR_RETURN(
      std::unique_ptr<engine::SnapshotStore> store,
      engine::SnapshotStore::Open(args.data_dir / kSnapshotsDirName, engine::kSnapshotKeepMin));
  ProgressMeter meter("restore", "copying and verifying the copy", "bytes",
                      ProgressMeter::Mode::kDrawOrLog);
  TALLY_ASSIGN_OR_RETURN(engine::SnapshotFile copy, store->Import(args.snapshot, meter.Callback()));
  // The log continues right after the snapshot, so the server loads it and replays nothing.
  log::LogOptions log_options;
  log_options.dir = args.data_dir / kLogDirName;
  log_options.first_lsn = copy.lsn + 1;
  TALLY_ASSIGN_OR_RETURN(std::unique_ptr<log::Log> log, log::Log::Open(log_options));
  TALLY_RETURN_IF_ERROR(log->Close());
  return copy;
}

}  // namespace

int RunRestore(const RestoreArgs& args) {
  Result<engine::SnapshotFile> copy = Restore(args);
  if (!copy.ok()) {
    return Fail(copy.status());
  }
  Result<engine::SnapshotHeader> header = engine::ReadSnapshotHeader(copy->path);
  if (!header.ok()) {
    return Fail(header.status());
  }
  std::printf("restored into %s\n", args.data_dir.string().c_str());
  std::fputs(FormatHeaderLines(copy->path.string(), *header).c_str(), stdout);
  std::printf(
      "API keys are not part of a snapshot: create one for each workspace before starting the "
      "server, e.g.\n  tally keys add --data-dir %s --workspace WORKSPACE --admin\n",
      args.data_dir.string().c_str());
  return 0;
}

}  // namespace tally::net
