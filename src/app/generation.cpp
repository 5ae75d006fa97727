// Starting a generation on a local model; see generation.h.
#include "app/generation.h"

#include <algorithm>

#include "app/chat_prompt.h"

namespace pg::app {

Result<std::vector<TokenId>> tokenize_prompt(const LoadedModel& model, const std::string& text, const std::string& field) {
  if (Status s = model.require_generation(); !s) return s;
  const Tokenizer& tok = model.decoder().tokenizer();
  std::vector<TokenId> ids = tok.encode(text, true, true);
  if (ids.empty() && tok.bos_id() >= 0) ids.push_back(tok.bos_id());
  if (ids.empty())
    return Status::invalid_argument(
        "field '" + field + "' is empty and model '" + model.file.name + "' has no BOS token to start from", "invalid_field");
  return ids;
}

Result<std::string> prompt_text(const LlamaModel& model, const GenerationInput& in) {
  switch (in.style) {
    case PromptStyle::Chat: return render_chat_prompt(model, in.messages, true, in.tools, in.template_vars);
    case PromptStyle::Template:
      if (!in.raw && !model_chat_template(model).empty()) {
        nlohmann::ordered_json messages = nlohmann::ordered_json::array();
        if (!in.system.empty()) messages.push_back({{"role", "system"}, {"content", in.system}});
        messages.push_back({{"role", "user"}, {"content", in.prompt}});
        return render_chat_prompt(model, messages, true, nlohmann::ordered_json(), in.template_vars);
      }
      if (in.raw) return in.prompt;
      break;
    case PromptStyle::Text: break;
  }
  return in.system.empty() ? in.prompt : in.system + "\n\n" + in.prompt;
}

namespace {

// The reply's format for a chat request, and the tool-call constraint when
// tools are on: the grammar (from the start when a call is forced, else after
// a trigger) and the prompt's forced prefix.
Status plan_chat_output(const LlamaModel& model, const GenerationRequest& request, std::string& prompt,
                        GenerationParams& p, ChatOutputPlan& plan) {
  const Tokenizer& tok = model.tokenizer();
  plan.format = chat::detect_chat_output_format(
      effective_chat_template(model), [&tok](std::string_view text) { return tok.find_token(text).has_value(); });
  plan.format.prompt_opens_reasoning = chat::prompt_ends_inside_reasoning(plan.format.reasoning, prompt);
  plan.reasoning = plan.format.reasoning != chat::ReasoningSyntax::None;
  plan.tools = request.tool_calls && request.input.tools.is_array() && !request.input.tools.empty();
  if (!plan.tools) {
    p.render_special = plan.reasoning;
    return Status::ok();
  }
  auto constraint = chat::tool_call_constraint(plan.format, request.input.tools,
                                               request.tool_choice, request.parallel_tool_calls);
  if (!constraint) return constraint.status();
  if (request.format.kind != OutputFormat::Kind::Text && request.tool_choice.mode != chat::ToolChoice::Mode::Auto)
    return Status::invalid_argument("a forced tool call cannot be combined with '" + request.format.field + "'",
                                    "invalid_field");
  auto grammar = compile_grammar(constraint->gbnf, request.tools_field);
  if (!grammar) return grammar.status();
  p.render_special = true;
  if (request.tool_choice.mode == chat::ToolChoice::Mode::Auto) {
    if (request.format.kind != OutputFormat::Kind::Text) return Status::ok();  // the reply's format holds instead
    p.grammar = std::move(*grammar);
    p.grammar_triggers = constraint->triggers;
    p.grammar_trigger_at_start = constraint->triggers_at_start;
    if (plan.reasoning) {
      p.reasoning_open = std::string(chat::reasoning_open_tag(plan.format.reasoning));
      p.reasoning_close = std::string(chat::reasoning_close_tag(plan.format.reasoning));
      p.prompt_opens_reasoning = plan.format.prompt_opens_reasoning;
    }
  } else {
    p.grammar = std::move(*grammar);
    plan.forced_prefix = constraint->forced_prefix;
    prompt += constraint->forced_prefix;
  }
  return Status::ok();
}

}  // namespace

Result<GenerationParams> prepare_generation(const LoadedModel& model, const GenerationRequest& request,
                                            const std::optional<SamplingOptions>& model_defaults,
                                            ChatOutputPlan* plan) {
  if (Status s = model.require_generation(); !s) return s;
  auto text = prompt_text(model.decoder(), request.input);
  if (!text) return text.status();
  return prepare_generation_from_text(model, request, std::move(*text), model_defaults, plan);
}

Result<GenerationParams> prepare_generation_from_text(const LoadedModel& model, const GenerationRequest& request,
                                                      std::string text,
                                                      const std::optional<SamplingOptions>& model_defaults,
                                                      ChatOutputPlan* plan) {
  if (Status s = model.require_generation(); !s) return s;
  GenerationParams p;
  auto grammar = output_grammar(request.format);
  if (!grammar) return grammar.status();
  p.grammar = std::move(*grammar);
  ChatOutputPlan local_plan;
  if (request.input.style == PromptStyle::Chat)
    if (Status s = plan_chat_output(model.decoder(), request, text, p, plan ? *plan : local_plan); !s) return s;
  const std::string& field = request.input.field;
  auto ids = tokenize_prompt(model, text,
                             !field.empty() ? field : request.input.style == PromptStyle::Chat ? "messages" : "prompt");
  if (!ids) return ids.status();
  p.prompt_ids = std::move(*ids);
  if (model_defaults) {
    GenerationParams with_defaults = p;
    if (apply_sampling(*model_defaults, with_defaults)) p = std::move(with_defaults);
  }
  if (Status s = apply_sampling(request.sampling, p); !s) return s;
  if (Status s = fit_max_tokens(p, request.max_tokens, request.max_tokens_field, model); !s) return s;
  p.top_logprobs = request.top_logprobs;
  return p;
}

uint64_t choice_seed(uint64_t seed, int index) {
  if (seed == kRandomSeed || index == 0) return seed;
  return (seed + static_cast<uint64_t>(index)) & kMaxSeed;
}

Status fit_max_tokens(GenerationParams& p, std::optional<int64_t> requested, const std::string& field,
                      const LoadedModel& model) {
  if (Status s = model.require_generation(); !s) return s;
  const int64_t n_ctx = model.generation_scheduler().context_size();
  const int64_t n_prompt = static_cast<int64_t>(p.prompt_ids.size());
  if (n_prompt > n_ctx)
    return Status::invalid_argument("the prompt has " + std::to_string(n_prompt) +
                                        " tokens, more than the context size " + std::to_string(n_ctx) +
                                        " of model '" + model.file.name + "'",
                                    "context_length_exceeded");
  if (requested) {
    if (*requested < 1 || *requested > n_ctx)
      return Status::invalid_argument("field '" + field + "' is " + std::to_string(*requested) +
                                          ", outside the allowed range 1 to " + std::to_string(n_ctx) +
                                          " (the context size)",
                                      "invalid_field");
    p.max_tokens = *requested;
  } else {
    p.max_tokens = std::max<int64_t>(1, n_ctx - n_prompt);
  }
  return Status::ok();
}

Result<std::shared_ptr<GenerationJob>> submit_generation(Core& core, const std::shared_ptr<LoadedModel>& model,
                                                         const std::string& id, GenerationParams params,
                                                         const std::string& owner) {
  if (core.shutting_down()) return Status::unavailable("the server is shutting down", "shutting_down");
  if (Status s = model->require_generation(); !s) return s;
  Scheduler& scheduler = model->generation_scheduler();
  auto job = std::make_shared<GenerationJob>(id, model->file.name, std::move(params),
                                             std::chrono::seconds(core.config().request_timeout));
  core.register_job(job, owner);
  switch (scheduler.submit(job)) {
    case SubmitResult::Accepted: break;
    case SubmitResult::QueueFull:
      core.unregister_job(id);
      return Status::busy("all " + std::to_string(scheduler.options().slots) + " slots and " +
                              std::to_string(scheduler.options().queue_size) + " queue places of model '" +
                              model->file.name + "' are taken; retry later",
                          "queue_full");
    case SubmitResult::ShuttingDown:
      core.unregister_job(id);
      return Status::unavailable("the server is shutting down", "shutting_down");
  }
  return job;
}

}  // namespace pg::app
