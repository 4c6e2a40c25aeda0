// What the editor features share about the checked model: how a symbol, a function, a type
// reads in a hover; which locals are in scope at an offset; the function of another server a
// `discover`ed name's member calls; the doc line of a built-in (docs/stdlib.md, embedded at
// build time). Entry points: describeSymbol, functionSignature, describeType, localsAt,
// peerFunction, builtinDoc, recordOfName.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lsp/analysis.h"

namespace lux::lsp {

std::string functionSignature(const FunctionModel& fn);
std::string builtinSignature(const Builtin& b);
// The text of docs/stdlib.md's table line for `Owner.name` (or `name`), or "".
std::string_view builtinDoc(const Builtin& b);
// A record's or enum's declaration as it reads in Lux (fields, variants).
std::string describeType(const Ty* t);
// A hover's Markdown for a symbol: a code block with its declaration, and a line of detail.
std::string describeSymbol(const Analysis& a, const Symbol& s);

// The names locals and parameters have at `offset`, read from the tree alone (innermost first;
// for a partial tree, which has no checked model).
std::vector<ast::Ident> namesInScopeAt(const ast::Program& program, uint32_t offset);
// Locals and parameters in scope at `offset` (innermost first; shadowed names once).
std::vector<const Symbol*> localsAt(const Analysis& a, uint32_t offset);
// Symbols of the program visible from server `server` (-1: shared code): its own declarations,
// then the shared ones.
std::vector<const Symbol*> programSymbolsFor(const Analysis& a, int server);

// The function `member` of the server a `discover` symbol names, or null.
const FunctionModel* peerFunction(const Analysis& a, const Symbol& service, llvm::StringRef member);
// The record or enum named `name` visible from `server`, as a type (null when none).
const RecordInfo* recordOfName(const Analysis& a, llvm::StringRef name, int server);
const EnumInfo* enumOfName(const Analysis& a, llvm::StringRef name, int server);

}  // namespace lux::lsp
