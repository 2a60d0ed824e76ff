#include "visibility/worker_filter.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>

#include "common/error_codes.h"
#include "visibility/go_compat.h"
#include "visibility/query_parser.h"

namespace hdo::visibility {
namespace {

using internal::Node;
using internal::NodeKind;
using temporal::api::worker::v1::WorkerHeartbeat;

enum class Field {
  kInstanceKey,
  kIdentity,
  kHostName,
  kTaskQueue,
  kDeploymentName,
  kBuildId,
  kSdkName,
  kSdkVersion,
  kStatus,
  kStartTime,
  kHeartbeatTime,
};

std::optional<Field> FieldNamed(std::string_view name) {
  static const std::map<std::string, Field, std::less<>> fields = {
      {"WorkerInstanceKey", Field::kInstanceKey},
      {"WorkerIdentity", Field::kIdentity},
      {"HostName", Field::kHostName},
      {"TaskQueue", Field::kTaskQueue},
      {"DeploymentName", Field::kDeploymentName},
      {"BuildId", Field::kBuildId},
      {"SdkName", Field::kSdkName},
      {"SdkVersion", Field::kSdkVersion},
      {"WorkerStatus", Field::kStatus},
      {"Status", Field::kStatus},
      {"StartTime", Field::kStartTime},
      {"HeartbeatTime", Field::kHeartbeatTime},
      {"LastHeartbeatTime", Field::kHeartbeatTime},
  };
  auto found = fields.find(name);
  if (found == fields.end()) return std::nullopt;
  return found->second;
}

bool IsTime(Field field) { return field == Field::kStartTime || field == Field::kHeartbeatTime; }

std::string Upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string StringOf(Field field, const WorkerHeartbeat& heartbeat) {
  switch (field) {
    case Field::kInstanceKey:
      return heartbeat.worker_instance_key();
    case Field::kIdentity:
      return heartbeat.worker_identity();
    case Field::kHostName:
      return heartbeat.host_info().host_name();
    case Field::kTaskQueue:
      return heartbeat.task_queue();
    case Field::kDeploymentName:
      return heartbeat.deployment_version().deployment_name();
    case Field::kBuildId:
      return heartbeat.deployment_version().build_id();
    case Field::kSdkName:
      return heartbeat.sdk_name();
    case Field::kSdkVersion:
      return heartbeat.sdk_version();
    case Field::kStatus:
      return temporal::api::enums::v1::WorkerStatus_Name(heartbeat.status());
    default:
      return "";
  }
}

// Unix nanoseconds of a time column; nullopt when the heartbeat has none.
std::optional<int64_t> TimeOf(Field field, const WorkerHeartbeat& heartbeat) {
  const auto& at = field == Field::kStartTime ? heartbeat.start_time() : heartbeat.heartbeat_time();
  const bool set =
      field == Field::kStartTime ? heartbeat.has_start_time() : heartbeat.has_heartbeat_time();
  if (!set) return std::nullopt;
  return at.seconds() * 1'000'000'000 + at.nanos();
}

hugo::Error Invalid(std::string message) {
  return hugo::Error::From(std::move(message), errors::kInvalidArgument);
}

}  // namespace

struct WorkerFilter::Compiled {
  internal::ParsedQuery parsed;
  std::string query;
  // Per comparison or range node: its column, and its literal(s) as compared.
  struct Test {
    Field field;
    std::string text;  // string columns: the value (upper case for the status)
    int64_t from = 0;  // time columns: the value, or the range's bounds
    int64_t to = 0;
  };
  std::map<const Node*, Test> tests;

  hugo::Result<hugo::Unit> Check(const Node& node);
  hugo::Result<int64_t> TimeLiteral(const Node& value, std::string_view column) const;
  bool Eval(const Node& node, const WorkerHeartbeat& heartbeat) const;
};

hugo::Result<int64_t> WorkerFilter::Compiled::TimeLiteral(const Node& value,
                                                          std::string_view column) const {
  if (value.kind == NodeKind::kInt) {
    try {
      return hugo::Ok(static_cast<int64_t>(std::stoll(value.text)));
    } catch (const std::exception&) {
    }
  } else if (value.kind == NodeKind::kString) {
    if (auto nanos = go::ParseRfc3339(value.text)) return hugo::Ok(*nanos);
  }
  return Invalid("invalid value for " + std::string(column) + ": " + internal::Format(value) +
                 " is not an RFC 3339 time or Unix nanoseconds");
}

hugo::Result<hugo::Unit> WorkerFilter::Compiled::Check(const Node& node) {
  switch (node.kind) {
    case NodeKind::kAnd:
    case NodeKind::kOr:
    case NodeKind::kParen:
      for (const auto& child : node.children) {
        auto checked = Check(*child);
        if (checked.IsFailure()) return checked;
      }
      return hugo::Ok();
    case NodeKind::kNot:
      return Invalid("operation is not supported: 'not' expression");
    case NodeKind::kIs:
      return Invalid("operation is not supported: 'is' expression");
    case NodeKind::kFunction:
      return Invalid("operation is not supported: function expression");
    case NodeKind::kColumn:
      return Invalid("incomplete expression: " + node.text);
    case NodeKind::kComparison:
    case NodeKind::kBetween:
      break;
    default:
      return Invalid("operation is not supported: " + internal::Format(node));
  }
  const Node& left = *node.children[0];
  if (left.kind != NodeKind::kColumn) {
    return Invalid("invalid filter name: " + internal::Format(left));
  }
  auto field = FieldNamed(left.text);
  if (!field.has_value()) {
    return Invalid("unknown or unsupported worker heartbeat search field: " + left.text);
  }
  Test test{*field, "", 0, 0};
  if (node.kind == NodeKind::kBetween) {
    if (!IsTime(*field)) {
      return Invalid("invalid expression: BETWEEN is not supported for " + left.text + " column");
    }
    auto from = TimeLiteral(*node.children[1], left.text);
    if (from.IsFailure()) return from.Error();
    auto to = TimeLiteral(*node.children[2], left.text);
    if (to.IsFailure()) return to.Error();
    test.from = from.Value();
    test.to = to.Value();
    tests[&node] = std::move(test);
    return hugo::Ok();
  }
  const std::string& op = node.text;
  const Node& right = *node.children[1];
  if (IsTime(*field)) {
    static const std::string_view kTimeOps[] = {"=", "!=", "<", "<=", ">", ">="};
    if (std::find(std::begin(kTimeOps), std::end(kTimeOps), op) == std::end(kTimeOps)) {
      return Invalid("invalid expression: operation " + op + " is not supported for " + left.text +
                     " column");
    }
    auto at = TimeLiteral(right, left.text);
    if (at.IsFailure()) return at.Error();
    test.from = at.Value();
  } else {
    if (op != "=" && op != "!=" && op != "starts_with" && op != "not starts_with") {
      return Invalid("invalid expression: operation " + op + " is not supported for " + left.text +
                     " column");
    }
    if (right.kind != NodeKind::kString) {
      return Invalid("invalid value for " + left.text + ": " + internal::Format(right) +
                     " is not a string value");
    }
    if (right.text.empty()) return Invalid(left.text + " cannot be empty");
    test.text = right.text;
    if (*field == Field::kStatus) {
      // WORKER_STATUS_RUNNING, RUNNING or Running.
      test.text = Upper(right.text);
      if (!test.text.starts_with("WORKER_STATUS_")) test.text = "WORKER_STATUS_" + test.text;
    }
  }
  tests[&node] = std::move(test);
  return hugo::Ok();
}

bool WorkerFilter::Compiled::Eval(const Node& node, const WorkerHeartbeat& heartbeat) const {
  switch (node.kind) {
    case NodeKind::kAnd:
      for (const auto& child : node.children) {
        if (!Eval(*child, heartbeat)) return false;
      }
      return true;
    case NodeKind::kOr:
      for (const auto& child : node.children) {
        if (Eval(*child, heartbeat)) return true;
      }
      return false;
    case NodeKind::kParen:
      return Eval(*node.children[0], heartbeat);
    case NodeKind::kComparison:
    case NodeKind::kBetween:
      break;
    default:
      return false;
  }
  const Test& test = tests.at(&node);
  if (node.kind == NodeKind::kBetween) {
    auto at = TimeOf(test.field, heartbeat);
    if (!at.has_value()) return false;  // no time sent: outside every range
    const bool inside = *at >= test.from && *at <= test.to;
    return node.negated ? !inside : inside;
  }
  const std::string& op = node.text;
  if (IsTime(test.field)) {
    auto at = TimeOf(test.field, heartbeat);
    const int64_t value = at.value_or(0);
    if (op == "=") return value == test.from;
    if (op == "!=") return value != test.from;
    if (op == "<") return value < test.from;
    if (op == "<=") return value <= test.from;
    if (op == ">") return value > test.from;
    return value >= test.from;
  }
  const std::string value = StringOf(test.field, heartbeat);
  if (op == "=") return value == test.text;
  if (op == "!=") return value != test.text;
  const bool starts = value.starts_with(test.text);
  return op == "starts_with" ? starts : !starts;
}

WorkerFilter::WorkerFilter() = default;
WorkerFilter::WorkerFilter(WorkerFilter&&) noexcept = default;
WorkerFilter& WorkerFilter::operator=(WorkerFilter&&) noexcept = default;
WorkerFilter::~WorkerFilter() = default;

hugo::Result<WorkerFilter> WorkerFilter::Compile(std::string_view query) {
  WorkerFilter filter;
  filter.compiled_ = std::make_unique<Compiled>();
  filter.compiled_->query = std::string(query);
  auto parsed = internal::Parse(filter.compiled_->query);
  if (parsed.IsFailure()) return Invalid("malformed query: " + parsed.Error().Message());
  filter.compiled_->parsed = std::move(parsed).Value();
  const internal::ParsedQuery& tree = filter.compiled_->parsed;
  if (tree.has_limit) return Invalid("operation is not supported: 'limit' clause");
  if (tree.has_order_by) return Invalid("operation is not supported: 'order by' clause");
  if (!tree.group_by.empty()) return Invalid("operation is not supported: 'group by' clause");
  if (tree.where != nullptr) {
    auto checked = filter.compiled_->Check(*tree.where);
    if (checked.IsFailure()) return checked.Error();
  }
  return hugo::Ok(std::move(filter));
}

bool WorkerFilter::Matches(const WorkerHeartbeat& heartbeat) const {
  if (compiled_ == nullptr || compiled_->parsed.where == nullptr) return true;
  return compiled_->Eval(*compiled_->parsed.where, heartbeat);
}

}  // namespace hdo::visibility
