// Traces: the sampler (names, ratio, parent-based), traceparent parse/format, the bounded span
// queue (drops counted, batches), the OTLP JSON encoding, the OTEL_* settings, and a real App
// on loopback exporting its server, fetch and database-free spans to a stand-in collector App.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "client/lend.h"
#include "core/ids.h"
#include "lux/client.h"
#include "lux/tracing.h"
#include "test_http.h"
#include "tracing/batch_queue.h"
#include "tracing/instrument.h"
#include "tracing/otlp_json.h"
#include "tracing/otlp_proto.h"
#include "tracing/sampler.h"
#include "tracing/tracing.h"
#include "tracing/tracing_state.h"

using lux::tracing::BatchQueue;
using lux::tracing::Sampler;
using lux::tracing::SpanData;

namespace {

// An id from its hex digits (a test's literal, or RandomHex's).
template <typename Id>
Id IdOf(std::string_view hex) {
  Id id;
  REQUIRE(Id::FromHex(hex, id));
  return id;
}
lux::TraceId TraceIdOf(std::string_view hex) { return IdOf<lux::TraceId>(hex); }
lux::SpanId SpanIdOf(std::string_view hex) { return IdOf<lux::SpanId>(hex); }
lux::TraceId RandomTraceId() { return TraceIdOf(lux::core::RandomHex(16)); }
lux::SpanId RandomSpanId() { return SpanIdOf(lux::core::RandomHex(8)); }

std::unique_ptr<SpanData> MakeSpan(const std::string& name) {
  auto s = std::make_unique<SpanData>();
  s->name = name;
  s->ctx.trace_id = RandomTraceId();
  s->ctx.span_id = RandomSpanId();
  s->ctx.flags = 1;
  return s;
}

std::function<std::optional<std::string>(const char*)> Env(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const lux::Value* Attr(const lux::Value& span, const std::string& key) {
  for (const lux::Value& kv : span["attributes"].AsArray())
    if (kv["key"].AsString() == key) return &kv["value"];
  return nullptr;
}


// A protobuf reader for the tests, written from opentelemetry-proto's field numbers: an
// ExportTraceServiceRequest turned into the OTLP JSON mapping (ids as hex, 64-bit integers as
// decimal strings), the same lux::Value that the JSON encoding of the same spans parses to.
// Anything malformed (a truncated field, an unknown field, a wrong wire type) throws.
class ProtoReader {
 public:
  explicit ProtoReader(std::string_view d) : d_(d) {}
  bool More() const { return i_ < d_.size(); }
  // The next field's number and wire type.
  std::pair<int, int> Tag() {
    std::uint64_t t = Varint();
    return {static_cast<int>(t >> 3), static_cast<int>(t & 7)};
  }
  std::uint64_t Varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (i_ >= d_.size()) throw std::runtime_error("protobuf: truncated varint");
      auto b = static_cast<unsigned char>(d_[i_++]);
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    throw std::runtime_error("protobuf: varint longer than 10 bytes");
  }
  std::string_view Bytes() {
    std::uint64_t n = Varint();
    if (n > d_.size() - i_) throw std::runtime_error("protobuf: truncated length-delimited field");
    std::string_view v = d_.substr(i_, n);
    i_ += n;
    return v;
  }
  std::uint64_t Fixed(int size) {
    if (d_.size() - i_ < static_cast<std::size_t>(size)) throw std::runtime_error("protobuf: truncated fixed field");
    std::uint64_t v = 0;
    std::memcpy(&v, d_.data() + i_, size);
    i_ += size;
    return v;
  }

 private:
  std::string_view d_;
  std::size_t i_ = 0;
};

void Expect(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("protobuf: ") + what);
}

std::string Hex(std::string_view bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(digits[static_cast<unsigned char>(c) >> 4]);
    out.push_back(digits[static_cast<unsigned char>(c) & 0xF]);
  }
  return out;
}

lux::Value DecodeKeyValue(std::string_view body) {
  lux::Value kv = lux::Value::MakeObject();
  ProtoReader r(body);
  while (r.More()) {
    auto [field, type] = r.Tag();
    if (field == 1 && type == 2) {
      kv["key"] = lux::Value(std::string(r.Bytes()));
    } else if (field == 2 && type == 2) {
      lux::Value any = lux::Value::MakeObject();
      ProtoReader v(r.Bytes());
      while (v.More()) {
        auto [f, t] = v.Tag();
        if (f == 1 && t == 2) {
          any["stringValue"] = lux::Value(std::string(v.Bytes()));
        } else if (f == 2 && t == 0) {
          any["boolValue"] = lux::Value(v.Varint() != 0);
        } else if (f == 3 && t == 0) {
          any["intValue"] = lux::Value(std::to_string(static_cast<std::int64_t>(v.Varint())));
        } else if (f == 4 && t == 1) {
          std::uint64_t bits = v.Fixed(8);
          double d;
          std::memcpy(&d, &bits, 8);
          any["doubleValue"] = lux::Value(d);
        } else {
          Expect(false, "unexpected AnyValue field");
        }
      }
      kv["value"] = any;
    } else {
      Expect(false, "unexpected KeyValue field");
    }
  }
  return kv;
}

lux::Value DecodeSpan(std::string_view body) {
  lux::Value span = lux::Value::MakeObject();
  span["attributes"] = lux::Value::MakeArray();
  span["status"] = lux::Value::MakeObject();  // absent: UNSET, `{}` in the JSON encoding
  ProtoReader r(body);
  while (r.More()) {
    auto [field, type] = r.Tag();
    if (field == 1 && type == 2) {
      std::string_view id = r.Bytes();
      Expect(id.size() == 16, "trace_id of 16 bytes");
      span["traceId"] = lux::Value(Hex(id));
    } else if (field == 2 && type == 2) {
      std::string_view id = r.Bytes();
      Expect(id.size() == 8, "span_id of 8 bytes");
      span["spanId"] = lux::Value(Hex(id));
    } else if (field == 4 && type == 2) {
      span["parentSpanId"] = lux::Value(Hex(r.Bytes()));
    } else if (field == 5 && type == 2) {
      span["name"] = lux::Value(std::string(r.Bytes()));
    } else if (field == 6 && type == 0) {
      span["kind"] = lux::Value(static_cast<long long>(r.Varint()));
    } else if (field == 7 && type == 1) {
      span["startTimeUnixNano"] = lux::Value(std::to_string(r.Fixed(8)));
    } else if (field == 8 && type == 1) {
      span["endTimeUnixNano"] = lux::Value(std::to_string(r.Fixed(8)));
    } else if (field == 9 && type == 2) {
      span["attributes"].PushBack(DecodeKeyValue(r.Bytes()));
    } else if (field == 13 && type == 2) {
      lux::Value link = lux::Value::MakeObject();
      ProtoReader l(r.Bytes());
      while (l.More()) {
        auto [f, t] = l.Tag();
        Expect((f == 1 || f == 2) && t == 2, "unexpected Link field");
        link[f == 1 ? "traceId" : "spanId"] = lux::Value(Hex(l.Bytes()));
      }
      if (!span.Find("links")) span["links"] = lux::Value::MakeArray();
      span["links"].PushBack(link);
    } else if (field == 15 && type == 2) {
      ProtoReader st(r.Bytes());
      while (st.More()) {
        auto [f, t] = st.Tag();
        if (f == 2 && t == 2) {
          span["status"]["message"] = lux::Value(std::string(st.Bytes()));
        } else if (f == 3 && t == 0) {
          span["status"]["code"] = lux::Value(static_cast<long long>(st.Varint()));
        } else {
          Expect(false, "unexpected Status field");
        }
      }
    } else if (field == 16 && type == 5) {
      span["flags"] = lux::Value(static_cast<long long>(r.Fixed(4)));
    } else {
      Expect(false, "unexpected Span field");
    }
  }
  return span;
}

lux::Value DecodeOtlpProto(std::string_view body) {
  lux::Value doc = lux::Value::MakeObject();
  doc["resourceSpans"] = lux::Value::MakeArray();
  ProtoReader r(body);
  while (r.More()) {
    auto [field, type] = r.Tag();
    Expect(field == 1 && type == 2, "ExportTraceServiceRequest.resource_spans");
    lux::Value rs = lux::Value::MakeObject();
    rs["scopeSpans"] = lux::Value::MakeArray();
    ProtoReader rr(r.Bytes());
    while (rr.More()) {
      auto [f, t] = rr.Tag();
      Expect((f == 1 || f == 2) && t == 2, "unexpected ResourceSpans field");
      if (f == 1) {
        lux::Value attrs = lux::Value::MakeArray();
        ProtoReader res(rr.Bytes());
        while (res.More()) {
          auto [rf, rt] = res.Tag();
          Expect(rf == 1 && rt == 2, "Resource.attributes");
          attrs.PushBack(DecodeKeyValue(res.Bytes()));
        }
        rs["resource"] = lux::Value::MakeObject();
        rs["resource"]["attributes"] = attrs;
        continue;
      }
      lux::Value ss = lux::Value::MakeObject();
      ss["spans"] = lux::Value::MakeArray();
      ProtoReader sr(rr.Bytes());
      while (sr.More()) {
        auto [sf, st] = sr.Tag();
        Expect((sf == 1 || sf == 2) && st == 2, "unexpected ScopeSpans field");
        if (sf == 2) {
          ss["spans"].PushBack(DecodeSpan(sr.Bytes()));
          continue;
        }
        lux::Value scope = lux::Value::MakeObject();
        ProtoReader sc(sr.Bytes());
        while (sc.More()) {
          auto [cf, ct] = sc.Tag();
          Expect((cf == 1 || cf == 2) && ct == 2, "unexpected InstrumentationScope field");
          scope[cf == 1 ? "name" : "version"] = lux::Value(std::string(sc.Bytes()));
        }
        ss["scope"] = scope;
      }
      rs["scopeSpans"].PushBack(ss);
    }
    doc["resourceSpans"].PushBack(rs);
  }
  return doc;
}

// An export's body decoded by its Content-Type.
lux::Value DecodeExport(const std::string& content_type, const std::string& body) {
  if (content_type == "application/x-protobuf") return DecodeOtlpProto(body);
  REQUIRE(content_type == "application/json");
  return lux::ParseJson(body);
}
}  // namespace

TEST_CASE("tracing sampler: names, arguments and their errors") {
  Sampler d = Sampler::Parse(std::nullopt, std::nullopt);
  CHECK(d.root() == Sampler::Root::kAlwaysOn);
  CHECK(d.parent_based());
  CHECK(Sampler::Parse("always_off", std::nullopt).root() == Sampler::Root::kAlwaysOff);
  CHECK_FALSE(Sampler::Parse("always_off", std::nullopt).parent_based());
  Sampler r = Sampler::Parse("parentbased_traceidratio", "0.25");
  CHECK(r.root() == Sampler::Root::kRatio);
  CHECK(r.parent_based());
  CHECK(r.ratio() == Approx(0.25));
  CHECK(Sampler::Parse("traceidratio", std::nullopt).ratio() == 1.0);  // the default argument
  CHECK_THROWS_WITH(Sampler::Parse("sometimes", std::nullopt), Catch::Contains("OTEL_TRACES_SAMPLER") && Catch::Contains("sometimes"));
  CHECK_THROWS_WITH(Sampler::Parse("traceidratio", "1.5"), Catch::Contains("OTEL_TRACES_SAMPLER_ARG"));
  CHECK_THROWS_WITH(Sampler::Parse("traceidratio", "half"), Catch::Contains("OTEL_TRACES_SAMPLER_ARG"));
}

TEST_CASE("tracing sampler: a ratio samples that share of trace ids, the same id the same way") {
  Sampler quarter(Sampler::Root::kRatio, false, 0.25);
  int sampled = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    lux::TraceId id = RandomTraceId();
    bool first = quarter.ShouldSample(id, std::nullopt);
    CHECK(first == quarter.ShouldSample(id, std::nullopt));
    sampled += first;
  }
  // 20000 draws at p = 0.25: the standard deviation is ~61, so ±600 never fails by chance.
  CHECK(sampled > n / 4 - 600);
  CHECK(sampled < n / 4 + 600);
  Sampler none(Sampler::Root::kRatio, false, 0.0), all(Sampler::Root::kRatio, false, 1.0);
  CHECK_FALSE(none.ShouldSample(TraceIdOf("ffffffffffffffff0000000000000000"), std::nullopt));
  CHECK(all.ShouldSample(TraceIdOf("ffffffffffffffffffffffffffffffff"), std::nullopt));
  // The low 8 bytes decide: below ratio * 2^64 is sampled.
  CHECK(quarter.ShouldSample(TraceIdOf("ffffffffffffffff0fffffffffffffff"), std::nullopt));
  CHECK_FALSE(quarter.ShouldSample(TraceIdOf("00000000000000004000000000000001"), std::nullopt));
}

TEST_CASE("tracing sampler: parent-based kinds follow a caller's flag, the others decide themselves") {
  Sampler pb_off(Sampler::Root::kAlwaysOff, true);
  CHECK(pb_off.ShouldSample(TraceIdOf("0af7651916cd43dd8448eb211c80319c"), true));
  CHECK_FALSE(pb_off.ShouldSample(TraceIdOf("0af7651916cd43dd8448eb211c80319c"), std::nullopt));
  Sampler pb_on(Sampler::Root::kAlwaysOn, true);
  CHECK_FALSE(pb_on.ShouldSample(TraceIdOf("0af7651916cd43dd8448eb211c80319c"), false));
  Sampler on(Sampler::Root::kAlwaysOn, false);
  CHECK(on.ShouldSample(TraceIdOf("0af7651916cd43dd8448eb211c80319c"), false));
}

TEST_CASE("tracing traceparent: parse and format round trip, invalid values refused") {
  const std::string tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  auto ctx = lux::core::ParseTraceparent(tp);
  REQUIRE(ctx);
  CHECK(ctx->trace_id.Hex() == "0af7651916cd43dd8448eb211c80319c");
  CHECK(ctx->parent_id.Hex() == "b7ad6b7169203331");
  CHECK(ctx->flags == 1);
  lux::TraceContext self{ctx->trace_id, {}, ctx->parent_id, ctx->flags};
  CHECK(lux::tracing::FormatTraceparent(self) == tp);
  self.flags = 0;
  CHECK(lux::tracing::FormatTraceparent(self) == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  for (const char* bad : {"", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331", "00-00000000000000000000000000000000-b7ad6b7169203331-01",
                          "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                          "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x"})
    CHECK_FALSE(lux::core::ParseTraceparent(bad));
}

TEST_CASE("tracing queue: bounded, a full queue drops and counts, batches of at most the batch size") {
  BatchQueue q(3, 2);
  for (int i = 0; i < 5; ++i) q.Submit(MakeSpan("s" + std::to_string(i)));
  CHECK(q.size() == 3);
  CHECK(q.dropped() == 2);
  auto batch = q.Take(std::chrono::steady_clock::now() + std::chrono::seconds(5));  // full: at once
  REQUIRE(batch.size() == 2);
  CHECK(batch[0]->name == "s0");
  CHECK(batch[1]->name == "s1");
  auto t0 = std::chrono::steady_clock::now();
  batch = q.Take(t0 + std::chrono::milliseconds(50));  // one span: waits for the schedule delay
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(45));
  REQUIRE(batch.size() == 1);
  CHECK(batch[0]->name == "s2");
  CHECK(q.TakeNow().empty());
  // Wake ends a wait at once (the stop's flush).
  std::thread waker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    q.Wake();
  });
  t0 = std::chrono::steady_clock::now();
  batch = q.Take(t0 + std::chrono::seconds(10));
  waker.join();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK(batch.empty());
}

TEST_CASE("tracing queue: spans of threads that exit are all taken, in each thread's order, and their rings go") {
  BatchQueue q(1000, 64);
  for (int t = 0; t < 40; ++t) {
    std::thread([&q, t] {
      for (int i = 0; i < 3; ++i) q.Submit(MakeSpan(std::to_string(t) + "." + std::to_string(i)));
    }).join();
  }
  CHECK(q.size() == 120);
  std::map<std::string, int> next;  // a thread's next span
  std::size_t taken = 0;
  for (auto batch = q.TakeNow(); !batch.empty(); batch = q.TakeNow()) {
    CHECK(batch.size() <= 64);
    for (const auto& s : batch) {
      std::string thread = s->name.substr(0, s->name.find('.'));
      CHECK(s->name == thread + "." + std::to_string(next[thread]++));
      ++taken;
    }
  }
  CHECK(taken == 120);
  CHECK(next.size() == 40);
  CHECK(q.size() == 0);
  CHECK(q.rings() == 0);  // every thread exited and its ring was emptied
  q.Submit(MakeSpan("here"));
  CHECK(q.rings() == 1);  // this thread's, while it lives
  CHECK(q.TakeNow().size() == 1);
  CHECK(q.rings() == 1);
}

TEST_CASE("tracing queue: many threads submitting never exceed the bound, every span is queued or counted") {
  BatchQueue q(100, 10);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 500; ++i) q.Submit(MakeSpan("x"));
    });
  for (auto& t : ts) t.join();
  CHECK(q.size() == 100);
  CHECK(q.dropped() == 1900);
}

TEST_CASE("tracing queue: taken while threads submit, every span is taken once or counted dropped, in order") {
  BatchQueue q(64, 16);
  std::atomic<int> running{4};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) q.Submit(MakeSpan(std::to_string(t) + "." + std::to_string(i)));
      running.fetch_sub(1);
    });
  std::map<std::string, int> last;  // a thread's last span taken: later ones only
  std::size_t taken = 0;
  auto take = [&](std::vector<std::unique_ptr<SpanData>> batch) {
    CHECK(batch.size() <= 16);
    for (const auto& s : batch) {
      std::size_t dot = s->name.find('.');
      std::string thread = s->name.substr(0, dot);
      int i = std::stoi(s->name.substr(dot + 1));
      auto [it, fresh] = last.try_emplace(thread, i);
      if (!fresh) {
        CHECK(i > it->second);
        it->second = i;
      }
      ++taken;
    }
    return !batch.empty();
  };
  while (running.load() > 0) take(q.Take(std::chrono::steady_clock::now() + std::chrono::milliseconds(1)));
  for (auto& t : ts) t.join();
  while (take(q.TakeNow())) {
  }
  CHECK(taken + q.dropped() == 8000);
  // A drop finds the queue full: the 64 spans it held are taken later. (How many more were
  // taken while the threads ran depends on the scheduling: none when they finish first.)
  CHECK(taken >= (q.dropped() ? 64u : 8000u));
  CHECK(q.size() == 0);
}

TEST_CASE("tracing OTLP JSON: ids in hex, times and ints as strings, kinds, status, resource") {
  lux::tracing::Resource res;
  res.attributes = {{"service.name", "api"}, {"telemetry.sdk.name", "lux"}};
  std::vector<std::unique_ptr<SpanData>> spans;
  auto s = MakeSpan("GET /users/:id");
  s->kind = lux::tracing::SpanKind::kServer;
  s->ctx.trace_id = TraceIdOf("0af7651916cd43dd8448eb211c80319c");
  s->ctx.span_id = SpanIdOf("b7ad6b7169203331");
  s->ctx.parent_id = SpanIdOf("00f067aa0ba902b7");
  s->start_ns = 1700000000123456789;
  s->end_ns = 1700000000223456789;
  s->Add("http.request.method", "GET");
  s->Add("http.response.status_code", std::int64_t{503});
  s->AddBool("lux.flag", true);
  s->AddDouble("lux.ratio", 0.5);
  s->Add("weird", std::string("line\nbreak \"q\" \x01 \xff end"));
  s->error = true;
  s->status_message = "boom";
  spans.push_back(std::move(s));
  auto root = MakeSpan("publish alerts");
  root->kind = lux::tracing::SpanKind::kProducer;
  spans.push_back(std::move(root));
  std::string text = lux::tracing::EncodeOtlpJson(res, spans);
  lux::Value doc = lux::ParseJson(text);  // valid JSON, also for the control and invalid bytes
  const lux::Value& rs = doc["resourceSpans"][0];
  CHECK(rs["resource"]["attributes"][0]["key"].AsString() == "service.name");
  CHECK(rs["resource"]["attributes"][0]["value"]["stringValue"].AsString() == "api");
  const lux::Value& scope = rs["scopeSpans"][0];
  CHECK(scope["scope"]["name"].AsString() == "lux");
  const lux::Value& span = scope["spans"][0];
  CHECK(span["traceId"].AsString() == "0af7651916cd43dd8448eb211c80319c");
  CHECK(span["spanId"].AsString() == "b7ad6b7169203331");
  CHECK(span["parentSpanId"].AsString() == "00f067aa0ba902b7");
  CHECK(span["name"].AsString() == "GET /users/:id");
  CHECK(span["kind"].AsInt() == 2);
  CHECK(span["startTimeUnixNano"].AsString() == "1700000000123456789");
  CHECK(span["endTimeUnixNano"].AsString() == "1700000000223456789");
  CHECK((*Attr(span, "http.request.method"))["stringValue"].AsString() == "GET");
  CHECK((*Attr(span, "http.response.status_code"))["intValue"].AsString() == "503");
  CHECK((*Attr(span, "lux.flag"))["boolValue"].AsBool());
  CHECK((*Attr(span, "lux.ratio"))["doubleValue"].AsFloat() == 0.5);
  CHECK((*Attr(span, "weird"))["stringValue"].AsString() == "line\nbreak \"q\" \x01 \xef\xbf\xbd end");
  CHECK(span["status"]["code"].AsInt() == 2);
  CHECK(span["status"]["message"].AsString() == "boom");
  const lux::Value& producer = scope["spans"][1];
  CHECK(producer["kind"].AsInt() == 4);
  CHECK(producer.Find("parentSpanId") == nullptr);  // a root span has none
  CHECK(producer["status"].AsObject().size() == 0);  // UNSET
}

TEST_CASE("tracing settings: endpoints, headers, limits, sampler, resource, and their errors") {
  using lux::tracing::ParseExportSettings;
  CHECK_FALSE(ParseExportSettings("api", Env({})).enabled);
  auto s = ParseExportSettings("api", Env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318/"},
                                           {"OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20abc, x-tenant = t1"},
                                           {"OTEL_BSP_MAX_QUEUE_SIZE", "100"},
                                           {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "10"},
                                           {"OTEL_BSP_SCHEDULE_DELAY", "250"},
                                           {"OTEL_TRACES_SAMPLER", "traceidratio"},
                                           {"OTEL_TRACES_SAMPLER_ARG", "0.5"},
                                           {"OTEL_RESOURCE_ATTRIBUTES", "service.version=1.2.3,deployment.environment.name=test"}}));
  CHECK(s.enabled);
  CHECK(s.url == "http://127.0.0.1:4318/v1/traces");
  REQUIRE(s.headers.size() == 2);
  CHECK(s.headers[0] == std::make_pair(std::string("authorization"), std::string("Bearer abc")));
  CHECK(s.headers[1] == std::make_pair(std::string("x-tenant"), std::string("t1")));
  CHECK(s.max_queue == 100);
  CHECK(s.batch_size == 10);
  CHECK(s.schedule_delay_ms == 250);
  CHECK(s.sampler.root() == Sampler::Root::kRatio);
  CHECK(s.resource.attributes[0] == std::make_pair(std::string("service.name"), std::string("api")));
  CHECK(s.resource.attributes[1] == std::make_pair(std::string("service.version"), std::string("1.2.3")));
  // The traces endpoint is taken as is; OTEL_SERVICE_NAME wins over the server's name.
  s = ParseExportSettings("api", Env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:1"},
                                      {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://b:2/custom"},
                                      {"OTEL_SERVICE_NAME", "checkout"}}));
  CHECK(s.url == "http://b:2/custom");
  CHECK(s.resource.attributes[0].second == "checkout");
  CHECK_FALSE(ParseExportSettings("api", Env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:1"}, {"OTEL_SDK_DISABLED", "true"}})).enabled);
  CHECK_FALSE(ParseExportSettings("api", Env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:1"}, {"OTEL_TRACES_EXPORTER", "none"}})).enabled);
  auto fails = [](std::map<std::string, std::string> vars, const std::string& needle) {
    vars.emplace("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318");
    CHECK_THROWS_WITH(ParseExportSettings("api", Env(vars)), Catch::Contains(needle));
  };
  fails({{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://collector:4318/v1/traces"}}, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  fails({{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}}, "OTEL_EXPORTER_OTLP_PROTOCOL");
  fails({{"OTEL_BSP_MAX_QUEUE_SIZE", "0"}}, "OTEL_BSP_MAX_QUEUE_SIZE");
  fails({{"OTEL_BSP_SCHEDULE_DELAY", "soon"}}, "OTEL_BSP_SCHEDULE_DELAY");
  fails({{"OTEL_BSP_MAX_QUEUE_SIZE", "10"}, {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "20"}}, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE");
  fails({{"OTEL_EXPORTER_OTLP_HEADERS", "novalue"}}, "OTEL_EXPORTER_OTLP_HEADERS");
  fails({{"OTEL_TRACES_SAMPLER", "maybe"}}, "OTEL_TRACES_SAMPLER");
  fails({{"OTEL_TRACES_EXPORTER", "zipkin"}}, "OTEL_TRACES_EXPORTER");
  CHECK(ParseExportSettings("api", Env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:1"}, {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"}})).enabled);
  using Protocol = lux::tracing::ExportSettings::Protocol;
  auto protocol = [](std::map<std::string, std::string> vars) {
    vars["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://a:1";
    return ParseExportSettings("api", Env(vars)).protocol;
  };
  CHECK(protocol({}) == Protocol::kProtobuf);  // the spec's default
  CHECK(protocol({{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"}}) == Protocol::kJson);
  CHECK(protocol({{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"}}) == Protocol::kProtobuf);
  // The traces' own variable comes first.
  CHECK(protocol({{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"}, {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"}}) ==
        Protocol::kJson);
  CHECK(protocol({{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}, {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"}}) ==
        Protocol::kProtobuf);
  fails({{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"}}, "`grpc` is not supported: use http/protobuf");
  fails({{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/xml"}}, "`http/xml` is not a protocol (http/protobuf or http/json)");
}

namespace {

// A stand-in OTLP collector: a lux App that keeps every span it is sent.
struct Collector {
  std::mutex mu;
  std::vector<lux::Value> spans;
  std::vector<std::string> content_types;
  luxtest::TestServer server{[this](lux::App& app) {
    app.Post("/v1/traces", [this](lux::Request& req) {
      std::string content_type = req.Header("content-type").value_or("");
      lux::Value doc = DecodeExport(content_type, req.body);
      std::lock_guard<std::mutex> lock(mu);
      content_types.push_back(content_type);
      for (const lux::Value& rs : doc["resourceSpans"].AsArray())
        for (const lux::Value& ss : rs["scopeSpans"].AsArray())
          for (const lux::Value& sp : ss["spans"].AsArray()) {
            lux::Value copy = sp;
            copy["service"] = rs["resource"]["attributes"][0]["value"]["stringValue"];
            spans.push_back(copy);
          }
      return lux::Respond(200, lux::Value::MakeObject());
    });
  }};

  std::vector<lux::Value> Snapshot() {
    std::lock_guard<std::mutex> lock(mu);
    return spans;
  }
  const lux::Value* Find(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu);
    for (const lux::Value& s : spans)
      if (s["name"].AsString() == name) return &s;
    return nullptr;
  }
};

struct ScopedEnv {
  std::vector<std::string> names;
  void Set(const char* name, const std::string& value) {
    ::setenv(name, value.c_str(), 1);
    names.push_back(name);
  }
  ~ScopedEnv() {
    for (const auto& n : names) ::unsetenv(n.c_str());
  }
};

}  // namespace

TEST_CASE("tracing on a real App: server and fetch spans exported to the collector, one trace") {
  // http/protobuf (the default, no variable set) and http/json.
  const std::string protocol = GENERATE(std::string(), std::string("http/json"));
  Collector collector;
  luxtest::TestServer peer([](lux::App& app) {
    app.Get("/peer", [](lux::Request& req) { return lux::Respond(200, lux::Value{{"tp", req.Header("traceparent").value_or("")}}); });
  });
  ScopedEnv env;
  env.Set("OTEL_EXPORTER_OTLP_ENDPOINT", collector.server.Url(""));
  env.Set("OTEL_BSP_SCHEDULE_DELAY", "50");
  env.Set("OTEL_SERVICE_NAME", "front");
  if (!protocol.empty()) env.Set("OTEL_EXPORTER_OTLP_PROTOCOL", protocol);
  std::string peer_url = peer.Url("/peer");
  {
    luxtest::TestServer s([&](lux::App& app) {
      lux::tracing::RegisterTracing(app);
      app.Get("/items/:id", [&](lux::Request&) {
        lux::FetchResponse r = lux::Fetch(peer_url);
        return lux::Respond(200, lux::Value{{"peer", r.Json()}});
      });
      app.Get("/boom", [](lux::Request&) -> lux::Response { throw std::runtime_error("kaput"); });
    });
    auto r = luxtest::Call(s.port(), "GET", "/items/7", "",
                           "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n");
    REQUIRE(r);
    CHECK(r->status == 200);
    auto b = luxtest::Call(s.port(), "GET", "/boom");
    REQUIRE(b);
    CHECK(b->status == 500);
    s.Stop();  // flushes
  }
  CHECK(lux::tracing::DroppedSpans() == 0);
  const lux::Value* server = collector.Find("GET /items/:id");
  const lux::Value* client = collector.Find("GET");
  const lux::Value* boom = collector.Find("GET /boom");
  REQUIRE(server);
  REQUIRE(client);
  REQUIRE(boom);
  CHECK((*server)["service"].AsString() == "front");
  CHECK((*server)["traceId"].AsString() == "0af7651916cd43dd8448eb211c80319c");
  CHECK((*server)["parentSpanId"].AsString() == "b7ad6b7169203331");  // the caller's span
  CHECK((*server)["kind"].AsInt() == 2);
  CHECK((*Attr(*server, "http.route"))["stringValue"].AsString() == "/items/:id");
  CHECK((*Attr(*server, "url.path"))["stringValue"].AsString() == "/items/7");
  CHECK((*Attr(*server, "http.response.status_code"))["intValue"].AsString() == "200");
  CHECK((*Attr(*server, "network.peer.address"))["stringValue"].AsString() == "127.0.0.1");
  CHECK((*client)["kind"].AsInt() == 3);
  CHECK((*client)["traceId"].AsString() == "0af7651916cd43dd8448eb211c80319c");
  CHECK((*client)["parentSpanId"].AsString() == (*server)["spanId"].AsString());
  CHECK((*Attr(*client, "server.address"))["stringValue"].AsString() == "127.0.0.1");
  const lux::Value* peer_span = collector.Find("GET /peer");  // the peer's span: the fetch's child
  REQUIRE(peer_span);
  CHECK((*peer_span)["parentSpanId"].AsString() == (*client)["spanId"].AsString());
  CHECK((*boom)["status"]["code"].AsInt() == 2);
  CHECK((*Attr(*boom, "error.type"))["stringValue"].AsString() == "500");
  CHECK(collector.content_types.at(0) == (protocol.empty() ? "application/x-protobuf" : "application/json"));
}

TEST_CASE("tracing off: no endpoint, nothing recorded, and always_off records nothing either") {
  Collector collector;
  {
    luxtest::TestServer s([&](lux::App& app) {
      lux::tracing::RegisterTracing(app);
      app.Get("/x", [](lux::Request&) {
        CHECK_FALSE(lux::tracing::Enabled());
        return lux::Respond(200, lux::Value::MakeObject());
      });
    });
    auto r = luxtest::Call(s.port(), "GET", "/x");
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  ScopedEnv env;
  env.Set("OTEL_EXPORTER_OTLP_ENDPOINT", collector.server.Url(""));
  env.Set("OTEL_BSP_SCHEDULE_DELAY", "50");
  env.Set("OTEL_TRACES_SAMPLER", "always_off");
  {
    luxtest::TestServer s([&](lux::App& app) {
      lux::tracing::RegisterTracing(app);
      app.Get("/x", [](lux::Request& req) {
        CHECK(lux::tracing::Enabled());
        CHECK((req.trace.flags & 1) == 0);  // propagated as not sampled
        return lux::Respond(200, lux::Value::MakeObject());
      });
    });
    auto r = luxtest::Call(s.port(), "GET", "/x");
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  CHECK(collector.Snapshot().empty());
}

TEST_CASE("tracing with an unreachable collector: requests served, spans dropped and counted") {
  std::uint64_t dropped_before = lux::tracing::DroppedSpans();
  ScopedEnv env;
  // A port nothing listens on: every export fails at connect.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::string url = "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  ::close(fd);
  env.Set("OTEL_EXPORTER_OTLP_ENDPOINT", url);
  env.Set("OTEL_BSP_SCHEDULE_DELAY", "20");
  env.Set("OTEL_BSP_EXPORT_TIMEOUT", "300");
  {
    luxtest::TestServer s([&](lux::App& app) {
      lux::tracing::RegisterTracing(app);
      app.Get("/x", [](lux::Request&) { return lux::Respond(200, lux::Value::MakeObject()); });
    });
    for (int i = 0; i < 5; ++i) {
      auto r = luxtest::Call(s.port(), "GET", "/x");
      REQUIRE(r);
      CHECK(r->status == 200);
    }
  }
  CHECK(lux::tracing::DroppedSpans() - dropped_before == 5);
}

namespace {

// Keeps what the spans submit (in place of the exporter's queue).
struct RecordingSink final : lux::tracing::Sink {
  std::vector<std::unique_ptr<SpanData>> spans;
  void Submit(std::unique_ptr<SpanData> span) override { spans.push_back(std::move(span)); }
};

struct SinkScope {
  RecordingSink sink;
  explicit SinkScope(const Sampler& sampler = Sampler()) {
    lux::tracing::SetActiveSampler(sampler);
    lux::tracing::SetSink(&sink);
  }
  ~SinkScope() {
    lux::tracing::SetSink(nullptr);
    lux::tracing::SetActiveSampler(Sampler());
  }
};

}  // namespace

TEST_CASE("tracing spans: a stored traceparent makes the job run its child, its context is current inside") {
  SinkScope scope;
  std::string stored;
  {
    lux::tracing::Span publish = lux::tracing::PublishSpan("placed");
    REQUIRE(publish.Recording());
    stored = lux::tracing::TraceparentOf(publish);
    CHECK(stored == "00-" + publish.Context()->trace_id.Hex() + "-" + publish.Context()->span_id.Hex() + "-01");
  }
  {
    lux::tracing::Span job = lux::tracing::JobSpan("confirm", "job-1", 2, stored);
    REQUIRE(job.Recording());
    lux::tracing::ScopedContext in_job(job.Context());
    CHECK(lux::tracing::CurrentContext() == job.Context());
    CHECK(lux::tracing::CurrentTraceparent() == job.Traceparent());
    lux::tracing::Span query = lux::tracing::DbSpan("sqlite", "SELECT", "orders");
    REQUIRE(query.Recording());
  }
  CHECK(lux::tracing::CurrentContext() == nullptr);
  REQUIRE(scope.sink.spans.size() == 3);
  const SpanData& publish = *scope.sink.spans[0];
  const SpanData& query = *scope.sink.spans[1];
  const SpanData& job = *scope.sink.spans[2];
  CHECK(publish.kind == lux::tracing::SpanKind::kProducer);
  CHECK(publish.ctx.parent_id.empty());  // outside a trace: a root
  CHECK(job.kind == lux::tracing::SpanKind::kConsumer);
  CHECK(job.ctx.trace_id == publish.ctx.trace_id);
  CHECK(job.ctx.parent_id == publish.ctx.span_id);
  CHECK(query.ctx.parent_id == job.ctx.span_id);
  CHECK(query.name == "SELECT orders");
  CHECK(job.name == "process confirm");
  CHECK(job.end_ns >= job.start_ns);
}

TEST_CASE("tracing spans: unsampled parents record no children, an exception marks the span an error") {
  SinkScope scope;
  {
    lux::tracing::Span job = lux::tracing::JobSpan("confirm", "j", 1, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
    CHECK_FALSE(job.Recording());
    CHECK(job.Context() == nullptr);
  }
  CHECK(scope.sink.spans.empty());
  try {
    lux::tracing::Span job = lux::tracing::JobSpan("confirm", "j", 1, "");
    throw std::runtime_error("kaput");
  } catch (const std::runtime_error&) {
  }
  REQUIRE(scope.sink.spans.size() == 1);
  CHECK(scope.sink.spans[0]->error);
  CHECK(scope.sink.spans[0]->ctx.parent_id.empty());  // spawned outside a trace: a new one
  // Queries outside any trace (migrations, on_start) are not recorded.
  lux::tracing::Span q = lux::tracing::DbSpan("sqlite", "SELECT", "orders");
  CHECK_FALSE(q.Recording());
}

TEST_CASE("tracing spans: with tracing off nothing is recorded and no context is made") {
  REQUIRE_FALSE(lux::tracing::Enabled());
  lux::tracing::Span s = lux::tracing::PublishSpan("placed");
  CHECK_FALSE(s.Recording());
  CHECK(lux::tracing::TraceparentOf(s).empty());
  CHECK(lux::tracing::JobSpan("x", "j", 1, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").Context() == nullptr);
}

TEST_CASE("tracing spans: inside an unsampled job the stored context is current, so what it hands on stays unsampled") {
  SinkScope scope;
  const std::string stored = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
  {
    lux::tracing::ConsumerScope traced(lux::tracing::JobSpan("confirm", "j", 1, stored), stored);
    CHECK_FALSE(traced.span().Recording());
    const lux::TraceContext* ctx = lux::tracing::CurrentContext();
    REQUIRE(ctx);
    CHECK(ctx->trace_id.Hex() == "0af7651916cd43dd8448eb211c80319c");
    CHECK(ctx->span_id.Hex() == "b7ad6b7169203331");
    CHECK(ctx->flags == 0);
    CHECK(lux::tracing::CurrentTraceparent() == stored);  // a job or event it spawns: unsampled too
    CHECK_FALSE(lux::tracing::PublishSpan("placed").Recording());
  }
  CHECK(lux::tracing::CurrentContext() == nullptr);
  {
    const std::string sampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    lux::tracing::ConsumerScope traced(lux::tracing::JobSpan("confirm", "j", 1, sampled), sampled);
    REQUIRE(traced.span().Recording());
    CHECK(lux::tracing::CurrentContext() == traced.span().Context());
  }
  CHECK(scope.sink.spans.size() == 1);
}

TEST_CASE("tracing OTLP JSON: strings of every short length with a byte to escape at every place") {
  // The encoder scans eight bytes at a time and copies short strings by words: every length
  // and every position of a special byte round-trips through a JSON parser.
  lux::tracing::Resource res;
  const std::string specials[] = {"\"", "\\", "\n", std::string(1, '\x01'), "\x7f", "\xc3\xa9", std::string(1, '\x1f')};
  for (std::size_t len = 0; len <= 70; ++len) {
    for (const std::string& special : specials) {
      for (std::size_t at = 0; at <= len; at += (len < 20 ? 1 : 7)) {
        std::string value(len, 'a');
        for (std::size_t k = 0; k < len; ++k) value[k] = static_cast<char>('a' + k % 26);
        value.insert(at, special);
        std::vector<std::unique_ptr<SpanData>> spans;
        auto s = MakeSpan(value);
        s->Add("lux.value", value);
        spans.push_back(std::move(s));
        lux::Value doc = lux::ParseJson(lux::tracing::EncodeOtlpJson(res, spans));
        const lux::Value& span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        INFO("length " << len << ", special at " << at);
        REQUIRE(span["name"].AsString() == value);
        REQUIRE((*Attr(span, "lux.value"))["stringValue"].AsString() == value);
      }
    }
  }
}

TEST_CASE("tracing OTLP JSON: integers and timestamps at the edges of their fast paths") {
  lux::tracing::Resource res;
  const std::int64_t values[] = {0,    1,     9,      10,     99,         100,         101,
                                 999,  1000,  9999,   10000,  -1,         -100,        123456789,
                                 std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
                                 999'999'999'999'999'999, 1'000'000'000'000'000'000, 1'700'000'000'000'000'007};
  for (std::int64_t v : values) {
    std::vector<std::unique_ptr<SpanData>> spans;
    auto s = MakeSpan("n");
    s->start_ns = v;
    s->end_ns = v;
    s->Add("lux.n", v);
    spans.push_back(std::move(s));
    lux::Value doc = lux::ParseJson(lux::tracing::EncodeOtlpJson(res, spans));
    const lux::Value& span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    INFO(v);
    CHECK(span["startTimeUnixNano"].AsString() == std::to_string(v));
    CHECK(span["endTimeUnixNano"].AsString() == std::to_string(v));
    CHECK((*Attr(span, "lux.n"))["intValue"].AsString() == std::to_string(v));
  }
}

TEST_CASE("tracing spans: a recycled record starts clean, a long value overflows its inline room") {
  SinkScope scope;
  const std::string long_value(300, 'x');
  {
    lux::tracing::Span a("first", lux::tracing::SpanKind::kInternal, nullptr);
    REQUIRE(a.Recording());
    a.Attr("lux.long", long_value);
    a.Attr("lux.n", std::int64_t{7});
    a.SetError("boom", "it broke");
  }
  REQUIRE(scope.sink.spans.size() == 1);
  {
    const SpanData& first = *scope.sink.spans[0];
    REQUIRE(first.attributes.size() == 3);
    CHECK(first.attributes[0].str() == long_value);
    CHECK(first.error);
  }
  // The exporter hands encoded records back; the next spans on this thread reuse them.
  lux::tracing::RecycleSpans(scope.sink.spans);
  CHECK(scope.sink.spans.empty());
  for (int i = 0; i < 40; ++i) {  // more than a thread takes from the pool at once
    lux::tracing::Span b("second", lux::tracing::SpanKind::kServer, nullptr);
    REQUIRE(b.Recording());
    b.Attr("lux.short", "v");
  }
  REQUIRE(scope.sink.spans.size() == 40);
  std::set<std::string> span_ids;
  for (const auto& d : scope.sink.spans) {
    CHECK(d->name == "second");
    CHECK(d->kind == lux::tracing::SpanKind::kServer);
    CHECK_FALSE(d->error);
    CHECK(d->status_message.empty());
    CHECK(d->ctx.parent_id.empty());
    CHECK_FALSE(d->ctx.trace_id.empty());
    REQUIRE(d->attributes.size() == 1);
    CHECK(d->attributes[0].key == "lux.short");
    CHECK(d->attributes[0].str() == "v");
    CHECK(d->end_ns >= d->start_ns);
    span_ids.insert(d->ctx.span_id.Hex());
  }
  CHECK(span_ids.size() == 40);
}

TEST_CASE("tracing export: a retried batch is posted again with the same body, lent to each attempt") {
  std::mutex mu;
  std::vector<std::string> bodies;
  std::string content_type;
  luxtest::TestServer collector([&](lux::App& app) {
    app.Post("/v1/traces", [&](lux::Request& req) {
      std::lock_guard<std::mutex> lock(mu);
      bodies.push_back(req.body);
      content_type = req.Header("content-type").value_or("");
      // The first attempt fails with a status the exporter retries.
      return lux::Respond(bodies.size() == 1 ? 503 : 200, lux::Value::MakeObject());
    });
  });
  ScopedEnv env;
  env.Set("OTEL_EXPORTER_OTLP_ENDPOINT", collector.Url(""));
  env.Set("OTEL_BSP_SCHEDULE_DELAY", "20");
  std::uint64_t exported_before = lux::tracing::ExportedSpans();
  {
    luxtest::TestServer s([&](lux::App& app) {
      lux::tracing::RegisterTracing(app);
      app.Get("/x", [](lux::Request&) { return lux::Respond(200, lux::Value::MakeObject()); });
    });
    auto r = luxtest::Call(s.port(), "GET", "/x");
    REQUIRE(r);
    CHECK(r->status == 200);
    s.Stop();  // flushes (the retry waits about 200 ms)
  }
  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(bodies.size() == 2);
  CHECK(bodies[0].size() > 100);
  CHECK(bodies[0] == bodies[1]);
  CHECK(DecodeExport(content_type, bodies[1])["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"].AsString() == "GET /x");
  CHECK(lux::tracing::ExportedSpans() - exported_before == 1);
}

TEST_CASE("tracing service.name: the server's name in the program unless OTEL_SERVICE_NAME says otherwise") {
  for (bool env_given : {false, true}) {
    Collector collector;
    ScopedEnv env;
    env.Set("OTEL_EXPORTER_OTLP_ENDPOINT", collector.server.Url(""));
    env.Set("OTEL_BSP_SCHEDULE_DELAY", "20");
    if (env_given) env.Set("OTEL_SERVICE_NAME", "checkout");
    {
      luxtest::TestServer s([&](lux::App& app) {
        lux::tracing::RegisterTracing(app);
        lux::tracing::SetServiceName(app, "orders");
        app.Get("/x", [](lux::Request&) { return lux::Respond(200, lux::Value::MakeObject()); });
      });
      auto r = luxtest::Call(s.port(), "GET", "/x");
      REQUIRE(r);
      s.Stop();
    }
    const lux::Value* span = collector.Find("GET /x");
    REQUIRE(span);
    CHECK((*span)["service"].AsString() == (env_given ? "checkout" : "orders"));
  }
}

TEST_CASE("fetch lending its body: the request carries it, the caller gets it back answered or failed") {
  luxtest::TestServer echo([](lux::App& app) {
    app.Post("/echo", [](lux::Request& req) { return lux::Respond(200, lux::Value{{"got", req.body}}); });
  });
  lux::FetchOptions o;
  o.method = "POST";
  std::string body(5000, 'x');
  body.reserve(8192);
  const char* storage = body.data();
  lux::FetchResponse r = lux::client::FetchLendingBody(echo.Url("/echo"), o, body);
  CHECK(r.status == 200);
  CHECK(r.Json()["got"].AsString() == std::string(5000, 'x'));
  CHECK(body == std::string(5000, 'x'));
  CHECK(body.data() == storage);  // the same buffer, never copied
  // A connection that fails: the body comes back all the same.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  o.timeout_ms = 2000;
  CHECK_THROWS_AS(lux::client::FetchLendingBody("http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/", o, body),
                  lux::FetchError);
  CHECK(body == std::string(5000, 'x'));
  CHECK(body.data() == storage);
}

namespace {

// Spans covering every part of the encoding: ids with and without a parent, every attribute
// type, negative and large integers, strings of every short length, escapes and ill-formed UTF-8,
// links, error statuses with and without a message, and names long enough for a span of more
// than 16 KB (a three-byte length) or as short as a span under 128 bytes (a one-byte length).
std::vector<std::unique_ptr<SpanData>> VariedSpans(int count) {
  std::vector<std::unique_ptr<SpanData>> spans;
  for (int i = 0; i < count; ++i) {
    auto s = MakeSpan(std::string(static_cast<std::size_t>(i % 40), static_cast<char>('a' + i % 26)));
    s->kind = static_cast<lux::tracing::SpanKind>(1 + i % 5);
    if (i % 3) s->ctx.parent_id = RandomSpanId();
    s->start_ns = 1700000000000000000 + i;
    s->end_ns = s->start_ns + 1000 * i;
    if (i % 7 != 6) {  // every seventh span bare: under 128 bytes
      s->Add("lux.word", "GET");
      s->Add("n", std::int64_t{i} - 3);  // negative ones take ten bytes
      s->Add("big", std::numeric_limits<std::int64_t>::max() - i);
      s->AddBool("b", i % 2 == 0);
      s->AddDouble("d", 0.25 * i - 1);
      s->Add("s", std::string(static_cast<std::size_t>(i % 70), 'x') + (i % 4 == 0 ? "\xff\xc3\xa9\"\n" : ""));
      // Ill-formed: an overlong slash, a surrogate (U+D800), an overlong three-byte form and a
      // code point past U+10FFFF; each becomes U+FFFD in both encodings (the JSON parser
      // below refuses anything else).
      s->Add("utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 bad \xc0\xaf \xed\xa0\x80 \xe0\x80\xaf \xf4\x90\x80\x80 end");
    }
    if (i % 5 == 0) s->links.push_back({RandomTraceId(), RandomSpanId()});
    if (i % 4 == 1) {
      s->error = true;
      s->status_message = i % 8 == 1 ? "" : "failed \xfe";
    }
    if (i % 6 == 2) {  // a server span: its request attributes in the fixed fields
      using F = lux::tracing::ServerFields;
      s->server.Begin();
      s->server.Set(F::kMethod, "POST");
      s->server.Set(F::kPath, "/items/" + std::string(static_cast<std::size_t>(i % 300), 'p'));
      if (i % 4 == 0) s->server.Set(F::kQuery, "q=1&r=\xff");
      s->server.Set(F::kHost, i % 12 == 2 ? "[::1]:8080" : "example.com");
      s->server.Set(F::kPeer, "10.0.0.1:" + std::to_string(1000 + i));
      if (i % 8 == 2) s->server.Set(F::kUserAgent, "curl/8 \xc3\xa9 \"x\"");
      s->server.Set(F::kRequestId, lux::core::RandomHex(8));
      s->server.Set(F::kRoute, "/items/:id");
      s->server.SetStatus(200 + i);
    }
    if (i == 3) s->name = std::string(20'000, 'n');    // a span over 16 KB
    if (i == 5) s->Add("long", std::string(300, 'v'));  // a value past the inline room
    spans.push_back(std::move(s));
  }
  return spans;
}

}  // namespace

TEST_CASE("tracing OTLP protobuf: a server span's Host and User-Agent attributes, kept from the last span, follow every change") {
  lux::tracing::Resource res;
  struct Headers {
    const char* host;  // nullptr: absent
    const char* user_agent;
  };
  // Each next span the same as the last, or different in one thing: Host's text or presence,
  // User-Agent's text or presence (the texts of one the other's).
  const Headers seq[] = {{"example.com:8080", "ua/1"}, {"example.com:8080", "ua/1"}, {"example.com:8081", "ua/1"},
                         {"example.com:8081", "ua/2"}, {"example.com:8081", nullptr}, {nullptr, nullptr},
                         {nullptr, "ua/2"},           {"ua/2", nullptr},           {"ua/2", nullptr},
                         {"[::1]", "ua/1"},           {"[::1]", "ua/1"}};
  for (int split : {1, 2, 11}) {  // batches of one span, of two, all in one
    CAPTURE(split);
    std::vector<std::string> hosts, agents;
    for (std::size_t i = 0; i < std::size(seq); i += static_cast<std::size_t>(split)) {
      std::vector<std::unique_ptr<SpanData>> spans;
      for (std::size_t k = i; k < std::min(std::size(seq), i + static_cast<std::size_t>(split)); ++k) {
        using F = lux::tracing::ServerFields;
        auto s = MakeSpan("");
        s->kind = lux::tracing::SpanKind::kServer;
        s->server.Begin();
        s->server.Set(F::kMethod, "GET");
        s->server.Set(F::kPath, "/");
        if (seq[k].host) s->server.Set(F::kHost, seq[k].host);
        if (seq[k].user_agent) s->server.Set(F::kUserAgent, seq[k].user_agent);
        s->server.Set(F::kRequestId, "r");
        spans.push_back(std::move(s));
      }
      lux::Value from_proto = DecodeOtlpProto(lux::tracing::EncodeOtlpProto(res, spans));
      CHECK(from_proto == lux::ParseJson(lux::tracing::EncodeOtlpJson(res, spans)));
      for (const lux::Value& span : from_proto["resourceSpans"][0]["scopeSpans"][0]["spans"].AsArray()) {
        const lux::Value* host = Attr(span, "server.address");
        const lux::Value* port = Attr(span, "server.port");
        const lux::Value* agent = Attr(span, "user_agent.original");
        hosts.push_back(host ? (*host)["stringValue"].AsString() + (port ? ":" + (*port)["intValue"].AsString() : "") : "-");
        agents.push_back(agent ? (*agent)["stringValue"].AsString() : "-");
      }
    }
    CHECK(hosts == std::vector<std::string>{"example.com:8080", "example.com:8080", "example.com:8081", "example.com:8081",
                                            "example.com:8081", "-", "-", "ua/2", "ua/2", "::1", "::1"});
    CHECK(agents == std::vector<std::string>{"ua/1", "ua/1", "ua/1", "ua/2", "-", "-", "ua/2", "-", "-", "ua/1", "ua/1"});
  }
}

TEST_CASE("tracing OTLP protobuf: decodes to the same document as the JSON encoding of the same spans") {
  lux::tracing::Resource res;
  res.attributes = {{"service.name", "api"}, {"deployment.environment.name", "t\xc3\xa9st"}, {"telemetry.sdk.name", "lux"}};
  // 1 and 20 spans: batches under 16 KB (the outer lengths shorter than guessed); 100: over it;
  // 10,000: over 2 MB (longer than guessed).
  for (int count : {0, 1, 20, 100, 10000}) {
    CAPTURE(count);
    auto spans = VariedSpans(count);
    std::string body = lux::tracing::EncodeOtlpProto(res, spans);
    lux::Value from_proto = DecodeOtlpProto(body);
    lux::Value from_json = lux::ParseJson(lux::tracing::EncodeOtlpJson(res, spans));
    CHECK(from_proto == from_json);
    if (count == 10000) CHECK(body.size() > (2u << 20));
    // Appending to a buffer that already holds something leaves that in front.
    std::string appended = "keep";
    lux::tracing::EncodeOtlpProto(res, spans, appended);
    CHECK(appended == "keep" + body);
  }
  // A server span's fixed fields come out as its attributes, the `host:port` splits done.
  {
    auto spans = VariedSpans(3);
    lux::Value doc = DecodeOtlpProto(lux::tracing::EncodeOtlpProto(res, spans));
    const lux::Value& span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][2];
    CHECK((*Attr(span, "http.request.method"))["stringValue"].AsString() == "POST");
    CHECK((*Attr(span, "url.path"))["stringValue"].AsString() == "/items/pp");
    CHECK((*Attr(span, "url.scheme"))["stringValue"].AsString() == "http");
    CHECK((*Attr(span, "server.address"))["stringValue"].AsString() == "::1");
    CHECK((*Attr(span, "server.port"))["intValue"].AsString() == "8080");
    CHECK((*Attr(span, "network.peer.address"))["stringValue"].AsString() == "10.0.0.1");
    CHECK((*Attr(span, "network.peer.port"))["intValue"].AsString() == "1002");
    CHECK((*Attr(span, "user_agent.original"))["stringValue"].AsString() == "curl/8 \xc3\xa9 \"x\"");
    CHECK((*Attr(span, "http.route"))["stringValue"].AsString() == "/items/:id");
    CHECK((*Attr(span, "http.response.status_code"))["intValue"].AsString() == "202");
    CHECK(Attr(span, "url.query") == nullptr);
  }
  // The exact bytes of one small span: ids raw, times fixed64, flags fixed32, and the status.
  std::vector<std::unique_ptr<SpanData>> one;
  auto s = MakeSpan("x");
  s->ctx.trace_id = TraceIdOf("0af7651916cd43dd8448eb211c80319c");
  s->ctx.span_id = SpanIdOf("B7AD6B7169203331");  // either case
  s->kind = lux::tracing::SpanKind::kServer;
  s->start_ns = 1;
  s->end_ns = 0x0102030405060708;
  s->Add("k", std::int64_t{300});
  s->error = true;
  one.push_back(std::move(s));
  lux::tracing::Resource none;
  std::string body = lux::tracing::EncodeOtlpProto(none, one);
  const std::string span_bytes = std::string("\x0a\x10\x0a\xf7\x65\x19\x16\xcd\x43\xdd\x84\x48\xeb\x21\x1c\x80\x31\x9c", 18) +
                                 std::string("\x12\x08\xb7\xad\x6b\x71\x69\x20\x33\x31", 10) +
                                 std::string("\x2a\x01x\x30\x02", 5) +
                                 std::string("\x39\x01\x00\x00\x00\x00\x00\x00\x00", 9) +
                                 std::string("\x41\x08\x07\x06\x05\x04\x03\x02\x01", 9) +
                                 std::string("\x4a\x08\x0a\x01k\x12\x03\x18\xac\x02", 10) +
                                 std::string("\x7a\x04\x12\x00\x18\x02", 6) +
                                 std::string("\x85\x01\x01\x00\x00\x00", 6);
  REQUIRE(span_bytes.size() == 73);
  CHECK(body.size() > span_bytes.size() + 2);
  CHECK(body.substr(body.size() - span_bytes.size() - 2) == std::string("\x12\x49", 2) + span_bytes);
}

TEST_CASE("tracing host:port split: the common form in one pass, the others as before") {
  struct Case {
    std::string_view in, host;
    std::int64_t port;
  };
  for (const Case& c : {Case{"127.0.0.1:8294", "127.0.0.1", 8294}, Case{"[::1]:8080", "::1", 8080},
                        Case{"example.com", "example.com", 0}, Case{"[::1]", "::1", 0}, Case{"host:", "host", 0},
                        Case{"host:abc", "host", 0}, Case{"host:12ab", "host", 0}, Case{"1234", "1234", 0},
                        Case{"", "", 0}, Case{":80", "", 80}, Case{"[]:1", "", 1},
                        // 8 bytes and more: the port's digits read by one word, 0 to 7 of them
                        Case{"a.test:0", "a.test", 0}, Case{"ab.test:", "ab.test", 0}, Case{"a.test:1", "a.test", 1},
                        Case{"a:1234567", "a", 1234567}, Case{"a:0012345", "a", 12345}, Case{"h:99999", "h", 99999},
                        Case{"12345678", "12345678", 0}, Case{"a:12345678", "a", 12345678},
                        Case{"localhost:65535", "localhost", 65535}, Case{"[2001:db8::1]:443", "2001:db8::1", 443},
                        Case{"[2001:db8::1]", "2001:db8::1", 0}, Case{"host\xff:\xca" "9", "host\xff", 0},
                        Case{"host.test:9/", "host.test", 0}, Case{"host.test:/9", "host.test", 0},
                        Case{"h\xfa\xfa\xfa:99", "h\xfa\xfa\xfa", 99}, Case{"host.test: 80", "host.test", 0}}) {
    CAPTURE(c.in);
    std::string_view host;
    std::int64_t port = -1;
    lux::tracing::SplitHostPort(c.in, host, port);
    CHECK(host == c.host);
    CHECK(port == c.port);
  }
}

TEST_CASE("tracing server span: the request's own ids, Host and User-Agent in one pass, the name built at export") {
  SinkScope scope;
  std::string route = "/users/:id";
  lux::Request child;  // a caller's traceparent, a matched route
  child.method = "GET";
  child.path = "/users/7";
  child.id = "req-1";
  child.remote_addr = "127.0.0.1:5000";
  child.headers.Add("User_Agent", "not this one");  // same length, '_' is not '-'
  child.headers.Add("USER-AGENT", "probe/1");
  child.headers.Add("Hosts", "not this one");
  child.headers.Add("HoSt", "api.test:8080");
  child.headers.Add("host", "second.test:1");  // the first of a repeated header, as Headers::Get
  child.headers.Add("user-agent", "second/2");
  child.trace = lux::core::MakeTraceContext("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  lux::Request root;  // a new trace, no route matched
  root.method = "POST";
  root.path = "/nowhere";
  root.id = "req-2";
  root.trace = lux::core::MakeTraceContext(std::nullopt);
  {
    lux::tracing::Span span = lux::tracing::ServerSpan(child);
    REQUIRE(span.Recording());
    CHECK(span.Context() == &child.trace);  // its children and log lines see the request's context
    CHECK(span.Traceparent() == "00-0af7651916cd43dd8448eb211c80319c-" + child.trace.span_id.Hex() + "-01");
    lux::tracing::FinishServerSpan(span, child, &route, 200);
    lux::tracing::Span other = lux::tracing::ServerSpan(root);
    REQUIRE(other.Recording());
    lux::tracing::FinishServerSpan(other, root, nullptr, 404);
  }
  REQUIRE(scope.sink.spans.size() == 2);
  CHECK(scope.sink.spans[0]->ctx.trace_id.Hex() == "0af7651916cd43dd8448eb211c80319c");
  CHECK(scope.sink.spans[0]->ctx.parent_id.Hex() == "b7ad6b7169203331");
  CHECK(scope.sink.spans[0]->ctx.span_id == child.trace.span_id);
  lux::tracing::Resource res;
  res.attributes = {{"service.name", "api"}};
  std::vector<lux::Value> docs = {lux::ParseJson(lux::tracing::EncodeOtlpJson(res, scope.sink.spans)),
                                  DecodeOtlpProto(lux::tracing::EncodeOtlpProto(res, scope.sink.spans))};
  for (const lux::Value& doc : docs) {
    const lux::Value& spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"];
    const lux::Value& a = spans[0];
    CHECK(a["name"].AsString() == "GET /users/:id");
    CHECK(a["traceId"].AsString() == "0af7651916cd43dd8448eb211c80319c");
    CHECK(a["parentSpanId"].AsString() == "b7ad6b7169203331");
    CHECK(a["spanId"].AsString() == child.trace.span_id.Hex());
    CHECK((*Attr(a, "server.address"))["stringValue"].AsString() == "api.test");
    CHECK((*Attr(a, "user_agent.original"))["stringValue"].AsString() == "probe/1");
    CHECK((*Attr(a, "http.route"))["stringValue"].AsString() == "/users/:id");
    const lux::Value& b = spans[1];
    CHECK(b["name"].AsString() == "POST");
    CHECK(b["traceId"].AsString() == root.trace.trace_id.Hex());
    CHECK(b["spanId"].AsString() == root.trace.span_id.Hex());
    CHECK(b.Find("parentSpanId") == nullptr);
    CHECK(Attr(b, "server.address") == nullptr);
    CHECK(Attr(b, "user_agent.original") == nullptr);
    CHECK(Attr(b, "http.route") == nullptr);
  }
}
