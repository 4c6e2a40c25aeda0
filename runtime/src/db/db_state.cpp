// DbState: adapter, path/URL resolution and environment, the open/close lifecycle, migration of
// all models in one transaction, registration (RegisterDb/RegisterModel), the process's open
// state, and the "db" runtime component that opens it first and closes it last.
#include "db/db_state.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "core/log.h"
#include "db/pg_connection.h"
#include "db/pool.h"
#include "db/schema.h"
#include "db/sqlite_open.h"
#include "lux/error.h"
#include "lux/http.h"
#include "server/component.h"

namespace lux::db {
namespace {

std::mutex g_mu;
std::shared_ptr<DbState> g_open;        // the open database
std::weak_ptr<DbState> g_registered;    // the last App's state, opened lazily if none is open

const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

// Opens (pragmas, tables created or extended) before every other component and on_start,
// which may all use it; closes after them.
class DbComponent final : public server::Component {
 public:
  static constexpr server::Order kOrder = server::Order::kDb;
  DbComponent() : Component(kOrder, "db") {}

  void Open(server::Host& host) override { state->Open(host.AppName()); }
  void Close() override { state->Close(); }
  // `check_db`: the database answers `SELECT 1`.
  std::vector<server::ReadinessCheck> ReadinessChecks() override {
    return {{"db", [](server::Deadline) {
               std::shared_ptr<DbState> open = OpenState();
               if (!open) throw std::runtime_error("the database is closed");
               open->backend().Query("SELECT 1", Array{});
             }}};
  }

  std::shared_ptr<DbState> state = std::make_shared<DbState>();
};

}  // namespace

DbState::~DbState() { Close(); }

static int PoolSize(int configured) {
  int n = configured > 0 ? configured : kDefaultPostgresPool;
  if (const char* p = Env("LUX_DB_POOL")) {
    char* end = nullptr;
    long v = std::strtol(p, &end, 10);
    if (*end || v < 1 || v > kMaxPostgresPool)
      throw StartupError("LUX_DB_POOL must be an Int from 1 to " + std::to_string(kMaxPostgresPool) + ", got `" + p + "`");
    n = static_cast<int>(v);
  }
  if (n > kMaxPostgresPool) throw StartupError("db pool " + std::to_string(n) + " is more than " + std::to_string(kMaxPostgresPool));
  return n;
}

void DbState::Open(const std::string& app_name) {
  std::string adapter = config.adapter;
  std::string url = config.url;
  std::string file = config.path;
  if (const char* u = Env("LUX_DB_URL")) {
    url = u;
    adapter.clear();  // the URL says which
  }
  if (adapter.empty() && !url.empty()) {
    DbUrlChoice choice = DbAdapterForUrl(url);
    if (choice.adapter.empty()) throw StartupError("db: url `" + url + "` names no database: write `postgres://...`, `sqlite:PATH` or a file path");
    adapter = choice.adapter;
    if (adapter == "sqlite") file = choice.path;
  }
  if (adapter.empty()) adapter = "sqlite";
  if (adapter == "postgres") {
    OpenPostgres(url);
    return;
  }
  if (adapter != "sqlite") throw StartupError("db: unknown adapter \"" + adapter + "\" (adapters: sqlite, postgres)");
  path = file.empty() ? app_name + ".db" : file;
  if (const char* p = Env("LUX_DB_PATH")) path = p;
  OpenOptions options;
  if (const char* s = Env("LUX_DB_SYNC")) {
    std::string v = s;
    if (v == "full") options.sync_full = true;
    else if (v != "normal") throw StartupError("LUX_DB_SYNC must be `normal` or `full`, got `" + v + "`");
  }
  bool memory = path == ":memory:";
  if (!memory) {
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;  // a directory that cannot be made fails the open below, with its reason
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  }
  OpenWith([&] { return OpenSqlite(path, options, memory ? 1 : kMaxConnections); });
  core::Log(LogLevel::kInfo, "db open", {{"path", path}, {"models", static_cast<int>(models.size())}});
}

void DbState::OpenPostgres(const std::string& url) {
  if (url.empty())
    throw StartupError("db: adapter \"postgres\" needs a url (`db { adapter: \"postgres\", url: ... }` or LUX_DB_URL)");
  path = RedactConninfo(url);
  int pool = PoolSize(config.pool);
  OpenWith([&] { return db::OpenPostgres(url, path, pool); });
  core::Log(LogLevel::kInfo, "db open",
            {{"adapter", "postgres"}, {"url", path}, {"pool", pool}, {"models", static_cast<int>(models.size())}});
}

void DbState::OpenWith(const std::function<std::unique_ptr<Backend>()>& open) {
  try {
    // Open and migration as one sequence: while an SQLite file is busy in a way its busy
    // handler does not cover (another process opening it too), it starts over, for at most
    // kOpenBusyRetryMs (sqlite_open.h). PostgreSQL never throws BusyError.
    RetryWhileBusy([&] {
      backend_.reset();
      backend_ = open();
      MigrateAll();
    });
  } catch (const std::exception& e) {
    std::string msg = e.what();
    backend_.reset();
    throw StartupError("db " + path + ": " + msg);
  }
  opened_ = true;
  {
    std::lock_guard lock(g_mu);
    g_open = shared_from_this();
  }
}

void DbState::MigrateAll() { backend_->Migrate(models); }

void DbState::Migrate() {
  if (!backend_) throw Error("db.migrate: the database is closed");
  try {
    MigrateAll();
  } catch (const SchemaError& e) {
    throw Error(std::string("db.migrate: ") + e.what());
  }
}

void DbState::Close() {
  {
    std::lock_guard lock(g_mu);
    if (g_open.get() == this) g_open.reset();
  }
  if (backend_) {
    backend_->Close();
    core::Log(LogLevel::kDebug, "db closed", {{"path", path}});
  }
}

const Model& DbState::FindModel(std::string_view name, std::string_view op) const {
  auto it = models.find(name);
  if (it == models.end()) throw Error(std::string(op) + ": unknown model `" + std::string(name) + "`");
  return it->second;
}

DbState& StateOf(App& app) {
  auto* c = static_cast<DbComponent*>(server::FindComponent(app, DbComponent::kOrder));
  if (!c) {
    c = &server::Ensure<DbComponent>(app);
    c->state->app_name = app.name();
  }
  {
    std::lock_guard lock(g_mu);
    g_registered = c->state;
  }
  return *c->state;
}

std::shared_ptr<DbState> OpenState() {
  std::lock_guard lock(g_mu);
  return g_open;
}

std::shared_ptr<DbState> Active(std::string_view op) {
  std::shared_ptr<DbState> lazy;
  {
    std::lock_guard lock(g_mu);
    if (g_open) return g_open;
    lazy = g_registered.lock();
  }
  if (!lazy || lazy->opened_)
    throw Error(std::string(op) + ": no database is open (no `db` block, or db.close() was called)");
  static std::mutex open_mu;  // one lazy open at a time
  std::lock_guard lock(open_mu);
  {
    std::lock_guard again(g_mu);
    if (g_open) return g_open;
  }
  try {
    lazy->Open(lazy->app_name);
  } catch (const StartupError& e) {
    throw Error(std::string(op) + ": " + e.what());
  }
  return lazy;
}

}  // namespace lux::db

namespace lux {

DbUrlChoice DbAdapterForUrl(std::string_view url) {
  auto starts = [&](std::string_view p) { return url.substr(0, p.size()) == p; };
  if (starts("postgres://") || starts("postgresql://") || url.find('=') != std::string_view::npos)
    return {"postgres", ""};
  if (starts("sqlite://")) url.remove_prefix(9);
  else if (starts("sqlite:")) url.remove_prefix(7);
  if (url.empty()) return {};
  return {"sqlite", std::string(url)};
}

void RegisterDb(App& app, DbConfig config) {
  db::DbState& s = db::StateOf(app);
  if (s.configured) throw std::invalid_argument("a server has one `db` block");
  s.config = std::move(config);
  s.configured = true;
}

void RegisterModel(App& app, ModelSpec spec) {
  db::DbState& s = db::StateOf(app);
  std::string name = spec.name;
  if (s.models.count(name)) throw std::invalid_argument("duplicate model `" + name + "`");
  db::Model m(std::move(spec));
  for (const auto& [other, om] : s.models)
    if (om.table() == m.table()) throw std::invalid_argument("models " + other + " and " + name + " use the same table `" + m.table() + "`");
  s.models.emplace(name, std::move(m));
}

}  // namespace lux
