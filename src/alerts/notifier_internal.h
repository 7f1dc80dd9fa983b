// Private to the notifier (notifier.cc, notifier_json.cc): the alert encoder the sending threads
// use to build a batch's JSON body from queued alerts. Not part of the public API; include only
// from src/alerts/notifier*.cc.
#pragma once

#include <string>

#include "alerts/notifier.h"

namespace nca::alerts::internal {

// Appends one alert as a JSON object (see EncodeAlerts for the field order).
void AppendAlert(std::string& out, const NotifyAlert& a);

}  // namespace nca::alerts::internal
