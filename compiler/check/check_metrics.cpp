// `metrics { enabled, path, port }`: GET /metrics for Prometheus, which every server serves
// unless told otherwise (docs/runtime.md, "Metrics"). The options are literals: `enabled` a
// Bool, `path` an absolute URL path of literal segments outside /_lux/, `port` 1-65535 and
// not the server's own port (E5161); no route of the server may take the path on the port it
// is served on (E5160) — without a block, a program's own route at /metrics wins silently.
// Entry points: Checker::declareMetrics, checkMetrics, checkMetricsRoutes.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {

// Why `p` cannot be the metrics path, or "".
std::string metricsPathProblem(llvm::StringRef p) {
  if (!p.startswith("/")) return "an absolute URL path such as \"/metrics\"";
  for (char c : p)
    if (c <= ' ' || c == '?' || c == '#' || c == '%' || c == '\\' || static_cast<unsigned char>(c) >= 0x7f)
      return "a URL path without spaces, `?`, `#`, `%` or `\\`";
  llvm::SmallVector<llvm::StringRef, 8> segs;
  p.split(segs, '/', -1, false);
  for (llvm::StringRef s : segs)
    if (s.startswith(":") || s.startswith("*") || s == "." || s == "..") return "a path of literal segments (no `:name`, `*`, `.` or `..`)";
  if (p == "/_lux" || p.startswith("/_lux/")) return "a path outside /_lux/ (the runtime's own routes)";
  return "";
}

}  // namespace

void Checker::declareMetrics(ServerModel& sm, const ast::BackendDecl* d) {
  if (sm.metrics.decl) {
    diags_.report(DiagId::DuplicateDeclaration, d->name.range, "metrics", sm.displayName())
        .note(sm.metrics.decl->name.range, "the first `metrics` block is here");
    return;
  }
  sm.metrics.decl = d;
}

void Checker::checkMetrics(ServerModel& sm, const ast::BackendDecl* d) {
  MetricsModel& m = sm.metrics;
  if (m.decl != d || !d->config) return;
  static const OptionSpec kOptions[] = {
      {"enabled", "", OptionSpec::Kind::Bool},
      {"path", "", OptionSpec::Kind::String},
      {"port", "", OptionSpec::Kind::SignedInt},
  };
  const std::string what = "`metrics`";
  auto opts = checkOptions(d->config, what, kOptions);
  auto notLiteral = [&](const ast::ObjectEntry* en, const char* kind, const char* help) {
    // A literal of another kind is E4402 already (checkOptions).
    if (llvm::isa<ast::IntLit, ast::FloatLit, ast::BoolLit, ast::StringLit, ast::DurationLit>(en->value)) return;
    diags_.report(DiagId::OptionValue, en->value->range(), what, en->key.name.str(), kind,
                  "`" + std::string(file_.slice(en->value->range())) + "`")
        .help(help);
  };
  if (const ast::ObjectEntry* en = opts.lookup("enabled")) {
    if (auto* b = llvm::dyn_cast<ast::BoolLit>(en->value)) m.enabled = b->value;
    else notLiteral(en, "`true` or `false`", "metrics are switched at start with env LUX_METRICS=0");
  }
  if (const ast::ObjectEntry* en = opts.lookup("path")) {
    if (auto* s = llvm::dyn_cast<ast::StringLit>(en->value)) {
      std::string problem = metricsPathProblem(s->value);
      if (problem.empty()) m.path = s->value.str();
      else
        diags_.report(DiagId::OptionValue, s->range(), what, "path", problem, "\"" + s->value.str() + "\"")
            .help("Prometheus scrapes \"/metrics\" unless its `metrics_path` says otherwise");
    } else {
      notLiteral(en, "a literal path such as \"/metrics\"", "the path is fixed when the program is built");
    }
  }
  if (const ast::ObjectEntry* en = opts.lookup("port")) {
    auto* lit = llvm::dyn_cast<ast::IntLit>(en->value);
    if (lit && lit->value >= 1 && lit->value <= 65535) {
      m.port = lit->value;
      if (std::to_string(m.port) == sm.default_port)
        diags_.report(DiagId::MetricsPortTaken, en->value->range(), m.port, sm.displayName())
            .help("leave `port` out to serve the metrics on the server's own port, or choose another one");
      else
        checkMetricsPortShared(sm, en->value);
    } else if (lit || llvm::isa<ast::UnaryExpr>(en->value)) {
      diags_.report(DiagId::OptionValue, en->value->range(), what, "port", "a TCP port from 1 to 65535",
                    std::string(file_.slice(en->value->range())))
          .help("leave `port` out to serve the metrics on the server's own port");
    } else {
      notLiteral(en, "a literal `Int` port", "a port chosen at start is env LUX_METRICS_PORT");
    }
  }
}

// `luxc run` starts every server of the program on one machine: a metrics port must be free of
// the other servers' ports and metrics ports (the servers checked before this one).
void Checker::checkMetricsPortShared(const ServerModel& sm, const ast::Expr* at) {
  for (const ServerModel& other : model_.servers) {
    if (&other == &sm) return;
    bool metrics_port = other.metrics.port == sm.metrics.port;
    if (!metrics_port && other.default_port != std::to_string(sm.metrics.port)) continue;
    auto d = diags_.report(DiagId::MetricsPortShared, at->range(), sm.metrics.port,
                           metrics_port ? "the metrics port of " + other.displayName()
                                        : "the port " + other.displayName() + " listens on");
    if (metrics_port) d.note(other.metrics.decl->name.range, "its `metrics` block is here");
    d.help("every server of a program runs on the same machine under `luxc run`: give each its own port");
    return;
  }
}

void Checker::checkMetricsRoutes(ServerModel& sm) {
  MetricsModel& m = sm.metrics;
  if (!m.enabled || m.port != 0) return;  // off, or on a listener of its own
  for (const RouteModel& r : sm.routes) {
    if (r.path != m.path) continue;
    if (!m.decl) {  // the defaults: the program's own route wins
      m.program_serves_path = true;
      return;
    }
    diags_.report(DiagId::MetricsPathTaken, r.decl->path->range(), m.path,
                  fmt::format("the path of `route {} \"{}\"`", r.method, r.path))
        .note(m.decl->name.range, "the `metrics` block serves it on the same port")
        .help("give the metrics another `path:`, a `port:` of their own, or `enabled: false`");
    return;
  }
  std::string runtime_route;
  if (m.path == "/openapi.json") runtime_route = "the server's OpenAPI document";
  else if (m.path == "/docs" || m.path.rfind("/docs/", 0) == 0) runtime_route = "the server's API docs (/docs)";
  else if (!sm.health_path.empty() && m.path == sm.health_path) runtime_route = "the server's `health` route";
  if (!runtime_route.empty() && m.decl)
    diags_.report(DiagId::MetricsPathTaken, m.decl->name.range, m.path, runtime_route)
        .help("give the metrics another `path:`");
}

}  // namespace lux
