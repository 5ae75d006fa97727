// PostgreSQL LISTEN in the background; see postgres_listener.h.
#include "store/postgres_listener.h"

#include <poll.h>

#include <algorithm>
#include <chrono>

#include <libpq-fe.h>

#include "store/postgres_database.h"

namespace pg::store {

PostgresListener::PostgresListener(std::string url, std::vector<std::string> channels, Callback callback)
    : url_(std::move(url)), channels_(std::move(channels)), callback_(std::move(callback)) {}

Result<std::unique_ptr<PostgresListener>> PostgresListener::start(const std::string& url,
                                                                  std::vector<std::string> channels,
                                                                  Callback callback) {
  for (const std::string& c : channels)
    if (c.empty() || !std::all_of(c.begin(), c.end(), [](char ch) { return (ch >= 'a' && ch <= 'z') || ch == '_'; }))
      return Error{"invalid channel name '" + c + "' (only a-z and _)"};
  std::unique_ptr<PostgresListener> l(new PostgresListener(url, std::move(channels), std::move(callback)));
  if (Status s = l->connect(); !s) return Error{s.message()};
  l->thread_ = std::thread([p = l.get()] { p->run(); });
  return l;
}

PostgresListener::~PostgresListener() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  PQfinish(conn_);
}

Status PostgresListener::connect() {
  PQfinish(conn_);
  conn_ = PQconnectdb(url_.c_str());
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string m = conn_ ? PQerrorMessage(conn_) : "out of memory";
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return Status::error("cannot connect to PostgreSQL " + redact_database_url(url_) + " to listen: " + m);
  }
  for (const std::string& c : channels_) {
    PGresult* r = PQexec(conn_, ("LISTEN " + c).c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) return Status::error("LISTEN " + c + " failed: " + PQerrorMessage(conn_));
  }
  return Status::ok();
}

void PostgresListener::run() {
  auto backoff = std::chrono::milliseconds(200);
  while (!stop_.load()) {
    if (PQstatus(conn_) != CONNECTION_OK) {
      // Lost: reconnect, then tell the receiver it may have missed notifications.
      const auto until = std::chrono::steady_clock::now() + backoff;
      while (!stop_.load() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (stop_.load()) break;
      if (!connect()) {
        backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
        continue;
      }
      backoff = std::chrono::milliseconds(200);
      for (const std::string& c : channels_) callback_(c, "*");
      continue;
    }
    pollfd p{PQsocket(conn_), POLLIN, 0};
    const int ready = ::poll(&p, 1, 250);
    if (ready < 0) continue;
    if (ready > 0 && !PQconsumeInput(conn_)) {
      PQfinish(conn_);  // the loop above reconnects and resubscribes
      conn_ = nullptr;
      continue;
    }
    while (PGnotify* n = PQnotifies(conn_)) {
      callback_(n->relname ? n->relname : "", n->extra ? n->extra : "");
      PQfreemem(n);
    }
  }
}

}  // namespace pg::store
