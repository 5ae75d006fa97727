// `playground ask --collection NAME [-m MODEL] "question"`: answers from a
// collection of the data directory in this process — retrieval, the context
// budget, the model's chat template — streaming the answer to stdout, then
// the sources it cites ([n] document, page), any citation that matches no
// source, and the retrieved chunks left out with their reasons. --json
// prints the API's answer object instead.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/local_rag.h"
#include "cli/sampling_flags.h"
#include "app/generation.h"
#include "app/rag_answer.h"
#include "cli/exit_codes.h"
#include "server/rag_answerer.h"

namespace pg::cli {

namespace {

struct AskArgs {
  ConfigFlags config;
  std::string collection, question, mode;
  int top_k = 5, max_tokens = 0;
  app::SamplingOptions sampling;
  int64_t seed = -1;
  bool json = false;
};

int fail(const Status& s) {
  std::fprintf(stderr, "error: %s\n", s.message().c_str());
  return exit_code_for(s.code());
}

// "name, page 3 (heading)" or "name, pages 3-5".
std::string passage_place(const rag::SourcePassage& s) {
  const bool one = s.page_start == s.page_end;
  return s.document_name + ", " + (one ? "page " : "pages ") + std::to_string(s.page_start) +
         (one ? "" : "-" + std::to_string(s.page_end)) + (s.heading_path.empty() ? "" : " (" + s.heading_path + ")");
}

void print_sources(const app::AnswerPlan& plan, const std::string& answer) {
  std::printf("\n\nSources:\n");
  for (const rag::SourcePassage& s : plan.used)
    std::printf("  [%d] %s%s\n", s.number, passage_place(s).c_str(), s.truncated ? " [cut to fit]" : "");
  if (plan.used.empty()) std::printf("  (no chunk matched the question)\n");
  const rag::CitationCheck check = rag::check_citations(answer, static_cast<int>(plan.used.size()));
  if (!check.invented.empty()) {
    std::string list;
    for (int n : check.invented) list += (list.empty() ? "" : ",") + std::to_string(n);
    std::printf("Warning: the answer cites [%s], which match no source.\n", list.c_str());
  }
  if (plan.dropped.empty()) return;
  // Every retrieved chunk that was not given to the model, and why (as the API's `dropped`).
  std::printf("Left out (%zu):\n", plan.dropped.size());
  for (const rag::DroppedPassage& d : plan.dropped)
    std::printf("  %s: %s — %s\n", passage_place(d.passage).c_str(), d.reason.c_str(), d.detail.c_str());
}

int ask(app::Core& core, const AskArgs& a) {
  auto collection = app::find_collection(core, a.collection);
  if (!collection) return fail(collection.status());
  app::RagQuery query;
  query.question = a.question;
  query.mode = a.mode;
  query.top_k = a.top_k;
  if (a.max_tokens > 0) query.max_tokens = a.max_tokens;
  query.sampling = a.sampling;
  if (a.seed >= 0) query.sampling.seed = app::seed_from_field(a.seed);
  auto model = core.models().acquire("");
  if (!model) return fail(model.status());
  auto prepared = app::prepare_answer(core, *collection, **model, query);
  if (!prepared) return fail(prepared.status());
  const std::string id = core.new_id("rag-");
  auto job = app::submit_generation(core, *model, id, prepared->params, "");
  if (!job) return fail(job.status());
  std::optional<app::GenerationOutcome> outcome;
  while (!outcome) {
    auto ev = (*job)->next_event(std::chrono::milliseconds(500));
    if (!ev) continue;
    if (ev->kind == app::JobEvent::Kind::Text) {
      if (!a.json) {
        std::fwrite(ev->text.data(), 1, ev->text.size(), stdout);
        std::fflush(stdout);
      }
    } else if (ev->kind == app::JobEvent::Kind::Done) {
      outcome = std::move(ev->outcome);
    } else {
      return fail(ev->error);
    }
  }
  core.unregister_job(id);
  if (a.json) {
    // The API's answer object, written by the server's one writer of it.
    server::PreparedAnswer view;
    server::describe_plan(view, *collection, prepared->plan);
    std::printf("%s\n", server::answer_json(id, (*model)->file.name, view, *outcome).dump(2).c_str());
    return 0;
  }
  print_sources(prepared->plan, outcome->text);
  return 0;
}

}  // namespace

void add_ask_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("ask", "Answer a question from a document collection, with citations");
  auto a = std::make_shared<AskArgs>();
  cmd->add_option("question", a->question, "the question")->required();
  cmd->add_option("--collection", a->collection, "collection name or id")->required();
  cmd->add_option("--mode", a->mode, "retrieval: bm25, dense or hybrid (default: hybrid with an embedding model, else bm25)")
      ->check(CLI::IsMember({"bm25", "dense", "hybrid"}));
  cmd->add_option("-k,--top-k", a->top_k, "chunks to retrieve (default 5)")->check(CLI::Range(1, 100));
  cmd->add_option("-n,--max-tokens", a->max_tokens, "answer length limit in tokens (default min(512, context/4))")
      ->check(CLI::Range(1, 1 << 24));
  add_sampling_flags(cmd, a->sampling, {"temperature"});
  add_seed_flag(cmd, a->seed);
  cmd->add_flag("--json", a->json, "print the answer object of POST /api/v1/rag/query");
  add_config_flags(cmd, a->config);
  cmd->callback([a, &exit_code] {
    exit_code = 1;
    auto config = load_config(a->config);
    if (!config) return (void)std::fprintf(stderr, "error: %s\n", config.error().c_str());
    auto local = open_local_core(*config);
    if (!local) return (void)std::fprintf(stderr, "error: %s\n", local.error().c_str());
    exit_code = ask(**local, *a);
  });
}

}  // namespace pg::cli
