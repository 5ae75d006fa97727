// What one model pull looks like to a listing: its id, reference, state,
// progress and notices, and the server instance that runs it. Shared by the
// in-process pulls (pull_jobs.h) and their rows in the database
// (pull_store.h). Plain data: never does any work.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/pull.h"

namespace pg::models {

struct PullJobInfo {
  std::string id;
  std::string reference;
  std::string model;   // the model name once planned ("" before)
  std::string state;   // queued, running, success, failed, cancelled
  std::string error;   // when failed
  PullProgress progress;
  std::vector<std::string> notices;  // the last few
  std::string instance;              // the server instance running it ("" without a database)
  int64_t created_unix = 0, finished_unix = 0;
  bool terminal() const { return state == "success" || state == "failed" || state == "cancelled"; }
};

}  // namespace pg::models
