// ExecutableDigest (exe_digest.h): the loaded content of an executable, hashed.
#include "driver/exe_digest.h"

#include <elf.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace lux {
namespace {

struct Fnv {
  std::uint64_t h = 1469598103934665603ull;
  void Add(std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  }
  void AddWord(std::uint64_t v) { Add(std::string_view(reinterpret_cast<const char*>(&v), sizeof v)); }
  std::string Hex() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
  }
};

std::string WholeDigest(std::string_view content) {
  Fnv f;
  f.Add(content);
  return "file:" + f.Hex();
}

}  // namespace

std::string ExecutableDigestOf(std::string_view content) {
  Elf64_Ehdr eh;
  if (content.size() < sizeof eh) return WholeDigest(content);
  std::memcpy(&eh, content.data(), sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_shentsize < sizeof(Elf64_Shdr) || eh.e_shnum == 0)
    return WholeDigest(content);
  const std::uint64_t size = content.size();
  if (eh.e_shoff > size || static_cast<std::uint64_t>(eh.e_shnum) * eh.e_shentsize > size - eh.e_shoff)
    return WholeDigest(content);
  Fnv f;
  for (std::uint16_t i = 0; i < eh.e_shnum; ++i) {
    Elf64_Shdr sh;
    std::memcpy(&sh, content.data() + eh.e_shoff + static_cast<std::uint64_t>(i) * eh.e_shentsize, sizeof sh);
    if (!(sh.sh_flags & SHF_ALLOC) || sh.sh_type == SHT_NOTE) continue;
    f.AddWord(sh.sh_type);
    f.AddWord(sh.sh_flags);
    f.AddWord(sh.sh_addr);
    f.AddWord(sh.sh_size);
    if (sh.sh_type == SHT_NOBITS) continue;
    if (sh.sh_offset > size || sh.sh_size > size - sh.sh_offset) return WholeDigest(content);
    f.Add(content.substr(sh.sh_offset, sh.sh_size));
  }
  return "elf:" + f.Hex();
}

std::string ExecutableDigest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return ExecutableDigestOf(ss.str());
}

}  // namespace lux
