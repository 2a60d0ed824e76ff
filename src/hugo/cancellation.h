// hugo cancellation: Hugo's CancellationToken is std::stop_token and CancellationTokenSource is
// std::stop_source. LinkedStopSource is a stop_source that also stops when a parent token stops
// (Hugo's CreateLinkedTokenSource).
//
// Owner: libhugo. Thread safety: as std::stop_source; the link is removed on destruction.
#pragma once

#include <optional>
#include <stop_token>

namespace hugo {

class LinkedStopSource {
 public:
  explicit LinkedStopSource(const std::stop_token& parent = {}) {
    if (parent.stop_possible()) link_.emplace(parent, Forward{source_});
  }
  LinkedStopSource(const LinkedStopSource&) = delete;
  LinkedStopSource& operator=(const LinkedStopSource&) = delete;

  std::stop_token Token() const { return source_.get_token(); }
  bool RequestStop() { return source_.request_stop(); }
  bool StopRequested() const { return source_.stop_requested(); }

 private:
  struct Forward {
    std::stop_source source;
    void operator()() const { std::stop_source(source).request_stop(); }
  };
  std::stop_source source_;
  std::optional<std::stop_callback<Forward>> link_;
};

}  // namespace hugo
