// AstBuilder: turns LuxParser's parse tree into luxc's AST (compiler/ast/ast.h).
// Entry point: AstBuilder::buildProgram. Split by construct: builder_decls.cpp (items),
// builder_stmts.cpp (blocks, statements, patterns, types), builder_exprs.cpp (expressions,
// strings, literals). After error recovery the tree may lack pieces: a build function returns
// null for a node it cannot complete, and its parent drops it (syntax errors are already
// reported, and the checker never runs on a program with errors).
#pragma once

#include <antlr4-runtime.h>

#include <map>
#include <optional>
#include <set>
#include <string>

#include "LuxParser.h"
#include "LuxParserBaseVisitor.h"
#include "ast/ast.h"
#include "diag/diag.h"
#include "parse/token_filter.h"

namespace lux::parse {

using grammar::LuxParser;

class AstBuilder : public grammar::LuxParserBaseVisitor {
 public:
  // `error_lines`: lines where the parser already reported a syntax error (no second report).
  AstBuilder(ast::AstContext& ctx, DiagEngine& diags, const TokenFilter& filter, antlr4::BufferedTokenStream& tokens,
             const std::set<uint32_t>& error_lines)
      : ctx_(ctx), diags_(diags), filter_(filter), tokens_(tokens), error_lines_(error_lines) {}

  ast::Program* buildProgram(LuxParser::ProgramContext* c);

  // --- expressions (builder_exprs.cpp): each visit sets expr_ --------------------------------
  antlrcpp::Any visitMemberExpr(LuxParser::MemberExprContext* c) override;
  antlrcpp::Any visitCallExpr(LuxParser::CallExprContext* c) override;
  antlrcpp::Any visitIndexExpr(LuxParser::IndexExprContext* c) override;
  antlrcpp::Any visitUnwrapExpr(LuxParser::UnwrapExprContext* c) override;
  antlrcpp::Any visitTernaryExpr(LuxParser::TernaryExprContext* c) override;  // builder_exprs.cpp
  antlrcpp::Any visitTypeofExpr(LuxParser::TypeofExprContext* c) override;    // builder_exprs.cpp
  antlrcpp::Any visitUnaryExpr(LuxParser::UnaryExprContext* c) override;
  antlrcpp::Any visitNotExpr(LuxParser::NotExprContext* c) override;
  antlrcpp::Any visitOptMemberExpr(LuxParser::OptMemberExprContext* c) override;
  antlrcpp::Any visitInExpr(LuxParser::InExprContext* c) override;
  antlrcpp::Any visitAwaitExpr(LuxParser::AwaitExprContext* c) override;
  antlrcpp::Any visitBinaryExpr(LuxParser::BinaryExprContext* c) override;
  antlrcpp::Any visitRangeExpr(LuxParser::RangeExprContext* c) override;
  antlrcpp::Any visitPipeExpr(LuxParser::PipeExprContext* c) override;
  antlrcpp::Any visitIntLit(LuxParser::IntLitContext* c) override;
  antlrcpp::Any visitFloatLit(LuxParser::FloatLitContext* c) override;
  antlrcpp::Any visitBoolLit(LuxParser::BoolLitContext* c) override;
  antlrcpp::Any visitStrLit(LuxParser::StrLitContext* c) override;
  antlrcpp::Any visitRecordLit(LuxParser::RecordLitContext* c) override;
  antlrcpp::Any visitNameRef(LuxParser::NameRefContext* c) override;
  antlrcpp::Any visitParenExpr(LuxParser::ParenExprContext* c) override;
  antlrcpp::Any visitArrayLit(LuxParser::ArrayLitContext* c) override;
  // collections (builder_collections.cpp)
  antlrcpp::Any visitSliceExpr(LuxParser::SliceExprContext* c) override;
  antlrcpp::Any visitOpenSliceExpr(LuxParser::OpenSliceExprContext* c) override;
  antlrcpp::Any visitObjectExpr(LuxParser::ObjectExprContext* c) override;
  antlrcpp::Any visitLambdaExpr(LuxParser::LambdaExprContext* c) override;
  antlrcpp::Any visitTryExpr(LuxParser::TryExprContext* c) override;  // builder_exprs.cpp
  antlrcpp::Any visitConcatExpr(LuxParser::ConcatExprContext* c) override;  // `a ++ b`: `a + b`
  antlrcpp::Any visitArrowLambdaExpr(LuxParser::ArrowLambdaExprContext* c) override;  // builder_fn.cpp
  antlrcpp::Any visitIfExpr(LuxParser::IfExprContext* c) override;
  antlrcpp::Any visitMatchExpr(LuxParser::MatchExprContext* c) override;

 private:
  // ranges and names
  SourceRange range(antlr4::Token* t) const;
  SourceRange range(antlr4::tree::TerminalNode* t) const;
  SourceRange range(antlr4::ParserRuleContext* c) const;
  SourceRange cover(antlr4::ParserRuleContext* from, antlr4::ParserRuleContext* to) const;
  ast::Ident ident(LuxParser::IdentContext* c);
  ast::Ident identToken(antlr4::Token* t);
  llvm::StringRef docComment(antlr4::ParserRuleContext* c);
  // Reports items of `c` (statements, server items, arms...) written without a separator.
  void checkSeparators(antlr4::ParserRuleContext* c);

  // declarations (builder_decls.cpp)
  ast::Decl* topItem(LuxParser::TopItemContext* c);
  ast::Decl* serverItem(LuxParser::ServerItemContext* c);
  ast::Decl* serverOnlyItem(LuxParser::ServerOnlyItemContext* c);
  // A server-only item outside a server: reported (E1019) and dropped.
  void misplacedItem(LuxParser::ServerOnlyItemContext* c);
  // Whether `offset` lies between a `server ... {` and its `}` in the text (whatever the parser
  // made of it after a syntax error).
  bool insideServerText(uint32_t offset);
  ast::Decl* sharedBlock(LuxParser::SharedBlockContext* c);
  ast::Decl* serverBlock(LuxParser::ServerBlockContext* c);
  ast::FnDecl* fnDecl(LuxParser::FnDeclContext* c);
  struct FnParts {
    LuxParser::IdentContext* name;
    LuxParser::TypeParamsContext* type_params;
    LuxParser::ParamListContext* params;
    LuxParser::TypeExprContext* result;  // null without `->`
    LuxParser::BlockContext* body;       // null when absent
  };
  ast::FnDecl* fnFrom(antlr4::ParserRuleContext* c, const FnParts& parts, bool body_required);
  ast::Decl* backgroundDecl(LuxParser::BackgroundDeclContext* c);
  ast::Decl* middlewareDecl(LuxParser::MiddlewareDeclContext* c);
  ast::Decl* typeDecl(LuxParser::TypeDeclContext* c);
  ast::Decl* typeDeclBody(LuxParser::TypeDeclContext* c);
  ast::Decl* varDecl(LuxParser::VarDeclContext* c);
  ast::Decl* envDecl(LuxParser::EnvDeclContext* c);
  ast::Decl* configDecl(LuxParser::ConfigDeclContext* c);
  ast::Decl* openapiDecl(LuxParser::OpenapiDeclContext* c);
  ast::Decl* modelDecl(LuxParser::ModelDeclContext* c);
  ast::Decl* scheduleDecl(LuxParser::ScheduleDeclContext* c);
  ast::Decl* subscribeDecl(LuxParser::SubscribeDeclContext* c);
  ast::Decl* hookDecl(LuxParser::HookDeclContext* c);
  ast::Decl* dbCallDecl(LuxParser::DbCallDeclContext* c);
  std::string separatorHelp(antlr4::ParserRuleContext* prev, antlr4::ParserRuleContext* rule);
  ast::ObjectEntry* modelOptionFromField(LuxParser::ModelItemContext* f);
  ast::Decl* sseDecl(LuxParser::SseDeclContext* c);
  ast::Decl* routeDecl(LuxParser::RouteDeclContext* c);
  ast::Decl* routesDecl(LuxParser::RoutesDeclContext* c);
  ast::Decl* wsDecl(LuxParser::WsDeclContext* c);
  ast::Expr* routesValue(LuxParser::RoutesValueContext* c);
  bool routeModifiers(const std::vector<LuxParser::RouteModifierContext*>& cs,
                      llvm::SmallVectorImpl<ast::RouteModifier*>& out);
  ast::Decl* discoverDecl(LuxParser::DiscoverDeclContext* c);
  ast::Decl* backendDecl(LuxParser::BackendDeclContext* c);
  ast::Decl* maxBodyDecl(LuxParser::MaxBodyDeclContext* c);
  ast::Decl* staticDecl(LuxParser::StaticDeclContext* c);
  ast::Decl* testDecl(LuxParser::TestDeclContext* c);
  static std::optional<ast::BackendDecl::Kind> backendKind(const std::string& name);
  ast::FieldDecl* fieldDecl(LuxParser::IdentContext* name, LuxParser::TypeExprContext* type,
                            LuxParser::ExprContext* default_value, antlr4::ParserRuleContext* whole);
  // `patterns`: where a function or lambda takes the `let`s of its pattern parameters (null:
  // pattern parameters are refused there).
  bool params(LuxParser::ParamListContext* c, llvm::SmallVectorImpl<ast::Param*>& out,
              llvm::SmallVectorImpl<ast::Stmt*>* patterns = nullptr);
  ast::Param* paramPattern(LuxParser::ParamContext* p, llvm::SmallVectorImpl<ast::Stmt*>* patterns);
  ast::BlockExpr* withParamPatterns(ast::BlockExpr* body, llvm::ArrayRef<ast::Stmt*> patterns);
  ast::Expr* withParamPatterns(ast::Expr* body, llvm::ArrayRef<ast::Stmt*> patterns);
  // Type parameters (`fn first<T>`, `type Box<T>`): checked as `Any`. A generic type's uses drop
  // their arguments (`Box<Int>` is `Box`). builder_decls.cpp.
  size_t pushTypeParams(LuxParser::TypeParamsContext* c);  // the stack size before, for popTypeParams
  void popTypeParams(size_t mark) { type_params_.resize(mark); }
  void collectGenericTypes(LuxParser::ProgramContext* c);
  std::vector<std::string> type_params_;
  std::set<std::string> generic_types_;
  void deriveClause(LuxParser::DeriveClauseContext* c);  // checks the names; adds nothing
  // methods and contracts (builder_impl.cpp)
  ast::Decl* implDecl(LuxParser::ImplDeclContext* c);
  ast::Decl* traitDecl(LuxParser::TraitDeclContext* c);
  ast::FnDecl* traitMethod(LuxParser::TraitMethodContext* c);
  ast::FnDecl* withImplicitSelf(ast::FnDecl* fn);
  bool mentionsSelf(antlr4::ParserRuleContext* c) const;
  void inheritTraitDefaults();
  std::vector<std::pair<ast::ImplDecl*, LuxParser::ImplDeclContext*>> trait_impls_;
  std::map<std::string, LuxParser::TraitDeclContext*> trait_contexts_;

  // statements, blocks, patterns, types (builder_stmts.cpp)
  ast::BlockExpr* block(LuxParser::BlockContext* c);
  ast::BlockExpr* blockFrom(antlr4::ParserRuleContext* c, const std::vector<LuxParser::StmtContext*>& all, size_t first);
  ast::Expr* armLeave(LuxParser::ArmLeaveContext* c);  // `=> return e` and the other leaving arms
  ast::Stmt* stmt(LuxParser::StmtContext* c);
  ast::Stmt* exprStmt(LuxParser::ExprStmtContext* s);
  ast::Stmt* commaStmt(LuxParser::StmtContext* c);  // `a, b = b, a`, `lo, hi`
  ast::Expr* valueList(const std::vector<LuxParser::ExprContext*>& values, size_t first);
  ast::Stmt* loopParts(ast::Stmt* loop, LuxParser::LoopLabelContext* label, LuxParser::LoopElseContext* else_part);
  ast::TryStmt* tryStmt(antlr4::ParserRuleContext* c, const std::vector<LuxParser::BlockContext*>& blocks, bool has_catch,
                        LuxParser::IdentContext* err_name, bool has_finally);
  ast::Stmt* listDestructure(LuxParser::ListDestructureStmtContext* c);  // builder_fn.cpp
  ast::Stmt* deleteStmt(LuxParser::DeleteStmtContext* c);                // builder_fn.cpp
  bool patternFields(const std::vector<LuxParser::ListBindContext*>& list_binds,
                     const std::vector<LuxParser::DestructFieldContext*>& fields,
                     llvm::SmallVectorImpl<ast::DestructureField*>& out);  // builder_fn.cpp
  // `for [k, v] in e { }` (list_binds) and `for { a, b } in e { }` (fields), builder_fn.cpp.
  ast::Stmt* forPattern(antlr4::ParserRuleContext* c, const std::vector<LuxParser::ListBindContext*>& list_binds,
                        const std::vector<LuxParser::DestructFieldContext*>& fields, LuxParser::ExprContext* iterable,
                        LuxParser::BlockContext* body);
  ast::Pattern* pattern(LuxParser::PatternContext* c);
  ast::Pattern* patternAtom(LuxParser::PatternAtomContext* c);
  ast::Pattern* collectionPattern(LuxParser::PatternAtomContext* c);  // list, tuple, object, prefix
  ast::Pattern* namePattern(LuxParser::IdentContext* c);
  ast::Expr* literalPattern(LuxParser::LiteralPatternContext* c);
  ast::Type* type(LuxParser::TypeExprContext* c);

  // expressions (builder_exprs.cpp)
  ast::Expr* expr(antlr4::ParserRuleContext* c);
  ast::ObjectExpr* objectLit(LuxParser::ObjectLitContext* c, bool value = false);
  // collections (builder_collections.cpp)
  bool compClauses(const std::vector<LuxParser::CompForContext*>& fors, llvm::SmallVectorImpl<ast::CompClause>& out);
  ast::Expr* listComprehension(LuxParser::ArrayLitContext* c);
  ast::Expr* dictComprehension(LuxParser::ObjectLitContext* c);
  ast::Expr* compareChain(LuxParser::BinaryExprContext* c, ast::Expr* lhs, ast::BinaryOp op, ast::Expr* rhs);
  ast::ObjectEntry* objEntry(LuxParser::ObjEntryContext* c, bool allow_computed = false);
  bool recordFirstEntry(LuxParser::RecordFirstEntryContext* first, llvm::SmallVectorImpl<ast::ObjectEntry*>& entries);
  ast::ObjectEntry* computedEntry(LuxParser::ComputedEntryContext* c, bool allowed);
  bool args(LuxParser::ArgListContext* c, llvm::SmallVectorImpl<ast::Expr*>& out);
  // lambdas and pipe forms (builder_fn.cpp)
  ast::Expr* fnLambda(antlr4::ParserRuleContext* c, LuxParser::ParamListContext* param_list,
                      LuxParser::TypeExprContext* result, LuxParser::BlockContext* body_block,
                      LuxParser::ExprContext* body_expr);
  ast::Expr* arrowLambda(antlr4::ParserRuleContext* c, LuxParser::ArrowParamsContext* head,
                         LuxParser::ArrowBodyContext* tail);
  ast::Expr* arrowLambda(antlr4::ParserRuleContext* c, antlr4::Token* single, LuxParser::ParamListContext* list,
                         LuxParser::ArrowBodyContext* tail);
  ast::Expr* implicitItArgument(LuxParser::ExprContext* x, ast::Expr* e);
  ast::Expr* pipeForm(LuxParser::PipeExprContext* c, ast::Expr* value, bool& failed);
  ast::Expr* placeholderCall(LuxParser::PipeExprContext* c, ast::Expr* value, ast::Expr* callee,
                             llvm::SmallVectorImpl<ast::Expr*>& list);
  ast::Expr* str(LuxParser::StrContext* c);
  // A string that must be constant (route path, cron, event name...): interpolation reported.
  ast::StringLit* constStr(LuxParser::StrContext* c, const char* what);
  ast::StringLit* routePath(LuxParser::StrContext* c, const char* what);  // builder_decls.cpp
  ast::Expr* intLiteral(antlr4::Token* t);
  ast::Expr* floatLiteral(antlr4::Token* t);
  void cookEscape(antlr4::Token* t, std::string& out);

  template <typename T>
  llvm::ArrayRef<T> copy(const llvm::SmallVectorImpl<T>& v) {
    return ctx_.copyArray(llvm::ArrayRef<T>(v.data(), v.size()));
  }

  ast::AstContext& ctx_;
  DiagEngine& diags_;
  const TokenFilter& filter_;
  antlr4::BufferedTokenStream& tokens_;
  const std::set<uint32_t>& error_lines_;
  std::optional<std::vector<SourceRange>> server_text_;  // computed on first use
  ast::Expr* expr_ = nullptr;  // result slot of the expression visits
  uint32_t expr_depth_ = 0;    // recursion guard (operator chains nest in the tree, not in ANTLR)
  bool depth_reported_ = false;
};

}  // namespace lux::parse
