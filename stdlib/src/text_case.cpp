// The family's string helpers for names and layout: title_case, snake_case, kebab_case, camel_case,
// pad_start, pad_end, trim_start, trim_end (ASCII letters change case; widths count characters,
// as len of a list of chars does). docs/stdlib.md documents each.
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "lux/rt.h"
#include "lux/stdlib.h"
#include "args.h"

namespace lux::stdlib {
using args::Text;

namespace {

// The widest padded string, in characters: a width from a client cannot take all of memory
// (the same bound as repeat's 64 MiB result).
inline constexpr std::int64_t kMaxPadWidth = 64 << 20;

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
char Up(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }
char Down(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// The string padded to `width` characters with `fill` (default a space) on one side.
Value Pad(const Value& s, const Value& width, const Value& fill, bool at_start, const char* fn) {
  const std::string& t = Text(s, fn);
  const std::string pad = fill.IsNull() ? std::string(" ") : Text(fill, fn);
  std::int64_t have = static_cast<std::int64_t>(CodePoints(t).size());
  std::int64_t want = args::Int(width, fn);
  if (want <= have || pad.empty()) return s;
  if (want > kMaxPadWidth) throw Error(std::string(fn) + "(): the width is larger than " + std::to_string(kMaxPadWidth));
  std::vector<std::string> cps = CodePoints(pad);
  std::string filler;
  for (std::int64_t i = 0; i < want - have; ++i) filler += cps[static_cast<std::size_t>(i) % cps.size()];
  return Value(at_start ? filler + t : t + filler);
}

// The words of a name in lower case: `_`, `-` and white space separate words, and so does an
// upper-case letter after a lower-case letter or digit, or before a lower-case letter after an
// upper-case one ("XMLParser": xml, parser).
std::vector<std::string> NameWords(const std::string& t) {
  auto upper = [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; };
  auto lower = [](char c) { return std::islower(static_cast<unsigned char>(c)) != 0 || std::isdigit(static_cast<unsigned char>(c)) != 0; };
  std::vector<std::string> words(1);
  for (std::size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    bool cut = IsSpace(c) || c == '-' || c == '_';
    bool starts = upper(c) && i > 0 && (lower(t[i - 1]) || (upper(t[i - 1]) && i + 1 < t.size() && lower(t[i + 1])));
    if ((cut || starts) && !words.back().empty()) words.emplace_back();
    if (!cut) words.back() += Down(c);
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

std::string Joined(const std::vector<std::string>& words, char sep) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += sep;
    out += w;
  }
  return out;
}

}  // namespace

Value TitleCase(const Value& s) {
  std::string t = Text(s, "title_case");
  bool start = true;
  for (char& c : t) {
    if (IsSpace(c)) start = true;
    else if (start) c = Up(c), start = false;
  }
  return Value(std::move(t));
}

Value SnakeCase(const Value& s) { return Value(Joined(NameWords(Text(s, "snake_case")), '_')); }
Value KebabCase(const Value& s) { return Value(Joined(NameWords(Text(s, "kebab_case")), '-')); }

Value CamelCase(const Value& s) {
  const std::string& t = Text(s, "camel_case");
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
  const std::string& t = Text(s, "trim_start");
  std::size_t i = 0;
  while (i < t.size() && IsSpace(t[i])) ++i;
  return Value(t.substr(i));
}

Value TrimEnd(const Value& s) {
  const std::string& t = Text(s, "trim_end");
  std::size_t n = t.size();
  while (n > 0 && IsSpace(t[n - 1])) --n;
  return Value(t.substr(0, n));
}

}  // namespace lux::stdlib
