// `static "/prefix" => "./dir" [fallback "index.html"]` and `compression { ... }`: the checks
// that make every accepted program start (save a directory missing on the machine it runs on,
// which the server reports at start). A prefix is a URL path of literal segments (E4830), served
// once per server (E4831), and no route may take the wildcard below it (E4832: the router keeps
// one wildcard per path, the static directory's); the directory is a non-empty path (E4833) and
// the fallback a relative file path inside it (E4834). The compression options are literals
// (min_size >= 0, level 1-9, types media types that are not compressed already).
// Entry points: Checker::checkStatic, checkStaticRoutes, declareCompression, checkCompression.
#include <fmt/format.h>

#include <cctype>

#include "check/checker.h"

namespace lux {

namespace {

// Why `p` is not a usable URL prefix, or "".
std::string prefixProblem(llvm::StringRef p) {
  if (p.empty() || p[0] != '/') return "it must start with `/`";
  for (char c : p) {
    if (c == ':' || c == '*') return "a static prefix has no parameters or wildcards";
    if (c == '?' || c == '#') return "it must not contain `?` or `#`";
    if (c == '\\' || static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return "it must not contain spaces, control characters or `\\`";
  }
  llvm::SmallVector<llvm::StringRef, 8> segs;
  p.split(segs, '/', -1, false);
  for (llvm::StringRef s : segs)
    if (s == "." || s == "..") return "it must not contain `.` or `..` segments";
  if (p.contains("//")) return "it must not contain an empty segment (`//`)";
  return "";
}

std::string normalPrefix(llvm::StringRef p) {
  std::string out = p.str();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// Why `f` is not a file path inside the directory, or "".
std::string fallbackProblem(llvm::StringRef f) {
  if (f.empty()) return "it is empty";
  if (f[0] == '/') return "it is absolute; give it relative to the directory";
  if (f.back() == '/') return "it names a directory";
  llvm::SmallVector<llvm::StringRef, 8> segs;
  f.split(segs, '/', -1, true);
  for (llvm::StringRef s : segs) {
    if (s.empty()) return "it contains an empty segment (`//`)";
    if (s == "." || s == "..") return "it must not leave the directory (`..`) or contain `.` segments";
    if (s.startswith(".")) return "files whose name starts with `.` are never served";
  }
  if (f.contains('\\') || f.contains('\0')) return "it must not contain `\\` or NUL";
  return "";
}

}  // namespace

void Checker::checkStatic(ServerModel& sm, const ast::StaticDecl* d) {
  StaticModel st;
  st.decl = d;
  bool ok = true;
  if (std::string why = prefixProblem(d->prefix->value); !why.empty()) {
    diags_.report(DiagId::StaticPrefix, d->prefix->range(), d->prefix->value.str(), why)
        .help("e.g. `static \"/assets\" => \"./public\"`, or `static \"/\" => \"./dist\"` for the whole site");
    ok = false;
  }
  st.prefix = normalPrefix(d->prefix->value);
  st.dir = d->dir->value.str();
  if (st.dir.empty() || st.dir.find('\0') != std::string::npos) {
    diags_.report(DiagId::StaticDirectory, d->dir->range(), st.dir, st.dir.empty() ? "it is empty" : "it contains NUL")
        .help("a directory relative to where the server runs, e.g. \"./public\" (docs/runtime.md, \"Static files\")");
    ok = false;
  }
  if (d->fallback) {
    st.fallback = d->fallback->value.str();
    if (std::string why = fallbackProblem(d->fallback->value); !why.empty()) {
      diags_.report(DiagId::StaticFallback, d->fallback->range(), st.fallback, why)
          .help("e.g. `fallback \"index.html\"`: the file of the directory served for paths that match nothing");
      ok = false;
    }
  }
  if (!ok) return;
  for (const StaticModel& other : sm.statics) {
    if (other.prefix != st.prefix) continue;
    diags_.report(DiagId::StaticDuplicatePrefix, d->prefix->range(), st.prefix, sm.displayName())
        .note(other.decl->prefix->range(), "first served here")
        .help("serve one directory per prefix; put the files together or use another prefix");
    return;
  }
  sm.statics.push_back(std::move(st));
}

void Checker::checkStaticRoutes(const ServerModel& sm) {
  for (const StaticModel& st : sm.statics) {
    llvm::SmallVector<llvm::StringRef, 8> prefix_segs;
    llvm::StringRef(st.prefix).split(prefix_segs, '/', -1, false);
    for (const RouteModel& r : sm.routes) {
      llvm::SmallVector<llvm::StringRef, 8> segs;
      llvm::StringRef(r.path).split(segs, '/', -1, false);
      if (segs.size() != prefix_segs.size() + 1 || !segs.back().startswith("*")) continue;
      bool same = true;
      for (size_t i = 0; i < prefix_segs.size() && same; ++i) same = segs[i] == prefix_segs[i];
      if (!same) continue;
      diags_.report(DiagId::StaticRouteConflict, r.decl->path->range(), st.prefix, r.method, r.path, st.prefix)
          .note(st.decl->prefix->range(), "the static directory is served here")
          .help("routes below a static prefix are fine (they take priority over files), but not a wildcard at the "
                "prefix itself: move the route or the directory to another prefix");
    }
  }
}

void Checker::declareCompression(ServerModel& sm, const ast::BackendDecl* d) {
  if (sm.compression) {
    diags_.report(DiagId::DuplicateDeclaration, d->name.range, "compression", sm.displayName())
        .note(sm.compression->decl->name.range, "the first `compression` block is here");
    return;
  }
  sm.compression.emplace();
  sm.compression->decl = d;
}

namespace {
// Media types whose bytes are compressed already (the runtime never compresses them again:
// http::AlreadyCompressedType), for a help line at the option.
bool alreadyCompressed(llvm::StringRef t) {
  t = t.split(';').first.trim();
  if (t.equals_insensitive("image/svg+xml")) return false;
  for (llvm::StringRef p : {"image/", "audio/", "video/"})
    if (t.startswith_insensitive(p)) return true;
  for (llvm::StringRef x : {"font/woff", "font/woff2", "application/zip", "application/gzip", "application/x-gzip",
                            "application/x-brotli", "application/x-bzip2", "application/x-xz", "application/zstd",
                            "application/x-7z-compressed", "application/x-rar-compressed", "application/pdf",
                            "application/octet-stream"})
    if (t.equals_insensitive(x)) return true;
  return false;
}

bool isMediaRange(llvm::StringRef t) {
  auto [type, sub] = t.split('/');
  auto token = [](llvm::StringRef s) {
    if (s.empty()) return false;
    for (char c : s)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || llvm::StringRef("!#$&-^_.+").contains(c))) return false;
    return true;
  };
  return token(type) && (sub == "*" || token(sub));
}
}  // namespace

void Checker::checkCompression(ServerModel& sm, const ast::BackendDecl* d) {
  if (!sm.compression || sm.compression->decl != d || !d->config) return;
  CompressionModel& c = *sm.compression;
  static const OptionSpec kOptions[] = {
      {"min_size", "", OptionSpec::Kind::SignedInt},
      {"level", "", OptionSpec::Kind::SignedInt},
      {"types", "", OptionSpec::Kind::List},
      {"enabled", "", OptionSpec::Kind::Bool},
  };
  const std::string what = "`compression`";
  auto opts = checkOptions(d->config, what, kOptions);
  auto notLiteral = [&](const ast::ObjectEntry* en, const char* kind) {
    diags_.report(DiagId::OptionValue, en->value->range(), what, en->key.name.str(), kind,
                  "`" + std::string(file_.slice(en->value->range())) + "`")
        .help("compression settings are fixed when the program is built");
  };
  if (const ast::ObjectEntry* en = opts.lookup("min_size")) {
    if (auto* lit = llvm::dyn_cast<ast::IntLit>(en->value)) c.min_size = lit->value;
    else if (auto* u = llvm::dyn_cast<ast::UnaryExpr>(en->value); u && u->op == ast::UnaryOp::Neg)
      diags_.report(DiagId::OptionValue, en->value->range(), what, "min_size", "a size in bytes, 0 or more",
                    "a negative number");
    else notLiteral(en, "a literal `Int` (bytes)");
  }
  if (const ast::ObjectEntry* en = opts.lookup("level")) {
    auto* lit = llvm::dyn_cast<ast::IntLit>(en->value);
    if (lit && lit->value >= 1 && lit->value <= 9) c.level = static_cast<int>(lit->value);
    else if (lit || llvm::isa<ast::UnaryExpr>(en->value))
      diags_.report(DiagId::OptionValue, en->value->range(), what, "level", "between 1 (fastest) and 9 (smallest)",
                    std::string(file_.slice(en->value->range())))
          .help("leave it out for each coding's default (gzip 6, Brotli 4)");
    else notLiteral(en, "a literal `Int` from 1 to 9");
  }
  if (const ast::ObjectEntry* en = opts.lookup("enabled")) {
    if (auto* b = llvm::dyn_cast<ast::BoolLit>(en->value)) c.enabled = b->value;
    else notLiteral(en, "`true` or `false`");
  }
  if (const ast::ObjectEntry* en = opts.lookup("types")) {
    auto* list = llvm::dyn_cast<ast::ArrayExpr>(en->value);
    if (!list) return notLiteral(en, "a literal list of media types");
    for (const ast::Expr* e : list->elements) {
      auto* s = llvm::dyn_cast<ast::StringLit>(e);
      if (!s) {
        diags_.report(DiagId::OptionValue, e->range(), what, "types", "a list of media types such as \"text/html\"",
                      "`" + std::string(file_.slice(e->range())) + "`");
        continue;
      }
      if (!isMediaRange(s->value)) {
        diags_.report(DiagId::OptionValue, s->range(), what, "types", "a list of media types such as \"text/html\" or \"text/*\"",
                      "\"" + s->value.str() + "\"");
      } else if (alreadyCompressed(s->value)) {
        diags_.report(DiagId::OptionValue, s->range(), what, "types", "a list of types worth compressing",
                      "\"" + s->value.str() + "\", which is compressed already")
            .help("images, audio, video, WOFF fonts and archives are never compressed again: remove it");
      } else {
        c.types.push_back(s->value.lower());
      }
    }
  }
}

}  // namespace lux
