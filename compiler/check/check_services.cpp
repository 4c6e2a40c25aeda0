// Service discovery: `discover "svc" at "url" [with { ... }]` and the block form
// `discover "svc" { url: ..., circuit_breaker: { ... } }`: options (known keys, both spellings
// `threshold`/`failure_threshold`, value kinds), the URL (E4404, E4405; none at all names a server
// of the program, found at its declared port unless the environment says otherwise: E4408), and
// calls `svc.fn(args)` that resolve to the program's own server named `svc` (E4406, arity E2301,
// types E3001).
// Entry points: Checker::declareService, checkService, checkRpcCall.
#include <fmt/format.h>

#include <algorithm>

#include "check/checker.h"
#include "lux_common/env_names.h"

namespace lux {

namespace {
using Kind = Checker::OptionSpec::Kind;
const Checker::OptionSpec kBreakerOptions[] = {
    {"failure_threshold", "", Kind::Int}, {"threshold", "failure_threshold", Kind::Int},
    {"reset_timeout", "", Kind::Duration}, {"half_open_requests", "", Kind::Int},
    {"timeout", "", Kind::Duration},
};
const Checker::OptionSpec kDiscoverOptions[] = {
    {"failure_threshold", "", Kind::Int},  {"threshold", "failure_threshold", Kind::Int},
    {"reset_timeout", "", Kind::Duration}, {"half_open_requests", "", Kind::Int},
    {"timeout", "", Kind::Duration},       {"health", "", Kind::String},
    {"health_interval", "", Kind::Duration},
};
const Checker::OptionSpec kDiscoverBlockOptions[] = {
    {"url", "", Kind::String},         {"health", "", Kind::String},
    {"health_interval", "", Kind::Duration}, {"timeout", "", Kind::Duration},
    {"circuit_breaker", "", Kind::Object},
};
}  // namespace

void Checker::declareService(ServerModel& sm, const ast::DiscoverDecl* decl, Scope& scope) {
  ServiceModel& svc = model_.service_store.emplace_back();
  svc.decl = decl;
  svc.name = decl->name ? decl->name->value.str() : std::string();
  svc.server = cur_server_;
  for (size_t i = 0; i < model_.servers.size(); ++i)
    if (!svc.name.empty() && model_.servers[i].name == svc.name) svc.target_server = static_cast<int>(i);
  llvm::StringRef name = model_.made_names.insert(svc.name).first->getKey();
  Symbol* sym = newSymbol(SymbolKind::Service, name, decl->name ? decl->name->range() : decl->range(), decl, types_.dynamic());
  sym->service = &svc;
  declare(scope, sym, sm.displayName());
  sm.services.push_back(&svc);
}

void Checker::checkService(ServiceModel& svc) {
  const ast::DiscoverDecl* d = svc.decl;
  const ast::StringLit* url = nullptr;
  bool has_url = d->url != nullptr;
  auto fill = [&](const llvm::StringMap<const ast::ObjectEntry*>& opts) {
    auto num = [&](llvm::StringRef key, auto& field) {
      if (const ast::ObjectEntry* e = opts.lookup(key))
        if (auto* i = llvm::dyn_cast<ast::IntLit>(e->value)) field = static_cast<std::remove_reference_t<decltype(field)>>(i->value);
    };
    auto ms = [&](llvm::StringRef key, double& field) {
      if (const ast::ObjectEntry* e = opts.lookup(key))
        if (double v = literalMillis(e->value); v >= 0) field = v;
    };
    num("failure_threshold", svc.failure_threshold);
    num("half_open_requests", svc.half_open_requests);
    ms("timeout", svc.timeout_ms);
    ms("reset_timeout", svc.reset_timeout_ms);
    ms("health_interval", svc.health_interval_ms);
    if (const ast::ObjectEntry* e = opts.lookup("health"))
      if (auto* s = llvm::dyn_cast<ast::StringLit>(e->value)) svc.health = s->value.str();
  };
  if (!d->block_form) {
    if (d->url) {
      expectType(checkExpr(d->url), types_.get(TyKind::String), d->url->range(), "the service URL");
      url = llvm::dyn_cast<ast::StringLit>(d->url);
    }
    fill(checkOptions(d->options, "`discover`", kDiscoverOptions));
  } else {
    auto opts = checkOptions(d->options, "`discover`", kDiscoverBlockOptions);
    fill(opts);
    if (const ast::ObjectEntry* e = opts.lookup("url")) {
      has_url = true;
      url = llvm::dyn_cast<ast::StringLit>(e->value);
    } else if (svc.target_server < 0) {
      diags_.report(DiagId::DiscoverMissingUrl, d->name ? d->name->range() : d->range(), svc.name)
          .help("add `url: \"http://host:port\"`");
    }
    if (const ast::ObjectEntry* e = opts.lookup("circuit_breaker"))
      if (auto* obj = llvm::dyn_cast<ast::ObjectExpr>(e->value)) fill(checkOptions(obj, "`circuit_breaker`", kBreakerOptions));
  }
  // No URL at all: a server of this program (http://127.0.0.1:<its declared port>, which the
  // environment may replace at start), else E4408 (the block form already had E4404).
  if (!has_url && svc.target_server >= 0) {
    svc.default_url = "http://127.0.0.1:" + model_.servers[svc.target_server].default_port;
  } else if (!has_url && !d->block_form) {
    std::vector<std::string_view> names;
    for (const ServerModel& s : model_.servers)
      if (!s.name.empty()) names.push_back(std::string_view(s.name));
    diags_.report(DiagId::DiscoverUnknownServer, d->name ? d->name->range() : d->range(), svc.name, svc.name)
        .help(fmt::format("give its URL: `discover \"{}\" at \"http://host:port\"` (at start {} replaces it)", svc.name,
                          core::EnvVarName("LUX_SERVICE_", svc.name, "_URL")))
        .didYouMean(closestMatch(svc.name, names));
  }
  if (url) {
    svc.url = url->value.str();
    llvm::StringRef u = url->value;
    if (!(u.startswith("http://") || u.startswith("https://")) ||
        u.size() <= (u.startswith("https://") ? 8u : 7u)) {
      diags_.report(DiagId::DiscoverBadUrl, url->range(), url->value.str());
    }
  }
}

const Ty* Checker::checkRpcCall(const ast::CallExpr* call, const ast::MemberExpr* callee, const Symbol* sym,
                                const std::vector<ArgInfo>& args) {
  const ServiceModel* svc = sym->service;
  if (!svc || svc->target_server < 0) return types_.dynamic();  // an outside service: checked at run time
  int target = svc->target_server;
  const ServerModel& ts = model_.servers[target];
  Symbol* fn_sym = serverSymbol(target, callee->member.name);
  if (!fn_sym || fn_sym->kind != SymbolKind::Function || !fn_sym->fn) {
    std::vector<std::string_view> names;
    for (const FunctionModel* fn : ts.functions)
      if (fn->kind == SymbolKind::Function) names.push_back(std::string_view(fn->name));
    auto d = diags_.report(DiagId::RpcUnknownFunction, callee->member.range, svc->name, callee->member.name.str());
    if (fn_sym)
      d.note(fn_sym->range, fmt::format("`{}` is {} of server `{}`; only a plain `fn` can be called remotely",
                                        callee->member.name.str(), symbolKindName(fn_sym->kind), svc->name));
    else
      d.note(ts.decl->name.range, fmt::format("`{}` is this program's server declared here", svc->name));
    d.didYouMean(closestMatch(callee->member.name, names));
    return types_.dynamic();
  }
  const FunctionModel* fn = fn_sym->fn;
  auto& exposed = model_.servers[target].rpc_functions;
  if (std::find(exposed.begin(), exposed.end(), fn) == exposed.end()) exposed.push_back(fn);
  std::string qn = fmt::format("{}.{}", svc->name, fn->name.str());
  int n = static_cast<int>(args.size());
  if (n < fn->minArgs() || n > fn->maxArgs()) {
    diags_.report(DiagId::CallArity, call->range(), qn, arityText(fn->minArgs(), fn->maxArgs()), n)
        .note(fn->decl->name.range, fmt::format("`{}` is declared here, in server `{}`", fn->name.str(), svc->name));
    return fn->result;
  }
  std::vector<const Ty*> ptys;
  for (const ParamModel& p : fn->params) ptys.push_back(p.annotated ? p.type : nullptr);
  checkArgsAgainst(args, ptys, qn, fn->decl);
  return fn->result;
}

}  // namespace lux
