// Umbrella header: everything generated code and hand-written servers use.
#pragma once

#include "lux/auth.h"
#include "lux/client.h"
#include "lux/db.h"
#include "lux/docs.h"
#include "lux/env.h"
#include "lux/error.h"
#include "lux/events.h"
#include "lux/http.h"
#include "lux/jobs.h"
#include "lux/rt.h"
#include "lux/services.h"
#include "lux/upload.h"
#include "lux/value.h"
