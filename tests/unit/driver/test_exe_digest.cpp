// ExecutableDigest (compiler/driver/exe_digest.cpp) on ELF files built here byte by byte: what a
// process loads counts, the build id and debug info do not; anything else is hashed whole.
#include <catch2/catch.hpp>
#include <elf.h>

#include <cstring>
#include <string>
#include <vector>

#include "driver/exe_digest.h"

namespace {

struct Section {
  std::string name;  // for reading the test only
  Elf64_Word type;
  Elf64_Xword flags;
  Elf64_Addr addr;
  std::string content;  // NOBITS: only its size counts
};

// An ELF64 little-endian file: header, the sections' contents, then the section table.
std::string MakeElf(const std::vector<Section>& sections) {
  std::string data;
  std::vector<Elf64_Shdr> headers(1);  // section 0 is the null section
  std::size_t at = sizeof(Elf64_Ehdr);
  for (const Section& s : sections) {
    Elf64_Shdr sh{};
    sh.sh_type = s.type;
    sh.sh_flags = s.flags;
    sh.sh_addr = s.addr;
    sh.sh_offset = at;
    sh.sh_size = s.content.size();
    if (s.type != SHT_NOBITS) {
      data += s.content;
      at += s.content.size();
    }
    headers.push_back(sh);
  }
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_X86_64;
  eh.e_version = EV_CURRENT;
  eh.e_ehsize = sizeof eh;
  eh.e_shoff = at;
  eh.e_shentsize = sizeof(Elf64_Shdr);
  eh.e_shnum = static_cast<Elf64_Half>(headers.size());
  std::string out(reinterpret_cast<const char*>(&eh), sizeof eh);
  out += data;
  out.append(reinterpret_cast<const char*>(headers.data()), headers.size() * sizeof(Elf64_Shdr));
  return out;
}

std::string Server(const std::string& code, const std::string& build_id, const std::string& lines, std::size_t bss = 64) {
  return MakeElf({{".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 0x1000, code},
                  {".note.gnu.build-id", SHT_NOTE, SHF_ALLOC, 0x400, build_id},
                  {".rodata", SHT_PROGBITS, SHF_ALLOC, 0x2000, "the routes"},
                  {".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, 0x3000, std::string(bss, '\0')},
                  {".debug_line", SHT_PROGBITS, 0, 0, lines}});
}

}  // namespace

TEST_CASE("exe digest: another build id and other debug lines are the same executable") {
  std::string a = lux::ExecutableDigestOf(Server("code", "build-id-1", "#line 14"));
  CHECK(a.rfind("elf:", 0) == 0);
  CHECK(lux::ExecutableDigestOf(Server("code", "build-id-2", "#line 15 and more")) == a);
}

TEST_CASE("exe digest: other code, data or sizes are another executable") {
  std::string a = lux::ExecutableDigestOf(Server("code", "id", "lines"));
  CHECK(lux::ExecutableDigestOf(Server("cod3", "id", "lines")) != a);
  CHECK(lux::ExecutableDigestOf(Server("code", "id", "lines", 65)) != a);
  CHECK(lux::ExecutableDigestOf(MakeElf({{".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 0x1008, "code"}})) !=
        lux::ExecutableDigestOf(MakeElf({{".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 0x1000, "code"}})));
}

TEST_CASE("exe digest: other files and broken section tables are hashed whole") {
  CHECK(lux::ExecutableDigestOf("#!/bin/sh\necho hi\n").rfind("file:", 0) == 0);
  CHECK(lux::ExecutableDigestOf("#!/bin/sh\necho hi\n") != lux::ExecutableDigestOf("#!/bin/sh\necho ho\n"));
  CHECK(lux::ExecutableDigestOf("").rfind("file:", 0) == 0);
  std::string elf = Server("code", "id", "lines");
  std::string cut = elf.substr(0, elf.size() - 10);  // the section table runs past the end
  CHECK(lux::ExecutableDigestOf(cut).rfind("file:", 0) == 0);
  std::string bad = elf;
  Elf64_Ehdr eh;
  std::memcpy(&eh, bad.data(), sizeof eh);
  eh.e_shoff = ~0ull;  // an offset that would overflow
  std::memcpy(bad.data(), &eh, sizeof eh);
  CHECK(lux::ExecutableDigestOf(bad).rfind("file:", 0) == 0);
}

TEST_CASE("exe digest: a real executable, and a path that does not exist") {
  CHECK(lux::ExecutableDigest("/proc/self/exe").rfind("elf:", 0) == 0);
  CHECK(lux::ExecutableDigest("/nonexistent/lux-exe").empty());
}
