// `upload { }` and readiness routes (`health "/ready" { ... }`): one lux::RegisterUpload call
// with the block's settings, one lux::ServeReadiness call per readiness route (component checks
// by name, program checks as lambdas calling the function). Entry point: Emitter::registerUpload.
#include <fmt/format.h>

#include "emit/emitter.h"

namespace lux::emit {

void Emitter::registerUpload(const ServerModel& sm) {
  if (sm.upload) {
    const UploadModel& u = *sm.upload;
    lineDirective(u.decl->range());
    line("{");
    line("  lux::UploadOptions o;");
    line(fmt::format("  o.max_size = {};", u.max_size));
    line(fmt::format("  o.max_files = {};", u.max_files));
    for (const std::string& t : u.allowed_types) line(fmt::format("  o.allowed_types.push_back({});", cppString(t)));
    if (!u.dir.empty()) line(fmt::format("  o.dir = {};", cppString(u.dir)));
    line("  lux::RegisterUpload(app, std::move(o));");
    line("}");
  }
  for (const ReadinessModel& r : sm.readiness) {
    lineDirective(r.decl->range());
    std::string items;
    for (const ReadinessCheckModel& c : r.checks) {
      if (c.fn)
        items += fmt::format("{{{}, \"\", [] {{ return lux::stdlib::Truthy(({})()); }}}}, ", cppString(c.name), fnName(c.fn));
      else
        items += fmt::format("{{{}, {}, {{}}}}, ", cppString(c.name), cppString(c.component));
    }
    if (!items.empty()) items.resize(items.size() - 2);
    line(fmt::format("lux::ServeReadiness(app, {}, {{{}}}, {});", cppString(r.path), items,
                     static_cast<int64_t>(r.timeout_ms)));
  }
}

}  // namespace lux::emit
