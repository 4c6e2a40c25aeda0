// `jobs { adapter, url, prefix, visibility_timeout }` and `bus { ... }`: where a server keeps its
// jobs and schedules, or its events. Options are checked like every option block (E4401-E4403,
// E4407 for a bad adapter, URL or timeout), one block of each per server (E2104), a Redis
// adapter needs a `url` (E4704), and servers that exchange events must keep them in the same
// place (E4705: an event published to Redis never reaches a server on the embedded bus).
// Entry points: Checker::declareBackend, checkBackend, checkBusAgreement.
#include <fmt/format.h>

#include <set>

#include "check/checker.h"

namespace lux {

namespace {

const char* blockName(const ast::BackendDecl* d) { return d->which == ast::BackendDecl::Kind::Jobs ? "jobs" : "bus"; }

// The runtime's lower bound (lux/jobs.h kMinVisibilityTimeoutMs): renewals every third of it.
constexpr double kMinVisibilityMs = 100;

std::string describeBus(const ServerModel& sm) {
  if (!sm.bus_backend || sm.bus_backend->adapter == "sqlite")
    return fmt::format("{} uses the embedded bus", sm.displayName());
  if (sm.bus_backend->literal_url) return fmt::format("{} uses Redis at \"{}\"", sm.displayName(), sm.bus_backend->url);
  return fmt::format("{} uses Redis", sm.displayName());
}

}  // namespace

void Checker::declareBackend(ServerModel& sm, const ast::BackendDecl* d) {
  std::optional<BackendModel>& slot = d->which == ast::BackendDecl::Kind::Jobs ? sm.jobs_backend : sm.bus_backend;
  if (slot) {
    diags_.report(DiagId::DuplicateDeclaration, d->name.range, blockName(d), sm.displayName())
        .note(slot->decl->name.range, fmt::format("the first `{}` block is here", blockName(d)));
    return;
  }
  slot.emplace();
  slot->decl = d;
}

void Checker::checkBackend(ServerModel& sm, const ast::BackendDecl* d) {
  std::optional<BackendModel>& slot = d->which == ast::BackendDecl::Kind::Jobs ? sm.jobs_backend : sm.bus_backend;
  if (!slot || slot->decl != d || !d->config) return;
  static const OptionSpec kOptions[] = {
      {"adapter", "", OptionSpec::Kind::String},
      {"url", "", OptionSpec::Kind::String},
      {"prefix", "", OptionSpec::Kind::String},
      {"visibility_timeout", "", OptionSpec::Kind::Duration},
  };
  std::string what = fmt::format("`{}`", blockName(d));
  auto opts = checkOptions(d->config, what, kOptions);
  static const llvm::StringRef kAdapters[] = {"redis", "sqlite"};
  const ast::ObjectEntry* adapter = opts.lookup("adapter");
  checkOptionChoice(adapter, what, kAdapters);
  if (adapter) {
    auto* lit = llvm::dyn_cast_or_null<ast::StringLit>(adapter->value);
    // Unknown (E4407 above) or computed: "" (the runtime checks it at start).
    slot->adapter = lit && (lit->value == "redis" || lit->value == "sqlite") ? lit->value.str() : std::string();
  }
  const ast::ObjectEntry* url = opts.lookup("url");
  if (auto* lit = url ? llvm::dyn_cast_or_null<ast::StringLit>(url->value) : nullptr) {
    slot->literal_url = true;
    slot->url = lit->value.str();
    llvm::StringRef u = lit->value;
    if (!u.startswith("redis://") && !u.startswith("unix://"))
      diags_.report(DiagId::OptionValue, lit->range(), what, "url", "a `redis://` or `unix://` URL",
                    "\"" + lit->value.str() + "\"")
          .help(u.startswith("rediss://") ? "TLS connections to Redis are not supported" : "e.g. \"redis://127.0.0.1:6379/0\"");
  }
  if (slot->adapter == "redis" && !url) {
    diags_.report(DiagId::BackendMissingUrl, adapter->value->range(), blockName(d))
        .help("read it from the environment: `env REDIS_URL: String = \"redis://127.0.0.1:6379\"` and "
              "`url: REDIS_URL`");
  }
  if (const ast::ObjectEntry* p = opts.lookup("prefix"))
    if (auto* lit = llvm::dyn_cast_or_null<ast::StringLit>(p->value); lit && lit->value.empty())
      diags_.report(DiagId::OptionValue, lit->range(), what, "prefix", "a non-empty `String`", "\"\"");
  if (const ast::ObjectEntry* v = opts.lookup("visibility_timeout")) {
    double ms = literalMillis(v->value);
    if (ms >= 0 && ms < kMinVisibilityMs)
      diags_.report(DiagId::OptionValue, v->value->range(), what, "visibility_timeout",
                    fmt::format("at least {} ms", static_cast<int>(kMinVisibilityMs)),
                    fmt::format("{} ms", static_cast<long long>(ms)));
  }
}

void Checker::checkBusAgreement() {
  std::set<std::pair<size_t, size_t>> reported;
  for (size_t a = 0; a < model_.servers.size(); ++a) {
    const ServerModel& pub = model_.servers[a];
    std::string pub_adapter = pub.bus_backend ? pub.bus_backend->adapter : "sqlite";
    if (pub_adapter.empty()) continue;  // computed: checked when the servers start
    for (const PublishSite& site : pub.publishes) {
      if (!site.literal) continue;
      for (size_t b = 0; b < model_.servers.size(); ++b) {
        if (b == a || reported.count({a, b})) continue;
        const ServerModel& sub = model_.servers[b];
        std::string sub_adapter = sub.bus_backend ? sub.bus_backend->adapter : "sqlite";
        if (sub_adapter.empty()) continue;
        const SubscribeModel* match = nullptr;
        for (const SubscribeModel& s : sub.subscriptions)
          if (s.event == site.event) match = &s;
        if (!match) continue;
        bool differ = pub_adapter != sub_adapter;
        if (!differ && pub_adapter == "redis" && pub.bus_backend->literal_url && sub.bus_backend->literal_url)
          differ = pub.bus_backend->url != sub.bus_backend->url;
        if (!differ) continue;
        reported.insert({a, b});
        const ast::Expr* at = site.call->args.empty() ? site.call : site.call->args[0];
        auto d = diags_.report(DiagId::BusMismatch, at->range(), pub.displayName(), site.event, sub.displayName(),
                               describeBus(pub), describeBus(sub));
        d.note(match->decl->event ? match->decl->event->range() : match->decl->range(), "the subscription is here");
        for (const ServerModel* s : {&pub, &sub})
          if (s->bus_backend) d.note(s->bus_backend->decl->name.range, fmt::format("the `bus` block of {}", s->displayName()));
        d.help("give every server that publishes or subscribes the same `bus { ... }` block");
      }
    }
  }
}

}  // namespace lux
