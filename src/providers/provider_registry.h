// Every configured provider by name, with its model catalogue (discovered
// from the provider and refreshed in the background every refresh_seconds,
// with a health check of each endpoint, or on demand), name resolution of
// "provider/model" names, the fallback rule, usage accounting, and the
// worker threads of remote generations (joined at stop, so none outlives the
// server). Providers of the config file are fixed; providers added through
// the API are persisted by the caller. Thread-safe. Never returns API keys
// except inside ProviderConfig for the code that calls the provider.
#pragma once

#include <condition_variable>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "providers/remote_client.h"
#include "providers/usage_ledger.h"
#include "util/result.h"

namespace pg::providers {

// A remote model a request names.
struct RemoteModelRef {
  std::shared_ptr<RemoteClient> client;
  std::string provider;  // its name
  std::string model;     // the provider's own name of the model
  std::string full_name() const { return provider + "/" + model; }
};

struct ProviderSnapshot {
  ProviderConfig config;
  std::string source;                 // "config" (the config file) or "api"
  std::vector<std::string> models;    // the provider's names, as last discovered
  int64_t refreshed_unix = 0;         // 0: never
  std::string last_error;             // of the last refresh ("" when it worked)
  std::vector<EndpointStatus> endpoints;
};

class ProviderRegistry {
 public:
  ProviderRegistry() = default;
  ~ProviderRegistry() { stop(); }
  ProviderRegistry(const ProviderRegistry&) = delete;
  ProviderRegistry& operator=(const ProviderRegistry&) = delete;

  // Adds or replaces (same name) a provider; its endpoints start fresh.
  void put(ProviderConfig config, const std::string& source);
  bool remove(const std::string& name);
  std::vector<ProviderSnapshot> list() const;
  std::optional<ProviderSnapshot> get(const std::string& name) const;
  // Lists the provider's models now (and checks its endpoints' health).
  Status refresh(const std::string& name);

  // Starts the background refresher (refreshes every provider once at once).
  void start();
  // Stops the refresher and every remote generation (asked to stop, then joined).
  void stop();
  bool stopping() const;

  // "provider/model" (an Ollama ":latest" tag ignored) when the prefix names a
  // provider; nullopt otherwise (a local model's name).
  std::optional<RemoteModelRef> resolve(const std::string& name) const;
  // Every remote model as "provider/model", sorted.
  std::vector<std::string> model_names() const;
  // Whether the provider's last successful refresh listed the model (true when it was never refreshed).
  bool may_have(const RemoteModelRef& ref) const;
  // The fallback for a model of provider `ref.provider`, when it configured one
  // (a name without '/' is a model of the same provider).
  std::optional<RemoteModelRef> fallback_for(const RemoteModelRef& ref) const;

  UsageLedger& usage() { return usage_; }

  // Runs `work` on its own thread, tracked so stop() can wait for it. Refused (false) after stop().
  bool spawn(std::function<void()> work);

 private:
  struct Entry {
    std::shared_ptr<RemoteClient> client;
    std::string source;
    std::vector<std::string> models;
    int64_t refreshed_unix = 0;
    std::string last_error;
    int64_t next_refresh_ms = 0;  // steady clock, ms
    uint64_t generation = 0;      // bumped by put(), so a late refresh of a replaced provider is dropped
  };
  void refresh_loop();
  void reap_finished();

  mutable std::mutex mu_;
  std::map<std::string, Entry> providers_;
  uint64_t next_generation_ = 1;
  UsageLedger usage_;

  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread refresher_;
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::mutex workers_mu_;
  std::list<Worker> workers_;  // guarded by workers_mu_
  bool workers_closed_ = false;  // set by stop(): spawn refuses from then on
};

}  // namespace pg::providers
