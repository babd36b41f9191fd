// RunServe: `tally serve` from start to exit (contract §1, §5).
//
// Order: take the data directory's lock (net/data_dir_lock.h), load the API keys, start
// listening (so /livez and /readyz answer during replay), open the log (recovering it per
// --recovery), load the newest usable snapshot and replay the log after it
// (SnapshotStore::OpenEngine, with progress), start the snapshot maintenance thread
// (net/snapshot_maintenance.h), and only then report ready. SIGHUP reloads the keys (they are also
// polled every kKeysPollInterval). SIGTERM/SIGINT: stop accepting, drain in-flight requests for at
// most
// --drain-timeout-ms, sync and close the log, exit 0; a second signal exits at once with 1.
//
// Called once, from main's thread.
#pragma once

#include "net/serve_config.h"

namespace tally::net {

// Returns the process exit code: 0 after a clean shutdown, 1 on a runtime failure (reported
// in one line on stderr and in the JSON log).
int RunServe(const ServeConfig& config);

}  // namespace tally::net
