// `playground template` as a user runs it: the exact rendered bytes on stdout
// (no trailing newline added), the template's error on stderr with a non-zero
// exit, messages given as an array or as an object with extra variables, and
// the chat template and BOS/EOS text read from a GGUF model, and --tools
// giving the `tools` variable (a real tool-calling template renders as Jinja2 did).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/gguf/gguf.h"
#include "test_paths.h"
#include "test_process.h"

namespace pg {
namespace {

using test::ProcessResult;
using test::run_playground;
using test::shell_quote;

class TemplateCli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = test::temp_dir("pg_template_cli"); }
  void TearDown() override { test::cleanup(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return shell_quote(path.string());
  }

  std::filesystem::path dir_;
};

TEST_F(TemplateCli, PrintsExactlyTheRenderedText) {
  const std::string tmpl = write("t.jinja",
                                 "{{ bos_token }}{% for m in messages %}<|{{ m.role }}|>\n{{ m.content }}{{ eos_token }}\n"
                                 "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}");
  const std::string msgs = write("m.json", R"([{"role": "user", "content": "Hi é"}])");
  ProcessResult r = run_playground("template --file " + tmpl + " --messages " + msgs +
                                   " --add-generation-prompt --bos-token '<s>' --eos-token '</s>'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "<s><|user|>\nHi é</s>\n<|assistant|>\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(TemplateCli, AcceptsAnObjectWithToolsAndExtraVariables) {
  const std::string tmpl = write("t.jinja", "{{ tools | map(attribute='name') | join(',') }}|{{ date }}|{{ messages | length }}");
  const std::string msgs = write("m.json", R"({"messages": [{"role": "user", "content": "x"}], "tools": [{"name": "a"}, {"name": "b"}], "date": "today"})");
  ProcessResult r = run_playground("template --file " + tmpl + " --messages " + msgs);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "a,b|today|1");
}

TEST_F(TemplateCli, ToolsFileGivesTheToolsVariable) {
  const std::string tmpl = write("t.jinja", "{{ tools is none }}|{{ tools | tojson }}");
  const std::string msgs = write("m.json", R"([{"role": "user", "content": "x"}])");
  // Without --tools (and no "tools" in the messages file) tools is None, as transformers passes it.
  ProcessResult r = run_playground("template --file " + tmpl + " --messages " + msgs);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "True|null");

  const std::string tools = write(
      "tools.json",
      R"([{"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}}}}])");
  r = run_playground("template --file " + tmpl + " --messages " + msgs + " --tools " + tools);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, R"(False|[{"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}}}}])");

  // --tools wins over a "tools" key of the messages file.
  const std::string with_tools = write("mt.json", R"({"messages": [], "tools": [{"name": "old"}]})");
  r = run_playground("template --file " + tmpl + " --messages " + with_tools + " --tools " + tools);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("get_time"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("old"), std::string::npos) << r.out;

  const std::string not_list = write("obj.json", R"({"name": "get_time"})");
  r = run_playground("template --file " + tmpl + " --messages " + msgs + " --tools " + not_list);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("must hold a JSON array of tools"), std::string::npos) << r.err;
  const std::string broken = write("broken.json", "[{");
  r = run_playground("template --file " + tmpl + " --messages " + msgs + " --tools " + broken);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << r.err;
  r = run_playground("template --file " + tmpl + " --messages " + msgs + " --tools " + shell_quote((dir_ / "none.json").string()));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("cannot open tools file"), std::string::npos) << r.err;
}

TEST_F(TemplateCli, RendersARealToolCallingTemplateAsJinja2Did) {
  PG_REQUIRE_SHARED();
  std::ifstream in(test::shared_path("testdata/chat-templates/tools.jsonl"));
  ASSERT_TRUE(in) << "cannot open testdata/chat-templates/tools.jsonl";
  std::string line;
  nlohmann::ordered_json c;
  while (std::getline(in, line)) {
    c = nlohmann::ordered_json::parse(line);
    if (c["template_id"] == "Qwen-Qwen2.5-7B-Instruct" && c["case"] == "tool_call_args_object") break;
  }
  ASSERT_EQ(c["case"], "tool_call_args_object") << "the Qwen 2.5 vector is missing";
  ASSERT_TRUE(c["add_generation_prompt"].get<bool>());
  const std::string tmpl = write("qwen.jinja", c["template"].get<std::string>());
  const std::string msgs = write("m.json", c["messages"].dump());
  const std::string tools = write("tools.json", c["tools"].dump());
  ProcessResult r = run_playground("template --file " + tmpl + " --messages " + msgs + " --tools " + tools +
                                   " --add-generation-prompt --bos-token " + shell_quote(c["bos_token"].get<std::string>()) +
                                   " --eos-token " + shell_quote(c["eos_token"].get<std::string>()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, c["expected"].get<std::string>());
}

TEST_F(TemplateCli, TemplateErrorsGoToStderrWithNonZeroExit) {
  const std::string tmpl = write("t.jinja", "{% for m in messages %}\n{{ raise_exception('roles must alternate') }}{% endfor %}");
  const std::string msgs = write("m.json", R"([{"role": "user", "content": "x"}])");
  ProcessResult r = run_playground("template --file " + tmpl + " --messages " + msgs);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("line 2, column 4: roles must alternate"), std::string::npos) << r.err;

  const std::string bad = write("bad.jinja", "{% if %}");
  r = run_playground("template --file " + bad + " --messages " + msgs);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("syntax error at line 1, column 7"), std::string::npos) << r.err;

  const std::string not_json = write("n.json", "[{");
  r = run_playground("template --file " + tmpl + " --messages " + not_json);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << r.err;
}

TEST_F(TemplateCli, ReadsTheTemplateAndSpecialTokensFromAGgufModel) {
  gguf::GgufWriter w;
  w.set("general.architecture", gguf::Value::str("llama"));
  w.set("tokenizer.ggml.model", gguf::Value::str("llama"));
  w.set("tokenizer.ggml.tokens",
        gguf::Value::array(gguf::ValueType::STRING,
                           {gguf::Value::str("<unk>"), gguf::Value::str("<s>"), gguf::Value::str("</s>")}));
  w.set("tokenizer.ggml.bos_token_id", gguf::Value::u32(1));
  w.set("tokenizer.ggml.eos_token_id", gguf::Value::u32(2));
  w.set("tokenizer.chat_template",
        gguf::Value::str("{{ bos_token }}{% for m in messages %}[INST] {{ m.content }} [/INST]{% endfor %}{{ eos_token }}"));
  const std::string model = (dir_ / "chat.gguf").string();
  ASSERT_TRUE(w.write(model).is_ok());
  const std::string msgs = write("m.json", R"([{"role": "user", "content": "Hi"}])");

  ProcessResult r = run_playground("template --model " + shell_quote(model) + " --messages " + msgs);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "<s>[INST] Hi [/INST]</s>");
  // --file accepts the GGUF too, and explicit tokens win over the model's.
  r = run_playground("template --file " + shell_quote(model) + " --messages " + msgs + " --eos-token END");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "<s>[INST] Hi [/INST]END");
}

TEST_F(TemplateCli, ModelWithoutChatTemplateIsAnError) {
  PG_REQUIRE_SHARED();
  const std::string msgs = write("m.json", R"([{"role": "user", "content": "x"}])");
  ProcessResult r = run_playground("template --model " +
                                   shell_quote(test::shared_path("testdata/gguf/stories260K.gguf")) +
                                   " --messages " + msgs);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("has no tokenizer.chat_template"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pg
