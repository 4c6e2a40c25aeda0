// negotiate(req, data, { html: fn(d) ..., xml: fn(d) ..., ... }) (stdlib/builtins.def): the
// request's `Accept` media ranges in order of preference (q, then as written; q=0 never; an item
// with a malformed q is ignored: lux::PreferredItems, the runtime's parser) pick the
// first formatter the object has — html for text/html, xml for application/xml or text/xml, text
// for text/plain, csv for text/csv, json for application/json — and answer with its result;
// `*/*`, application/json without a `json` formatter, and no match answer `data` as JSON. Every
// answer carries `Vary: Accept`.
#include <string>
#include <string_view>
#include <vector>

#include "lux/weighted_list.h"
#include "lux/stdlib.h"

namespace lux::stdlib {

namespace {

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
    for (const WeightedItem& r : PreferredItems(accept->AsString())) {
      if (r.token == "*/*") break;
      const char* key = FormatterOf(r.token);
      const Value* formatter = key && formats.IsObject() ? formats.Find(key) : nullptr;
      if (formatter && formatter->IsFunction()) return VaryOnAccept(Call(*formatter, {data}));
      if (key && std::string_view(key) == "json") break;
    }
  }
  return VaryOnAccept(Respond(Value(200), data));
}

}  // namespace lux::stdlib
