// Running a snapshot writer in a forked, copy-on-write child process (the Redis BGSAVE way):
// the child sees the state as it was at fork() and writes it while the parent goes on.
//
// The child runs only the given function, which must take no lock that another thread of the
// parent may have held at fork time (the logger's, the interner's, a stripe's) and start no
// thread; it reports progress and its outcome to the parent through a pipe, dies with the
// parent (PR_SET_PDEATHSIG), and leaves by _exit().
// Thread safety: call from any thread; the call blocks that thread until the child is done.
#pragma once

#include <functional>

#include "engine/snapshot.h"
#include "engine/snapshot_encoder.h"
#include "log/result.h"

namespace tally::engine {

// What the child runs; it reports bytes written through the callback it is given.
using SnapshotChildWork = std::function<Result<SnapshotHeader>(const SnapshotBytesWritten&)>;

// Forks, runs `work` in the child, calls `after_fork` in the parent as soon as the child
// exists (or fork failed), forwards the child's progress to `progress` (in this thread), and
// returns the child's outcome. Errors: the child's own, kInternal when fork fails or the child
// dies without reporting one.
Result<SnapshotHeader> RunSnapshotChild(const SnapshotChildWork& work,
                                        const std::function<void()>& after_fork,
                                        const SnapshotBytesWritten& progress);

}  // namespace tally::engine
