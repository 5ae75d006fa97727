// llama2.c import: the demo model in the repository is exactly what the
// converter makes, it computes what the independently converted GGUF computes,
// and bad checkpoints fail cleanly without leaving an output file.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <unistd.h>
#include <fstream>
#include <iterator>

#include "engine/model/inference_session.h"
#include "engine/model/llama_model.h"
#include "models/llama2c_import.h"
#include "test_paths.h"
#include "test_process.h"

namespace pg {
namespace {
namespace fs = std::filesystem;

using test::slurp;
fs::path temp_dir() { return test::temp_dir("pg_llama2c"); }

TEST(Llama2cImport, DemoModelIsExactlyTheConverterOutput) {
  PG_REQUIRE_SHARED();
  const fs::path out = temp_dir() / "stories260K.gguf";
  Status s = convert_llama2c(test::shared_path("testdata/llama2c/stories260K.bin"),
                             test::shared_path("testdata/llama2c/tok512.bin"), out.string());
  ASSERT_TRUE(s) << s.message();
  const auto made = slurp(out.string());
  const auto committed = slurp(test::source_dir() + "/models/demo/stories260K.gguf");
  ASSERT_FALSE(committed.empty()) << "models/demo/stories260K.gguf is missing";
  EXPECT_EQ(made.size(), committed.size());
  EXPECT_TRUE(made == committed) << "regenerate with: playground convert llama2c "
                                    "../shared/testdata/llama2c/stories260K.bin "
                                    "../shared/testdata/llama2c/tok512.bin models/demo/stories260K.gguf";
  fs::remove_all(out.parent_path());
}

TEST(Llama2cImport, DemoModelComputesWhatTheIndependentConversionComputes) {
  PG_REQUIRE_SHARED();
  auto ours = LlamaModel::load(test::source_dir() + "/models/demo/stories260K.gguf");
  auto theirs = LlamaModel::load(test::shared_path("testdata/gguf/stories260K.gguf"));
  ASSERT_TRUE(ours) << ours.error();
  ASSERT_TRUE(theirs) << theirs.error();
  ThreadPool pool(2);
  for (const char* prompt : {"Once upon a time", "Lily wanted to play with the ball but", "The little dog ran"}) {
    auto a_ids = (*ours)->tokenizer().encode(prompt, true, true);
    auto b_ids = (*theirs)->tokenizer().encode(prompt, true, true);
    ASSERT_EQ(a_ids, b_ids) << prompt;
    InferenceSession a(**ours, pool), b(**theirs, pool);
    ASSERT_TRUE(a.eval(a_ids).is_ok());
    ASSERT_TRUE(b.eval(b_ids).is_ok());
    ASSERT_EQ(a.last_logits().size(), b.last_logits().size());
    for (size_t i = 0; i < a.last_logits().size(); ++i)
      ASSERT_NEAR(a.last_logits()[i], b.last_logits()[i], 1e-5) << prompt << " logit " << i;
  }
}

TEST(Llama2cImportCorrupt, TruncatedOrBadInputsFailWithoutOutput) {
  PG_REQUIRE_SHARED();
  const fs::path dir = temp_dir();
  const auto model = slurp(test::shared_path("testdata/llama2c/stories260K.bin"));
  const auto tok = test::shared_path("testdata/llama2c/tok512.bin");
  auto write = [&](const fs::path& p, const std::vector<char>& bytes) {
    std::ofstream o(p, std::ios::binary);
    o.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  };
  const fs::path out = dir / "out.gguf";
  for (size_t cut : {size_t{0}, size_t{10}, size_t{28}, size_t{1000}, model.size() / 2, model.size() - 4}) {
    write(dir / "cut.bin", std::vector<char>(model.begin(), model.begin() + static_cast<long>(cut)));
    Status s = convert_llama2c((dir / "cut.bin").string(), tok, out.string());
    EXPECT_FALSE(s) << "cut at " << cut;
    EXPECT_FALSE(fs::exists(out)) << "cut at " << cut;
  }
  for (int field = 0; field < 7; ++field) {
    for (int32_t v : {0, -7, 1 << 30}) {
      auto bad = model;
      std::memcpy(&bad[static_cast<size_t>(field) * 4], &v, 4);
      write(dir / "bad.bin", bad);
      Status s = convert_llama2c((dir / "bad.bin").string(), tok, out.string());
      if (field == 5 && v == -7) {
        EXPECT_FALSE(s);  // vocab -7 cannot match the tokenizer or file size
      }
      if (!s) {
        EXPECT_FALSE(fs::exists(out)) << field << " " << v;
      }
      fs::remove(out);
    }
  }
  auto tok_bytes = slurp(tok);
  write(dir / "tok.bin", std::vector<char>(tok_bytes.begin(), tok_bytes.begin() + 100));
  EXPECT_FALSE(convert_llama2c(test::shared_path("testdata/llama2c/stories260K.bin"),
                               (dir / "tok.bin").string(), out.string()));
  EXPECT_FALSE(convert_llama2c("/nonexistent/model.bin", tok, out.string()));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pg
