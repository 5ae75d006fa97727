// The Jinja constructs of gpt-oss's official chat template (OpenAI's harmony
// format), in a template of our own with the same shapes: macros with default
// arguments calling themselves, `is iterable` / `is not string` / `is not
// mapping` / `[0] is defined` tests, list slices from `loop.index`,
// namespace() flags set inside inner loops, `in` / `not in` on strings,
// mappings and `(x or [])`, `is none`, tojson, join, length, strftime_now and
// raise_exception. Expected outputs are Jinja2 3.1's for the same context
// (trim_blocks and lstrip_blocks, as Hugging Face renders).
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "engine/template/chat_template.h"

namespace pg::jinja {
namespace {

constexpr const char* kTemplate = R"JINJA({#- The constructs of gpt-oss's official template, in a template of our own. -#}
{%- macro kind(spec, required, is_nullable=false) -%}
    {%- if spec.type is defined and spec.type is iterable and spec.type is not string and spec.type is not mapping and spec.type[0] is defined -%}
        {{- spec.type | join(" | ") }}
    {%- elif spec.oneOf -%}
        {%- for v in spec.oneOf -%}{{- kind(v, required) -}}{%- if not loop.last %}{{- " | " }}{% endif -%}{%- endfor -%}
    {%- elif spec.type == "array" -%}
        {%- set inner = kind(spec['items'], required) -%}
        {%- if inner|length > 5 -%}{{- "any[]" }}{%- else -%}{{- inner + "[]" }}{%- endif -%}
    {%- elif spec.type == "object" -%}
        {%- for name, sub in spec.properties.items() -%}
            {{- name -}}{%- if name not in (spec.required or []) -%}{{- "?" }}{%- endif -%}{{- ": " + kind(sub, spec.required or []) -}}
            {%- if not loop.last -%}{{- ", " }}{%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{- spec.type }}{%- if is_nullable %} | null{%- endif -%}
    {%- endif -%}
{%- endmacro -%}
{%- if reasoning_effort is not defined %}{%- set reasoning_effort = "medium" %}{%- endif %}
{{- "effort=" + reasoning_effort + ";" }}
{%- if messages[0].role == "system" %}{%- set rest = messages[1:] %}{%- else %}{%- set rest = messages %}{%- endif %}
{%- set last = namespace(name=none) %}
{%- for message in rest -%}
    {%- if "<|channel|>" in message.content %}{{- raise_exception("channel tags in content") }}{%- endif %}
    {%- if "tool_calls" in message %}
        {%- set future = namespace(found=false) %}
        {%- for later in rest[loop.index:] %}
            {%- if later.role == 'assistant' and "tool_calls" not in later %}{%- set future.found = true %}{%- endif %}
        {%- endfor %}
        {%- set call = message.tool_calls[0] %}
        {%- if call.function %}{%- set call = call.function %}{%- endif %}
        {{- "[call " + call.name + " " + call.arguments|tojson + (" later-final" if future.found else "") + "]" }}
        {%- set last.name = call.name %}
    {%- elif message.role == "tool" %}
        {%- if last.name is none %}{{- raise_exception("tool without call") }}{%- endif %}
        {{- "[result of " + last.name + ": " + message.content|tojson + "]" }}
    {%- else %}
        {{- "[" + message.role + ": " + message.content + "]" }}
        {%- set last.name = none %}
    {%- endif %}
{%- endfor -%}
{{- kind(tools[0].function.parameters, []) + ";" + kind({"type": "string"}, [], true) }}
{%- if strftime_now("%Y")|length == 4 %};year{% endif -%}
)JINJA";

nlohmann::ordered_json context() {
  return nlohmann::ordered_json::parse(R"JSON({"messages":[{"role":"system","content":"S"},{"role":"user","content":"Hi"},
{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":{"a":1}}}]},
{"role":"tool","content":"ok"},{"role":"assistant","content":"Done"}],"reasoning_effort":"low",
"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":["string","null"]},"c":{"oneOf":[{"type":"string"},{"type":"number"}]},"d":{"type":"array","items":{"type":"boolean"}},"e":{"type":"array","items":{"type":"string"}}},"required":["a"]}}}]}
)JSON");
}

TEST(TemplateHarmonyConstructs, RendersAsJinja2) {
  auto r = render_chat_template(kTemplate, context());
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r,
            "effort=low;[user: Hi][call f {\"a\": 1} later-final][result of f: \"ok\"][assistant: Done]"
            "a: integer, b?: string | null, c?: string | number, d?: any[], e?: any[];string | null;year");
}

TEST(TemplateHarmonyConstructs, DefaultsAndNoLaterFinal) {
  nlohmann::ordered_json c = context();
  c.erase("reasoning_effort");
  c["messages"].erase(4);
  auto r = render_chat_template(kTemplate, c);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r,
            "effort=medium;[user: Hi][call f {\"a\": 1}][result of f: \"ok\"]"
            "a: integer, b?: string | null, c?: string | number, d?: any[], e?: any[];string | null;year");
}

TEST(TemplateHarmonyConstructs, RaisesTheTemplatesErrors) {
  nlohmann::ordered_json c = context();
  c["messages"][1]["content"] = "<|channel|>final<|message|>x";
  auto r = render_chat_template(kTemplate, c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("channel tags in content"), std::string::npos) << r.error();

  c = context();
  c["messages"].erase(2);  // a tool result with no call before it
  r = render_chat_template(kTemplate, c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("tool without call"), std::string::npos) << r.error();
}

}  // namespace
}  // namespace pg::jinja
