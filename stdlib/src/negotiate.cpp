// negotiate(req, data, { html: fn(d) ..., xml: fn(d) ..., ... }) (stdlib/builtins.def): the
// request's `Accept` media ranges in order of preference (q, then as written; q=0 never) pick the
// first formatter the object has — html for text/html, xml for application/xml or text/xml, text
// for text/plain, csv for text/csv, json for application/json — and answer with its result;
// `*/*`, application/json without a `json` formatter, and no match answer `data` as JSON. Every
// answer carries `Vary: Accept`.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "lux/stdlib.h"

namespace lux::stdlib {

namespace {

struct MediaRange {
  std::string type;  // lower-case, parameters dropped
  double q = 1.0;
};

std::string Trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// `text/html;q=0.9, application/xml` → the ranges, most preferred first.
std::vector<MediaRange> AcceptRanges(std::string_view accept) {
  std::vector<MediaRange> out;
  while (!accept.empty()) {
    std::size_t comma = accept.find(',');
    std::string_view item = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    std::size_t semi = item.find(';');
    MediaRange r{Trimmed(item.substr(0, semi)), 1.0};
    while (semi != std::string_view::npos) {
      item = item.substr(semi + 1);
      semi = item.find(';');
      std::string param = Trimmed(item.substr(0, semi));
      if (param.rfind("q=", 0) == 0) r.q = std::strtod(param.c_str() + 2, nullptr);
    }
    if (!r.type.empty() && r.q > 0) out.push_back(std::move(r));
  }
  std::stable_sort(out.begin(), out.end(), [](const MediaRange& a, const MediaRange& b) { return a.q > b.q; });
  return out;
}

const char* FormatterOf(const std::string& type) {
  if (type == "text/html") return "html";
  if (type == "application/xml" || type == "text/xml") return "xml";
  if (type == "text/plain") return "text";
  if (type == "text/csv") return "csv";
  if (type == "application/json") return "json";
  return nullptr;
}

Value VaryOnAccept(Value answer) { return WithHeaders(std::move(answer), Value{{"Vary", "Accept"}}); }

}  // namespace

Value Negotiate(const Value& req, const Value& data, const Value& formats) {
  const Value* headers = req.IsObject() ? req.Find("headers") : nullptr;
  const Value* accept = headers && headers->IsObject() ? headers->Find("accept") : nullptr;
  if (accept && accept->IsString()) {
    for (const MediaRange& r : AcceptRanges(accept->AsString())) {
      if (r.type == "*/*") break;
      const char* key = FormatterOf(r.type);
      const Value* formatter = key && formats.IsObject() ? formats.Find(key) : nullptr;
      if (formatter && formatter->IsFunction()) return VaryOnAccept(Call(*formatter, {data}));
      if (key && std::string_view(key) == "json") break;
    }
  }
  return VaryOnAccept(Respond(Value(200), data));
}

}  // namespace lux::stdlib
