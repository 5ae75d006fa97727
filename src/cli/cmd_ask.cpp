// `playground ask --collection NAME [-m MODEL] "question"`: answers from a
// collection of the data directory in this process — retrieval, the context
// budget, the model's chat template — streaming the answer to stdout, then
// the sources it cites ([n] document, page) and any citation that matches
// no source. --json prints the API's answer object instead.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/local_rag.h"
#include "server/api_error.h"
#include "server/generation_runner.h"
#include "server/rag_answerer.h"
#include "server/rag_json.h"

namespace pg::cli {

void add_ask_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("ask", "Answer a question from a document collection, with citations");
  struct Args {
    ConfigFlags config;
    std::string collection, question, mode;
    int top_k = 5, max_tokens = 0;
    double temperature = -1;
    int64_t seed = -1;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("question", a->question, "the question")->required();
  cmd->add_option("--collection", a->collection, "collection name or id")->required();
  cmd->add_option("--mode", a->mode, "retrieval: bm25, dense or hybrid (default: hybrid with an embedding model, else bm25)")
      ->check(CLI::IsMember({"bm25", "dense", "hybrid"}));
  cmd->add_option("-k,--top-k", a->top_k, "chunks to retrieve (default 5)")->check(CLI::Range(1, 100));
  cmd->add_option("-n,--max-tokens", a->max_tokens, "answer length limit in tokens (default min(512, context/4))")
      ->check(CLI::Range(1, 1 << 24));
  cmd->add_option("--temp", a->temperature, "sampling temperature (default as the API: 0.8)")->check(CLI::Range(0.0, 5.0));
  cmd->add_option("--seed", a->seed, "sampling seed");
  cmd->add_flag("--json", a->json, "print the answer object of POST /api/v1/rag/query");
  add_config_flags(cmd, a->config);
  cmd->callback([a, &exit_code] {
    exit_code = 1;
    auto config = load_config(a->config);
    if (!config) return (void)std::fprintf(stderr, "error: %s\n", config.error().c_str());
    auto local = LocalRag::open(*config);
    if (!local) return (void)std::fprintf(stderr, "error: %s\n", local.error().c_str());
    server::ServerContext& ctx = (*local)->ctx();
    try {
      nlohmann::json body = {{"top_k", a->top_k}};
      if (!a->mode.empty()) body["mode"] = a->mode;
      nlohmann::json params = nlohmann::json::object();
      if (a->max_tokens > 0) params["max_tokens"] = a->max_tokens;
      if (a->temperature >= 0) params["temperature"] = a->temperature;
      if (a->seed >= 0) params["seed"] = a->seed;
      body["params"] = params;
      server::FieldReader r(body);
      const rag::Collection c = server::collection_or_404(ctx, a->collection);
      auto model = server::value_or_throw(ctx.models().acquire(""));
      const server::PreparedAnswer prepared = server::prepare_answer(ctx, c, *model, a->question, r);
      const std::string id = ctx.new_id("rag-");
      auto job = server::submit_generation(ctx, model, id, prepared.params, server::auth::Principal{});
      std::optional<app::GenerationOutcome> outcome;
      while (!outcome) {
        auto ev = job->next_event(std::chrono::milliseconds(500));
        if (!ev) continue;
        if (ev->kind == app::JobEvent::Kind::Text) {
          if (!a->json) {
            std::fwrite(ev->text.data(), 1, ev->text.size(), stdout);
            std::fflush(stdout);
          }
        } else if (ev->kind == app::JobEvent::Kind::Done) {
          outcome = ev->outcome;
        } else {
          std::fprintf(stderr, "error: %s\n", ev->error.message().c_str());
          return;
        }
      }
      const nlohmann::json answer = server::answer_json(id, model->file.name, prepared, *outcome);
      if (a->json) {
        std::printf("%s\n", answer.dump(2).c_str());
        exit_code = 0;
        return;
      }
      std::printf("\n\nSources:\n");
      for (const auto& s : answer["sources"]) {
        const int first = s["page_start"], last = s["page_end"];
        std::printf("  [%d] %s, %s %d%s%s\n", s["number"].get<int>(), s["document"].get<std::string>().c_str(),
                    first == last ? "page" : "pages", first, first == last ? "" : ("-" + std::to_string(last)).c_str(),
                    s["heading_path"].get<std::string>().empty() ? "" : (" (" + s["heading_path"].get<std::string>() + ")").c_str());
      }
      if (answer["sources"].empty()) std::printf("  (no chunk matched the question)\n");
      if (!answer["invalid_citations"].empty())
        std::printf("Warning: the answer cites %s, which match no source.\n", answer["invalid_citations"].dump().c_str());
      if (!answer["dropped"].empty())
        std::printf("Note: %zu retrieved chunks did not fit the context and were left out.\n", answer["dropped"].size());
      exit_code = 0;
    } catch (const server::ApiError& e) {
      std::fprintf(stderr, "error: %s\n", e.message.c_str());
    }
  });
}

}  // namespace pg::cli
