// mail.send(to, subject, body[, {from}]): a minimal SMTP client (RFC 5321, no TLS/AUTH) for a
// relay configured by SMTP_HOST / SMTP_PORT (default 25) / MAIL_FROM. Without SMTP_HOST the
// message is logged on stdout instead (the development fallback seed 002 uses for webhooks).
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "lux/stdlib.h"

namespace lux::stdlib {

namespace {

// Send timeouts and reply waits: a stuck relay fails the call instead of hanging a job.
constexpr int kSmtpTimeoutSeconds = 10;

class Smtp {
 public:
  ~Smtp() {
    if (fd_ >= 0) ::close(fd_);
  }
  void Connect(const std::string& host, const std::string& port) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0 || !res)
      throw Error("mail.send: cannot resolve SMTP host `" + host + "`");
    for (addrinfo* a = res; a; a = a->ai_next) {
      fd_ = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
      if (fd_ < 0) continue;
      timeval tv{kSmtpTimeoutSeconds, 0};
      setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      if (::connect(fd_, a->ai_addr, a->ai_addrlen) == 0) break;
      ::close(fd_);
      fd_ = -1;
    }
    freeaddrinfo(res);
    if (fd_ < 0) throw Error("mail.send: cannot connect to SMTP server " + host + ":" + port);
  }
  // Reads one (possibly multi-line) reply; returns its code.
  int Reply() {
    for (;;) {
      size_t nl = buf_.find("\r\n");
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 2);
        if (line.size() >= 4 && line[3] == '-') continue;
        return line.size() >= 3 ? std::atoi(line.substr(0, 3).c_str()) : 0;
      }
      char tmp[512];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) throw Error("mail.send: the SMTP server closed the connection");
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }
  void Send(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) throw Error("mail.send: writing to the SMTP server failed");
      off += static_cast<size_t>(n);
    }
  }
  void Expect(const std::string& cmd, int want) {
    if (!cmd.empty()) Send(cmd + "\r\n");
    int code = Reply();
    if (code / 100 != want / 100)
      throw Error("mail.send: the SMTP server answered " + std::to_string(code) + " to " +
                  (cmd.empty() ? std::string("the greeting") : cmd.substr(0, cmd.find(' '))));
  }

 private:
  int fd_ = -1;
  std::string buf_;
};

std::string EnvOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

Value MailSend(const Value& to, const Value& subject, const Value& body, const Value& options) {
  std::string rcpt = Str(to), subj = Str(subject), text = Str(body);
  std::string from = EnvOr("MAIL_FROM", "lux@localhost");
  if (options.IsObject() && options.Find("from")) from = Str(options["from"]);
  for (const std::string* s : {&rcpt, &from, &subj})
    if (s->find_first_of("\r\n") != std::string::npos) throw Error("mail.send: a header contains a line break");
  std::string host = EnvOr("SMTP_HOST", "");
  if (host.empty()) {
    Print({Value("[mail] (SMTP_HOST not set) to=" + rcpt + " subject=" + subj), Value(text)});
    return Value();
  }
  Smtp smtp;
  smtp.Connect(host, EnvOr("SMTP_PORT", "25"));
  smtp.Expect("", 220);
  smtp.Expect("HELO localhost", 250);
  smtp.Expect("MAIL FROM:<" + from + ">", 250);
  smtp.Expect("RCPT TO:<" + rcpt + ">", 250);
  smtp.Expect("DATA", 354);
  // Dot-stuffing: a line starting with '.' gets another one.
  std::string data = "From: " + from + "\r\nTo: " + rcpt + "\r\nSubject: " + subj +
                     "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
  std::string line;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\n') {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty() && line[0] == '.') data += '.';
      data += line + "\r\n";
      line.clear();
    } else {
      line += text[i];
    }
  }
  smtp.Expect(data + ".", 250);
  smtp.Expect("QUIT", 221);
  return Value();
}

}  // namespace lux::stdlib
