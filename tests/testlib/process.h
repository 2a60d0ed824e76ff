// A child process for tests: spawns a program (usually the real `hdo` binary), collects its
// stdout and stderr, waits for a line matching a pattern, signals it and reaps it.
//
// Owned by one test. Thread-safe for one reader per stream (internal threads collect output).
// The destructor kills the child (SIGKILL) if it still runs, so a failing test leaves nothing.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace hdo::testlib {

class Process {
 public:
  // Starts `argv[0]` with the given arguments; environment inherited.
  explicit Process(std::vector<std::string> argv);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Waits until a line of stderr (or stdout) matches; returns the match, or nullopt on timeout or
  // when the process ended first.
  std::optional<std::smatch> WaitForStderr(const std::regex& pattern,
                                           std::chrono::milliseconds timeout);
  std::optional<std::smatch> WaitForStdout(const std::regex& pattern,
                                           std::chrono::milliseconds timeout);

  void Signal(int signal_number);
  // Waits for the exit; returns the exit code, 128+signal when killed, -1 on timeout.
  int Wait(std::chrono::milliseconds timeout);

  std::string Stdout() const;
  std::string Stderr() const;
  pid_t pid() const { return pid_; }

 private:
  struct Stream {
    std::vector<std::string> lines;
    std::string partial;
    bool closed = false;
  };
  void Collect(int fd, Stream* stream);
  std::optional<std::smatch> WaitFor(Stream* stream, const std::regex& pattern,
                                     std::chrono::milliseconds timeout);
  static std::string Joined(const Stream& stream);

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Stream stdout_;
  Stream stderr_;
  std::thread stdout_reader_;
  std::thread stderr_reader_;
  // Keeps the matched line alive for the smatch returned to the caller.
  std::vector<std::unique_ptr<std::string>> matched_lines_;
};

// Path of the hdo binary under test: HDO_BIN from the environment, else this build tree's.
std::string HdoBinary();
// A new empty temporary folder, unique per call.
std::string MakeTempDir(const std::string& prefix);

// A MakeTempDir folder removed, with everything in it, when the object ends. Declare it before
// whatever writes into it (a DevServer's database), so that it is removed after that stopped.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix) : path_(MakeTempDir(prefix)) {}
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace hdo::testlib
