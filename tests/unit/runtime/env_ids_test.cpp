// env parsing (Int, Float, Bool, String, Option<T>), request-id validation and generation,
// traceparent parsing, the HTTP Date format.
#include <catch2/catch.hpp>
#include <lux/env.h>
#include <stdlib.h>

#include <regex>
#include <set>

#include "core/ids.h"
#include "core/log.h"

TEST_CASE("strict scalar parsers") {
  REQUIRE(lux::ParseIntStrict("42") == 42);
  REQUIRE(lux::ParseIntStrict("-7") == -7);
  REQUIRE(lux::ParseIntStrict("+7") == 7);
  for (const char* bad : {"", " 1", "1 ", "1.0", "0x10", "abc", "+-1", "99999999999999999999"})
    REQUIRE_FALSE(lux::ParseIntStrict(bad).has_value());
  REQUIRE(lux::ParseFloatStrict("1.5") == 1.5);
  REQUIRE(lux::ParseFloatStrict("2") == 2.0);
  REQUIRE_FALSE(lux::ParseFloatStrict("inf").has_value());
  REQUIRE_FALSE(lux::ParseFloatStrict("1.5x").has_value());
  REQUIRE(lux::ParseBoolStrict("TRUE") == true);
  REQUIRE(lux::ParseBoolStrict("off") == false);
  REQUIRE_FALSE(lux::ParseBoolStrict("maybe").has_value());
}

TEST_CASE("env getters: defaults, values, one clear message on a bad value") {
  ::unsetenv("LUXT_A");
  REQUIRE(lux::EnvInt("LUXT_A", 3000) == 3000);
  REQUIRE_FALSE(lux::EnvOptInt("LUXT_A").has_value());
  REQUIRE_THROWS_WITH(lux::EnvInt("LUXT_A"), "env LUXT_A: required Int is not set");
  ::setenv("LUXT_A", "8080", 1);
  REQUIRE(lux::EnvInt("LUXT_A", 3000) == 8080);
  REQUIRE(lux::EnvOptInt("LUXT_A") == 8080);
  ::setenv("LUXT_A", "80a", 1);
  REQUIRE_THROWS_AS(lux::EnvInt("LUXT_A", 1), lux::StartupError);
  REQUIRE_THROWS_WITH(lux::EnvInt("LUXT_A", 1), "env LUXT_A: expected Int, got \"80a\"");
  REQUIRE_THROWS_WITH(lux::EnvOptFloat("LUXT_A"), "env LUXT_A: expected Float, got \"80a\"");
  REQUIRE_THROWS_WITH(lux::EnvBool("LUXT_A", true), Catch::StartsWith("env LUXT_A: expected Bool"));
  REQUIRE(lux::EnvString("LUXT_A", std::string("x")) == "80a");
  ::setenv("LUXT_A", "", 1);
  REQUIRE_FALSE(lux::EnvOptString("LUXT_A").has_value());  // Option: empty means None
  REQUIRE(lux::EnvString("LUXT_A", std::string("x")) == "");  // String: empty is a value
  ::setenv("LUXT_A", "0.25", 1);
  REQUIRE(lux::EnvFloat("LUXT_A") == 0.25);
  ::setenv("LUXT_A", "yes", 1);
  REQUIRE(lux::EnvOptBool("LUXT_A") == true);
  ::unsetenv("LUXT_A");
}

TEST_CASE("request id validation at the length and charset limits") {
  REQUIRE(lux::core::IsValidRequestId("abc-123_x.y:z"));
  REQUIRE(lux::core::IsValidRequestId(std::string(lux::kMaxRequestIdLength, 'a')));
  REQUIRE_FALSE(lux::core::IsValidRequestId(std::string(lux::kMaxRequestIdLength + 1, 'a')));
  REQUIRE_FALSE(lux::core::IsValidRequestId(""));
  for (const char* bad : {"a b", "a\nb", "a\"b", "a/b", "é", "a;b", "<script>"})
    REQUIRE_FALSE(lux::core::IsValidRequestId(bad));
}

TEST_CASE("generated request ids are UUID v4 shaped and distinct") {
  std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = lux::core::NewRequestId();
    REQUIRE(std::regex_match(id, uuid));
    REQUIRE(lux::core::IsValidRequestId(id));
    seen.insert(id);
  }
  REQUIRE(seen.size() == 1000);
}

TEST_CASE("traceparent parsing") {
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736", parent = "00f067aa0ba902b7";
  auto t = lux::core::ParseTraceparent("00-" + trace + "-" + parent + "-01");
  REQUIRE(t);
  REQUIRE(t->trace_id.Hex() == trace);
  REQUIRE(t->parent_id.Hex() == parent);
  REQUIRE(t->trace_id.bytes[0] == 0x4b);  // the bytes in the order of the hex digits
  REQUIRE(t->trace_id.bytes[15] == 0x36);
  REQUIRE(t->parent_id.bytes[7] == 0xb7);
  REQUIRE(t->flags == 1);
  REQUIRE(lux::core::ParseTraceparent("01-" + trace + "-" + parent + "-00-extra"));  // future version
  for (std::string bad : {"00-" + trace + "-" + parent + "-01-x",  // v00 has exactly 4 fields
                          "ff-" + trace + "-" + parent + "-01", "00-" + std::string(32, '0') + "-" + parent + "-01",
                          "00-" + trace + "-" + std::string(16, '0') + "-01", "00-4BF92F3577B34DA6A3CE929D0E0E4736-" + parent + "-01",
                          "00-" + trace.substr(1) + "-" + parent + "-01", std::string("garbage")}) {
    INFO(bad);
    REQUIRE_FALSE(lux::core::ParseTraceparent(bad));
  }
  lux::TraceContext cont = lux::core::MakeTraceContext("00-" + trace + "-" + parent + "-01");
  REQUIRE(cont.trace_id.Hex() == trace);
  REQUIRE(cont.parent_id.Hex() == parent);
  REQUIRE(cont.span_id.Hex().size() == 16);
  REQUIRE(cont.span_id.Hex() != parent);
  REQUIRE(std::regex_match(cont.span_id.Hex(), std::regex("[0-9a-f]{16}")));
  REQUIRE(cont.ChildTraceparent() == "00-" + trace + "-" + cont.span_id.Hex() + "-01");
  lux::TraceContext fresh = lux::core::MakeTraceContext(std::string_view("nonsense"));
  REQUIRE(std::regex_match(fresh.trace_id.Hex(), std::regex("[0-9a-f]{32}")));
  REQUIRE(fresh.trace_id.Hex() != trace);
  REQUIRE(fresh.parent_id.empty());
  REQUIRE(fresh.parent_id.Hex().empty());
  REQUIRE(fresh.flags == 1);
}

TEST_CASE("trace and span ids: bytes, hex only when written") {
  lux::TraceId t;
  REQUIRE(t.empty());
  REQUIRE(t.Hex().empty());  // no id
  REQUIRE(lux::TraceId::FromHex("0AF7651916CD43DD8448EB211C80319C", t));  // either case
  REQUIRE_FALSE(t.empty());
  REQUIRE(t.Hex() == "0af7651916cd43dd8448eb211c80319c");
  char buf[33] = {};
  REQUIRE(t.WriteHex(buf) == buf + 32);
  REQUIRE(std::string(buf) == "0af7651916cd43dd8448eb211c80319c");
  lux::TraceId same;
  REQUIRE(lux::TraceId::FromHex("0af7651916cd43dd8448eb211c80319c", same));
  REQUIRE(same == t);
  lux::SpanId s;
  for (std::string bad : {"", "b7ad6b716920333", "b7ad6b71692033311", "b7ad6b716920333g", "b7ad6b71-9203331"}) {
    INFO(bad);
    REQUIRE_FALSE(lux::SpanId::FromHex(bad, s));
    REQUIRE(s.empty());  // unchanged
  }
  REQUIRE(lux::SpanId::FromHex("00000000000000ff", s));
  REQUIRE(s.Hex() == "00000000000000ff");
  s.clear();
  REQUIRE(s.empty());
}

TEST_CASE("HTTP Date header format is IMF-fixdate") {
  REQUIRE(lux::core::FormatHttpDate(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");
  REQUIRE(lux::core::CachedHttpDate().size() == 29);
}
