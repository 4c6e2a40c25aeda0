// Statements, blocks and the value-producing constructs emitted as statements: `if`, `match`
// (an if/else chain over pattern tests; a guard reads the arm's bindings as projections of the
// subject), blocks, loops, try/catch, throw. Entry points: Emitter::block, stmt, exprInto.
#include <fmt/format.h>

#include <cctype>
#include <functional>
#include <string_view>

#include "emit/emitter.h"

namespace lux::emit {

void Emitter::finish(Target t, const std::string& value) {
  switch (t.kind) {
    case Target::Discard:
      if (!value.empty()) line(value + ";");
      break;
    case Target::Assign:
      if (t.var != value) line(t.var + " = " + value + ";");
      break;
    case Target::Return: line("return " + returned(value) + ";"); break;
  }
}

// `std::move(tN)` of a temporary (a lux::Value local of failingCall) returned is `tN`: the move
// would only stop copy elision.
std::string Emitter::returned(const std::string& value) {
  constexpr std::string_view kMove = "std::move(t";
  if (value.size() <= kMove.size() + 1 || value.compare(0, kMove.size(), kMove) != 0 || value.back() != ')')
    return value;
  std::string inner = value.substr(kMove.size() - 1, value.size() - kMove.size());
  for (std::size_t i = 1; i < inner.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(inner[i]))) return value;
  return inner;
}

void Emitter::block(const ast::BlockExpr* b, Target t) {
  if (!b || b->stmts.empty()) {
    if (t.kind == Target::Return) line("return lux::Value();");
    return;
  }
  for (size_t i = 0; i + 1 < b->stmts.size(); ++i) stmt(b->stmts[i]);
  const ast::Stmt* last = b->stmts.back();
  if (auto* es = llvm::dyn_cast<ast::ExprStmt>(last)) {
    lineDirective(last->range());
    declareHoisted(last);
    exprInto(es->expr, t);
    return;
  }
  if (auto* ts = llvm::dyn_cast<ast::TryStmt>(last); ts && t.kind != Target::Discard) {
    // A trailing `try` gives the block its value: the try body's, or the catch body's.
    lineDirective(last->range());
    declareHoisted(last);
    tryInto(ts, t);
    if (t.kind == Target::Return) line("return lux::Value();");
    return;
  }
  stmt(last);
  if (t.kind == Target::Return && !llvm::isa<ast::ReturnStmt>(last)) line("return lux::Value();");
}

void Emitter::exprInto(const ast::Expr* e, Target t) {
  if (auto* i = llvm::dyn_cast<ast::IfExpr>(e)) return ifInto(i, t);
  if (auto* m = llvm::dyn_cast<ast::MatchExpr>(e)) return matchInto(m, t);
  if (auto* b = llvm::dyn_cast<ast::BlockExpr>(e)) {
    line("{");
    w_.indent();
    block(b, t);
    w_.dedent();
    line("}");
    return;
  }
  if (t.kind == Target::Discard && fn_ && callExit() != CallExit::Kind::Raise && isCallSite(e)) {
    expr(e);  // a failing call as a statement: written before, its value unused
    return;
  }
  if (t.kind == Target::Discard) {
    // A bare name or literal as a statement has no effect.
    if (llvm::isa<ast::NameExpr>(e) || llvm::isa<ast::IntLit>(e) || llvm::isa<ast::StringLit>(e) ||
        llvm::isa<ast::BoolLit>(e) || llvm::isa<ast::FloatLit>(e))
      return;
  }
  if (t.kind == Target::Return && returnTaking(e)) return;
  finish(t, expr(e));
}

void Emitter::ifInto(const ast::IfExpr* e, Target t) {
  // Conditions after the first may need statements of their own: nest them in `else { }`.
  int opened = 0;
  for (size_t i = 0; i < e->branches.size(); ++i) {
    const ast::IfBranch* br = e->branches[i];
    std::string cond = this->cond(br->cond);
    line(fmt::format("if ({}) {{", cond));
    w_.indent();
    block(br->body, t);
    w_.dedent();
    if (i + 1 < e->branches.size() || e->else_body) {
      line("} else {");
      w_.indent();
      ++opened;
    } else {
      line("}");
    }
  }
  if (e->else_body) {
    block(e->else_body, t);
  } else if (t.kind == Target::Return) {
    // fallthrough: no branch taken
  }
  for (int i = 0; i < opened; ++i) {
    w_.dedent();
    line("}");
  }
  if (!e->else_body && t.kind == Target::Return) line("return lux::Value();");
}

void forEachChild(const ast::Node* n, const std::function<void(const ast::Node*)>& fn);

namespace {
bool usesSymbolIn(const CheckedProgram& prog, const ast::Node* n, const Symbol* sym) {
  if (llvm::isa<ast::NameExpr>(n)) {
    auto it = prog.resolved.find(n);
    if (it != prog.resolved.end() && it->second == sym) return true;
  }
  bool found = false;
  forEachChild(n, [&](const ast::Node* c) { found = found || usesSymbolIn(prog, c, sym); });
  return found;
}
}  // namespace

bool Emitter::usesSymbol(const ast::Node* n, const Symbol* sym) const { return n && usesSymbolIn(prog_, n, sym); }

void Emitter::findInplace(const ast::Node* n, std::set<const Symbol*>& out) const {
  const ast::Expr* callee = nullptr;
  const ast::Expr* first = nullptr;
  if (auto* c = llvm::dyn_cast<ast::CallExpr>(n)) {
    callee = c->callee;
    if (!c->args.empty()) first = c->args[0];
  } else if (auto* p = llvm::dyn_cast<ast::PipeExpr>(n)) {
    auto* c = llvm::dyn_cast<ast::CallExpr>(p->target);
    callee = c ? c->callee : p->target;
    first = p->value;
  }
  const Symbol* fn = callee && llvm::isa<ast::NameExpr>(callee) ? symbolOf(callee) : nullptr;
  if (fn && fn->kind == SymbolKind::Builtin && fn->builtin && fn->builtin->isResponseHelper() && first &&
      llvm::isa<ast::NameExpr>(first)) {
    const Symbol* target = symbolOf(first);
    if (target && (target->kind == SymbolKind::Local || target->kind == SymbolKind::Param ||
                   target->kind == SymbolKind::PatternBinding))
      out.insert(target);
  }
  // `req.id = ...` in a function that is not a route handler: its `req` is a plain value
  // parameter (the checker lets a parameter named `req` be written), changed on a copy.
  if (auto* as = llvm::dyn_cast<ast::AssignStmt>(n); as && !llvm::isa<ast::NameExpr>(as->target)) {
    const Symbol* root = targetRoot(as->target);
    if (root && root->kind == SymbolKind::Param) out.insert(root);
  }
  // A lambda's `(acc, x) => [...acc, x]`, `{ return { ...acc, [k]: v } }`: the returned literal
  // takes the parameter (emit_taking.cpp), which is bound by value then (TakeArg).
  if (auto* l = llvm::dyn_cast<ast::LambdaExpr>(n))
    for (const ast::Expr* returned : lambdaResults(l))
      if (const Symbol* taken = returnedParamTaken(returned)) out.insert(taken);
  // `acc.push(x)` on a parameter its function returns (the checker allows no other): its copy.
  if (auto* c = llvm::dyn_cast<ast::CallExpr>(n); c && prog_.inplace_calls.count(c)) {
    auto* m = llvm::dyn_cast<ast::MemberExpr>(c->callee);
    const Symbol* root = m ? targetRoot(m->base) : nullptr;
    if (root && root->kind == SymbolKind::Param) out.insert(root);
  }
  forEachChild(n, [&](const ast::Node* c) { findInplace(c, out); });
}

std::string Emitter::literalValue(const ast::Expr* e) {
  if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(e)) return "lux::stdlib::Neg(" + expr(u->operand) + ")";
  return expr(e);
}

std::string Emitter::patternTest(const ast::Pattern* p, const std::string& subject) {
  using namespace ast;
  if (llvm::isa<WildcardPattern>(p) || llvm::isa<BindingPattern>(p)) return "";
  if (auto* lp = llvm::dyn_cast<LiteralPattern>(p)) return subject + " == " + literalValue(lp->value);
  if (auto* rp = llvm::dyn_cast<RangePattern>(p))
    return fmt::format("lux::stdlib::InRange({}, {}, {}, {})", subject, literalValue(rp->lo),
                       literalValue(rp->hi), rp->inclusive ? "true" : "false");
  if (auto* op = llvm::dyn_cast<OrPattern>(p)) {
    std::string s;
    for (const Pattern* alt : op->alternatives) {
      std::string t = patternTest(alt, subject);
      if (t.empty()) return "";
      s += (s.empty() ? "" : " || ") + t;
    }
    return "(" + s + ")";
  }
  if (llvm::isa<ListPattern, ObjectPattern, PrefixPattern>(p)) return collectionPatternTest(p, subject);
  auto* vp = llvm::cast<VariantPattern>(p);
  llvm::StringRef n = vp->name.name;
  std::string head;
  std::vector<std::string> subs;
  if (vp->qualifier.empty() && n == "None") {
    head = subject + ".IsNull()";
  } else if (vp->qualifier.empty() && n == "Some") {
    head = "!" + subject + ".IsNull()";
    subs.push_back(subject);
  } else if (vp->qualifier.empty() && n == "Ok") {
    head = "lux::stdlib::IsOk(" + subject + ")";
    subs.push_back("lux::stdlib::OkValue(" + subject + ")");
  } else if (vp->qualifier.empty() && n == "Err") {
    head = "lux::stdlib::IsErr(" + subject + ")";
    subs.push_back("lux::stdlib::ErrValue(" + subject + ")");
  } else {
    head = fmt::format("lux::stdlib::IsVariant({}, {})", subject, cppString(n));
    for (size_t i = 0; i < vp->args.size(); ++i) subs.push_back(fmt::format("lux::stdlib::VariantArg({}, {})", subject, i));
  }
  for (size_t i = 0; i < vp->args.size() && i < subs.size(); ++i) {
    std::string t = patternTest(vp->args[i], subs[i]);
    if (!t.empty()) head += " && " + t;
  }
  return head;
}

// `[a, ...rest]`, `{ key: p }`, `"/api" ++ rest`: the shape, then each part's own test.
std::string Emitter::collectionPatternTest(const ast::Pattern* p, const std::string& subject) {
  using namespace ast;
  std::string head;
  std::vector<std::pair<const Pattern*, std::string>> parts;
  if (auto* lp = llvm::dyn_cast<ListPattern>(p)) {
    head = fmt::format("lux::stdlib::ListShape({}, {}, {})", subject, lp->elements.size(), lp->rest ? "true" : "false");
    for (size_t i = 0; i < lp->elements.size(); ++i)
      parts.emplace_back(lp->elements[i], fmt::format("lux::stdlib::ElementAt({}, {})", subject, i));
  } else if (auto* obj = llvm::dyn_cast<ObjectPattern>(p)) {
    head = fmt::format("{}.IsObject()", subject);
    for (size_t i = 0; i < obj->keys.size(); ++i) {
      std::string key = cppString(obj->keys[i].name);
      head += fmt::format(" && lux::stdlib::HasEntry({}, {})", subject, key);
      parts.emplace_back(obj->values[i], fmt::format("lux::stdlib::Field({}, {})", subject, key));
    }
  } else {
    auto* pp = llvm::cast<PrefixPattern>(p);
    head = fmt::format("lux::stdlib::HasPrefix({}, {})", subject, cppString(llvm::cast<StringLit>(pp->prefix)->value));
  }
  for (auto& [part, sub] : parts) {
    std::string t = patternTest(part, sub);
    if (!t.empty()) head += " && " + t;
  }
  return "(" + head + ")";
}

void Emitter::patternBindings(const ast::Pattern* p, const std::string& subject,
                              std::vector<std::pair<const Symbol*, std::string>>& out) {
  using namespace ast;
  if (auto* bp = llvm::dyn_cast<BindingPattern>(p)) {
    if (const Symbol* s = symbolOf(bp)) out.emplace_back(s, subject);
    return;
  }
  if (auto* op = llvm::dyn_cast<OrPattern>(p)) {
    for (const Pattern* alt : op->alternatives) patternBindings(alt, subject, out);
    return;
  }
  if (auto* lp = llvm::dyn_cast<ListPattern>(p)) {
    for (size_t i = 0; i < lp->elements.size(); ++i)
      patternBindings(lp->elements[i], fmt::format("lux::stdlib::ElementAt({}, {})", subject, i), out);
    if (lp->rest)
      patternBindings(lp->rest, fmt::format("lux::stdlib::Drop({}, lux::Value({}))", subject, lp->elements.size()), out);
    return;
  }
  if (auto* obj = llvm::dyn_cast<ObjectPattern>(p)) {
    for (size_t i = 0; i < obj->keys.size(); ++i)
      patternBindings(obj->values[i], fmt::format("lux::stdlib::Field({}, {})", subject, cppString(obj->keys[i].name)), out);
    return;
  }
  if (auto* pp = llvm::dyn_cast<PrefixPattern>(p)) {
    size_t bytes = llvm::cast<StringLit>(pp->prefix)->value.size();
    patternBindings(pp->rest, fmt::format("lux::stdlib::AfterPrefix({}, {})", subject, bytes), out);
    return;
  }
  auto* vp = llvm::dyn_cast<VariantPattern>(p);
  if (!vp) return;
  llvm::StringRef n = vp->name.name;
  for (size_t i = 0; i < vp->args.size(); ++i) {
    std::string sub;
    if (vp->qualifier.empty() && n == "Some") sub = subject;
    else if (vp->qualifier.empty() && n == "Ok") sub = "lux::stdlib::OkValue(" + subject + ")";
    else if (vp->qualifier.empty() && n == "Err") sub = "lux::stdlib::ErrValue(" + subject + ")";
    else sub = fmt::format("lux::stdlib::VariantArg({}, {})", subject, i);
    patternBindings(vp->args[i], sub, out);
  }
}

// An arm's body: the bindings it reads (as locals; projections of the subject), then the body.
void Emitter::armBody(const ast::MatchArm* arm, const std::vector<std::pair<const Symbol*, std::string>>& binds,
                      Target t) {
  for (auto& [sym, proj] : binds) {
    if (!usesSymbol(arm->body, sym)) continue;  // read only by the guard
    std::string n = unique(safeName(sym->name));
    fn_->names[sym] = n;
    line(fmt::format("{} {} = {};", isInplace(sym) ? "lux::Value" : "const lux::Value&", n, proj));
  }
  if (auto* b = llvm::dyn_cast<ast::BlockExpr>(arm->body)) block(b, t);
  else exprInto(arm->body, t);
}

void Emitter::matchInto(const ast::MatchExpr* m, Target t) {
  std::string subject = temp("m");
  line(fmt::format("const lux::Value {} = {};", subject, expr(m->subject)));
  const CodeWriter::Mark chain_start = w_.mark();
  bool exhaustive_tail = false;
  for (size_t i = 0; i < m->arms.size(); ++i) {
    const ast::MatchArm* arm = m->arms[i];
    std::vector<std::pair<const Symbol*, std::string>> binds;
    patternBindings(arm->pattern, subject, binds);
    std::string cond = patternTest(arm->pattern, subject);
    if (arm->guard) {
      // The guard sees the bindings as projections of the subject.
      for (auto& [sym, proj] : binds) fn_->names[sym] = proj;
      const CodeWriter::Mark before = w_.mark();
      std::string g = this->cond(arm->guard);
      if (w_.wroteSince(before)) {
        // The guard needs statements first (an `if`/`match` used as a value): they must run
        // after the pattern test and inside the arm, so the whole match takes the flag form.
        w_.rewind(chain_start);
        return matchWithFlag(m, subject, t);
      }
      cond = cond.empty() ? g : cond + " && " + g;
    }
    lineDirective(arm->range());
    if (cond.empty()) {
      line(i == 0 ? "{" : "} else {");
      exhaustive_tail = true;
    } else {
      line(fmt::format("{}if ({}) {{", i == 0 ? "" : "} else ", cond));
    }
    w_.indent();
    armBody(arm, binds, t);
    w_.dedent();
    if (exhaustive_tail) break;
  }
  if (!exhaustive_tail) {
    line("} else {");
    line(fmt::format("  lux::stdlib::NoMatch({}, {});", cppString(where(m->range())), subject));
  }
  line("}");
}

// `match` whose guards need statements first: each arm is `if (!done && test) { guard
// statements; if (guard) { done = true; body } }`, so a guard runs only after its pattern
// matched, in the arm's own scope.
void Emitter::matchWithFlag(const ast::MatchExpr* m, const std::string& subject, Target t) {
  std::string done = temp("done");
  line(fmt::format("bool {} = false;", done));
  for (const ast::MatchArm* arm : m->arms) {
    std::vector<std::pair<const Symbol*, std::string>> binds;
    patternBindings(arm->pattern, subject, binds);
    std::string test = patternTest(arm->pattern, subject);
    lineDirective(arm->range());
    line(fmt::format("if (!{}{}) {{", done, test.empty() ? "" : " && " + test));
    w_.indent();
    if (arm->guard) {
      for (auto& [sym, proj] : binds) fn_->names[sym] = proj;
      std::string g = this->cond(arm->guard);
      line(fmt::format("if ({}) {{", g));
      w_.indent();
    }
    line(fmt::format("{} = true;", done));
    armBody(arm, binds, t);
    if (arm->guard) {
      w_.dedent();
      line("}");
    }
    w_.dedent();
    line("}");
  }
  // With a return target every matched arm has returned: reaching here means none matched.
  if (t.kind == Target::Return)
    line(fmt::format("lux::stdlib::NoMatch({}, {});", cppString(where(m->range())), subject));
  else
    line(fmt::format("if (!{}) lux::stdlib::NoMatch({}, {});", done, cppString(where(m->range())), subject));
}

namespace {
// The first `break`/`continue` inside `n` that leaves it for a loop outside it: unlabelled with
// no loop of `n` around it, or naming a label that no loop of `n` around it has. Lambdas inside
// are their own functions. `entered`: the loops of `n` around the node, by label ("" unlabelled).
const ast::Node* loopLeaving(const ast::Node* n, std::vector<llvm::StringRef>& entered) {
  using namespace ast;
  if (llvm::isa<LambdaExpr>(n)) return nullptr;
  const Ident* label = nullptr;
  if (auto* b = llvm::dyn_cast<BreakStmt>(n)) label = &b->label;
  if (auto* k = llvm::dyn_cast<ContinueStmt>(n)) label = &k->label;
  if (label) {
    if (label->empty()) return entered.empty() ? n : nullptr;
    return std::find(entered.begin(), entered.end(), label->name) == entered.end() ? n : nullptr;
  }
  const Ident* loop = nullptr;
  if (auto* f = llvm::dyn_cast<ForStmt>(n)) loop = &f->label;
  if (auto* w = llvm::dyn_cast<WhileStmt>(n)) loop = &w->label;
  const Node* found = nullptr;
  auto visit = [&](const Node* c) {
    if (!found) found = loopLeaving(c, entered);
  };
  if (!loop) {
    forEachChild(n, visit);
    return found;
  }
  // The condition, the iterable and the `else` block are outside the loop; its body inside.
  const BlockExpr* body = llvm::isa<ForStmt>(n) ? llvm::cast<ForStmt>(n)->body : llvm::cast<WhileStmt>(n)->body;
  forEachChild(n, [&](const Node* c) {
    if (c != body) return visit(c);
    entered.push_back(loop->name);
    visit(c);
    entered.pop_back();
  });
  return found;
}

// The first statement or `!` in a `finally` body that would leave it (`return`, `!`, or a
// `break`/`continue` of a loop outside the body); lambdas inside are their own functions.
const ast::Node* returnInside(const ast::Node* n) {
  using namespace ast;
  if (llvm::isa<LambdaExpr>(n)) return nullptr;
  if (llvm::isa<ReturnStmt>(n) || llvm::isa<UnwrapExpr>(n)) return n;
  const Node* found = nullptr;
  forEachChild(n, [&](const Node* c) {
    if (!found) found = returnInside(c);
  });
  return found;
}

const ast::Node* escapeFromFinally(const ast::Node* n) {
  if (const ast::Node* r = returnInside(n)) return r;
  return loopExit(n);
}
}  // namespace

const ast::Node* loopExit(const ast::Node* n) {
  std::vector<llvm::StringRef> entered;
  return loopLeaving(n, entered);
}

void Emitter::tryInto(const ast::TryStmt* ts, Target t) {
  tryIntoBody(ts, t);
}

void Emitter::tryIntoBody(const ast::TryStmt* ts, Target t) {
  if (ts->finally_body) {
    // The finally body runs from a scope guard's destructor (lux::stdlib::Finally): on normal
    // exit, on `return`/`break`/`continue` out of the try, and while an error unwinds.
    if (const ast::Node* esc = escapeFromFinally(ts->finally_body)) {
      const char* what = llvm::isa<ast::ReturnStmt>(esc)   ? "`return` inside `finally`"
                         : llvm::isa<ast::UnwrapExpr>(esc) ? "`!` inside `finally`"
                         : llvm::isa<ast::BreakStmt>(esc)  ? "`break` out of `finally`"
                                                           : "`continue` out of `finally`";
      unsupported(esc->range(), what);
      return;
    }
    // Its failed calls are kept (lux::rt::FailureAside) where every way out of the try is checked.
    bool defers = finallyDefers(ts);
    line("{");
    w_.indent();
    line(fmt::format("lux::stdlib::Finally {}([&]() {{", temp("finally")));
    w_.indent();
    finallyBody(ts, defers);
    w_.dedent();
    line("});");
    if (defers && fn_->call_exits.back().kind == CallExit::Kind::Catch) fn_->call_exits.back().finally_inside = true;
    ++finally_depth_;  // a value returned in here is read by nothing but the finally body may read its variables
    if (ts->catch_body) {
      tryCatch(ts, t);
    } else {
      block(ts->body, t);
    }
    --finally_depth_;
    w_.dedent();
    line("}");
    if (defers) writeFailureExit("lux::rt::CallFailed()", "", "lux::rt::CaughtFailedCall()");
    return;
  }
  tryCatch(ts, t);
}

void Emitter::tryCatch(const ast::TryStmt* ts, Target t) {
  if (fn_ && hasCallSites(ts->body)) return tryCatchJumping(ts, t);  // failed calls jump to the catch body
  line("try {");
  w_.indent();
  block(ts->body, t);
  w_.dedent();
  if (fn_ && !ts->error_name.empty()) fn_->used.insert(safeName(ts->error_name.name));
  std::string e = temp("e");
  line(fmt::format("}} catch (const std::exception& {}) {{", e));
  w_.indent();
  if (!ts->error_name.empty()) {
    // Uses of the error resolve to a symbol without a declaring node: they read the bare name.
    bool changed = false;
    for (const Symbol* s : fn_ ? fn_->inplace : std::set<const Symbol*>{})
      changed |= s->kind == SymbolKind::Local && !s->decl && s->name == ts->error_name.name;
    line(fmt::format("{}lux::Value {} = lux::stdlib::ErrorValue({});", changed ? "" : "const ",
                     safeName(ts->error_name.name), e));
  }
  block(ts->catch_body, t);
  w_.dedent();
  line("}");
}

// `throw e`: the value travels in a lux::ThrownError (a lux::Error whose message is the
// value's `message`, or the value itself when it is a String), so catch, on_error and the job
// queue handle it like any runtime error; a catch binding receives the value itself.
void Emitter::throwStmt(const ast::ThrowStmt* ts) {
  const ast::Expr* v = ts->value;
  if (llvm::isa<ast::IfExpr, ast::MatchExpr, ast::BlockExpr>(v)) {
    std::string t = temp("thrown");
    line(fmt::format("lux::Value {};", t));
    exprInto(v, Target::assign(t));
    line(fmt::format("throw lux::ThrownError({});", t));
    return;
  }
  line(fmt::format("throw lux::ThrownError({});", expr(v)));
}

// The variables every branch of `s` binds (`if c { g = 1 } else { g = 2 }`), declared before it.
void Emitter::declareHoisted(const ast::Stmt* s) {
  if (auto it = prog_.hoisted_locals.find(s); it != prog_.hoisted_locals.end())
    for (const Symbol* sym : it->second) declareValue(sym, sym->name, nullptr, true);
}

void Emitter::stmt(const ast::Stmt* s) {
  using namespace ast;
  lineDirective(s->range());
  declareHoisted(s);
  if (auto* let = llvm::dyn_cast<LetStmt>(s)) {
    return declareValue(symbolOf(let), let->name.name, let->init, let->is_mutable);
  }
  if (auto* ds = llvm::dyn_cast<DestructureStmt>(s)) {
    return destructure(ds);
  }
  if (auto* as = llvm::dyn_cast<AssignStmt>(s)) {
    return assign(as);
  }
  if (auto* es = llvm::dyn_cast<ExprStmt>(s)) return exprInto(es->expr, Target::discard());
  if (auto* rs = llvm::dyn_cast<ReturnStmt>(s)) {
    if (rs->value) exprInto(rs->value, Target::ret());
    else line("return lux::Value();");
    return;
  }
  if (auto* ts = llvm::dyn_cast<ThrowStmt>(s)) return throwStmt(ts);
  if (auto* b = llvm::dyn_cast<BreakStmt>(s)) return leaveLoop(b->label, true);
  if (auto* k = llvm::dyn_cast<ContinueStmt>(s)) return leaveLoop(k->label, false);
  if (auto* fs = llvm::dyn_cast<ForStmt>(s)) return forStmt(fs);
  if (auto* ws = llvm::dyn_cast<WhileStmt>(s)) return whileStmt(ws);
  if (auto* gs = llvm::dyn_cast<GuardStmt>(s)) return guardStmt(gs);
  if (auto* ts = llvm::dyn_cast<TryStmt>(s)) return tryInto(ts, Target::discard());
  unsupported(s->range(), "this statement");
}

// A new local (`let`, `var`, a plain `x = e` that declares): boxed when a lambda captures it
// and changes it; a block value (`if`/`match`/`{ }`) is assigned after the declaration.
void Emitter::declareValue(const Symbol* sym, llvm::StringRef name, const ast::Expr* init, bool is_mutable) {
  bool boxed = sym && fn_->boxed.count(sym);
  if (init && llvm::isa<ast::IfExpr, ast::MatchExpr, ast::BlockExpr>(init)) {
    std::string n = sym ? declare(sym, name.str()) : unique(safeName(name));
    if (boxed) {
      line(fmt::format("lux::stdlib::Box {} = lux::stdlib::MakeBox();", n));
      exprInto(init, Target::assign("*" + n));
    } else {
      line(fmt::format("lux::Value {};", n));
      exprInto(init, Target::assign(n));
    }
    return;
  }
  std::string v = init ? argText(init) : "";
  std::string n = sym ? declare(sym, name.str()) : unique(safeName(name));
  if (boxed) line(fmt::format("lux::stdlib::Box {} = lux::stdlib::MakeBox({});", n, v));
  else if (v.empty()) line(fmt::format("lux::Value {};", n));
  else line(fmt::format("{}lux::Value {} = {};", is_mutable || isInplace(sym) || (sym && sym->is_mutable) ? "" : "const ", n, v));
}

void Emitter::destructure(const ast::DestructureStmt* ds) {
  if (ds->list) return destructureList(ds);
  std::string t = temp("t");
  line(fmt::format("const lux::Value {} = {};", t, expr(ds->init)));
  std::string named;  // the keys before a `...rest`
  for (const ast::DestructureField* f : ds->fields) {
    const Symbol* sym = symbolOf(f);
    std::string value = fmt::format("lux::stdlib::Field({}, {})", t, cppString(f->key.name));
    if (f->rest) value = fmt::format("lux::stdlib::Omit({}, lux::Value(lux::Array{{{}}}))", t, named);
    named += (named.empty() ? "" : ", ") + fmt::format("lux::Value({})", cppString(f->key.name));
    if (f->default_value) {  // `{ age = 18 }`: the default (and what it runs) only when absent or null
      std::string d = temp("t");
      line(fmt::format("lux::Value {} = {};", d, value));
      std::string dv;
      std::string stmts = w_.capture([&] { dv = expr(f->default_value); });
      line(fmt::format("if ({}.IsNull()) {{", d));
      w_.append(stmts);
      line(fmt::format("  {} = {};", d, dv));
      line("}");
      value = "std::move(" + d + ")";
    }
    if (prog_.destructure_assigns.count(f)) {
      assignSymbol(sym, value);
      continue;
    }
    std::string n = sym ? declare(sym, f->binding.name.str()) : unique(safeName(f->binding.name));
    if (sym && fn_->boxed.count(sym)) {
      line(fmt::format("lux::stdlib::Box {} = lux::stdlib::MakeBox({});", n, value));
      continue;
    }
    line(fmt::format("{}lux::Value {} = {};", ds->keyword == ast::DestructureStmt::Keyword::Var ? "" : constFor(sym), n, value));
  }
}

void Emitter::assign(const ast::AssignStmt* as) {
  using namespace ast;
  auto kind = prog_.assigns.find(as);
  if (kind != prog_.assigns.end() && kind->second != AssignKind::Assign) {
    auto* target = llvm::cast<NameExpr>(as->target);
    return declareValue(symbolOf(target), target->name.name, as->value, false);
  }
  // `req.id = v` writes the request's id.
  if (auto* m = llvm::dyn_cast<MemberExpr>(as->target)) {
    const Symbol* base = llvm::isa<NameExpr>(m->base) ? symbolOf(m->base) : nullptr;
    if (base && fn_->roles.count(base) && fn_->roles[base] == ParamRole::Request && m->member.name == "id" &&
        as->op == AssignOp::Assign) {
      line(fmt::format("{}.id = lux::stdlib::Str({});", requestRef(base), expr(as->value)));
      return;
    }
    // Any other `req.name ... = v` (or `+=`) writes the request-scoped values (lvalue()).
  }
  const char* op = nullptr;
  switch (as->op) {
    case AssignOp::Assign: break;
    case AssignOp::Add: op = "Add"; break;
    case AssignOp::Sub: op = "Sub"; break;
    case AssignOp::Mul: op = "Mul"; break;
    case AssignOp::Div: op = "Div"; break;
    case AssignOp::Mod: op = "Mod"; break;
  }
  const Symbol* root = targetRoot(as->target);
  if (isSharedVar(root) && root != lvalue_root_) return assignShared(as, root, op);
  if (llvm::isa<IfExpr, MatchExpr, BlockExpr>(as->value) && as->op == AssignOp::Assign) {
    exprInto(as->value, Target::assign(lvalue(as->target)));
    return;
  }
  if (assignTaking(as)) return;
  std::string value = expr(as->value);
  std::string target = lvalue(as->target);
  line(op ? fmt::format("{0} = lux::stdlib::{1}({0}, {2});", target, op, value) : fmt::format("{} = {};", target, value));
}

// A server `var`: the change happens under the binding's lock. A value that reads the same
// binding (`seen = seen + [x]`) is computed inside the lock, so no concurrent update is lost
// (it must not wait: no fetch or sleep there); any other value is computed first, outside it.
// A failed call computed inside the lock returns from the C++ lambda (the binding unchanged),
// kept; right after the update the statement takes the function's exit for it (emit_rpc.cpp).
void Emitter::assignShared(const ast::AssignStmt* as, const Symbol* root, const char* op) {
  assignSharedBody(as, root, op);
}

void Emitter::assignSharedBody(const ast::AssignStmt* as, const Symbol* root, const char* op) {
  bool block_value = llvm::isa<ast::IfExpr, ast::MatchExpr, ast::BlockExpr>(as->value) && as->op == ast::AssignOp::Assign;
  bool inside = usesSymbol(as->value, root);
  std::string value;
  if (!inside) {
    value = temp();
    if (block_value) {
      line(fmt::format("lux::Value {};", value));
      exprInto(as->value, Target::assign(value));
    } else {
      line(fmt::format("const lux::Value {} = {};", value, expr(as->value)));
    }
  }
  line(fmt::format("{}.Update([&](lux::Value& shared_) {{", safeName(root->name)));
  w_.indent();
  bool defers = callExit() != CallExit::Kind::Raise && (hasCallSites(as->target) || (inside && hasCallSites(as->value)));
  if (defers) {
    CallExit in_lock = CallExit::Returning();
    in_lock.void_return = true;
    pushCallExit(in_lock);
  }
  lvalue_root_ = root;
  lvalue_alias_ = "shared_";
  std::string target = lvalue(as->target);
  if (inside && block_value) {
    exprInto(as->value, Target::assign(target));
  } else {
    if (inside) value = expr(as->value);
    line(op ? fmt::format("{0} = lux::stdlib::{1}({0}, {2});", target, op, value) : fmt::format("{} = {};", target, value));
  }
  lvalue_root_ = nullptr;
  w_.dedent();
  line("});");
  if (defers) {
    popCallExit();
    writeFailureExit("lux::rt::CallFailed()", "", "lux::rt::CaughtFailedCall()");
  }
}

void Emitter::forStmt(const ast::ForStmt* fs) {
  // Python's `for k, v in d.items()`: the object's (key, value) pairs, as `for k, v in d`.
  const ast::Expr* iterable = fs->iterable;
  if (auto* c = llvm::dyn_cast<ast::CallExpr>(iterable); c && !fs->index.empty() && c->args.empty())
    if (auto* m = llvm::dyn_cast<ast::MemberExpr>(c->callee); m && m->member.name == "items" && !m->optional && objectLike(typeOf(m->base)))
      iterable = m->base;
  std::string items = expr(iterable);
  beginLoop(fs->label, fs->else_body);
  const Symbol* vsym = symbolOf(fs);
  if (fs->index.empty()) {
    std::string v = vsym ? declare(vsym, fs->value.name.str()) : unique(safeName(fs->value.name));
    line(fmt::format("for ({} {} : lux::stdlib::Items({})) {{", isInplace(vsym) ? "lux::Value" : "const lux::Value&", v, items));
  } else {
    std::string idx = safeName(fs->index.name);
    if (fn_) fn_->used.insert(idx);  // the temporaries below must not take the index's name
    std::string list = temp("items");
    std::string k = temp("k");
    // (index, element) of a list or a string, (key, value) of an object's entries.
    line(fmt::format("const auto {} = lux::stdlib::ItemPairs({});", list, items));
    line(fmt::format("for (std::size_t {0} = 0; {0} < {1}.size(); ++{0}) {{", k, list));
    line(fmt::format("  const lux::Value {}({}[{}].first);", idx, list, k));
    std::string v = vsym ? declare(vsym, fs->value.name.str()) : unique(safeName(fs->value.name));
    line(fmt::format("  {} {} = {}[{}].second;", isInplace(vsym) ? "lux::Value" : "const lux::Value&", v, list, k));
  }
  loopBody(fs->body);
  line("}");
  endLoop(fs->else_body);
}

// `guard c else { ... }`: the else block runs when c is false; the checker made sure it leaves.
void Emitter::guardStmt(const ast::GuardStmt* gs) {
  std::string cond = this->cond(gs->cond);
  line(fmt::format("if (!({})) {{", cond));
  w_.indent();
  block(gs->else_body, Target::discard());
  w_.dedent();
  line("}");
}

void Emitter::whileStmt(const ast::WhileStmt* ws) {
  // The condition is evaluated at the top of every iteration (hoisted parts included).
  std::string cond;
  std::string cond_stmts = w_.capture([&] { cond = this->cond(ws->cond); });
  beginLoop(ws->label, ws->else_body);
  if (cond_stmts.empty()) {
    line(fmt::format("while ({}) {{", cond));
  } else {
    line("while (true) {");
    w_.append(cond_stmts);
    line(fmt::format("  if (!({})) break;", cond));
  }
  loopBody(ws->body);
  line("}");
  endLoop(ws->else_body);
}

// Loops with a label or an `else` block. A labelled loop's body is a block of its own followed by
// the label `continue outer` jumps to, and the label `break outer` jumps to follows the loop:
//   for (...) { { body } loop_outer_continue: ; } loop_outer_break: ;
// (the body's block keeps a jump from crossing its declarations). A loop with `else` keeps a
// flag that every `break` of it sets, and runs the else block when the flag is clear.
void Emitter::beginLoop(const ast::Ident& label, const ast::BlockExpr* else_body) {
  LoopContext l;
  l.label = label.name;
  if (!label.empty()) l.jump = temp(("loop_" + safeName(label.name)).c_str());
  if (else_body) {
    l.broke = temp("broke");
    line(fmt::format("bool {} = false;", l.broke));
  }
  loops_.push_back(l);
}

void Emitter::loopBody(const ast::BlockExpr* body) {
  w_.indent();
  const std::string jump = loops_.back().jump;
  if (jump.empty()) {
    block(body, Target::discard());
  } else {
    line("{");
    w_.indent();
    block(body, Target::discard());
    w_.dedent();
    line("}");
    line(jump + "_continue: ;");
  }
  w_.dedent();
}

void Emitter::endLoop(const ast::BlockExpr* else_body) {
  LoopContext l = loops_.back();
  loops_.pop_back();
  if (!l.jump.empty()) line(l.jump + "_break: ;");
  if (else_body) {
    line(fmt::format("if (!{}) {{", l.broke));
    w_.indent();
    block(else_body, Target::discard());
    w_.dedent();
    line("}");
  }
}

// `break`, `continue`, `break outer`, `continue outer` (the checker found the loop).
void Emitter::leaveLoop(const ast::Ident& label, bool is_break) {
  const LoopContext* target = loops_.empty() ? nullptr : &loops_.back();
  if (!label.empty())
    for (auto it = loops_.rbegin(); it != loops_.rend(); ++it)
      if (it->label == label.name) {
        target = &*it;
        break;
      }
  if (is_break && target && !target->broke.empty()) line(target->broke + " = true;");
  if (label.empty() || !target || target->jump.empty()) return line(is_break ? "break;" : "continue;");
  line(fmt::format("goto {}_{};", target->jump, is_break ? "break" : "continue"));
}

}  // namespace lux::emit
