// Encoding a snapshot of the registry as Prometheus text 0.0.4 or OpenMetrics 1.0.0
// (exposition.h). Label values escape `\`, `"` and newline; HELP escapes `\` and newline
// (and `"` in OpenMetrics); histogram buckets are cumulative and end with le="+Inf". OpenMetrics
// adds `# UNIT` to families named in a unit, `_created` to counters and histograms, and `# EOF`.
#include "metrics/exposition.h"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace lux::metrics {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IEqualsAscii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// The q of one media range ("type/sub; version=1.0.0; q=0.5"): 1 when absent.
double Quality(std::string_view range) {
  std::size_t semi;
  while ((semi = range.find(';')) != std::string_view::npos) {
    range.remove_prefix(semi + 1);
    std::string_view param = Trim(range.substr(0, range.find(';')));
    if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
      return std::atof(std::string(param.substr(2)).c_str());
    }
  }
  return 1;
}

void EscapeInto(std::string& out, std::string_view s, bool quotes) {
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && quotes) out += "\\\"";
    else out += c;
  }
}

const char* TypeName(Type t) {
  switch (t) {
    case Type::kCounter: return "counter";
    case Type::kGauge: return "gauge";
    case Type::kHistogram: return "histogram";
  }
  return "untyped";
}

// `name{a="x",b="y"` + the extra label + `} value`.
void Sample(std::string& out, std::string_view name, const Labels& labels, std::string_view extra_name,
            std::string_view extra_value, double value) {
  out += name;
  if (!labels.empty() || !extra_name.empty()) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) out += ',';
      first = false;
      out += k;
      out += "=\"";
      EscapeInto(out, v, true);
      out += '"';
    }
    if (!extra_name.empty()) {
      if (!first) out += ',';
      out += extra_name;
      out += "=\"";
      out += extra_value;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += FormatValue(value);
  out += '\n';
}

// The unit a family's name ends in (`_seconds`, `_bytes`), "" for none: OpenMetrics declares
// it with `# UNIT`, and requires the name to end in it.
std::string_view UnitOf(std::string_view name) {
  for (std::string_view unit : {std::string_view("seconds"), std::string_view("bytes")})
    if (name.size() > unit.size() + 1 && name.substr(name.size() - unit.size()) == unit &&
        name[name.size() - unit.size() - 1] == '_')
      return unit;
  return {};
}

// A bucket bound: OpenMetrics wants the canonical float form ("1.0"), text 0.0.4 takes either.
std::string Bound(double b, Format f) {
  std::string s = FormatValue(b);
  if (f == Format::kOpenMetrics && std::isfinite(b) && s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

Format NegotiateFormat(std::string_view accept) {
  while (!accept.empty()) {
    std::size_t comma = accept.find(',');
    std::string_view range = Trim(accept.substr(0, comma));
    std::string_view type = Trim(range.substr(0, range.find(';')));
    if (IEqualsAscii(type, "application/openmetrics-text") && Quality(range) > 0) return Format::kOpenMetrics;
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return Format::kPrometheus;
}

const char* ContentType(Format f) {
  return f == Format::kOpenMetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                   : "text/plain; version=0.0.4; charset=utf-8";
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  // The shortest %g that reads back as the same double.
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string Encode(const std::vector<FamilySnapshot>& families, Format f) {
  const bool om = f == Format::kOpenMetrics;
  std::string out;
  out.reserve(4096);
  for (const FamilySnapshot& fam : families) {
    // Text 0.0.4 names a counter family by its samples' name; OpenMetrics without `_total`.
    std::string declared = fam.type == Type::kCounter && !om ? fam.name + "_total" : fam.name;
    out += "# HELP ";
    out += declared;
    out += ' ';
    EscapeInto(out, fam.help, om);
    out += "\n# TYPE ";
    out += declared;
    out += ' ';
    out += TypeName(fam.type);
    out += '\n';
    if (om) {
      if (std::string_view unit = UnitOf(fam.name); !unit.empty()) {
        out += "# UNIT ";
        out += fam.name;
        out += ' ';
        out += unit;
        out += '\n';
      }
    }
    // OpenMetrics: a counter's or histogram's `_created` sample after the series' others.
    auto created = [&](const SeriesSnapshot& s) {
      if (om && s.created > 0) Sample(out, fam.name + "_created", s.labels, "", "", s.created);
    };
    for (const SeriesSnapshot& s : fam.series) {
      switch (fam.type) {
        case Type::kCounter:
          Sample(out, fam.name + "_total", s.labels, "", "", s.value);
          created(s);
          break;
        case Type::kGauge: Sample(out, fam.name, s.labels, "", "", s.value); break;
        case Type::kHistogram: {
          const std::string bucket = fam.name + "_bucket";
          for (std::size_t i = 0; i < fam.bounds.size() && i < s.buckets.size(); ++i)
            Sample(out, bucket, s.labels, "le", Bound(fam.bounds[i], f), static_cast<double>(s.buckets[i]));
          Sample(out, bucket, s.labels, "le", "+Inf", static_cast<double>(s.count));
          Sample(out, fam.name + "_sum", s.labels, "", "", s.sum);
          Sample(out, fam.name + "_count", s.labels, "", "", static_cast<double>(s.count));
          created(s);
          break;
        }
      }
    }
  }
  if (om) out += "# EOF\n";
  return out;
}

}  // namespace lux::metrics
