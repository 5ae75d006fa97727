// The template texts of synth_templates.h, as raw string literals.
#include "models/synth_templates.h"

namespace pg {

std::string_view harmony_chat_template() {
  static constexpr std::string_view kHarmony = R"HARMONY(
{#- Harmony chat format (gpt-oss), written for Mistral Playground's synthesized models.
    Variables: messages, tools, add_generation_prompt, reasoning_effort ("low", "medium" (default), "high"),
    model_identity. Earlier turns' analysis is not rendered; an assistant message with tool calls keeps it
    while no final answer follows. -#}
{%- macro ts_type(spec) -%}
  {%- if spec is not mapping -%}any
  {%- elif spec.enum is defined -%}
    {%- for value in spec.enum -%}{{ value | tojson }}{{ " | " if not loop.last else "" }}{%- endfor -%}
  {%- elif spec.type is defined and spec.type is iterable and spec.type is not string -%}
    {{- spec.type | join(" | ") -}}
  {%- elif spec.type == "string" -%}string
  {%- elif spec.type == "number" or spec.type == "integer" -%}number
  {%- elif spec.type == "boolean" -%}boolean
  {%- elif spec.type == "null" -%}null
  {%- elif spec.type == "array" -%}
    {{- ts_type(spec["items"]) if spec["items"] is defined else "any" -}}[]
  {%- elif spec.type == "object" and spec.properties is defined -%}
    {{- "{ " -}}
    {%- for name, prop in spec.properties.items() -%}
      {{- name -}}{{- "" if name in (spec.required or []) else "?" -}}: {{ ts_type(prop) -}}{{- ", " if not loop.last else "" -}}
    {%- endfor -%}
    {{- " }" -}}
  {%- elif spec.type == "object" -%}object
  {%- else -%}any
  {%- endif -%}
{%- endmacro -%}
{%- macro tool_namespace(tools) -%}
  {{- "## functions\n\nnamespace functions {\n\n" -}}
  {%- for entry in tools -%}
    {%- set fn = entry.function if entry.function is defined else entry -%}
    {%- if fn.description -%}{{- "// " + fn.description + "\n" -}}{%- endif -%}
    {%- set params = fn.parameters if fn.parameters is defined and fn.parameters else {} -%}
    {%- if params.properties is defined and params.properties -%}
      {{- "type " + fn.name + " = (_: {\n" -}}
      {%- for name, prop in params.properties.items() -%}
        {%- if prop.description is defined and prop.description -%}{{- "// " + prop.description + "\n" -}}{%- endif -%}
        {{- name -}}{{- "" if name in (params.required or []) else "?" -}}: {{ ts_type(prop) -}}
        {%- if prop.default is defined -%}{{- ", // default: " + prop.default | tojson -}}{%- else -%},{%- endif -%}
        {{- "\n" -}}
      {%- endfor -%}
      {{- "}) => any;\n\n" -}}
    {%- else -%}
      {{- "type " + fn.name + " = () => any;\n\n" -}}
    {%- endif -%}
  {%- endfor -%}
  {{- "} // namespace functions" -}}
{%- endmacro -%}
{%- macro analysis_of(message) -%}
  {%- if message.thinking is defined and message.thinking -%}{{- message.thinking -}}
  {%- elif message.reasoning_content is defined and message.reasoning_content -%}{{- message.reasoning_content -}}
  {%- endif -%}
{%- endmacro -%}
{#- The system message: identity, reasoning effort, channels. -#}
<|start|>system<|message|>
{{- model_identity if model_identity is defined else "You are a helpful assistant." }}
Reasoning: {{ reasoning_effort if reasoning_effort is defined and reasoning_effort else "medium" }}

# Valid channels: analysis, commentary, final. Channel must be included for every message.
{{- "\nCalls to these tools must go to the commentary channel: 'functions'." if tools else "" -}}
<|end|>
{#- The developer message: the client's system prompt and the tools. -#}
{%- if messages and (messages[0].role == "system" or messages[0].role == "developer") -%}
  {%- set instructions = messages[0].content -%}
  {%- set turns = messages[1:] -%}
{%- else -%}
  {%- set instructions = "" -%}
  {%- set turns = messages -%}
{%- endif -%}
{%- if instructions or tools -%}
  <|start|>developer<|message|>
  {%- if instructions -%}{{- "# Instructions\n\n" + instructions -}}{{- "\n\n" if tools else "" -}}{%- endif -%}
  {%- if tools -%}{{- "# Tools\n\n" + tool_namespace(tools) -}}{%- endif -%}
  <|end|>
{%- endif -%}
{#- The conversation. -#}
{%- set state = namespace(calls=[]) -%}
{%- for message in turns -%}
  {%- if message.role == "user" -%}
    <|start|>user<|message|>{{ message.content }}<|end|>
  {%- elif message.role == "assistant" and message.tool_calls is defined and message.tool_calls -%}
    {%- set later = namespace(final=false) -%}
    {%- for next in turns[loop.index:] -%}
      {%- if next.role == "assistant" and not (next.tool_calls is defined and next.tool_calls) -%}
        {%- set later.final = true -%}
      {%- endif -%}
    {%- endfor -%}
    {%- set analysis = analysis_of(message) -%}
    {%- if analysis and not later.final -%}
      <|start|>assistant<|channel|>analysis<|message|>{{ analysis }}<|end|>
    {%- endif -%}
    {%- if message.content -%}
      <|start|>assistant<|channel|>commentary<|message|>{{ message.content }}<|end|>
    {%- endif -%}
    {%- set state.calls = [] -%}
    {%- for call in message.tool_calls -%}
      {%- set fn = call.function if call.function is defined else call -%}
      {%- set state.calls = state.calls + [{"id": call.id if call.id is defined else "", "name": fn.name}] -%}
      <|start|>assistant to=functions.{{ fn.name }}<|channel|>commentary <|constrain|>json<|message|>
      {{- fn.arguments if fn.arguments is string else fn.arguments | tojson -}}
      <|call|>
    {%- endfor -%}
  {%- elif message.role == "assistant" -%}
    <|start|>assistant<|channel|>final<|message|>{{ message.content }}<|end|>
  {%- elif message.role == "tool" -%}
    {%- set found = namespace(name=message.name if message.name is defined and message.name else "") -%}
    {%- for call in state.calls -%}
      {%- if not found.name and message.tool_call_id is defined and call.id == message.tool_call_id -%}
        {%- set found.name = call.name -%}
      {%- endif -%}
    {%- endfor -%}
    {%- if not found.name -%}
      {%- set found.name = state.calls[0].name if state.calls else "tool" -%}
    {%- endif -%}
    <|start|>functions.{{ found.name }} to=assistant<|channel|>commentary<|message|>{{ message.content }}<|end|>
  {%- elif message.role == "system" or message.role == "developer" -%}
    <|start|>developer<|message|>{{ message.content }}<|end|>
  {%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}<|start|>assistant{%- endif -%}
)HARMONY";
  return kHarmony.substr(1);  // the literal starts with a newline
}

}  // namespace pg
