// `openapi { }` blocks: the OpenAPI document's info (`title`, `version`, `description`), its
// `servers` (URL strings or `{ url, description }` objects) and `docs: false` (no GET /docs).
// Keys and value kinds go through checkOptions (E4401-E4403); values must be literals, since the
// document is computed at compile time (E4701); server URLs must be usable (E4702) and server
// objects name one (E4703); `title` and `version` are not empty (E4407).
// Entry points: Checker::checkProgramOpenApi, checkServerOpenApi.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {

using Kind = Checker::OptionSpec::Kind;

const Checker::OptionSpec kOpenApiOptions[] = {
    {"title", "", Kind::String},   {"version", "", Kind::String}, {"description", "", Kind::String},
    {"servers", "", Kind::List},   {"docs", "", Kind::Bool},
};
const Checker::OptionSpec kServerEntryOptions[] = {
    {"url", "", Kind::String},
    {"description", "", Kind::String},
};

constexpr const char* kNotLiteralHelp =
    "the OpenAPI document is computed at compile time, when `env` settings and bindings have no value yet: "
    "write the value itself";

bool isLiteral(const ast::Expr* e) {
  if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(e); u && u->op == ast::UnaryOp::Neg) e = u->operand;
  return llvm::isa<ast::StringLit>(e) || llvm::isa<ast::IntLit>(e) || llvm::isa<ast::FloatLit>(e) ||
         llvm::isa<ast::BoolLit>(e) || llvm::isa<ast::DurationLit>(e) || llvm::isa<ast::ArrayExpr>(e) ||
         llvm::isa<ast::ObjectExpr>(e);
}

// What a value that is not a literal is, for E4701.
std::string describeValue(const ast::Expr* e) {
  if (llvm::isa<ast::InterpolatedString>(e)) return "an interpolated string";
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(e)) return fmt::format("the name `{}`", n->name.name.str());
  if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(e); u && u->op == ast::UnaryOp::Spread) return "a spread `...`";
  if (llvm::isa<ast::CallExpr>(e) || llvm::isa<ast::PipeExpr>(e)) return "a call";
  return "an expression";
}

bool isHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == '~' || c == '%';
}

// Why `url` cannot be a server URL of the document; empty when it can. Accepted: `http://` or
// `https://`, a host (a name, an IPv4 address or `[IPv6]`), an optional port and path; or a path
// starting with one `/` (relative to where the document is served).
std::string badUrlReason(llvm::StringRef url) {
  if (url.empty()) return "it is empty";
  for (char c : url)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return "it contains a space or a control character";
  if (url.contains('{') || url.contains('}')) return "server variables (`{name}`) are not supported";
  if (url.contains('?') || url.contains('#')) return "a server URL has no query or fragment";
  if (url.startswith("/")) return url.startswith("//") ? "a relative URL starts with a single `/`" : "";
  llvm::StringRef rest;
  if (url.startswith("https://")) rest = url.drop_front(8);
  else if (url.startswith("http://")) rest = url.drop_front(7);
  else return "expected `http://` or `https://` and a host, or a path starting with `/`";
  llvm::StringRef authority = rest.take_until([](char c) { return c == '/'; });
  if (authority.contains('@')) return "a published URL carries no user name or password";
  llvm::StringRef host = authority;
  llvm::StringRef port;
  bool has_port = false;
  if (authority.startswith("[")) {
    size_t close = authority.find(']');
    if (close == llvm::StringRef::npos) return "the IPv6 address has no closing `]`";
    host = authority.take_front(close + 1);
    llvm::StringRef after = authority.drop_front(close + 1);
    if (!after.empty() && !after.startswith(":")) return fmt::format("unexpected `{}` after the host", after.str());
    has_port = !after.empty();
    port = after.drop_front(has_port ? 1 : 0);
  } else {
    size_t colon = authority.find(':');
    if (colon != llvm::StringRef::npos) {
      host = authority.take_front(colon);
      port = authority.drop_front(colon + 1);
      has_port = true;
    }
    for (char c : host)
      if (!isHostChar(c)) return fmt::format("`{}` is not a host name", host.str());
  }
  if (host.empty() || host == "[]") return "it names no host";
  if (has_port) {
    unsigned value = 0;
    if (port.empty() || port.getAsInteger(10, value) || value == 0 || value > 65535)
      return fmt::format("port `{}` is not a number from 1 to 65535", port.str());
  }
  return "";
}

}  // namespace

bool Checker::openApiLiteral(const std::string& what, llvm::StringRef key, const ast::Expr* value, TyKind expected) {
  if (isLiteral(value)) return true;
  const Ty* t = model_.expr_types.lookup(value);
  if (t && !t->isDynamic() && t->kind != expected) return false;  // E4402 says it
  if (auto* n = llvm::dyn_cast<ast::NameExpr>(value); n && !model_.resolved.count(n)) return false;  // E2101 says it
  diags_.report(DiagId::OpenApiNotLiteral, value->range(), what, key.str(), describeValue(value))
      .help(kNotLiteralHelp);
  return false;
}

bool Checker::checkOpenApiUrl(const ast::StringLit* url) {
  std::string why = badUrlReason(url->value);
  if (why.empty()) return true;
  diags_.report(DiagId::OpenApiServerUrl, url->range(), url->value.str(), why)
      .help("write an absolute URL such as \"https://api.example.com/v1\", or a path such as \"/v1\"");
  return false;
}

std::optional<OpenApiServerEntry> Checker::checkOpenApiServer(const ast::Expr* e) {
  if (auto* s = llvm::dyn_cast<ast::StringLit>(e)) {
    if (!checkOpenApiUrl(s)) return std::nullopt;
    return OpenApiServerEntry{s->value.str(), ""};
  }
  if (auto* obj = llvm::dyn_cast<ast::ObjectExpr>(e)) {
    auto opts = checkOptions(obj, "`openapi` server", kServerEntryOptions);
    const ast::ObjectEntry* url = opts.lookup("url");
    if (!url) {
      diags_.report(DiagId::OpenApiServerMissingUrl, obj->range())
          .help("give it one: `{ url: \"https://api.example.com\", description: \"production\" }`");
      return std::nullopt;
    }
    auto* url_lit = llvm::dyn_cast<ast::StringLit>(url->value);
    if (!openApiLiteral("`openapi` server", "url", url->value, TyKind::String) || !url_lit || !checkOpenApiUrl(url_lit))
      return std::nullopt;
    OpenApiServerEntry entry{url_lit->value.str(), ""};
    if (const ast::ObjectEntry* d = opts.lookup("description");
        d && openApiLiteral("`openapi` server", "description", d->value, TyKind::String))
      if (auto* text = llvm::dyn_cast<ast::StringLit>(d->value)) entry.description = text->value.str();
    return entry;
  }
  // Neither a URL nor an object: a literal of another kind, or a computed value.
  const Ty* t = checkExpr(e);
  auto* spread = llvm::dyn_cast<ast::UnaryExpr>(e);
  if (!isLiteral(e) && (t->isDynamic() || t->kind == TyKind::String || (spread && spread->op == ast::UnaryOp::Spread))) {
    if (auto* n = llvm::dyn_cast<ast::NameExpr>(e); n && !model_.resolved.count(n)) return std::nullopt;
    diags_.report(DiagId::OpenApiNotLiteral, e->range(), "`openapi`", "servers", describeValue(e))
        .help(kNotLiteralHelp);
    return std::nullopt;
  }
  diags_.report(DiagId::OptionType, e->range(), "`openapi`", "servers",
                "a list of URL strings or `{ url, description }` objects", "`" + typeName(t) + "`");
  return std::nullopt;
}

Checker::OpenApiSettings Checker::checkOpenApiBlock(const ast::OpenApiDecl* decl) {
  OpenApiSettings out;
  auto opts = checkOptions(decl->config, "`openapi`", kOpenApiOptions);
  auto text = [&](llvm::StringRef key, bool non_empty) -> std::optional<std::string> {
    const ast::ObjectEntry* en = opts.lookup(key);
    if (!en || !openApiLiteral("`openapi`", key, en->value, TyKind::String)) return std::nullopt;
    auto* s = llvm::dyn_cast<ast::StringLit>(en->value);
    if (!s) return std::nullopt;  // a literal of another kind: E4402
    if (non_empty && s->value.trim().empty()) {
      diags_.report(DiagId::OptionValue, s->range(), "`openapi`", key.str(), "a non-empty string",
                    fmt::format("\"{}\"", s->value.str()));
      return std::nullopt;
    }
    return s->value.str();
  };
  out.title = text("title", true);
  out.version = text("version", true);
  out.description = text("description", false);
  if (const ast::ObjectEntry* en = opts.lookup("docs"); en && openApiLiteral("`openapi`", "docs", en->value, TyKind::Bool))
    if (auto* b = llvm::dyn_cast<ast::BoolLit>(en->value)) out.docs = b->value;
  if (const ast::ObjectEntry* en = opts.lookup("servers");
      en && openApiLiteral("`openapi`", "servers", en->value, TyKind::Array)) {
    if (auto* list = llvm::dyn_cast<ast::ArrayExpr>(en->value)) {
      std::vector<OpenApiServerEntry> servers;
      for (const ast::Expr* el : list->elements)
        if (std::optional<OpenApiServerEntry> s = checkOpenApiServer(el)) servers.push_back(std::move(*s));
      out.servers = std::move(servers);
    }
  }
  return out;
}

void Checker::checkProgramOpenApi(llvm::ArrayRef<ast::Decl*> shared_items) {
  const ast::OpenApiDecl* first = nullptr;
  for (const ast::Decl* d : shared_items) {
    auto* block = llvm::dyn_cast<ast::OpenApiDecl>(d);
    if (!block) continue;
    if (first) {
      diags_.report(DiagId::DuplicateDeclaration, block->keyword_range, "openapi", "the program (top level and `shared { }`)")
          .note(first->keyword_range, "the first `openapi` block is here")
          .help("a server's own `openapi { }` block overrides the program's key by key");
      continue;
    }
    first = block;
    program_openapi_ = checkOpenApiBlock(block);
    program_openapi_given_ = true;
  }
}

void Checker::checkServerOpenApi(ServerModel& sm) {
  const ast::OpenApiDecl* first = nullptr;
  OpenApiSettings own;
  for (const ast::Decl* d : sm.decl->items) {
    auto* block = llvm::dyn_cast<ast::OpenApiDecl>(d);
    if (!block) continue;
    if (first) {
      diags_.report(DiagId::DuplicateDeclaration, block->keyword_range, "openapi", sm.displayName())
          .note(first->keyword_range, "the first `openapi` block is here");
      continue;
    }
    first = block;
    own = checkOpenApiBlock(block);
  }
  const OpenApiSettings& program = program_openapi_;
  OpenApiModel& m = sm.openapi;
  m.given = first || program_openapi_given_;
  m.title = own.title ? own.title : program.title;
  if (auto v = own.version ? own.version : program.version) m.version = *v;
  if (auto v = own.description ? own.description : program.description) m.description = *v;
  if (auto v = own.servers ? own.servers : program.servers) m.servers = *v;
  if (auto v = own.docs ? own.docs : program.docs) m.docs = *v;
}

}  // namespace lux
