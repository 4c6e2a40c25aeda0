// Background jobs and schedules: a `background fn` is registered with lux::RegisterJob (its
// arguments arrive as the JSON array stored with the job), `spawn_job*` calls become
// lux::stdlib::SpawnJob*, and each `schedule` becomes a task function registered with
// lux::RegisterSchedule / RegisterEvery. Option objects are passed as values and converted by
// lux::stdlib::*OptionsFrom at registration (literal values were checked by the checker).
// A `jobs { ... }` block becomes lux::stdlib::ConfigureJobs (where the store lives). Entry points: Emitter::emitSchedules, emitJobRegistrations (`spawn_job` calls: Emitter::builtinCall).
#include <fmt/format.h>

#include "emit/emitter.h"

namespace lux::emit {

namespace {

// The stable name of a schedule: its fn name or "name"; unnamed cron schedules go by their
// expression, unnamed interval strings by the string ("30s"), other unnamed intervals by
// "every <ms>ms" (what `run-task` and the admin routes take).
std::string scheduleName(const ScheduleModel& s) {
  if (!s.name.empty()) return s.name;
  if (!s.every) return s.cron;
  if (!s.interval_text.empty()) return s.interval_text;
  return fmt::format("every {}ms", static_cast<int64_t>(s.interval_ms));
}

}  // namespace

void Emitter::emitSchedules(const ServerModel& sm) {
  int n = 0;
  for (const ScheduleModel& s : sm.schedules) {
    ++n;
    piece();
    lineDirective(s.decl->range());
    line(fmt::format("// schedule \"{}\"", scheduleName(s)));
    headerLine(fmt::format("lux::Value Schedule{}();  // schedule \"{}\"", n, scheduleName(s)));
    line(fmt::format("lux::Value Schedule{}() {{", n));
    FnContext ctx;
    fn_ = &ctx;
    // A failed call returns from it; the scheduler takes it (lux::rt::TakeCallFailure, emit_rpc.cpp).
    if (hasCallSites(s.decl->body)) ctx.call_exits.push_back(CallExit::Returning());
    w_.indent();
    emitFunctionBody({}, {}, s.decl->body, Target::ret());
    w_.dedent();
    fn_ = nullptr;
    line("}");
    line("");
  }
}

void Emitter::emitJobRegistrations(const ServerModel& sm) {
  if (sm.jobs_backend && sm.jobs_backend->decl->config) {  // `jobs { adapter: "redis", ... }`
    lineDirective(sm.jobs_backend->decl->range());
    FnContext ctx;
    fn_ = &ctx;
    line(fmt::format("lux::stdlib::ConfigureJobs(app, {});", expr(sm.jobs_backend->decl->config)));
    fn_ = nullptr;
  }
  for (const FunctionModel* fn : sm.functions) {
    if (fn->kind != SymbolKind::BackgroundFn || fn->name.empty()) continue;
    lineDirective(fn->decl->range());
    FnContext ctx;
    fn_ = &ctx;
    std::string opts = fn->job_options ? fmt::format("lux::stdlib::JobOptionsFrom({})", expr(fn->job_options))
                                       : std::string("lux::JobOptions{}");
    fn_ = nullptr;
    // `+[]`: the handler as a function pointer, so that every handler shares one std::function
    // instance (precompiled in `luxc dev`'s PCH, compiler/driver/dev_prelude.h) instead of one per lambda.
    line(fmt::format("lux::RegisterJob(app, {}, {}, +[](const lux::Value& {}) {{", cppString(fn->name), opts,
                     fn->maxArgs() == 0 ? "/*args*/" : "args"));
    w_.indent();
    // JobDone: a job that returns Err(e) failed (it is retried like one that threw); so does one
    // that returns a failed call (the runner takes it: lux::rt::TakeCallFailure).
    emitCallFromArgs(fn, "lux::stdlib::JobDone(", ");", /*typed=*/false, /*runner_takes_failure=*/true);
    w_.dedent();
    line("});");
  }
  int n = 0;
  for (const ScheduleModel& s : sm.schedules) {
    ++n;
    lineDirective(s.decl->range());
    FnContext ctx;
    fn_ = &ctx;
    std::string opts = s.decl->options ? fmt::format("lux::stdlib::ScheduleOptionsFrom({})", expr(s.decl->options))
                                       : std::string("lux::ScheduleOptions{}");
    std::string name = cppString(scheduleName(s));
    if (s.every) {
      std::string every = s.decl->interval ? "lux::stdlib::Millis(" + expr(s.decl->interval) + ")"
                                           : fmt::format("int64_t{{{}}}", static_cast<int64_t>(s.interval_ms));
      fn_ = nullptr;
      line(fmt::format("lux::RegisterEvery(app, {}, {}, {}, [] {{ Schedule{}(); }});", name, every, opts, n));
    } else {
      fn_ = nullptr;
      line(fmt::format("lux::RegisterSchedule(app, {}, {}, {}, [] {{ Schedule{}(); }});", name, cppString(s.cron), opts,
                       n));
    }
  }
}

void Emitter::emitCallFromArgs(const FunctionModel* fn, const std::string& before, const std::string& after, bool typed,
                               bool runner_takes_failure) {
  int min = fn->minArgs(), max = fn->maxArgs();
  auto arg = [&](int i) {
    const ParamModel* p = typed && static_cast<size_t>(i) < fn->params.size() ? &fn->params[i] : nullptr;
    const Ty* t = p && p->annotated ? p->type : nullptr;
    if (!t) return fmt::format("lux::stdlib::ArgAt(args, {})", i);
    std::string where = fmt::format("args, {}, {}, {}", i, cppString(fn->name), cppString(p->name));
    switch (t->kind) {
      case TyKind::Int:
      case TyKind::Duration: return fmt::format("lux::rt::RpcArg({}, \"Int\")", where);
      case TyKind::Float: return fmt::format("lux::rt::RpcArg({}, \"Float\")", where);
      case TyKind::Bool: return fmt::format("lux::rt::RpcArg({}, \"Bool\")", where);
      case TyKind::String: return fmt::format("lux::rt::RpcArg({}, \"String\")", where);
      case TyKind::Record:
        if (t->record)
          return fmt::format("lux::rt::RpcRecordArg<{}>({}, {})", safeName(t->record->name), where, cppString(t->record->name));
        break;
      default: break;
    }
    return fmt::format("lux::stdlib::ArgAt(args, {})", i);
  };
  auto callWith = [&](int count) {
    std::string s = "(" + fnName(fn) + ")(";  // no argument-dependent lookup
    for (int i = 0; i < count; ++i) s += (i ? ", " : "") + arg(i);
    s += ")";
    return before + (runner_takes_failure ? s : checkedCall(fn, s)) + after;
  };
  if (min == max) {
    line(callWith(max));
    return;
  }
  bool returns = before.rfind("return ", 0) == 0;
  line("switch (lux::stdlib::ArgCount(args)) {");
  for (int c = min; c < max; ++c) line(fmt::format("  case {}: {}{}", c, callWith(c), returns ? "" : " return;"));
  line(fmt::format("  default: {}", callWith(max)));
  line("}");
}

}  // namespace lux::emit
