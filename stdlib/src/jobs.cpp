// `spawn_job`, `spawn_job_in`, `spawn_job_with`, `publish` and event payload checks, and the conversion of `with { ... }` option
// values into lux::JobOptions / lux::ScheduleOptions at registration. Literal options were
// checked by the compiler; values computed at run time (env settings) are checked here and a
// bad one stops start-up with a StartupError naming the option.
#include <string>

#include "lux/stdlib.h"

namespace lux::stdlib {

namespace {

std::int64_t OptionMs(const Value& v, const char* what, const char* key) {
  if (v.IsInt() && v.AsInt() >= 0) return v.AsInt();
  if (v.IsFloat() && v.AsFloat() >= 0) return static_cast<std::int64_t>(v.AsFloat());
  throw StartupError(std::string(what) + " option `" + key + "` expects a duration, found " + Str(v));
}

std::int64_t OptionInt(const Value& v, const char* what, const char* key, std::int64_t min, std::int64_t max) {
  if (!v.IsInt() || v.AsInt() < min || v.AsInt() > max)
    throw StartupError(std::string(what) + " option `" + key + "` expects an Int from " + std::to_string(min) + " to " +
                       std::to_string(max) + ", found " + Str(v));
  return v.AsInt();
}

std::string OptionString(const Value& v, const char* what, const char* key) {
  if (!v.IsString()) throw StartupError(std::string(what) + " option `" + key + "` expects a String, found " + Str(v));
  return v.AsString();
}

}  // namespace

std::int64_t Millis(const Value& duration) { return OptionMs(duration, "`every`", "interval"); }

const Value& ArgAt(const Value& args, int index) {
  static const Value kNull;
  if (!args.IsArray() || index < 0 || static_cast<std::size_t>(index) >= args.AsArray().size()) return kNull;
  return args.AsArray()[static_cast<std::size_t>(index)];
}

int ArgCount(const Value& args) { return args.IsArray() ? static_cast<int>(args.AsArray().size()) : 0; }

void JobDone(const Value& result) {
  if (!IsErr(result)) return;
  throw Error("returned Err(" + Str(ErrValue(result)) + ")");
}

Value SpawnJob(std::string_view job, std::initializer_list<Value> args) {
  return Value(rt::SpawnJob(job, Value(Array(args))));
}

Value SpawnJobIn(const Value& delay, std::string_view job, std::initializer_list<Value> args) {
  SpawnOptions o;
  if (!delay.IsInt() && !delay.IsFloat()) throw Error("spawn_job_in: the delay must be a duration, found " + Str(delay));
  o.delay_ms = delay.IsInt() ? delay.AsInt() : static_cast<std::int64_t>(delay.AsFloat());
  if (*o.delay_ms < 0) o.delay_ms = 0;
  return Value(rt::SpawnJob(job, Value(Array(args)), o));
}

Value SpawnJobWith(const Value& options, std::string_view job, std::initializer_list<Value> args) {
  SpawnOptions o;
  if (const Value* d = options.Find("delay")) {
    if (!d->IsInt() && !d->IsFloat()) throw Error("spawn_job_with: `delay` must be a duration, found " + Str(*d));
    o.delay_ms = d->IsInt() ? d->AsInt() : static_cast<std::int64_t>(d->AsFloat());
  }
  if (const Value* p = options.Find("priority")) {
    if (!p->IsInt()) throw Error("spawn_job_with: `priority` must be an Int, found " + Str(*p));
    o.priority = static_cast<int>(p->AsInt());
  }
  return Value(rt::SpawnJob(job, Value(Array(args)), o));
}

Value Publish(const Value& event, const Value& data) {
  if (!event.IsString()) throw Error("publish: the event name must be a String, found " + Str(event));
  rt::Publish(event.AsString(), data);
  return Value();
}

const Value& EventPayloadKind(const Value& data, Kind kind, const char* event) {
  bool ok = kind == Kind::kAny || (kind == Kind::kInt && data.IsInt()) ||
            (kind == Kind::kFloat && (data.IsFloat() || data.IsInt())) || (kind == Kind::kBool && data.IsBool()) ||
            (kind == Kind::kString && data.IsString());
  if (!ok) {
    const char* want = kind == Kind::kInt ? "Int" : kind == Kind::kFloat ? "Float" : kind == Kind::kBool ? "Bool" : "String";
    throw PayloadRejected(std::string("event \"") + event + "\": expected " + want + ", found " + Str(data));
  }
  return data;
}

JobOptions JobOptionsFrom(const Value& options) {
  const char* what = "`background fn`";
  JobOptions o;
  if (const Value* v = options.Find("attempts")) o.attempts = static_cast<int>(OptionInt(*v, what, "attempts", 1, kMaxJobAttempts));
  if (const Value* v = options.Find("retries"))
    o.attempts = static_cast<int>(OptionInt(*v, what, "retries", 0, kMaxJobAttempts - 1)) + 1;
  if (const Value* v = options.Find("backoff")) {
    std::string b = OptionString(*v, what, "backoff");
    if (b == "exponential") o.backoff = Backoff::kExponential;
    else if (b == "fixed") o.backoff = Backoff::kFixed;
    else throw StartupError("`background fn` option `backoff` must be \"exponential\" or \"fixed\", found \"" + b + "\"");
  }
  if (const Value* v = options.Find("backoff_delay")) o.backoff_ms = OptionMs(*v, what, "backoff_delay");
  if (const Value* v = options.Find("delay")) o.delay_ms = OptionMs(*v, what, "delay");
  if (const Value* v = options.Find("timeout")) o.timeout_ms = OptionMs(*v, what, "timeout");
  if (const Value* v = options.Find("priority"))
    o.priority = static_cast<int>(OptionInt(*v, what, "priority", -1'000'000, 1'000'000));
  return o;
}

namespace {

// The four settings both blocks share, into `adapter`, `url`, `prefix` and `visibility_ms`.
template <typename Config>
void ConfigureBackend(Config& c, const Value& config, const char* what) {
  if (const Value* v = config.Find("adapter")) {
    c.adapter = OptionString(*v, what, "adapter");
    if (c.adapter != "redis" && c.adapter != "sqlite")
      throw StartupError(std::string(what) + " option `adapter` must be \"redis\" or \"sqlite\", found \"" + c.adapter + "\"");
  }
  if (const Value* v = config.Find("url")) c.url = OptionString(*v, what, "url");
  if (const Value* v = config.Find("prefix")) c.prefix = OptionString(*v, what, "prefix");
  if (const Value* v = config.Find("visibility_timeout")) c.visibility_timeout_ms = OptionMs(*v, what, "visibility_timeout");
}

}  // namespace

void ConfigureJobs(App& app, const Value& config) { ConfigureBackend(Jobs(app), config, "`jobs`"); }

void ConfigureBus(App& app, const Value& config) { ConfigureBackend(Events(app), config, "`bus`"); }

ScheduleOptions ScheduleOptionsFrom(const Value& options) {
  const char* what = "`schedule`";
  ScheduleOptions o;
  if (const Value* v = options.Find("tz")) o.tz = OptionString(*v, what, "tz");
  if (const Value* v = options.Find("timezone")) o.tz = OptionString(*v, what, "timezone");
  if (const Value* v = options.Find("overlap")) {
    std::string s = OptionString(*v, what, "overlap");
    if (s == "skip") o.overlap = Overlap::kSkip;
    else if (s == "allow") o.overlap = Overlap::kAllow;
    else throw StartupError("`schedule` option `overlap` must be \"skip\" or \"allow\", found \"" + s + "\"");
  }
  if (const Value* v = options.Find("missed")) {
    std::string s = OptionString(*v, what, "missed");
    if (s == "skip") o.missed = Missed::kSkip;
    else if (s == "run_once") o.missed = Missed::kRunOnce;
    else throw StartupError("`schedule` option `missed` must be \"skip\" or \"run_once\", found \"" + s + "\"");
  }
  if (const Value* v = options.Find("run_on_start")) {
    if (!v->IsBool()) throw StartupError("`schedule` option `run_on_start` expects a Bool, found " + Str(*v));
    o.run_on_start = v->AsBool();
  }
  return o;
}

}  // namespace lux::stdlib
