// HeaderDeps: which parts of a program header (`<stem>.h`, written by the code generator) one
// translation unit depends on, so that `luxc dev` recompiles after a header change only the units
// the change can affect (the cache key of a unit holds those parts instead of the whole header).
// Entry point: HeaderDeps(header).UsedBy(unit_text).
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace lux {

class HeaderDeps {
 public:
  // Splits `header` into its top-level items (a record, an enum with its inline conversions, a
  // prototype, an extern declaration; namespaces are looked through, comments dropped).
  explicit HeaderDeps(std::string_view header);

  // The text of every item `unit_text` depends on, in header order: the items declaring a name the
  // unit's text contains, the items declaring a name one of those contains, and so on; a
  // function item also goes with every header type its declaration names (ToValue/FromValue are
  // found by argument-dependent lookup from code that does not spell them), and the overloads of
  // a function that are all declared for header types go only with those types.
  // Preprocessor lines are always in it. The whole header when it could not be split.
  std::string UsedBy(std::string_view unit_text) const;

  // How many items the header was split into (0: it could not be; for tests).
  size_t ItemCount() const { return items_.size(); }

 private:
  struct Item {
    std::string text;               // without comments, whitespace runs as one space
    std::set<std::string> names;    // the identifiers it contains
    std::string declares;           // the name it declares ("" when none was found)
  };
  void Link();

  std::string whole_;
  std::string preamble_;  // preprocessor lines
  std::vector<Item> items_;
  // A name → the items declaring it (a record's forward declaration and definition, the
  // overloads of a function).
  std::map<std::string, std::vector<size_t>> by_name_;
  // A header type → the function items that name it (taken with it).
  std::map<std::string, std::vector<size_t>> type_users_;
  std::vector<bool> typed_;              // item k names a header type (a function item)
  std::set<std::string> by_type_only_;   // overloaded functions taken only with their types
};

}  // namespace lux
