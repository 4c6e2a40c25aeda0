// dumpAst: the `luxc parse --dump-ast` printer (text, or JSON with --format=json).
// One describeNode() per node kind lists its attributes and labelled children; the text and JSON
// printers both walk that description, so the two formats always carry the same content.
#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "ast/ast.h"

namespace lux::ast {
namespace {

struct Attr {
  std::string key;
  nlohmann::json value;
  bool quoted = false;  // text format: print as a quoted, escaped string
};

struct ChildGroup {
  std::string label;  // empty: list elements printed without a label
  std::vector<const Node*> nodes;
  bool is_list = false;
};

struct Desc {
  std::vector<Attr> attrs;
  std::vector<ChildGroup> children;

  void raw(std::string key, nlohmann::json v) { attrs.push_back({std::move(key), std::move(v), false}); }
  void quoted(std::string key, llvm::StringRef v) { attrs.push_back({std::move(key), v.str(), true}); }
  void ident(std::string key, const Ident& id) {
    if (!id.empty()) raw(std::move(key), id.name.str());
  }
  void flag(std::string key, bool on) {
    if (on) raw(std::move(key), true);
  }
  void child(std::string label, const Node* n) {
    if (n) children.push_back({std::move(label), {n}, false});
  }
  template <typename T>
  void list(std::string label, llvm::ArrayRef<T*> items) {
    ChildGroup g{std::move(label), {}, true};
    for (T* item : items) g.nodes.push_back(item);
    children.push_back(std::move(g));
  }
};

const char* binaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "+";
    case BinaryOp::Sub: return "-";
    case BinaryOp::Mul: return "*";
    case BinaryOp::Div: return "/";
    case BinaryOp::Mod: return "%";
    case BinaryOp::Eq: return "==";
    case BinaryOp::Ne: return "!=";
    case BinaryOp::Lt: return "<";
    case BinaryOp::Le: return "<=";
    case BinaryOp::Gt: return ">";
    case BinaryOp::Ge: return ">=";
    case BinaryOp::And: return "&&";
    case BinaryOp::Or: return "||";
    case BinaryOp::In: return "in";
    case BinaryOp::NotIn: return "not in";
    case BinaryOp::Coalesce: return "??";
    case BinaryOp::Pow: return "**";
  }
  return "?";
}

const char* unaryOpName(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg: return "-";
    case UnaryOp::Not: return "!";
    case UnaryOp::Spread: return "...";
  }
  return "?";
}

const char* assignOpName(AssignOp op) {
  switch (op) {
    case AssignOp::Assign: return "=";
    case AssignOp::Add: return "+=";
    case AssignOp::Sub: return "-=";
    case AssignOp::Mul: return "*=";
    case AssignOp::Div: return "/=";
    case AssignOp::Mod: return "%=";
  }
  return "?";
}

const char* durationUnitName(DurationUnit u) {
  switch (u) {
    case DurationUnit::Milliseconds: return "ms";
    case DurationUnit::Seconds: return "seconds";
    case DurationUnit::Minutes: return "minutes";
    case DurationUnit::Hours: return "hours";
    case DurationUnit::Days: return "days";
    case DurationUnit::Weeks: return "weeks";
  }
  return "?";
}

const char* entryFormName(ObjectEntry::Form f) {
  switch (f) {
    case ObjectEntry::Form::Named: return "named";
    case ObjectEntry::Form::Quoted: return "quoted";
    case ObjectEntry::Form::Shorthand: return "shorthand";
    case ObjectEntry::Form::Spread: return "spread";
    case ObjectEntry::Form::Computed: return "computed";
  }
  return "?";
}

void describeFn(const FnDecl& n, Desc& d) {
  d.ident("name", n.name);
  if (!n.doc.empty()) d.quoted("doc", n.doc);
  d.list("params", n.params);
  d.child("returns", n.return_type);
}

// One describeNode per node kind. The deleted template catches a kind without its own overload
// (a subclass would otherwise take its base's silently): describe() below fails to compile.
template <typename T>
void describeNode(const T&, Desc&) = delete;

void describeNode(const Program& n, Desc& d) { d.list("items", n.items); }

void describeNode(const Param& n, Desc& d) {
  d.ident("name", n.name);
  d.flag("implicit", n.implicit);
  d.child("type", n.type);
  d.child("default", n.default_value);
}

void describeNode(const FieldDecl& n, Desc& d) {
  d.ident("name", n.name);
  d.child("type", n.type);
  d.child("default", n.default_value);
}

void describeNode(const EnumVariant& n, Desc& d) {
  d.ident("name", n.name);
  d.flag("parens", n.has_parens);
  d.list("payload", n.payload);
}

void describeNode(const ObjectEntry& n, Desc& d) {
  if (n.form == ObjectEntry::Form::Quoted) {
    d.quoted("key", n.key.name);
  } else {
    d.ident("key", n.key);
  }
  if (n.form != ObjectEntry::Form::Named) d.raw("form", entryFormName(n.form));
  d.child("key_expr", n.key_expr);
  d.child("value", n.value);
}

void describeNode(const MatchArm& n, Desc& d) {
  d.child("pattern", n.pattern);
  d.child("guard", n.guard);
  d.child("body", n.body);
}

void describeNode(const IfBranch& n, Desc& d) {
  d.child("cond", n.cond);
  d.child("body", n.body);
}

void describeNode(const DestructureField& n, Desc& d) {
  d.ident("key", n.key);
  if (n.binding.name != n.key.name) d.ident("binding", n.binding);
  d.flag("rest", n.rest);
  d.child("default", n.default_value);
}

void describeNode(const SharedBlock& n, Desc& d) { d.list("items", n.items); }

void describeNode(const ServerBlock& n, Desc& d) {
  if (!n.name.empty()) d.quoted("name", n.name.name);
  d.list("items", n.items);
}

void describeFnWithBody(const FnDecl& n, Desc& d) {
  describeFn(n, d);
  d.child("body", n.body);
}
void describeNode(const FnDecl& n, Desc& d) { describeFnWithBody(n, d); }
void describeNode(const MiddlewareDecl& n, Desc& d) { describeFnWithBody(n, d); }

void describeNode(const BackgroundFnDecl& n, Desc& d) {
  describeFn(n, d);
  d.child("options", n.options);
  d.child("body", n.body);
}

void describeNode(const RecordTypeDecl& n, Desc& d) {
  d.ident("name", n.name);
  if (!n.doc.empty()) d.quoted("doc", n.doc);
  d.list("fields", n.fields);
}

void describeNode(const EnumTypeDecl& n, Desc& d) {
  d.ident("name", n.name);
  if (!n.doc.empty()) d.quoted("doc", n.doc);
  d.list("variants", n.variants);
}

void describeNode(const TypeAliasDecl& n, Desc& d) {
  d.ident("name", n.name);
  if (!n.doc.empty()) d.quoted("doc", n.doc);
  d.child("type", n.aliased);
}

void describeNode(const VarDecl& n, Desc& d) {
  d.ident("name", n.name);
  d.flag("mutable", n.is_mutable);
  if (!n.doc.empty()) d.quoted("doc", n.doc);
  d.child("type", n.type);
  d.child("init", n.init);
}

void describeNode(const EnvDecl& n, Desc& d) {
  d.ident("name", n.name);
  d.child("type", n.type);
  d.child("default", n.default_value);
}

void describeConfigDecl(const ConfigDecl& n, Desc& d) { d.child("config", n.config); }
void describeNode(const DbDecl& n, Desc& d) { describeConfigDecl(n, d); }
void describeNode(const AuthDecl& n, Desc& d) { describeConfigDecl(n, d); }
void describeNode(const CorsDecl& n, Desc& d) { describeConfigDecl(n, d); }
void describeNode(const RateLimitDecl& n, Desc& d) { describeConfigDecl(n, d); }
void describeNode(const OpenApiDecl& n, Desc& d) { describeConfigDecl(n, d); }
void describeNode(const CacheDecl& n, Desc& d) { describeConfigDecl(n, d); }
void describeNode(const LimitsDecl& n, Desc& d) { describeConfigDecl(n, d); }

void describeNode(const BackendDecl& n, Desc& d) {
  d.ident("name", n.name);
  d.child("config", n.config);
}

void describeNode(const StaticDecl& n, Desc& d) {
  d.child("prefix", n.prefix);
  d.child("dir", n.dir);
  if (n.fallback) d.child("fallback", n.fallback);
}

void describeNode(const TestDecl& n, Desc& d) {
  d.child("name", n.name);
  if (n.options) d.child("options", n.options);
  d.child("body", n.body);
}

void describeNode(const ModelDecl& n, Desc& d) {
  d.ident("name", n.name);
  d.flag("body", n.has_body);
  d.list("fields", n.fields);
  if (n.options) d.child("options", n.options);
}

void describeNode(const HealthDecl& n, Desc& d) {
  d.child("path", n.path);
  if (n.checks) d.child("checks", n.checks);
}
void describeNode(const PortDecl& n, Desc& d) { d.child("value", n.value); }

void describeNode(const ScheduleDecl& n, Desc& d) {
  const char* form = n.form == ScheduleDecl::Form::CronFn      ? "cron-fn"
                     : n.form == ScheduleDecl::Form::CronNamed ? "cron-named"
                                                                : "every";
  d.raw("form", form);
  d.ident("name", n.name);
  if (!n.doc.empty()) d.quoted("doc", n.doc);
  d.child("cron", n.cron);
  d.child("every", n.interval);
  d.list("params", n.params);
  d.child("options", n.options);
  d.child("body", n.body);
}

void describeNode(const SubscribeDecl& n, Desc& d) {
  d.child("event", n.event);
  if (n.options) d.child("options", n.options);
  d.list("params", n.params);
  d.child("body", n.body);
}

void describeModifiers(llvm::ArrayRef<RouteModifier*> modifiers, Desc& d);

void describeNode(const WsHook& n, Desc& d) {
  d.ident("name", n.name);
  d.list("params", n.params);
  d.child("body", n.body);
}

void describeNode(const ImplDecl& n, Desc& d) {
  d.ident("type", n.type_name);
  if (!n.trait.empty()) d.ident("trait", n.trait);
  if (!n.doc.empty()) d.quoted("doc", n.doc);
  d.list("methods", n.methods);
  if (!n.inherited.empty()) d.list("inherited", n.inherited);
}

void describeNode(const TraitDecl& n, Desc& d) {
  d.ident("name", n.name);
  d.raw("form", n.is_interface ? "interface" : "trait");
  if (!n.doc.empty()) d.quoted("doc", n.doc);
  d.list("methods", n.methods);
}

void describeNode(const WsDecl& n, Desc& d) {
  if (n.path) d.child("path", n.path);
  describeModifiers(n.modifiers, d);
  d.list("hooks", n.hooks);
  if (!n.options->entries.empty()) d.child("options", n.options);
}

void describeNode(const HookDecl& n, Desc& d) {
  d.raw("hook", n.hook == HookDecl::Hook::Start  ? "on_start"
                : n.hook == HookDecl::Hook::Stop ? "on_stop"
                                                 : "on_error");
  d.flag("fn_form", n.fn_form);
  d.list("params", n.params);
  d.child("body", n.body);
}

// `with a, b` as a list of names when no modifier has arguments, else as nodes.
void describeModifiers(llvm::ArrayRef<RouteModifier*> modifiers, Desc& d) {
  if (modifiers.empty()) return;
  bool plain = true;
  for (const RouteModifier* m : modifiers) plain = plain && !m->parens;
  if (!plain) {
    d.list("with", modifiers);
    return;
  }
  nlohmann::json names = nlohmann::json::array();
  for (const RouteModifier* m : modifiers) names.push_back(m->name.name.str());
  d.raw("with", names);
}

void describeNode(const RouteDecl& n, Desc& d) {
  d.ident("method", n.method);
  d.flag("sse", n.sse);
  if (!n.doc.empty()) d.quoted("doc", n.doc);
  describeModifiers(n.modifiers, d);
  d.child("path", n.path);
  if (n.body_type) d.child("body", n.body_type);
  if (n.response_type) d.child("returns", n.response_type);
  d.child("handler", n.handler);
}

void describeNode(const RouteModifier& n, Desc& d) {
  d.ident("name", n.name);
  d.list("args", n.args);
}

void describeNode(const RoutesOption& n, Desc& d) {
  d.ident("name", n.name);
  d.child("value", n.value);
}

void describeNode(const RoutesDecl& n, Desc& d) {
  d.child("prefix", n.prefix);
  d.list("options", n.options);
  describeModifiers(n.modifiers, d);
  d.list("items", n.items);
}

void describeNode(const DiscoverDecl& n, Desc& d) {
  d.raw("form", n.block_form ? "block" : "at");
  d.child("name", n.name);
  d.child("url", n.url);
  d.child("options", n.options);
}

void describeNode(const LetStmt& n, Desc& d) {
  d.ident("name", n.name);
  d.flag("mutable", n.is_mutable);
  d.child("type", n.type);
  d.child("init", n.init);
}

void describeNode(const DestructureStmt& n, Desc& d) {
  d.raw("keyword", n.keyword == DestructureStmt::Keyword::Let   ? "let"
                   : n.keyword == DestructureStmt::Keyword::Var ? "var"
                                                                : "none");
  d.flag("list", n.list);
  d.list("fields", n.fields);
  d.child("init", n.init);
}

void describeNode(const AssignStmt& n, Desc& d) {
  d.raw("op", assignOpName(n.op));
  d.flag("delete", n.from_delete);
  d.child("target", n.target);
  d.child("value", n.value);
}

void describeNode(const ExprStmt& n, Desc& d) { d.child("", n.expr); }
void describeNode(const ReturnStmt& n, Desc& d) { d.child("value", n.value); }
void describeNode(const ThrowStmt& n, Desc& d) { d.child("value", n.value); }
void describeNode(const BreakStmt& n, Desc& d) {
  if (!n.label.empty()) d.ident("label", n.label);
}
void describeNode(const ContinueStmt& n, Desc& d) {
  if (!n.label.empty()) d.ident("label", n.label);
}

void describeNode(const ForStmt& n, Desc& d) {
  if (!n.label.empty()) d.ident("label", n.label);
  d.ident("index", n.index);
  d.ident("value", n.value);
  d.child("iterable", n.iterable);
  d.child("body", n.body);
  if (n.else_body) d.child("else", n.else_body);
}

void describeNode(const WhileStmt& n, Desc& d) {
  if (!n.label.empty()) d.ident("label", n.label);
  d.child("cond", n.cond);
  d.child("body", n.body);
  if (n.else_body) d.child("else", n.else_body);
}

void describeNode(const GuardStmt& n, Desc& d) {
  d.child("cond", n.cond);
  d.child("else", n.else_body);
}

void describeNode(const TryStmt& n, Desc& d) {
  d.ident("error", n.error_name);
  d.child("body", n.body);
  d.child("catch", n.catch_body);
  d.child("finally", n.finally_body);
}

void describeNode(const IntLit& n, Desc& d) { d.raw("value", n.value); }
void describeNode(const FloatLit& n, Desc& d) { d.raw("value", n.value); }
void describeNode(const BoolLit& n, Desc& d) { d.raw("value", n.value); }
void describeNode(const StringLit& n, Desc& d) { d.quoted("value", n.value); }
void describeNode(const InterpolatedString& n, Desc& d) { d.list("parts", n.parts); }

void describeNode(const DurationLit& n, Desc& d) {
  d.raw("unit", durationUnitName(n.unit));
  d.raw("ms", n.milliseconds());
  d.child("amount", n.amount);
}

void describeNode(const NameExpr& n, Desc& d) { d.ident("name", n.name); }
void describeNode(const ArrayExpr& n, Desc& d) { d.list("elements", n.elements); }
void describeNode(const ObjectExpr& n, Desc& d) { d.list("entries", n.entries); }

void describeNode(const RecordExpr& n, Desc& d) {
  d.ident("type", n.type_name);
  d.list("entries", n.entries);
}

void describeNode(const CallExpr& n, Desc& d) {
  d.child("callee", n.callee);
  d.list("args", n.args);
}

void describeNode(const MemberExpr& n, Desc& d) {
  d.ident("member", n.member);
  if (n.optional) d.raw("optional", "true");
  d.child("base", n.base);
}

void describeNode(const IndexExpr& n, Desc& d) {
  d.child("base", n.base);
  d.child("index", n.index);
}

void describeNode(const UnaryExpr& n, Desc& d) {
  d.raw("op", unaryOpName(n.op));
  d.child("operand", n.operand);
}

void describeNode(const BinaryExpr& n, Desc& d) {
  d.raw("op", n.word ? (n.op == BinaryOp::And ? "and" : "or") : binaryOpName(n.op));
  d.child("lhs", n.lhs);
  d.child("rhs", n.rhs);
}

void describeNode(const RangeExpr& n, Desc& d) {
  d.flag("inclusive", n.inclusive);
  d.child("lo", n.lo);
  d.child("hi", n.hi);
}

void describeNode(const ComprehensionExpr& n, Desc& d) {
  d.child("key", n.key);
  d.child("value", n.value);
  for (size_t i = 0; i < n.clauses.size(); ++i) {
    const CompClause& c = n.clauses[i];
    std::string names = c.index ? c.index->name.name.str() + ", " + c.value->name.name.str() : c.value->name.name.str();
    d.raw("for" + std::to_string(i + 1), names);
    d.child("in" + std::to_string(i + 1), c.iterable);
    if (!c.conds.empty()) d.list("if" + std::to_string(i + 1), c.conds);
  }
}

void describeNode(const SliceExpr& n, Desc& d) {
  d.child("base", n.base);
  d.child("lo", n.lo);
  d.child("hi", n.hi);
  d.child("step", n.step);
}

void describeNode(const CompareChain& n, Desc& d) {
  std::string ops;
  for (BinaryOp op : n.ops) ops += std::string(ops.empty() ? "" : " ") + binaryOpName(op);
  d.raw("ops", ops);
  d.list("operands", n.operands);
}

void describeNode(const PipeExpr& n, Desc& d) {
  d.child("value", n.value);
  d.child("target", n.target);
}

void describeNode(const UnwrapExpr& n, Desc& d) { d.child("operand", n.operand); }
void describeNode(const AwaitExpr& n, Desc& d) { d.child("operand", n.operand); }

void describeNode(const LambdaExpr& n, Desc& d) {
  d.list("params", n.params);
  d.child("returns", n.return_type);
  d.child("body", n.body);
}

void describeNode(const IfExpr& n, Desc& d) {
  d.list("branches", n.branches);
  d.child("else", n.else_body);
}

void describeNode(const MatchExpr& n, Desc& d) {
  d.child("subject", n.subject);
  d.list("arms", n.arms);
}

void describeNode(const BlockExpr& n, Desc& d) { d.list("stmts", n.stmts); }
void describeNode(const WildcardPattern&, Desc&) {}
void describeNode(const LiteralPattern& n, Desc& d) { d.child("value", n.value); }

void describeNode(const RangePattern& n, Desc& d) {
  d.flag("inclusive", n.inclusive);
  d.child("lo", n.lo);
  d.child("hi", n.hi);
}

void describeNode(const BindingPattern& n, Desc& d) { d.ident("name", n.name); }

void describeNode(const VariantPattern& n, Desc& d) {
  d.ident("qualifier", n.qualifier);
  d.ident("name", n.name);
  d.flag("parens", n.has_parens);
  d.list("args", n.args);
}

void describeNode(const OrPattern& n, Desc& d) { d.list("alternatives", n.alternatives); }
void describeNode(const ListPattern& n, Desc& d) {
  d.list("elements", n.elements);
  d.child("rest", n.rest);
}
void describeNode(const ObjectPattern& n, Desc& d) {
  for (size_t i = 0; i < n.keys.size(); ++i) d.child(n.keys[i].name.str(), n.values[i]);
}
void describeNode(const PrefixPattern& n, Desc& d) {
  d.child("prefix", n.prefix);
  d.child("rest", n.rest);
}

void describeNode(const NamedType& n, Desc& d) {
  d.ident("name", n.name);
  d.list("args", n.args);
}

void describeNode(const ArrayType& n, Desc& d) { d.child("element", n.element); }

void describeNode(const FnType& n, Desc& d) {
  d.list("params", n.params);
  d.child("result", n.result);
}

Desc describe(const Node& node) {
  Desc d;
  switch (node.kind()) {
#define LUX_AST_NODE(Name, Category) \
  case NodeKind::Name: describeNode(llvm::cast<Name>(node), d); break;
#include "ast/ast_nodes.def"
  }
  return d;
}

std::string escapeString(llvm::StringRef s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string rangeText(const SourceFile& file, SourceRange r) {
  LineCol b = file.lineCol(r.begin);
  LineCol e = file.lineCol(r.end);
  return std::to_string(b.line) + ":" + std::to_string(b.column) + "-" + std::to_string(e.line) + ":" +
         std::to_string(e.column);
}

void dumpText(const Node& node, const SourceFile& file, std::ostream& out, int depth, const std::string& label) {
  Desc d = describe(node);
  out << std::string(static_cast<size_t>(depth) * 2, ' ');
  if (!label.empty()) out << label << ": ";
  out << nodeKindName(node.kind()).str() << ' ' << rangeText(file, node.range());
  for (const Attr& a : d.attrs) {
    out << ' ' << a.key << '=';
    if (a.quoted) {
      out << escapeString(a.value.get<std::string>());
    } else if (a.value.is_string()) {
      out << a.value.get<std::string>();
    } else {
      out << a.value.dump();
    }
  }
  out << '\n';
  for (const ChildGroup& g : d.children) {
    for (const Node* c : g.nodes) dumpText(*c, file, out, depth + 1, g.is_list ? std::string() : g.label);
  }
}

nlohmann::json dumpJson(const Node& node, const SourceFile& file) {
  Desc d = describe(node);
  nlohmann::json j = nlohmann::json::object();
  j["kind"] = nodeKindName(node.kind()).str();
  j["range"] = rangeText(file, node.range());
  for (Attr& a : d.attrs) j[a.key] = std::move(a.value);
  for (const ChildGroup& g : d.children) {
    std::string key = g.label.empty() ? "expr" : g.label;
    if (g.is_list) {
      nlohmann::json arr = nlohmann::json::array();
      for (const Node* c : g.nodes) arr.push_back(dumpJson(*c, file));
      j[key] = std::move(arr);
    } else {
      j[key] = dumpJson(*g.nodes.front(), file);
    }
  }
  return j;
}

}  // namespace

void dumpAst(const Program& program, const SourceFile& file, std::ostream& out, bool json) {
  if (json) {
    out << dumpJson(program, file).dump(2) << '\n';
  } else {
    dumpText(program, file, out, 0, std::string());
  }
}

}  // namespace lux::ast
