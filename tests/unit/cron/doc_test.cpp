// docs/cron.md's error table is a test: each row's example must give exactly that error id and
// message, so the page users read cannot drift from what luxc prints.
#include <fstream>
#include <sstream>

#include "test_util.h"

using namespace lux::cron;

namespace {

std::string trim(std::string s) {
  const auto a = s.find_first_not_of(' '), b = s.find_last_not_of(' ');
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::string unquote(std::string s) {  // `text` -> text, `""` -> empty
  if (s.size() >= 2 && s.front() == '`' && s.back() == '`') s = s.substr(1, s.size() - 2);
  return s == "\"\"" ? "" : s;
}

}  // namespace

TEST_CASE("docs/cron.md error table matches the library") {
  std::ifstream in(LUX_CRON_DOC);
  REQUIRE(in);
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.rfind("| `cron-", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    for (std::string cell; std::getline(ss, cell, '|');) cells.push_back(trim(cell));
    REQUIRE(cells.size() >= 3);
    const std::string id = unquote(cells[0]), example = unquote(cells[1]), message = cells[2];
    INFO("docs row: " << line);
    if (id == "cron-too-long") {
      const auto r = parseCron(std::string(kMaxCronLength + 1, ' '));
      REQUIRE(r.errors.size() == 1);
      CHECK(r.errors[0].message == message);
    } else {
      const auto r = parseCron(example);
      REQUIRE(r.errors.size() == 1);
      CHECK(cronErrorId(r.errors[0].kind) == id);
      CHECK(r.errors[0].message == message);
    }
    ++rows;
  }
  CHECK(rows >= 20);
}
