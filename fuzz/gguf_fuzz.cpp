// Fuzz target: the GGUF reader (engine/gguf). Input: the bytes of a file.
// A bad file must come back as an Error; a good one must answer every getter
// without reading outside the image. Must never write files or load models.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/gguf/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = pg::gguf::GgufFile::from_bytes(std::vector<uint8_t>(data, data + size));
  if (!file) return 0;
  const pg::gguf::GgufFile& f = **file;
  for (const auto& [key, value] : f.metadata()) {
    (void)value.to_display();
    (void)f.find(key);
    (void)f.get_int(key);
    (void)f.get_float(key);
    (void)f.get_string(key);
    (void)f.get_string_array(key);
    (void)f.get_float_array(key);
    (void)f.get_int_array(key);
  }
  // Every tensor's bytes must lie inside the image: touch the first and last.
  volatile uint8_t sink = 0;
  for (const auto& t : f.tensors()) {
    (void)f.find_tensor(t.name);
    if (t.n_bytes > 0 && t.data) sink = sink ^ t.data[0] ^ t.data[t.n_bytes - 1];
  }
  return 0;
}
