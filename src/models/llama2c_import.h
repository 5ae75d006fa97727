// Converts a llama2.c checkpoint (model .bin + tokenizer .bin) into a GGUF file
// that any Llama GGUF reader (ours, llama.cpp) loads. Validates both inputs
// against their sizes before reading; never writes a partial output file.
#pragma once

#include <string>

#include "util/result.h"

namespace pg {

struct Llama2cImportOptions {
  std::string model_name;  // general.name; default: the checkpoint's file stem
};

Status convert_llama2c(const std::string& model_path, const std::string& tokenizer_path,
                       const std::string& out_path, const Llama2cImportOptions& options = {});

}  // namespace pg
