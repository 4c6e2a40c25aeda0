// PgConnection: libpq's non-blocking connect (PQconnectStartParams/PQconnectPoll) and query
// protocol (PQsendPrepare/PQsendQueryPrepared, PQflush, PQconsumeInput/PQisBusy/PQgetResult).
// Socket waits go through core::WaitFd: they suspend the calling fiber (other requests on its I/O
// thread run meanwhile); outside a fiber they poll(2).
#include "db/pg_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cctype>

#include "core/log.h"
#include "core/wait_fd.h"
#include "lux/error.h"

namespace lux::db {
namespace {

// libpq's multi-line messages ("...failed: Connection refused\n\tIs the server running...") as
// one line.
std::string OneLine(const char* text) {
  std::string out;
  bool space = false;
  for (const char* p = text ? text : ""; *p; ++p) {
    if (*p == '\n' || *p == '\t' || *p == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += out.back() == ':' ? " " : "; ";
    space = false;
    out += *p;
  }
  return out;
}

bool IdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

// Where a dollar-quote tag starting at sql[i] == '$' ends ("$tag$" or "$$"), or npos.
std::size_t DollarTagEnd(std::string_view sql, std::size_t i) {
  std::size_t j = i + 1;
  if (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) return std::string_view::npos;
  while (j < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_')) ++j;
  return j < sql.size() && sql[j] == '$' ? j : std::string_view::npos;
}

void IgnoreNotice(void*, const char* message) {
  core::Log(LogLevel::kDebug, "postgres notice", {{"message", OneLine(message)}});
}

}  // namespace

NumberedSql NumberPlaceholders(std::string_view sql, std::string_view what) {
  NumberedSql out;
  out.text.reserve(sql.size() + 8);
  bool ended = false;    // a `;` outside quotes was seen
  bool started = false;  // SQL other than space and comments was seen
  std::size_t i = 0;
  auto code = [&](char c) {  // a character of SQL itself (not quoted, not a comment)
    if (!std::isspace(static_cast<unsigned char>(c))) started = true;
    if (ended && c != ';' && !std::isspace(static_cast<unsigned char>(c))) out.more_statements = true;
    if (c == ';') ended = true;
  };
  while (i < sql.size()) {
    char c = sql[i];
    char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
    if (c == '-' && next == '-') {  // comment to the end of the line
      std::size_t e = sql.find('\n', i);
      e = e == std::string_view::npos ? sql.size() : e;
      out.text.append(sql.substr(i, e - i));
      i = e;
      continue;
    }
    if (c == '/' && next == '*') {  // block comment, nested as in PostgreSQL
      std::size_t j = i + 2;
      for (int depth = 1; j < sql.size() && depth > 0;) {
        if (sql[j] == '/' && j + 1 < sql.size() && sql[j + 1] == '*') depth++, j += 2;
        else if (sql[j] == '*' && j + 1 < sql.size() && sql[j + 1] == '/') depth--, j += 2;
        else ++j;
      }
      out.text.append(sql.substr(i, j - i));
      i = j;
      continue;
    }
    if (c == '\'' || c == '"') {  // string literal or quoted identifier; doubled quote escapes
      code('x');
      bool backslashes = c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                         (i < 2 || !IdentChar(sql[i - 2]));
      std::size_t j = i + 1;
      while (j < sql.size()) {
        if (backslashes && sql[j] == '\\') {
          j += 2;
          continue;
        }
        if (sql[j] == c) {
          if (j + 1 < sql.size() && sql[j + 1] == c) {
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      j = j < sql.size() ? j + 1 : j;
      out.text.append(sql.substr(i, j - i));
      i = j;
      continue;
    }
    if (c == '$' && (i == 0 || !IdentChar(sql[i - 1]))) {
      if (std::isdigit(static_cast<unsigned char>(next)))
        throw Error(std::string(what) + ": write parameters as `?` (found `$" + std::string(1, next) + "...`)");
      std::size_t tag_end = DollarTagEnd(sql, i);
      if (tag_end != std::string_view::npos) {  // $tag$ ... $tag$
        code('x');
        std::string_view tag = sql.substr(i, tag_end - i + 1);
        std::size_t close = sql.find(tag, tag_end + 1);
        std::size_t j = close == std::string_view::npos ? sql.size() : close + tag.size();
        out.text.append(sql.substr(i, j - i));
        i = j;
        continue;
      }
    }
    if (c == '?') {
      code(c);
      out.text += "$" + std::to_string(++out.params);
      ++i;
      continue;
    }
    if (!started && std::isalpha(static_cast<unsigned char>(c))) {
      std::size_t j = i;
      while (j < sql.size() && std::isalpha(static_cast<unsigned char>(sql[j]))) ++j;
      for (char w : sql.substr(i, j - i)) out.first_word += static_cast<char>(std::toupper(static_cast<unsigned char>(w)));
    }
    code(c);
    out.text += c;
    ++i;
  }
  return out;
}

std::string RedactConninfo(std::string_view conninfo) {
  std::string s(conninfo);
  if (s.rfind("postgres://", 0) == 0 || s.rfind("postgresql://", 0) == 0) {
    std::size_t start = s.find("://") + 3;
    std::size_t at = s.find('@', start);
    std::size_t slash = s.find('/', start);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      std::size_t colon = s.find(':', start);
      if (colon != std::string::npos && colon < at) s.replace(colon + 1, at - colon - 1, "***");
    }
    // ?password=... in the query string
    for (std::size_t p = s.find("password=", start); p != std::string::npos; p = s.find("password=", p + 1)) {
      if (p > 0 && s[p - 1] != '?' && s[p - 1] != '&') continue;
      std::size_t e = s.find('&', p);
      s.replace(p + 9, (e == std::string::npos ? s.size() : e) - p - 9, "***");
    }
    return s;
  }
  // key=value pairs: password='...' or password=...
  for (std::size_t p = s.find("password"); p != std::string::npos; p = s.find("password", p + 1)) {
    if (p > 0 && !std::isspace(static_cast<unsigned char>(s[p - 1]))) continue;
    std::size_t eq = s.find_first_not_of(' ', p + 8);
    if (eq == std::string::npos || s[eq] != '=') continue;
    std::size_t v = s.find_first_not_of(' ', eq + 1);
    if (v == std::string::npos) break;
    std::size_t e = v;
    if (s[v] == '\'') {
      for (e = v + 1; e < s.size() && s[e] != '\''; ++e)
        if (s[e] == '\\') ++e;
      e = e < s.size() ? e + 1 : e;
    } else {
      while (e < s.size() && !std::isspace(static_cast<unsigned char>(s[e]))) ++e;
    }
    s.replace(v, e - v, "***");
  }
  return s;
}

PgResult& PgResult::operator=(PgResult&& o) noexcept {
  if (this != &o) {
    if (r_) PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}
PgResult::~PgResult() {
  if (r_) PQclear(r_);
}
int PgResult::rows() const { return r_ ? PQntuples(r_) : 0; }
int PgResult::columns() const { return r_ ? PQnfields(r_) : 0; }
bool PgResult::IsNull(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
std::string_view PgResult::Text(int row, int col) const {
  return {PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col))};
}
unsigned PgResult::Type(int col) const { return PQftype(r_, col); }
const char* PgResult::Name(int col) const { return PQfname(r_, col); }
std::int64_t PgResult::Affected() const {
  const char* n = r_ ? PQcmdTuples(r_) : "";
  return *n ? std::strtoll(n, nullptr, 10) : 0;
}

std::unique_ptr<PgConnection> PgConnection::Open(const std::string& conninfo, const std::string& shown) {
  // dbname carries the URL or key=value string (expand_dbname); the later keys override it.
  const char* keys[] = {"dbname", "client_encoding", "fallback_application_name", nullptr};
  const char* values[] = {conninfo.c_str(), "UTF8", "lux", nullptr};
  PGconn* raw = PQconnectStartParams(keys, values, 1);
  if (!raw) throw Error("cannot connect to " + shown + ": out of memory");
  std::unique_ptr<PgConnection> c(new PgConnection(raw, shown));
  auto fail = [&](const std::string& why) { throw Error("cannot connect to " + shown + ": " + why); };
  if (PQstatus(raw) == CONNECTION_BAD) fail(OneLine(PQerrorMessage(raw)));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kPgConnectTimeoutMs);
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK) {
    if (st == PGRES_POLLING_FAILED) fail(OneLine(PQerrorMessage(raw)));
    if (!c->Wait(st == PGRES_POLLING_WRITING, deadline))
      fail("timed out after " + std::to_string(kPgConnectTimeoutMs / 1000) + " s");
    st = PQconnectPoll(raw);
  }
  if (PQsetnonblocking(raw, 1) != 0) fail(OneLine(PQerrorMessage(raw)));
  PQsetNoticeProcessor(raw, &IgnoreNotice, nullptr);
  return c;
}

PgConnection::~PgConnection() { PQfinish(c_); }

bool PgConnection::broken() const { return PQstatus(c_) != CONNECTION_OK; }
bool PgConnection::InTransaction() const {
  PGTransactionStatusType t = PQtransactionStatus(c_);
  return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}
bool PgConnection::TransactionFailed() const { return PQtransactionStatus(c_) == PQTRANS_INERROR; }

bool PgConnection::Usable() {
  if (broken() || PQtransactionStatus(c_) != PQTRANS_IDLE) return false;
  // An idle connection (no LISTEN, no query in flight) has nothing to read unless the server is
  // closing it: pg_terminate_backend or a shutdown sends a FATAL error, then EOF, which libpq
  // would only notice on the next query. Anything readable: drop it, the caller reconnects.
  pollfd p{PQsocket(c_), POLLIN, 0};
  if (::poll(&p, 1, 0) != 0) {
    core::Log(LogLevel::kInfo, "db connection closed by the server, reconnecting", {{"url", shown_}});
    return false;
  }
  return true;
}

bool PgConnection::Wait(bool write, std::optional<std::chrono::steady_clock::time_point> deadline) {
  int fd = PQsocket(c_);
  if (fd < 0) return true;  // no socket: the next libpq call reports why
  return core::WaitFd(fd, write ? core::FdWait::kWrite : core::FdWait::kRead, deadline);
}

void PgConnection::Lost(std::string_view what) {
  throw Error(std::string(what) + ": lost the connection to " + shown_ + ": " + OneLine(PQerrorMessage(c_)));
}

void PgConnection::Flush(std::string_view what) {
  for (;;) {
    int r = PQflush(c_);
    if (r == 0) return;
    if (r < 0) Lost(what);
    Wait(/*write=*/true);
  }
}

pg_result* PgConnection::Collect(std::string_view what) {
  PGresult* keep = nullptr;
  for (;;) {
    while (PQisBusy(c_)) {
      Wait(/*write=*/false);
      if (!PQconsumeInput(c_)) {
        if (keep) PQclear(keep);
        Lost(what);
      }
    }
    PGresult* r = PQgetResult(c_);
    if (!r) break;
    bool keep_is_error = keep && PQresultStatus(keep) == PGRES_FATAL_ERROR;
    if (keep_is_error) {
      PQclear(r);
    } else {
      if (keep) PQclear(keep);
      keep = r;
    }
  }
  if (!keep) Lost(what);
  return keep;
}

PgResult PgConnection::Check(pg_result* raw, std::string_view what) {
  PgResult r(raw);
  ExecStatusType st = PQresultStatus(raw);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) return r;
  const char* state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(raw, PG_DIAG_MESSAGE_PRIMARY);
  std::string sqlstate = state ? state : "";
  std::string msg = std::string(what) + ": " + (primary ? primary : OneLine(PQresultErrorMessage(raw)));
  if (broken()) msg = std::string(what) + ": lost the connection to " + shown_ + ": " + OneLine(PQresultErrorMessage(raw));
  if (!sqlstate.empty()) msg += " (SQLSTATE " + sqlstate + ")";
  if (sqlstate == "40001" || sqlstate == "40P01") {
    // Not retried here: the body may have done things a retry would repeat (fetch, spawn).
    throw Error(msg + ": the transaction was rolled back; retry it", 503);
  }
  throw Error(msg);
}

PgResult PgConnection::Exec(std::string_view sql, const std::vector<PgParam>& params, std::string_view what) {
  std::string key(sql);
  key += '\0';
  for (const PgParam& p : params) key += std::to_string(p.type) + ",";
  auto it = stmts_.find(key);
  if (it == stmts_.end()) {
    NumberedSql n = NumberPlaceholders(sql, what);
    if (n.more_statements) throw Error(std::string(what) + ": only one SQL statement per call (found more after the first)");
    if (static_cast<std::size_t>(n.params) != params.size())
      throw Error(std::string(what) + ": the statement has " + std::to_string(n.params) + " parameter(s) but " +
                  std::to_string(params.size()) + " argument(s) were given");
    if (stmts_.size() >= kMaxPgCachedStatements && !InTransaction()) {
      Command("DEALLOCATE ALL", what);
      stmts_.clear();
    }
    std::string name = "lux_" + std::to_string(next_stmt_++);
    std::vector<unsigned> types;
    for (const PgParam& p : params) types.push_back(p.type);
    if (!PQsendPrepare(c_, name.c_str(), n.text.c_str(), n.params, types.data())) Lost(what);
    Flush(what);
    Check(Collect(what), what);
    it = stmts_.emplace(std::move(key), Prepared{std::move(name), n.params}).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& p : params) values.push_back(p.text ? p.text->c_str() : nullptr);
  if (!PQsendQueryPrepared(c_, it->second.name.c_str(), static_cast<int>(params.size()), values.data(), nullptr, nullptr, 0))
    Lost(what);
  Flush(what);
  PGresult* r = Collect(what);
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  if (state && std::string_view(state) == "0A000" && !InTransaction()) {
    // "cached plan must not change result type": a table changed under a cached `SELECT *`
    // (another replica migrated). Prepare it again, once; inside a transaction the error stands.
    PQclear(r);
    Command("DEALLOCATE " + it->second.name, what);
    stmts_.erase(it);
    return Exec(sql, params, what);
  }
  return Check(r, what);
}

void PgConnection::Command(const std::string& sql, std::string_view what) {
  if (!PQsendQuery(c_, sql.c_str())) Lost(what);
  Flush(what);
  Check(Collect(what), what);
}

void PgConnection::TryCommand(const std::string& sql) noexcept {
  try {
    Command(sql, "rollback");
  } catch (const std::exception&) {
    // A broken connection is dropped by the pool; a failed ROLLBACK leaves the transaction
    // open, which Usable() refuses too.
  }
}

}  // namespace lux::db
