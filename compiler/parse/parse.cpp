// parseProgram: byte checks → lexer (lexer.h, hand-written) → TokenFilter → misplaced-`with` repair → parser (SLL with bail-out first, then full
// LL with luxc's error reporting when SLL fails) → AstBuilder. See parse.h.
#include "parse/parse.h"

#include <antlr4-runtime.h>
#include <llvm/Support/Allocator.h>

#include "LuxParser.h"
#include "parse/builder.h"
#include "parse/lexer.h"
#include "parse/comment_division.h"
#include "parse/misplaced_options.h"
#include "parse/source_map.h"
#include "parse/syntax_errors.h"
#include "parse/syntax_tree_build.h"
#include "parse/token_filter.h"

namespace lux {
namespace {

// The full-LL pass runs only when the SLL pass never nested rules deeper than this. Full-LL
// prediction walks the whole rule stack, so on deeply nested broken input (a fuzzer's 16 KB of
// `fn(a) fn(a) ...`) it costs seconds; real programs nest a few dozen rules deep, and such input
// is a syntax error anyway, reported by the recovering pass.
constexpr uint32_t kMaxFullLLRuleDepth = 150;

using parse::TokenFilter;

struct RuleDepthExceeded {
  antlr4::Token* at;
};

// Counts nested rule contexts while parsing (left-recursive operator chains count too, as they
// nest in the tree) and stops the parse past ParseLimits::kMaxRuleDepth.
class DepthGuard : public antlr4::tree::ParseTreeListener {
 public:
  void visitTerminal(antlr4::tree::TerminalNode*) override {}
  void visitErrorNode(antlr4::tree::ErrorNode*) override {}
  void enterEveryRule(antlr4::ParserRuleContext* ctx) override {
    if (++depth_ > ParseLimits::kMaxRuleDepth) throw RuleDepthExceeded{ctx->getStart()};
    if (depth_ > max_depth_) max_depth_ = depth_;
  }
  void exitEveryRule(antlr4::ParserRuleContext*) override { --depth_; }
  void reset() { depth_ = 0; }
  uint32_t maxDepth() const { return max_depth_; }

 private:
  uint32_t depth_ = 0;
  uint32_t max_depth_ = 0;
};

// LuxParser with the parse tree's terminal nodes (one per token matched, the most numerous nodes)
// placed in an arena instead of one heap allocation each that the parser's tracker deletes one
// by one: ~5% of `luxc check`'s instructions and 4 MB of its peak on 10,000 lines
// (bench/README.md). The nodes hold no resources, so the arena frees them with the parser, after
// the AST builder and the syntax tree are done with them. Error nodes (recovery) stay ANTLR's.
class Parser final : public grammar::LuxParser {
 public:
  using grammar::LuxParser::LuxParser;

  antlr4::Token* consume() override {
    if (!_buildParseTrees || _errHandler->inErrorRecoveryMode(this)) return grammar::LuxParser::consume();
    antlr4::Token* token = getCurrentToken();
    if (token->getType() != antlr4::Token::EOF) getInputStream()->consume();
    auto* node = ::new (terminals_.Allocate<antlr4::tree::TerminalNodeImpl>()) antlr4::tree::TerminalNodeImpl(token);
    _ctx->addChild(node);
    for (antlr4::tree::ParseTreeListener* listener : _parseListeners) listener->visitTerminal(node);
    return token;
  }

 private:
  llvm::BumpPtrAllocatorImpl<llvm::MallocAllocator, 64 * 1024> terminals_;
};

bool onlyWhitespace(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f') return false;
  }
  return true;
}

}  // namespace

ParseResult parseProgram(const SourceFile& file, ast::AstContext& ctx, DiagEngine& diags, syntax::Tree* syntax) {
  ParseResult result;
  std::string_view text = file.text();
  if (text.size() > ParseLimits::kMaxSourceBytes) {
    diags.report(DiagId::FileTooLarge, SourceRange::point(0), text.size(), ParseLimits::kMaxSourceBytes);
    return result;
  }
  if (onlyWhitespace(text)) {
    diags.report(DiagId::FileEmpty, SourceRange::point(0));
    return result;
  }
  if (!parse::checkSourceBytes(text, diags)) return result;

  parse::SourceMap map(text);
  parse::SourceCharStream input(text, map);
  // The lexer owns the tokens' memory: declared before every holder of tokens, destroyed after.
  parse::Lexer lexer(text, map, input);
  TokenFilter filter(lexer, map, diags);
  std::vector<std::unique_ptr<antlr4::Token>> filtered;
  filtered.reserve(text.size() / 4);  // ~4 bytes per token in real programs
  do {
    filtered.push_back(filter.nextToken());
  } while (filtered.back()->getType() != antlr4::Token::EOF);
  if (filter.fatal()) return result;
  parse::warnCommentedDivision(filtered, filter, diags);
  parse::repairMisplacedOptions(filtered, filter, diags);
  antlr4::ListTokenSource source(std::move(filtered));
  antlr4::CommonTokenStream tokens(&source);
  tokens.fill();
  if (!filter.sawTokens()) {
    diags.report(DiagId::NoItems, SourceRange::point(0));
    return result;
  }

  Parser parser(&tokens);
  parser.removeErrorListeners();
  DepthGuard guard;
  parser.addParseListener(&guard);
  auto* sim = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();

  grammar::LuxParser::ProgramContext* tree = nullptr;
  std::shared_ptr<parse::SyntaxErrorStrategy> strategy;
  auto attempt = [&](antlr4::atn::PredictionMode mode, std::shared_ptr<antlr4::ANTLRErrorStrategy> handler) {
    tokens.seek(0);
    parser.reset();
    guard.reset();
    sim->setPredictionMode(mode);
    parser.setErrorHandler(std::move(handler));
    try {
      return parser.program();
    } catch (antlr4::ParseCancellationException&) {
      return static_cast<grammar::LuxParser::ProgramContext*>(nullptr);
    }
  };
  try {
    // Stage 1: SLL, bailing out at the first error. Decides every valid program the grammar was
    // written for (tests/unit/parse checks the seeds and goldens never need more).
    tree = attempt(antlr4::atn::PredictionMode::SLL, std::make_shared<antlr4::BailErrorStrategy>());
    if (!tree && guard.maxDepth() <= kMaxFullLLRuleDepth) {
      // Stage 2: full LL, still bailing out: a valid program SLL could not decide parses here.
      result.used_full_ll = true;
      tree = attempt(antlr4::atn::PredictionMode::LL, std::make_shared<antlr4::BailErrorStrategy>());
    }
    if (!tree) {
      // Stage 3: the input has a syntax error. Recover and report with SLL prediction: full LL
      // with recovery is quadratic in nesting depth on broken input (5 s for a 16 KB fuzz case,
      // against 0.06 s with SLL), and both report the first error at the same token.
      strategy = std::make_shared<parse::SyntaxErrorStrategy>(diags, filter);
      tree = attempt(antlr4::atn::PredictionMode::SLL, strategy);
    }
  } catch (const RuleDepthExceeded& e) {
    SourceRange at = e.at ? filter.rangeOf(*e.at) : SourceRange::point(0);
    diags.report(DiagId::NestingTooDeep, at, "expression", ParseLimits::kMaxRuleDepth)
        .help("split the expression into named parts");
    return result;
  }

  static const std::set<uint32_t> kNoErrorLines;
  parse::AstBuilder builder(ctx, diags, filter, tokens, strategy ? strategy->error_lines : kNoErrorLines);
  result.program = builder.buildProgram(tree);
  if (syntax && tree) parse::fillSyntaxTree(tree, tokens, filter, parser.getVocabulary(), *syntax);
  return result;
}

}  // namespace lux
