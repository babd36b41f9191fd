// `tally restore --snapshot FILE --data-dir NEWDIR [--force]` (contract §1): builds a data
// directory from a snapshot, for a server that will serve exactly the state at the snapshot's
// LSN. Verifies the file first; refuses a directory holding anything but its LOCK file unless
// --force, which replaces the log/ and snapshots/ found there (keys.json and other files stay);
// takes the directory's lock; copies the snapshot into NEWDIR/snapshots/ (temp file, fsync,
// verify, rename, directory fsync); creates NEWDIR/log starting at the snapshot's LSN + 1.
// API keys are not in snapshots: it says so and prints the `tally keys add` command to run.
// Called from main; returns the exit code.
#pragma once

#include "net/cli.h"

namespace tally::net {

int RunRestore(const RestoreArgs& args);

}  // namespace tally::net
