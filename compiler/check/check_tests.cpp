// `test "name" { ... }` blocks (luxc test): which server each test runs against (its own, the
// one its `server` option names, or the program's only one), its options, and its body, checked
// like a function body of that server with the test built-ins allowed (BuiltinForm::Test).
// Entry point: Checker::checkTests (after every server's bodies).
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {

std::string serverNames(const std::vector<ServerModel>& servers) {
  std::string names;
  for (const ServerModel& s : servers) names += (names.empty() ? "" : ", ") + fmt::format("\"{}\"", s.name);
  return names;
}

}  // namespace

void Checker::checkTests(llvm::ArrayRef<ast::Decl*> shared_items) {
  std::vector<std::pair<const ast::TestDecl*, int>> tests;
  for (size_t i = 0; i < model_.servers.size(); ++i)
    for (const ast::Decl* d : model_.servers[i].decl->items)
      if (auto* t = llvm::dyn_cast<ast::TestDecl>(d)) tests.emplace_back(t, static_cast<int>(i));
  for (const ast::Decl* d : shared_items)
    if (auto* t = llvm::dyn_cast<ast::TestDecl>(d)) tests.emplace_back(t, -1);
  std::stable_sort(tests.begin(), tests.end(),
                   [](const auto& a, const auto& b) { return a.first->range().begin < b.first->range().begin; });
  for (const auto& [decl, inside] : tests) checkTest(decl, inside);
  cur_server_ = -1;
  cur_ = &global_;
}

// The server a test runs against: its own (`inside`), the one named by `server`, the only one,
// or -1 when the program has none (a test of shared functions). Reports E5200, E5201, E5204.
int Checker::testServer(const ast::TestDecl* t, int inside, const ast::ObjectEntry* server_opt) {
  const std::string name = t->name->value.str();
  auto* named = server_opt ? llvm::dyn_cast<ast::StringLit>(server_opt->value) : nullptr;
  if (inside >= 0) {
    if (named && named->value != model_.servers[inside].name)
      diags_.report(DiagId::TestServerInsideServer, named->range(), name, model_.servers[inside].displayName())
          .help("move the test to the top level, or into the server it names");
    return inside;
  }
  if (named) {
    for (size_t i = 0; i < model_.servers.size(); ++i)
      if (model_.servers[i].name == named->value) return static_cast<int>(i);
    diags_.report(DiagId::TestUnknownServer, named->range(), name, named->value.str())
        .help(model_.servers.empty() ? std::string("the program declares no server: remove the `server` option")
                                     : "the servers are: " + serverNames(model_.servers));
    return -1;
  }
  if (model_.servers.size() > 1) {
    diags_.report(DiagId::TestNeedsServer, t->name->range(), name, model_.servers.size())
        .help(fmt::format("write `test \"{}\" with {{ server: \"{}\" }} {{ ... }}`, or move the test into its server block",
                          name, model_.servers[0].name));
    return -1;
  }
  return model_.servers.empty() ? -1 : 0;
}

void Checker::checkTest(const ast::TestDecl* t, int inside) {
  static const OptionSpec kTestOptions[] = {
      {"server", "", OptionSpec::Kind::String},
      {"timeout", "", OptionSpec::Kind::Duration},
  };
  TestModel tm;
  tm.decl = t;
  tm.name = t->name->value.str();
  llvm::StringMap<const ast::ObjectEntry*> opts;
  if (t->options) opts = checkOptions(t->options, "`test`", kTestOptions);
  const ast::ObjectEntry* server_opt = opts.lookup("server");
  tm.server = testServer(t, inside, server_opt);
  if (const ast::ObjectEntry* timeout = opts.lookup("timeout")) {
    double ms = literalMillis(timeout->value);
    const ast::Expr* v = timeout->value;
    bool wrong_kind = llvm::isa<ast::StringLit>(v) || llvm::isa<ast::InterpolatedString>(v) || llvm::isa<ast::BoolLit>(v) ||
                      llvm::isa<ast::ObjectExpr>(v) || llvm::isa<ast::ArrayExpr>(v);  // E4402 already
    if (wrong_kind) {
    } else if (ms <= 0)
      diags_.report(DiagId::TestBadTimeout, timeout->value->range(), std::string(file_.slice(timeout->value->range())))
          .help("write `timeout=5000` (milliseconds) or `with { timeout: 5.seconds }`");
    else
      tm.timeout_ms = static_cast<std::int64_t>(ms);
  }
  for (const TestModel& other : model_.tests) {
    if (other.server != tm.server || other.name != tm.name) continue;
    std::string where = tm.server >= 0 ? model_.servers[tm.server].displayName() : std::string("this program");
    diags_.report(DiagId::TestDuplicateName, t->name->range(), tm.name, where)
        .note(other.decl->name->range(), "the first test of that name is here")
        .help("give each test its own name: `--filter` and the report identify tests by name");
    break;
  }
  cur_server_ = tm.server;
  cur_ = tm.server >= 0 ? server_scopes_[tm.server].get() : &global_;
  pushScope(Scope::Kind::Function);
  const Ty* saved = cur_return_;
  cur_return_ = nullptr;
  cur_fn_name_ = "test \"" + tm.name + "\"";
  in_test_ = true;
  if (t->body) checkBlock(t->body);
  in_test_ = false;
  cur_return_ = saved;
  popScope();
  model_.tests.push_back(std::move(tm));
}

void Checker::checkTestCall(const Builtin* b, const std::vector<ArgInfo>& args) {
  if ((b->name != "assert_eq" && b->name != "assert_ne") || args.size() != 2) return;
  const Ty* a = args[0].type;
  const Ty* e = args[1].type;
  auto known = [](const Ty* t) { return t && !t->isDynamic() && t->kind != TyKind::Param; };
  if (!known(a) || !known(e) || isAssignable(a, e) || isAssignable(e, a)) return;
  // An Int and a Float compare by value (`assert_eq(avg, 2)`).
  auto number = [](const Ty* t) { return t->kind == TyKind::Int || t->kind == TyKind::Float; };
  if (number(a) && number(e)) return;
  diags_.report(DiagId::TestCompareTypes, args[1].range, b->name, typeName(a), typeName(e))
      .help("compare values of one type: convert one side (`to_string(x)`, `to_int(s)`)");
}

}  // namespace lux
