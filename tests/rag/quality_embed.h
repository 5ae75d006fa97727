// The retrieval quality tests' embedding function: texts embedded by a
// BERT-family model in batches of 32, each cut to the model's window (as
// ingestion does). A failure is a test failure and gives no vectors. Never
// loads a model or decides which one (bert_test_util.h's quality_encoder does).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "engine/kernels/thread_pool.h"
#include "engine/model/bert_model.h"

namespace pg::test {

using EmbedTexts = std::function<std::vector<std::vector<float>>(const std::vector<std::string>&)>;

inline EmbedTexts embed_with(const BertModel& m, ThreadPool& pool) {
  const size_t window = static_cast<size_t>(std::max(8, m.n_ctx()));
  return [&m, &pool, window](const std::vector<std::string>& texts) {
    std::vector<std::vector<float>> out;
    for (size_t start = 0; start < texts.size(); start += 32) {
      std::vector<std::vector<TokenId>> ids;
      for (size_t i = start; i < std::min(texts.size(), start + 32); ++i) {
        ids.push_back(m.tokenize(texts[i]));
        if (ids.back().size() > window) ids.back().resize(window);
      }
      auto v = m.embed(ids, pool);
      EXPECT_TRUE(v) << v.error();
      if (!v) return std::vector<std::vector<float>>{};
      for (auto& e : *v) out.push_back(std::move(e));
    }
    return out;
  };
}

}  // namespace pg::test
