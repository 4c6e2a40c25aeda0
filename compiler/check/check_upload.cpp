// `upload { max_size, allowed_types, max_files, dir }` (one per server, E2104; options checked
// like every option block, MIME types E4890), readiness routes `health "/ready" { check_db,
// check_redis, check_jobs, my_check, name: fn_name, timeout: 2.seconds }` (E4891 unknown check,
// E4892 a component the server lacks, E4893 a function that is not `fn() -> Bool`), and the
// types of `req.files` ([UploadedFile], a record of the runtime) and `req.form` (Json).
// Entry points: Checker::declareUpload, checkUpload, checkReadiness, uploadMember.
#include <fmt/format.h>

#include "check/checker.h"

namespace lux {

namespace {

// `type/subtype`, `type/*` or `*/*`, in RFC 9110 token characters.
bool IsMimeType(llvm::StringRef t) {
  auto token = [](llvm::StringRef s) {
    if (s.empty()) return false;
    for (char c : s)
      if (!(isalnum(static_cast<unsigned char>(c)) || llvm::StringRef("!#$&-^_.+").contains(c))) return false;
    return true;
  };
  auto [type, sub] = t.split('/');
  if (!t.contains('/')) return false;
  if (type == "*") return sub == "*";
  return token(type) && (sub == "*" || token(sub));
}

struct BuiltinCheck {
  llvm::StringRef spelling;   // as written in the block
  llvm::StringRef component;  // the runtime's check name
  llvm::StringRef what;       // for E4892
};
constexpr BuiltinCheck kBuiltinChecks[] = {
    {"check_db", "db", "the database"},
    {"check_redis", "redis", "Redis"},
    {"check_jobs", "jobs", "the job store"},
};

}  // namespace

void Checker::declareUpload(ServerModel& sm, const ast::BackendDecl* d) {
  if (sm.upload) {
    diags_.report(DiagId::DuplicateDeclaration, d->name.range, "upload", sm.displayName())
        .note(sm.upload->decl->name.range, "the first `upload` block is here");
    return;
  }
  sm.upload.emplace();
  sm.upload->decl = d;
}

void Checker::checkUpload(ServerModel& sm, const ast::BackendDecl* d) {
  if (!sm.upload || sm.upload->decl != d || !d->config) return;
  static const OptionSpec kOptions[] = {
      {"max_size", "", OptionSpec::Kind::Int},
      {"allowed_types", "", OptionSpec::Kind::List},
      {"max_files", "", OptionSpec::Kind::Int},
      {"dir", "", OptionSpec::Kind::String},
  };
  const std::string what = "`upload`";
  auto opts = checkOptions(d->config, what, kOptions);
  UploadModel& um = *sm.upload;
  auto literalInt = [&](llvm::StringRef key, int64_t& out) {
    const ast::ObjectEntry* e = opts.lookup(key);
    if (!e) return;
    if (auto* lit = llvm::dyn_cast<ast::IntLit>(e->value)) {
      if (lit->value > 0) out = lit->value;
      return;
    }
    auto t = model_.expr_types.find(e->value);
    if (t != model_.expr_types.end() && !t->second->isDynamic() && t->second->kind != TyKind::Int) return;  // E4402
    diags_.report(DiagId::OptionValue, e->value->range(), what, key.str(), "a literal `Int`", "an expression")
        .help(fmt::format("write the number itself, e.g. `{}: {}`", key.str(), key == "max_size" ? "10_000_000" : "10"));
  };
  literalInt("max_size", um.max_size);
  literalInt("max_files", um.max_files);
  if (const ast::ObjectEntry* e = opts.lookup("allowed_types")) {
    if (auto* list = llvm::dyn_cast<ast::ArrayExpr>(e->value)) {
      for (const ast::Expr* el : list->elements) {
        auto* s = llvm::dyn_cast<ast::StringLit>(el);
        if (!s) {
          diags_.report(DiagId::OptionType, el->range(), what, "allowed_types", "a list of literal `String`s",
                        "`" + typeName(checkExpr(el)) + "`");
          continue;
        }
        std::string t = s->value.lower();
        if (!IsMimeType(t)) {
          diags_.report(DiagId::UploadBadType, s->range(), s->value.str())
              .help("write `type/subtype` (\"image/png\") or a whole family (\"image/*\")");
          continue;
        }
        um.allowed_types.push_back(t);
      }
    } else {
      diags_.report(DiagId::OptionValue, e->value->range(), what, "allowed_types", "a literal list of MIME types",
                    "an expression")
          .help("e.g. `allowed_types: [\"image/png\", \"image/jpeg\"]`");
    }
  }
  if (const ast::ObjectEntry* e = opts.lookup("dir")) {
    auto* s = llvm::dyn_cast<ast::StringLit>(e->value);
    if (!s || s->value.empty())
      diags_.report(DiagId::OptionValue, e->value->range(), what, "dir", "a non-empty literal `String`",
                    s ? "\"\"" : "an expression");
    else
      um.dir = s->value.str();
  }
}

void Checker::checkReadiness(ServerModel& sm, const ast::HealthDecl* health) {
  ReadinessModel rm;
  rm.decl = health;
  rm.path = health->path->value.str();
  llvm::StringMap<const ast::ObjectEntry*> seen;
  for (const ast::ObjectEntry* en : health->checks->entries) {
    if (en->form == ast::ObjectEntry::Form::Spread) {
      diags_.report(DiagId::OptionType, en->range(), "a readiness route", "...", "a check name or `name: function`",
                    "a spread");
      continue;
    }
    if (en->form != ast::ObjectEntry::Form::Shorthand && en->key.name == "timeout") {
      checkExpr(en->value);
      double ms = literalMillis(en->value);
      if (ms <= 0)
        diags_.report(DiagId::OptionValue, en->value->range(), "readiness route", "timeout",
                      "a positive duration such as `2.seconds` (or milliseconds as an `Int`)", "something else");
      else
        rm.timeout_ms = ms;
      continue;
    }
    std::optional<ReadinessCheckModel> check = readinessCheck(sm, en);
    if (!check) continue;
    if (const ast::ObjectEntry* prev = seen.lookup(check->name)) {
      diags_.report(DiagId::DuplicateOption, en->key.range, "readiness route", check->name)
          .note(prev->key.range, "first given here");
      continue;
    }
    seen[check->name] = en;
    rm.checks.push_back(std::move(*check));
  }
  sm.readiness.push_back(std::move(rm));
}

// One entry: `check_db` (a component's check), `my_check` (a function of the server) or
// `name: my_check`.
std::optional<ReadinessCheckModel> Checker::readinessCheck(ServerModel& sm, const ast::ObjectEntry* en) {
  ReadinessCheckModel out;
  out.name = en->key.name.str();
  const ast::Expr* target = en->value;
  auto* name = llvm::dyn_cast<ast::NameExpr>(target);
  if (!name) {
    diags_.report(DiagId::ReadinessCheckSignature, target->range(), out.name, "a check is the name of a function")
        .help("declare it as `fn " + out.name + "() -> Bool { ... }` in the server and write its name here");
    return std::nullopt;
  }
  llvm::StringRef fn_name = name->name.name;
  for (const BuiltinCheck& b : kBuiltinChecks) {
    if (fn_name != b.spelling) continue;
    bool present = false;
    if (b.component == "db") {
      present = sm.db.has_value();
    } else if (b.component == "redis") {
      for (const std::optional<BackendModel>* bm : {&sm.jobs_backend, &sm.bus_backend})
        present |= bm->has_value() && ((*bm)->adapter == "redis" || (*bm)->adapter.empty());
    } else {
      for (const ast::Decl* d : sm.decl->items)
        present |= llvm::isa<ast::BackgroundFnDecl>(d) || llvm::isa<ast::ScheduleDecl>(d);
    }
    if (!present) {
      auto d = diags_.report(DiagId::ReadinessMissingComponent, name->range(), fn_name.str(), b.what.str(), sm.displayName());
      if (b.component == "db") d.help("add a `db { ... }` block to the server, or remove the check");
      else if (b.component == "redis") d.help("Redis is used through `jobs { adapter: \"redis\", url: ... }` or `bus { adapter: \"redis\", url: ... }`");
      else d.help("the job store exists when the server declares a `background fn` or a `schedule`");
      return std::nullopt;
    }
    if (en->form == ast::ObjectEntry::Form::Shorthand) out.name = b.component.str();
    out.component = b.component.str();
    return out;
  }
  Symbol* sym = lookup(fn_name);
  if (!sym || !sym->fn) {
    std::vector<std::string_view> names;
    for (const BuiltinCheck& b : kBuiltinChecks) names.push_back(std::string_view(b.spelling));
    for (const FunctionModel* f : sm.functions)
      if (f->kind == SymbolKind::Function) names.push_back(std::string_view(f->name));
    diags_.report(DiagId::ReadinessUnknownCheck, name->range(), fn_name.str(), sm.displayName())
        .didYouMean(closestMatch(fn_name, names))
        .help("the built-in checks are `check_db`, `check_redis` and `check_jobs`; a check of the program is a "
              "function `fn name() -> Bool`");
    return std::nullopt;
  }
  sym->reads++;
  model_.resolved[name] = sym;
  const FunctionModel* fn = sym->fn;
  std::string why;
  if (fn->kind != SymbolKind::Function) why = fmt::format("`{}` is a `{}`", fn_name.str(), fn->kind == SymbolKind::BackgroundFn ? "background fn" : "middleware fn");
  else if (fn->minArgs() > 0) why = fmt::format("it takes {} parameter{}", fn->minArgs(), fn->minArgs() == 1 ? "" : "s");
  else if (fn->annotated_result && fn->result->kind != TyKind::Bool) why = fmt::format("it returns `{}`", typeName(fn->result));
  if (!why.empty()) {
    diags_.report(DiagId::ReadinessCheckSignature, name->range(), fn_name.str(), why)
        .note(fn->decl ? fn->decl->name.range : name->range(), fmt::format("`{}` is declared here", fn_name.str()));
    return std::nullopt;
  }
  out.fn = fn;
  return out;
}

const Ty* Checker::uploadedFileType() {
  if (!uploaded_file_) {
    RecordInfo* r = types_.newRecord();
    r->name = "UploadedFile";
    const Ty* str = types_.get(TyKind::String);
    r->fields = {
        {"field", str, {}, false, nullptr},
        {"filename", str, {}, false, nullptr},
        {"content_type", str, {}, false, nullptr},
        {"size", types_.get(TyKind::Int), {}, false, nullptr},
        {"path", types_.option(str), {}, false, nullptr},
        {"data", types_.option(str), {}, false, nullptr},
    };
    uploaded_file_ = r;
  }
  return types_.record(uploaded_file_);
}

// `req.files` / `req.form` of an unannotated request parameter: that parameter, else null.
const ast::Param* Checker::uploadParam(const ast::MemberExpr* e) const {
  auto* base = llvm::dyn_cast<ast::NameExpr>(e->base);
  llvm::StringRef m = e->member.name;
  if (!base || !(m == "files" || m == "form")) return nullptr;
  auto it = model_.resolved.find(base);
  const Symbol* sym = it == model_.resolved.end() ? nullptr : it->second;
  return isRequestParam(sym) ? llvm::cast<ast::Param>(sym->decl) : nullptr;
}

const Ty* Checker::uploadMember(const ast::MemberExpr* e) {
  const ast::Param* p = uploadParam(e);
  if (!p) return nullptr;
  CheckedProgram::UploadUse& use = model_.upload_uses[p];
  if (e->member.name == "files") {
    use.files = true;
    return types_.array(uploadedFileType());
  }
  // `req.form.NAME` names a field (recorded by noteFormField); `req.form` alone reads them all.
  if (named_form_ != e) use.whole_form = true;
  return types_.json();
}

// `req.form.NAME`: NAME is a text field of the multipart body (for OpenAPI).
void Checker::noteFormField(const ast::MemberExpr* e) {
  auto* inner = llvm::dyn_cast<ast::MemberExpr>(e->base);
  const ast::Param* p = inner && inner->member.name == "form" ? uploadParam(inner) : nullptr;
  if (!p) return;
  std::vector<std::string>& fields = model_.upload_uses[p].form_fields;
  if (std::find(fields.begin(), fields.end(), e->member.name.str()) == fields.end()) fields.push_back(e->member.name.str());
}

}  // namespace lux
