#include "common/version.h"

namespace hdo {

std::string_view Version() { return HDO_VERSION; }
std::string_view TemporalApiProtoVersion() { return HDO_TEMPORAL_PROTO_VERSION; }

}  // namespace hdo
