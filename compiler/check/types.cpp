// Interning of semantic types, their printing, and the gradual compatibility rule.
#include "check/types.h"

namespace lux {

TypeTable::TypeTable() {
  for (int k = 0; k <= static_cast<int>(TyKind::Object); ++k) {
    Ty t;
    t.kind = static_cast<TyKind>(k);
    simple_[k] = &storage_.emplace_back(std::move(t));
  }
  Ty j;
  j.json = true;
  json_ = &storage_.emplace_back(std::move(j));
  Ty cj;
  cj.json = true;
  cj.client = true;
  client_json_ = &storage_.emplace_back(std::move(cj));
  Ty r;
  r.response = true;
  response_ = &storage_.emplace_back(std::move(r));
  Ty ch;
  ch.sse_channel = true;
  sse_channel_ = &storage_.emplace_back(std::move(ch));
  RecordInfo* ws = newRecord();
  ws->name = "WebSocket";
  const Ty* sends = fn({dynamic()}, get(TyKind::Bool));
  ws->fields = {{"id", get(TyKind::String)}, {"data", dynamic()}, {"send", sends}, {"send_binary", sends},
                {"close", fn({}, get(TyKind::Unit))}};
  web_socket_ = record(ws);
}

const Ty* TypeTable::get(TyKind simple) const {
  int k = static_cast<int>(simple);
  return k <= static_cast<int>(TyKind::Object) ? simple_[k] : simple_[0];
}

const Ty* TypeTable::intern(Ty t) {
  const void* decl = t.record ? static_cast<const void*>(t.record) : static_cast<const void*>(t.enum_info);
  Key key{static_cast<int>(t.kind), t.elem, t.err, decl, t.params, t.param_index, t.param_name};
  auto it = interned_.find(key);
  if (it != interned_.end()) return it->second;
  const Ty* p = &storage_.emplace_back(std::move(t));
  interned_.emplace(std::move(key), p);
  return p;
}

const Ty* TypeTable::array(const Ty* elem) {
  Ty t;
  t.kind = TyKind::Array;
  t.elem = elem;
  return intern(std::move(t));
}

const Ty* TypeTable::option(const Ty* elem) {
  Ty t;
  t.kind = TyKind::Option;
  t.elem = elem;
  return intern(std::move(t));
}

const Ty* TypeTable::result(const Ty* ok, const Ty* err) {
  Ty t;
  t.kind = TyKind::Result;
  t.elem = ok;
  t.err = err;
  return intern(std::move(t));
}

const Ty* TypeTable::fn(const std::vector<const Ty*>& params, const Ty* result) {
  Ty t;
  t.kind = TyKind::Fn;
  t.params = params;
  t.elem = result;
  return intern(std::move(t));
}

const Ty* TypeTable::record(const RecordInfo* info) {
  Ty t;
  t.kind = TyKind::Record;
  t.record = info;
  return intern(std::move(t));
}

const Ty* TypeTable::enumTy(const EnumInfo* info) {
  Ty t;
  t.kind = TyKind::Enum;
  t.enum_info = info;
  return intern(std::move(t));
}

const Ty* TypeTable::param(int index, std::string_view name) {
  Ty t;
  t.kind = TyKind::Param;
  t.param_index = index;
  t.param_name = name;
  return intern(std::move(t));
}

std::string typeName(const Ty* t) {
  if (!t) return "Any";
  switch (t->kind) {
    case TyKind::Dynamic: return t->json ? "Json" : t->response ? "Response" : t->sse_channel ? "SseChannel" : "Any";
    case TyKind::Unit: return "Unit";
    case TyKind::Int: return "Int";
    case TyKind::Float: return "Float";
    case TyKind::Bool: return "Bool";
    case TyKind::String: return "String";
    case TyKind::Duration: return "Duration";
    case TyKind::Object: return "object";
    case TyKind::Array: return "[" + typeName(t->elem) + "]";
    case TyKind::Option: return "Option<" + typeName(t->elem) + ">";
    case TyKind::Result: return "Result<" + typeName(t->elem) + ", " + typeName(t->err) + ">";
    case TyKind::Fn: {
      std::string s = "fn(";
      for (size_t i = 0; i < t->params.size(); ++i) s += (i ? ", " : "") + typeName(t->params[i]);
      return s + ") -> " + typeName(t->elem);
    }
    case TyKind::Record: return t->record->name.str();
    case TyKind::Enum: return t->enum_info->name.str();
    case TyKind::Param: return std::string(t->param_name);
  }
  return "Any";
}

bool isAssignable(const Ty* from, const Ty* to) {
  if (!from || !to || from == to) return true;
  if (from->isDynamic() || to->isDynamic()) return true;
  if (from->kind == TyKind::Param || to->kind == TyKind::Param) return true;  // uninstantiated: not checked
  switch (to->kind) {
    case TyKind::Float: return from->kind == TyKind::Int;
    case TyKind::Array: return from->kind == TyKind::Array && isAssignable(from->elem, to->elem);
    case TyKind::Option:
      if (from->kind == TyKind::Option) return isAssignable(from->elem, to->elem);
      return isAssignable(from, to->elem);
    case TyKind::Result:
      return from->kind == TyKind::Result && isAssignable(from->elem, to->elem) && isAssignable(from->err, to->err);
    case TyKind::Record:
      // Object literals are checked field by field where they are written.
      return from->kind == TyKind::Object ||
             (from->kind == TyKind::Record && from->record->name == to->record->name);
    case TyKind::Fn: return from->kind == TyKind::Fn;
    case TyKind::Enum: return from->kind == TyKind::Enum && from->enum_info->name == to->enum_info->name;
    case TyKind::Object: return from->kind == TyKind::Record;  // a built-in's `Object` parameter
    case TyKind::Unit: return true;  // a value may be discarded
    default: return false;
  }
}

const Ty* joinTypes(TypeTable& types, const Ty* a, const Ty* b) {
  if (!a) return b;
  if (!b) return a;
  if (a == b) return a;
  if (a->json || b->json) return types.json();  // what may be a JSON document's part is treated as one
  if (a->isDynamic() || b->isDynamic()) return types.dynamic();
  if (a->isNumeric() && b->isNumeric()) return types.get(TyKind::Float);
  if (a->kind == TyKind::Option && b->kind == TyKind::Option) {
    if (a->elem->isDynamic()) return b;
    if (b->elem->isDynamic()) return a;
  }
  if (a->kind == TyKind::Array && b->kind == TyKind::Array) {
    if (a->elem->isDynamic()) return b;
    if (b->elem->isDynamic()) return a;
  }
  return types.dynamic();
}

}  // namespace lux
