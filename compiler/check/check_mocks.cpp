// `mock_service("billing", { quote: fn(item, quantity) quantity * 100 })` in a test: the service
// must be one the test's server discovers (E5207, a string literal: E5208); when the peer is a
// server of this program each mocked function must be one of its plain `fn`s (E5209) and the
// mock a function (E5210) with the peer's parameter count (E5211), its unannotated parameters
// taking the peer's parameter types and annotated ones accepting them (E5212), its result checked
// against the peer's result type as a call's would be (E3001). A peer outside the program leaves
// the mocks typed by their own annotations.
// Entry point: Checker::checkMockFunctions (from checkBuiltinCall, before the arguments' types
// are final: the functions object is checked here and nowhere else).
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {

std::string serviceNames(const std::vector<const ServiceModel*>& services) {
  std::string out;
  for (const ServiceModel* s : services) out += (out.empty() ? "" : ", ") + fmt::format("\"{}\"", s->name);
  return out;
}

std::string parameterCount(size_t n) { return fmt::format("{} parameter{}", n, n == 1 ? "" : "s"); }

}  // namespace

const ServiceModel* Checker::mockedService(const ArgInfo& arg) {
  auto* lit = llvm::dyn_cast_or_null<ast::StringLit>(arg.expr);
  if (!lit) {
    diags_.report(DiagId::MockServiceNotLiteral, arg.range)
        .help("write the service's name as it appears in `discover`: `mock_service(\"billing\", { ... })`");
    return nullptr;
  }
  std::vector<const ServiceModel*> none;
  const std::vector<const ServiceModel*>& services = cur_server_ >= 0 ? model_.servers[cur_server_].services : none;
  for (const ServiceModel* s : services)
    if (s->name == lit->value) return s;
  std::string who = cur_server_ >= 0 ? model_.servers[cur_server_].displayName() : std::string("a test without a server");
  std::vector<std::string_view> names;
  for (const ServiceModel* s : services) names.push_back(s->name);
  auto d = diags_.report(DiagId::MockUnknownService, lit->range(), lit->value.str(), who);
  if (cur_server_ < 0)
    d.help("mock the services of a server in its tests: `test \"name\" with { server: \"...\" } { ... }`");
  else if (services.empty())
    d.help(fmt::format("{} discovers no service: add `discover \"{}\"` to it", who, lit->value.str()));
  else
    d.help(fmt::format("the services it discovers are: {}", serviceNames(services)));
  d.didYouMean(closestMatch(lit->value, names));
  return nullptr;
}

void Checker::checkMockFunctions(std::vector<ArgInfo>& args) {
  const ServiceModel* svc = args.empty() ? nullptr : mockedService(args[0]);
  if (args.size() < 2 || args[1].type) return;  // not an object literal: its type is checked as an argument's
  auto* obj = llvm::cast<ast::ObjectExpr>(args[1].expr);
  const int target = svc ? svc->target_server : -1;
  for (const ast::ObjectEntry* en : obj->entries) {
    if (en->form == ast::ObjectEntry::Form::Spread) {
      checkExpr(en->value);
      continue;
    }
    llvm::StringRef name = en->key.name;
    // The peer's function, when the peer is a server of this program.
    const FunctionModel* peer = nullptr;
    if (target >= 0) {
      Symbol* s = serverSymbol(target, name);
      if (s && s->kind == SymbolKind::Function && s->fn) {
        peer = s->fn;
      } else {
        const ServerModel& ts = model_.servers[target];
        std::vector<std::string_view> names;
        for (const FunctionModel* fn : ts.functions)
          if (fn->kind == SymbolKind::Function) names.push_back(std::string_view(fn->name));
        auto d = diags_.report(DiagId::MockUnknownFunction, en->key.range, svc->name, name.str(), svc->name, name.str());
        if (s)
          d.note(s->range, fmt::format("`{}` is {} of server `{}`; only a plain `fn` is called remotely", name.str(),
                                       symbolKindName(s->kind), svc->name));
        else
          d.note(ts.decl->name.range, fmt::format("`{}` is this program's server declared here", svc->name));
        d.didYouMean(closestMatch(name, names));
      }
    }
    const std::string qn = svc ? fmt::format("{}.{}", svc->name, name.str()) : name.str();
    auto arity = [&](size_t n, SourceRange at) {
      if (!peer || n == peer->params.size()) return true;
      diags_.report(DiagId::MockArity, at, svc->name, name.str(), parameterCount(n), qn, parameterCount(peer->params.size()))
          .note(peer->decl->name.range, fmt::format("`{}` is declared here, in server `{}`", name.str(), svc->name))
          .help("a mock is called with the arguments the real call passes: give it the same parameters");
      return false;
    };
    auto* lam = llvm::dyn_cast<ast::LambdaExpr>(en->value);
    if (!lam) {
      const Ty* t = checkExpr(en->value);
      if (t->kind == TyKind::Fn) arity(t->params.size(), en->value->range());
      else if (!t->isDynamic())
        diags_.report(DiagId::MockNotFunction, en->value->range(), svc ? svc->name : std::string("?"), name.str(),
                      fmt::format("a value of type `{}`", typeName(t)))
            .help(fmt::format("write a function: `{}: fn(...) result`", name.str()));
      continue;
    }
    const Ty* expected = nullptr;
    const bool same_arity = arity(lam->params.size(), lam->range());
    if (peer && same_arity) {
      std::vector<const Ty*> ptys;
      for (const ParamModel& p : peer->params) ptys.push_back(p.annotated ? p.type : types_.dynamic());
      expected = types_.fn(ptys, peer->result ? peer->result : types_.dynamic());
    }
    const Ty* ft = checkLambda(lam, expected);
    model_.expr_types[lam] = ft;
    if (!expected) continue;
    for (size_t i = 0; i < lam->params.size() && i < ft->params.size(); ++i) {
      const ParamModel& p = peer->params[i];
      if (!lam->params[i]->type || !p.annotated || isAssignable(p.type, ft->params[i])) continue;
      diags_.report(DiagId::MockParamType, lam->params[i]->range(), lam->params[i]->name.name.str(), svc->name,
                    name.str(), typeName(ft->params[i]), typeName(p.type))
          .note(p.range, fmt::format("parameter `{}` of `{}` is declared here", p.name.str(), qn))
          .help("leave the parameter unannotated: it takes the peer's parameter type");
    }
  }
  model_.expr_types[obj] = types_.get(TyKind::Object);
  args[1].type = types_.get(TyKind::Object);
}

}  // namespace lux
