// Test helper shared by the JWT tests (auth_test.cpp, auth_keys_test.cpp): base64url without
// padding (RFC 7515 section 2), through OpenSSL's encoder, to build tokens the runtime verifies.
#pragma once

#include <openssl/evp.h>

#include <string>

namespace lux::test {

inline std::string B64Url(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

}  // namespace lux::test
