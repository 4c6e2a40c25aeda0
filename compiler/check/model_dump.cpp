// dumpModel: the checked model as deterministic text (`luxc check --dump-model`), one item per
// line, indented by nesting, positions as line:col, in source order within fixed sections.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <set>

#include "check/check.h"

namespace lux {

namespace {

std::string pos(const SourceFile& f, SourceRange r) {
  LineCol lc = f.lineCol(r.begin);
  return fmt::format("{}:{}", lc.line, lc.column);
}

std::string params(const std::vector<ParamModel>& ps) {
  std::string s = "(";
  for (size_t i = 0; i < ps.size(); ++i) {
    s += (i ? ", " : "") + ps[i].name.str();
    if (ps[i].annotated) s += ": " + typeName(ps[i].type);
    if (ps[i].has_default) s += " = ...";
  }
  return s + ")";
}

std::string ms(double v) { return v > 0 ? fmt::format("{}ms", static_cast<long long>(v)) : std::string("default"); }

void dumpRecord(std::ostream& out, const SourceFile& f, const RecordInfo* r, const char* indent) {
  out << indent << (r->is_model ? "record (model) " : "record ") << r->name.str() << " " << pos(f, r->range) << "\n";
  for (const FieldInfo& fi : r->fields)
    out << indent << "  field " << fi.name.str() << ": " << typeName(fi.type) << (fi.has_default ? " (default)" : "") << "\n";
}

void dumpFunction(std::ostream& out, const SourceFile& f, const FunctionModel* fn) {
  const char* kind = fn->kind == SymbolKind::BackgroundFn ? "background fn" : fn->kind == SymbolKind::Middleware ? "middleware fn" : "fn";
  std::string owner = fn->owner.empty() ? "" : fn->owner.str() + ".";
  out << "    " << kind << " " << owner << (fn->name.empty() ? "<anonymous>" : fn->name.str()) << params(fn->params);
  if (fn->annotated_result) out << " -> " << typeName(fn->result);
  out << " " << pos(f, fn->decl->range()) << "\n";
}

// Shared records, enums, functions and bindings.
void dumpShared(const CheckedProgram& m, const SourceFile& f, std::ostream& out) {
  out << "  shared\n";
  for (const RecordInfo* r : m.records)
    if (r->server < 0) dumpRecord(out, f, r, "    ");
  for (const EnumInfo* e : m.enums) {
    if (e->server >= 0) continue;
    out << "    enum " << e->name.str() << " " << pos(f, e->range) << "\n";
    for (const VariantInfo& v : e->variants) {
      out << "      variant " << v.name.str();
      if (!v.payload.empty()) {
        out << "(";
        for (size_t i = 0; i < v.payload.size(); ++i) out << (i ? ", " : "") << typeName(v.payload[i]);
        out << ")";
      }
      out << "\n";
    }
  }
  for (const FunctionModel* fn : m.shared_functions) dumpFunction(out, f, fn);
  for (const Symbol* b : m.shared_bindings)
    out << "    binding " << (b->is_mutable ? "var " : "") << b->name.str() << ": " << typeName(b->type) << "\n";
}

// `cors`, `rate_limit`, `cache`, `max_body`/`limits`: each block's options as written (white
// space collapsed), and where the rate limit keeps its buckets.
std::string optionsText(const ast::ObjectExpr* obj, const SourceFile& f) {
  std::string out = "{";
  for (const ast::ObjectEntry* en : obj->entries) {
    std::string v;
    for (char c : f.slice(en->value->range())) {
      if (c == '\n' || c == '\t' || c == '\r') c = ' ';
      if (!(c == ' ' && !v.empty() && v.back() == ' ')) v += c;
    }
    out += (out.size() > 1 ? ", " : " ") + en->key.name.str() + ": " + v;
  }
  return out + " }";
}

void dumpHttpBlocks(const ServerModel& s, const SourceFile& f, std::ostream& out) {
  const HttpBlocksModel& h = s.http;
  if (h.cors) out << "    cors " << pos(f, h.cors->keyword_range) << " " << optionsText(h.cors->config, f) << "\n";
  if (h.rate_limit)
    out << "    rate_limit " << pos(f, h.rate_limit->keyword_range) << " " << optionsText(h.rate_limit->config, f) << " store "
        << h.rate_limit_store << (h.rate_limit_url ? " url " + std::string(f.slice(h.rate_limit_url->range())) : "") << "\n";
  if (h.cache) out << "    cache " << pos(f, h.cache->keyword_range) << " " << optionsText(h.cache->config, f) << "\n";
  for (const ast::LimitsDecl* l : h.limits) out << "    limits " << pos(f, l->keyword_range) << " " << optionsText(l->config, f) << "\n";
}

// A server's settings: env, db, auth, port, unsupported blocks, jobs/bus backends, tls, session,
// health, openapi.
void dumpServerSettings(const ServerModel& s, const SourceFile& f, std::ostream& out) {
  for (const EnvModel& e : s.env)
    out << "    env " << e.name.str() << ": " << typeName(e.type) << (e.default_text.empty() ? " (required)" : " = " + e.default_text) << "\n";
  if (s.db && s.db->postgres())
    out << "    db postgres url " << (s.db->url && s.db->literal_url.empty() ? "(computed)" : "\"" + s.db->literal_url + "\"")
        << (s.db->pool ? " pool" : "") << "\n";
  else if (s.db && s.db->adapter.empty())
    out << "    db adapter chosen at start" << (s.db->url ? " from the url (computed)" : " (computed)") << "\n";
  else if (s.db)
    out << "    db " << s.db->adapter << " \"" << s.db->path << "\"\n";
  if (s.has_auth) {
    out << "    auth " << s.auth_type;
    if (s.auth_type == "api_key")
      out << (s.api_key_query.empty() ? " header \"" + s.api_key_header + "\"" : " query \"" + s.api_key_query + "\"");
    out << "\n";
  }
  if (s.port) out << "    port " << std::string(f.slice(s.port->range())) << " (default port " << s.default_port << ")\n";
  for (const UnsupportedUse& u : s.unsupported) out << "    unsupported " << u.what << " " << pos(f, u.at) << "\n";
  for (const auto* b : {&s.jobs_backend, &s.bus_backend}) {
    if (!*b) continue;
    out << "    " << ((*b)->decl->which == ast::BackendDecl::Kind::Jobs ? "jobs" : "bus") << " "
        << ((*b)->adapter.empty() ? std::string("(computed)") : (*b)->adapter);
    if ((*b)->literal_url) out << " \"" << (*b)->url << "\"";
    out << "\n";
  }
  dumpHttpBlocks(s, f, out);
  for (const StaticModel& st : s.statics)
    out << "    static \"" << st.prefix << "\" => \"" << st.dir << "\""
        << (st.fallback.empty() ? "" : " fallback \"" + st.fallback + "\"") << "\n";
  if (s.compression) {
    const CompressionModel& c = *s.compression;
    out << "    compression " << (c.enabled ? "on" : "off") << " min_size " << c.min_size << " level "
        << (c.level ? std::to_string(c.level) : std::string("default")) << " types ";
    if (c.types.empty()) out << "(default)";
    for (size_t i = 0; i < c.types.size(); ++i) out << (i ? ", " : "") << "\"" << c.types[i] << "\"";
    out << "\n";
  }
  if (s.sse.realtime)
    out << "    realtime adapter " << s.sse.adapter << (s.sse.url ? " url " + std::string(f.slice(s.sse.url->range())) : "") << "\n";
  if (s.sse.used || s.sse.decl)
    out << "    sse heartbeat " << s.sse.heartbeat_s << "s retry " << s.sse.retry_ms << "ms max_queue " << s.sse.max_queue
        << " max_queue_bytes " << s.sse.max_queue_bytes << (s.sse.used ? "" : " (unused)") << "\n";
  if (s.metrics.decl || s.metrics.program_serves_path) {
    const MetricsModel& m = s.metrics;
    out << "    metrics " << (m.enabled ? "on" : "off") << " path \"" << m.path << "\" port "
        << (m.port ? std::to_string(m.port) : std::string("(server's)"))
        << (m.program_serves_path ? " (the program's route serves the path)" : "") << "\n";
  }
  if (s.tls) out << "    tls cert " << s.tls->cert << " key " << s.tls->key << " min_version " << s.tls->min_version << "\n";
  if (s.session) {
    const SessionModel& se = *s.session;
    out << "    session store " << (se.store.empty() ? std::string("(computed)") : se.store) << " cookie \"" << se.cookie_name
        << "\" max_age " << se.max_age << " same_site " << se.same_site << " secure " << (se.secure ? "on" : "off")
        << " secrets " << se.secrets << "\n";
  }
  if (!s.health_path.empty()) out << "    health \"" << s.health_path << "\"\n";
  if (s.upload) {
    out << "    upload max_size " << s.upload->max_size << " max_files " << s.upload->max_files << " allowed_types [";
    for (size_t i = 0; i < s.upload->allowed_types.size(); ++i) out << (i ? ", " : "") << "\"" << s.upload->allowed_types[i] << "\"";
    out << "]" << (s.upload->dir.empty() ? "" : " dir \"" + s.upload->dir + "\"") << "\n";
  }
  for (const ReadinessModel& r : s.readiness) {
    out << "    readiness \"" << r.path << "\"";
    if (r.timeout_ms > 0) out << " timeout " << static_cast<long long>(r.timeout_ms) << "ms";
    for (const ReadinessCheckModel& c : r.checks)
      out << " " << c.name << "=" << (c.fn ? "fn " + c.fn->name.str() : c.component);
    out << "\n";
  }
  if (s.openapi.given) {
    const OpenApiModel& oa = s.openapi;
    out << "    openapi title " << (oa.title ? "\"" + *oa.title + "\"" : std::string("(the executable's name)")) << " version \""
        << oa.version << "\"" << (oa.description.empty() ? "" : " (description)") << " docs " << (oa.docs ? "on" : "off") << "\n";
    for (const OpenApiServerEntry& e : oa.servers)
      out << "      server \"" << e.url << "\"" << (e.description.empty() ? "" : " \"" + e.description + "\"") << "\n";
  }
}

// `auth, role("a", "b"), timeout(500)`.
std::string modifierList(const std::vector<RouteModifierUse>& uses) {
  std::string out;
  for (const RouteModifierUse& u : uses) {
    out += std::string(out.empty() ? "" : ", ") + (u.guard ? "fn " : "") + u.name;
    if (u.shown.empty()) continue;
    out += "(";
    for (size_t k = 0; k < u.shown.size(); ++k) out += (k ? ", " : "") + u.shown[k];
    out += ")";
  }
  return out;
}

// A server's definitions: records, models, bindings, functions, hooks, schedules, events, routes,
// discovered services.
void dumpServerItems(const CheckedProgram& m, const SourceFile& f, size_t si, std::ostream& out) {
  const ServerModel& s = m.servers[si];
  for (const RecordInfo* r : m.records)
    if (r->server == static_cast<int>(si) && !r->is_model) dumpRecord(out, f, r, "    ");
  for (const ModelInfo* mi : s.models) {
    out << "    model " << mi->name.str() << " " << pos(f, mi->decl->range());
    if (!mi->record) {
      out << " (no fields)\n";
      continue;
    }
    out << (mi->from_type ? " (fields of type " + mi->record->name.str() + ")" : std::string()) << "\n";
    for (const FieldInfo& fi : mi->record->fields) out << "      field " << fi.name.str() << ": " << typeName(fi.type) << "\n";
    if (!mi->table.empty()) out << "      table " << mi->table << "\n";
    if (mi->timestamps) out << "      timestamps\n";
    for (const ModelRelation& r : mi->relations)
      out << "      " << (r.kind == ModelRelation::Kind::BelongsTo ? "belongs_to " : "has_many ") << r.target << ": "
          << mi->name.str() << "." << r.accessor << "(" << r.foreign_key << ")\n";
  }
  for (const Symbol* b : s.bindings)
    out << "    binding " << (b->is_mutable ? "var " : "") << b->name.str() << ": " << typeName(b->type) << "\n";
  for (const FunctionModel* fn : s.functions) dumpFunction(out, f, fn);
  for (const HookModel& h : s.hooks) {
    const char* name = h.decl->hook == ast::HookDecl::Hook::Start ? "on_start" : h.decl->hook == ast::HookDecl::Hook::Stop ? "on_stop" : "on_error";
    out << "    hook " << name << params(h.params) << " " << pos(f, h.decl->range()) << "\n";
  }
  for (const ScheduleModel& sc : s.schedules) {
    out << "    schedule " << (sc.name.empty() ? std::string("<anonymous>") : sc.name);
    if (!sc.cron.empty()) {
      out << " cron \"" << sc.cron << "\"";
      if (sc.spec) out << " (" << (sc.spec->has_seconds ? "6" : "5") << " fields: " << cron::describeCron(*sc.spec) << ")";
      else out << " (invalid)";
    } else {
      out << " every " << ms(sc.interval_ms);
      if (!sc.interval_text.empty()) out << " (\"" << sc.interval_text << "\")";
    }
    out << " " << pos(f, sc.decl->range()) << "\n";
  }
  for (const SubscribeModel& sub : s.subscriptions)
    out << "    subscribe \"" << sub.event << "\" payload " << typeName(sub.payload) << (sub.broadcast ? " broadcast" : "")
        << " " << pos(f, sub.decl->range()) << "\n";
  for (const PublishSite& p : s.publishes)
    out << "    publish " << (p.literal ? "\"" + p.event + "\"" : std::string("<computed>")) << " payload "
        << typeName(p.payload) << " " << pos(f, p.call->range()) << "\n";
  for (const RouteGroupModel& g : s.groups) {
    out << "    routes \"" << g.prefix << "\"";
    if (!g.version.empty()) out << " version \"" << g.version << "\"";
    if (g.deprecated) out << " deprecated (Deprecation: " << g.deprecation_header << ")";
    if (!g.sunset_header.empty()) out << " sunset (Sunset: " << g.sunset_header << ")";
    if (!g.modifiers.empty()) out << " with " << modifierList(g.modifiers);
    for (size_t k = 0; k < g.middleware.size(); ++k) out << (k ? ", " : " middleware ") << g.middleware[k]->name.str();
    out << " " << pos(f, g.decl->range()) << "\n";
    if (g.cors) out << "      cors " << pos(f, g.cors->keyword_range) << " " << optionsText(g.cors->config, f) << "\n";
  }
  for (const WsModel& w : s.websockets) {
    out << "    ws \"" << w.path << "\"";
    for (size_t k = 0; k < w.hooks.size(); ++k) out << (k ? ", " : " hooks ") << w.hooks[k]->name.name.str();
    if (w.requires_auth) out << " with auth";
    if (!w.modifiers.empty() && !(w.modifiers.size() == 1 && w.modifiers[0].name == "auth"))
      out << " (own: " << modifierList(w.modifiers) << ")";
    if (w.group >= 0) out << " in group \"" << s.groups[w.group].prefix << "\"";
    if (w.max_message >= 0) out << " max_message " << w.max_message;
    if (w.ping_interval_ms >= 0) out << " ping_interval " << w.ping_interval_ms << "ms";
    if (w.idle_timeout_ms >= 0) out << " idle_timeout " << w.idle_timeout_ms << "ms";
    if (w.max_queue >= 0) out << " max_queue " << w.max_queue;
    for (size_t k = 0; k < w.protocols.size(); ++k) out << (k ? ", " : " protocols ") << w.protocols[k];
    out << " " << pos(f, w.decl->range()) << "\n";
  }
  for (const RouteModel& r : s.routes) {
    out << "    " << (r.sse ? "sse" : "route " + r.method) << " \"" << r.path << "\"";
    if (r.body_type) out << " body: " << typeName(r.body_type);
    if (r.response_type) out << " -> " << typeName(r.response_type);
    out << " => "
        << (r.handler ? r.handler->name.str() : std::string("<lambda>")) << (r.requires_auth ? " with auth" : "");
    if (!r.modifiers.empty() && !(r.modifiers.size() == 1 && r.modifiers[0].name == "auth"))
      out << " (own: " << modifierList(r.modifiers) << ")";
    if (r.group >= 0) out << " in group \"" << s.groups[r.group].prefix << "\"";
    if (!r.roles.empty()) {
      out << " roles";
      for (const std::string& role : r.roles) out << " (" << role << ")";
    }
    if (r.timeout_ms > 0) out << " timeout " << r.timeout_ms << "ms";
    if (r.cache_max_age >= 0) out << " cache max-age=" << r.cache_max_age;
    if (r.deprecated) out << " deprecated";
    out << " " << pos(f, r.decl->range()) << "\n";
    for (const RouteParamBinding& b : r.bindings)
      out << "      param " << b.name.str() << ": " << typeName(b.type) << " from " << paramSourceName(b.source) << "\n";
  }
  for (const ServiceModel* svc : s.services) {
    out << "    discover \"" << svc->name << "\" url \"" << svc->url << "\"";
    if (!svc->default_url.empty()) out << " default url \"" << svc->default_url << "\"";
    if (svc->target_server >= 0) out << " (server of this program)";
    out << " failure_threshold " << svc->failure_threshold << " reset_timeout " << ms(svc->reset_timeout_ms) << " timeout "
        << ms(svc->timeout_ms) << " half_open_requests " << svc->half_open_requests;
    if (!svc->health.empty()) out << " health \"" << svc->health << "\"";
    out << " " << pos(f, svc->decl->range()) << "\n";
  }
}

// Events across the program: who publishes and who subscribes to each.
void dumpEvents(const CheckedProgram& m, std::ostream& out) {
  std::map<std::string, std::pair<std::set<std::string>, std::set<std::string>>> events;
  auto label = [&](int server) { return server < 0 ? std::string("shared") : m.servers[server].name.empty() ? std::string("(unnamed)") : m.servers[server].name; };
  for (const ServerModel& s : m.servers) {
    for (const PublishSite& p : s.publishes)
      if (p.literal) events[p.event].first.insert(label(p.server));
    for (const SubscribeModel& sub : s.subscriptions) events[sub.event].second.insert(label(sub.server));
  }
  for (const PublishSite& p : m.shared_publishes)
    if (p.literal) events[p.event].first.insert("shared");
  out << "  events\n";
  for (const auto& [ev, who] : events) {
    out << "    event \"" << ev << "\" published by [";
    size_t i = 0;
    for (const std::string& s : who.first) out << (i++ ? ", " : "") << s;
    out << "] subscribed by [";
    i = 0;
    for (const std::string& s : who.second) out << (i++ ? ", " : "") << s;
    out << "]\n";
  }
}

// What the checker inferred for local bindings (`x = e`, `for x in`, patterns, `catch err`) and
// lambda parameters, in source order: a user sees the types field reads and calls are checked
// against.
void dumpInferred(const CheckedProgram& m, const SourceFile& f, std::ostream& out) {
  std::set<const ast::Node*> lambda_params;
  for (const auto& [node, ty] : m.expr_types)
    if (auto* l = llvm::dyn_cast<ast::LambdaExpr>(node))
      for (const ast::Param* p : l->params) lambda_params.insert(p);
  std::vector<const Symbol*> shown;
  for (const Symbol& s : m.symbols) {
    bool local = s.kind == SymbolKind::Local || s.kind == SymbolKind::PatternBinding;
    if (local || (s.kind == SymbolKind::Param && lambda_params.count(s.decl))) shown.push_back(&s);
  }
  if (shown.empty()) return;
  std::stable_sort(shown.begin(), shown.end(), [](const Symbol* a, const Symbol* b) { return a->range.begin < b->range.begin; });
  out << "  inferred\n";
  for (const Symbol* s : shown) {
    const char* what = s->kind == SymbolKind::Param ? "lambda param" : "local";
    out << "    " << what << " " << s->name.str() << ": " << typeName(s->type) << " " << pos(f, s->range) << "\n";
  }
}

}  // namespace

void dumpModel(const CheckedProgram& m, const SourceFile& f, std::ostream& out) {
  out << "program\n";
  dumpShared(m, f, out);
  for (size_t si = 0; si < m.servers.size(); ++si) {
    const ServerModel& s = m.servers[si];
    out << "  server " << (s.name.empty() ? std::string("(unnamed)") : "\"" + s.name + "\"") << " " << pos(f, s.decl->range()) << "\n";
    dumpServerSettings(s, f, out);
    dumpServerItems(m, f, si, out);
  }
  dumpEvents(m, out);
  dumpInferred(m, f, out);
}

}  // namespace lux
