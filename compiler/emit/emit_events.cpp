// The event bus: each `subscribe` becomes a handler function registered with
// lux::RegisterSubscriber (its declared payload type checked when the event arrives: a payload
// that does not fit is rejected and logged, not retried), `publish(e, data)` becomes
// lux::stdlib::Publish, and every other server of the program that subscribes to an event this
// server may publish is registered with lux::RegisterPeer (default URL: 127.0.0.1 and the
// peer's declared port; its executable name names its consumer groups on Redis). A `bus { ... }`
// block becomes lux::stdlib::ConfigureBus. Entry points: Emitter::emitSubscriptions,
// emitEventRegistrations.
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <vector>

#include "emit/emitter.h"

namespace lux::emit {

void Emitter::emitSubscriptions(const ServerModel& sm) {
  int n = 0;
  for (const SubscribeModel& s : sm.subscriptions) {
    ++n;
    const ast::SubscribeDecl* d = s.decl;
    std::vector<const ast::Param*> params(d->params.begin(), d->params.end());
    piece();
    lineDirective(d->range());
    line(fmt::format("// subscribe \"{}\"", s.event));
    std::string sig = fmt::format("lux::Value Subscriber{}(", n);
    if (!params.empty()) sig += "const lux::Value& " + safeName(params[0]->name.name);
    headerLine(fmt::format("{});  // subscribe \"{}\"", sig, s.event));
    line(sig + ") {");
    FnContext ctx;
    fn_ = &ctx;
    // A failed call returns from it; the bus takes it (lux::rt::TakeCallFailure, emit_rpc.cpp).
    if (hasCallSites(d->body)) ctx.call_exits.push_back(CallExit::Returning());
    w_.indent();
    emitFunctionBody(params, std::vector<ParamRole>(params.size(), ParamRole::Value), d->body, Target::ret());
    w_.dedent();
    fn_ = nullptr;
    line("}");
    line("");
  }
}

bool Emitter::receivesFromPeers(size_t index) const {
  const ServerModel& sm = prog_.servers[index];
  auto subscribed = [&](const PublishSite& p) {
    if (!p.literal) return true;
    for (const SubscribeModel& s : sm.subscriptions)
      if (s.event == p.event) return true;
    return false;
  };
  for (size_t i = 0; i < prog_.servers.size(); ++i) {
    if (i == index) continue;
    for (const PublishSite& p : prog_.servers[i].publishes)
      if (subscribed(p)) return true;
    for (const PublishSite& p : prog_.shared_publishes)
      if (subscribed(p)) return true;
  }
  return false;
}

void Emitter::emitEventRegistrations(const ServerModel& sm, size_t index) {
  if (sm.bus_backend && sm.bus_backend->decl->config) {  // `bus { adapter: "redis", ... }`
    lineDirective(sm.bus_backend->decl->range());
    FnContext ctx;
    fn_ = &ctx;
    line(fmt::format("lux::stdlib::ConfigureBus(app, {});", expr(sm.bus_backend->decl->config)));
    fn_ = nullptr;
  }
  int n = 0;
  for (const SubscribeModel& s : sm.subscriptions) {
    ++n;
    lineDirective(s.decl->range());
    std::string arg;
    if (!s.decl->params.empty()) {
      const Ty* t = s.payload;
      std::string event = cppString(s.event);
      if (t && t->kind == TyKind::Record && t->record)
        arg = fmt::format("lux::stdlib::EventPayload<{}>(data, {})", safeName(t->record->name), event);
      else if (t && !t->isDynamic() && t->isScalar())
        arg = fmt::format("lux::stdlib::EventPayloadKind(data, {}, {})", scalarKind(t), event);
      else
        arg = "data";
    }
    // `+[]`: the handler as a function pointer, so that every handler shares one std::function
    // instance (precompiled in `luxc dev`'s PCH, compiler/driver/dev_prelude.h) instead of one per lambda.
    line(fmt::format("lux::RegisterSubscriber(app, {}, +[](const lux::Value& {}) {{ lux::stdlib::JobDone(Subscriber{}({})); }}{});",
                     cppString(s.event), arg.empty() ? "/*data*/" : "data", n, arg,
                     s.broadcast ? ", lux::SubscribeOptions{/*broadcast=*/true}" : ""));
  }
  // A server whose subscriptions only hear its own publishes takes no events over HTTP (and so
  // needs no program secret): no other server, nor shared code run by one, publishes an event it
  // subscribes to.
  if (!sm.subscriptions.empty() && !receivesFromPeers(index)) line("lux::Events(app).from_peers = false;");
  // What this server may publish: literal event names, or anything when a name is computed or
  // shared code (callable from every server) publishes.
  std::set<std::string> published;
  bool any = false;
  for (const PublishSite& p : sm.publishes) {
    if (p.literal) published.insert(p.event);
    else any = true;
  }
  for (const PublishSite& p : prog_.shared_publishes) {
    if (p.literal) published.insert(p.event);
    else any = true;
  }
  for (size_t i = 0; i < prog_.servers.size(); ++i) {
    if (i == index) continue;
    const ServerModel& peer = prog_.servers[i];
    // One entry per `subscribe`, sorted by event and in declaration order within one (an event
    // subscribed twice is listed twice: on Redis each subscription has its own consumer group,
    // named by its rank among the peer's subscriptions of that event).
    std::vector<const SubscribeModel*> events;
    for (const SubscribeModel& s : peer.subscriptions)
      if (any || published.count(s.event)) events.push_back(&s);
    if (events.empty()) continue;
    std::stable_sort(events.begin(), events.end(),
                     [](const SubscribeModel* a, const SubscribeModel* b) { return a->event < b->event; });
    std::string list, broadcast;
    bool any_broadcast = false;
    for (const SubscribeModel* e : events) {
      list += (list.empty() ? "" : ", ") + cppString(e->event);
      broadcast += std::string(broadcast.empty() ? "" : ", ") + (e->broadcast ? "true" : "false");
      any_broadcast = any_broadcast || e->broadcast;
    }
    std::string app_name = peer.name.empty() ? opts_.stem : opts_.stem + "-" + peer.name;  // its executable
    std::string tail = any_broadcast ? fmt::format(", {{{}}}", broadcast) : "";  // which are `broadcast`
    line(fmt::format("lux::RegisterPeer(app, {}, {{{}}}, {}, {}{});", cppString(peer.name), list,
                     cppString("http://127.0.0.1:" + peer.default_port), cppString(app_name), tail));
  }
}

}  // namespace lux::emit
