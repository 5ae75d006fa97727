// Keeps the vector indexes of instances that share one PostgreSQL database in
// step: each change this instance makes to a collection's chunks is announced
// (NOTIFY playground_chunks '<instance>:<collection id>', delivered at commit
// to every listener), and an announcement from another instance closes this
// instance's copy of that index, which the next use reopens and catches up
// from the database. After a lost connection every index is closed (changes
// may have been missed). SQLite installations have one instance and need none
// of this. Owns its listening connection; never touches index files itself.
#pragma once

#include <atomic>
#include <cstdint>

#include <memory>
#include <string>

#include "rag/vector_index_set.h"
#include "store/database.h"
#include "store/postgres_listener.h"

namespace pg::rag {

class IndexSync {
 public:
  static constexpr const char* kChannel = "playground_chunks";

  // `db` is the instance's shared connection (announcements go through it);
  // the listener opens its own to `database_url`.
  static Result<std::unique_ptr<IndexSync>> start(const std::string& database_url, store::Database& db,
                                                  VectorIndexSet& indexes, std::string instance_id);
  ~IndexSync();

  // How many announcements of other instances this one has acted on (closed
  // an index for): lets a caller wait until another instance's change is in.
  uint64_t changes_heard() const { return changes_heard_.load(); }

 private:
  IndexSync(store::Database& db, VectorIndexSet& indexes, std::string instance_id)
      : db_(db), indexes_(indexes), instance_(std::move(instance_id)) {}
  void announce(int64_t collection_id);
  void heard(const std::string& payload);

  store::Database& db_;
  VectorIndexSet& indexes_;
  std::string instance_;
  std::unique_ptr<store::PostgresListener> listener_;
  std::atomic<uint64_t> changes_heard_{0};
};

}  // namespace pg::rag
