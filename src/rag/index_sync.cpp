// Vector index announcements between instances; see index_sync.h.
#include "rag/index_sync.h"

#include <cstdlib>

namespace pg::rag {

Result<std::unique_ptr<IndexSync>> IndexSync::start(const std::string& database_url, store::Database& db,
                                                    VectorIndexSet& indexes, std::string instance_id) {
  if (db.dialect() != store::Dialect::Postgres) return Error{"index announcements need a PostgreSQL database"};
  std::unique_ptr<IndexSync> sync(new IndexSync(db, indexes, std::move(instance_id)));
  auto listener = store::PostgresListener::start(
      database_url, {kChannel}, [s = sync.get()](const std::string&, const std::string& payload) { s->heard(payload); });
  if (!listener) return Error{listener.error()};
  sync->listener_ = std::move(*listener);
  indexes.set_change_notifier([s = sync.get()](int64_t collection_id) { s->announce(collection_id); });
  return sync;
}

IndexSync::~IndexSync() {
  indexes_.set_change_notifier(nullptr);
  listener_.reset();  // its thread stops before this object goes
}

void IndexSync::announce(int64_t collection_id) {
  auto lock = db_.lock();
  auto st = db_.prepare("SELECT pg_notify(?, ?)");
  if (!st) return;  // the next reopen or restart catches up anyway
  (void)st->bind(1, kChannel).bind(2, instance_ + ":" + std::to_string(collection_id)).run();
}

void IndexSync::heard(const std::string& payload) {
  if (payload == "*") {
    indexes_.close_all();
    ++changes_heard_;
    return;
  }
  const size_t colon = payload.rfind(':');
  if (colon == std::string::npos || payload.compare(0, colon, instance_) == 0) return;  // malformed, or our own
  char* end = nullptr;
  const long long id = std::strtoll(payload.c_str() + colon + 1, &end, 10);
  if (end && *end == '\0' && id > 0) {
    indexes_.close(id);
    ++changes_heard_;
  }
}

}  // namespace pg::rag
