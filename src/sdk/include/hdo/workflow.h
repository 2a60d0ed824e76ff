// hdo workflows: workflow functions are C++20 coroutines (hdo::Workflow<T>) run by a
// deterministic single-threaded scheduler that the workflow task processor drives from history.
// (Being written: this header grows the WorkflowContext API.)
//
// Owner: the worker that registers the functions. Thread safety: a registry is filled before the
// worker starts and read-only afterwards.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "hdo/activity.h"
#include "hugo/result.h"

namespace hdo {

class WorkflowRegistry {
 public:
  // Typed registration of `Workflow<R> fn(WorkflowContext, A...)`.
  template <class F>
  void Register(std::string name, F fn);
  bool Contains(std::string_view name) const { return names_.count(std::string(name)) > 0; }

 private:
  std::map<std::string, int> names_;
};

template <class F>
void WorkflowRegistry::Register(std::string name, F) {
  names_[std::move(name)] = 1;
}

}  // namespace hdo
