// The hand-written lexer (compiler/parse/lexer.h) against the lexer ANTLR generates from
// grammar/LuxLexer.g4.in, the definition of Lux's tokens: on every Lux file of the repository
// (goldens, samples, e2e programs, templates, fuzz regressions), the generated bench program,
// tests/gen's random programs and random hostile inputs, both must give the same
// tokens (type, channel, start, stop, line, column, text) — read raw, and through the token
// filter with its diagnostics (which drives the mode stack on mismatched brackets).
#include <antlr4-runtime.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "LuxLexer.h"
#include "diag/diag.h"
#include "parse/lexer.h"
#include "parse/source_map.h"
#include "parse/token_filter.h"

namespace {

using lux::parse::ModalLexer;

// The generated lexer as a ModalLexer, for the token filter.
class GeneratedLexer final : public ModalLexer {
 public:
  explicit GeneratedLexer(antlr4::CharStream* input) : lexer_(input) { lexer_.removeErrorListeners(); }
  std::unique_ptr<antlr4::Token> nextToken() override { return lexer_.nextToken(); }
  size_t getLine() const override { return lexer_.getLine(); }
  size_t getCharPositionInLine() override { return lexer_.getCharPositionInLine(); }
  antlr4::CharStream* getInputStream() override { return lexer_.getInputStream(); }
  std::string getSourceName() override { return lexer_.getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override { return lexer_.getTokenFactory(); }
  bool modeStackEmpty() const override { return lexer_.modeStack.empty(); }
  void popMode() override { lexer_.popMode(); }

 private:
  lux::grammar::LuxLexer lexer_;
};

std::string describe(const antlr4::Token& t) {
  return std::to_string(static_cast<int64_t>(t.getType())) + " ch" + std::to_string(t.getChannel()) + " " +
         std::to_string(t.getStartIndex()) + ":" + std::to_string(static_cast<int64_t>(t.getStopIndex())) + " @" +
         std::to_string(t.getLine()) + ":" + std::to_string(t.getCharPositionInLine()) + " '" + t.getText() + "'";
}

// Every token until EOF (or an exception, which both must throw alike), as text lines.
std::vector<std::string> drain(antlr4::TokenSource& source) {
  std::vector<std::string> out;
  try {
    for (size_t i = 0; i < 1000000; ++i) {
      auto t = source.nextToken();
      out.push_back(describe(*t));
      if (t->getType() == antlr4::Token::EOF) break;
    }
  } catch (const std::exception& e) {
    out.push_back(std::string("exception ") + typeid(e).name());
  }
  return out;
}

std::vector<std::string> filtered(ModalLexer& lexer, const lux::parse::SourceMap& map, lux::DiagEngine& diags) {
  lux::parse::TokenFilter filter(lexer, map, diags);
  std::vector<std::string> out = drain(filter);
  for (const lux::Diagnostic& d : diags.sorted())
    out.push_back(std::string(lux::diagInfo(d.id).code) + " " + std::to_string(d.range.begin) + " " + d.message);
  return out;
}

// Compares both lexers on `text`; returns false (after a CHECK failure naming `name`) on a difference.
bool sameTokens(const std::string& name, const std::string& text) {
  lux::SourceFile file = lux::SourceFile::fromString(name, text);
  lux::DiagEngine check_diags(file);
  if (!lux::parse::checkSourceBytes(file.text(), check_diags)) return true;  // never lexed
  lux::parse::SourceMap map(file.text());
  std::vector<std::string> generated, hand, generated_filtered, hand_filtered;
  {
    lux::parse::SourceCharStream input(file.text(), map);
    GeneratedLexer lexer(&input);
    generated = drain(lexer);
  }
  {
    lux::parse::SourceCharStream input(file.text(), map);
    lux::parse::Lexer lexer(file.text(), map, input);
    hand = drain(lexer);
  }
  {
    lux::parse::SourceCharStream input(file.text(), map);
    GeneratedLexer lexer(&input);
    lux::DiagEngine diags(file);
    generated_filtered = filtered(lexer, map, diags);
  }
  {
    lux::parse::SourceCharStream input(file.text(), map);
    lux::parse::Lexer lexer(file.text(), map, input);
    lux::DiagEngine diags(file);
    hand_filtered = filtered(lexer, map, diags);
  }
  INFO(name);
  CHECK(hand.size() == generated.size());
  for (size_t i = 0; i < hand.size() && i < generated.size(); ++i) {
    if (hand[i] != generated[i]) {
      INFO("raw token " << i);
      CHECK(hand[i] == generated[i]);
      return false;
    }
  }
  for (size_t i = 0; i < hand_filtered.size() && i < generated_filtered.size(); ++i) {
    if (hand_filtered[i] != generated_filtered[i]) {
      INFO("filtered token or diagnostic " << i);
      CHECK(hand_filtered[i] == generated_filtered[i]);
      return false;
    }
  }
  CHECK(hand_filtered.size() == generated_filtered.size());
  return hand.size() == generated.size() && hand_filtered.size() == generated_filtered.size();
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::filesystem::path> luxFiles(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    if (entry.path().extension() == ".lux") out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Pieces that meet every rule's edges: modes, escapes, comments, numbers, operators, non-ASCII.
const std::vector<std::string> kPieces = {
    "\"", "{", "}", "(", ")", "[", "]", "\\", "\r", "\n", "\r\n", "/", "*", "/*", "*/", "//", "///", "0x", "0b",
    "1", "0", "e", "E", "e+", ".", "..", "...", "..=", "+", "-", "=", ">", "<", "|", "&", "!", "u{", "\\u{41}",
    "\\u{", "é", "\xC2\xA0", "\xEF\xBB\xBF", "𝄞", " ", "\t", "\f", "a", "fn", "server", "rate_limit", "ws", "_x",
    "%", ",", ":", ";", "?", "#", "'", "`", "$", "->", "=>", "|>", "&&", "||", "1.5", "1_000", "0x1F", "0b10",
    "\"a{b}c\"", "\\n", "\\\"", "{x}", "}}", "{{", "\"\"",
    // the string forms' openers and closers: triple quotes, prefixes, `${`, a `\` ending a line
    "\"\"\"", "'''", "''", "f\"", "r\"", "f'", "r'", "f\"\"\"", "r'''", "f", "r", "${", "\\\n", "\\\r\n",
};

}  // namespace

TEST_CASE("the hand-written lexer gives the generated lexer's tokens on every Lux file of the repository", "[lexer]") {
  size_t files = 0;
  for (const char* dir : {LUX_ROOT_DIR "/tests/golden", LUX_ROOT_DIR "/samples", LUX_ROOT_DIR "/tests/fuzz/regressions",
                          LUX_ROOT_DIR "/tests/e2e", LUX_ROOT_DIR "/templates"}) {
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& path : luxFiles(dir)) {
      ++files;
      sameTokens(path.string(), readFile(path));
    }
  }
  CHECK(files >= 300);
}

std::string commandOutput(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe);
  std::string text;
  char buffer[65536];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) text.append(buffer, n);
  REQUIRE(pclose(pipe) == 0);
  return text;
}

TEST_CASE("the hand-written lexer gives the generated lexer's tokens on the string forms", "[lexer]") {
  const std::vector<std::string> inputs = {
      "x = \"\"\"\n  Hello, {name}!\n  {f({ a: \"}\" })}\n  \"\"\"\ny = 1\n",
      "x = '''\n  {\"a\": '1'} ''x'' \\'''\n  '''\n",
      "x = f\"a {b}\" + f'c {d}' + f\"\"\"e {g}\"\"\" + f'''h {i}'''\n",
      "x = r\"C:\\Users\\{x}\" + r'\\d+' + r\"\"\"\n\\n \"\"\n\"\"\" + r'''\\'' '''\n",
      "r = 5\nf = r + 1\ng(r, f)\nfr\"x\"\nrf'y'\nf`z`\n",
      "res.send(`\n<html>\\\n${title} $x ${ {a: `in ${b}`}.a }\r\n</html>\n`)\n",
      "x = \"\"\"a \"\"\"\"\nx = ''''\n",
      "x = \"\"\"\n  never closed {a\n  \"\"\"\ny = 1\n",
      "x = `open ${a\n b`\n",
      "x = r\"lone \r cr\" + \"\"\"lone \r cr\"\"\"\n",
      "x = \"\"\"\\u{41} \\u{42\n\"\"\"",
  };
  for (size_t i = 0; i < inputs.size(); ++i) CHECK(sameTokens("string forms " + std::to_string(i), inputs[i]));
}

TEST_CASE("the hand-written lexer gives the generated lexer's tokens on generated programs", "[lexer]") {
  std::string bench = commandOutput("python3 " LUX_ROOT_DIR "/bench/frontend/gen_program.py 3000");
  REQUIRE(bench.size() > 50000);
  CHECK(sameTokens("gen_program.py 3000", bench));
  // tests/gen's random well-typed programs: every construct it knows, literals of every form.
  for (int seed = 1; seed <= 12; ++seed) {
    std::string program = commandOutput("python3 " LUX_ROOT_DIR "/tests/gen/gen.py --seed " + std::to_string(seed));
    REQUIRE(program.size() > 1000);
    CHECK(sameTokens("gen.py --seed " + std::to_string(seed), program));
  }
}

TEST_CASE("the hand-written lexer gives the generated lexer's tokens on hostile input", "[lexer]") {
  std::mt19937 random(20261206);
  std::uniform_int_distribution<size_t> piece(0, kPieces.size() - 1);
  std::uniform_int_distribution<size_t> length(1, 40);
  size_t differences = 0;
  for (int round = 0; round < 3000 && differences < 3; ++round) {
    std::string text;
    for (size_t k = length(random); k > 0; --k) text += kPieces[piece(random)];
    if (!sameTokens("random input " + std::to_string(round), text)) ++differences;
  }
  // Real files with pieces inserted at random places.
  std::vector<std::filesystem::path> goldens = luxFiles(LUX_ROOT_DIR "/tests/golden/parse");
  REQUIRE(!goldens.empty());
  for (int round = 0; round < 300 && differences < 3; ++round) {
    std::string text = readFile(goldens[static_cast<size_t>(round) % goldens.size()]);
    for (int k = 0; k < 4 && !text.empty(); ++k) {
      size_t at = std::uniform_int_distribution<size_t>(0, text.size() - 1)(random);
      while (at > 0 && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) --at;  // not inside a character
      text.insert(at, kPieces[piece(random)]);
    }
    if (!sameTokens("mutated golden " + std::to_string(round), text)) ++differences;
  }
  CHECK(differences == 0);
}
