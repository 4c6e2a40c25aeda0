#include "driver/fmt_command.h"
#include <ostream>
namespace lux {
int runNew(const NewOptions&, std::ostream&, std::ostream& err) { err << "todo\n"; return 1; }
}
