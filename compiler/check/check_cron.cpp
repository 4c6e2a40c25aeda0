// Schedules: cron expressions validated by common/cron/, each error mapped to E4101 with
// the caret under the offending field inside the string literal, schedules that never fire
// (E4102), parameters (E4103), `every` intervals (E4104), duplicate names (E2104), and the
// family's interval strings (`schedule "30s" fn ...`, "5m", "1h30m": E2702 when malformed).
// Entry point: Checker::checkSchedule.
#include <fmt/format.h>

#include <cmath>
#include <iterator>

#include "check/checker.h"

namespace lux {

namespace {

// The longest interval a schedule string may give: a year. A longer one is almost always a
// mistake for a cron expression (`0 0 1 1 *` fires yearly), and a server rarely runs that long.
constexpr int64_t kMaxIntervalMs = 365LL * 24 * 3600 * 1000;

// A schedule string that starts with a digit and has no white space is an interval, never a
// cron expression (which has 5 or 6 fields separated by spaces, or is an `@macro`).
bool looksLikeInterval(llvm::StringRef text) {
  llvm::StringRef t = text.trim();
  return !t.empty() && t.front() >= '0' && t.front() <= '9' && t.find_first_of(" \t") == llvm::StringRef::npos;
}

struct IntervalParse {
  int64_t ms = 0;
  std::string error;  // empty when valid
  std::string help;
};

// `<number><unit>` parts in decreasing units, each unit once: `90s`, `5m`, `1h30m`, `1.5h`, `1d`,
// `2w`, `1500ms`. The total must be a whole number of seconds, above zero and at most a year.
IntervalParse parseInterval(llvm::StringRef text) {
  struct Unit {
    llvm::StringRef name;
    double ms;
  };
  static const Unit kUnits[] = {{"w", 604800000.0}, {"d", 86400000.0}, {"h", 3600000.0},
                                {"m", 60000.0},     {"s", 1000.0},     {"ms", 1.0}};
  IntervalParse r;
  const std::string help = "write a number and a unit (`30s`, `5m`, `1h`, `1d`, `2w`, combined as `1h30m`), or a cron expression";
  llvm::StringRef t = text.trim();
  double total = 0;
  size_t last_unit = 0;  // index past the previous part's unit: units must decrease
  while (!t.empty()) {
    size_t n = 0;
    while (n < t.size() && ((t[n] >= '0' && t[n] <= '9') || t[n] == '.')) ++n;
    llvm::StringRef num = t.take_front(n);
    t = t.drop_front(n);
    size_t u = 0;
    while (u < t.size() && ((t[u] >= 'a' && t[u] <= 'z') || (t[u] >= 'A' && t[u] <= 'Z'))) ++u;
    llvm::StringRef unit = t.take_front(u);
    t = t.drop_front(u);
    double value = 0;
    if (num.empty() || num.count('.') > 1 || num.front() == '.' || num.back() == '.' || num.getAsDouble(value)) {
      r.error = num.empty() ? fmt::format("expected a number before `{}`", (unit.empty() ? t.take_front(1) : unit).str())
                            : fmt::format("`{}` is not a number", num.str());
      r.help = help;
      return r;
    }
    if (unit.empty()) {
      r.error = fmt::format("`{}` has no unit", num.str());
      r.help = help;
      return r;
    }
    size_t idx = 0;
    while (idx < std::size(kUnits) && kUnits[idx].name != unit) ++idx;
    if (idx == std::size(kUnits)) {
      r.error = fmt::format("unknown unit `{}`", unit.str());
      r.help = "the units are `ms`, `s`, `m`, `h`, `d` and `w` (`30s`, `5m`, `1h30m`)";
      return r;
    }
    if (idx < last_unit) {
      r.error = fmt::format("unit `{}` comes after a smaller unit or twice", unit.str());
      r.help = "write the parts from the largest unit down, each once: `1h30m`, not `30m1h`";
      return r;
    }
    last_unit = idx + 1;
    total += value * kUnits[idx].ms;
  }
  if (total <= 0) {
    r.error = "the interval is zero";
    r.help = "a schedule needs an interval of at least `1s`";
    return r;
  }
  if (total > static_cast<double>(kMaxIntervalMs)) {
    r.error = "the interval is longer than a year";
    r.help = "use a cron expression for rare schedules, e.g. `0 0 1 1 *` (yearly)";
    return r;
  }
  double rounded = std::round(total / 1000.0) * 1000.0;
  if (std::fabs(total - rounded) > 1e-6 || rounded < 1000.0) {
    r.error = fmt::format("{} ms is not a whole number of seconds", total);
    r.help = "schedules tick in whole seconds: write e.g. `1s` or `2s`";
    return r;
  }
  r.ms = static_cast<int64_t>(rounded);
  return r;
}

}  // namespace

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
  m.every = sched->form == ast::ScheduleDecl::Form::Every;
  if (m.every) {
    const Ty* t = checkExpr(sched->interval);
    double ms = literalMillis(sched->interval);
    bool is_duration = t->kind == TyKind::Duration;
    if (!is_duration && !t->isDynamic()) {
      diags_.report(DiagId::ScheduleInterval, sched->interval->range(), "a value of type `" + typeName(t) + "`");
    } else if (llvm::isa<ast::DurationLit>(sched->interval) && ms <= 0) {
      diags_.report(DiagId::ScheduleInterval, sched->interval->range(), "a zero duration");
    }
    m.interval_ms = ms > 0 ? ms : 0;
  } else if (sched->cron && sched->form == ast::ScheduleDecl::Form::CronFn && looksLikeInterval(sched->cron->value)) {
    // The family's interval strings: the same schedule as `every <duration>`.
    m.every = true;
    m.interval_text = sched->cron->value.trim().str();
    IntervalParse parsed = parseInterval(sched->cron->value);
    if (!parsed.error.empty())
      diags_.report(DiagId::InvalidInterval, sched->cron->range(), m.interval_text, parsed.error).help(parsed.help);
    m.interval_ms = static_cast<double>(parsed.ms);
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
