// Random and hostile input: parseCron() never crashes, stays fast, and every error span lies
// inside the text; whatever parses also yields a next fire time (a valid schedule fires).
#include <random>

#include "test_util.h"

using namespace lux::cron;

namespace {

// Bytes cron syntax uses, weighted towards valid-looking input, plus some that it does not.
constexpr std::string_view kAlphabet = "0123456789012345678901234567*/,-?  \t@LW#JANFEBMONSUNxyz.\xc3\xa9\x01";

// Plausible field pieces, so that a good share of the random expressions are valid.
constexpr std::string_view kPieces[] = {"*", "*/5", "1-5", "0", "MON", "jan", "7", "30", "29", "2", "?", "59",
                                        "*/15", "FEB", "31", "1-31/2", "SUN-SAT", "12", "4,6", "0-7", "*", "*", "1", "10", "L"};

// Checks the invariants without a Catch assertion per call (keeps the loop fast); reports a
// failure with the offending text.
void checkInvariants(std::string_view text) {
  const CronParseResult r = parseCron(text);
  std::string broken;
  if (r.ok() != r.errors.empty()) broken = "ok() disagrees with errors";
  if (r.errors.size() > kMaxCronErrors) broken = "too many errors";
  for (const CronError& e : r.errors) {
    if (e.offset + e.length > text.size()) broken = "span outside the text";
    if (e.message.empty() || e.message.back() == '.') broken = "message empty or ends with a period";
    else if (std::isupper(static_cast<unsigned char>(e.message[0]))) broken = "message starts upper-case";
  }
  if (r.ok() && !nextFireTime(*r.spec, lux::cron::test::at("2024-02-28 23:59:59"), utcZone()))
    broken = "a valid schedule that never fires";
  if (!broken.empty()) FAIL_CHECK(broken << " for `" << text << "`");
}

}  // namespace

TEST_CASE("random strings: no crash, quick, spans inside the text") {
  std::mt19937 rng(20240229);  // fixed seed: reproducible
  const auto started = std::chrono::steady_clock::now();
  int parsed = 0;
  for (int i = 0; i < 10000; ++i) {
    std::string text;
    const int fields = 1 + static_cast<int>(rng() % 7);
    for (int f = 0; f < fields; ++f) {
      const int len = 1 + static_cast<int>(rng() % 6);
      for (int k = 0; k < len; ++k) text += kAlphabet[rng() % kAlphabet.size()];
      text += ' ';
    }
    checkInvariants(text);
    parsed += parseCron(text).ok();
  }
  for (int i = 0; i < 10000; ++i) {  // plausible pieces
    std::string text;
    const int fields = 4 + static_cast<int>(rng() % 3);
    for (int f = 0; f < fields; ++f) {
      const int n = 1 + static_cast<int>(rng() % 2);
      for (int k = 0; k < n; ++k) text += std::string(k ? "," : "") + std::string(kPieces[rng() % std::size(kPieces)]);
      text += ' ';
    }
    checkInvariants(text);
    parsed += parseCron(text).ok();
  }
  for (int i = 0; i < 2000; ++i) {  // raw bytes
    std::string text(rng() % 40, '\0');
    for (char& c : text) c = static_cast<char>(rng());
    checkInvariants(text);
  }
  INFO("valid expressions among the random ones: " << parsed);
  CHECK(parsed > 0);
  // A hang detector with room for sanitizer builds; a release build takes well under 0.2 s.
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
}

TEST_CASE("hostile shapes") {
  checkInvariants(std::string(kMaxCronLength, '*'));
  checkInvariants(std::string(kMaxCronLength, ','));
  checkInvariants(std::string(kMaxCronLength, '-'));
  checkInvariants(std::string(kMaxCronLength, '/'));
  checkInvariants(std::string(kMaxCronLength * 100, '1'));
  checkInvariants(std::string("0 0 * * *\0", 10));
  checkInvariants("@");
  checkInvariants("@@daily");
  checkInvariants(std::string(kMaxCronLength / 2, ' ') + "1 2 3 4 5");
}
