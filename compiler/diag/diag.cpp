// The diagnostic table, the engine's bookkeeping and the two renderers (text and JSON).
#include "diag.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <ostream>

namespace lux {
namespace {

const DiagInfo kInfos[] = {
#define LUX_DIAG(Name, Code, Sev, Group, Format) {Code, Severity::Sev, #Group, Format, #Name},
#include "diagnostics.def"
};
static_assert(sizeof(kInfos) / sizeof(kInfos[0]) == static_cast<size_t>(DiagId::kCount));

constexpr std::string_view kReset = "\033[0m";
constexpr std::string_view kBold = "\033[1m";
constexpr std::string_view kRed = "\033[1;31m";
constexpr std::string_view kYellow = "\033[1;33m";
constexpr std::string_view kCyan = "\033[1;36m";
constexpr std::string_view kGreen = "\033[1;32m";
constexpr std::string_view kBlue = "\033[1;34m";

std::string_view severityName(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

// Makes a source line printable: tabs become spaces (one column each, so carets still line up),
// control characters and invalid UTF-8 become U+FFFD.
std::string printable(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (size_t i = 0; i < line.size();) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c == '\t') {
      out += ' ';
      ++i;
      continue;
    }
    if (c < 0x20 || c == 0x7F) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len != 0 && i + len <= line.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(line[i + k]) & 0xC0) == 0x80;
    if (!ok) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(line.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace

const DiagInfo& diagInfo(DiagId id) { return kInfos[static_cast<size_t>(id)]; }

const std::vector<DiagInfo>& allDiagInfos() {
  static const std::vector<DiagInfo> all(std::begin(kInfos), std::end(kInfos));
  return all;
}

std::optional<DiagId> findDiagByCode(std::string_view code) {
  for (size_t i = 0; i < static_cast<size_t>(DiagId::kCount); ++i) {
    if (kInfos[i].code == code) return static_cast<DiagId>(i);
  }
  return std::nullopt;
}

DiagBuilder& DiagBuilder::note(SourceRange range, std::string message) {
  if (index_ != SIZE_MAX) engine_->diags_[index_].notes.push_back({range, std::move(message)});
  return *this;
}

DiagBuilder& DiagBuilder::note(std::string message) {
  if (index_ != SIZE_MAX) engine_->diags_[index_].notes.push_back({std::nullopt, std::move(message)});
  return *this;
}

DiagBuilder& DiagBuilder::help(std::string message) {
  if (index_ != SIZE_MAX) engine_->diags_[index_].help.push_back(std::move(message));
  return *this;
}

DiagBuilder& DiagBuilder::didYouMean(std::string_view suggestion) {
  if (!suggestion.empty()) help(fmt::format("did you mean `{}`?", suggestion));
  return *this;
}

DiagBuilder DiagEngine::reportFormatted(DiagId id, SourceRange range, std::string message) {
  const DiagInfo& info = diagInfo(id);
  if (!reported_.emplace(id, range.begin, message).second) return DiagBuilder(this, SIZE_MAX);
  Severity sev = info.severity;
  if (sev == Severity::Warning) {
    if (disabled_groups_.count(info.group)) return DiagBuilder(this, SIZE_MAX);
    if (warnings_as_errors_) sev = Severity::Error;
  }
  if (sev == Severity::Error) {
    if (error_count_ >= kMaxErrors) {
      if (!limit_reported_) {
        limit_reported_ = true;
        diags_.push_back({DiagId::TooManyErrors, Severity::Error, range,
                          fmt::format(fmt::runtime(diagInfo(DiagId::TooManyErrors).format), error_count_),
                          {}, {}, static_cast<uint32_t>(diags_.size())});
      }
      return DiagBuilder(this, SIZE_MAX);
    }
    ++error_count_;
  } else {
    ++warning_count_;
  }
  diags_.push_back({id, sev, range, std::move(message), {}, {}, static_cast<uint32_t>(diags_.size())});
  return DiagBuilder(this, diags_.size() - 1);
}

std::vector<Diagnostic> DiagEngine::sorted() const {
  std::vector<Diagnostic> out = diags_;
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    // The "too many errors" marker always closes the list.
    bool a_last = a.id == DiagId::TooManyErrors, b_last = b.id == DiagId::TooManyErrors;
    if (a_last != b_last) return b_last;
    if (a.range.begin != b.range.begin) return a.range.begin < b.range.begin;
    return a.order < b.order;
  });
  return out;
}

void DiagEngine::renderSnippet(std::ostream& out, SourceRange range, std::string_view caret_color) const {
  if (file_->text().empty()) return;
  LineCol start = file_->lineCol(range.begin);
  std::string_view raw = file_->lineText(start.line);
  std::string line_no = std::to_string(start.line);
  std::string gutter(line_no.size(), ' ');
  auto paint = [&](std::string_view color) { return color_ ? color : std::string_view(); };
  std::string_view reset = color_ ? kReset : std::string_view();
  out << ' ' << paint(kBlue) << line_no << " |" << reset << ' ' << printable(raw) << '\n';
  // The underline covers the range up to the end of its first line; at least one caret.
  uint32_t col = start.column;
  uint32_t width = 1;
  if (range.end > range.begin) {
    LineCol end = file_->lineCol(range.end);
    if (end.line == start.line) {
      width = std::max<uint32_t>(1, end.column - start.column);
    } else {
      uint32_t line_len = countCodePoints(raw);
      width = line_len >= col ? std::max<uint32_t>(1, line_len - col + 1) : 1;
    }
  }
  out << ' ' << paint(kBlue) << gutter << " |" << reset << ' ' << std::string(col - 1, ' ')
      << paint(caret_color) << '^' << std::string(width - 1, '~') << reset << '\n';
}

void DiagEngine::renderText(std::ostream& out, const Diagnostic& d) const {
  const DiagInfo& info = diagInfo(d.id);
  LineCol lc = file_->lineCol(d.range.begin);
  std::string_view sev_color = d.severity == Severity::Error ? kRed : kYellow;
  auto c = [&](std::string_view color) { return color_ ? color : std::string_view(); };
  out << c(kBold) << file_->path() << ':' << lc.line << ':' << lc.column << ": " << c(kReset)
      << c(sev_color) << severityName(d.severity) << '[' << info.code << ']' << c(kReset)
      << c(kBold) << ": " << d.message << c(kReset) << '\n';
  renderSnippet(out, d.range, sev_color);
  for (const DiagNote& n : d.notes) {
    if (n.range) {
      LineCol nl = file_->lineCol(n.range->begin);
      out << c(kBold) << file_->path() << ':' << nl.line << ':' << nl.column << ": " << c(kReset)
          << c(kCyan) << "note" << c(kReset) << ": " << n.message << '\n';
      renderSnippet(out, *n.range, kCyan);
    } else {
      out << c(kCyan) << "note" << c(kReset) << ": " << n.message << '\n';
    }
  }
  for (const std::string& h : d.help) out << c(kGreen) << "help" << c(kReset) << ": " << h << '\n';
}

void DiagEngine::render(std::ostream& out, DiagFormat format) const {
  std::vector<Diagnostic> list = sorted();
  if (format == DiagFormat::Json) {
    auto pos = [&](SourceRange r) {
      LineCol b = file_->lineCol(r.begin), e = file_->lineCol(r.end);
      return nlohmann::json{{"line", b.line}, {"column", b.column}, {"end_line", e.line},
                            {"end_column", e.column}, {"offset", r.begin}, {"length", r.size()}};
    };
    nlohmann::json arr = nlohmann::json::array();
    for (const Diagnostic& d : list) {
      nlohmann::json j{{"code", diagInfo(d.id).code}, {"severity", severityName(d.severity)},
                       {"message", d.message}, {"file", file_->path()}, {"range", pos(d.range)}};
      nlohmann::json notes = nlohmann::json::array();
      for (const DiagNote& n : d.notes) {
        nlohmann::json nj{{"message", n.message}};
        if (n.range) nj["range"] = pos(*n.range);
        notes.push_back(std::move(nj));
      }
      j["notes"] = std::move(notes);
      j["help"] = d.help;
      arr.push_back(std::move(j));
    }
    out << nlohmann::json{{"diagnostics", arr},
                          {"errors", error_count_}, {"warnings", warning_count_}}
                .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
        << '\n';
    return;
  }
  for (const Diagnostic& d : list) renderText(out, d);
  if (error_count_ || warning_count_) {
    out << (color_ ? kBold : std::string_view());
    if (error_count_) out << error_count_ << (error_count_ == 1 ? " error" : " errors");
    if (error_count_ && warning_count_) out << " and ";
    if (warning_count_) out << warning_count_ << (warning_count_ == 1 ? " warning" : " warnings");
    out << " generated" << (color_ ? kReset : std::string_view()) << '\n';
  }
}

std::string_view closestMatch(std::string_view name, const std::vector<std::string_view>& candidates) {
  // Levenshtein distance; a candidate is "likely" within a third of the name's length (min 1).
  size_t best = SIZE_MAX;
  std::string_view best_name;
  std::vector<size_t> prev, cur;
  for (std::string_view cand : candidates) {
    if (cand == name || cand.empty()) continue;
    size_t n = name.size(), m = cand.size();
    prev.assign(m + 1, 0);
    cur.assign(m + 1, 0);
    for (size_t j = 0; j <= m; ++j) prev[j] = j;
    for (size_t i = 1; i <= n; ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= m; ++j) {
        size_t cost = (std::tolower(static_cast<unsigned char>(name[i - 1])) ==
                       std::tolower(static_cast<unsigned char>(cand[j - 1]))) ? 0 : 1;
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      }
      std::swap(prev, cur);
    }
    size_t dist = prev[m];
    if (dist < best || (dist == best && cand < best_name)) {
      best = dist;
      best_name = cand;
    }
  }
  size_t limit = std::max<size_t>(1, name.size() / 3);
  return best <= limit ? best_name : std::string_view();
}

}  // namespace lux
