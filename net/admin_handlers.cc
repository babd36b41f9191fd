#include "net/admin_handlers.h"

#include <boost/json/serialize.hpp>

#include "net/handler_context.h"
#include "net/snapshot_report.h"

namespace tally::net {

HttpResponse HandleAdminSnapshot(engine::SnapshotStore& store, engine::Engine& engine,
                                 log::Log& log) {
  engine::SnapshotSaveOptions options;
  options.wait_if_busy = false;
  Result<engine::SnapshotSaved> saved = store.Save(engine, log, options);
  if (!saved.ok()) {
    return EngineErrorResponse(saved.status());  // kAlreadyExists → 409
  }
  return HttpResponse{200, boost::json::serialize(SnapshotReportJson(*saved)) + "\n"};
}

}  // namespace tally::net
