// Names of the document formats as the API and the database spell them.
#include "rag/document.h"

namespace pg::rag {

std::string_view format_name(DocumentFormat format) {
  switch (format) {
    case DocumentFormat::Pdf:
      return "pdf";
    case DocumentFormat::Text:
      return "text";
    case DocumentFormat::Markdown:
      return "markdown";
  }
  return "unknown";
}

}  // namespace pg::rag
