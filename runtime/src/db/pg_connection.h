// One PostgreSQL connection through libpq's asynchronous API: connecting, sending a statement
// and waiting for its result never block the calling thread when it runs a fiber — the fiber
// waits for the socket on its io_context (other requests on the thread keep running); a plain
// thread (job worker, on_start) polls. Statements are prepared once per connection and cached
// by SQL text and parameter types. `?` placeholders are numbered $1..$n outside string
// literals, quoted identifiers, dollar quotes and comments (NumberPlaceholders). Only this file
// and pg_connection.cpp see libpq's types. Entry points: PgConnection::Open, Exec, Command,
// Usable; NumberPlaceholders, RedactConninfo.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace lux::db {

// Connecting (TCP, TLS negotiation, authentication) gives up after this.
inline constexpr std::int64_t kPgConnectTimeoutMs = 10'000;
// Prepared statements kept per connection; past this they are deallocated and the cache emptied.
inline constexpr std::size_t kMaxPgCachedStatements = 256;

// Parameter type OIDs the runtime sends (0: let the server infer it from the statement).
namespace pgtype {
inline constexpr unsigned kUnknown = 0, kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25, kOid = 26,
                          kJson = 114, kFloat4 = 700, kFloat8 = 701, kNumeric = 1700, kJsonb = 3802;
}

struct PgParam {
  std::optional<std::string> text;  // nullopt: NULL
  unsigned type = pgtype::kUnknown;
};

struct NumberedSql {
  std::string text;        // `?` replaced by $1, $2, ...
  int params = 0;
  bool more_statements = false;  // something other than `;`, space or a comment after a `;`
  std::string first_word;  // upper-cased first keyword (BEGIN, SELECT, ...)
};
// Throws lux::Error "<what>: ..." when the SQL already numbers its parameters ($1).
NumberedSql NumberPlaceholders(std::string_view sql, std::string_view what);

// The conninfo for messages and logs: a URL's password becomes `***`, as does `password=...`.
std::string RedactConninfo(std::string_view conninfo);

// A statement's result (owns the PGresult).
class PgResult {
 public:
  explicit PgResult(pg_result* r = nullptr) : r_(r) {}
  PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  PgResult& operator=(PgResult&& o) noexcept;
  PgResult(const PgResult&) = delete;
  ~PgResult();
  int rows() const;
  int columns() const;
  bool IsNull(int row, int col) const;
  std::string_view Text(int row, int col) const;
  unsigned Type(int col) const;
  const char* Name(int col) const;
  std::int64_t Affected() const;  // rows changed by INSERT/UPDATE/DELETE (0 otherwise)

 private:
  pg_result* r_;
};

class PgConnection {
 public:
  // Connects within kPgConnectTimeoutMs. `shown` names the server in errors (no password).
  // Throws lux::Error "cannot connect to <shown>: <libpq's reason, one line>".
  static std::unique_ptr<PgConnection> Open(const std::string& conninfo, const std::string& shown);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // One statement with `?` parameters, prepared and cached. Throws lux::Error "<what>: ..." on a
  // parameter count mismatch, a second statement, a server error (with its SQLSTATE; status 503
  // for serialization failures and deadlocks) or a lost connection (then broken()).
  PgResult Exec(std::string_view sql, const std::vector<PgParam>& params, std::string_view what);
  // SQL without parameters through the simple protocol (BEGIN, COMMIT, DDL); throws like Exec.
  void Command(const std::string& sql, std::string_view what);
  // The same, ignoring failures (ROLLBACK while an exception propagates).
  void TryCommand(const std::string& sql) noexcept;

  // Whether the pool may hand this connection out: connected, no transaction left open, and
  // not closed by the server while idle (restart, pg_terminate_backend): checked without waiting.
  bool Usable();
  bool broken() const;
  // A transaction is open on the server (PQTRANS_INTRANS), or open and failed (`failed`).
  bool InTransaction() const;
  bool TransactionFailed() const;

 private:
  explicit PgConnection(pg_conn* c, std::string shown) : c_(c), shown_(std::move(shown)) {}
  // Waits until the socket is readable (or writable); false when `deadline` passed first.
  bool Wait(bool write, std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);
  void Flush(std::string_view what);
  pg_result* Collect(std::string_view what);  // the first error result, else the last one
  PgResult Check(pg_result* r, std::string_view what);
  [[noreturn]] void Lost(std::string_view what);

  struct Prepared {
    std::string name;
    int params;
  };
  pg_conn* c_;
  std::string shown_;
  std::unordered_map<std::string, Prepared> stmts_;
  int next_stmt_ = 0;
};

}  // namespace lux::db
