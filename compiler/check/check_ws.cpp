// WebSocket endpoints: `ws "/path" [with modifiers] { hooks, options }` in a server or a route
// group. The path (a group's prefix included), the modifiers (as on a route), the literal options
// (max_message, ping_interval, idle_timeout, max_queue, protocols) and the hooks: a known name
// (E5130, with a suggestion), once each (E5131), the parameters each takes (E4501) with the types
// the runtime passes (E5132), and their bodies. Entry point: Checker::checkWs.
#include <fmt/format.h>

#include <map>

#include "check/checker.h"

namespace lux {

namespace {

struct WsHookSpec {
  llvm::StringRef name;
  // The parameters the runtime passes, in order: name as documented and type.
  std::vector<std::pair<llvm::StringRef, TyKind>> params;
};

// TyKind::Record stands for the connection (`WebSocket`).
const std::vector<WsHookSpec>& wsHookSpecs() {
  static const std::vector<WsHookSpec> kSpecs = {
      {"on_open", {{"ws", TyKind::Record}}},
      {"on_message", {{"ws", TyKind::Record}, {"message", TyKind::String}, {"binary", TyKind::Bool}}},
      {"on_close", {{"ws", TyKind::Record}, {"code", TyKind::Int}, {"reason", TyKind::String}}},
      {"on_error", {{"ws", TyKind::Record}, {"error", TyKind::String}}},
  };
  return kSpecs;
}

const WsHookSpec* findWsHook(llvm::StringRef name) {
  for (const WsHookSpec& s : wsHookSpecs())
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace

void Checker::checkWs(ServerModel& sm, const ast::WsDecl* d, int group) {
  WsModel m;
  m.decl = d;
  m.group = group;
  std::string own = d->path ? d->path->value.str() : "/ws";
  if (d->path && (own.empty() || own[0] != '/'))
    diags_.report(DiagId::WsPath, d->path->range(), own, "must start with `/`");
  else if (own.find(':') != std::string::npos || own.find('*') != std::string::npos)
    diags_.report(DiagId::WsPath, d->path ? d->path->range() : d->range(), own, "cannot have parameters (`:name`, `*`)");
  std::string prefix = group >= 0 ? sm.groups[group].prefix : "";
  if (prefix == "/") prefix.clear();
  m.path = prefix.empty() ? own : own == "/" ? prefix : prefix + own;
  bool auth_before = false;
  for (int up = group; up >= 0; up = sm.groups[up].parent)
    for (const RouteModifierUse& u : sm.groups[up].modifiers) auth_before |= (u.name == "auth" && !u.guard);
  m.modifiers = checkRouteModifiers(sm, d->modifiers, auth_before);
  m.requires_auth = auth_before;
  for (const RouteModifierUse& u : m.modifiers) m.requires_auth |= (u.name == "auth" && !u.guard);
  checkWsOptions(m);
  for (const ast::WsHook* h : d->hooks) {
    if (!findWsHook(h->name.name)) {
      std::vector<std::string_view> names;
      for (const WsHookSpec& s : wsHookSpecs()) names.push_back(s.name);
      diags_.report(DiagId::WsUnknownHook, h->name.range, h->name.name.str())
          .didYouMean(closestMatch(h->name.name.str(), names))
          .help("a `ws` block takes `on_open fn(ws)`, `on_message fn(ws, message)`, `on_close fn(ws, code, reason)` and "
                "`on_error fn(ws, error)`");
      continue;
    }
    const ast::WsHook* first = nullptr;
    for (const ast::WsHook* prev : m.hooks)
      if (prev->name.name == h->name.name) first = prev;
    if (first) {
      diags_.report(DiagId::WsDuplicateHook, h->name.range, h->name.name.str()).note(first->name.range, "first declared here");
      continue;
    }
    checkWsHook(h);
    m.hooks.push_back(h);
  }
  sm.websockets.push_back(std::move(m));
}

void Checker::checkWsPaths(const ServerModel& sm) {
  std::map<std::string, SourceRange> taken;  // GET paths, first declaration
  for (const RouteModel& r : sm.routes)
    if (r.method == "GET" && r.decl->path) taken.emplace(r.path, r.decl->path->range());
  for (const ReadinessModel& rd : sm.readiness) taken.emplace(rd.path, rd.decl->path->range());
  for (const WsModel& w : sm.websockets) {
    SourceRange at = w.decl->path ? w.decl->path->range() : w.decl->range();
    auto [it, inserted] = taken.emplace(w.path, at);
    if (inserted) continue;
    diags_.report(DiagId::RouteDuplicate, at, "GET", w.path)
        .note(it->second, "first declared here")
        .help("a WebSocket endpoint is a GET route of its own: give it another path");
  }
}

void Checker::checkWsOptions(WsModel& m) {
  static const OptionSpec kWsOptions[] = {
      {"max_message", "", OptionSpec::Kind::Int},     {"ping_interval", "", OptionSpec::Kind::Duration},
      {"idle_timeout", "", OptionSpec::Kind::Duration}, {"max_queue", "", OptionSpec::Kind::Int},
      {"protocols", "", OptionSpec::Kind::StringOrList},
  };
  auto opts = checkOptions(m.decl->options, "`ws`", kWsOptions);
  auto intOf = [&](llvm::StringRef key, int64_t& out) {
    const ast::ObjectEntry* en = opts.lookup(key);
    if (!en) return;
    auto* i = llvm::dyn_cast<ast::IntLit>(en->value);
    if (!i) {
      diags_.report(DiagId::WsOptionNotLiteral, en->value->range(), key.str()).help("write a number, e.g. `max_message: 65536`");
      return;
    }
    if (i->value < 1)
      diags_.report(DiagId::OptionValue, en->value->range(), "`ws`", key.str(), "at least 1", std::to_string(i->value));
    else
      out = i->value;
  };
  // A duration: a Duration literal, or an Int of seconds.
  auto durationOf = [&](llvm::StringRef key, int64_t& out) {
    const ast::ObjectEntry* en = opts.lookup(key);
    if (!en) return;
    double ms = -1;
    if (auto* dl = llvm::dyn_cast<ast::DurationLit>(en->value)) ms = dl->milliseconds();
    else if (auto* i = llvm::dyn_cast<ast::IntLit>(en->value)) ms = static_cast<double>(i->value) * 1000;
    else {
      diags_.report(DiagId::WsOptionNotLiteral, en->value->range(), key.str())
          .help("write seconds as an Int or a duration, e.g. `30` or `30.seconds`");
      return;
    }
    if (ms < 1000)
      diags_.report(DiagId::OptionValue, en->value->range(), "`ws`", key.str(), "at least one second",
                    std::string(file_.slice(en->value->range())));
    else
      out = static_cast<int64_t>(ms);
  };
  intOf("max_message", m.max_message);
  intOf("max_queue", m.max_queue);
  durationOf("ping_interval", m.ping_interval_ms);
  durationOf("idle_timeout", m.idle_timeout_ms);
  if (const ast::ObjectEntry* en = opts.lookup("protocols")) {
    std::vector<const ast::Expr*> items;
    if (auto* a = llvm::dyn_cast<ast::ArrayExpr>(en->value)) items.assign(a->elements.begin(), a->elements.end());
    else items.push_back(en->value);
    for (const ast::Expr* e : items) {
      if (auto* s = llvm::dyn_cast<ast::StringLit>(e)) m.protocols.push_back(s->value.str());
      else diags_.report(DiagId::WsOptionNotLiteral, e->range(), "protocols").help("list the subprotocols as strings, e.g. `[\"chat.v1\"]`");
    }
  }
  int64_t ping = m.ping_interval_ms >= 0 ? m.ping_interval_ms : 25'000;
  int64_t idle = m.idle_timeout_ms >= 0 ? m.idle_timeout_ms : 60'000;
  if ((m.ping_interval_ms >= 0 || m.idle_timeout_ms >= 0) && ping >= idle) {
    const ast::ObjectEntry* at = opts.lookup(m.ping_interval_ms >= 0 ? "ping_interval" : "idle_timeout");
    diags_.report(DiagId::WsPingNotBelowIdle, at->value->range(), fmt::format("{} s", ping / 1000.0),
                  fmt::format("{} s", idle / 1000.0))
        .help("a quiet client gets a ping at `ping_interval` and is closed at `idle_timeout`: the ping must come first");
  }
}

void Checker::checkWsHook(const ast::WsHook* h) {
  const WsHookSpec* spec = findWsHook(h->name.name);
  std::string what = fmt::format("`{}`", h->name.name.str());
  std::vector<ParamModel> params = makeParams(h->params, what);
  checkHandlerParamCount(h->name.range, what, params.size(), 0, spec->params.size());
  pushScope(Scope::Kind::Function);
  for (size_t i = 0; i < params.size(); ++i) {
    const Ty* t = types_.dynamic();
    if (i < spec->params.size()) {
      TyKind k = spec->params[i].second;
      t = k == TyKind::Record ? types_.webSocket() : types_.get(k);
      if (params[i].annotated && !isAssignable(t, params[i].type)) {
        diags_.report(DiagId::WsHookParamType, h->params[i]->type->range(), params[i].name.str(), h->name.name.str(),
                      fmt::format("a `{}`", typeName(t)), typeName(params[i].type))
            .help(fmt::format("the runtime passes {} `{}`: drop the annotation or write `{}`", what,
                              spec->params[i].first.str(), typeName(t)));
      }
    }
    declareLocal(h->params[i]->name, SymbolKind::Param, t, h->params[i], false, false);
  }
  const Ty* saved = cur_return_;
  cur_return_ = nullptr;
  cur_fn_name_ = h->name.name.str();
  checkBlock(h->body);
  cur_return_ = saved;
  popScope();
}

}  // namespace lux
