// parseCron(): cron text -> CronSpec, or every error found with its byte span.
// Shape: split into fields on white space (or expand an `@macro`), split each field into
// comma-separated elements, parse each element as `*`, `?`, a value, a range, each with an
// optional `/step`; then the never-fires check (cron_can_fire.cpp) when all fields are valid.
#include <algorithm>
#include <cctype>
#include <string>

#include "cron.h"
#include "cron_internal.h"

namespace lux::cron {

std::string_view cronErrorId(CronErrorKind kind) {
  switch (kind) {
#define CRON_ERROR(name, id, doc) \
  case CronErrorKind::name:       \
    return id;
#include "cron_errors.def"
  }
  return "cron-unknown";
}

namespace {

using detail::FieldInfo;
using detail::showChar;
using detail::suggest;

struct Macro {
  std::string_view name;
  std::string_view expansion;
};

constexpr Macro kMacros[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> monthNames() { return {detail::kMonthNames.begin() + 1, detail::kMonthNames.end()}; }
std::vector<std::string_view> weekdayNames() { return {detail::kWeekdayNames.begin(), detail::kWeekdayNames.end()}; }

// A value as written back in a message: the name when the user wrote names.
std::string valueText(CronField field, int v, bool as_name) {
  if (as_name && field == CronField::Month) return std::string(detail::kMonthNames[v]);
  if (as_name && field == CronField::DayOfWeek) return std::string(detail::kWeekdayNames[v % 7]);
  return std::to_string(v);
}

// `a-b` with a > b. Ranges do not wrap around, so offer both readings: the same values in order,
// and the wrapped range split in two (day-of-week wraps through 7, Sunday, then from 1).
std::string reversedRangeMessage(CronField field, std::string_view left, std::string_view right, int lo, int hi) {
  const detail::FieldInfo& info = detail::fieldInfo(field);
  const bool names = isAlpha(left[0]) || isAlpha(right[0]);
  std::string msg = "range `" + std::string(left) + "-" + std::string(right) + "` is reversed";
  if (field == CronField::DayOfWeek && hi == 0) {
    return msg + "; a range ending on Sunday ends with `7` or `SUN`: write `" + std::string(left) + "-7`";
  }
  const int wrap_min = field == CronField::DayOfWeek ? 1 : info.min;
  auto part = [&](int a, int b) {
    return a == b ? valueText(field, a, names) : valueText(field, a, names) + "-" + valueText(field, b, names);
  };
  return msg + " and ranges do not wrap around: write `" + std::string(right) + "-" + std::string(left) + "`, or `" +
         part(lo, info.max) + "," + part(wrap_min, hi) + "` to wrap around";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  CronParseResult run();

 private:
  void error(CronErrorKind kind, std::size_t offset, std::size_t length, std::string message) {
    if (errors_.size() < kMaxCronErrors) errors_.push_back({kind, offset, length, std::move(message)});
  }
  std::string_view slice(std::size_t offset, std::size_t length) const { return text_.substr(offset, length); }

  bool parseMacro(std::size_t begin, std::size_t end, CronSpec& spec);
  void parseField(CronField field, std::size_t offset, std::size_t length, CronSpec& spec);
  void parseElement(CronField field, std::size_t offset, std::size_t length, CronSpec& spec, bool& first_is_star);
  // The steps of parseElement. An element is `base[/step]`; the base is `*`, `?`, a value or a
  // range `a-b`. Each step reports what it finds wrong and returns false when the element is done.
  struct Step {
    int value = 1;
    std::string_view written;  // as written, for messages
    bool given = false;
    bool ok = true;  // false: reported; the base is still checked
  };
  // The range [lo, hi] the element covers before stepping: the whole field for `*`.
  enum class Form { Star, Range, FromValue };
  struct Span {
    int lo = 0, hi = 0;
    Form form = Form::Star;
  };
  bool checkElementChars(std::size_t offset, std::string_view el, const std::string& fname);
  Step parseStep(std::size_t offset, std::string_view el, std::size_t slash);
  bool parseBase(CronField field, std::size_t offset, std::size_t length, std::string_view base, const Step& step,
                 Span& span, bool& first_is_star);
  bool parseRange(CronField field, std::size_t offset, std::string_view base, std::size_t dash, Span& span);
  bool checkStepFits(CronField field, std::size_t offset, std::size_t length, std::string_view el,
                     std::string_view base, std::size_t slash, const Step& step, const Span& span);
  std::optional<int> parseValue(CronField field, std::size_t offset, std::size_t length);

  std::string_view text_;
  std::vector<CronError> errors_;
};

CronParseResult Parser::run() {
  CronParseResult result;
  if (text_.size() > kMaxCronLength) {
    error(CronErrorKind::TooLong, 0, text_.size(),
          "the expression is " + std::to_string(text_.size()) + " bytes long; the limit is " +
              std::to_string(kMaxCronLength));
    result.errors = std::move(errors_);
    return result;
  }
  // Fields: maximal runs of non-space bytes.
  std::vector<std::pair<std::size_t, std::size_t>> fields;
  for (std::size_t i = 0; i < text_.size();) {
    if (isSpace(text_[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < text_.size() && !isSpace(text_[i])) ++i;
    fields.emplace_back(start, i - start);
  }
  if (fields.empty()) {
    error(CronErrorKind::Empty, 0, text_.size(),
          "expected 5 or 6 fields, found none; for example `*/5 * * * *`, or a macro such as `@daily`");
    result.errors = std::move(errors_);
    return result;
  }
  const std::size_t begin = fields.front().first;
  const std::size_t end = fields.back().first + fields.back().second;

  CronSpec spec;
  spec.text = std::string(text_.substr(begin, end - begin));
  if (text_[begin] == '@') {
    if (fields.size() > 1) {
      const std::size_t rest = fields[1].first;
      error(CronErrorKind::MacroWithFields, rest, end - rest,
            "`" + std::string(slice(fields[0].first, fields[0].second)) +
                "` stands alone; remove the fields after it");
    }
    if (parseMacro(fields[0].first, fields[0].first + fields[0].second, spec) && errors_.empty()) {
      spec.text = std::string(slice(fields[0].first, fields[0].second));
      result.spec = std::move(spec);
    }
    result.errors = std::move(errors_);
    return result;
  }
  if (fields.size() != 5 && fields.size() != 6) {
    std::string msg = "expected 5 or 6 fields, found " + std::to_string(fields.size());
    if (fields.size() < 5) {
      msg += "; the fields are `minute hour day-of-month month day-of-week`, optionally preceded by `second`";
      error(CronErrorKind::FieldCount, begin, end - begin, std::move(msg));
    } else {
      msg += fields.size() == 7 ? "; a year field is not supported" : "";
      const std::size_t extra = fields[6].first;
      error(CronErrorKind::FieldCount, extra, end - extra, std::move(msg));
    }
    result.errors = std::move(errors_);
    return result;
  }
  spec.has_seconds = fields.size() == 6;
  const std::size_t first = spec.has_seconds ? 0 : 1;
  if (!spec.has_seconds) spec.seconds.set(0);
  for (std::size_t i = 0; i < fields.size(); ++i)
    parseField(static_cast<CronField>(first + i), fields[i].first, fields[i].second, spec);
  if (errors_.empty()) {
    const auto& dom = fields[first == 0 ? 3 : 2];
    const auto& month = fields[first == 0 ? 4 : 3];
    if (auto never = detail::checkCanFire(spec, slice(dom.first, dom.second), dom.first,
                                          slice(month.first, month.second), month.first))
      errors_.push_back(std::move(*never));
  }
  if (errors_.empty()) result.spec = std::move(spec);
  result.errors = std::move(errors_);
  return result;
}

bool Parser::parseMacro(std::size_t begin, std::size_t end, CronSpec& spec) {
  const std::string word = lower(slice(begin, end - begin));
  for (const Macro& m : kMacros) {
    if (word != m.name) continue;
    CronParseResult expanded = parseCron(m.expansion);
    const std::string text = spec.text;
    spec = std::move(*expanded.spec);
    spec.text = text;
    return true;
  }
  if (word == "@reboot") {
    error(CronErrorKind::RebootMacro, begin, end - begin,
          "`@reboot` is not a schedule: it means once at start-up; use `on_start` for that");
    return false;
  }
  std::string msg = "unknown macro `" + std::string(slice(begin, end - begin)) +
                    "`; the macros are `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, "
                    "`@midnight` and `@hourly`";
  std::vector<std::string_view> names;
  for (const Macro& m : kMacros) names.push_back(m.name);
  if (std::string_view s = suggest(word, names, 2); !s.empty()) msg += "; did you mean `" + std::string(s) + "`?";
  error(CronErrorKind::UnknownMacro, begin, end - begin, std::move(msg));
  return false;
}

void Parser::parseField(CronField field, std::size_t offset, std::size_t length, CronSpec& spec) {
  bool first_is_star = false;
  std::size_t start = offset;
  const std::size_t end = offset + length;
  for (std::size_t i = offset; i <= end; ++i) {
    if (i < end && text_[i] != ',') continue;
    if (i == start) {
      // An empty element: point at the comma that ends it, or at the one before it.
      const std::size_t comma = i < end ? i : i - 1;
      error(CronErrorKind::EmptyElement, comma, 1,
            "empty element in the " + std::string(detail::fieldInfo(field).name) +
                " list `" + std::string(slice(offset, length)) + "`");
    } else {
      bool star = false;
      parseElement(field, start, i - start, spec, star);
      if (start == offset) first_is_star = star;
    }
    start = i + 1;
  }
  switch (field) {
    case CronField::DayOfMonth: spec.day_of_month_star = first_is_star; break;
    case CronField::DayOfWeek: spec.day_of_week_star = first_is_star; break;
    case CronField::Hour: spec.hour_star = first_is_star; break;
    default: break;
  }
}

void Parser::parseElement(CronField field, std::size_t offset, std::size_t length, CronSpec& spec,
                          bool& first_is_star) {
  const FieldInfo& info = detail::fieldInfo(field);
  const std::string_view el = slice(offset, length);
  if (!checkElementChars(offset, el, std::string(info.name))) return;
  const std::size_t slash = el.find('/');
  const Step step = parseStep(offset, el, slash);
  const std::string_view base = el.substr(0, slash == std::string_view::npos ? el.size() : slash);
  Span span{info.min, info.max, Form::Star};
  if (!parseBase(field, offset, length, base, step, span, first_is_star)) return;
  if (!step.ok) return;
  if (!checkStepFits(field, offset, length, el, base, slash, step, span)) return;
  for (int v = span.lo; v <= span.hi; v += step.value) {
    switch (field) {
      case CronField::Second: spec.seconds.set(v); break;
      case CronField::Minute: spec.minutes.set(v); break;
      case CronField::Hour: spec.hours.set(v); break;
      case CronField::DayOfMonth: spec.days_of_month.set(v); break;
      case CronField::Month: spec.months.set(v); break;
      case CronField::DayOfWeek: spec.days_of_week.set(v % 7); break;
    }
  }
}

// Characters first: anything outside [0-9A-Za-z*?/-] ends this element.
bool Parser::checkElementChars(std::size_t offset, std::string_view el, const std::string& fname) {
  for (std::size_t i = 0; i < el.size(); ++i) {
    const char c = el[i];
    if (isDigit(c) || isAlpha(c) || c == '*' || c == '?' || c == '/' || c == '-') continue;
    if (c == '#') {
      error(CronErrorKind::Unsupported, offset + i, 1,
            "`#` (nth weekday of the month) is not supported; list the days of the month instead");
      return false;
    }
    std::size_t len = 1;
    const std::string shown = showChar(text_, offset + i, len);
    error(CronErrorKind::UnexpectedChar, offset + i, len,
          "unexpected character `" + shown + "` in the " + fname + " field");
    return false;
  }
  return true;
}

// The step after `/` (1 when there is none).
Parser::Step Parser::parseStep(std::size_t offset, std::string_view el, std::size_t slash) {
  Step step;
  if (slash == std::string_view::npos) return step;
  step.given = true;
  const std::string_view step_text = el.substr(slash + 1);
  step.written = step_text;
  const std::size_t step_off = offset + slash + 1;
  if (step_text.empty()) {
    error(CronErrorKind::MissingValue, offset + slash, 1, "missing step after `/` in `" + std::string(el) + "`");
    step.ok = false;
  } else if (!std::all_of(step_text.begin(), step_text.end(), isDigit)) {
    error(CronErrorKind::BadStep, step_off, step_text.size(),
          "step `" + std::string(step_text) + "` is not a number");
    step.ok = false;
  } else {
    long long v = 0;
    for (char c : step_text) v = std::min(v * 10 + (c - '0'), 1000000LL);
    if (v == 0) {
      error(CronErrorKind::ZeroStep, step_off, step_text.size(), "step must be at least 1, found `" + std::string(step_text) + "`");
      step.ok = false;
    }
    step.value = static_cast<int>(v);
  }
  return step;
}

// Day-of-week runs 0-7 like Vixie cron's (7 is Sunday again): `*/2` selects 0, 2, 4, 6 and
// `MON/2` selects 1, 3, 5, 7 (Monday, Wednesday, Friday, Sunday).
bool Parser::parseBase(CronField field, std::size_t offset, std::size_t length, std::string_view base,
                       const Step& step, Span& span, bool& first_is_star) {
  const std::string_view el = slice(offset, length);
  if (base.empty()) {
    error(CronErrorKind::MissingValue, offset, std::max<std::size_t>(length, 1),
          "missing value before `/` in `" + std::string(el) + "`");
    return false;
  }
  if (const std::size_t star = base.find_first_of("*?"); star != std::string_view::npos && base.size() > 1) {
    // `*-5`, `1-?`, `**`: a star inside a range or value.
    error(CronErrorKind::UnexpectedChar, offset + star, 1,
          "unexpected `" + std::string(1, base[star]) + "` in `" + std::string(base) +
              "`; `*` stands alone or before a step, as in `*/5`");
    return false;
  }
  if (base == "*" || base == "?") {
    first_is_star = true;
    if (base == "?") {
      if (field != CronField::DayOfMonth && field != CronField::DayOfWeek) {
        error(CronErrorKind::MisplacedAny, offset, 1,
              "`?` is only allowed in the day-of-month and day-of-week fields; use `*` in the " +
                  std::string(detail::fieldInfo(field).name) + " field");
        return false;
      }
      if (step.given) {
        error(CronErrorKind::MisplacedAny, offset, length, "`?` cannot take a step; use `*/" + std::to_string(step.value) + "`");
        return false;
      }
    }
    return true;
  }
  if (const std::size_t dash = base.find('-', 0); dash != std::string_view::npos)
    return parseRange(field, offset, base, dash, span);
  const auto a = parseValue(field, offset, base.size());
  if (!a) return false;
  span.lo = *a;
  if (!step.given) span.hi = span.lo;
  else span.form = Form::FromValue;  // `a/n` means a through the field's maximum
  return true;
}

bool Parser::parseRange(CronField field, std::size_t offset, std::string_view base, std::size_t dash, Span& span) {
  span.form = Form::Range;
  const std::string_view left = base.substr(0, dash), right = base.substr(dash + 1);
  if (left.empty()) {
    error(CronErrorKind::MissingValue, offset, base.size(), "missing start of range in `" + std::string(base) + "`");
    return false;
  }
  if (right.empty()) {
    error(CronErrorKind::MissingValue, offset, base.size(), "missing end of range in `" + std::string(base) + "`");
    return false;
  }
  if (const std::size_t dash2 = right.find('-'); dash2 != std::string_view::npos) {
    error(CronErrorKind::UnexpectedChar, offset + dash + 1 + dash2, 1,
          "unexpected second `-` in range `" + std::string(base) + "`");
    return false;
  }
  const auto a = parseValue(field, offset, left.size());
  const auto b = parseValue(field, offset + dash + 1, right.size());
  if (!a || !b) return false;
  span.lo = *a;
  span.hi = *b;
  // `SUN` ending a range is 7, as in Vixie cron: `MON-SUN` is Monday through Sunday.
  if (field == CronField::DayOfWeek && span.hi == 0 && span.lo > 0 && upper(right) == "SUN") span.hi = 7;
  if (span.lo > span.hi) {
    error(CronErrorKind::ReversedRange, offset, base.size(), reversedRangeMessage(field, left, right, span.lo, span.hi));
    return false;
  }
  return true;
}

// A step that selects one value only is a mistake (`*/60` in the minute field).
bool Parser::checkStepFits(CronField field, std::size_t offset, std::size_t length, std::string_view el,
                           std::string_view base, std::size_t slash, const Step& step, const Span& span) {
  if (!step.given) return true;
  const std::string fname(detail::fieldInfo(field).name);
  const int lo = span.lo, hi = span.hi;
  if (step.value > hi - lo) {
    std::string range;
    switch (span.form) {
      case Form::Star: range = "the " + fname + " range " + std::to_string(lo) + "-" + std::to_string(hi); break;
      case Form::Range: range = "the range `" + std::string(base) + "`"; break;
      case Form::FromValue:
        range = "the range from `" + std::string(base) + "` to the " + fname + " maximum " + std::to_string(hi);
        break;
    }
    const std::string first = span.form == Form::Star ? std::to_string(lo) : std::string(base.substr(0, base.find('-')));
    error(CronErrorKind::StepTooLarge, offset + slash + 1, length - slash - 1,
          "step `" + std::string(step.written) + "` is larger than " + range + " and would only select `" + first + "`");
    return false;
  }
  if (field == CronField::DayOfWeek && lo == 0 && hi == 7 && step.value == 7) {
    // 0 and 7: two values, one day.
    error(CronErrorKind::StepTooLarge, offset + slash + 1, length - slash - 1,
          "step `" + std::string(step.written) + "` in `" + std::string(el) +
              "` would only select Sunday (`0` and `7` are both Sunday)");
    return false;
  }
  return true;
}

// A single value: digits, or a month/weekday name where the field takes names.
std::optional<int> Parser::parseValue(CronField field, std::size_t offset, std::size_t length) {
  const FieldInfo& info = detail::fieldInfo(field);
  const std::string_view word = slice(offset, length);
  const std::string fname(info.name);
  const std::string range = std::to_string(info.min) + "-" + std::to_string(info.max);
  if (std::all_of(word.begin(), word.end(), isDigit)) {
    long long v = 0;
    for (char c : word) v = std::min(v * 10 + (c - '0'), 1000000LL);
    if (v < info.min || v > info.max) {
      std::string msg = fname + " value `" + std::string(word) + "` is out of range " + range;
      if (field == CronField::DayOfWeek) msg += " (0 and 7 are Sunday)";
      error(CronErrorKind::OutOfRange, offset, length, std::move(msg));
      return std::nullopt;
    }
    return static_cast<int>(v);
  }
  const std::string up = upper(word);
  // Quartz extensions: `L`, `LW`, `15W`, `5L`, `L-3`.
  if (up == "L" || up == "LW" || (up.size() > 1 && isDigit(up[0]) && (up.back() == 'L' || up.back() == 'W') &&
                                  std::all_of(up.begin(), up.end() - 1, isDigit))) {
    const bool last = up.find('L') != std::string::npos;
    error(CronErrorKind::Unsupported, offset, length,
          last ? "`" + std::string(word) + "` (last day) is not supported"
               : "`" + std::string(word) + "` (nearest weekday) is not supported");
    return std::nullopt;
  }
  if (isDigit(word[0])) {
    // A number with something after it, e.g. `5x`: point at the first byte that is not a digit.
    std::size_t i = 0;
    while (i < word.size() && isDigit(word[i])) ++i;
    error(CronErrorKind::UnexpectedChar, offset + i, 1,
          "unexpected character `" + std::string(1, word[i]) + "` in " + fname + " value `" + std::string(word) + "`");
    return std::nullopt;
  }
  // From here on a word (letters, maybe digits after them): a name or not.
  if (field == CronField::Month)
    for (int m = 1; m <= 12; ++m)
      if (up == detail::kMonthNames[m]) return m;
  if (field == CronField::DayOfWeek)
    for (int d = 0; d < 7; ++d)
      if (up == detail::kWeekdayNames[d]) return d;
  const bool is_month = std::find(detail::kMonthNames.begin() + 1, detail::kMonthNames.end(), up) != detail::kMonthNames.end();
  const bool is_weekday = std::find(detail::kWeekdayNames.begin(), detail::kWeekdayNames.end(), up) != detail::kWeekdayNames.end();
  std::string msg;
  if (field == CronField::Month) {
    msg = "unknown month name `" + std::string(word) + "`";
    if (is_weekday) msg += "; `" + std::string(word) + "` is a day-of-week name, and months are 1-12 or JAN-DEC";
    else if (auto s = suggest(up, monthNames(), 1); !s.empty()) msg += "; did you mean `" + std::string(s) + "`?";
    else msg += "; months are 1-12 or JAN-DEC";
  } else if (field == CronField::DayOfWeek) {
    msg = "unknown day-of-week name `" + std::string(word) + "`";
    if (is_month) msg += "; `" + std::string(word) + "` is a month name, and days of the week are 0-7 or SUN-SAT";
    else if (auto s = suggest(up, weekdayNames(), 1); !s.empty()) msg += "; did you mean `" + std::string(s) + "`?";
    else msg += "; days of the week are 0-7 or SUN-SAT";
  } else {
    msg = fname + " value `" + std::string(word) + "` is not a number; " + std::string(info.plural) + " are " + range;
    if (is_month || is_weekday)
      msg += " (names are only allowed in the month and day-of-week fields)";
  }
  error(CronErrorKind::UnknownName, offset, length, std::move(msg));
  return std::nullopt;
}

}  // namespace

CronParseResult parseCron(std::string_view text) { return Parser(text).run(); }

}  // namespace lux::cron
