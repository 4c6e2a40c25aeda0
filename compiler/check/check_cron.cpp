// Schedules: cron expressions validated by common/cron/, each error mapped to E4101 with
// the caret under the offending field inside the string literal, schedules that never fire
// (E4102), parameters (E4103), `every` intervals (E4104), duplicate names (E2104).
// Entry point: Checker::checkSchedule.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

void Checker::checkScheduleOptions(const ast::ScheduleDecl* sched) {
  if (!sched->options) return;
  static const OptionSpec kScheduleOptions[] = {
      {"tz", "", OptionSpec::Kind::String},           {"timezone", "tz", OptionSpec::Kind::String},
      {"overlap", "", OptionSpec::Kind::String},      {"run_on_start", "", OptionSpec::Kind::Bool},
      {"missed", "", OptionSpec::Kind::String},
  };
  auto opts = checkOptions(sched->options, "`schedule`", kScheduleOptions);
  static const llvm::StringRef kOverlap[] = {"skip", "allow"};
  static const llvm::StringRef kMissed[] = {"skip", "run_once"};
  checkOptionChoice(opts.lookup("overlap"), "`schedule`", kOverlap);
  checkOptionChoice(opts.lookup("missed"), "`schedule`", kMissed);
  if (const ast::ObjectEntry* tz = opts.lookup("tz")) {
    if (auto* lit = llvm::dyn_cast_or_null<ast::StringLit>(tz->value)) {
      if (!cron::loadZone(lit->value.str()))
        diags_.report(DiagId::ScheduleUnknownZone, lit->range(), lit->value.str(),
                      "not an IANA zone name (such as \"Europe/Berlin\"), \"UTC\" or an offset (\"+02:00\")")
            .help("zones are read from /usr/share/zoneinfo (Debian's tzdata) when the program is checked and when it starts");
    }
  }
}

void Checker::checkSchedule(ServerModel& sm, const ast::ScheduleDecl* sched) {
  ScheduleModel m;
  m.decl = sched;
  m.name = sched->name.name.str();
  if (!m.name.empty()) {
    for (const ScheduleModel& prev : sm.schedules) {
      if (prev.name == m.name) {
        diags_.report(DiagId::DuplicateDeclaration, sched->name.range, m.name, "the schedules of " + sm.displayName())
            .note(prev.decl->name.range, "the first schedule with this name is here");
        break;
      }
    }
  }
  if (!sched->params.empty()) {
    diags_.report(DiagId::ScheduleParams, sched->params.front()->range(), sched->params.size())
        .help("a schedule runs on its own; read what it needs from env settings, models or server bindings");
  }
  if (sched->form == ast::ScheduleDecl::Form::Every) {
    const Ty* t = checkExpr(sched->interval);
    double ms = literalMillis(sched->interval);
    bool is_duration = t->kind == TyKind::Duration;
    if (!is_duration && !t->isDynamic()) {
      diags_.report(DiagId::ScheduleInterval, sched->interval->range(), "a value of type `" + typeName(t) + "`");
    } else if (llvm::isa<ast::DurationLit>(sched->interval) && ms <= 0) {
      diags_.report(DiagId::ScheduleInterval, sched->interval->range(), "a zero duration");
    }
    m.interval_ms = ms > 0 ? ms : 0;
  } else if (sched->cron) {
    m.cron = sched->cron->value.str();
    cron::CronParseResult parsed = cron::parseCron(sched->cron->value);
    for (const cron::CronError& err : parsed.errors) {
      SourceRange at = rangeInString(file_, sched->cron, err.offset, err.length);
      if (err.kind == cron::CronErrorKind::NeverFires) {
        diags_.report(DiagId::CronNeverFires, at, err.message);
      } else {
        auto d = diags_.report(DiagId::CronInvalid, at, err.message);
        if (err.kind == cron::CronErrorKind::FieldCount)
          d.help("write 5 fields (minute hour day month weekday) or 6 (second first), or a macro such as `@hourly`");
      }
    }
    m.spec = parsed.spec;
  }
  checkScheduleOptions(sched);
  pushScope(Scope::Kind::Function);
  for (const ast::Param* p : sched->params) declareLocal(p->name, SymbolKind::Param, types_.dynamic(), p, false, false);
  const Ty* saved = cur_return_;
  cur_return_ = nullptr;
  cur_fn_name_ = m.name.empty() ? "this schedule" : m.name;
  checkBlock(sched->body);
  cur_return_ = saved;
  popScope();
  sm.schedules.push_back(std::move(m));
}

}  // namespace lux
