// Generation loop; see generator.h.
#include "engine/generate/generator.h"

#include <chrono>

#include "engine/sampler/stop_matcher.h"

namespace pg {
namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
}  // namespace

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::EndOfGeneration:
    case FinishReason::StopSequence: return "stop";
    case FinishReason::MaxTokens:
    case FinishReason::ContextFull: return "length";
    case FinishReason::Cancelled: return "cancelled";
  }
  return "unknown";
}

double GenerationStats::prompt_tokens_per_second() const {
  return prompt_seconds > 0 ? static_cast<double>(prompt_tokens) / prompt_seconds : 0.0;
}
double GenerationStats::generation_tokens_per_second() const {
  return generation_seconds > 0 ? static_cast<double>(generated_tokens) / generation_seconds : 0.0;
}

Result<GenerationResult> generate(InferenceSession& session, const GenerationRequest& request,
                                  const TextCallback& on_text) {
  if (request.prompt_ids.empty()) return Error{"the prompt has no tokens"};
  if (Status s = request.sampling.validate(); !s) return s;
  const Tokenizer& tok = session.model().tokenizer();
  const int64_t n_vocab = session.model().config().n_vocab;

  GenerationResult result;
  const auto start = Clock::now();
  if (Status s = session.eval(request.prompt_ids); !s) return s;
  result.stats.prompt_tokens = static_cast<int64_t>(request.prompt_ids.size());
  result.stats.prompt_seconds = seconds_since(start);

  Sampler sampler(request.sampling, static_cast<int32_t>(n_vocab));
  for (TokenId id : request.prompt_ids) sampler.accept(id);
  result.seed = sampler.seed_used();
  // Text after a prompt that has more than BOS continues that prompt's words.
  bool prompt_has_text = false;
  for (TokenId id : request.prompt_ids) prompt_has_text |= id != tok.bos_id();
  StreamDecoder decoder(tok, !prompt_has_text);
  StopMatcher stops(request.stop);
  bool cancelled = false;
  auto emit = [&](const std::string& text) {
    if (text.empty() || cancelled) return;
    result.text += text;
    if (on_text && !on_text(text)) cancelled = true;
  };

  const auto gen_start = Clock::now();
  result.finish = FinishReason::MaxTokens;
  for (int64_t step = 0; request.max_tokens < 0 || step < request.max_tokens; ++step) {
    const TokenId id = sampler.sample(session.last_logits());
    if (step == 0) result.stats.time_to_first_token = seconds_since(start);
    if (tok.is_end_of_generation(id)) {
      result.finish = FinishReason::EndOfGeneration;
      break;
    }
    sampler.accept(id);
    result.tokens.push_back(id);
    ++result.stats.generated_tokens;
    auto piece = stops.push(decoder.push(id));
    emit(piece.emit);
    if (piece.stopped) {
      result.finish = FinishReason::StopSequence;
      break;
    }
    if (cancelled) break;
    const bool done = request.max_tokens >= 0 && step + 1 >= request.max_tokens;
    if (done) break;
    if (session.position() >= session.context_size()) {
      result.finish = FinishReason::ContextFull;
      break;
    }
    const TokenId next[1] = {id};
    if (Status s = session.eval_generated(next); !s) return s;
  }
  if (result.finish != FinishReason::StopSequence) {
    auto tail = stops.push(decoder.flush());
    emit(tail.emit);
    if (tail.stopped) {
      result.finish = FinishReason::StopSequence;
    } else {
      emit(stops.flush());
    }
  }
  if (cancelled) result.finish = FinishReason::Cancelled;
  result.stats.generation_seconds = seconds_since(gen_start);
  return result;
}

}  // namespace pg
