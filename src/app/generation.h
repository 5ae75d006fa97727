// Starting a generation on a local model, for every caller (the APIs'
// routes, RAG answering, the CLI): the prompt's tokens, max_tokens fitted to
// the context, and the job submitted to the model's scheduler and registered
// in the core. Failures are Status codes with reasons; never speaks HTTP.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/core.h"
#include "app/generation_job.h"
#include "app/model_manager.h"
#include "app/output_format.h"
#include "engine/chat/tool_call_format.h"
#include "engine/chat/tool_call_grammar.h"
#include "app/sampling_options.h"

namespace pg::app {

// How the text to continue is given.
enum class PromptStyle {
  Text,      // `prompt`, after `system` and a blank line when there is one
  Template,  // Ollama's generate: [system, user: prompt] through the model's
             // chat template unless `raw` or the model has none (then as Text, or the bare prompt when raw)
  Chat,      // `messages` through the model's chat template
};

struct GenerationInput {
  PromptStyle style = PromptStyle::Text;
  std::string prompt;
  std::string system;
  bool raw = false;
  nlohmann::ordered_json messages;  // Chat: checked messages, in the client's key order
  nlohmann::ordered_json tools;     // Chat: OpenAI-style tool list given to the template; null: none
  std::string field;  // its name in the request, for messages ("": "messages" for Chat, else "prompt")
  // Chat and Template: more variables for the chat template (chat_template_kwargs,
  // enable_thinking from think or reasoning_effort); an empty object: none, and
  // the template's own defaults hold (enable_thinking stays undefined).
  nlohmann::ordered_json template_vars = nlohmann::ordered_json::object();
  // The request field that gave template_vars explicitly ("" when none did), for messages.
  std::string template_vars_field;
};

// One generation request, whatever API it came through (native, OpenAI,
// Ollama) and whether a local or a remote model serves it. The server reads
// it from JSON in one place (server/generation_request.h), the CLI from flags.
struct GenerationRequest {
  std::string model;  // as the client named it; "" = the default model
  std::optional<double> keep_alive;  // seconds; negative = never unload
  GenerationInput input;
  SamplingOptions sampling;  // what the client set; the model's defaults fill the rest
  std::optional<int64_t> max_tokens;  // of the reply; absent: what the context leaves
  std::string max_tokens_field = "max_tokens";  // its name in the request, for messages
  bool stream = false;
  int n = 1;                 // independent choices, 1..kMaxChoices (seeds derived from the request's)
  OutputFormat format;       // the reply's shape (JSON, a schema, a grammar)
  int top_logprobs = -1;     // >= 0: each token's log-probability and this many alternatives
  // Tool calling (input.tools holds the list, which the template sees even
  // when calls are off): calls are parsed out of the model's own format and,
  // once one starts (auto) or from the first token (required, named), held
  // to the tools' schemas.
  bool tool_calls = false;   // tools given and tool_choice is not "none"
  chat::ToolChoice tool_choice;
  bool parallel_tool_calls = true;
  std::string tools_field = "tools";  // its name in the request, for messages
  std::optional<bool> think;  // Ollama's think (also input.template_vars' enable_thinking); absent: the model's default
};

// How a chat reply's text is split into content, reasoning and tool calls
// (engine/chat): the model's formats, what is on, and the text the prompt
// was given so the call starts at once (fed to the parser before the reply).
struct ChatOutputPlan {
  chat::ChatOutputFormat format;
  bool tools = false;
  bool reasoning = false;
  std::string forced_prefix;
  bool active() const { return tools || reasoning; }
};

inline constexpr int kMaxChoices = 8;

// The seed of choice `index` of a request: its own seed for the first, then
// seed + index, wrapped within 0..kMaxSeed (a random seed stays random for each).
uint64_t choice_seed(uint64_t seed, int index);

// The text a local model continues: the prompt as the request's style says.
// invalid_argument (chat_template_error) when the template refuses.
Result<std::string> prompt_text(const LlamaModel& model, const GenerationInput& input);

// The decode request for a local model: the prompt's tokens, `model_defaults`
// (its Modelfile parameters, when usable) under the request's sampling, and
// max_tokens fitted to the context.
// For chat requests, `plan` (when given) receives how to split the reply.
Result<GenerationParams> prepare_generation(const LoadedModel& model, const GenerationRequest& request,
                                            const std::optional<SamplingOptions>& model_defaults,
                                            ChatOutputPlan* plan = nullptr);
// The same for a prompt already rendered from request.input (prompt_text), as
// a RAG answer renders the messages with its sources until they fit.
Result<GenerationParams> prepare_generation_from_text(const LoadedModel& model, const GenerationRequest& request,
                                                      std::string text,
                                                      const std::optional<SamplingOptions>& model_defaults,
                                                      ChatOutputPlan* plan = nullptr);

// BOS added as the model says, special-token texts recognised (as `playground run`).
// An empty prompt becomes [BOS]; a model without BOS gives invalid_argument naming `field`.
Result<std::vector<TokenId>> tokenize_prompt(const LoadedModel& model, const std::string& text, const std::string& field);

// Sets params.max_tokens: `requested` (1..context size) or, when absent,
// what is left of the context. invalid_argument when the prompt does not fit
// (context_length_exceeded) or `requested` is out of range (invalid_field,
// naming `field`).
Status fit_max_tokens(GenerationParams& params, std::optional<int64_t> requested, const std::string& field,
                      const LoadedModel& model);

// Registers the job as `owner`'s ("" for the anonymous caller) and submits it:
// busy (queue_full) when the queue is full, unavailable (shutting_down) after shutdown.
Result<std::shared_ptr<GenerationJob>> submit_generation(Core& core, const std::shared_ptr<LoadedModel>& model,
                                                         const std::string& id, GenerationParams params,
                                                         const std::string& owner);

}  // namespace pg::app
