// The family's methods of Option and Result: unwrap, expect, unwrap_err, is_ok, is_err, is_some,
// is_none, map_err, or, and (and their camelCase spellings, the same rows' functions), the
// Option/Result overloads of flat_map and filter. Encodings as in <lux/stdlib.h>: None is null,
// Some(x) is x, Ok/Err are {"$ok": v}/{"$err": e}. docs/stdlib.md documents each.
#include "lux/rt.h"
#include "lux/stdlib.h"

namespace lux::stdlib {

Value Unwrap(const Value& v) {
  if (v.IsNull()) Fail("unwrap: the value is None");
  if (IsErr(v)) Fail("unwrap: the value is Err(" + ToString(ErrValue(v)).AsString() + ")");
  return Unwrapped(v);
}

Value Expect(const Value& v, const Value& message) {
  if (v.IsNull() || IsErr(v)) Fail(message.IsString() ? message.AsString() : ToString(message).AsString());
  return Unwrapped(v);
}

Value UnwrapErr(const Value& v) {
  if (!IsErr(v)) Fail("unwrap_err: the value is Ok(" + ToString(Unwrapped(v)).AsString() + ")");
  return ErrValue(v);
}

Value IsOkOf(const Value& v) { return Value(IsOk(v)); }
Value IsErrOf(const Value& v) { return Value(IsErr(v)); }
Value IsSome(const Value& v) { return Value(!v.IsNull()); }
Value IsNone(const Value& v) { return Value(v.IsNull()); }

Value MapErr(const Value& v, const Value& fn) {
  if (!IsErr(v)) return v;
  return Err(Call(fn, {ErrValue(v)}));
}

Value OrElse(const Value& v, const Value& other) { return v.IsNull() || IsErr(v) ? other : v; }

Value AndThen(const Value& v, const Value& other) { return v.IsNull() || IsErr(v) ? v : other; }

}  // namespace lux::stdlib
