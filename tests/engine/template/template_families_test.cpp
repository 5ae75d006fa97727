// The chat templates of the model families of issue 21 that the shared
// conformance data (basic.jsonl, tools.jsonl) does not carry: Gemma 3 (system
// folded into the first user turn, `model` turns), Phi-4 (<|im_sep|>),
// Phi-4-mini and Phi-3.5-mini (<|system|>...<|end|>), Mistral Small 3 "v7
// tekken" ([SYSTEM_PROMPT] with its dated default), Ministral 3 reasoning,
// OLMo 2 (<|endoftext|> BOS, <|user|>), Granite 3.3 (<|start_of_role|>,
// dated default, the `thinking` switch) and Qwen 3's enable_thinking switch.
//
// The template texts are in families/NAME.jinja, byte for byte: Phi-3.5-mini,
// Granite 3.3, Ministral 3 and Qwen 3 copied from llama.cpp's models/templates
// (commit 3f545becc); Gemma 3, Phi-4, Phi-4-mini, Mistral Small 3 (2501) and
// OLMo 2 written from the published tokenizer_config.json chat_template values.
// The expected texts below were rendered by Python's Jinja2 3.1.6 in Hugging
// Face's environment (the one of ../shared/tools/render_tool_templates.py:
// sandboxed, trim_blocks, lstrip_blocks, raise_exception, strftime_now at
// 2026-11-26 00:00 local time) with tools and documents None, and pasted here
// unedited; kMustFail marks where Jinja2 raised. Never edit them by hand.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/template/chat_template.h"
#include "test_paths.h"

namespace pg::jinja {
namespace {

constexpr const char* kMustFail = nullptr;

struct FamilyCase {
  const char* template_name;  // families/<name>.jinja
  const char* context_json;
  const char* expected;  // or kMustFail
};

const FamilyCase kCases[] = {
    {"gemma-3-it",
     R"json({"messages": [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there"}, {"role": "user", "content": "Who are you?"}], "add_generation_prompt": true, "bos_token": "<bos>", "eos_token": "<eos>"})json",
     R"exp(<bos><start_of_turn>user
You are a helpful assistant.

Hello<end_of_turn>
<start_of_turn>model
Hi there<end_of_turn>
<start_of_turn>user
Who are you?<end_of_turn>
<start_of_turn>model
)exp"},
    {"gemma-3-it",
     R"json({"messages": [{"role": "user", "content": "Hello"}], "add_generation_prompt": true, "bos_token": "<bos>", "eos_token": "<eos>"})json",
     R"exp(<bos><start_of_turn>user
Hello<end_of_turn>
<start_of_turn>model
)exp"},
    {"gemma-3-it",
     R"json({"messages": [{"role": "system", "content": [{"type": "text", "text": "Be brief."}]}, {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "  What is this?  "}]}, {"role": "assistant", "content": " A cat. "}], "add_generation_prompt": false, "bos_token": "<bos>", "eos_token": "<eos>"})json",
     R"exp(<bos><start_of_turn>user
Be brief.

<start_of_image>What is this?<end_of_turn>
<start_of_turn>model
A cat.<end_of_turn>
)exp"},
    {"gemma-3-it",
     R"json({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "add_generation_prompt": true, "bos_token": "<bos>", "eos_token": "<eos>"})json",
     kMustFail},  // TemplateError: Conversation roles must alternate user/assistant/user/assistant/...
    {"phi-4",
     R"json({"messages": [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there"}, {"role": "user", "content": "Who are you?"}], "add_generation_prompt": true, "bos_token": "<|endoftext|>", "eos_token": "<|im_end|>"})json",
     R"exp(<|im_start|>system<|im_sep|>You are a helpful assistant.<|im_end|><|im_start|>user<|im_sep|>Hello<|im_end|><|im_start|>assistant<|im_sep|>Hi there<|im_end|><|im_start|>user<|im_sep|>Who are you?<|im_end|><|im_start|>assistant<|im_sep|>)exp"},
    {"phi-4",
     R"json({"messages": [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there"}], "add_generation_prompt": false, "bos_token": "<|endoftext|>", "eos_token": "<|im_end|>"})json",
     R"exp(<|im_start|>system<|im_sep|>You are a helpful assistant.<|im_end|><|im_start|>user<|im_sep|>Hello<|im_end|><|im_start|>assistant<|im_sep|>Hi there<|im_end|>)exp"},
    {"phi-4-mini-instruct",
     R"json({"messages": [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there"}, {"role": "user", "content": "Who are you?"}], "add_generation_prompt": true, "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>"})json",
     R"exp(<|system|>You are a helpful assistant.<|end|><|user|>Hello<|end|><|assistant|>Hi there<|end|><|user|>Who are you?<|end|><|assistant|>)exp"},
    {"phi-4-mini-instruct",
     R"json({"messages": [{"role": "system", "content": "Use tools.", "tools": "[{\"name\": \"now\"}]"}, {"role": "user", "content": "Hello"}], "add_generation_prompt": false, "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>"})json",
     R"exp(<|system|>Use tools.<|tool|>[{"name": "now"}]<|/tool|><|end|><|user|>Hello<|end|><|endoftext|>)exp"},
    {"phi-3.5-mini-instruct",
     R"json({"messages": [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there"}, {"role": "user", "content": "Who are you?"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "<|endoftext|>"})json",
     R"exp(<|system|>
You are a helpful assistant.<|end|>
<|user|>
Hello<|end|>
<|assistant|>
Hi there<|end|>
<|user|>
Who are you?<|end|>
<|assistant|>
)exp"},
    {"phi-3.5-mini-instruct",
     R"json({"messages": [{"role": "system", "content": ""}, {"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi"}], "add_generation_prompt": false, "bos_token": "<s>", "eos_token": "<|endoftext|>"})json",
     R"exp(<|user|>
Hello<|end|>
<|assistant|>
Hi<|end|>
<|endoftext|>)exp"},
    {"mistral-small-3-2501",
     R"json({"messages": [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there"}, {"role": "user", "content": "Who are you?"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"})json",
     R"exp(<s>[SYSTEM_PROMPT]You are a helpful assistant.[/SYSTEM_PROMPT][INST]Hello[/INST]Hi there</s>[INST]Who are you?[/INST])exp"},
    {"mistral-small-3-2501",
     R"json({"messages": [{"role": "user", "content": "Hello"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"})json",
     R"exp(<s>[SYSTEM_PROMPT]You are Mistral Small 3, a Large Language Model (LLM) created by Mistral AI, a French startup headquartered in Paris.
Your knowledge base was last updated on 2023-10-01. The current date is 2026-11-26.

When you're not sure about some information, you say that you don't have the information and don't make up anything.
If the user's question is not clear, ambiguous, or does not provide enough context for you to accurately answer the question, you do not try to answer it right away and you rather ask the user to clarify their request (e.g. "What are some good restaurants around me?" => "Where are you?" or "When is the next flight to Tokyo" => "Where do you travel from?")[/SYSTEM_PROMPT][INST]Hello[/INST])exp"},
    {"mistral-small-3-2501",
     R"json({"messages": [{"role": "user", "content": "Hello"}, {"role": "tool", "content": "x"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"})json",
     kMustFail},  // TemplateError: Only user, system and assistant roles are supported!
    {"ministral-3-reasoning",
     R"json({"messages": [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there"}, {"role": "user", "content": "Who are you?"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"})json",
     R"exp(<s>[SYSTEM_PROMPT]You are a helpful assistant.[/SYSTEM_PROMPT][INST]Hello[/INST]Hi there</s>[INST]Who are you?[/INST])exp"},
    {"ministral-3-reasoning",
     R"json({"messages": [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": [{"type": "thinking", "thinking": "Greet back."}, {"type": "text", "text": "Hi!"}]}, {"role": "user", "content": "Bye"}], "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"})json",
     R"exp(<s>[SYSTEM_PROMPT]# HOW YOU SHOULD THINK AND ANSWER

First draft your thinking process (inner monologue) until you arrive at a response. Format your response using Markdown, and use LaTeX for any mathematical equations. Write both your thoughts and the response in the same language as the input.

Your thinking process must follow the template below:[THINK]Your thoughts or/and draft, like working through an exercise on scratch paper. Be as casual and as long as you want until you are confident to generate the response to the user.[/THINK]Here, provide a self-contained response.[/SYSTEM_PROMPT][INST]Hello[/INST][THINK]Greet back.[/THINK]Hi!</s>[INST]Bye[/INST])exp"},
    {"olmo-2-instruct",
     R"json({"messages": [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there"}, {"role": "user", "content": "Who are you?"}], "add_generation_prompt": true, "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>"})json",
     R"exp(<|endoftext|><|system|>
You are a helpful assistant.
<|user|>
Hello
<|assistant|>
Hi there<|endoftext|>
<|user|>
Who are you?
<|assistant|>
)exp"},
    {"olmo-2-instruct",
     R"json({"messages": [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there"}], "add_generation_prompt": false, "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>"})json",
     R"exp(<|endoftext|><|system|>
You are a helpful assistant.
<|user|>
Hello
<|assistant|>
Hi there<|endoftext|>)exp"},
    {"granite-3.3-instruct",
     R"json({"messages": [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there"}, {"role": "user", "content": "Who are you?"}], "add_generation_prompt": true, "bos_token": "<|end_of_text|>", "eos_token": "<|end_of_text|>"})json",
     R"exp(<|start_of_role|>system<|end_of_role|>You are a helpful assistant.<|end_of_text|>
<|start_of_role|>user<|end_of_role|>Hello<|end_of_text|>
<|start_of_role|>assistant<|end_of_role|>Hi there<|end_of_text|>
<|start_of_role|>user<|end_of_role|>Who are you?<|end_of_text|>
<|start_of_role|>assistant<|end_of_role|>)exp"},
    {"granite-3.3-instruct",
     R"json({"messages": [{"role": "user", "content": "Hello"}], "add_generation_prompt": true, "bos_token": "<|end_of_text|>", "eos_token": "<|end_of_text|>"})json",
     R"exp(<|start_of_role|>system<|end_of_role|>Knowledge Cutoff Date: April 2024. Today's Date: November 26, 2026. You are Granite, developed by IBM. You are a helpful AI assistant.<|end_of_text|>
<|start_of_role|>user<|end_of_role|>Hello<|end_of_text|>
<|start_of_role|>assistant<|end_of_role|>)exp"},
    {"granite-3.3-instruct",
     R"json({"messages": [{"role": "user", "content": "Hello"}], "add_generation_prompt": true, "bos_token": "<|end_of_text|>", "eos_token": "<|end_of_text|>", "thinking": true})json",
     R"exp(<|start_of_role|>system<|end_of_role|>Knowledge Cutoff Date: April 2024. Today's Date: November 26, 2026. You are Granite, developed by IBM. You are a helpful AI assistant.
Respond to every user query in a comprehensive and detailed way. You can write down your thoughts and reasoning process before responding. In the thought process, engage in a comprehensive cycle of analysis, summarization, exploration, reassessment, reflection, backtracing, and iteration to develop well-considered thinking process. In the response section, based on various attempts, explorations, and reflections from the thoughts section, systematically present the final solution that you deem correct. The response should summarize the thought process. Write your thoughts between <think></think> and write your response between <response></response> for each user query.<|end_of_text|>
<|start_of_role|>user<|end_of_role|>Hello<|end_of_text|>
<|start_of_role|>assistant<|end_of_role|>)exp"},
    {"qwen3",
     R"json({"messages": [{"role": "user", "content": "Hello"}], "add_generation_prompt": true, "bos_token": "", "eos_token": "<|im_end|>"})json",
     R"exp(<|im_start|>user
Hello<|im_end|>
<|im_start|>assistant
)exp"},
    {"qwen3",
     R"json({"messages": [{"role": "user", "content": "Hello"}], "add_generation_prompt": true, "bos_token": "", "eos_token": "<|im_end|>", "enable_thinking": false})json",
     R"exp(<|im_start|>user
Hello<|im_end|>
<|im_start|>assistant
<think>

</think>

)exp"},
    {"qwen3",
     R"json({"messages": [{"role": "user", "content": "Hello"}], "add_generation_prompt": true, "bos_token": "", "eos_token": "<|im_end|>", "enable_thinking": true})json",
     R"exp(<|im_start|>user
Hello<|im_end|>
<|im_start|>assistant
)exp"},
    {"qwen3",
     R"json({"messages": [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hello"}, {"role": "assistant", "content": "<think>\nGreet.\n</think>\n\nHi there"}, {"role": "user", "content": "Who are you?"}], "add_generation_prompt": true, "bos_token": "", "eos_token": "<|im_end|>", "enable_thinking": false})json",
     R"exp(<|im_start|>system
You are a helpful assistant.<|im_end|>
<|im_start|>user
Hello<|im_end|>
<|im_start|>assistant
Hi there<|im_end|>
<|im_start|>user
Who are you?<|im_end|>
<|im_start|>assistant
<think>

</think>

)exp"},
};

std::string read_template(const std::string& name) {
  const std::string path = test::source_dir() + "/tests/engine/template/families/" + name + ".jinja";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.is_open()) << "missing template " << path;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// The instant the expected texts were rendered at (strftime_now formats local time).
ChatTemplateOptions fixed_now() {
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 10;
  tm.tm_mday = 26;
  tm.tm_isdst = -1;
  ChatTemplateOptions o;
  o.now = std::mktime(&tm);
  return o;
}

TEST(TemplateFamilies, EveryCaseRendersAsJinja2Does) {
  std::map<std::string, int> per_template;
  for (const FamilyCase& c : kCases) {
    SCOPED_TRACE(std::string(c.template_name) + ": " + c.context_json);
    const std::string source = read_template(c.template_name);
    ASSERT_FALSE(source.empty());
    auto r = render_chat_template(source, nlohmann::ordered_json::parse(c.context_json), fixed_now());
    if (c.expected == kMustFail) {
      EXPECT_FALSE(r.is_ok()) << "rendered instead of failing: " << (r ? *r : "");
    } else {
      ASSERT_TRUE(r.is_ok()) << r.error();
      EXPECT_EQ(*r, c.expected);
    }
    ++per_template[c.template_name];
  }
  EXPECT_EQ(per_template.size(), 9u);
  EXPECT_EQ(std::size(kCases), 24u);
}

// What each family's generation prompt ends with: the text the model continues from.
TEST(TemplateFamilies, GenerationPromptsEndWhereTheModelAnswers) {
  const struct {
    const char* name;
    const char* bos;
    const char* ending;
  } families[] = {
      {"gemma-3-it", "<bos>", "<end_of_turn>\n<start_of_turn>model\n"},
      {"phi-4", "", "<|im_end|><|im_start|>assistant<|im_sep|>"},
      {"phi-4-mini-instruct", "", "<|end|><|assistant|>"},
      {"phi-3.5-mini-instruct", "", "<|end|>\n<|assistant|>\n"},
      {"mistral-small-3-2501", "<s>", "[/INST]"},
      {"ministral-3-reasoning", "<s>", "[/INST]"},
      {"olmo-2-instruct", "<|endoftext|>", "\n<|assistant|>\n"},
      {"granite-3.3-instruct", "", "<|end_of_text|>\n<|start_of_role|>assistant<|end_of_role|>"},
      {"qwen3", "", "<|im_end|>\n<|im_start|>assistant\n"},
  };
  const auto context = nlohmann::ordered_json::parse(
      R"({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "bos_token": "BOS", "eos_token": "EOS"})");
  for (const auto& f : families) {
    SCOPED_TRACE(f.name);
    nlohmann::ordered_json ctx = context;
    if (*f.bos) ctx["bos_token"] = f.bos;
    auto r = render_chat_template(read_template(f.name), ctx, fixed_now());
    ASSERT_TRUE(r.is_ok()) << r.error();
    EXPECT_TRUE(r->ends_with(f.ending)) << *r;
    if (*f.bos) {
      EXPECT_TRUE(r->starts_with(f.bos)) << *r;
    }
  }
}

}  // namespace
}  // namespace pg::jinja
