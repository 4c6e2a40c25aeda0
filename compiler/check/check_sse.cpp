// Server-sent events and streamed responses: `sse "/path" fn(send, close) { ... }` routes (a GET
// RouteDecl marked `sse`: the handler's shape, E5100/E5101, and the types of `send`/`close`),
// calls of `send` and `close` (arity, an event literal's keys and values: E5102-E5104), the
// methods of an `sse_channel` (E5105, E5106), `stream(fn(send, close) { ... })` (E5107) and
// the `sse { }` options block. Entry points: Checker::checkSseHandler, checkStreamFnCall,
// checkChannelCall, prepareStreamCall, declareSseOptions, checkSseOptions.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {

const std::vector<std::string_view> kEventKeys = {"type", "event", "data", "id", "retry"};
const std::vector<std::string_view> kChannelMethods = {"send", "count", "subscribe"};

bool isEventKey(llvm::StringRef k) {
  for (std::string_view e : kEventKeys)
    if (k == llvm::StringRef(e.data(), e.size())) return true;
  return false;
}

}  // namespace

void Checker::markSseUse() {
  if (cur_server_ >= 0) model_.servers[cur_server_].sse.used = true;
}

void Checker::checkSseHandler(RouteModel& rm, const ast::RouteDecl* route) {
  rm.sse = true;
  model_.servers[cur_server_].sse.used = true;
  auto* lam = llvm::dyn_cast_or_null<ast::LambdaExpr>(route->handler);
  if (!lam) {
    std::string what = "this expression";
    if (auto* n = llvm::dyn_cast_or_null<ast::NameExpr>(route->handler))
      what = fmt::format("the name `{}`", n->name.name.str());
    diags_.report(DiagId::SseHandlerNotLambda, route->handler->range(), rm.path, what)
        .help(fmt::format("write the handler in place: `sse \"{}\" fn(send, close) {{ send(\"hello\") }}`", rm.path));
    checkExpr(route->handler);
    return;
  }
  const size_t n = lam->params.size();
  if (n < 1 || n > 3) {
    diags_.report(DiagId::SseHandlerParams, lam->range(), n == 0 ? "no parameters" : fmt::format("{} parameters", n))
        .help("`send(event)` writes one event, `close()` ends the stream; `req` is the request");
    checkExpr(lam);
    return;
  }
  // (send), (send, close) or (req, send, close): by position, whatever their names.
  const size_t first = n == 3 ? 1 : 0;
  const Ty* send_ty = types_.fn({types_.dynamic()}, types_.get(TyKind::Bool));
  const Ty* close_ty = types_.fn({}, types_.get(TyKind::Unit));
  std::vector<const Ty*> expected;
  if (n == 3) expected.push_back(types_.dynamic());
  expected.push_back(send_ty);
  if (n >= 2) expected.push_back(close_ty);
  stream_params_[lam->params[first]] = StreamFn::SseSend;
  if (n >= 2) stream_params_[lam->params[first + 1]] = StreamFn::Close;
  checkExprExpecting(lam, types_.fn(expected, types_.dynamic()));
  rm.lambda = lam;
  for (size_t i = 0; i < n; ++i) {
    RouteParamBinding b;
    b.name = lam->params[i]->name.name;
    b.type = i == 0 && n == 3 ? types_.dynamic() : expected[i];
    b.source = i == 0 && n == 3 ? ParamSource::Request : ParamSource::Stream;
    rm.bindings.push_back(b);
  }
}

void Checker::prepareStreamCall(const ast::CallExpr* call) {
  markSseUse();
  auto* lam = call->args.size() == 1 ? llvm::dyn_cast<ast::LambdaExpr>(call->args[0]) : nullptr;
  if (!lam) return;  // not a function at all: the signature's E3001
  if (lam->params.size() > 2) {
    diags_.report(DiagId::SseStreamFn, lam->range(), fmt::format("a function of {} parameters", lam->params.size()))
        .help("the function takes `send` and, optionally, `close`");
    return;
  }
  if (!lam->params.empty()) stream_params_[lam->params[0]] = StreamFn::StreamSend;
  if (lam->params.size() == 2) stream_params_[lam->params[1]] = StreamFn::Close;
}

void Checker::checkStreamFnCall(const ast::CallExpr* call, bool piped, const Symbol* sym, StreamFn fn,
                                const std::vector<ArgInfo>& args) {
  const std::string name = sym->name.str();
  if (fn == StreamFn::Close) {
    if (!args.empty())
      reportCallArity(call, piped, args.size(), name, "0", sym->range, fmt::format("`{}` ends the stream", name));
    return;
  }
  if (args.size() != 1) {
    reportCallArity(call, piped, args.size(), name, "1", sym->range,
                    fn == StreamFn::SseSend ? fmt::format("`{}` sends one event: `{}({{ type: \"tick\", data: x }})` or `{}(data)`", name, name, name)
                                            : fmt::format("`{}` sends one piece of the body", name));
    return;
  }
  if (fn == StreamFn::SseSend) checkSseEventLiteral(args[0].expr, name);
}

// An object literal with `data`, or with an event key (type, event, id, retry), is an event:
// its keys and the literal values of `retry`, `type` and `id` are checked. Any other value is the
// data of an unnamed event.
void Checker::checkSseEventLiteral(const ast::Expr* arg, const std::string& sender) {
  auto* obj = llvm::dyn_cast_or_null<ast::ObjectExpr>(arg);
  if (!obj) return;
  bool has_data = false, eventish = false;
  for (const ast::ObjectEntry* en : obj->entries) {
    if (en->form == ast::ObjectEntry::Form::Spread) return;  // its keys are unknown here
    has_data |= en->key.name == "data";
    eventish |= isEventKey(en->key.name) && en->key.name != "data";
  }
  if (!has_data && !eventish) return;
  if (!has_data) {
    auto d = diags_.report(DiagId::SseEventNoData, obj->range(), sender);
    for (const ast::ObjectEntry* en : obj->entries)
      if (!isEventKey(en->key.name) && closestMatch(en->key.name.str(), {"data"}) == "data")
        d.note(en->key.range, fmt::format("did you mean `data` instead of `{}`?", en->key.name.str()));
    d.help("an event is `{ type?, data, id?, retry? }`; to send an object as the data, write `{ data: obj }`");
    return;
  }
  for (const ast::ObjectEntry* en : obj->entries) {
    llvm::StringRef k = en->key.name;
    if (!isEventKey(k)) {
      diags_.report(DiagId::SseEventKey, en->key.range, k.str(), sender)
          .didYouMean(closestMatch(k.str(), kEventKeys))
          .help("an event has `type` (or `event`), `data`, `id` and `retry`");
      continue;
    }
    const Ty* t = model_.expr_types.lookup(en->value);
    if (!t || t->isDynamic()) continue;
    std::string got = typeName(t);
    if (k == "retry") {
      if (t->kind != TyKind::Int)
        diags_.report(DiagId::SseEventValue, en->value->range(), "retry", "an `Int` (milliseconds)", got);
      else if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(en->value); u && u->op == ast::UnaryOp::Neg)
        diags_.report(DiagId::SseEventValue, en->value->range(), "retry", "an `Int` of 0 or more (milliseconds)",
                      std::string(file_.slice(en->value->range())));
    } else if ((k == "type" || k == "event") && t->kind != TyKind::String) {
      diags_.report(DiagId::SseEventValue, en->value->range(), k.str(), "a `String` (the event's name)", got);
    } else if (k == "id" && t->kind != TyKind::String && t->kind != TyKind::Int) {
      diags_.report(DiagId::SseEventValue, en->value->range(), "id", "a `String` or an `Int`", got);
    }
  }
}

void Checker::checkChannelCall(const ast::CallExpr* call, const ast::MemberExpr* callee, bool piped,
                               const std::vector<ArgInfo>& args) {
  const Ty* recv = model_.expr_types.lookup(callee->base);
  if (!recv || !recv->sse_channel) return;
  std::string base(file_.slice(callee->base->range()));
  llvm::StringRef m = callee->member.name;
  std::string shown = fmt::format("{}.{}", base, m.str());
  if (m == "count") {
    if (!args.empty()) reportCallArity(call, piped, args.size(), shown, "0");
  } else if (m == "send") {
    if (args.size() != 1) reportCallArity(call, piped, args.size(), shown, "1");
    else checkSseEventLiteral(args[0].expr, shown);
  } else if (m == "subscribe") {
    if (args.size() != 1) {
      reportCallArity(call, piped, args.size(), shown, "1");
      return;
    }
    const Symbol* s = nullptr;
    if (auto* n = llvm::dyn_cast<ast::NameExpr>(args[0].expr)) s = model_.resolved.lookup(n);
    auto it = s ? stream_params_.find(s->decl) : stream_params_.end();
    if (it == stream_params_.end() || it->second != StreamFn::SseSend)
      diags_.report(DiagId::SseSubscribeArg, args[0].range, base, "`" + std::string(file_.slice(args[0].range)) + "`")
          .help(fmt::format("inside `sse \"/path\" fn(send, close) {{ ... }}` write `{}.subscribe(send)`", base));
  } else {
    diags_.report(DiagId::SseChannelMethod, callee->member.range, m.str())
        .didYouMean(closestMatch(m.str(), kChannelMethods))
        .help("a channel has `send(event)`, `count()` and `subscribe(send)`");
  }
}

void Checker::declareSseOptions(ServerModel& sm, const ast::BackendDecl* d) {
  const bool realtime = d->which == ast::BackendDecl::Kind::Realtime;
  const ast::BackendDecl*& slot = realtime ? sm.sse.realtime : sm.sse.decl;
  const char* name = realtime ? "realtime" : "sse";
  if (slot) {
    diags_.report(DiagId::DuplicateDeclaration, d->name.range, name, sm.displayName())
        .note(slot->name.range, fmt::format("the first `{}` block is here", name));
    return;
  }
  slot = d;
}

// `realtime { adapter: "local" | "redis", url }`: a literal adapter; redis needs a url (a String
// literal or an env setting).
void Checker::checkRealtimeBlock(ServerModel& sm, const ast::BackendDecl* d) {
  if (sm.sse.realtime != d || !d->config) return;
  static const OptionSpec kOptions[] = {
      {"adapter", "", OptionSpec::Kind::String},
      {"url", "", OptionSpec::Kind::String},
  };
  const std::string what = "`realtime`";
  auto opts = checkOptions(d->config, what, kOptions);
  sm.sse.used = true;
  sm.sse.adapter = "local";
  if (const ast::ObjectEntry* en = opts.lookup("adapter")) {
    auto* lit = llvm::dyn_cast<ast::StringLit>(en->value);
    if (lit && (lit->value == "local" || lit->value == "redis")) {
      sm.sse.adapter = lit->value.str();
    } else if (lit) {
      diags_.report(DiagId::OptionValue, en->value->range(), what, "adapter", "\"local\" or \"redis\"",
                    "\"" + lit->value.str() + "\"")
          .didYouMean(closestMatch(lit->value.str(), {"local", "redis"}));
    }
  }
  if (const ast::ObjectEntry* en = opts.lookup("url")) sm.sse.url = en->value;
  if (sm.sse.adapter == "redis" && !sm.sse.url)
    diags_.report(DiagId::BlockMissingOption, d->name.range, "realtime", "url")
        .help("add `url: \"redis://127.0.0.1:6379\"`, or an env setting holding it");
}

void Checker::checkSseOptions(ServerModel& sm, const ast::BackendDecl* d) {
  if (sm.sse.decl != d || !d->config) return;
  static const OptionSpec kOptions[] = {
      {"heartbeat", "", OptionSpec::Kind::Duration},
      {"retry", "", OptionSpec::Kind::Duration},
      {"max_queue", "", OptionSpec::Kind::SignedInt},  // 1 or more: checked below with the others
      {"max_queue_bytes", "", OptionSpec::Kind::SignedInt},
  };
  const std::string what = "`sse`";
  auto opts = checkOptions(d->config, what, kOptions);
  auto literal = [&](const char* key, const char* expected, bool seconds, double min) -> long long {
    const ast::ObjectEntry* en = opts.lookup(key);
    if (!en) return -1;
    if (llvm::isa<ast::FloatLit>(en->value)) return -1;  // checkOptions reported the kind (E4402)
    double v = -1;
    if (auto* dl = llvm::dyn_cast<ast::DurationLit>(en->value)) v = seconds ? dl->milliseconds() / 1000.0 : dl->milliseconds();
    else if (auto* i = llvm::dyn_cast<ast::IntLit>(en->value)) v = static_cast<double>(i->value);
    if (v < min || v != static_cast<double>(static_cast<long long>(v))) {
      diags_.report(DiagId::OptionValue, en->value->range(), what, key, expected,
                    "`" + std::string(file_.slice(en->value->range())) + "`")
          .help("event stream settings are fixed when the program is built");
      return -1;
    }
    return static_cast<long long>(v);
  };
  if (long long v = literal("heartbeat", "a whole number of seconds, 1 or more (`15` or `15.seconds`)", true, 1); v > 0)
    sm.sse.heartbeat_s = v;
  if (long long v = literal("retry", "milliseconds, 0 or more (`3000` or `3.seconds`)", false, 0); v >= 0) sm.sse.retry_ms = v;
  if (long long v = literal("max_queue", "a count of events, 1 or more", false, 1); v > 0) sm.sse.max_queue = v;
  if (long long v = literal("max_queue_bytes", "a size in bytes, 1 or more", false, 1); v > 0) sm.sse.max_queue_bytes = v;
}

}  // namespace lux
