// ExecutableDigest: what `luxc dev` compares to decide whether a rebuilt server must be swapped.
// Editing one server shifts the lines of the servers below it, so their rebuilt executables
// differ in debug info (#line) and build id while the code they run is the same: the digest
// covers only what the process loads, not those.
#pragma once

#include <string>
#include <string_view>

namespace lux {

// For a 64-bit little-endian ELF file: a hash of its allocated sections (type, flags, address,
// size and contents), notes excepted (the build id is one). For any other file, or an ELF file
// whose section table is out of bounds: a hash of its whole content. "" when it cannot be read.
std::string ExecutableDigest(const std::string& path);
// The same over a file's content already read.
std::string ExecutableDigestOf(std::string_view content);

}  // namespace lux
