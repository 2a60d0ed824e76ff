// The command line every sample shares: `--address host:port` (default 127.0.0.1:7233, the
// address of `hdo server start-dev` and of `temporal server start-dev`) and `--help`; plus the
// names that keep two runs of a sample apart on one server.
//
// Owner: the sample's main(). Thread safety: call from main() only.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "hugo/result.h"

namespace samples {

struct Args {
  std::string address = "127.0.0.1:7233";
};

// nullopt: go on with `args`; otherwise main() returns the exit code (after --help, or a usage
// error).
inline std::optional<int> ParseArgs(int argc, char** argv, std::string_view about, Args& args) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf(
          "%.*s\n\nusage: %s [--address host:port]\n  --address  the Temporal frontend "
          "(default 127.0.0.1:7233)\n",
          static_cast<int>(about.size()), about.data(), argv[0]);
      return 0;
    }
    if (arg == "--address" && i + 1 < argc) {
      args.address = argv[++i];
    } else if (arg.rfind("--address=", 0) == 0) {
      args.address = std::string(arg.substr(10));
    } else {
      std::fprintf(stderr, "unknown argument %s (try --help)\n", argv[i]);
      return 2;
    }
  }
  return std::nullopt;
}

// "<prefix>-<pid>": a task queue or workflow id no other run of the sample uses at the same time.
inline std::string Unique(std::string_view prefix) {
  return std::string(prefix) + "-" + std::to_string(::getpid());
}

// The innermost message of an error chain (a workflow failure wraps the activity failure, which
// wraps the application error that says what went wrong).
inline std::string RootMessage(const hugo::Error& error) {
  const hugo::Error* e = &error;
  while (e->Cause() != nullptr) e = e->Cause();
  return e->Message();
}

}  // namespace samples
