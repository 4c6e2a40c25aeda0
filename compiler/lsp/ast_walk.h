// Walking luxc's AST for the editor: every child of a node (one case per node kind, so a new
// kind fails to compile here until it is listed), and the chain of nodes around an offset.
// Entry points: forEachChild, pathAt.
#pragma once

#include <functional>
#include <vector>

#include "ast/ast.h"

namespace lux::lsp {

// Calls `fn` on each non-null direct child of `node`, in source order.
void forEachChild(const ast::Node* node, const std::function<void(const ast::Node*)>& fn);

// The nodes whose range contains `offset` (an end offset counts: the cursor just after a name
// is on it), outermost first, starting at `root`.
std::vector<const ast::Node*> pathAt(const ast::Node* root, uint32_t offset);

inline bool contains(SourceRange r, uint32_t offset) { return r.begin <= offset && offset <= r.end && r.end > r.begin; }

}  // namespace lux::lsp
