// The provider registry; see provider_registry.h.
#include "providers/provider_registry.h"

#include <algorithm>
#include <atomic>
#include <chrono>

namespace pg::providers {
namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

void ProviderRegistry::put(ProviderConfig config, const std::string& source) {
  std::lock_guard lock(mu_);
  Entry e;
  e.client = std::make_shared<RemoteClient>(std::move(config));
  e.source = source;
  e.generation = next_generation_++;
  e.next_refresh_ms = 0;  // due now
  providers_[e.client->config().name] = std::move(e);
  cv_.notify_all();
}

bool ProviderRegistry::remove(const std::string& name) {
  std::lock_guard lock(mu_);
  return providers_.erase(name) > 0;
}

std::vector<ProviderSnapshot> ProviderRegistry::list() const {
  std::vector<ProviderSnapshot> out;
  std::lock_guard lock(mu_);
  for (const auto& [name, e] : providers_)
    out.push_back({e.client->config(), e.source, e.models, e.refreshed_unix, e.last_error, e.client->endpoint_status()});
  return out;
}

std::optional<ProviderSnapshot> ProviderRegistry::get(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = providers_.find(name);
  if (it == providers_.end()) return std::nullopt;
  const Entry& e = it->second;
  return ProviderSnapshot{e.client->config(), e.source, e.models, e.refreshed_unix, e.last_error, e.client->endpoint_status()};
}

Status ProviderRegistry::refresh(const std::string& name) {
  std::shared_ptr<RemoteClient> client;
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    auto it = providers_.find(name);
    if (it == providers_.end()) return Status::error("no provider is named '" + name + "'");
    client = it->second.client;
    generation = it->second.generation;
  }
  if (client->config().base_urls.size() > 1) client->check_health();
  auto models = client->list_models();
  std::lock_guard lock(mu_);
  auto it = providers_.find(name);
  if (it == providers_.end() || it->second.generation != generation) return Status::ok();  // replaced meanwhile
  Entry& e = it->second;
  const int64_t period = client->config().refresh_seconds;
  e.next_refresh_ms = period > 0 ? steady_ms() + period * 1000 : INT64_MAX;
  if (!models) {
    e.last_error = models.error();
    return Status::error(models.error());
  }
  std::sort(models->begin(), models->end());
  e.models = std::move(*models);
  e.refreshed_unix = unix_now();
  e.last_error.clear();
  return Status::ok();
}

void ProviderRegistry::start() {
  std::lock_guard lock(mu_);
  if (refresher_.joinable() || stopping_) return;
  refresher_ = std::thread([this] { refresh_loop(); });
}

void ProviderRegistry::refresh_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    std::vector<std::string> due;
    const int64_t now = steady_ms();
    int64_t next = now + 1000;
    for (auto& [name, e] : providers_) {
      if (e.next_refresh_ms <= now) {
        due.push_back(name);
        e.next_refresh_ms = INT64_MAX;  // refresh() sets the next time
      } else {
        next = std::min(next, e.next_refresh_ms);
      }
    }
    if (!due.empty()) {
      lock.unlock();
      for (const std::string& name : due) {
        if (stopping()) break;
        (void)refresh(name);
      }
      lock.lock();
      continue;
    }
    cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(10, next - now)));
  }
}

bool ProviderRegistry::stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

void ProviderRegistry::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
  std::list<Worker> workers;
  {
    std::lock_guard lock(workers_mu_);
    workers_closed_ = true;
    workers.swap(workers_);
  }
  // Remote generations watch stopping() through their callers' stop checks and end within a watchdog tick.
  for (Worker& w : workers)
    if (w.thread.joinable()) w.thread.join();
}

std::optional<RemoteModelRef> ProviderRegistry::resolve(const std::string& name) const {
  const size_t slash = name.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= name.size()) return std::nullopt;
  const std::string provider = name.substr(0, slash);
  std::string model = name.substr(slash + 1);
  if (model.size() > 7 && model.compare(model.size() - 7, 7, ":latest") == 0) model.resize(model.size() - 7);
  std::lock_guard lock(mu_);
  auto it = providers_.find(provider);
  if (it == providers_.end()) return std::nullopt;
  return RemoteModelRef{it->second.client, provider, model};
}

std::vector<std::string> ProviderRegistry::model_names() const {
  std::vector<std::string> out;
  std::lock_guard lock(mu_);
  for (const auto& [name, e] : providers_)
    for (const std::string& m : e.models) out.push_back(name + "/" + m);
  return out;
}

bool ProviderRegistry::may_have(const RemoteModelRef& ref) const {
  std::lock_guard lock(mu_);
  auto it = providers_.find(ref.provider);
  if (it == providers_.end()) return false;
  if (it->second.refreshed_unix == 0) return true;
  const auto& m = it->second.models;
  return std::find(m.begin(), m.end(), ref.model) != m.end();
}

std::optional<RemoteModelRef> ProviderRegistry::fallback_for(const RemoteModelRef& ref) const {
  const std::string fb = ref.client->config().fallback_model;
  if (fb.empty()) return std::nullopt;
  auto target = resolve(fb.find('/') == std::string::npos ? ref.provider + "/" + fb : fb);
  if (!target || target->full_name() == ref.full_name()) return std::nullopt;
  return target;
}

void ProviderRegistry::reap_finished() {
  std::lock_guard lock(workers_mu_);
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

bool ProviderRegistry::spawn(std::function<void()> work) {
  reap_finished();
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::lock_guard lock(workers_mu_);
  if (workers_closed_) return false;  // checked under the lock stop() takes, so no thread escapes its join
  workers_.push_back({std::thread([work = std::move(work), done] {
                        work();
                        done->store(true);
                      }),
                      done});
  return true;
}

}  // namespace pg::providers
