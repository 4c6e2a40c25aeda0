// luxc's abstract syntax tree: what the parser hands to the checker.
// Entry points: ast::AstContext (owns every node; create<T>(...)), the node classes below
// (LLVM-style RTTI: llvm::isa/dyn_cast/cast over Node::kind()), dumpAst (ast_dump.cpp).
// Nodes are arena-allocated and trivially destructible: names are llvm::StringRef and child
// lists llvm::ArrayRef, both pointing into the context's arena. Every node has a SourceRange.
#pragma once

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/ADT/StringSet.h>
#include <llvm/Support/Allocator.h>
#include <llvm/Support/Casting.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <iosfwd>
#include <type_traits>

#include "diag/source.h"

namespace lux::ast {

enum class NodeKind : uint8_t {
#define LUX_AST_NODE(Name, Category) Name,
#include "ast/ast_nodes.def"
#define LUX_AST_RANGE(Category, FirstKind, LastKind) First##Category = FirstKind, Last##Category = LastKind,
#include "ast/ast_nodes.def"
};

// "FnDecl", "IfExpr", ... (the dumper's names).
llvm::StringRef nodeKindName(NodeKind kind);

// The family's spellings of `None` as a name: `nil`, and JavaScript's `null` and `undefined` (a
// binding of that name in scope wins).
inline bool isNoneSpelling(llvm::StringRef name) { return name == "nil" || name == "null" || name == "undefined"; }

class Node {
 public:
  NodeKind kind() const { return kind_; }
  SourceRange range() const { return range_; }
  void setRange(SourceRange r) { range_ = r; }

 protected:
  Node(NodeKind kind, SourceRange range) : kind_(kind), range_(range) {}

 private:
  NodeKind kind_;
  SourceRange range_;
};

// A name as written, with the range of its token (names are interned in the AstContext:
// equal names have equal data pointers).
struct Ident {
  llvm::StringRef name;
  SourceRange range;
  bool empty() const { return name.empty(); }
};

// --- abstract categories -------------------------------------------------------------------
#define LUX_AST_CATEGORY(Category)                                               \
  class Category : public Node {                                                 \
   public:                                                                       \
    static bool classof(const Node* n) {                                         \
      return n->kind() >= NodeKind::First##Category && n->kind() <= NodeKind::Last##Category; \
    }                                                                            \
                                                                                 \
   protected:                                                                    \
    using Node::Node;                                                            \
  };
LUX_AST_CATEGORY(Stmt)
LUX_AST_CATEGORY(Expr)
LUX_AST_CATEGORY(Pattern)
LUX_AST_CATEGORY(Type)
#undef LUX_AST_CATEGORY

// Declares `static constexpr NodeKind kKind` and classof for a concrete class.
#define LUX_AST_LEAF(Name)                                                         \
  static constexpr NodeKind kKind = NodeKind::Name;                                \
  static bool classof(const Node* n) { return n->kind() == NodeKind::Name; }

class Expr;
class BlockExpr;
class ObjectExpr;
class StringLit;

// --- structural pieces -----------------------------------------------------------------------

// `name[: Type][= default]` in fn, lambda, hook, subscribe and schedule parameter lists.
class Param : public Node {
 public:
  LUX_AST_LEAF(Param)
  Param(SourceRange r, Ident name, Type* type, Expr* default_value)
      : Node(kKind, r), name(name), type(type), default_value(default_value) {}
  Ident name;
  Type* type;            // null when not annotated
  Expr* default_value;   // null when absent
  bool implicit = false;  // a method's `self` the program did not write (ImplDecl)
};

// `name: Type [= default]` in a record type, a model, or a named variant payload field.
// In a positional variant payload (`Circle(Float)`) the name is empty.
class FieldDecl : public Node {
 public:
  LUX_AST_LEAF(FieldDecl)
  FieldDecl(SourceRange r, Ident name, Type* type, Expr* default_value)
      : Node(kKind, r), name(name), type(type), default_value(default_value) {}
  Ident name;
  Type* type;
  Expr* default_value;  // null when absent
};

// `Name` or `Name(payload, ...)` in an enum type.
class EnumVariant : public Node {
 public:
  LUX_AST_LEAF(EnumVariant)
  EnumVariant(SourceRange r, Ident name, llvm::ArrayRef<FieldDecl*> payload, bool has_parens)
      : Node(kKind, r), name(name), payload(payload), has_parens(has_parens) {}
  Ident name;
  llvm::ArrayRef<FieldDecl*> payload;
  bool has_parens;  // `Name()` vs `Name`
};

// One entry of an object literal, a record construction or a config block (`db { ... }`).
class ObjectEntry : public Node {
 public:
  LUX_AST_LEAF(ObjectEntry)
  enum class Form : uint8_t {
    Named,      // `key: value` (key an identifier or keyword)
    Quoted,     // `"Content-Type": value`
    Shorthand,  // `name` — value is a NameExpr of the same name
    Spread,     // `...expr` — key empty
    Computed,   // `[expr]: value` — key empty, key_expr the key's text (only in a value object literal)
  };
  ObjectEntry(SourceRange r, Form form, Ident key, Expr* value)
      : Node(kKind, r), form(form), key(key), value(value) {}
  Form form;
  Ident key;     // cooked text for Quoted keys
  Expr* value;   // never null
  Expr* key_expr = nullptr;  // the `[expr]` of a Computed entry, else null
};

// `pattern [if guard] => body` where body is an expression or a BlockExpr.
class MatchArm : public Node {
 public:
  LUX_AST_LEAF(MatchArm)
  MatchArm(SourceRange r, Pattern* pattern, Expr* guard, Expr* body)
      : Node(kKind, r), pattern(pattern), guard(guard), body(body) {}
  Pattern* pattern;
  Expr* guard;  // null when absent
  Expr* body;
};

// One conditional branch of an IfExpr.
class IfBranch : public Node {
 public:
  LUX_AST_LEAF(IfBranch)
  IfBranch(SourceRange r, Expr* cond, BlockExpr* body) : Node(kKind, r), cond(cond), body(body) {}
  Expr* cond;
  BlockExpr* body;
};

// `a` (binds field `a` to `a`) or `key: a` (binds field `key` to `a`) in a destructuring; in a
// list pattern `[a, _, ...rest]` an element by position (key = binding; `_` binds nothing) or,
// with `rest`, the elements after the others.
class DestructureField : public Node {
 public:
  LUX_AST_LEAF(DestructureField)
  DestructureField(SourceRange r, Ident key, Ident binding, bool rest = false)
      : Node(kKind, r), key(key), binding(binding), rest(rest) {}
  Ident key;
  Ident binding;
  bool rest;
  Expr* default_value = nullptr;  // `{ age = 18 }`: taken when the field is absent or null
};

// --- declarations ---------------------------------------------------------------------------

// A declaration may carry `///` doc comment lines written right above it (joined with '\n',
// each without its `///` and one following space); empty when there are none.
class Decl : public Node {
 public:
  static bool classof(const Node* n) {
    return n->kind() >= NodeKind::FirstDecl && n->kind() <= NodeKind::LastDecl;
  }
  llvm::StringRef doc;

 protected:
  using Node::Node;
};

class Program : public Node {
 public:
  LUX_AST_LEAF(Program)
  Program(SourceRange r, llvm::ArrayRef<Decl*> items) : Node(kKind, r), items(items) {}
  // SharedBlock, ServerBlock, FnDecl, type declarations, VarDecls and OpenApiDecls, in source order.
  llvm::ArrayRef<Decl*> items;
};

// `shared { ... }`: types, functions and bindings visible in every server.
class SharedBlock : public Decl {
 public:
  LUX_AST_LEAF(SharedBlock)
  SharedBlock(SourceRange r, llvm::ArrayRef<Decl*> items) : Decl(kKind, r), items(items) {}
  llvm::ArrayRef<Decl*> items;
};

// `server { ... }` (name empty) or `server "name" { ... }`.
class ServerBlock : public Decl {
 public:
  LUX_AST_LEAF(ServerBlock)
  ServerBlock(SourceRange r, Ident name, llvm::ArrayRef<Decl*> items)
      : Decl(kKind, r), name(name), items(items) {}
  Ident name;  // the string's cooked text and range (quotes included); empty for `server {`
  llvm::ArrayRef<Decl*> items;
};

// `fn name(params) [-> Type] { body }`; base of BackgroundFnDecl and MiddlewareDecl.
class FnDecl : public Decl {
 public:
  static constexpr NodeKind kKind = NodeKind::FnDecl;
  static bool classof(const Node* n) {
    return n->kind() == NodeKind::FnDecl || n->kind() == NodeKind::BackgroundFnDecl ||
           n->kind() == NodeKind::MiddlewareDecl;
  }
  FnDecl(SourceRange r, Ident name, llvm::ArrayRef<Param*> params, Type* return_type, BlockExpr* body)
      : Decl(kKind, r), name(name), params(params), return_type(return_type), body(body) {}
  Ident name;  // empty only for an anonymous `middleware fn(req, next)`
  llvm::ArrayRef<Param*> params;
  Type* return_type;  // null when not annotated
  BlockExpr* body;

 protected:
  FnDecl(NodeKind k, SourceRange r, Ident name, llvm::ArrayRef<Param*> params, Type* return_type,
         BlockExpr* body)
      : Decl(k, r), name(name), params(params), return_type(return_type), body(body) {}
};

// `background fn name(params) [with { options }] { body }`: a job for `spawn_job`.
class BackgroundFnDecl : public FnDecl {
 public:
  static constexpr NodeKind kKind = NodeKind::BackgroundFnDecl;
  static bool classof(const Node* n) { return n->kind() == kKind; }
  BackgroundFnDecl(SourceRange r, Ident name, llvm::ArrayRef<Param*> params, Type* return_type,
                   ObjectExpr* options, BlockExpr* body)
      : FnDecl(kKind, r, name, params, return_type, body), options(options) {}
  ObjectExpr* options;  // `with { retries: 3, ... }`; null when absent
};

// `middleware fn name(req, next) { }` or `middleware fn name(req, res) { }`.
class MiddlewareDecl : public FnDecl {
 public:
  static constexpr NodeKind kKind = NodeKind::MiddlewareDecl;
  static bool classof(const Node* n) { return n->kind() == kKind; }
  MiddlewareDecl(SourceRange r, Ident name, llvm::ArrayRef<Param*> params, Type* return_type,
                 BlockExpr* body)
      : FnDecl(kKind, r, name, params, return_type, body) {}
};

// `type Name { field: Type, ... }`.
class RecordTypeDecl : public Decl {
 public:
  LUX_AST_LEAF(RecordTypeDecl)
  RecordTypeDecl(SourceRange r, Ident name, llvm::ArrayRef<FieldDecl*> fields)
      : Decl(kKind, r), name(name), fields(fields) {}
  Ident name;
  llvm::ArrayRef<FieldDecl*> fields;
};

// `impl Point { fn norm(self) { ... } }` or `impl Printable for Point { fn to_string() { ... } }`:
// methods of a record or enum type. A method whose first parameter is `self` is called on a value
// (`p.norm()`), one without it on the type (`Point.origin()`). The builder gives a method of
// `impl Trait for T` (and a plain impl's method whose body reads `self`) an unwritten `self`
// parameter (`Param::implicit`); `inherited` are fresh copies of the trait's methods with a body
// that this impl does not write (each implementation checks its own copy against its type).
class ImplDecl : public Decl {
 public:
  LUX_AST_LEAF(ImplDecl)
  ImplDecl(SourceRange r, Ident type_name, Ident trait, llvm::ArrayRef<FnDecl*> methods)
      : Decl(kKind, r), type_name(type_name), trait(trait), methods(methods) {}
  Ident type_name;
  Ident trait;  // empty for a plain `impl T { }`
  llvm::ArrayRef<FnDecl*> methods;
  llvm::ArrayRef<FnDecl*> inherited;
};

// `interface Name { fn sig(params) -> T }` or `trait Name { ... }`: the methods an `impl Name for
// T` must write; a method with a body (a trait's default) is inherited by an impl that leaves it
// out. `methods[i]->body` is null for a bare signature.
class TraitDecl : public Decl {
 public:
  LUX_AST_LEAF(TraitDecl)
  TraitDecl(SourceRange r, Ident name, bool is_interface, llvm::ArrayRef<FnDecl*> methods)
      : Decl(kKind, r), name(name), is_interface(is_interface), methods(methods) {}
  Ident name;
  bool is_interface;
  llvm::ArrayRef<FnDecl*> methods;
};

// `type Name { A, B(payload), ... }`.
class EnumTypeDecl : public Decl {
 public:
  LUX_AST_LEAF(EnumTypeDecl)
  EnumTypeDecl(SourceRange r, Ident name, llvm::ArrayRef<EnumVariant*> variants)
      : Decl(kKind, r), name(name), variants(variants) {}
  Ident name;
  llvm::ArrayRef<EnumVariant*> variants;
};

// `type Name = Type`.
class TypeAliasDecl : public Decl {
 public:
  LUX_AST_LEAF(TypeAliasDecl)
  TypeAliasDecl(SourceRange r, Ident name, Type* aliased) : Decl(kKind, r), name(name), aliased(aliased) {}
  Ident name;
  Type* aliased;
};

// A binding outside function bodies: `var x = e` (mutable), `x = e` or `let x = e` (immutable).
class VarDecl : public Decl {
 public:
  LUX_AST_LEAF(VarDecl)
  VarDecl(SourceRange r, Ident name, bool is_mutable, Type* type, Expr* init)
      : Decl(kKind, r), name(name), is_mutable(is_mutable), type(type), init(init) {}
  Ident name;
  bool is_mutable;
  Type* type;  // null when not annotated
  Expr* init;
};

// `env NAME: Type [= default]`.
class EnvDecl : public Decl {
 public:
  LUX_AST_LEAF(EnvDecl)
  EnvDecl(SourceRange r, Ident name, Type* type, Expr* default_value)
      : Decl(kKind, r), name(name), type(type), default_value(default_value) {}
  Ident name;
  Type* type;
  Expr* default_value;  // null when absent
};

// `db { ... }`, `auth { ... }`, `cors { ... }`, `rate_limit { ... }`, `openapi { ... }`, `cache { ... }`,
// `limits { ... }`: a name and an object (`max_body N` is a LimitsDecl of `{ max_body: N }`).
class ConfigDecl : public Decl {
 public:
  static bool classof(const Node* n) {
    return n->kind() == NodeKind::DbDecl || n->kind() == NodeKind::AuthDecl ||
           n->kind() == NodeKind::CorsDecl || n->kind() == NodeKind::RateLimitDecl ||
           n->kind() == NodeKind::OpenApiDecl || n->kind() == NodeKind::CacheDecl ||
           n->kind() == NodeKind::LimitsDecl;
  }
  ObjectExpr* config;
  SourceRange keyword_range;

 protected:
  ConfigDecl(NodeKind k, SourceRange r, SourceRange keyword_range, ObjectExpr* config)
      : Decl(k, r), config(config), keyword_range(keyword_range) {}
};
#define LUX_AST_CONFIG_DECL(Name)                                                 \
  class Name : public ConfigDecl {                                                \
   public:                                                                        \
    LUX_AST_LEAF(Name)                                                            \
    Name(SourceRange r, SourceRange keyword_range, ObjectExpr* config)            \
        : ConfigDecl(kKind, r, keyword_range, config) {}                          \
  };
LUX_AST_CONFIG_DECL(DbDecl)
LUX_AST_CONFIG_DECL(AuthDecl)
LUX_AST_CONFIG_DECL(CorsDecl)
LUX_AST_CONFIG_DECL(RateLimitDecl)
LUX_AST_CONFIG_DECL(OpenApiDecl)
LUX_AST_CONFIG_DECL(CacheDecl)
LUX_AST_CONFIG_DECL(LimitsDecl)
#undef LUX_AST_CONFIG_DECL

// `model Name` (fields come from the type `Name`) or `model Name { field: Type ... }`.
class ModelDecl : public Decl {
 public:
  LUX_AST_LEAF(ModelDecl)
  ModelDecl(SourceRange r, Ident name, bool has_body, llvm::ArrayRef<FieldDecl*> fields, ObjectExpr* options = nullptr)
      : Decl(kKind, r), name(name), has_body(has_body), fields(fields), options(options) {}
  Ident name;
  bool has_body;  // the body lists fields (a body of options only is `model Name` over the type)
  llvm::ArrayRef<FieldDecl*> fields;
  // `table`, `timestamps`, `belongs_to`, `has_many` from the body, as `key: value` entries; null
  // when the body has none.
  ObjectExpr* options;
};

// `health "/path"`, or a readiness route `health "/ready" { check_db, my_check, timeout: 2000 }`.
class HealthDecl : public Decl {
 public:
  LUX_AST_LEAF(HealthDecl)
  HealthDecl(SourceRange r, StringLit* path, ObjectExpr* checks) : Decl(kKind, r), path(path), checks(checks) {}
  StringLit* path;
  ObjectExpr* checks;  // null for the plain form
};

// `port 3001`.
class PortDecl : public Decl {
 public:
  LUX_AST_LEAF(PortDecl)
  PortDecl(SourceRange r, Expr* value) : Decl(kKind, r), value(value) {}
  Expr* value;
};

// A scheduled task, in any of its spellings:
//   CronFn:    `schedule "0 * * * *" fn [name](params) { }`     (cron = the string, name = fn name)
//   CronNamed: `schedule "name" cron("0 * * * *") { }`           (name = "name", cron = the inner string)
//   Every:     `schedule ["name"] every 30.seconds [fn [name]()] { }`  (interval set, cron null)
class ScheduleDecl : public Decl {
 public:
  LUX_AST_LEAF(ScheduleDecl)
  enum class Form : uint8_t { CronFn, CronNamed, Every };
  ScheduleDecl(SourceRange r, Form form, Ident name, StringLit* cron, Expr* interval,
               llvm::ArrayRef<Param*> params, ObjectExpr* options, BlockExpr* body)
      : Decl(kKind, r), form(form), name(name), cron(cron), interval(interval), params(params),
        options(options), body(body) {}
  Form form;
  Ident name;        // empty for `schedule "cron" fn() { }`
  StringLit* cron;   // the cron expression; its range() is the string literal's (quotes included)
  Expr* interval;    // Every form only
  llvm::ArrayRef<Param*> params;
  ObjectExpr* options;  // `with { tz, overlap, run_on_start, missed }`; null when absent
  BlockExpr* body;
};

// `subscribe "event" fn(params) { }`.
class SubscribeDecl : public Decl {
 public:
  LUX_AST_LEAF(SubscribeDecl)
  SubscribeDecl(SourceRange r, StringLit* event, ObjectExpr* options, llvm::ArrayRef<Param*> params, BlockExpr* body)
      : Decl(kKind, r), event(event), options(options), params(params), body(body) {}
  StringLit* event;
  ObjectExpr* options;  // `subscribe "e" with { broadcast: true } fn(...)`, or null
  llvm::ArrayRef<Param*> params;
  BlockExpr* body;
};

// `on_start fn() { }` / `on_start { }`, likewise on_stop and on_error (`fn(err, req[, res])`).
class HookDecl : public Decl {
 public:
  LUX_AST_LEAF(HookDecl)
  enum class Hook : uint8_t { Start, Stop, Error };
  HookDecl(SourceRange r, Hook hook, bool fn_form, llvm::ArrayRef<Param*> params, BlockExpr* body)
      : Decl(kKind, r), hook(hook), fn_form(fn_form), params(params), body(body) {}
  Hook hook;
  bool fn_form;  // `on_start fn() { }` (true) vs `on_start { }` (false, no params)
  llvm::ArrayRef<Param*> params;
  BlockExpr* body;
};

// One modifier after `with`: `auth`, `role("admin", "ops")`, `timeout(500)`. What each name
// means and takes is compiler/check/route_modifiers.def.
class RouteModifier : public Node {
 public:
  LUX_AST_LEAF(RouteModifier)
  RouteModifier(SourceRange r, Ident name, bool parens, llvm::ArrayRef<Expr*> args)
      : Node(kKind, r), name(name), parens(parens), args(args) {}
  Ident name;
  bool parens;                  // written with `( )` (possibly empty)
  llvm::ArrayRef<Expr*> args;
};

// `route METHOD "path" [body: Type] [with auth[, role("admin"), ...]] [-> Type] => handler`.
class RouteDecl : public Decl {
 public:
  LUX_AST_LEAF(RouteDecl)
  RouteDecl(SourceRange r, Ident method, StringLit* path, llvm::ArrayRef<RouteModifier*> modifiers, Expr* handler,
            Type* body_type = nullptr, Type* response_type = nullptr)
      : Decl(kKind, r), method(method), path(path), modifiers(modifiers), handler(handler), body_type(body_type),
        response_type(response_type) {}
  Ident method;        // as written (`GET`, `POST`, ...); the checker validates it
  StringLit* path;     // cooked text; range() covers the literal
  llvm::ArrayRef<RouteModifier*> modifiers;  // after `with`, in order
  Expr* handler;       // usually a NameExpr; may be a LambdaExpr
  Type* body_type;     // `body: CreateUser` (validated request body), or null
  Type* response_type;  // `-> [User]` (the declared response), or null
  // `sse "/path" fn(send, close) { ... }`: a GET route whose handler writes server-sent events
  // (`method` is GET, its range the `sse` keyword's).
  bool sse = false;
  bool requiresAuth() const {
    for (const RouteModifier* m : modifiers)
      if (m->name.name == "auth") return true;
    return false;
  }
};

// `version: "1"` in a route group's header: a name and a literal.
class RoutesOption : public Node {
 public:
  LUX_AST_LEAF(RoutesOption)
  RoutesOption(SourceRange r, Ident name, Expr* value) : Node(kKind, r), name(name), value(value) {}
  Ident name;
  Expr* value;  // a literal: StringLit, IntLit, FloatLit, BoolLit (or a negated number)
};

// `routes "/prefix" [options] [with modifiers] { fn / middleware / route / routes ... }`.
class RoutesDecl : public Decl {
 public:
  LUX_AST_LEAF(RoutesDecl)
  RoutesDecl(SourceRange r, StringLit* prefix, llvm::ArrayRef<RoutesOption*> options,
             llvm::ArrayRef<RouteModifier*> modifiers, llvm::ArrayRef<Decl*> items)
      : Decl(kKind, r), prefix(prefix), options(options), modifiers(modifiers), items(items) {}
  StringLit* prefix;
  llvm::ArrayRef<RoutesOption*> options;
  llvm::ArrayRef<RouteModifier*> modifiers;
  llvm::ArrayRef<Decl*> items;
};

// `discover "name" at "url" [with { options }]` (AtForm), `discover "name" { url: ..., ... }`, or
// `discover "name"` alone (AtForm without a URL: a server of the same program).
class DiscoverDecl : public Decl {
 public:
  LUX_AST_LEAF(DiscoverDecl)
  DiscoverDecl(SourceRange r, StringLit* name, bool block_form, Expr* url, ObjectExpr* options)
      : Decl(kKind, r), name(name), block_form(block_form), url(url), options(options) {}
  StringLit* name;
  bool block_form;
  Expr* url;            // AtForm: the `at` expression or null; block form: null (the `url:` entry is in options)
  ObjectExpr* options;  // AtForm: the `with { }` object or null; block form: the whole block
};

// A server block named by a plain name, not a keyword: `jobs { ... }` or `bus { ... }` (where a
// server's jobs and schedules, or its events, live), `compression { ... }` (the server's response
// compression), `tls { ... }` (HTTPS), `session { ... }`, `upload { ... }` and `metrics { ... }`
// (GET /metrics for Prometheus).
class BackendDecl : public Decl {
 public:
  enum class Kind : uint8_t { Jobs, Bus, Compression, Tls, Session, Upload, Sse, Realtime, Metrics };
  LUX_AST_LEAF(BackendDecl)
  BackendDecl(SourceRange r, Kind which, Ident name, ObjectExpr* config)
      : Decl(kKind, r), which(which), name(name), config(config) {}
  Kind which;
  Ident name;  // the block's name as written (its range is the keyword's)
  ObjectExpr* config;
};

// `static "/prefix" => "./dir"` or `static "/" => "./dist" fallback "index.html"`: a directory
// served under a URL prefix (check_static.cpp).
class StaticDecl : public Decl {
 public:
  LUX_AST_LEAF(StaticDecl)
  StaticDecl(SourceRange r, StringLit* prefix, StringLit* dir, StringLit* fallback)
      : Decl(kKind, r), prefix(prefix), dir(dir), fallback(fallback) {}
  StringLit* prefix;
  StringLit* dir;
  StringLit* fallback;  // null without `fallback`
};

// `test "name" [timeout=5000] [with { server: "api", timeout: 5000 }] { ... }`: compiled only by
// `luxc test` (never into a served program). The family's `key=value` options and the `with`
// object are one object (`options`, null when neither is written).
class TestDecl : public Decl {
 public:
  LUX_AST_LEAF(TestDecl)
  TestDecl(SourceRange r, StringLit* name, ObjectExpr* options, BlockExpr* body)
      : Decl(kKind, r), name(name), options(options), body(body) {}
  StringLit* name;
  ObjectExpr* options;
  BlockExpr* body;
};

// One hook of a `ws` block: `on_open fn(ws) { }`, `on_message fn(ws, message) { }`,
// `on_close fn(ws, code, reason) { }`, `on_error fn(ws, error) { }`; the checker validates the name.
class WsHook : public Node {
 public:
  LUX_AST_LEAF(WsHook)
  WsHook(SourceRange r, Ident name, llvm::ArrayRef<Param*> params, BlockExpr* body)
      : Node(kKind, r), name(name), params(params), body(body) {}
  Ident name;
  llvm::ArrayRef<Param*> params;
  BlockExpr* body;
};

// `ws "/chat" with auth { hooks and options }`, or `ws { ... }` (path null: `/ws`): a WebSocket
// endpoint (check_ws.cpp). The options (`ping_interval: 20`) are gathered into one object.
class WsDecl : public Decl {
 public:
  LUX_AST_LEAF(WsDecl)
  WsDecl(SourceRange r, StringLit* path, llvm::ArrayRef<RouteModifier*> modifiers, llvm::ArrayRef<WsHook*> hooks,
         ObjectExpr* options)
      : Decl(kKind, r), path(path), modifiers(modifiers), hooks(hooks), options(options) {}
  StringLit* path;  // null: the family's default, "/ws"
  llvm::ArrayRef<RouteModifier*> modifiers;
  llvm::ArrayRef<WsHook*> hooks;
  ObjectExpr* options;  // never null (empty when the block has no options)
};

// --- statements -----------------------------------------------------------------------------

// `var x[: T] = e` (mutable) or `let x[: T] = e` (immutable) inside a block. A plain `x = e`
// is an AssignStmt: the checker decides whether it introduces an immutable binding.
class LetStmt : public Stmt {
 public:
  LUX_AST_LEAF(LetStmt)
  LetStmt(SourceRange r, Ident name, bool is_mutable, Type* type, Expr* init)
      : Stmt(kKind, r), name(name), is_mutable(is_mutable), type(type), init(init) {}
  Ident name;
  bool is_mutable;
  Type* type;  // null when not annotated
  Expr* init;
};

// `let { a, b: c } = e`, `var { a } = e`, or `{ a, b } = e` (keyword none); with `list`, the
// list pattern `let [a, b, ...rest] = e` (fields by position).
class DestructureStmt : public Stmt {
 public:
  LUX_AST_LEAF(DestructureStmt)
  enum class Keyword : uint8_t { None, Let, Var };
  DestructureStmt(SourceRange r, Keyword keyword, llvm::ArrayRef<DestructureField*> fields, Expr* init,
                  bool list = false)
      : Stmt(kKind, r), keyword(keyword), fields(fields), init(init), list(list) {}
  Keyword keyword;
  llvm::ArrayRef<DestructureField*> fields;
  Expr* init;
  bool list;
};

enum class AssignOp : uint8_t { Assign, Add, Sub, Mul, Div, Mod };

// `target op value`; target is a NameExpr, MemberExpr or IndexExpr (the builder reports others).
class AssignStmt : public Stmt {
 public:
  LUX_AST_LEAF(AssignStmt)
  AssignStmt(SourceRange r, AssignOp op, Expr* target, Expr* value)
      : Stmt(kKind, r), op(op), target(target), value(value) {}
  AssignOp op;
  Expr* target;
  Expr* value;
  bool from_delete = false;  // JavaScript's `delete obj.key`: `obj = omit(obj, ["key"])` (builder_fn.cpp)
};

class ExprStmt : public Stmt {
 public:
  LUX_AST_LEAF(ExprStmt)
  ExprStmt(SourceRange r, Expr* expr) : Stmt(kKind, r), expr(expr) {}
  Expr* expr;
};

class ReturnStmt : public Stmt {
 public:
  LUX_AST_LEAF(ReturnStmt)
  ReturnStmt(SourceRange r, Expr* value) : Stmt(kKind, r), value(value) {}
  Expr* value;  // null for a bare `return`
};

class ThrowStmt : public Stmt {
 public:
  LUX_AST_LEAF(ThrowStmt)
  ThrowStmt(SourceRange r, Expr* value) : Stmt(kKind, r), value(value) {}
  Expr* value;  // the value raised: a String, a record, an object, ...
};

// `break`, or `break outer` to leave the loop labelled `outer:` around it.
class BreakStmt : public Stmt {
 public:
  LUX_AST_LEAF(BreakStmt)
  explicit BreakStmt(SourceRange r) : Stmt(kKind, r) {}
  Ident label;  // empty: the innermost loop
};

// `continue`, or `continue outer`.
class ContinueStmt : public Stmt {
 public:
  LUX_AST_LEAF(ContinueStmt)
  explicit ContinueStmt(SourceRange r) : Stmt(kKind, r) {}
  Ident label;  // empty: the innermost loop
};

// `for x in e { }` or `for i, x in e { }` (index is empty in the first form).
class ForStmt : public Stmt {
 public:
  LUX_AST_LEAF(ForStmt)
  ForStmt(SourceRange r, Ident index, Ident value, Expr* iterable, BlockExpr* body)
      : Stmt(kKind, r), index(index), value(value), iterable(iterable), body(body) {}
  Ident index;
  Ident value;
  Expr* iterable;
  BlockExpr* body;
  Ident label;                    // `outer: for ...` (empty when unlabelled)
  BlockExpr* else_body = nullptr;  // `for ... { } else { }`: runs when no `break` left the loop
};

// `while cond { }`; `loop { }` is a WhileStmt whose cond is `true`.
class WhileStmt : public Stmt {
 public:
  LUX_AST_LEAF(WhileStmt)
  WhileStmt(SourceRange r, Expr* cond, BlockExpr* body) : Stmt(kKind, r), cond(cond), body(body) {}
  Expr* cond;
  BlockExpr* body;
  Ident label;                    // `outer: while ...`
  BlockExpr* else_body = nullptr;  // `while ... { } else { }`: runs when no `break` left the loop
};

// `guard cond else { ... }`: when cond is false the else block runs, and it must leave the
// enclosing function (return, throw) or loop (break, continue).
class GuardStmt : public Stmt {
 public:
  LUX_AST_LEAF(GuardStmt)
  GuardStmt(SourceRange r, Expr* cond, BlockExpr* else_body) : Stmt(kKind, r), cond(cond), else_body(else_body) {}
  Expr* cond;
  BlockExpr* else_body;
};

// `try { } catch [err] { } [finally { }]`.
class TryStmt : public Stmt {
 public:
  LUX_AST_LEAF(TryStmt)
  TryStmt(SourceRange r, BlockExpr* body, Ident error_name, BlockExpr* catch_body, BlockExpr* finally_body)
      : Stmt(kKind, r), body(body), error_name(error_name), catch_body(catch_body), finally_body(finally_body) {}
  BlockExpr* body;
  Ident error_name;        // empty for `catch { }`
  BlockExpr* catch_body;   // null for try/finally without catch
  BlockExpr* finally_body; // null when absent
};

// --- expressions ----------------------------------------------------------------------------

class IntLit : public Expr {
 public:
  LUX_AST_LEAF(IntLit)
  IntLit(SourceRange r, uint64_t value) : Expr(kKind, r), value(value) {}
  uint64_t value;  // literals above 2^63-1 are reported by the builder (E1xxx) and saturate
};

class FloatLit : public Expr {
 public:
  LUX_AST_LEAF(FloatLit)
  FloatLit(SourceRange r, double value) : Expr(kKind, r), value(value) {}
  double value;
};

class BoolLit : public Expr {
 public:
  LUX_AST_LEAF(BoolLit)
  BoolLit(SourceRange r, bool value) : Expr(kKind, r), value(value) {}
  bool value;
};

// A string literal without interpolation, or one text piece of an InterpolatedString.
// `value` is cooked (escapes resolved); range() covers the quotes for a whole literal.
class StringLit : public Expr {
 public:
  LUX_AST_LEAF(StringLit)
  StringLit(SourceRange r, llvm::StringRef value) : Expr(kKind, r), value(value) {}
  llvm::StringRef value;
};

// `"Hello {name}, you have {count + 1} messages"`: parts alternate StringLit text pieces
// (never empty ones) and arbitrary expressions, in source order.
class InterpolatedString : public Expr {
 public:
  LUX_AST_LEAF(InterpolatedString)
  InterpolatedString(SourceRange r, llvm::ArrayRef<Expr*> parts) : Expr(kKind, r), parts(parts) {}
  llvm::ArrayRef<Expr*> parts;
};

enum class DurationUnit : uint8_t { Milliseconds, Seconds, Minutes, Hours, Days, Weeks };

// A number literal followed by a unit member: `30.seconds`, `1.minute`, `500.ms`.
// (`x.hours` on a non-literal stays a MemberExpr; the checker gives it meaning.)
class DurationLit : public Expr {
 public:
  LUX_AST_LEAF(DurationLit)
  DurationLit(SourceRange r, Expr* amount, DurationUnit unit, SourceRange unit_range)
      : Expr(kKind, r), amount(amount), unit(unit), unit_range(unit_range) {}
  Expr* amount;  // IntLit or FloatLit
  DurationUnit unit;
  SourceRange unit_range;
  // The duration in milliseconds (rounded toward zero for fractional amounts).
  double milliseconds() const;
};

// A use of a name: variable, function, type name used as a value, enum variant, `None`, ...
class NameExpr : public Expr {
 public:
  LUX_AST_LEAF(NameExpr)
  NameExpr(SourceRange r, Ident name) : Expr(kKind, r), name(name) {}
  Ident name;
};

// `[a, b, ...rest]` — a spread element is a UnaryExpr with op Spread.
class ArrayExpr : public Expr {
 public:
  LUX_AST_LEAF(ArrayExpr)
  ArrayExpr(SourceRange r, llvm::ArrayRef<Expr*> elements) : Expr(kKind, r), elements(elements) {}
  llvm::ArrayRef<Expr*> elements;
};

// `{ key: value, ... }` (entries separated by commas or newlines).
class ObjectExpr : public Expr {
 public:
  LUX_AST_LEAF(ObjectExpr)
  ObjectExpr(SourceRange r, llvm::ArrayRef<ObjectEntry*> entries) : Expr(kKind, r), entries(entries) {}
  llvm::ArrayRef<ObjectEntry*> entries;
  // The value of the first entry named `key`, or null.
  Expr* find(llvm::StringRef key) const;
};

// `TypeName { field: value, ... }`.
class RecordExpr : public Expr {
 public:
  LUX_AST_LEAF(RecordExpr)
  RecordExpr(SourceRange r, Ident type_name, llvm::ArrayRef<ObjectEntry*> entries)
      : Expr(kKind, r), type_name(type_name), entries(entries) {}
  Ident type_name;
  llvm::ArrayRef<ObjectEntry*> entries;
};

class CallExpr : public Expr {
 public:
  LUX_AST_LEAF(CallExpr)
  CallExpr(SourceRange r, Expr* callee, llvm::ArrayRef<Expr*> args) : Expr(kKind, r), callee(callee), args(args) {}
  Expr* callee;
  llvm::ArrayRef<Expr*> args;
};

class MemberExpr : public Expr {
 public:
  LUX_AST_LEAF(MemberExpr)
  MemberExpr(SourceRange r, Expr* base, Ident member) : Expr(kKind, r), base(base), member(member) {}
  Expr* base;
  Ident member;
  bool optional = false;  // `base?.member`: None stays None
};

class IndexExpr : public Expr {
 public:
  LUX_AST_LEAF(IndexExpr)
  IndexExpr(SourceRange r, Expr* base, Expr* index) : Expr(kKind, r), base(base), index(index) {}
  Expr* base;
  Expr* index;
};

enum class UnaryOp : uint8_t { Neg, Not, Spread };

class UnaryExpr : public Expr {
 public:
  LUX_AST_LEAF(UnaryExpr)
  UnaryExpr(SourceRange r, UnaryOp op, Expr* operand) : Expr(kKind, r), op(op), operand(operand) {}
  UnaryOp op;
  Expr* operand;
};

// In/NotIn: `x in xs`, `x not in xs` (a list element, a substring, an object key). Coalesce:
// `a ?? b`, the Option's value, else b (run only when a is None).
// Pow: `a ** b` (pow(a, b)).
enum class BinaryOp : uint8_t { Add, Sub, Mul, Div, Mod, Eq, Ne, Lt, Le, Gt, Ge, And, Or, In, NotIn, Coalesce, Pow };

class BinaryExpr : public Expr {
 public:
  LUX_AST_LEAF(BinaryExpr)
  BinaryExpr(SourceRange r, BinaryOp op, Expr* lhs, Expr* rhs) : Expr(kKind, r), op(op), lhs(lhs), rhs(rhs) {}
  BinaryOp op;
  Expr* lhs;
  Expr* rhs;
  bool word = false;  // And/Or written `and`/`or` (the same operator; diagnostics quote the spelling)
};

// `lo..hi` (exclusive) or `lo..=hi` (inclusive).
class RangeExpr : public Expr {
 public:
  LUX_AST_LEAF(RangeExpr)
  RangeExpr(SourceRange r, Expr* lo, Expr* hi, bool inclusive)
      : Expr(kKind, r), lo(lo), hi(hi), inclusive(inclusive) {}
  Expr* lo;
  Expr* hi;
  bool inclusive;
};

// `value |> target`: target is a CallExpr `f(args)` (meaning `f(value, args)`), or a NameExpr /
// MemberExpr naming a function (meaning `f(value)`).
class PipeExpr : public Expr {
 public:
  LUX_AST_LEAF(PipeExpr)
  PipeExpr(SourceRange r, Expr* value, Expr* target) : Expr(kKind, r), value(value), target(target) {}
  Expr* value;
  Expr* target;
};

// Postfix `e!`: unwraps an Option/Result, propagating None/Err to the caller.
class UnwrapExpr : public Expr {
 public:
  LUX_AST_LEAF(UnwrapExpr)
  UnwrapExpr(SourceRange r, Expr* operand) : Expr(kKind, r), operand(operand) {}
  Expr* operand;
};

class AwaitExpr : public Expr {
 public:
  LUX_AST_LEAF(AwaitExpr)
  AwaitExpr(SourceRange r, Expr* operand) : Expr(kKind, r), operand(operand) {}
  Expr* operand;
};

// `fn(params) expr` or `fn(params) { block }` (body is then a BlockExpr).
class LambdaExpr : public Expr {
 public:
  LUX_AST_LEAF(LambdaExpr)
  LambdaExpr(SourceRange r, llvm::ArrayRef<Param*> params, Type* return_type, Expr* body)
      : Expr(kKind, r), params(params), return_type(return_type), body(body) {}
  llvm::ArrayRef<Param*> params;
  Type* return_type;  // null when not annotated
  Expr* body;
};

// `if c { } elif c { } else if c { } else { }`: one IfBranch per condition, then the else block.
class IfExpr : public Expr {
 public:
  LUX_AST_LEAF(IfExpr)
  IfExpr(SourceRange r, llvm::ArrayRef<IfBranch*> branches, BlockExpr* else_body)
      : Expr(kKind, r), branches(branches), else_body(else_body) {}
  llvm::ArrayRef<IfBranch*> branches;  // at least one
  BlockExpr* else_body;                // null when absent
};

class MatchExpr : public Expr {
 public:
  LUX_AST_LEAF(MatchExpr)
  MatchExpr(SourceRange r, Expr* subject, llvm::ArrayRef<MatchArm*> arms)
      : Expr(kKind, r), subject(subject), arms(arms) {}
  Expr* subject;
  llvm::ArrayRef<MatchArm*> arms;
};

// One `for` clause of a comprehension with the `if` filters that follow it: `for x in xs if c`.
// `index` is the first of two names (`for k, v in o`), null with one name; each name is a
// NameExpr node of its own, the declaration its local's symbol is resolved from.
struct CompClause {
  NameExpr* index;
  NameExpr* value;
  Expr* iterable;
  llvm::ArrayRef<Expr*> conds;
};

// `[value for ... if ...]` (key null: a list) or `{key: value for ...}` (an object). The clauses
// nest left to right, as loops written one inside the other.
class ComprehensionExpr : public Expr {
 public:
  LUX_AST_LEAF(ComprehensionExpr)
  ComprehensionExpr(SourceRange r, Expr* key, Expr* value, llvm::ArrayRef<CompClause> clauses)
      : Expr(kKind, r), key(key), value(value), clauses(clauses) {}
  Expr* key;
  Expr* value;
  llvm::ArrayRef<CompClause> clauses;
};

// `base[lo:hi:step]` with each part optional (`xs[::-1]`, `s[7:]`).
class SliceExpr : public Expr {
 public:
  LUX_AST_LEAF(SliceExpr)
  SliceExpr(SourceRange r, Expr* base, Expr* lo, Expr* hi, Expr* step)
      : Expr(kKind, r), base(base), lo(lo), hi(hi), step(step) {}
  Expr* base;
  Expr* lo;
  Expr* hi;
  Expr* step;
};

// `a < b < c`: operands[i] ops[i] operands[i + 1], all true; each operand runs once, and the
// chain stops at the first comparison that is false.
class CompareChain : public Expr {
 public:
  LUX_AST_LEAF(CompareChain)
  CompareChain(SourceRange r, llvm::ArrayRef<Expr*> operands, llvm::ArrayRef<BinaryOp> ops)
      : Expr(kKind, r), operands(operands), ops(ops) {}
  llvm::ArrayRef<Expr*> operands;
  llvm::ArrayRef<BinaryOp> ops;
};

// `{ stmts }`: the value of a block is its last statement when that is an ExprStmt.
class BlockExpr : public Expr {
 public:
  LUX_AST_LEAF(BlockExpr)
  BlockExpr(SourceRange r, llvm::ArrayRef<Stmt*> stmts) : Expr(kKind, r), stmts(stmts) {}
  llvm::ArrayRef<Stmt*> stmts;
  // The trailing expression giving the block its value, or null.
  Expr* resultExpr() const {
    if (stmts.empty()) return nullptr;
    if (auto* s = llvm::dyn_cast<ExprStmt>(stmts.back())) return s->expr;
    return nullptr;
  }
};

// --- patterns -------------------------------------------------------------------------------

class WildcardPattern : public Pattern {
 public:
  LUX_AST_LEAF(WildcardPattern)
  explicit WildcardPattern(SourceRange r) : Pattern(kKind, r) {}
};

// `42`, `-1`, `3.5`, `"text"`, `true`: value is an IntLit/FloatLit/StringLit/BoolLit, or a
// UnaryExpr Neg around a number.
class LiteralPattern : public Pattern {
 public:
  LUX_AST_LEAF(LiteralPattern)
  LiteralPattern(SourceRange r, Expr* value) : Pattern(kKind, r), value(value) {}
  Expr* value;
};

// `1..10`, `1..=10`, `"a"..="z"`: bounds as in LiteralPattern.
class RangePattern : public Pattern {
 public:
  LUX_AST_LEAF(RangePattern)
  RangePattern(SourceRange r, Expr* lo, Expr* hi, bool inclusive)
      : Pattern(kKind, r), lo(lo), hi(hi), inclusive(inclusive) {}
  Expr* lo;
  Expr* hi;
  bool inclusive;
};

// A lower-case name: binds the matched value (`x => ...`, `Some(x)`).
class BindingPattern : public Pattern {
 public:
  LUX_AST_LEAF(BindingPattern)
  BindingPattern(SourceRange r, Ident name) : Pattern(kKind, r), name(name) {}
  Ident name;
};

// An upper-case name, optionally qualified and with a payload: `None`, `Warning`,
// `AlertSeverity.Warning`, `Some(x)`, `Ok(v)`, `Err(e)`, `Circle(r)`.
// Rule (docs/language.md): a bare pattern name starting with an upper-case letter is a variant,
// a lower-case one a binding.
class VariantPattern : public Pattern {
 public:
  LUX_AST_LEAF(VariantPattern)
  VariantPattern(SourceRange r, Ident qualifier, Ident name, llvm::ArrayRef<Pattern*> args, bool has_parens)
      : Pattern(kKind, r), qualifier(qualifier), name(name), args(args), has_parens(has_parens) {}
  Ident qualifier;  // `AlertSeverity` in `AlertSeverity.Warning`; usually empty
  Ident name;
  llvm::ArrayRef<Pattern*> args;
  bool has_parens;
};

// `A | B | C`.
class OrPattern : public Pattern {
 public:
  LUX_AST_LEAF(OrPattern)
  OrPattern(SourceRange r, llvm::ArrayRef<Pattern*> alternatives) : Pattern(kKind, r), alternatives(alternatives) {}
  llvm::ArrayRef<Pattern*> alternatives;
};

// `[a, b]` matches a list of exactly two elements, `[first, ...rest]` one of at least one (rest:
// the others); the family's tuple pattern `(x, y)` is the same as `[x, y]`.
class ListPattern : public Pattern {
 public:
  LUX_AST_LEAF(ListPattern)
  ListPattern(SourceRange r, llvm::ArrayRef<Pattern*> elements, Pattern* rest)
      : Pattern(kKind, r), elements(elements), rest(rest) {}
  llvm::ArrayRef<Pattern*> elements;
  Pattern* rest;  // `...rest` (a BindingPattern, or a WildcardPattern for `..._`); null without one
};

// `{ role: "admin", name }`: an object or record that has each key, its value matching the
// key's pattern (a shorthand `name` is the binding pattern `name`).
class ObjectPattern : public Pattern {
 public:
  LUX_AST_LEAF(ObjectPattern)
  ObjectPattern(SourceRange r, llvm::ArrayRef<Ident> keys, llvm::ArrayRef<Pattern*> values)
      : Pattern(kKind, r), keys(keys), values(values) {}
  llvm::ArrayRef<Ident> keys;
  llvm::ArrayRef<Pattern*> values;  // one per key
};

// `"/api" ++ rest`: a String starting with the prefix; rest is the remainder.
class PrefixPattern : public Pattern {
 public:
  LUX_AST_LEAF(PrefixPattern)
  PrefixPattern(SourceRange r, Expr* prefix, Pattern* rest) : Pattern(kKind, r), prefix(prefix), rest(rest) {}
  Expr* prefix;   // a StringLit
  Pattern* rest;  // a BindingPattern, or a WildcardPattern for `_`
};

// --- type expressions -----------------------------------------------------------------------

// `Int`, `Alert`, `Option<String>`, `Result<AlertRecord, String>`: the checker gives Option and
// Result (and their argument counts) their meaning.
class NamedType : public Type {
 public:
  LUX_AST_LEAF(NamedType)
  NamedType(SourceRange r, Ident name, llvm::ArrayRef<Type*> args) : Type(kKind, r), name(name), args(args) {}
  Ident name;
  llvm::ArrayRef<Type*> args;
};

// `[T]`.
class ArrayType : public Type {
 public:
  LUX_AST_LEAF(ArrayType)
  ArrayType(SourceRange r, Type* element) : Type(kKind, r), element(element) {}
  Type* element;
};

// `fn(A, B) -> R` (result null when `-> R` is omitted).
class FnType : public Type {
 public:
  LUX_AST_LEAF(FnType)
  FnType(SourceRange r, llvm::ArrayRef<Type*> params, Type* result) : Type(kKind, r), params(params), result(result) {}
  llvm::ArrayRef<Type*> params;
  Type* result;
};

#undef LUX_AST_LEAF

// --- the context ----------------------------------------------------------------------------

// Owns every node of one program: an arena for nodes, arrays and strings, and a set of interned
// names. Nodes live as long as the context; none is ever destroyed individually.
class AstContext {
 public:
  AstContext() = default;
  AstContext(const AstContext&) = delete;
  AstContext& operator=(const AstContext&) = delete;

  template <typename T, typename... Args>
  T* create(Args&&... args) {
    static_assert(std::is_trivially_destructible_v<T>, "AST nodes live in an arena and are never destroyed");
    return new (arena_.Allocate(sizeof(T), alignof(T))) T(std::forward<Args>(args)...);
  }

  // Copies a list into the arena.
  template <typename T>
  llvm::ArrayRef<T> copyArray(llvm::ArrayRef<T> items) {
    if (items.empty()) return {};
    T* data = arena_.Allocate<T>(items.size());
    std::uninitialized_copy(items.begin(), items.end(), data);
    return llvm::ArrayRef<T>(data, items.size());
  }

  // An interned copy of `name` (identifiers: equal names share storage).
  llvm::StringRef intern(llvm::StringRef name) { return names_.insert(name).first->getKey(); }
  // A copy of `text` in the arena (string literal contents; not interned).
  llvm::StringRef copyString(llvm::StringRef text) {
    if (text.empty()) return {};
    char* data = arena_.Allocate<char>(text.size());
    std::memcpy(data, text.data(), text.size());
    return llvm::StringRef(data, text.size());
  }

  size_t bytesAllocated() const { return arena_.getBytesAllocated(); }

 private:
  llvm::BumpPtrAllocator arena_;
  llvm::StringSet<> names_;
};

// Prints the tree: one node per line, indented two spaces per level, `Kind line:col-line:col`
// then the node's attributes; children labelled by role. Deterministic (no addresses). With
// `json`, one JSON document with the same content.
void dumpAst(const Program& program, const SourceFile& file, std::ostream& out, bool json);

}  // namespace lux::ast

namespace lux {
using ast::dumpAst;
}  // namespace lux
