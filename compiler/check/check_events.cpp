// The event bus: `subscribe "event" fn(payload: T) { }` handlers, `publish("event", value)` sites,
// and the program-wide checks: an event published and never subscribed (W0002), a subscription
// to an event never published (W0003), a payload that does not fit the subscriber's type
// (E3001). Events cross servers of the same program (seed 002: api publishes, collector
// subscribes). Entry points: Checker::checkSubscribe, notePublish, checkEvents.
#include <fmt/format.h>

#include <map>

#include "check/checker.h"

namespace lux {

void Checker::checkSubscribe(ServerModel& sm, const ast::SubscribeDecl* sub) {
  SubscribeModel m;
  m.decl = sub;
  m.event = sub->event ? sub->event->value.str() : std::string();
  m.server = cur_server_;
  if (sub->options) {
    static const OptionSpec kSubscribeOptions[] = {{"broadcast", "", OptionSpec::Kind::Bool}};
    uint32_t errors_before = diags_.errorCount();
    auto opts = checkOptions(sub->options, "`subscribe`", kSubscribeOptions);
    bool typed_ok = diags_.errorCount() == errors_before;
    if (const ast::ObjectEntry* en = opts.lookup("broadcast")) {
      // Peers must know it when they start (they keep events for the server's replicas or not),
      // so it is fixed at compile time.
      if (auto* b = llvm::dyn_cast<ast::BoolLit>(en->value)) m.broadcast = b->value;
      else if (typed_ok)
        diags_.report(DiagId::OptionType, en->value->range(), "`subscribe`", "broadcast", "a literal `true` or `false`",
                         "an expression");
    }
  }
  std::vector<ParamModel> params = makeParams(sub->params, "this `subscribe` handler");
  checkHandlerParamCount(sub->event ? sub->event->range() : sub->range(), "a `subscribe` handler", params.size(), 0, 1);
  m.payload = params.empty() ? types_.dynamic() : params[0].type;
  pushScope(Scope::Kind::Function);
  for (size_t i = 0; i < params.size(); ++i)
    declareLocal(sub->params[i]->name, SymbolKind::Param, params[i].type, sub->params[i], false, false);
  const Ty* saved = cur_return_;
  cur_return_ = nullptr;
  cur_fn_name_ = "this `subscribe` handler";
  checkBlock(sub->body);
  cur_return_ = saved;
  popScope();
  sm.subscriptions.push_back(std::move(m));
}

void Checker::notePublish(const ast::CallExpr* call, const std::vector<ArgInfo>& args) {
  PublishSite site;
  site.call = call;
  site.server = cur_server_;
  if (!args.empty()) {
    if (auto* s = llvm::dyn_cast_or_null<ast::StringLit>(args[0].expr)) {
      site.event = s->value.str();
      site.literal = true;
    }
  }
  site.payload = args.size() > 1 ? args[1].type : types_.get(TyKind::Unit);
  if (cur_server_ >= 0) model_.servers[cur_server_].publishes.push_back(site);
  else model_.shared_publishes.push_back(site);
}

void Checker::checkEvents() {
  std::map<std::string, std::vector<const SubscribeModel*>> subs;
  for (const ServerModel& sm : model_.servers)
    for (const SubscribeModel& s : sm.subscriptions) subs[s.event].push_back(&s);
  std::vector<const PublishSite*> pubs;
  for (const ServerModel& sm : model_.servers)
    for (const PublishSite& p : sm.publishes) pubs.push_back(&p);
  for (const PublishSite& p : model_.shared_publishes) pubs.push_back(&p);

  bool any_dynamic = false;
  std::map<std::string, bool> published;
  for (const PublishSite* p : pubs) {
    if (!p->literal) {
      any_dynamic = true;
      continue;
    }
    published[p->event] = true;
    const ast::Expr* name_arg = p->call->args.empty() ? p->call : p->call->args[0];
    auto it = subs.find(p->event);
    if (it == subs.end()) {
      std::vector<std::string_view> names;
      for (const auto& [ev, _] : subs) names.push_back(ev);
      diags_.report(DiagId::EventNeverSubscribed, name_arg->range(), p->event).didYouMean(closestMatch(p->event, names));
      continue;
    }
    for (const SubscribeModel* s : it->second) {
      if (p->call->args.size() < 2 || s->decl->params.empty()) continue;
      checkValueAgainst(p->call->args[1], p->payload, s->payload, fmt::format("the payload of event \"{}\"", p->event),
                        s->decl->params[0]->range(), "the subscriber's parameter is declared here");
    }
  }
  if (any_dynamic) return;  // an event name computed at run time may be any of them
  for (const auto& [ev, list] : subs) {
    if (published.count(ev)) continue;
    for (const SubscribeModel* s : list) {
      if (!s->decl->event) continue;
      std::vector<std::string_view> names;
      for (const auto& [pe, _] : published) names.push_back(pe);
      diags_.report(DiagId::EventNeverPublished, s->decl->event->range(), ev).didYouMean(closestMatch(ev, names));
    }
  }
}

}  // namespace lux
