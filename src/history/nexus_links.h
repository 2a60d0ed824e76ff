// Temporal's Nexus links of workflow events: the URL form links travel in (Nexus-Link headers,
// nexus.v1.Link) and back (reference: components/nexusoperations/link_converter.go). Pure.
#pragma once

#include <optional>
#include <string>

#include "temporal/api/common/v1/message.pb.h"

namespace hdo::history {

// temporal:///namespaces/<ns>/workflows/<id>/<run>/history?eventID=<n>&eventType=<Pascal>&referenceType=EventReference
// (or referenceType=RequestIdReference&requestID=...), path segments percent-encoded.
std::string NexusLinkUrl(const temporal::api::common::v1::Link::WorkflowEvent& event);
// The Temporal link a handler's Nexus link names: a workflow event, an activity
// (temporal:///namespaces/<ns>/activities/<id>/<run>/details) or a workflow
// (temporal:///namespaces/<ns>/workflows/<id>/<run>), the kinds the reference keeps; none for
// another type or a URL not of its type's form.
std::optional<temporal::api::common::v1::Link> LinkFromNexus(const std::string& url,
                                                             const std::string& type);

}  // namespace hdo::history
