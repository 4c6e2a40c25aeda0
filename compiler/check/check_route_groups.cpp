// Route groups: `routes "/prefix" [version: "1"] [deprecated: true] [sunset: "2026-06-01"]
// [with modifiers] { fn / middleware / route / routes }`. A group's functions and middleware are
// the server's names (one scope per server, so a handler may live anywhere in it); its
// middleware runs only for its routes, after the server's and the enclosing groups'. Options:
// E4924 (unknown), E4925 (type), E4926 (not a date), E4927 (twice); the prefix is a route path
// (E4202). The dates become the `Deprecation` (RFC 9745, `@<Unix seconds>`) and `Sunset`
// (RFC 8594, HTTP-date) headers here, so the generated code only sends them.
// Entry points: Checker::declareRouteGroups, checkRouteGroupItems, applyRouteGroups.
#include <fmt/format.h>

#include <cctype>

#include "check/checker.h"

namespace lux {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days inverse).
int64_t daysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool leapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int daysInMonth(int64_t y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leapYear(y) ? 29 : kDays[m - 1];
}

const char* const kMonthNames[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
const char* const kDayNames[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // 1970-01-01 was a Thursday

// Reads `n` digits at `i`.
std::optional<int> digits(std::string_view s, size_t i, size_t n) {
  if (i + n > s.size()) return std::nullopt;
  int v = 0;
  for (size_t k = i; k < i + n; ++k) {
    if (!std::isdigit(static_cast<unsigned char>(s[k]))) return std::nullopt;
    v = v * 10 + (s[k] - '0');
  }
  return v;
}

struct DateTime {
  int year, month, day, hour = 0, minute = 0, second = 0;
};

std::optional<int64_t> toUnix(const DateTime& t) {
  if (t.year < 1970 || t.year > 9999 || t.month < 1 || t.month > 12 || t.day < 1 ||
      t.day > daysInMonth(t.year, t.month) || t.hour > 23 || t.minute > 59 || t.second > 59)
    return std::nullopt;
  return daysFromCivil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
}

// `2026-06-01`, `2026-06-01T12:00:00Z` (UTC) or an HTTP-date `Mon, 01 Jun 2026 00:00:00 GMT`.
std::optional<int64_t> parseDate(std::string_view s) {
  if (s.size() == 10 || (s.size() == 20 && s[10] == 'T' && s[19] == 'Z')) {
    auto y = digits(s, 0, 4), m = digits(s, 5, 2), d = digits(s, 8, 2);
    if (!y || !m || !d || s[4] != '-' || s[7] != '-') return std::nullopt;
    DateTime t{*y, *m, *d};
    if (s.size() == 20) {
      auto hh = digits(s, 11, 2), mm = digits(s, 14, 2), ss = digits(s, 17, 2);
      if (!hh || !mm || !ss || s[13] != ':' || s[16] != ':') return std::nullopt;
      t.hour = *hh, t.minute = *mm, t.second = *ss;
    }
    return toUnix(t);
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 bytes).
  if (s.size() != 29 || s.substr(3, 2) != ", " || s.substr(25) != " GMT") return std::nullopt;
  int month = 0;
  for (int k = 0; k < 12; ++k)
    if (s.substr(8, 3) == kMonthNames[k]) month = k + 1;
  auto d = digits(s, 5, 2), y = digits(s, 12, 4), hh = digits(s, 17, 2), mm = digits(s, 20, 2), ss = digits(s, 23, 2);
  if (!month || !d || !y || !hh || !mm || !ss || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':')
    return std::nullopt;
  std::optional<int64_t> unix = toUnix({*y, month, *d, *hh, *mm, *ss});
  if (!unix || s.substr(0, 3) != kDayNames[(*unix / 86400) % 7]) return std::nullopt;  // the weekday must match
  return unix;
}

std::string httpDate(int64_t unix) {
  int64_t days = unix / 86400, secs = unix % 86400;
  // civil from days
  int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDayNames[days % 7], d, kMonthNames[m - 1], y,
                     secs / 3600, secs / 60 % 60, secs % 60);
}

std::string joinPrefix(const std::string& outer, llvm::StringRef own) {
  std::string base = outer;
  while (!base.empty() && base.back() == '/') base.pop_back();  // `routes "/"` adds nothing
  std::string p = base + own.str();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

}  // namespace

void Checker::declareRouteGroups(ServerModel& sm, llvm::ArrayRef<ast::Decl*> items, int parent, Scope& scope) {
  for (ast::Decl* d : items) {
    auto* g = llvm::dyn_cast<ast::RoutesDecl>(d);
    if (!g) continue;
    const int index = static_cast<int>(sm.groups.size());
    {
      RouteGroupModel gm;
      gm.decl = g;
      gm.parent = parent;
      const std::string outer = parent >= 0 ? sm.groups[parent].prefix : "";
      if (g->prefix) {
        checkRoutePrefix(g->prefix);
        gm.prefix = joinPrefix(outer, g->prefix->value);
      }
      sm.groups.push_back(std::move(gm));
    }
    checkRouteGroupOptions(sm.groups[index]);
    declareRouteGroupBlocks(sm, sm.groups[index]);
    const size_t first_fn = sm.functions.size();
    declareValues(g->items, scope, cur_server_);
    for (size_t k = first_fn; k < sm.functions.size(); ++k) {
      auto* fm = const_cast<FunctionModel*>(sm.functions[k]);
      fm->group = index;
      if (fm->kind == SymbolKind::Middleware) sm.groups[index].middleware.push_back(fm);
    }
    declareRouteGroups(sm, g->items, index, scope);
  }
}

void Checker::checkRouteGroupOptions(RouteGroupModel& gm) {
  static const std::vector<std::string_view> kOptions = {"version", "deprecated", "sunset"};
  llvm::StringMap<const ast::RoutesOption*> seen;
  for (const ast::RoutesOption* o : gm.decl->options) {
    llvm::StringRef name = o->name.name;
    auto* str = llvm::dyn_cast<ast::StringLit>(o->value);
    auto* flag = llvm::dyn_cast<ast::BoolLit>(o->value);
    if (std::find(kOptions.begin(), kOptions.end(), std::string_view(name)) == kOptions.end()) {
      diags_.report(DiagId::RoutesOptionUnknown, o->name.range, name.str()).didYouMean(closestMatch(name, kOptions));
      continue;
    }
    if (auto [it, fresh] = seen.try_emplace(name, o); !fresh) {
      diags_.report(DiagId::RoutesOptionRepeated, o->name.range, name.str()).note(it->second->name.range, "the first one is here");
      continue;
    }
    if (name == "version") {
      if (!str && !llvm::isa<ast::IntLit>(o->value) && !llvm::isa<ast::FloatLit>(o->value)) {
        diags_.report(DiagId::RoutesOptionType, o->value->range(), "version", "a `String` or a number")
            .help("write the version as a string: `version: \"1\"`");
        continue;
      }
      gm.version = str ? str->value.str() : std::string(file_.slice(o->value->range()));
      continue;
    }
    if (name == "deprecated" && flag) {
      gm.deprecated = flag->value;
      if (flag->value) gm.deprecation_header = "@0";  // deprecated, since no given date
      continue;
    }
    if (!str) {
      diags_.report(DiagId::RoutesOptionType, o->value->range(), name.str(),
                    name == "deprecated" ? "`true`, `false` or a date `String`" : "a date `String`")
          .help(fmt::format("write `{}: \"2026-06-01\"`", name.str()));
      continue;
    }
    std::optional<int64_t> unix = parseDate(str->value);
    if (!unix) {
      diags_.report(DiagId::RoutesDate, str->range(), name.str(), str->value.str())
          .help("write a date as `2026-06-01`, `2026-06-01T12:00:00Z` or `Mon, 01 Jun 2026 00:00:00 GMT` (UTC)");
      continue;
    }
    if (name == "deprecated") {
      gm.deprecated = true;
      gm.deprecation_header = fmt::format("@{}", *unix);
    } else {
      gm.sunset_header = httpDate(*unix);
    }
  }
}

// A group's blocks: its own `cors { }` (checked like the server's, once per group); any other
// block configures the whole server and is E4980 here.
void Checker::declareRouteGroupBlocks(ServerModel& sm, RouteGroupModel& gm) {
  for (const ast::Decl* d : gm.decl->items) {
    auto* block = llvm::dyn_cast<ast::ConfigDecl>(d);
    if (!block) continue;
    auto* cors = llvm::dyn_cast<ast::CorsDecl>(block);
    if (!cors) {
      llvm::StringRef name = file_.slice(block->keyword_range);
      diags_.report(DiagId::RoutesBlockNotAllowed, block->keyword_range, name.str())
          .help(fmt::format("move `{}` to the server block; a route group takes `cors {{ }}`, functions, middleware, "
                            "routes and groups",
                            name.str()));
      continue;
    }
    if (gm.cors) {
      diags_.report(DiagId::DuplicateDeclaration, cors->keyword_range, "cors", fmt::format("route group \"{}\"", gm.prefix))
          .note(gm.cors->keyword_range, "the first `cors` block is here");
      continue;
    }
    gm.cors = cors;
    checkCors(sm, cors);
  }
}

void Checker::checkRouteGroupItems(ServerModel& sm, llvm::ArrayRef<ast::Decl*> items, int parent) {
  for (const ast::Decl* d : items) {
    if (auto* route = llvm::dyn_cast<ast::RouteDecl>(d)) {
      checkRoute(sm, route, parent);
      continue;
    }
    if (auto* ws = llvm::dyn_cast<ast::WsDecl>(d)) {
      checkWs(sm, ws, parent);
      continue;
    }
    auto* g = llvm::dyn_cast<ast::RoutesDecl>(d);
    if (!g) continue;
    int index = -1;
    for (size_t k = 0; k < sm.groups.size(); ++k)
      if (sm.groups[k].decl == g) index = static_cast<int>(k);
    if (index < 0) continue;
    RouteGroupModel& gm = sm.groups[index];
    bool auth_before = false;
    for (int up = gm.parent; up >= 0; up = sm.groups[up].parent)
      for (const RouteModifierUse& u : sm.groups[up].modifiers) auth_before |= (u.name == "auth" && !u.guard);
    gm.modifiers = checkRouteModifiers(sm, g->modifiers, auth_before);
    checkRouteGroupItems(sm, g->items, index);
  }
}

// What the route's groups add: auth, deprecation, roles, the innermost timeout and cache.
void Checker::applyRouteGroups(const ServerModel& sm, RouteModel& rm) {
  std::vector<const std::vector<RouteModifierUse>*> chain;  // outermost first, the route's own last
  for (int g = rm.group; g >= 0; g = sm.groups[g].parent) {
    chain.insert(chain.begin(), &sm.groups[g].modifiers);
    rm.deprecated |= sm.groups[g].deprecated;
    if (rm.version.empty()) rm.version = sm.groups[g].version;
  }
  chain.push_back(&rm.modifiers);
  for (const std::vector<RouteModifierUse>* uses : chain) {
    for (const RouteModifierUse& u : *uses) {
      if (u.name == "auth" && !u.guard) rm.requires_auth = true;
      if (u.status && std::find(rm.modifier_statuses.begin(), rm.modifier_statuses.end(), u.status) ==
                          rm.modifier_statuses.end())
        rm.modifier_statuses.push_back(u.status);
      if (u.name == "role" && !u.guard) {
        std::string any;
        for (const RouteModifierUse::Arg& a : u.args) any += (any.empty() ? "\"" : " | \"") + a.text + "\"";
        rm.roles.push_back(any);
      }
      if (u.name == "timeout" && !u.args.empty()) rm.timeout_ms = u.args[0].int_value;
      if (u.name == "cache" && !u.args.empty()) rm.cache_max_age = u.args[0].int_value;
    }
  }
}

}  // namespace lux
