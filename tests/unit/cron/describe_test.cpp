// describeCron(): one-line descriptions for logs and docs.
#include "test_util.h"

using namespace lux::cron;
using lux::cron::test::spec;

TEST_CASE("descriptions") {
  CHECK(describeCron(spec("0 9,17 * * 1-5")) == "at 09:00 and 17:00, on Monday through Friday");
  CHECK(describeCron(spec("*/5 * * * *")) == "every 5 minutes");
  CHECK(describeCron(spec("* * * * *")) == "every minute");
  CHECK(describeCron(spec("*/30 * * * * *")) == "every 30 seconds");
  CHECK(describeCron(spec("0 */6 * * *")) == "at 00:00, 06:00, 12:00 and 18:00");
  CHECK(describeCron(spec("0 * * * *")) == "at minute 0 of every hour");
  CHECK(describeCron(spec("@daily")) == "at 00:00");
  CHECK(describeCron(spec("0 0 29 2 *")) == "at 00:00, on day 29 of the month, in February");
  CHECK(describeCron(spec("0 0 13 * 5")) == "at 00:00, on day 13 of the month or on Friday");
  CHECK(describeCron(spec("15 10 * * SAT,SUN")) == "at 10:15, on Sunday and Saturday");
  CHECK(describeCron(spec("0 0 1 JAN-MAR,DEC *")) == "at 00:00, on day 1 of the month, in January through March and December");
  CHECK(describeCron(spec("0 */2 * * *")) == "at minute 0, every 2 hours");
  CHECK(describeCron(spec("0,30 9-17 * * *")) == "every 30 minutes, past hours 09:00 through 17:00");
  CHECK(describeCron(spec("15 30 12 * * *")) == "at 12:30:15");
  CHECK(describeCron(spec("5,7 * * * *")) == "at minutes 5 and 7 of every hour");
  CHECK(describeCron(spec("*/10 30 * * * *")) == "every 10 seconds, at minute 30 of every hour");
}
