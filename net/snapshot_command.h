// `tally snapshot save|status|verify` (contract §1, docs/operations.md "Snapshots and backups").
//
// save --data-dir DIR: offline, with the server stopped: takes the data directory's lock (so it
// never runs beside a live server), loads the state as serve would, writes the snapshot in this
// thread, prunes and compacts like the server. save --server URL --key KEY: asks a running
// server (POST /admin/snapshot). Both print the report: path, LSN, counts, bytes, hash,
// duration. status FILE prints the header only; verify FILE re-hashes and checks every part
// without loading it, exit 1 naming the first problem. Called from main; return the exit code
// (0, 1 runtime failure, 2 usage error), with one line on stderr for an error.
#pragma once

#include "net/cli.h"

namespace tally::net {

int RunSnapshotSave(const SnapshotSaveArgs& args);
int RunSnapshotStatus(const SnapshotFileArgs& args);
int RunSnapshotVerify(const SnapshotFileArgs& args);

}  // namespace tally::net
