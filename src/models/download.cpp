// Resumable verified downloads; see download.h.
#include "models/download.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "models/http_fetch.h"
#include "util/sha256.h"

namespace pg::models {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

std::string strip_etag(std::string v) {
  if (v.rfind("W/", 0) == 0) v = v.substr(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v;
}

struct PartialState {
  std::string url;
  std::string sha256;
  uint64_t size = 0;
};

std::string state_path(const std::string& partial) { return partial + ".json"; }

PartialState read_state(const std::string& partial) {
  PartialState s;
  std::ifstream in(state_path(partial));
  if (!in) return s;
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object()) return s;
  s.url = j.value("url", "");
  s.sha256 = j.value("sha256", "");
  if (j.contains("size") && j["size"].is_number_unsigned()) s.size = j["size"].get<uint64_t>();
  return s;
}

void write_state(const std::string& partial, const PartialState& s) {
  const std::string tmp = state_path(partial) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << nlohmann::json{{"url", s.url}, {"sha256", s.sha256}, {"size", s.size}}.dump();
  }
  std::error_code ec;
  fs::rename(tmp, state_path(partial), ec);
}

uint64_t file_size_or_zero(const std::string& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

// The outcome of one attempt.
enum class Attempt { Done, Retry, Fatal, Restart };

class Transfer {
 public:
  explicit Transfer(const DownloadRequest& r) : r_(r), partial_(partial_file_path(r.partial_dir, r.dest_path)) {}

  Result<DownloadOutcome> run();

 private:
  Attempt attempt(std::string& message);
  void notice(const std::string& s) const {
    if (r_.on_notice) r_.on_notice(s);
  }
  void report(bool force);
  bool cancelled() const { return r_.cancel && r_.cancel->load(); }

  const DownloadRequest& r_;
  const std::string partial_;
  const std::string name_ = fs::path(r_.dest_path).filename().string();
  std::string sha256_;   // expected
  uint64_t size_ = 0;    // expected (0 unknown)
  uint64_t done_ = 0;    // bytes in the partial file
  Clock::time_point last_report_{};
  Clock::time_point window_start_ = Clock::now();
  uint64_t window_bytes_ = 0;
  double speed_ = 0;
};

void Transfer::report(bool force) {
  const auto now = Clock::now();
  const double window = std::chrono::duration<double>(now - window_start_).count();
  if (window >= 0.5) {
    const double inst = window_bytes_ / window;
    speed_ = speed_ == 0 ? inst : 0.5 * speed_ + 0.5 * inst;
    window_start_ = now;
    window_bytes_ = 0;
  }
  if (!r_.on_progress) return;
  if (!force && now - last_report_ < std::chrono::milliseconds(100)) return;
  last_report_ = now;
  DownloadProgress p;
  p.file = name_;
  p.done = done_;
  p.total = size_;
  p.bytes_per_second = speed_;
  p.eta_seconds = (speed_ > 0 && size_ >= done_) ? (size_ - done_) / speed_ : -1;
  r_.on_progress(p);
}

Attempt Transfer::attempt(std::string& message) {
  std::string current = r_.url;
  auto first = split_url(r_.url);
  if (!first) {
    message = first.error();
    return Attempt::Fatal;
  }
  for (int hop = 0; hop < 9; ++hop) {
    auto parts = split_url(current);
    if (!parts) {
      message = parts.error();
      return Attempt::Fatal;
    }
    auto client = make_client(parts->origin);
    httplib::Headers headers{{"Accept-Encoding", "identity"}, {"User-Agent", "mistral-playground"}};
    if (!r_.bearer.empty() && parts->origin == first->origin) headers.emplace("Authorization", "Bearer " + r_.bearer);
    done_ = file_size_or_zero(partial_);
    if (done_ > 0) headers.emplace("Range", "bytes=" + std::to_string(done_) + "-");

    int status = 0;
    std::string location;
    bool accepted = false, write_failed = false, restart = false;
    std::FILE* out = nullptr;
    auto on_response = [&](const httplib::Response& res) {
      status = res.status;
      // The Hub puts the LFS sha256 and size on the redirect (and on the final reply of a mirror).
      if (res.has_header("X-Linked-Etag") && sha256_.empty()) {
        const std::string v = strip_etag(res.get_header_value("X-Linked-Etag"));
        if (is_sha256_hex(v)) sha256_ = v;
      }
      if (res.has_header("X-Linked-Size") && size_ == 0)
        size_ = std::strtoull(res.get_header_value("X-Linked-Size").c_str(), nullptr, 10);
      if (status >= 300 && status < 400) {
        location = res.get_header_value("Location");
        return false;
      }
      if (status == 416) return false;
      if (status != 200 && status != 206) return false;
      if (sha256_.empty() && res.has_header("ETag")) {
        const std::string v = strip_etag(res.get_header_value("ETag"));
        if (is_sha256_hex(v)) sha256_ = v;
      }
      if (status == 206) {
        // "bytes START-END/TOTAL": START must be where our file ends.
        const std::string cr = res.get_header_value("Content-Range");
        const auto space = cr.find(' '), dash = cr.find('-'), slash = cr.find('/');
        if (space == std::string::npos || dash == std::string::npos ||
            std::strtoull(cr.c_str() + space + 1, nullptr, 10) != done_) {
          restart = true;
          return false;
        }
        if (slash != std::string::npos && size_ == 0 && cr[slash + 1] != '*')
          size_ = std::strtoull(cr.c_str() + slash + 1, nullptr, 10);
      } else {
        if (done_ > 0) notice(name_ + ": the server ignored the range request; starting over");
        done_ = 0;
        if (size_ == 0 && res.has_header("Content-Length"))
          size_ = std::strtoull(res.get_header_value("Content-Length").c_str(), nullptr, 10);
      }
      if (size_ > 0) {
        std::error_code ec;
        const auto space = fs::space(r_.partial_dir, ec);
        const uint64_t need = size_ > done_ ? size_ - done_ : 0;
        if (!ec && space.available < need + (64u << 20)) {
          message = "not enough free disk space in " + r_.partial_dir + " for " + name_ + ": " +
                    std::to_string(need) + " bytes needed (plus 64 MiB to spare), " +
                    std::to_string(space.available) + " available";
          write_failed = true;
          return false;
        }
      }
      PartialState st{r_.url, sha256_, size_};
      write_state(partial_, st);
      out = std::fopen(partial_.c_str(), done_ > 0 ? "ab" : "wb");
      if (!out) {
        message = "cannot write " + partial_;
        write_failed = true;
        return false;
      }
      accepted = true;
      return true;
    };
    auto on_data = [&](const char* data, size_t n) {
      if (!accepted) return false;
      if (cancelled()) return false;
      if (std::fwrite(data, 1, n, out) != n) {
        message = "cannot write " + partial_ + " (disk full?)";
        write_failed = true;
        return false;
      }
      done_ += n;
      window_bytes_ += n;
      if (size_ > 0 && done_ > size_) {
        message = name_ + ": the server sent more than the expected " + std::to_string(size_) + " bytes";
        write_failed = true;
        return false;
      }
      report(false);
      return true;
    };
    auto res = client->Get(parts->path, headers, on_response, on_data);
    if (out) std::fclose(out);
    done_ = file_size_or_zero(partial_);
    report(true);
    if (cancelled()) {
      message = "cancelled";
      return Attempt::Fatal;
    }
    if (write_failed) return Attempt::Fatal;
    if (restart) {
      message = name_ + ": the server answered a different range; starting over";
      return Attempt::Restart;
    }
    if (!location.empty()) {
      current = resolve_location(*parts, location);
      continue;
    }
    if (status == 416) {
      if (size_ > 0 && done_ == size_) return Attempt::Done;
      message = name_ + ": the server refused the range at byte " + std::to_string(done_) + "; starting over";
      return Attempt::Restart;
    }
    if (status != 0 && status != 200 && status != 206) {
      message = explain_http_status(status, current);
      return retryable_status(status) ? Attempt::Retry : Attempt::Fatal;
    }
    if (!res) {
      message = "connection to " + parts->origin + " failed after " + std::to_string(done_) + " bytes (" +
                httplib::to_string(res.error()) + ")";
      return Attempt::Retry;
    }
    if (size_ > 0 && done_ < size_) {
      message = "the connection to " + parts->origin + " ended at byte " + std::to_string(done_) + " of " +
                std::to_string(size_);
      return Attempt::Retry;
    }
    return Attempt::Done;
  }
  message = "too many redirects from " + r_.url;
  return Attempt::Fatal;
}

Result<DownloadOutcome> Transfer::run() {
  std::error_code ec;
  fs::create_directories(r_.partial_dir, ec);
  if (ec) return Error{"cannot create " + r_.partial_dir + ": " + ec.message()};
  // One writer per partial file, across processes (a CLI pull beside a server's).
  // The kernel drops the lock when the process dies, so a kill leaves none behind.
  const std::string lock_path = partial_ + ".lock";
  const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) return Error{"cannot create " + lock_path};
  struct Unlock {
    int fd;
    std::string path;
    ~Unlock() {
      ::unlink(path.c_str());
      ::close(fd);
    }
  };
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd);
    return Error{name_ + " is being downloaded by another pull right now (" + lock_path + " is locked)"};
  }
  Unlock unlock{lock_fd, lock_path};
  sha256_ = r_.expected_sha256;
  size_ = r_.expected_size;
  // A partial file belongs to this download only when its state says the same sha256 (or URL).
  const PartialState old = read_state(partial_);
  const bool same = fs::exists(partial_, ec) &&
                    ((!sha256_.empty() && old.sha256 == sha256_) || (sha256_.empty() && old.url == r_.url));
  if (!same) {
    fs::remove(partial_, ec);
    fs::remove(state_path(partial_), ec);
  } else {
    if (sha256_.empty()) sha256_ = old.sha256;
    if (size_ == 0) size_ = old.size;
  }
  DownloadOutcome outcome;
  outcome.resumed_from = file_size_or_zero(partial_);
  if (outcome.resumed_from > 0)
    notice(name_ + ": resuming at byte " + std::to_string(outcome.resumed_from) +
           (size_ ? " of " + std::to_string(size_) : std::string()));
  auto backoff = r_.first_backoff;
  std::string message;
  for (int i = 1;; ++i) {
    outcome.attempts = i;
    const Attempt a = attempt(message);
    if (a == Attempt::Done) break;
    if (a == Attempt::Fatal) return Error{name_ + ": " + message};
    if (a == Attempt::Restart) {
      notice(message);
      fs::remove(partial_, ec);
    }
    if (i >= r_.max_attempts)
      return Error{name_ + ": giving up after " + std::to_string(i) + " attempts; last error: " + message};
    if (a == Attempt::Retry)
      notice(message + "; retry " + std::to_string(i) + " of " + std::to_string(r_.max_attempts - 1) + " in " +
             std::to_string(backoff.count()) + " ms");
    for (auto waited = std::chrono::milliseconds(0); waited < backoff; waited += std::chrono::milliseconds(50)) {
      if (cancelled()) return Error{name_ + ": cancelled"};
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    backoff *= 2;
  }
  outcome.size = file_size_or_zero(partial_);
  if (size_ > 0 && outcome.size != size_) {
    discard_partial(r_.partial_dir, r_.dest_path);
    return Error{name_ + ": size mismatch: expected " + std::to_string(size_) + " bytes, got " +
                 std::to_string(outcome.size) + "; the file was discarded"};
  }
  auto digest = sha256_of_file(partial_, r_.cancel);
  if (!digest) return Error{name_ + ": " + digest.error()};
  outcome.sha256 = *digest;
  if (!sha256_.empty() && *digest != sha256_) {
    discard_partial(r_.partial_dir, r_.dest_path);
    return Error{name_ + ": sha256 mismatch: expected " + sha256_ + ", got " + *digest +
                 "; the file is corrupt and was discarded"};
  }
  fs::rename(partial_, r_.dest_path, ec);
  if (ec) return Error{"cannot move " + partial_ + " to " + r_.dest_path + ": " + ec.message()};
  fs::remove(state_path(partial_), ec);
  return outcome;
}

}  // namespace

std::string partial_file_path(const std::string& partial_dir, const std::string& dest_path) {
  return (fs::path(partial_dir) / (fs::path(dest_path).filename().string() + ".part")).string();
}

void discard_partial(const std::string& partial_dir, const std::string& dest_path) {
  const std::string p = partial_file_path(partial_dir, dest_path);
  std::error_code ec;
  fs::remove(p, ec);
  fs::remove(state_path(p), ec);
}

Result<DownloadOutcome> download_file(const DownloadRequest& request) { return Transfer(request).run(); }

}  // namespace pg::models
