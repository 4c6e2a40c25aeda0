// The checker's semantic types: interned `Ty` values (compare by pointer), the record and enum
// descriptions they point at, and the gradual compatibility rule.
// Entry points: TypeTable (get/array/option/result/fn/record/enumTy/param), typeName, isAssignable.
// `Dynamic` is the type of whatever the checker cannot see (an untyped parameter, a JSON value);
// a mismatch is reported only when both sides are known (docs/diagnostics.md, E3001).
#pragma once

#include <llvm/ADT/StringRef.h>

#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "diag/source.h"

namespace lux::ast {
class Decl;
class EnumVariant;
class Expr;
}  // namespace lux::ast

namespace lux {

enum class TyKind : uint8_t {
  Dynamic,   // unknown: never reported
  Unit,      // no useful value (`print(...)`)
  Int,
  Float,
  Bool,
  String,
  Duration,  // `30.seconds`, `x.hours`
  Object,    // an anonymous object literal `{ a: 1 }`
  Array,     // [elem]
  Option,    // Option<elem>
  Result,    // Result<elem, err>
  Fn,        // fn(params) -> result
  Record,    // a `type T { fields }` or a model's record
  Enum,      // a `type T { A, B(x) }`
  Param,     // a type parameter of a built-in's signature (`T` in `([T]) -> Option<T>`); never the
             // type of an expression: a call instantiates it (check/builtins.h, instantiate)
};

struct Ty;

struct FieldInfo {
  llvm::StringRef name;
  const Ty* type = nullptr;
  SourceRange range;
  bool has_default = false;
  const ast::Expr* default_value = nullptr;  // the default as written (model columns use it)
};

struct RecordInfo {
  llvm::StringRef name;
  SourceRange range;  // the name's range in its declaration
  std::vector<FieldInfo> fields;
  int server = -1;      // -1: shared (visible everywhere); else the declaring server's index
  bool is_model = false;  // declared by `model Name { fields }` (has an implicit `id: Int`)

  const FieldInfo* field(llvm::StringRef n) const {
    for (const FieldInfo& f : fields)
      if (f.name == n) return &f;
    return nullptr;
  }
};

struct VariantInfo {
  llvm::StringRef name;
  SourceRange range;
  std::vector<const Ty*> payload;          // positional payload types
  std::vector<llvm::StringRef> payload_names;  // empty names for positional payloads
};

struct EnumInfo {
  llvm::StringRef name;
  SourceRange range;
  std::vector<VariantInfo> variants;
  int server = -1;

  const VariantInfo* variant(llvm::StringRef n) const {
    for (const VariantInfo& v : variants)
      if (v.name == n) return &v;
    return nullptr;
  }
};

struct Ty {
  TyKind kind = TyKind::Dynamic;
  const Ty* elem = nullptr;             // Array/Option element, Result ok type, Fn result
  const Ty* err = nullptr;              // Result error type
  std::vector<const Ty*> params;        // Fn parameter types
  const RecordInfo* record = nullptr;   // Record
  const EnumInfo* enum_info = nullptr;  // Enum
  int param_index = -1;                 // Param: its place in the signature's list of type parameters
  std::string_view param_name;          // Param: as written (`T`, `Self`)
  bool json = false;                    // Dynamic: a JSON document (`Json`: JSON.parse, fetch, db.query
                                        // rows); its fields are Json, and a typed place takes it only
                                        // through a conversion (E3020)
  bool client = false;                  // Json: read from the request (`req.body`, its parts, JSON.parse
                                        // of it): a failed conversion is the client's error (400)
  bool response = false;                // Dynamic: a response value (`respond(...)`), written
                                        // `Response`; a result of any declared type
  bool sse_channel = false;             // Dynamic: an `sse_channel(name)`, written `SseChannel`;
                                        // its methods are checked by name (check_sse.cpp)

  bool isDynamic() const { return kind == TyKind::Dynamic; }
  bool isNumeric() const { return kind == TyKind::Int || kind == TyKind::Float; }
  bool isScalar() const {
    return kind == TyKind::Int || kind == TyKind::Float || kind == TyKind::Bool || kind == TyKind::String;
  }
};

// Owns and interns types: structurally equal types are the same pointer.
class TypeTable {
 public:
  TypeTable();
  TypeTable(const TypeTable&) = delete;
  TypeTable& operator=(const TypeTable&) = delete;

  const Ty* get(TyKind simple) const;  // Dynamic, Unit, Int, Float, Bool, String, Duration, Object
  const Ty* dynamic() const { return get(TyKind::Dynamic); }
  const Ty* json() const { return json_; }  // Dynamic with `json` set, written `Json`
  const Ty* clientJson() const { return client_json_; }  // Json from the request (`client` set)
  const Ty* response() const { return response_; }  // Dynamic with `response` set, written `Response`
  const Ty* sseChannel() const { return sse_channel_; }  // Dynamic with `sse_channel` set, written `SseChannel`
  // A WebSocket connection (a `ws` hook's first parameter): the built-in record `WebSocket`
  // {id: String, data: Any, send, send_binary, close}; `data` may be written in place.
  const Ty* webSocket() const { return web_socket_; }
  const Ty* array(const Ty* elem);
  const Ty* option(const Ty* elem);
  const Ty* result(const Ty* ok, const Ty* err);
  const Ty* fn(const std::vector<const Ty*>& params, const Ty* result);
  const Ty* record(const RecordInfo* info);
  const Ty* enumTy(const EnumInfo* info);
  // The type parameter `name`, number `index` of its signature (static text: builtins.def).
  const Ty* param(int index, std::string_view name);

  // Owned record/enum descriptions (stable addresses).
  RecordInfo* newRecord() { return &records_.emplace_back(); }
  EnumInfo* newEnum() { return &enums_.emplace_back(); }

 private:
  using Key = std::tuple<int, const Ty*, const Ty*, const void*, std::vector<const Ty*>, int, std::string_view>;
  const Ty* intern(Ty t);
  std::deque<Ty> storage_;
  std::map<Key, const Ty*> interned_;
  const Ty* simple_[8] = {};
  const Ty* json_ = nullptr;
  const Ty* response_ = nullptr;
  const Ty* sse_channel_ = nullptr;
  const Ty* client_json_ = nullptr;
  const Ty* web_socket_ = nullptr;
  std::deque<RecordInfo> records_;
  std::deque<EnumInfo> enums_;
};

// How a type is written in Lux: `Int`, `[String]`, `Option<Alert>`, `fn(Int) -> String`; `Any`
// for Dynamic (`Json` for a JSON document); a type parameter by its name (`T`).
std::string typeName(const Ty* t);

// Gradual compatibility: may a value of type `from` be used where `to` is expected? True when
// either side is (or contains, in the same position) Dynamic; Int widens to Float; a value of
// type T fits Option<T>; an object literal fits a record (its fields are checked separately).
bool isAssignable(const Ty* from, const Ty* to);

// The type both `a` and `b` fit (for the arms of a `match` or `if`), or Dynamic.
const Ty* joinTypes(TypeTable& types, const Ty* a, const Ty* b);

}  // namespace lux
