// Literal arguments of the string, date and regex built-ins that can be judged before the
// program runs: a regex pattern that does not compile (E5630) or unknown regex flags (E5631),
// compiled with the engine the stdlib runs (lux_common/regex.h); a date unit (E5632) or part
// (E5633) that date_add / date_diff / date_part do not know. A computed argument is checked when
// the call runs (an error naming the function).
#include <fmt/format.h>

#include <array>
#include <string_view>

#include "check/checker.h"
#include "lux_common/regex.h"

namespace lux {

namespace {

constexpr std::array<std::string_view, 6> kRegexFns = {"regex_test", "regex_match", "regex_find_all",
                                                       "regex_capture", "regex_replace", "regex_split"};
constexpr std::array<std::string_view, 16> kDateUnits = {
    "year", "years", "month", "months", "week", "weeks", "day", "days", "hour", "hours",
    "minute", "minutes", "second", "seconds", "millisecond", "milliseconds"};
constexpr std::array<std::string_view, 8> kDateParts = {"year", "month", "day", "hour", "minute", "second", "millisecond", "weekday"};

const ast::StringLit* LiteralAt(const std::vector<ArgInfo>& args, size_t i) {
  return i < args.size() ? llvm::dyn_cast_or_null<ast::StringLit>(args[i].expr) : nullptr;
}

template <size_t N>
bool Known(const std::array<std::string_view, N>& names, llvm::StringRef s) {
  for (std::string_view n : names)
    if (n == std::string_view(s.data(), s.size())) return true;
  return false;
}

}  // namespace

void Checker::checkStdlibLiterals(const Builtin* b, const std::vector<ArgInfo>& args) {
  if (b->owner != "Global") return;
  const std::string_view name(b->name);
  if (Known(kRegexFns, llvm::StringRef(name.data(), name.size()))) {
    const auto* pattern = LiteralAt(args, 1);
    const auto* flags = LiteralAt(args, name == "regex_replace" ? 3 : 2);
    regex::PatternError error;
    if (flags && !regex::Regex::Compile("", flags->value, error))
      diags_.report(DiagId::RegexFlags, flags->range(), flags->value.str(), error.message)
          .help("the flags are `i` (ignore case), `m` (`^` and `$` at line ends), `s` (`.` matches a line break) and `g`");
    else if (pattern && !regex::Regex::Compile(pattern->value, flags ? flags->value : "", error))
      diags_.report(DiagId::RegexPattern, pattern->range(), pattern->value.str(), error.message, error.offset)
          .help("the engine runs in time linear in the text (no backreferences, no lookaround); a `\\\\` in the "
                "string makes a `\\` of the pattern, and `\\\\(` matches a `(`");
    return;
  }
  if (name == "date_add" || name == "date_diff") {
    if (const auto* unit = LiteralAt(args, 2); unit && !Known(kDateUnits, unit->value))
      diags_.report(DiagId::DateUnit, unit->range(), unit->value.str(), name)
          .help("the units are \"years\", \"months\", \"weeks\", \"days\", \"hours\", \"minutes\", \"seconds\" and \"milliseconds\"");
  } else if (name == "date_part") {
    if (const auto* part = LiteralAt(args, 1); part && !Known(kDateParts, part->value))
      diags_.report(DiagId::DatePart, part->range(), part->value.str())
          .help("the parts are \"year\", \"month\", \"day\", \"hour\", \"minute\", \"second\", \"millisecond\" and \"weekday\" (0 = Sunday)");
  }
}

}  // namespace lux
