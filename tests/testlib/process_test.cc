// Goal: a process a test starts never outlives the test process (a crashed or killed test must
// not leave its server on a port), and a program that cannot be started is an error at once.
#include "testlib/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace hdo::testlib {
namespace {

// Gone, or a zombie nobody reaped yet (the container's init may not reap).
bool Dead(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

TEST(ProcessTest, AStartedProcessDiesWithTheTestProcessThatStartedIt) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t test_process = ::fork();
  ASSERT_GE(test_process, 0);
  if (test_process == 0) {
    // Stands for a test process: starts a long-running child, reports its pid, then waits to
    // be killed (the destructor that would stop the child never runs).
    ::close(pipe_fds[0]);
    auto* child = new Process({"/bin/sleep", "600"});
    const pid_t pid = child->pid();
    (void)!::write(pipe_fds[1], &pid, sizeof(pid));
    ::pause();
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  pid_t child = 0;
  ASSERT_EQ(::read(pipe_fds[0], &child, sizeof(child)), static_cast<ssize_t>(sizeof(child)));
  ::close(pipe_fds[0]);
  ASSERT_GT(child, 0);
  EXPECT_FALSE(Dead(child));
  ::kill(test_process, SIGKILL);
  ::waitpid(test_process, nullptr, 0);
  // The kernel delivers the child's SIGKILL as the test process exits; allow it a moment.
  for (int i = 0; i < 100 && !Dead(child); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(Dead(child)) << "pid " << child << " outlived the process that started it";
  if (!Dead(child)) ::kill(child, SIGKILL);
}

TEST(ProcessTest, AProgramThatCannotBeStartedThrows) {
  EXPECT_THROW(Process({"/nonexistent/hdo-test-program"}), std::runtime_error);
}

TEST(ProcessTest, OutputAndExitCodeReachTheTest) {
  Process echo({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(echo.Wait(std::chrono::seconds(30)), 3);
  EXPECT_EQ(echo.Stdout(), "out\n");
  EXPECT_EQ(echo.Stderr(), "err\n");
}

}  // namespace
}  // namespace hdo::testlib
