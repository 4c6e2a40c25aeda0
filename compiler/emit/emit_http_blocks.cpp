// A server's HTTP blocks become one runtime call each in its Register: `cors { }` →
// lux::ConfigureCors (a route group's → lux::ConfigureGroupCors with the group's prefix), `rate_limit { }` → lux::ConfigureRateLimit (with the store and Redis URL
// the checker chose), `cache { }` → lux::ConfigureCacheDefaults, `max_body N` and `limits { }` →
// lux::ConfigureLimits (their options merged). Each passes its options as one object under the
// canonical key names. Entry point: Emitter::registerHttpBlocks.
#include <fmt/format.h>

#include "emit/emitter.h"

namespace lux::emit {

namespace {

// Second spellings the checker accepts (check_http_blocks.cpp), by the key the runtime reads.
llvm::StringRef canonicalKey(llvm::StringRef key) {
  if (key == "allow_origins") return "origins";
  if (key == "allow_methods") return "methods";
  if (key == "allow_headers") return "headers";
  if (key == "allow_credentials") return "credentials";
  if (key == "limit") return "max";
  return key;
}

}  // namespace

std::string Emitter::httpOptionValue(llvm::StringRef key, const ast::Expr* value) {
  auto* list = llvm::dyn_cast<ast::ArrayExpr>(value);
  if (key == "methods" && list) {  // `[GET, "POST"]`: bare method names are strings
    std::string out = "lux::Value(lux::Array{";
    for (size_t i = 0; i < list->elements.size(); ++i) {
      const ast::Expr* e = list->elements[i];
      auto* name = llvm::dyn_cast<ast::NameExpr>(e);
      bool bare = name && !name->name.name.empty() && name->name.name.upper() == name->name.name &&
                  !prog_.resolved.count(name);
      out += (i ? ", " : "") + (bare ? cppString(name->name.name.str()) : expr(e));
    }
    return out + "})";
  }
  if (auto* dur = llvm::dyn_cast<ast::DurationLit>(value); dur && key == "window")  // seconds
    return fmt::format("lux::Value({})", static_cast<long long>(dur->milliseconds() / 1000));
  return expr(value);
}

std::string Emitter::httpOptions(const std::vector<const ast::ObjectEntry*>& entries,
                                 const std::vector<std::pair<std::string, std::string>>& extra) {
  std::string out = "lux::Value{";
  bool first = true;
  for (const ast::ObjectEntry* en : entries) {
    llvm::StringRef key = canonicalKey(en->key.name);
    out += (first ? "" : ", ") + fmt::format("{{{}, {}}}", cppString(key.str()), httpOptionValue(key, en->value));
    first = false;
  }
  for (const auto& [key, value] : extra) {
    out += (first ? "" : ", ") + fmt::format("{{{}, {}}}", cppString(key), value);
    first = false;
  }
  return out + "}";
}

void Emitter::registerHttpBlocks(const ServerModel& sm) {
  const HttpBlocksModel& h = sm.http;
  FnContext ctx;
  fn_ = &ctx;
  auto entries = [](const ast::ConfigDecl* d) {
    std::vector<const ast::ObjectEntry*> out;
    for (const ast::ObjectEntry* en : d->config->entries)
      if (en->form != ast::ObjectEntry::Form::Spread) out.push_back(en);
    return out;
  };
  if (h.cors) {
    lineDirective(h.cors->range());
    line(fmt::format("lux::ConfigureCors(app, {});", httpOptions(entries(h.cors), {})));
  }
  for (const RouteGroupModel& g : sm.groups) {  // a group's own `cors { }` (after the server's)
    if (!g.cors) continue;
    lineDirective(g.cors->range());
    line(fmt::format("lux::ConfigureGroupCors(app, {}, {});", cppString(g.prefix), httpOptions(entries(g.cors), {})));
  }
  if (h.rate_limit) {
    std::vector<const ast::ObjectEntry*> own;
    for (const ast::ObjectEntry* en : entries(h.rate_limit))
      if (en->key.name != "store" && en->key.name != "url") own.push_back(en);
    std::vector<std::pair<std::string, std::string>> extra = {{"store", cppString(h.rate_limit_store)}};
    if (h.rate_limit_store == "redis" && h.rate_limit_url) extra.push_back({"url", expr(h.rate_limit_url)});
    lineDirective(h.rate_limit->range());
    line(fmt::format("lux::ConfigureRateLimit(app, {});", httpOptions(own, extra)));
  }
  if (h.cache) {
    lineDirective(h.cache->range());
    line(fmt::format("lux::ConfigureCacheDefaults(app, {});", httpOptions(entries(h.cache), {})));
  }
  if (!h.limits.empty()) {
    std::vector<const ast::ObjectEntry*> all;
    for (const ast::LimitsDecl* d : h.limits)
      for (const ast::ObjectEntry* en : entries(d)) all.push_back(en);
    lineDirective(h.limits.front()->range());
    line(fmt::format("lux::ConfigureLimits(app, {});", httpOptions(all, {})));
  }
  fn_ = nullptr;
}

}  // namespace lux::emit
