// WebSocket endpoints: each hook of a `ws` block becomes a function (its connection parameter by
// reference: `ws.data` written in one hook is there in the next), and Register calls
// lux::RegisterWebSocket with the hooks, the literal options and the upgrade route's middleware
// (the enclosing groups' and its own modifiers). Entry points: Emitter::emitWsHooks, registerWs.
#include <fmt/format.h>

#include <algorithm>

#include "emit/emitter.h"

namespace lux::emit {

namespace {

// The C++ function of a hook: `Ws<n>_on_message`.
std::string hookFn(size_t n, llvm::StringRef hook) { return fmt::format("Ws{}_{}", n, hook.str()); }

}  // namespace

void Emitter::emitWsHooks(const ServerModel& sm) {
  size_t n = 0;
  for (const WsModel& w : sm.websockets) {
    ++n;
    for (const ast::WsHook* h : w.hooks) {
      std::vector<const ast::Param*> params(h->params.begin(), h->params.end());
      piece();
      lineDirective(h->range());
      line(fmt::format("// ws \"{}\" {}", w.path, h->name.name.str()));
      std::string sig = fmt::format("lux::Value {}(", hookFn(n, h->name.name));
      for (size_t i = 0; i < params.size(); ++i)
        sig += (i ? ", " : "") + std::string(i == 0 ? "lux::Value& " : "const lux::Value& ") + safeName(params[i]->name.name);
      sig += ")";
      headerLine(sig + ";");
      line(sig + " {");
      FnContext ctx;
      if (!params.empty()) ctx.by_reference.insert(symbolOf(params[0]));
      fn_ = &ctx;
      // A failed call returns from it; the connection takes it (lux::rt::TakeCallFailure, emit_rpc.cpp).
      if (hasCallSites(h->body)) ctx.call_exits.push_back(CallExit::Returning());
      w_.indent();
      emitFunctionBody(params, std::vector<ParamRole>(params.size(), ParamRole::Value), h->body, Target::ret());
      w_.dedent();
      fn_ = nullptr;
      line("}");
      line("");
    }
  }
}

void Emitter::registerWs(const ServerModel& sm) {
  size_t n = 0;
  for (const WsModel& w : sm.websockets) {
    ++n;
    lineDirective(w.decl->range());
    line("{");
    w_.indent();
    line("lux::WsHooks hooks;");
    for (const ast::WsHook* h : w.hooks) {
      llvm::StringRef name = h->name.name;
      size_t k = h->params.size();
      std::string fn = hookFn(n, name);
      if (name == "on_open") {
        line(fmt::format("hooks.on_open = [](lux::Value& ws) {{ (void){}({}); }};", fn, k ? "ws" : ""));
      } else if (name == "on_message") {
        const char* args[] = {"", "ws", "ws, message", "ws, message, lux::Value(binary)"};
        line(fmt::format("hooks.on_message = [](lux::Value& ws, const lux::Value& message, bool binary) {{ (void)message, "
                         "(void)binary; (void){}({}); }};", fn, args[std::min<size_t>(k, 3)]));
      } else if (name == "on_close") {
        const char* args[] = {"", "ws", "ws, lux::Value(code)", "ws, lux::Value(code), lux::Value(reason)"};
        line(fmt::format("hooks.on_close = [](lux::Value& ws, std::int64_t code, const std::string& reason) {{ (void)code, "
                         "(void)reason; (void){}({}); }};", fn, args[std::min<size_t>(k, 3)]));
      } else if (name == "on_error") {
        const char* args[] = {"", "ws", "ws, lux::Value(error)"};
        line(fmt::format("hooks.on_error = [](lux::Value& ws, const std::string& error) {{ (void)error; (void){}({}); }};",
                         fn, args[std::min<size_t>(k, 2)]));
      }
    }
    std::string options;
    auto add = [&](const char* key, const std::string& value) {
      options += (options.empty() ? "" : ", ") + fmt::format("{{\"{}\", {}}}", key, value);
    };
    if (w.max_message >= 0) add("max_message", fmt::format("INT64_C({})", w.max_message));
    if (w.ping_interval_ms >= 0) add("ping_interval", fmt::format("INT64_C({})", w.ping_interval_ms));
    if (w.idle_timeout_ms >= 0) add("idle_timeout", fmt::format("INT64_C({})", w.idle_timeout_ms));
    if (w.max_queue >= 0) add("max_queue", fmt::format("INT64_C({})", w.max_queue));
    if (!w.protocols.empty()) {
      std::string list;
      for (const std::string& p : w.protocols) list += (list.empty() ? "" : ", ") + fmt::format("lux::Value({})", cppString(p));
      add("protocols", "lux::Value(lux::Array{" + list + "})");
    }
    RouteModel as_route;  // the upgrade route's middleware is a route's: its groups', then its own
    as_route.group = w.group;
    as_route.modifiers = w.modifiers;
    std::vector<std::string> chain = routeMiddleware(sm, as_route);
    std::string list;
    for (size_t k = 0; k < chain.size(); ++k) list += (k ? ", " : "") + chain[k];
    line(fmt::format("lux::RegisterWebSocket(app, {}, std::move(hooks), {}, {{{}}});", cppString(w.path),
                     options.empty() ? "lux::Value()" : "lux::Value{" + options + "}", list));
    w_.dedent();
    line("}");
  }
}

}  // namespace lux::emit
