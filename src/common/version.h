// The version of hdo and of the Temporal API it was built from. Constant; thread-safe.
#pragma once

#include <string_view>

namespace hdo {

// Semantic version of this build, e.g. "0.1.0".
std::string_view Version();
// Version of the @temporalio/core-bridge package whose Temporal API protos this build compiled.
std::string_view TemporalApiProtoVersion();

}  // namespace hdo
