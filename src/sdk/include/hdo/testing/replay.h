// hdo::testing: GoogleTest helpers for workflow code. ExpectReplaysCleanly replays every *.json
// history in a folder (as written by `temporal workflow show -o json`) and adds one failure per
// history that does not replay, naming the file and the differing event and command.
//
//   TEST(GreetingWorkflow, ReplaysRecordedHistories) {
//     hdo::Replayer replayer;
//     replayer.RegisterWorkflow("Greeting", &Greeting);
//     hdo::testing::ExpectReplaysCleanly(replayer, "testdata/histories");
//   }
//
// Owner: test code (header-only; link GoogleTest). Thread safety: call from the test's thread.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "hdo/replayer.h"

namespace hdo::testing {

// The number of histories replayed; a folder without histories is a failure (a test that replays
// nothing proves nothing).
inline size_t ExpectReplaysCleanly(const Replayer& replayer, const std::string& folder) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  EXPECT_FALSE(error) << "cannot list " << folder << ": " << error.message();
  EXPECT_FALSE(files.empty()) << "no *.json histories in " << folder;
  for (const auto& file : files) {
    hugo::Result<hugo::Unit> replayed = replayer.ReplayFile(file.string());
    EXPECT_TRUE(replayed.IsSuccess())
        << (replayed.IsFailure() ? replayed.Error().ToString() : std::string());
  }
  return files.size();
}

}  // namespace hdo::testing
