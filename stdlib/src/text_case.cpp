// The family's string helpers for names and layout: title_case, snake_case, camel_case,
// pad_start, pad_end, trim_start, trim_end (ASCII letters change case; widths count characters,
// as len of a list of chars does). docs/stdlib.md documents each.
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "lux/rt.h"
#include "lux/stdlib.h"

namespace lux::stdlib {
namespace {

// The widest padded string, in characters: a width from a client cannot take all of memory
// (the same bound as repeat's 64 MiB result).
inline constexpr std::int64_t kMaxPadWidth = 64 << 20;

const std::string& StringArg(const Value& v, const char* fn) {
  if (!v.IsString()) throw TypeError(std::string(fn) + "() of " + v.KindName());
  return v.AsString();
}

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
char Up(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }
char Down(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// The string padded to `width` characters with `fill` (default a space) on one side.
Value Pad(const Value& s, const Value& width, const Value& fill, bool at_start, const char* fn) {
  const std::string& t = StringArg(s, fn);
  if (!width.IsInt()) throw TypeError(std::string(fn) + "(): the width must be an Int");
  const std::string pad = fill.IsNull() ? std::string(" ") : StringArg(fill, fn);
  std::int64_t have = static_cast<std::int64_t>(CodePoints(t).size());
  std::int64_t want = width.AsInt();
  if (want <= have || pad.empty()) return s;
  if (want > kMaxPadWidth) throw Error(std::string(fn) + "(): the width is larger than " + std::to_string(kMaxPadWidth));
  std::vector<std::string> cps = CodePoints(pad);
  std::string filler;
  for (std::int64_t i = 0; i < want - have; ++i) filler += cps[static_cast<std::size_t>(i) % cps.size()];
  return Value(at_start ? filler + t : t + filler);
}

}  // namespace

Value TitleCase(const Value& s) {
  std::string t = StringArg(s, "title_case");
  bool start = true;
  for (char& c : t) {
    if (IsSpace(c)) start = true;
    else if (start) c = Up(c), start = false;
  }
  return Value(std::move(t));
}

Value SnakeCase(const Value& s) {
  const std::string& t = StringArg(s, "snake_case");
  std::string out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (IsSpace(c) || c == '-') {
      if (!out.empty() && out.back() != '_') out += '_';
    } else if (std::isupper(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != '_' && i > 0 && !std::isupper(static_cast<unsigned char>(t[i - 1]))) out += '_';
      out += Down(c);
    } else {
      out += c;
    }
  }
  return Value(std::move(out));
}

Value CamelCase(const Value& s) {
  const std::string& t = StringArg(s, "camel_case");
  std::string out;
  bool up = false;
  for (char c : t) {
    if (c == '_' || c == '-' || IsSpace(c)) {
      up = !out.empty();
      continue;
    }
    out += up ? Up(c) : (out.empty() ? Down(c) : c);
    up = false;
  }
  return Value(std::move(out));
}

Value PadStart(const Value& s, const Value& width, const Value& fill) { return Pad(s, width, fill, true, "pad_start"); }
Value PadEnd(const Value& s, const Value& width, const Value& fill) { return Pad(s, width, fill, false, "pad_end"); }

Value TrimStart(const Value& s) {
  const std::string& t = StringArg(s, "trim_start");
  std::size_t i = 0;
  while (i < t.size() && IsSpace(t[i])) ++i;
  return Value(t.substr(i));
}

Value TrimEnd(const Value& s) {
  const std::string& t = StringArg(s, "trim_end");
  std::size_t n = t.size();
  while (n > 0 && IsSpace(t[n - 1])) --n;
  return Value(t.substr(0, n));
}

}  // namespace lux::stdlib
