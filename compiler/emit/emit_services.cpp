// Discovered services and RPC: each `discover` becomes a lux::RegisterService call in Register
// (URLs and breaker options from the checked model; a `discover "peer"` without a URL gets the
// peer server's declared port on 127.0.0.1 and `program_server`), and a server whose functions
// other servers of the program call exposes exactly those through lux::ExposeRpc
// (POST /_lux/rpc/<fn>). The calls themselves (`svc.fn(args)`) are written by emit_rpc.cpp.
// Entry point: Emitter::emitServiceRegistrations.
#include <fmt/format.h>

#include "emit/emitter.h"

namespace lux::emit {

void Emitter::emitServiceRegistrations(const ServerModel& sm) {
  for (const ServiceModel* svc : sm.services) {
    lineDirective(svc->decl->range());
    line("{");
    w_.indent();
    line("lux::ServiceOptions o;");
    if (!svc->url.empty()) line(fmt::format("o.urls = {{{}}};", cppString(svc->url)));
    if (!svc->default_url.empty()) {  // a server of this program at its declared port
      line(fmt::format("o.urls = {{{}}};", cppString(svc->default_url)));
      line("o.program_server = true;");
    }
    if (svc->timeout_ms > 0) line(fmt::format("o.timeout_ms = {};", static_cast<int64_t>(svc->timeout_ms)));
    line(fmt::format("o.failure_threshold = {};", svc->failure_threshold));
    if (svc->reset_timeout_ms > 0) line(fmt::format("o.reset_timeout_ms = {};", static_cast<int64_t>(svc->reset_timeout_ms)));
    line(fmt::format("o.half_open_requests = {};", svc->half_open_requests));
    if (!svc->health.empty()) line(fmt::format("o.health = {};", cppString(svc->health)));
    if (svc->health_interval_ms > 0)
      line(fmt::format("o.health_interval_ms = {};", static_cast<int64_t>(svc->health_interval_ms)));
    line(fmt::format("lux::RegisterService(app, {}, std::move(o));", cppString(svc->name)));
    w_.dedent();
    line("}");
  }
  for (const FunctionModel* fn : sm.rpc_functions) {
    lineDirective(fn->decl->range());
    // `+[]`: the handler as a function pointer, so that every handler shares one std::function
    // instance (precompiled in `luxc dev`'s PCH, compiler/driver/dev_prelude.h) instead of one per lambda.
    line(fmt::format("lux::ExposeRpc(app, {}, +[](const lux::Value& {}) -> lux::Value {{", cppString(fn->name),
                     fn->maxArgs() == 0 ? "/*args*/" : "args"));
    w_.indent();
    // A failed call the function kept is answered by ExposeRpc (lux::rt::AnswerFailedCall).
    emitCallFromArgs(fn, "return ", ";", /*typed=*/true, /*runner_takes_failure=*/true);
    w_.dedent();
    line("});");
  }
}

}  // namespace lux::emit
