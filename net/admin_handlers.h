// Admin endpoints (contract §2): POST /admin/snapshot, an online consistent snapshot
// (docs/api.md). The Router authenticates the key and requires the admin scope before calling;
// the handler never touches a socket.
//
// Thread safety: may be called from any number of threads; SnapshotStore lets one save run at
// a time and refuses the others (409) rather than queueing HTTP requests behind it.
#pragma once

#include "engine/engine.h"
#include "engine/snapshot_store.h"
#include "log/log.h"
#include "net/http_message.h"

namespace tally::net {

// 200 with the report of net/snapshot_report.h; 409 while another snapshot is being written;
// 503 (or 500) with the error otherwise.
HttpResponse HandleAdminSnapshot(engine::SnapshotStore& store, engine::Engine& engine,
                                 log::Log& log);

}  // namespace tally::net
