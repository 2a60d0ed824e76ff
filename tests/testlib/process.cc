#include "testlib/process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

extern char** environ;

namespace hdo::testlib {

Process::Process(std::vector<std::string> argv) {
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<char*> args;
  for (auto& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  // fork and exec rather than posix_spawn, to ask the kernel for the child's death with its
  // parent: a test process that crashes or is killed (a sanitizer abort, ctest's timeout) takes
  // its server with it instead of leaving it on its port. Between fork and exec the child calls
  // only async-signal-safe functions and allocates nothing.
  // The child writes its errno here when it cannot exec; a successful exec closes it empty.
  int exec_pipe[2];
  if (::pipe2(exec_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {
    // The signal comes when the thread that forked ends: test code starts its processes on the
    // thread that runs the test.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before the prctl
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0 && ::dup2(null, 0) >= 0 && ::dup2(out_pipe[1], 1) >= 0 &&
        ::dup2(err_pipe[1], 2) >= 0) {
      if (null > 2) ::close(null);
      ::execve(args[0], args.data(), environ);
    }
    const int error = errno;
    (void)!::write(exec_pipe[1], &error, sizeof(error));
    ::_exit(127);
  }
  int rc = pid_ < 0 ? errno : 0;
  ::close(exec_pipe[1]);
  if (pid_ > 0) {
    int error = 0;
    ssize_t n;
    do {
      n = ::read(exec_pipe[0], &error, sizeof(error));
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof(error))) {
      rc = error;
      ::waitpid(pid_, nullptr, 0);
    }
  }
  ::close(exec_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw std::runtime_error("cannot start " + argv[0]);
  }
  stdout_reader_ = std::thread([this, fd = out_pipe[0]] { Collect(fd, &stdout_); });
  stderr_reader_ = std::thread([this, fd = err_pipe[0]] { Collect(fd, &stderr_); });
}

Process::~Process() {
  if (!exit_code_.has_value()) {
    ::kill(pid_, SIGKILL);
    Wait(std::chrono::seconds(30));
  }
  if (stdout_reader_.joinable()) stdout_reader_.join();
  if (stderr_reader_.joinable()) stderr_reader_.join();
}

void Process::Collect(int fd, Stream* stream) {
  char buffer[4096];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    if (n <= 0) {
      if (!stream->partial.empty()) stream->lines.push_back(std::move(stream->partial));
      stream->closed = true;
      changed_.notify_all();
      break;
    }
    stream->partial.append(buffer, static_cast<size_t>(n));
    size_t newline;
    while ((newline = stream->partial.find('\n')) != std::string::npos) {
      stream->lines.push_back(stream->partial.substr(0, newline));
      stream->partial.erase(0, newline + 1);
    }
    changed_.notify_all();
  }
  ::close(fd);
}

std::optional<std::smatch> Process::WaitFor(Stream* stream, const std::regex& pattern,
                                            std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock<std::mutex> lock(mutex_);
  size_t checked = 0;
  while (true) {
    for (; checked < stream->lines.size(); ++checked) {
      auto line = std::make_unique<std::string>(stream->lines[checked]);
      std::smatch match;
      if (std::regex_search(*line, match, pattern)) {
        matched_lines_.push_back(std::move(line));
        return match;
      }
    }
    if (stream->closed) return std::nullopt;
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout &&
        checked == stream->lines.size()) {
      return std::nullopt;
    }
  }
}

std::optional<std::smatch> Process::WaitForStderr(const std::regex& pattern,
                                                  std::chrono::milliseconds timeout) {
  return WaitFor(&stderr_, pattern, timeout);
}

std::optional<std::smatch> Process::WaitForStdout(const std::regex& pattern,
                                                  std::chrono::milliseconds timeout) {
  return WaitFor(&stdout_, pattern, timeout);
}

void Process::Signal(int signal_number) {
  if (!exit_code_.has_value()) ::kill(pid_, signal_number);
}

int Process::Wait(std::chrono::milliseconds timeout) {
  if (exit_code_.has_value()) return *exit_code_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      // The child is gone, but what it wrote last may still be in the pipes: the readers end at
      // their EOF, after which Stdout()/Stderr() hold everything (a check right after Wait()
      // otherwise races the reader threads).
      if (stdout_reader_.joinable()) stdout_reader_.join();
      if (stderr_reader_.joinable()) stderr_reader_.join();
      return *exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    // Polling a child's exit has no event to wait on without a SIGCHLD handler in the test
    // process; a short poll interval keeps the wait responsive.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string Process::Joined(const Stream& stream) {
  std::string out;
  for (const auto& line : stream.lines) out.append(line).push_back('\n');
  out.append(stream.partial);
  return out;
}

std::string Process::Stdout() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return Joined(stdout_);
}

std::string Process::Stderr() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return Joined(stderr_);
}

std::string HdoBinary() {
  const char* bin = std::getenv("HDO_BIN");
  return bin != nullptr ? bin : HDO_BIN_DEFAULT;
}

std::string MakeTempDir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace hdo::testlib
