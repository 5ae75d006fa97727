// `playground migrate --from sqlite:PATH --to postgres://…`: copies a
// single-machine installation's database into an empty PostgreSQL database
// (both brought to this playground's schema first), with a progress bar, then
// prints each table's row count and checksum on both sides, then writes the
// chunks' full-text terms; exit code 0 only when every checksum agrees. Never changes the source's data (an older
// source is first migrated to this playground's schema, as `serve` would do);
// never writes into a target that already has rows. Files (documents/, models/) are not in the
// database: docs/DEPLOY.md says where they go.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/progress_bar.h"
#include "rag/collection_store.h"
#include "store/data_dir.h"
#include "store/store_copy.h"

namespace pg::cli {

void add_migrate_command(CLI::App& app, int& exit_code) {
  struct Args {
    std::string from, to;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("migrate", "Copy an SQLite database into an empty PostgreSQL database, verified");
  cmd->add_option("--from", a->from, "source: sqlite:PATH (or a path) of the SQLite database")->required();
  cmd->add_option("--to", a->to, "target: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")->required();
  cmd->callback([a, &exit_code] {
    const bool from_postgres = a->from.rfind("postgres", 0) == 0;
    if (from_postgres || !(a->to.rfind("postgres://", 0) == 0 || a->to.rfind("postgresql://", 0) == 0)) {
      std::fprintf(stderr, "playground migrate: copies from SQLite (--from sqlite:PATH) to PostgreSQL (--to postgres://…)\n");
      exit_code = 2;
      return;
    }
    const std::string from_path = a->from.rfind("sqlite:", 0) == 0 ? a->from.substr(7) : a->from;
    if (!std::filesystem::is_regular_file(from_path)) {
      std::fprintf(stderr, "playground migrate: no SQLite database at %s\n", from_path.c_str());
      exit_code = 1;
      return;
    }
    auto from = store::open_store("", from_path);
    if (!from) {
      std::fprintf(stderr, "playground migrate: source: %s\n", from.error().c_str());
      exit_code = 1;
      return;
    }
    auto to = store::open_store("", a->to);
    if (!to) {
      std::fprintf(stderr, "playground migrate: target: %s\n", to.error().c_str());
      exit_code = 1;
      return;
    }
    ProgressBar bar;
    auto report = store::copy_sqlite_to_postgres(**from, **to, [&](const std::string& table, int64_t done, int64_t total) {
      bar.update(done, total, table);
    });
    bar.finish();
    if (!report) {
      std::fprintf(stderr, "playground migrate: %s\n", report.error().c_str());
      exit_code = 1;
      return;
    }
    std::printf("%-22s %10s  %-16s %-16s\n", "table", "rows", "sqlite sha256", "postgres sha256");
    for (const auto& t : report->tables)
      std::printf("%-22s %10lld  %.16s %.16s%s\n", t.table.c_str(), static_cast<long long>(t.rows),
                  t.source_sha256.c_str(), t.target_sha256.c_str(), t.source_sha256 == t.target_sha256 ? "" : "  MISMATCH");
    std::printf("%lld rows in %zu tables copied to %s in %.1f s: %s\n", static_cast<long long>(report->rows),
                report->tables.size(), (*to)->path().c_str(), report->seconds,
                report->verified() ? "verified (counts and checksums agree)" : "NOT verified");
    if (!report->verified()) {
      exit_code = 1;
      return;
    }
    // PostgreSQL's full-text terms are not in SQLite's tables: computed here.
    auto indexed = rag::CollectionStore(**to).index_search_terms();
    if (!indexed) {
      std::fprintf(stderr, "playground migrate: %s\n", indexed.error().c_str());
      exit_code = 1;
      return;
    }
    std::printf("full-text terms written for %lld chunks\n", static_cast<long long>(*indexed));
    exit_code = 0;
  });
}

}  // namespace pg::cli
