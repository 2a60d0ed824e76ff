#include "hdo/replayer.h"

#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "workflow_run.h"

namespace hdo {
namespace {

// "WorkflowExecutionStarted" -> "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED".
std::string LongEnumName(const std::string& prefix, const std::string& name) {
  if (name.rfind(prefix, 0) == 0) return name;
  std::string out = prefix;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (std::isupper(static_cast<unsigned char>(c)) && i > 0) out += '_';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

void NormalizeEnums(nlohmann::json& json) {
  if (json.is_array()) {
    for (auto& item : json) NormalizeEnums(item);
    return;
  }
  if (!json.is_object()) return;
  for (auto& [key, value] : json.items()) {
    if (key == "eventType" && value.is_string()) {
      value = LongEnumName("EVENT_TYPE_", value.get<std::string>());
    } else {
      NormalizeEnums(value);
    }
  }
}

}  // namespace

Replayer::Replayer() : workflows_(std::make_shared<WorkflowRegistry>()) {}

hugo::Result<temporal::api::history::v1::History> Replayer::ParseHistoryJson(
    std::string_view text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) {
    return hugo::Error::From("the history is not valid JSON",
                             std::string(hugo::ErrorCodes::kValidation));
  }
  NormalizeEnums(json);
  temporal::api::history::v1::History history;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto status = google::protobuf::util::JsonStringToMessage(json.dump(), &history, options);
  if (!status.ok()) {
    return hugo::Error::From("the history JSON does not match temporal.api.history.v1.History: " +
                                 std::string(status.message()),
                             std::string(hugo::ErrorCodes::kValidation));
  }
  if (history.events_size() == 0) {
    return hugo::Error::From("the history has no events",
                             std::string(hugo::ErrorCodes::kValidation));
  }
  return hugo::Result<temporal::api::history::v1::History>::Ok(std::move(history));
}

hugo::Result<hugo::Unit> Replayer::ReplayHistory(
    const temporal::api::history::v1::History& recorded, std::string workflow_id) const {
  const temporal::api::history::v1::History* replayed = &recorded;
  temporal::api::history::v1::History decoded;
  if (!codecs_.empty()) {
    decoded = recorded;
    auto decoding = DecodePayloads(decoded, codecs_);
    if (decoding.IsFailure()) return decoding.Error();
    replayed = &decoded;
  }
  const temporal::api::history::v1::History& history = *replayed;
  if (history.events_size() == 0) {
    return hugo::Error::From("the history has no events",
                             std::string(hugo::ErrorCodes::kValidation));
  }
  internal::WorkflowRun run(
      workflows_.get(), nullptr,
      internal::WorkflowRunOptions{"default", "", "replayer", propagators_, interceptors_});
  auto appended = run.AppendEvents(history.events());
  if (appended.IsFailure()) return appended;
  const auto& started = history.events(0).workflow_execution_started_event_attributes();
  run.SetWorkflowId(started.workflow_id().empty() ? workflow_id : started.workflow_id());
  auto advanced = run.Advance(false);
  if (advanced.IsFailure()) return advanced;
  return run.CheckFullyMatched();
}

hugo::Result<hugo::Unit> Replayer::ReplayJson(std::string_view json,
                                              std::string workflow_id) const {
  auto history = ParseHistoryJson(json);
  if (history.IsFailure()) return history.Error();
  return ReplayHistory(history.Value(), std::move(workflow_id));
}

hugo::Result<hugo::Unit> Replayer::ReplayFile(const std::string& path) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return hugo::Error::From("cannot read the history file " + path,
                             std::string(hugo::ErrorCodes::kValidation));
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto replayed = ReplayJson(text.str(), path);
  if (replayed.IsFailure()) {
    return hugo::Error::From(path + ": " + replayed.Error().Message(), replayed.Error().Code())
        .WithCause(replayed.Error());
  }
  return replayed;
}

}  // namespace hdo
