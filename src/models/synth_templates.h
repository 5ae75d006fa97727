// Chat templates of our own for synthesized test models (`playground synth`), whose GGUFs carry
// no template of a real release: today the harmony format of gpt-oss shapes. The texts are
// written here from the format's description, not copied from any model's files. Only text:
// nothing here renders, tokenizes or writes a file.
#pragma once

#include <string_view>

namespace pg {

// A Jinja chat template in OpenAI's harmony format (gpt-oss): a system message with the
// reasoning effort (`reasoning_effort`, default "medium") and the valid channels; a developer
// message with the client's system prompt and the tools as a TypeScript-like
// `namespace functions { … }`; user turns; assistant replies on the final channel (their
// analysis dropped), assistant tool calls as `<|start|>assistant to=functions.NAME<|channel|>
// commentary <|constrain|>json<|message|>ARGS<|call|>` (after their analysis, kept while no
// final reply follows, and content as a commentary preamble); tool results as
// `<|start|>functions.NAME to=assistant<|channel|>commentary<|message|>…<|end|>`; and
// `<|start|>assistant` as the generation prompt. Rendered by engine/template as Jinja2 renders it.
std::string_view harmony_chat_template();

}  // namespace pg
