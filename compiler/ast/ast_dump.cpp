// dumpAst: the `luxc parse --dump-ast` printer (text, or JSON with --format=json).
// One describe() per node kind lists its attributes and labelled children; the text and JSON
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
  }
  return "?";
}

void describeFn(const FnDecl& n, Desc& d) {
  d.ident("name", n.name);
  if (!n.doc.empty()) d.quoted("doc", n.doc);
  d.list("params", n.params);
  d.child("returns", n.return_type);
}

Desc describe(const Node& node) {
  Desc d;
  switch (node.kind()) {
    case NodeKind::Program: d.list("items", llvm::cast<Program>(node).items); break;
    case NodeKind::Param: {
      auto& n = llvm::cast<Param>(node);
      d.ident("name", n.name);
      d.child("type", n.type);
      d.child("default", n.default_value);
      break;
    }
    case NodeKind::FieldDecl: {
      auto& n = llvm::cast<FieldDecl>(node);
      d.ident("name", n.name);
      d.child("type", n.type);
      d.child("default", n.default_value);
      break;
    }
    case NodeKind::EnumVariant: {
      auto& n = llvm::cast<EnumVariant>(node);
      d.ident("name", n.name);
      d.flag("parens", n.has_parens);
      d.list("payload", n.payload);
      break;
    }
    case NodeKind::ObjectEntry: {
      auto& n = llvm::cast<ObjectEntry>(node);
      if (n.form == ObjectEntry::Form::Quoted) {
        d.quoted("key", n.key.name);
      } else {
        d.ident("key", n.key);
      }
      if (n.form != ObjectEntry::Form::Named) d.raw("form", entryFormName(n.form));
      d.child("value", n.value);
      break;
    }
    case NodeKind::MatchArm: {
      auto& n = llvm::cast<MatchArm>(node);
      d.child("pattern", n.pattern);
      d.child("guard", n.guard);
      d.child("body", n.body);
      break;
    }
    case NodeKind::IfBranch: {
      auto& n = llvm::cast<IfBranch>(node);
      d.child("cond", n.cond);
      d.child("body", n.body);
      break;
    }
    case NodeKind::DestructureField: {
      auto& n = llvm::cast<DestructureField>(node);
      d.ident("key", n.key);
      if (n.binding.name != n.key.name) d.ident("binding", n.binding);
      break;
    }
    case NodeKind::SharedBlock: d.list("items", llvm::cast<SharedBlock>(node).items); break;
    case NodeKind::ServerBlock: {
      auto& n = llvm::cast<ServerBlock>(node);
      if (!n.name.empty()) d.quoted("name", n.name.name);
      d.list("items", n.items);
      break;
    }
    case NodeKind::FnDecl:
    case NodeKind::MiddlewareDecl: {
      auto& n = llvm::cast<FnDecl>(node);
      describeFn(n, d);
      d.child("body", n.body);
      break;
    }
    case NodeKind::BackgroundFnDecl: {
      auto& n = llvm::cast<BackgroundFnDecl>(node);
      describeFn(n, d);
      d.child("options", n.options);
      d.child("body", n.body);
      break;
    }
    case NodeKind::RecordTypeDecl: {
      auto& n = llvm::cast<RecordTypeDecl>(node);
      d.ident("name", n.name);
      if (!n.doc.empty()) d.quoted("doc", n.doc);
      d.list("fields", n.fields);
      break;
    }
    case NodeKind::EnumTypeDecl: {
      auto& n = llvm::cast<EnumTypeDecl>(node);
      d.ident("name", n.name);
      if (!n.doc.empty()) d.quoted("doc", n.doc);
      d.list("variants", n.variants);
      break;
    }
    case NodeKind::TypeAliasDecl: {
      auto& n = llvm::cast<TypeAliasDecl>(node);
      d.ident("name", n.name);
      if (!n.doc.empty()) d.quoted("doc", n.doc);
      d.child("type", n.aliased);
      break;
    }
    case NodeKind::VarDecl: {
      auto& n = llvm::cast<VarDecl>(node);
      d.ident("name", n.name);
      d.flag("mutable", n.is_mutable);
      if (!n.doc.empty()) d.quoted("doc", n.doc);
      d.child("type", n.type);
      d.child("init", n.init);
      break;
    }
    case NodeKind::EnvDecl: {
      auto& n = llvm::cast<EnvDecl>(node);
      d.ident("name", n.name);
      d.child("type", n.type);
      d.child("default", n.default_value);
      break;
    }
    case NodeKind::DbDecl:
    case NodeKind::AuthDecl:
    case NodeKind::CorsDecl:
    case NodeKind::RateLimitDecl:
    case NodeKind::OpenApiDecl: d.child("config", llvm::cast<ConfigDecl>(node).config); break;
    case NodeKind::BackendDecl: {
      auto& n = llvm::cast<BackendDecl>(node);
      d.ident("name", n.name);
      d.child("config", n.config);
      break;
    }
    case NodeKind::ModelDecl: {
      auto& n = llvm::cast<ModelDecl>(node);
      d.ident("name", n.name);
      d.flag("body", n.has_body);
      d.list("fields", n.fields);
      break;
    }
    case NodeKind::HealthDecl: d.child("path", llvm::cast<HealthDecl>(node).path); break;
    case NodeKind::PortDecl: d.child("value", llvm::cast<PortDecl>(node).value); break;
    case NodeKind::ScheduleDecl: {
      auto& n = llvm::cast<ScheduleDecl>(node);
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
      break;
    }
    case NodeKind::SubscribeDecl: {
      auto& n = llvm::cast<SubscribeDecl>(node);
      d.child("event", n.event);
      if (n.options) d.child("options", n.options);
      d.list("params", n.params);
      d.child("body", n.body);
      break;
    }
    case NodeKind::HookDecl: {
      auto& n = llvm::cast<HookDecl>(node);
      d.raw("hook", n.hook == HookDecl::Hook::Start  ? "on_start"
                    : n.hook == HookDecl::Hook::Stop ? "on_stop"
                                                     : "on_error");
      d.flag("fn_form", n.fn_form);
      d.list("params", n.params);
      d.child("body", n.body);
      break;
    }
    case NodeKind::RouteDecl: {
      auto& n = llvm::cast<RouteDecl>(node);
      d.ident("method", n.method);
      if (!n.doc.empty()) d.quoted("doc", n.doc);
      if (!n.guards.empty()) {
        nlohmann::json guards = nlohmann::json::array();
        for (const Ident& g : n.guards) guards.push_back(g.name.str());
        d.raw("with", guards);
      }
      d.child("path", n.path);
      d.child("handler", n.handler);
      break;
    }
    case NodeKind::DiscoverDecl: {
      auto& n = llvm::cast<DiscoverDecl>(node);
      d.raw("form", n.block_form ? "block" : "at");
      d.child("name", n.name);
      d.child("url", n.url);
      d.child("options", n.options);
      break;
    }
    case NodeKind::LetStmt: {
      auto& n = llvm::cast<LetStmt>(node);
      d.ident("name", n.name);
      d.flag("mutable", n.is_mutable);
      d.child("type", n.type);
      d.child("init", n.init);
      break;
    }
    case NodeKind::DestructureStmt: {
      auto& n = llvm::cast<DestructureStmt>(node);
      d.raw("keyword", n.keyword == DestructureStmt::Keyword::Let   ? "let"
                       : n.keyword == DestructureStmt::Keyword::Var ? "var"
                                                                    : "none");
      d.list("fields", n.fields);
      d.child("init", n.init);
      break;
    }
    case NodeKind::AssignStmt: {
      auto& n = llvm::cast<AssignStmt>(node);
      d.raw("op", assignOpName(n.op));
      d.child("target", n.target);
      d.child("value", n.value);
      break;
    }
    case NodeKind::ExprStmt: d.child("", llvm::cast<ExprStmt>(node).expr); break;
    case NodeKind::ReturnStmt: d.child("value", llvm::cast<ReturnStmt>(node).value); break;
    case NodeKind::BreakStmt:
    case NodeKind::ContinueStmt: break;
    case NodeKind::ForStmt: {
      auto& n = llvm::cast<ForStmt>(node);
      d.ident("index", n.index);
      d.ident("value", n.value);
      d.child("iterable", n.iterable);
      d.child("body", n.body);
      break;
    }
    case NodeKind::WhileStmt: {
      auto& n = llvm::cast<WhileStmt>(node);
      d.child("cond", n.cond);
      d.child("body", n.body);
      break;
    }
    case NodeKind::TryStmt: {
      auto& n = llvm::cast<TryStmt>(node);
      d.ident("error", n.error_name);
      d.child("body", n.body);
      d.child("catch", n.catch_body);
      d.child("finally", n.finally_body);
      break;
    }
    case NodeKind::IntLit: d.raw("value", llvm::cast<IntLit>(node).value); break;
    case NodeKind::FloatLit: d.raw("value", llvm::cast<FloatLit>(node).value); break;
    case NodeKind::BoolLit: d.raw("value", llvm::cast<BoolLit>(node).value); break;
    case NodeKind::StringLit: d.quoted("value", llvm::cast<StringLit>(node).value); break;
    case NodeKind::InterpolatedString: d.list("parts", llvm::cast<InterpolatedString>(node).parts); break;
    case NodeKind::DurationLit: {
      auto& n = llvm::cast<DurationLit>(node);
      d.raw("unit", durationUnitName(n.unit));
      d.raw("ms", n.milliseconds());
      d.child("amount", n.amount);
      break;
    }
    case NodeKind::NameExpr: d.ident("name", llvm::cast<NameExpr>(node).name); break;
    case NodeKind::ArrayExpr: d.list("elements", llvm::cast<ArrayExpr>(node).elements); break;
    case NodeKind::ObjectExpr: d.list("entries", llvm::cast<ObjectExpr>(node).entries); break;
    case NodeKind::RecordExpr: {
      auto& n = llvm::cast<RecordExpr>(node);
      d.ident("type", n.type_name);
      d.list("entries", n.entries);
      break;
    }
    case NodeKind::CallExpr: {
      auto& n = llvm::cast<CallExpr>(node);
      d.child("callee", n.callee);
      d.list("args", n.args);
      break;
    }
    case NodeKind::MemberExpr: {
      auto& n = llvm::cast<MemberExpr>(node);
      d.ident("member", n.member);
      d.child("base", n.base);
      break;
    }
    case NodeKind::IndexExpr: {
      auto& n = llvm::cast<IndexExpr>(node);
      d.child("base", n.base);
      d.child("index", n.index);
      break;
    }
    case NodeKind::UnaryExpr: {
      auto& n = llvm::cast<UnaryExpr>(node);
      d.raw("op", unaryOpName(n.op));
      d.child("operand", n.operand);
      break;
    }
    case NodeKind::BinaryExpr: {
      auto& n = llvm::cast<BinaryExpr>(node);
      d.raw("op", binaryOpName(n.op));
      d.child("lhs", n.lhs);
      d.child("rhs", n.rhs);
      break;
    }
    case NodeKind::RangeExpr: {
      auto& n = llvm::cast<RangeExpr>(node);
      d.flag("inclusive", n.inclusive);
      d.child("lo", n.lo);
      d.child("hi", n.hi);
      break;
    }
    case NodeKind::PipeExpr: {
      auto& n = llvm::cast<PipeExpr>(node);
      d.child("value", n.value);
      d.child("target", n.target);
      break;
    }
    case NodeKind::UnwrapExpr: d.child("operand", llvm::cast<UnwrapExpr>(node).operand); break;
    case NodeKind::AwaitExpr: d.child("operand", llvm::cast<AwaitExpr>(node).operand); break;
    case NodeKind::LambdaExpr: {
      auto& n = llvm::cast<LambdaExpr>(node);
      d.list("params", n.params);
      d.child("returns", n.return_type);
      d.child("body", n.body);
      break;
    }
    case NodeKind::IfExpr: {
      auto& n = llvm::cast<IfExpr>(node);
      d.list("branches", n.branches);
      d.child("else", n.else_body);
      break;
    }
    case NodeKind::MatchExpr: {
      auto& n = llvm::cast<MatchExpr>(node);
      d.child("subject", n.subject);
      d.list("arms", n.arms);
      break;
    }
    case NodeKind::BlockExpr: d.list("stmts", llvm::cast<BlockExpr>(node).stmts); break;
    case NodeKind::WildcardPattern: break;
    case NodeKind::LiteralPattern: d.child("value", llvm::cast<LiteralPattern>(node).value); break;
    case NodeKind::RangePattern: {
      auto& n = llvm::cast<RangePattern>(node);
      d.flag("inclusive", n.inclusive);
      d.child("lo", n.lo);
      d.child("hi", n.hi);
      break;
    }
    case NodeKind::BindingPattern: d.ident("name", llvm::cast<BindingPattern>(node).name); break;
    case NodeKind::VariantPattern: {
      auto& n = llvm::cast<VariantPattern>(node);
      d.ident("qualifier", n.qualifier);
      d.ident("name", n.name);
      d.flag("parens", n.has_parens);
      d.list("args", n.args);
      break;
    }
    case NodeKind::OrPattern: d.list("alternatives", llvm::cast<OrPattern>(node).alternatives); break;
    case NodeKind::NamedType: {
      auto& n = llvm::cast<NamedType>(node);
      d.ident("name", n.name);
      d.list("args", n.args);
      break;
    }
    case NodeKind::ArrayType: d.child("element", llvm::cast<ArrayType>(node).element); break;
    case NodeKind::FnType: {
      auto& n = llvm::cast<FnType>(node);
      d.list("params", n.params);
      d.child("result", n.result);
      break;
    }
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
