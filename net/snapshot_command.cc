#include "net/snapshot_command.h"

#include <cstdio>

#include "engine/snapshot_store.h"
#include "log/log.h"
#include "net/admin_client.h"
#include "net/data_dir_lock.h"
#include "net/progress_meter.h"
#include "net/snapshot_report.h"

namespace tally::net {
namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "tally: %s\n", status.ToString().c_str());
  return 1;
}

Result<boost::json::object> SaveOffline(const SnapshotSaveArgs& args) {
  std::error_code ec;
  if (!std::filesystem::is_directory(args.data_dir / kLogDirName, ec)) {
    return Status::NotFound("no log at " + (args.data_dir / kLogDirName).string() +
                            ": not a tally data directory");
  }
  TALLY_ASSIGN_OR_RETURN(DataDirLock lock, DataDirLock::Acquire(args.data_dir));
  log::LogOptions log_options;
  log_options.dir = args.data_dir / kLogDirName;
  TALLY_ASSIGN_OR_RETURN(std::unique_ptr<log::Log> log, log::Log::Open(log_options));
  TALLY_ASSIGN_OR_RETURN(std::unique_ptr<engine::SnapshotStore> store,
                         engine::SnapshotStore::Open(args.data_dir / kSnapshotsDirName, args.keep));
  std::unique_ptr<engine::Engine> engine;
  {
    ProgressMeter meter("snapshot", "loading snapshot", "bytes", ProgressMeter::Mode::kDrawOrLog);
    engine::EngineOptions options;
    options.log = log.get();
    // Nothing may be appended: the snapshot is of the log as the server left it.
    options.segment_timer = false;
    options.load_progress = meter.Callback();
    TALLY_ASSIGN_OR_RETURN(engine, store->OpenEngine(options, *log));
  }
  ProgressMeter meter("snapshot", "writing snapshot", "bytes", ProgressMeter::Mode::kDrawOrLog);
  engine::SnapshotSaveOptions options;
  options.progress = meter.Callback();
  TALLY_ASSIGN_OR_RETURN(engine::SnapshotSaved saved, store->Save(*engine, *log, options));
  engine.reset();
  TALLY_RETURN_IF_ERROR(log->Close());
  return SnapshotReportJson(saved);
}

}  // namespace

int RunSnapshotSave(const SnapshotSaveArgs& args) {
  if (args.data_dir.empty() == args.server.empty()) {
    std::fprintf(stderr,
                 "tally: give either --data-dir DIR (server stopped) or --server URL --key KEY "
                 "(see --help)\n");
    return 2;
  }
  Result<boost::json::object> report =
      args.server.empty() ? SaveOffline(args) : PostAdminSnapshot(args.server, args.key);
  if (!report.ok()) {
    return Fail(report.status());
  }
  std::fputs(FormatReportLines(*report).c_str(), stdout);
  return 0;
}

int RunSnapshotStatus(const SnapshotFileArgs& args) {
  Result<engine::SnapshotHeader> header = engine::ReadSnapshotHeader(args.file);
  if (!header.ok()) {
    return Fail(header.status().WithContext(args.file.string()));
  }
  std::fputs(FormatHeaderLines(args.file.string(), *header).c_str(), stdout);
  return 0;
}

int RunSnapshotVerify(const SnapshotFileArgs& args) {
  Result<engine::SnapshotHeader> header = [&] {
    ProgressMeter meter("snapshot", "verifying snapshot", "bytes", ProgressMeter::Mode::kDrawOrLog);
    return engine::VerifySnapshot(args.file, meter.Callback());
  }();
  if (!header.ok()) {
    const std::string context = header.status().IsCorruption()
                                    ? "snapshot " + args.file.string() + " is damaged"
                                    : args.file.string();
    return Fail(header.status().WithContext(context));
  }
  std::fputs(FormatHeaderLines(args.file.string(), *header).c_str(), stdout);
  std::fputs("verified: ok\n", stdout);
  return 0;
}

}  // namespace tally::net
