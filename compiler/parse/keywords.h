// What the parse stage knows about a keyword token, read from grammar/keywords.def (the one list
// the grammar's keyword rules and name sets are generated from). Entry point: keywordOf(type),
// and the predicates below it for the token filter, the syntax-error wording and the
// misplaced-`with` repair.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "LuxLexer.h"

namespace lux::parse {

// Hard: never a name (but after `.` and as an object key); Soft: a name except where an item starts.
enum class KeywordClass { Hard, Soft };
// keywords.def explains each role.
enum class KeywordRole { None, EndsStatement, Declaration, Settings };

struct Keyword {
  std::string_view spelling;
  KeywordClass cls;
  KeywordRole role;
};

// The keyword a token type stands for; nullopt for every other token.
constexpr std::optional<Keyword> keywordOf(size_t type) {
  switch (type) {
#define LUX_KEYWORD(token, spelling, cls, role) \
  case grammar::LuxLexer::token:                \
    return Keyword{spelling, KeywordClass::cls, KeywordRole::role};
#include "grammar/keywords.def"
#undef LUX_KEYWORD
    default:
      return std::nullopt;
  }
}

constexpr bool isKeyword(size_t type) { return keywordOf(type).has_value(); }

constexpr bool isSoftKeyword(size_t type) {
  auto k = keywordOf(type);
  return k && k->cls == KeywordClass::Soft;
}

// An identifier or a soft keyword: what the grammar's `ident` rule accepts.
constexpr bool isName(size_t type) { return type == grammar::LuxLexer::IDENT || isSoftKeyword(type); }

constexpr bool hasRole(size_t type, KeywordRole role) {
  auto k = keywordOf(type);
  return k && k->role == role;
}

}  // namespace lux::parse
