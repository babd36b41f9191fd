#include "net/serve_command.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <system_error>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "engine/engine.h"
#include "engine/snapshot_store.h"
#include "log/log.h"
#include "log/logger.h"
#include "net/data_dir_lock.h"
#include "net/key_ring.h"
#include "net/metrics.h"
#include "net/progress_meter.h"
#include "net/router.h"
#include "net/server.h"
#include "net/snapshot_maintenance.h"

namespace tally::net {
namespace {

namespace asio = boost::asio;

int Fail(std::string_view what, const Status& status) {
  std::string message = std::string(what) + ": " + status.ToString();
  Log(LogLevel::kError, "serve", message);
  std::fprintf(stderr, "tally: %s\n", message.c_str());
  return 1;
}

// Signals and the key-file poll, on a thread of their own so that a second signal is seen
// while the main thread drains.
class ControlThread {
 public:
  explicit ControlThread(KeyRing& keys)
      : keys_(keys), signals_(io_, SIGINT, SIGTERM, SIGHUP), poll_(io_) {}
  ~ControlThread() {
    io_.stop();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  void Start() {
    WaitSignal();
    SchedulePoll();
    thread_ = std::thread([this] { io_.run(); });
  }
  // Blocks until SIGTERM or SIGINT.
  int WaitForStop() { return stop_.get_future().get(); }

 private:
  void WaitSignal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) {
        return;
      }
      if (signal == SIGHUP) {
        Status s = keys_.Reload();
        Log(s.ok() ? LogLevel::kInfo : LogLevel::kError, "serve", "keys reloaded on SIGHUP",
            {{"ok", s.ok()}, {"error", s.ToString()}});
      } else if (!stopping_) {
        stopping_ = true;
        Log(LogLevel::kInfo, "serve", "shutting down", {{"signal", signal}});
        stop_.set_value(signal);
      } else {
        // The operator asked twice: leave now, without draining. Acknowledged writes are
        // already durable as the sync policy promised.
        Log(LogLevel::kWarn, "serve", "second signal: exiting at once", {{"signal", signal}});
        std::_Exit(1);
      }
      WaitSignal();
    });
  }
  void SchedulePoll() {
    poll_.expires_after(kKeysPollInterval);
    poll_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) {
        return;
      }
      Status s = keys_.ReloadIfChanged();
      if (!s.ok()) {
        Log(LogLevel::kError, "serve", "keys file not reloaded", {{"error", s.ToString()}});
      }
      SchedulePoll();
    });
  }

  KeyRing& keys_;
  asio::io_context io_{1};
  asio::signal_set signals_;
  asio::steady_timer poll_;
  std::promise<int> stop_;
  bool stopping_ = false;  // only touched on the control thread
  std::thread thread_;
};

log::LogOptions LogOptionsOf(const ServeConfig& config) {
  log::LogOptions options;
  options.dir = config.data_dir / kLogDirName;
  options.segment_bytes = config.segment_bytes;
  options.sync = config.sync;
  options.sync_interval_ms = config.sync_interval_ms;
  options.recovery = config.recovery;
  return options;
}

SnapshotPolicy PolicyOf(const ServeConfig& config) {
  SnapshotPolicy policy;
  policy.erase_within_s = config.erase_within_s;
  policy.every_records = config.snapshot_every_records;
  policy.every_minutes = config.snapshot_every_minutes;
  return policy;
}

void ReportRecovery(const log::RecoveryReport& r) {
  Log(LogLevel::kInfo, "serve", "log recovered",
      {{"first_lsn", r.first_lsn},
       {"last_lsn", r.last_lsn},
       {"segments", r.segments},
       {"truncated_bytes", r.truncated_bytes},
       {"truncated_segment", r.truncated_segment},
       {"skipped", r.skipped.size()}});
  for (const auto& p : r.skipped) {
    Log(LogLevel::kWarn, "serve", "salvage skipped a bad record",
        {{"segment", p.segment}, {"offset", p.offset}, {"lsn", p.lsn}, {"reason", p.reason}});
  }
  for (const auto& p : r.stopped_at) {
    Log(LogLevel::kWarn, "serve", "point-in-time recovery stopped",
        {{"segment", p.segment}, {"offset", p.offset}, {"lsn", p.lsn}, {"reason", p.reason}});
  }
}

}  // namespace

int RunServe(const ServeConfig& config) {
  LogLevel level = LogLevel::kInfo;
  ParseLogLevel(config.log_level, &level);
  SetLogLevel(level);

  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return Fail("create " + config.data_dir.string(), Status::IoError(ec.message()));
  }
  // Held until exit, so that no offline writer (snapshot save, restore) touches the directory.
  Result<DataDirLock> dir_lock = DataDirLock::Acquire(config.data_dir);
  if (!dir_lock.ok()) {
    return Fail("lock data directory", dir_lock.status());
  }
  KeyRing keys(config.data_dir);
  if (Status s = keys.Reload(); !s.ok()) {
    return Fail("load API keys", s);
  }
  if (keys.current()->records().empty()) {
    Log(LogLevel::kWarn, "serve", "no API keys yet: add one with `tally keys add`");
  }

  Metrics metrics;
  Router router(keys, metrics, config.sync);
  Server server(config, router, metrics);
  Result<std::uint16_t> port = server.Start();
  if (!port.ok()) {
    return Fail("start HTTP server", port.status());
  }
  Log(LogLevel::kInfo, "serve", "listening",
      {{"host", config.listen_host},
       {"port", static_cast<unsigned>(*port)},
       {"threads", config.threads}});
  ControlThread control(keys);
  control.Start();

  Result<std::unique_ptr<log::Log>> log = log::Log::Open(LogOptionsOf(config));
  if (!log.ok()) {
    server.Drain(std::chrono::milliseconds(0));
    return Fail("open log", log.status());
  }
  ReportRecovery((*log)->recovery_report());
  router.SetLog(log->get());
  Result<std::unique_ptr<engine::SnapshotStore>> store =
      engine::SnapshotStore::Open(config.data_dir / kSnapshotsDirName, config.snapshot_keep);
  if (!store.ok()) {
    server.Drain(std::chrono::milliseconds(0));
    return Fail("open snapshots", store.status());
  }
  Result<std::unique_ptr<engine::Engine>> engine = [&] {
    ProgressMeter meter("serve", "loading snapshot", "bytes");
    engine::EngineOptions engine_options;
    engine_options.log = log->get();
    engine_options.load_progress = meter.Callback();
    return (*store)->OpenEngine(engine_options, **log);
  }();
  if (!engine.ok()) {
    server.Drain(std::chrono::milliseconds(0));
    return Fail("load snapshot and replay log", engine.status());
  }
  router.SetSnapshots(store->get());
  router.SetEngine(engine->get());
  engine::Engine::Stats stats = (*engine)->GetStats();
  Log(LogLevel::kInfo, "serve", "ready",
      {{"applied_lsn", stats.applied_lsn}, {"contacts", stats.contacts}, {"events", stats.events}});
  engine::SystemClock clock;
  SnapshotMaintenance maintenance(**store, **engine, **log, clock, PolicyOf(config));
  maintenance.Start();

  control.WaitForStop();
  bool drained = server.Drain(std::chrono::milliseconds(config.drain_timeout_ms));
  router.SetEngine(nullptr);
  router.SetSnapshots(nullptr);
  // Snapshots stop before the engine goes: a save in progress finishes, later ones are refused.
  maintenance.Stop();
  (*store)->Close();
  // The engine goes first: its segment timer may still append a time-driven transition, and
  // the final sync must cover every record.
  engine->reset();
  Status sync = (*log)->Sync();
  Status closed = (*log)->Close();
  if (!sync.ok() || !closed.ok()) {
    return Fail("sync log at shutdown", sync.ok() ? closed : sync);
  }
  Log(LogLevel::kInfo, "serve", "stopped", {{"drained", drained}});
  return 0;
}

}  // namespace tally::net
