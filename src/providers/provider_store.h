// Providers created through the admin API, kept across restarts in the
// database's settings table (key "provider:NAME"). The API key is sealed
// with libsodium's crypto_secretbox under a key derived from the server
// secret, so the database alone does not reveal it. Never stores a key in
// clear and never logs one. Providers of the config file are not stored.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "providers/provider_config.h"
#include "store/database.h"
#include "util/result.h"

namespace pg::providers {

class ProviderStore {
 public:
  // `server_secret`: the token signing secret; the sealing key is derived from it.
  ProviderStore(store::Database& db, const std::string& server_secret);

  Result<std::vector<ProviderConfig>> load_all();
  Status save(const ProviderConfig& config);
  Status remove(const std::string& name);

  // Exposed for tests: seal / open one API key.
  std::string seal(const std::string& plain) const;
  Result<std::string> open(const std::string& sealed) const;

 private:
  store::Database& db_;
  std::array<unsigned char, 32> key_{};
};

}  // namespace pg::providers
