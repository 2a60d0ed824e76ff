// Private helpers of the SDK sources (not installed): durations to and from protobuf, random
// (version 4) UUIDs for request ids, update ids and workflow ids, and the default identity.
//
// Owner: src/sdk. Thread safety: all functions are safe from any thread (the UUID generator is
// thread-local).
#pragma once

#include <google/protobuf/duration.pb.h>

#include <chrono>
#include <string>

namespace hdo {

google::protobuf::Duration ToProtoDuration(std::chrono::milliseconds duration);
std::chrono::milliseconds FromProtoDuration(const google::protobuf::Duration& duration);

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lower case.
std::string RandomUuid();

// "<pid>@<hostname>", as the other SDKs identify a process.
std::string DefaultIdentity();

}  // namespace hdo
