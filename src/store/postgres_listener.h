// LISTEN on PostgreSQL channels from a connection and a thread of its own,
// handing each notification (channel, payload) to a callback. When the
// connection drops it reconnects with backoff and then calls the callback
// once per channel with payload "*" ("notifications may have been missed"),
// so the receiver can resynchronize. Never blocks the caller's thread; the
// destructor stops the thread within half a second. The callback runs on the
// listener's thread and must not block for long.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "util/result.h"

struct pg_conn;

namespace pg::store {

class PostgresListener {
 public:
  using Callback = std::function<void(const std::string& channel, const std::string& payload)>;

  // Connects, LISTENs on every channel (names of [a-z_]), then listens in the background.
  static Result<std::unique_ptr<PostgresListener>> start(const std::string& url, std::vector<std::string> channels,
                                                         Callback callback);
  ~PostgresListener();
  PostgresListener(const PostgresListener&) = delete;
  PostgresListener& operator=(const PostgresListener&) = delete;

 private:
  PostgresListener(std::string url, std::vector<std::string> channels, Callback callback);
  Status connect();
  void run();

  std::string url_;
  std::vector<std::string> channels_;
  Callback callback_;
  pg_conn* conn_ = nullptr;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace pg::store
