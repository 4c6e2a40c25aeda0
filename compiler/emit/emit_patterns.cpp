// List patterns `let [a, _, ...rest] = e`: the value is taken once into a temporary, each name
// gets its element (IndexRef raises when the list is shorter than the pattern: a name is never
// bound to a missing element) and `...rest` the elements after them (Drop). A `_` is skipped.
// On a value the client sent, a list too short (or no list) is the client's error: 400 naming
// the place, through FromRequest.
#include <fmt/format.h>

#include "emit/emitter.h"

namespace lux::emit {

void Emitter::destructureList(const ast::DestructureStmt* ds) {
  std::string t = temp("t");
  line(fmt::format("lux::Value {} = {};", t, expr(ds->init)));
  bool client = typeOf(ds->init)->client;
  for (size_t i = 0; i < ds->fields.size(); ++i) {
    const ast::DestructureField* f = ds->fields[i];
    if (f->binding.name == "_") continue;
    auto take = [&](const std::string& v) {
      return f->rest ? fmt::format("lux::stdlib::Drop({}, lux::Value({}))", v, i)
                     : fmt::format("lux::stdlib::IndexRef({}, lux::Value({}))", v, i);
    };
    std::string value =
        client ? fmt::format("lux::stdlib::FromRequest(+[](const lux::Value& c) {{ lux::Value v = c; return {}; }}, {}, {})",
                             take("v"), t, cppString(placeText(ds->init)))
               : take(t);
    const Symbol* sym = symbolOf(f);
    if (prog_.destructure_assigns.count(f)) {
      assignSymbol(sym, value);
      continue;
    }
    std::string n = sym ? declare(sym, f->binding.name.str()) : unique(safeName(f->binding.name));
    if (sym && fn_->boxed.count(sym)) {
      line(fmt::format("lux::stdlib::Box {} = lux::stdlib::MakeBox({});", n, value));
      continue;
    }
    line(fmt::format("{}lux::Value {} = {};", ds->keyword == ast::DestructureStmt::Keyword::Var ? "" : constFor(sym), n,
                     value));
  }
}

// `a = value` for a `var` a destructuring assigns: a server `var` under its lock.
void Emitter::assignSymbol(const Symbol* sym, const std::string& value) {
  if (isSharedVar(sym) && sym != lvalue_root_) {
    line(fmt::format("{}.Store({});", safeName(sym->name), value));
    return;
  }
  line(fmt::format("{} = {};", nameOf(sym), value));
}

}  // namespace lux::emit
