// PDF text extraction with MuPDF (see pdf_text.h). MuPDF reports errors with
// setjmp/longjmp (fz_try/fz_catch), so the rules here are: inside an fz_try
// block only MuPDF calls and plain values (fz_var'd), no C++ object is created
// and nothing can throw a C++ exception; the structured text MuPDF builds is
// walked afterwards, outside any fz_try. Each call owns one fz_context (MuPDF
// contexts are not thread-safe) whose allocator counts bytes and refuses past
// the budget, which turns a decompression bomb into an ordinary error.
#include "rag/pdf_text.h"

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "rag/utf8.h"

namespace pg::rag {
namespace {

// ---- memory budget: a capacity header in front of every block MuPDF allocates ----

struct MemoryBudget {
  uint64_t cap = 0;
  uint64_t used = 0;  // capacities of the live blocks
  bool refused = false;
};

constexpr size_t kHeader = 16;                // keeps malloc's 16-byte alignment for MuPDF
constexpr size_t kGeometricFrom = 64 * 1024;  // blocks grown past this get 50% slack

bool fits_budget(MemoryBudget* budget, size_t grow) {
  if (grow <= budget->cap - budget->used) return true;
  budget->refused = true;
  return false;
}

void* budget_malloc(void* user, size_t size) {
  auto* budget = static_cast<MemoryBudget*>(user);
  if (!fits_budget(budget, size)) return nullptr;
  auto* base = static_cast<unsigned char*>(std::malloc(size + kHeader));
  if (!base) return nullptr;
  std::memcpy(base, &size, sizeof size);
  budget->used += size;
  return base + kHeader;
}

void budget_free(void* user, void* ptr) {
  if (!ptr) return;
  auto* budget = static_cast<MemoryBudget*>(user);
  auto* base = static_cast<unsigned char*>(ptr) - kHeader;
  size_t capacity;
  std::memcpy(&capacity, base, sizeof capacity);
  budget->used -= capacity;
  std::free(base);
}

// MuPDF grows some arrays by a constant step (text spans by 36 glyphs), which
// makes a page with millions of glyphs quadratic in copying; growing the block
// geometrically underneath keeps every realloc amortized O(1).
void* budget_realloc(void* user, void* old, size_t size) {
  if (!old) return budget_malloc(user, size);
  if (size == 0) {
    budget_free(user, old);
    return nullptr;
  }
  auto* budget = static_cast<MemoryBudget*>(user);
  auto* base = static_cast<unsigned char*>(old) - kHeader;
  size_t capacity;
  std::memcpy(&capacity, base, sizeof capacity);
  if (size <= capacity) return old;  // shrinking, or growing into the slack
  if (!fits_budget(budget, size - capacity)) return nullptr;
  // The slack is whatever of the 50% the budget still allows (near the limit a
  // block takes the rest, rather than going back to growing step by step).
  const uint64_t room = capacity + (budget->cap - budget->used);
  const size_t wanted =
      size >= kGeometricFrom ? static_cast<size_t>(std::min<uint64_t>(size + uint64_t{size} / 2, room)) : size;
  auto* grown = static_cast<unsigned char*>(std::realloc(base, wanted + kHeader));
  if (!grown) return nullptr;
  std::memcpy(grown, &wanted, sizeof wanted);
  budget->used += wanted - capacity;
  return grown + kHeader;
}

// ---- MuPDF's warnings, collected instead of printed ----

constexpr size_t kMaxWarnings = 20;

struct Diagnostics {
  std::vector<std::string> messages;
  size_t more = 0;
};

void collect_warning(void* user, const char* message) {
  auto* diag = static_cast<Diagnostics*>(user);
  try {
    // A property of this MuPDF build, not of the document.
    if (std::strstr(message, "ICC support is not available")) return;
    if (diag->messages.size() < kMaxWarnings)
      diag->messages.emplace_back(message);
    else
      ++diag->more;
  } catch (...) {
    // No C++ exception may unwind through MuPDF's C frames; a lost warning is harmless.
  }
}

void ignore_error(void*, const char*) {}  // errors come back through fz_caught_message

// ---- owners that release MuPDF objects in the right order ----

struct ContextOwner {
  fz_context* ctx = nullptr;
  ~ContextOwner() {
    if (ctx) fz_drop_context(ctx);
  }
};

struct DocumentOwner {
  fz_context* ctx = nullptr;
  pdf_document* doc = nullptr;
  ~DocumentOwner() {
    if (doc) pdf_drop_document(ctx, doc);
  }
};

struct StextOwner {
  fz_context* ctx = nullptr;
  fz_stext_page* page = nullptr;
  ~StextOwner() {
    if (page) fz_drop_stext_page(ctx, page);
  }
};

// ---- structured text to plain text ----

bool is_word_byte(unsigned char b) { return std::isalpha(b) || b >= 0x80; }

// One line's characters: controls dropped, any horizontal space a single
// space, U+FFFD (a glyph without a Unicode mapping) and soft hyphens dropped.
std::string line_text(const fz_stext_line* line, size_t& unmapped) {
  std::string out;
  for (const fz_stext_char* ch = line->first_char; ch; ch = ch->next) {
    const int c = ch->c;
    if (c == 0xFFFD) {
      ++unmapped;
      continue;
    }
    if (c == 0xAD || c == 0xFEFF || (c < 0x20 && c != '\t') || (c >= 0x7F && c <= 0x9F)) continue;
    if (c == ' ' || c == '\t' || c == 0xA0) {
      if (!out.empty() && out.back() != ' ') out += ' ';
      continue;
    }
    utf8::append(out, static_cast<char32_t>(c));
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// "extrac-" + "tion" → "extraction": a hyphen after a letter at a line end
// followed by a lowercase letter is a line-break hyphen.
bool joins_hyphenated(const std::string& block, const std::string& next_line) {
  const size_t n = block.size();
  return n >= 2 && block[n - 1] == '-' && is_word_byte(static_cast<unsigned char>(block[n - 2])) &&
         !next_line.empty() && std::islower(static_cast<unsigned char>(next_line[0]));
}

std::string page_text(const fz_stext_page* page, size_t& unmapped) {
  std::string text;
  for (const fz_stext_block* block = page->first_block; block; block = block->next) {
    if (block->type != FZ_STEXT_BLOCK_TEXT) continue;
    std::string block_text;
    for (const fz_stext_line* line = block->u.t.first_line; line; line = line->next) {
      std::string l = line_text(line, unmapped);
      const size_t lead = l.find_first_not_of(' ');
      if (lead == std::string::npos) continue;
      l.erase(0, lead);
      if (block_text.empty()) {
        block_text = std::move(l);
      } else if (joins_hyphenated(block_text, l)) {
        block_text.pop_back();
        block_text += l;
      } else {
        block_text += '\n';
        block_text += l;
      }
    }
    if (block_text.empty()) continue;
    if (!text.empty()) text += "\n\n";
    text += block_text;
  }
  return text;
}

// ---- MuPDF calls (plain values only inside fz_try) ----

// Loads page `index` and its structured text. On failure returns the message.
Result<fz_stext_page*> load_stext(fz_context* ctx, pdf_document* doc, int index) {
  fz_page* page = nullptr;
  fz_stext_page* stext = nullptr;
  fz_var(page);
  fz_var(stext);
  const fz_stext_options options{FZ_STEXT_MEDIABOX_CLIP, 0.0f};
  fz_try(ctx) {
    page = fz_load_page(ctx, &doc->super, index);
    stext = fz_new_stext_page_from_page(ctx, page, &options);
  }
  fz_always(ctx) { fz_drop_page(ctx, page); }
  fz_catch(ctx) { return Error{fz_caught_message(ctx)}; }
  return stext;
}

bool ends_with_eof_marker(std::span<const uint8_t> bytes) {
  const size_t tail = std::min<size_t>(bytes.size(), 1024);
  std::string_view end(reinterpret_cast<const char*>(bytes.data() + bytes.size() - tail), tail);
  return end.find("%%EOF") != std::string_view::npos;
}

std::string mib(uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

std::string clean_title(const char* raw) {
  size_t replaced;
  std::string repaired = utf8::repair(raw, replaced);
  std::string title;
  for (char c : repaired)
    if (static_cast<unsigned char>(c) >= 0x20 || c == '\t') title += c == '\t' ? ' ' : c;
  const size_t first = title.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  return title.substr(first, title.find_last_not_of(' ') - first + 1);
}

}  // namespace

Result<ExtractedDocument> extract_pdf(std::span<const uint8_t> bytes, std::string_view file_name,
                                      const ExtractLimits& limits) {
  const std::string name(file_name);
  MemoryBudget budget;
  budget.cap = limits.max_pdf_memory;
  fz_alloc_context alloc{&budget, budget_malloc, budget_realloc, budget_free};
  Diagnostics diag;

  ContextOwner context;
  context.ctx = fz_new_context(&alloc, nullptr, static_cast<size_t>(limits.max_pdf_memory / 4));
  fz_context* ctx = context.ctx;
  if (!ctx) return Error{name + ": cannot start the PDF reader (memory budget " + mib(budget.cap) + ")"};
  fz_set_warning_callback(ctx, collect_warning, &diag);
  fz_set_error_callback(ctx, ignore_error, nullptr);

  // Why a failure happened, in the order of likelihood for a hostile file.
  auto failure = [&](const std::string& what, const char* mupdf_message) -> Error {
    if (budget.refused)
      return Error{name + ": " + what + " needs more than the PDF memory limit of " + mib(budget.cap) +
                   " (decompression bomb?)"};
    if (!ends_with_eof_marker(bytes))
      return Error{name + ": truncated PDF (no %%EOF at the end of its " + std::to_string(bytes.size()) +
                   " bytes): " + what + " failed: " + mupdf_message};
    return Error{name + ": " + what + " failed: " + mupdf_message};
  };

  DocumentOwner document{ctx, nullptr};
  fz_stream* stream = nullptr;
  pdf_document* doc = nullptr;
  int page_count = 0;
  int locked = 0;
  char raw_title[1024] = "";
  fz_var(stream);
  fz_var(doc);
  fz_var(page_count);
  fz_var(locked);
  fz_try(ctx) {
    stream = fz_open_memory(ctx, bytes.data(), bytes.size());
    doc = pdf_open_document_with_stream(ctx, stream);
    locked = fz_needs_password(ctx, &doc->super) && !fz_authenticate_password(ctx, &doc->super, "");
    if (!locked) {
      page_count = fz_count_pages(ctx, &doc->super);
      if (fz_lookup_metadata(ctx, &doc->super, FZ_META_INFO_TITLE, raw_title, sizeof raw_title) < 0)
        raw_title[0] = 0;
    }
  }
  fz_always(ctx) { fz_drop_stream(ctx, stream); }
  fz_catch(ctx) {
    if (doc) pdf_drop_document(ctx, doc);
    return failure("opening the PDF", fz_caught_message(ctx));
  }
  document.doc = doc;
  raw_title[sizeof raw_title - 1] = 0;

  if (locked) return Error{name + ": encrypted PDF (a password is needed to read its text)"};
  if (page_count <= 0) return failure("reading the page tree", "no pages");
  if (page_count > limits.max_pages)
    return Error{name + ": " + std::to_string(page_count) + " pages is over the page limit of " +
                 std::to_string(limits.max_pages)};
  // MuPDF rebuilds a broken cross-reference table by scanning the file; for a
  // file cut short that silently loses the pages after the cut.
  if (pdf_was_repaired(ctx, doc) && !ends_with_eof_marker(bytes))
    return Error{name + ": truncated PDF (no %%EOF at the end of its " + std::to_string(bytes.size()) +
                 " bytes; its cross-reference table is missing)"};

  ExtractedDocument result;
  result.format = DocumentFormat::Pdf;
  result.title = clean_title(raw_title);
  result.source_encoding = "PDF";
  result.page_count = page_count;
  uint64_t text_bytes = 0;
  size_t unmapped = 0;
  for (int i = 0; i < page_count; ++i) {
    auto loaded = load_stext(ctx, doc, i);
    if (!loaded) return failure("page " + std::to_string(i + 1), loaded.error().c_str());
    StextOwner stext{ctx, *loaded};
    std::string text = page_text(stext.page, unmapped);
    if (text.empty()) {
      result.pages_without_text.push_back(i + 1);
      continue;
    }
    text_bytes += text.size();
    if (text_bytes > limits.max_text_bytes)
      return Error{name + ": extracted text is over the limit of " + std::to_string(limits.max_text_bytes) +
                   " bytes at page " + std::to_string(i + 1) + " of " + std::to_string(page_count) +
                   " (decompression bomb?)"};
    result.pages.push_back({i + 1, std::move(text)});
  }
  if (result.pages.empty())
    return Error{name + ": no text layer on any of its " + std::to_string(page_count) +
                 " pages (scanned? OCR it first)"};

  if (pdf_was_repaired(ctx, doc))
    result.warnings.push_back(name + ": damaged PDF (cross-reference table rebuilt); some text may be missing");
  if (!result.pages_without_text.empty()) {
    std::string list;
    for (size_t i = 0; i < result.pages_without_text.size() && i < 20; ++i)
      list += (i ? ", " : "") + std::to_string(result.pages_without_text[i]);
    if (result.pages_without_text.size() > 20) list += ", …";
    result.warnings.push_back(name + ": " + std::to_string(result.pages_without_text.size()) +
                              " pages without text (scanned or blank): " + list);
  }
  if (unmapped > 0)
    result.warnings.push_back(name + ": " + std::to_string(unmapped) +
                              " characters without a Unicode mapping were dropped");
  for (const std::string& message : diag.messages) result.warnings.push_back(name + ": PDF: " + message);
  if (diag.more > 0) result.warnings.push_back(name + ": PDF: " + std::to_string(diag.more) + " more warnings");
  return result;
}

}  // namespace pg::rag
