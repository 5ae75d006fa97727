// Fuzz target: structured output and tool calls (engine/grammar's JSON-Schema
// converter, engine/chat's output parser). Input: one mode byte, then the
// data. Mode even: the data is a JSON Schema; converting it may fail with an
// error, but a grammar it returns must parse and be matchable. Mode odd: the
// data is a model's reply, parsed in every tool-call and reasoning syntax (harmony included),
// whole and in pieces; both must give the same result. Anything escaping (a
// crash, a hang, unbounded memory, the two disagreeing) is a finding. Must
// never read files.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/chat/chat_output_parser.h"
#include "engine/grammar/gbnf.h"
#include "engine/grammar/grammar_matcher.h"
#include "engine/grammar/json_schema_grammar.h"

namespace {

void schema_case(std::string_view data) {
  const nlohmann::json schema = nlohmann::json::parse(data, nullptr, false);
  if (schema.is_discarded()) return;
  auto gbnf = pg::grammar::json_schema_to_gbnf(schema, "schema");
  if (!gbnf) return;
  auto grammar = pg::grammar::parse_gbnf(*gbnf);
  if (!grammar) std::abort();  // the converter wrote a grammar its own parser refuses
  if (!pg::grammar::GrammarMatcher::create(*grammar)) std::abort();
}

void reply_case(uint8_t mode, std::string_view text) {
  using namespace pg::chat;
  const ToolCallSyntax syntaxes[] = {ToolCallSyntax::MistralList, ToolCallSyntax::MistralNamed, ToolCallSyntax::Llama3Json,
                                     ToolCallSyntax::TaggedJson, ToolCallSyntax::GenericJson, ToolCallSyntax::Harmony};
  const ReasoningSyntax reasoning[] = {ReasoningSyntax::None, ReasoningSyntax::ThinkTags, ReasoningSyntax::MistralThink};
  for (ToolCallSyntax s : syntaxes) {
    ChatOutputFormat format;
    format.tools = s;
    // Harmony reads its own reasoning (HarmonyOutputParser): the other reasoning syntaxes do not apply.
    format.reasoning = s == ToolCallSyntax::Harmony ? ReasoningSyntax::Harmony : reasoning[(mode >> 1) % 3];
    format.prompt_opens_reasoning = (mode & 8) != 0;
    const ParsedChatOutput whole = parse_chat_output(text, format, true, true, seeded_id_generator(1));
    ChatOutputParser parser(format, true, true, seeded_id_generator(1));
    const size_t step = 1 + (mode >> 4);
    for (size_t i = 0; i < text.size(); i += step) (void)parser.push(text.substr(i, step));
    (void)parser.finish();
    if (!(parser.result() == whole)) std::abort();  // pieces and the whole disagree
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 16384) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) schema_case(input);
  else reply_case(data[0], input);
  return 0;
}
