// hoverAt: what the name, member, string or type under the cursor means — a local's or field's
// type, a function's signature (also a peer server's, through `discover`), a built-in's
// signature and doc line, a record's fields, a cron string's next fire times.
#include <fmt/format.h>

#include "lsp/ast_walk.h"
#include "lsp/features.h"
#include "lsp/semantic.h"
#include "lux_common/cron.h"

namespace lux::lsp {
namespace {

std::string codeBlock(const std::string& code) { return "```lux\n" + code + "\n```"; }

std::string utcText(cron::TimePoint t) {
  auto days = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd{days};
  std::chrono::hh_mm_ss hms{t - days};
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

std::string localText(cron::TimePoint t, const cron::TimeZone& zone) {
  auto offset = zone.offsetAt(t);
  std::string text = utcText(t + offset);
  if (zone.name() == "UTC" || offset.count() == 0) return text + " UTC";
  long long minutes = offset.count() / 60;
  return fmt::format("{} {} ({}{:02}:{:02})", text, zone.name(), minutes < 0 ? '-' : '+', std::abs(minutes) / 60, std::abs(minutes) % 60);
}

// A schedule's cron string or interval: what it means and when it fires next.
std::optional<std::string> scheduleHover(const Analysis& a, const ast::ScheduleDecl* sched, std::chrono::sys_seconds now) {
  const ScheduleModel* m = nullptr;
  for (const ServerModel& s : a.model->servers)
    for (const ScheduleModel& sm : s.schedules)
      if (sm.decl == sched) m = &sm;
  if (!m) return std::nullopt;
  if (m->every || !m->interval_text.empty()) {
    double seconds = m->interval_ms / 1000.0;
    return fmt::format("{}\n\nruns every {} s, counted from the server's start", codeBlock("schedule every " + fmt::format("{}", seconds) + ".seconds"),
                       fmt::format("{}", seconds));
  }
  if (!m->spec) return std::nullopt;
  std::unique_ptr<cron::TimeZone> zone;
  if (sched->options)
    if (auto* tz = llvm::dyn_cast_or_null<ast::StringLit>(sched->options->find("tz") ? sched->options->find("tz") : sched->options->find("timezone")))
      zone = cron::loadZone(tz->value.str());
  const cron::TimeZone& z = zone ? *zone : cron::utcZone();
  std::string out = codeBlock(fmt::format("cron \"{}\"", m->spec->text)) + "\n\n" + cron::describeCron(*m->spec) + "\n\nnext:";
  cron::TimePoint t = now;
  for (int i = 0; i < 3; ++i) {
    auto next = cron::nextFireTime(*m->spec, t, z);
    if (!next) break;
    out += "\n- " + localText(*next, z);
    t = *next;
  }
  return out;
}

// `x.member`: a peer's function, a module's or model's built-in, a record field, an enum variant.
std::optional<std::string> memberHover(const Analysis& a, const ast::MemberExpr* m) {
  const Symbol* base = nullptr;
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(m->base)) {
    base = a.resolved(n);
    if ((!base || base->kind == SymbolKind::Module) && a.model->builtins.isModule(n->name.name))
      if (const Builtin* b = a.model->builtins.module(n->name.name, m->member.name)) {
        std::string doc(builtinDoc(*b));
        return codeBlock(builtinSignature(*b)) + (doc.empty() ? "" : "\n\n" + doc);
      }
  }
  if (base && base->kind == SymbolKind::Service) {
    if (const FunctionModel* fn = peerFunction(a, *base, m->member.name))
      return codeBlock(functionSignature(*fn)) + "\n\nin server `" + base->service->name + "`, called over RPC (POST /_lux/rpc/" + m->member.name.str() + ")";
  }
  if (base && base->kind == SymbolKind::Model) {
    if (const Builtin* b = a.model->builtins.modelMethod(m->member.name)) {
      std::string doc(builtinDoc(*b));
      return codeBlock(builtinSignature(*b)) + (doc.empty() ? "" : "\n\n" + doc);
    }
  }
  const Ty* bt = a.typeOf(m->base);
  if (bt && bt->kind == TyKind::Record && bt->record)
    if (const FieldInfo* f = bt->record->field(m->member.name))
      return codeBlock(fmt::format("{}.{}: {}", bt->record->name.str(), f->name.str(), typeName(f->type)));
  if (const Ty* t = a.typeOf(m)) return codeBlock(fmt::format("{}: {}", m->member.name.str(), typeName(t)));
  return std::nullopt;
}

// A string with a meaning: spawn_job's job, publish's or subscribe's event, a schedule's cron.
std::optional<std::string> stringHover(const Analysis& a, const ast::StringLit* s, const ast::Node* parent, std::chrono::sys_seconds now) {
  if (const Symbol* sym = a.resolved(s)) return describeSymbol(a, *sym);
  if (auto* sched = llvm::dyn_cast_or_null<ast::ScheduleDecl>(parent); sched && sched->cron == s) return scheduleHover(a, sched, now);
  std::string event;
  if (auto* sub = llvm::dyn_cast_or_null<ast::SubscribeDecl>(parent); sub && sub->event == s) event = s->value.str();
  for (const ServerModel& sm : a.model->servers)
    for (const PublishSite& p : sm.publishes)
      if (p.call && !p.call->args.empty() && p.call->args[0] == s) event = p.event;
  if (event.empty()) return std::nullopt;
  std::string subs;
  const Ty* payload = nullptr;
  for (const ServerModel& sm : a.model->servers)
    for (const SubscribeModel& sub : sm.subscriptions)
      if (sub.event == event) {
        subs += fmt::format("\n- {}", sm.displayName());
        payload = sub.payload;
      }
  return codeBlock(fmt::format("event \"{}\"{}", event, payload ? ": " + typeName(payload) : "")) +
         (subs.empty() ? "\n\nno subscriber in this program" : "\n\nsubscribers:" + subs);
}

}  // namespace

std::optional<Hover> hoverAt(const Analysis& a, uint32_t offset, std::chrono::sys_seconds now) {
  if (!a.program || !a.model) return std::nullopt;
  std::vector<const ast::Node*> path = pathAt(a.program, offset);
  const ast::Node* n = path.back();
  const ast::Node* parent = path.size() > 1 ? path[path.size() - 2] : nullptr;
  std::optional<std::string> text;
  SourceRange range = n->range();
  if (auto* name = llvm::dyn_cast<ast::NameExpr>(n)) {
    if (const Symbol* s = a.resolved(name)) text = describeSymbol(a, *s);
    else if (a.model->builtins.isModule(name->name.name)) text = codeBlock("module " + name->name.name.str());
  } else if (auto* m = llvm::dyn_cast<ast::MemberExpr>(n); m && contains(m->member.range, offset)) {
    text = memberHover(a, m);
    range = m->member.range;
  } else if (auto* s = llvm::dyn_cast<ast::StringLit>(n)) {
    text = stringHover(a, s, parent, now);
  } else if (auto* sched = llvm::dyn_cast<ast::ScheduleDecl>(n); sched && sched->interval && contains(sched->interval->range(), offset)) {
    text = scheduleHover(a, sched, now);
  }
  if (!text) {
    if (const Symbol* s = a.declarationAt(offset)) {
      text = describeSymbol(a, *s);
      range = s->range;
    }
  }
  if (!text) {
    int server = a.serverAt(offset);
    if (auto* nt = llvm::dyn_cast<ast::NamedType>(n); nt && contains(nt->name.range, offset)) {
      if (const RecordInfo* r = recordOfName(a, nt->name.name, server)) text = codeBlock(describeType(a.model->types.record(r)));
      else if (const EnumInfo* e = enumOfName(a, nt->name.name, server)) text = codeBlock(describeType(a.model->types.enumTy(e)));
      range = nt->name.range;
    } else if (auto* f = llvm::dyn_cast<ast::FieldDecl>(n); f && f->type && contains(f->name.range, offset)) {
      text = codeBlock(fmt::format("{}: {}", f->name.name.str(), std::string(a.file->slice(f->type->range()))));
      range = f->name.range;
    } else if (auto* en = llvm::dyn_cast<ast::ObjectEntry>(n); en && contains(en->key.range, offset)) {
      if (auto* rec = llvm::dyn_cast_or_null<ast::RecordExpr>(parent))
        if (const RecordInfo* r = recordOfName(a, rec->type_name.name, server))
          if (const FieldInfo* fi = r->field(en->key.name))
            text = codeBlock(fmt::format("{}.{}: {}", r->name.str(), fi->name.str(), typeName(fi->type)));
      range = en->key.range;
    } else if (auto* rec = llvm::dyn_cast<ast::RecordExpr>(n); rec && contains(rec->type_name.range, offset)) {
      if (const RecordInfo* r = recordOfName(a, rec->type_name.name, server)) text = codeBlock(describeType(a.model->types.record(r)));
      range = rec->type_name.range;
    } else if (const Ty* t = a.typeOf(n); t && llvm::isa<ast::Expr>(n) && !llvm::isa<ast::BlockExpr>(n)) {
      text = codeBlock(typeName(t));
    }
  }
  if (!text) return std::nullopt;
  return Hover{*text, range};
}

}  // namespace lux::lsp
