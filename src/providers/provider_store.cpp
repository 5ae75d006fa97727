// Persistence of API-created providers with sealed API keys; see provider_store.h.
#include "providers/provider_store.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

namespace pg::providers {
namespace {
constexpr const char* kKeyPrefix = "provider:";
constexpr const char* kContext = "playground provider api keys v1";
}  // namespace

ProviderStore::ProviderStore(store::Database& db, const std::string& server_secret) : db_(db) {
  crypto_generichash(key_.data(), key_.size(), reinterpret_cast<const unsigned char*>(kContext), std::strlen(kContext),
                     reinterpret_cast<const unsigned char*>(server_secret.data()),
                     std::min<size_t>(server_secret.size(), crypto_generichash_KEYBYTES_MAX));
}

std::string ProviderStore::seal(const std::string& plain) const {
  if (plain.empty()) return "";
  std::string box(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(box.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plain.data()),
                        plain.size(), nonce, key_.data());
  std::string b64(sodium_base64_encoded_len(box.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(box.data()), box.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  return b64;
}

Result<std::string> ProviderStore::open(const std::string& sealed) const {
  if (sealed.empty()) return std::string();
  std::string box(sealed.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(box.data()), box.size(), sealed.data(), sealed.size(), nullptr,
                        &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return Error{"a stored provider API key is not valid base64 of a sealed box"};
  box.resize(len);
  const auto* nonce = reinterpret_cast<const unsigned char*>(box.data());
  std::string plain(len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), nonce + crypto_secretbox_NONCEBYTES,
                                 len - crypto_secretbox_NONCEBYTES, nonce, key_.data()) != 0)
    return Error{"a stored provider API key cannot be opened (was the server secret changed?)"};
  return plain;
}

Result<std::vector<ProviderConfig>> ProviderStore::load_all() {
  auto lock = db_.lock();
  auto st = db_.prepare("SELECT key, value FROM settings WHERE key LIKE 'provider:%' ORDER BY key");
  if (!st) return Error{st.error()};
  std::vector<ProviderConfig> out;
  for (;;) {
    auto row = st->step();
    if (!row) return Error{row.error()};
    if (!*row) break;
    const std::string key = st->text(0);
    const nlohmann::json j = nlohmann::json::parse(st->text(1), nullptr, false);
    if (!j.is_object() || !j.contains("config") || !j["config"].is_object() ||
        (j.contains("api_key_sealed") && !j["api_key_sealed"].is_string()))
      return Error{"settings entry '" + key + "' is not a stored provider"};
    nlohmann::json cfg = j["config"];
    auto api_key = open(j.contains("api_key_sealed") ? j["api_key_sealed"].get<std::string>() : std::string());
    if (!api_key) return Error{"settings entry '" + key + "': " + api_key.error()};
    cfg["api_key"] = *api_key;
    auto c = provider_from_json(cfg, ProviderConfig{});
    if (!c) return Error{"settings entry '" + key + "': " + c.error()};
    out.push_back(std::move(*c));
  }
  return out;
}

Status ProviderStore::save(const ProviderConfig& c) {
  nlohmann::json cfg = provider_to_storage_json(c);
  cfg.erase("api_key");
  const nlohmann::json value = {{"config", cfg}, {"api_key_sealed", seal(c.api_key)}};
  auto lock = db_.lock();
  auto st = db_.prepare("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!st) return Status::error(st.error());
  return st->bind(1, std::string(kKeyPrefix) + c.name).bind(2, value.dump()).run();
}

Status ProviderStore::remove(const std::string& name) {
  auto lock = db_.lock();
  auto st = db_.prepare("DELETE FROM settings WHERE key = ?");
  if (!st) return Status::error(st.error());
  return st->bind(1, std::string(kKeyPrefix) + name).run();
}

}  // namespace pg::providers
