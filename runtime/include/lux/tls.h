// HTTPS: `tls { cert, key, min_version }` in a server. The App then speaks TLS on its port
// (src/http/tls.cpp, OpenSSL's libssl loaded when the server starts, never otherwise).
// docs/runtime.md, "TLS".
#pragma once

#include <string>

#include "lux/http.h"

namespace lux {

struct TlsOptions {
  std::string cert;                // PEM certificate chain (the server's certificate first)
  std::string key;                 // PEM private key of that certificate
  std::string min_version = "1.2";  // "1.2" or "1.3"
};

// Makes the App serve HTTPS. The files are read when the App starts: a missing, unreadable or
// malformed file, or a key that does not match the certificate, stops the start with one line.
void ServeTls(App& app, TlsOptions options);

}  // namespace lux
