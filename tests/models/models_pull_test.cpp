// Pulls against a loopback server with the Hub's and the Ollama registry's
// URL layout (fake_model_source.h): quant choice, LFS sha256 verification,
// a corrupted byte refused, retries on 5xx, resume after a dropped
// connection, 401 and 404 explained, split GGUF, Ollama manifests, search.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>

#include "fake_model_source.h"
#include "model_bytes.h"
#include "models/hf_hub.h"
#include "models/pull.h"
#include "models/registry.h"
#include "server/auth/crypto.h"
#include "test_process.h"

namespace pg::models {
namespace {
namespace fs = std::filesystem;

class ModelsPull : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir(std::string("pg_models_pull_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { test::cleanup(dir_); }

  PullOptions options() {
    PullOptions o;
    o.endpoints.hf_endpoint = source_.url();
    o.endpoints.ollama_registry = source_.url();
    o.max_attempts = 4;
    o.first_backoff = std::chrono::milliseconds(20);
    o.on_notice = [this](const std::string& n) { notices_ += n + "\n"; };
    return o;
  }

  fs::path dir_;
  test::FakeModelSource source_;
  std::string notices_;
};

TEST_F(ModelsPull, HubPullPicksQ4KMVerifiesAndListsTheModelWithItsAlias) {
  const std::string& q4 = test::synthetic_gguf(256, 2, 1);
  const std::string& q8 = test::synthetic_gguf(256, 2, 2);
  const std::string sha4 = source_.add_hf_file("acme/Tiny-GGUF", "tiny.Q4_K_M.gguf", q4);
  source_.add_hf_file("acme/Tiny-GGUF", "tiny.Q8_0.gguf", q8);
  source_.add_hf_file("acme/Tiny-GGUF", "mmproj-tiny-f16.gguf", q8);
  ModelRegistry reg(dir_.string());
  uint64_t last_done = 0;
  PullOptions o = options();
  o.on_progress = [&](const PullProgress& p) { last_done = p.completed; };
  auto e = pull_model("hf.co/acme/Tiny-GGUF", reg, o);
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(e->name, "tiny.Q4_K_M");
  EXPECT_EQ(e->sha256, sha4);
  EXPECT_EQ(e->size_bytes, q4.size());
  EXPECT_EQ(last_done, q4.size());
  EXPECT_EQ(e->architecture, "llama");
  EXPECT_EQ(reg.resolve("hf.co/acme/Tiny-GGUF:Q4_K_M").value_or(""), "tiny.Q4_K_M");
  EXPECT_EQ(reg.resolve("hf.co/acme/Tiny-GGUF").value_or(""), "tiny.Q4_K_M");
  EXPECT_EQ(e->source["type"], "hf");
  // The redirect went to the CDN path; the file there is byte-identical.
  EXPECT_EQ(test::slurp(dir_ / "tiny.Q4_K_M.gguf").size(), q4.size());
  // An explicit quant picks the other file; lower case works as on Ollama.
  auto e8 = pull_model("hf.co/acme/Tiny-GGUF:q8_0", reg, options());
  ASSERT_TRUE(e8) << e8.error();
  EXPECT_EQ(e8->name, "tiny.Q8_0");
  EXPECT_EQ(reg.list().size(), 2u);
  // A quant the repository lacks names what it has.
  auto missing = pull_model("hf.co/acme/Tiny-GGUF:Q2_K", reg, options());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("available: Q4_K_M, Q8_0"), std::string::npos) << missing.error();
}

TEST_F(ModelsPull, CorruptedByteIsDetectedAndTheFileRefused) {
  source_.add_hf_file("acme/bad", "bad.Q4_K_M.gguf", test::synthetic_gguf());
  source_.corrupt = true;
  ModelRegistry reg(dir_.string());
  auto e = pull_model("hf.co/acme/bad", reg, options());
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().find("sha256 mismatch"), std::string::npos) << e.error();
  EXPECT_FALSE(fs::exists(dir_ / "bad.Q4_K_M.gguf"));
  EXPECT_TRUE(fs::is_empty(reg.partial_dir()));  // the partial file was discarded, not kept to resume
  EXPECT_TRUE(reg.list().empty());
}

TEST_F(ModelsPull, ServerErrorsAreRetriedWithBackoffThenSucceed) {
  source_.add_hf_file("acme/flaky", "flaky.Q4_K_M.gguf", test::synthetic_gguf());
  source_.fail_cdn_requests = 2;
  ModelRegistry reg(dir_.string());
  auto e = pull_model("hf.co/acme/flaky", reg, options());
  ASSERT_TRUE(e) << e.error();
  EXPECT_NE(notices_.find("HTTP 503"), std::string::npos) << notices_;
  EXPECT_NE(notices_.find("retry 2 of 3"), std::string::npos) << notices_;
  EXPECT_EQ(source_.cdn_requests.load(), 3);
}

TEST_F(ModelsPull, PersistentServerErrorsGiveUpWithAClearMessage) {
  source_.add_hf_file("acme/down", "down.Q4_K_M.gguf", test::synthetic_gguf());
  source_.fail_cdn_requests = 100;
  source_.fail_status = 502;
  ModelRegistry reg(dir_.string());
  auto e = pull_model("hf.co/acme/down", reg, options());
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().find("giving up after 4 attempts"), std::string::npos) << e.error();
  EXPECT_NE(e.error().find("HTTP 502"), std::string::npos) << e.error();
}

TEST_F(ModelsPull, DroppedConnectionIsResumedWithARangeRequest) {
  const std::string& bytes = test::synthetic_gguf();
  const std::string sha = source_.add_hf_file("acme/drop", "drop.Q4_K_M.gguf", bytes);
  source_.drop_after_bytes = 1 << 20;
  ModelRegistry reg(dir_.string());
  auto e = pull_model("hf.co/acme/drop", reg, options());
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(e->sha256, sha);
  const auto ranges = source_.ranges();
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0], "");
  EXPECT_EQ(ranges[1].rfind("bytes=", 0), 0u);
  EXPECT_GE(std::stoll(ranges[1].substr(6)), 1 << 20);
  EXPECT_NE(notices_.find("failed after " + ranges[1].substr(6, ranges[1].size() - 7) + " bytes"), std::string::npos) << notices_;
}

TEST_F(ModelsPull, SecondWriterOfTheSamePartialFileIsRefused) {
  source_.add_hf_file("acme/busy", "busy.Q4_K_M.gguf", test::synthetic_gguf());
  ModelRegistry reg(dir_.string());
  fs::create_directories(reg.partial_dir());
  const std::string lock = (fs::path(reg.partial_dir()) / "busy.Q4_K_M.gguf.part.lock").string();
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);  // as another process's pull would hold it
  auto e = pull_model("hf.co/acme/busy", reg, options());
  ::close(fd);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().find("being downloaded by another pull"), std::string::npos) << e.error();
  auto again = pull_model("hf.co/acme/busy", reg, options());
  EXPECT_TRUE(again) << again.error();
}

TEST_F(ModelsPull, GatedRepositoryNeedsTheToken) {
  source_.add_hf_file("acme/gated", "gated.Q4_K_M.gguf", test::synthetic_gguf());
  source_.required_token = "hf_secret";
  ModelRegistry reg(dir_.string());
  auto e = pull_model("hf.co/acme/gated", reg, options());
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().find("HTTP 401"), std::string::npos) << e.error();
  EXPECT_NE(e.error().find("HF_TOKEN"), std::string::npos) << e.error();
  PullOptions o = options();
  o.endpoints.hf_token = "hf_secret";
  auto ok = pull_model("hf.co/acme/gated", reg, o);
  ASSERT_TRUE(ok) << ok.error();  // the token went to the Hub; the CDN got no Authorization
}

TEST_F(ModelsPull, UnknownRepositoryAndFileAreNotFound) {
  ModelRegistry reg(dir_.string());
  auto e = pull_model("hf.co/acme/nothing", reg, options());
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().find("HTTP 404"), std::string::npos) << e.error();
  EXPECT_NE(e.error().find("not found"), std::string::npos) << e.error();
  source_.add_hf_file("acme/some", "some.Q4_K_M.gguf", test::synthetic_gguf());
  auto f = pull_model("hf.co/acme/some/other.gguf", reg, options());
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().find("has no file 'other.gguf'"), std::string::npos) << f.error();
  auto bad = pull_model("hf.co/acme/../etc", reg, options());
  ASSERT_FALSE(bad);
}

TEST_F(ModelsPull, RefusedConnectionIsRetriedThenReported) {
  ModelRegistry reg(dir_.string());
  PullPlan plan;
  plan.reference = "test";
  plan.model_name = "nowhere";
  plan.files.push_back({"http://127.0.0.1:1/cdn-lfs/x", "nowhere.gguf", "", 0});
  PullOptions o = options();
  o.max_attempts = 2;
  auto e = execute_pull(plan, reg, o);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().find("giving up after 2 attempts"), std::string::npos) << e.error();
  EXPECT_NE(e.error().find("connection to http://127.0.0.1:1 failed"), std::string::npos) << e.error();
}

TEST_F(ModelsPull, SplitGgufPullsEveryPartAndListsOneModel) {
  const std::string& a = test::synthetic_gguf(64, 1, 3, "F32");
  const std::string& b = test::synthetic_gguf(64, 1, 4, "F32");
  source_.add_hf_file("acme/big", "Q4_K_M/big-Q4_K_M-00001-of-00002.gguf", a);
  source_.add_hf_file("acme/big", "Q4_K_M/big-Q4_K_M-00002-of-00002.gguf", b);
  ModelRegistry reg(dir_.string());
  auto e = pull_model("hf.co/acme/big:Q4_K_M", reg, options());
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(e->name, "big-Q4_K_M-00001-of-00002");
  EXPECT_EQ(e->parts.size(), 2u);
  EXPECT_EQ(e->size_bytes, a.size() + b.size());
  EXPECT_EQ(reg.list().size(), 1u);
}

TEST_F(ModelsPull, OllamaRegistryManifestBlobAndLayersRecorded) {
  const std::string& gguf = test::synthetic_gguf();
  const std::string sha = source_.add_ollama_model("tiny", "q4", gguf, "{{ .Prompt }}", {{"temperature", 0.3}, {"stop", {"</s>"}}});
  ModelRegistry reg(dir_.string());
  auto e = pull_model("ollama.com/library/tiny:q4", reg, options());
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(e->name, "tiny-q4");
  EXPECT_EQ(e->sha256, sha);
  EXPECT_EQ(reg.resolve("tiny:q4").value_or(""), "tiny-q4");
  EXPECT_EQ(e->source["template"], "{{ .Prompt }}");
  EXPECT_EQ(e->source["params"]["temperature"], 0.3);
  // Unknown tag: the registry's 404, explained.
  auto missing = pull_model("ollama.com/library/tiny:nope", reg, options());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("HTTP 404"), std::string::npos) << missing.error();
  // A bare NAME:TAG means the Ollama library, as `ollama pull` does.
  auto bare = plan_pull("tiny:q4", options().endpoints);
  ASSERT_TRUE(bare) << bare.error();
  EXPECT_EQ(bare->files.at(0).sha256, sha);
}

TEST_F(ModelsPull, OllamaBlobCorruptionIsRefused) {
  source_.add_ollama_model("tiny", "latest", test::synthetic_gguf(), "t", nlohmann::json::object());
  source_.corrupt = true;
  ModelRegistry reg(dir_.string());
  auto e = pull_model("ollama.com/library/tiny", reg, options());
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().find("sha256 mismatch"), std::string::npos) << e.error();
}

TEST_F(ModelsPull, HubSearchAsksForGgufOnly) {
  source_.add_hf_file("acme/Tiny-GGUF", "tiny.Q4_K_M.gguf", test::synthetic_gguf());
  auto r = search_hf("Tiny", 5, options().endpoints);
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0]["pull"], "hf.co/acme/Tiny-GGUF");
  EXPECT_EQ(source_.last_search, "Tiny|gguf");
}

TEST(ModelsQuantLabel, ReadsLabelsFromFileNames) {
  EXPECT_EQ(quant_label("mistral-7b-instruct-v0.2.Q4_K_M.gguf"), "Q4_K_M");
  EXPECT_EQ(quant_label("Meta-Llama-3-8B-Instruct-IQ4_XS.gguf"), "IQ4_XS");
  EXPECT_EQ(quant_label("qwen2-0_5b-instruct-q8_0.gguf"), "Q8_0");
  EXPECT_EQ(quant_label("model-f16.gguf"), "F16");
  EXPECT_EQ(quant_label("big-Q4_K_M-00001-of-00002.gguf"), "Q4_K_M");
  EXPECT_EQ(quant_label("plain.gguf"), "");
}

}  // namespace
}  // namespace pg::models
