#include "hdo/worker_host.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>

#include "health_http.h"
#include "hugo/diagnostics.h"
#include "hugo/sync.h"

namespace hdo {
namespace {

// The self-pipe the signal handler writes to (a handler may only do async-signal-safe things).
// 's': a signal arrived; 'q': Run is returning.
int g_signal_pipe[2] = {-1, -1};

void OnSignal(int) {
  const int saved = errno;
  char byte = 's';
  (void)!::write(g_signal_pipe[1], &byte, 1);
  errno = saved;
}

// Installs the SIGINT/SIGTERM handlers and a thread that turns a signal into host.Stop();
// the destructor restores the previous handlers. SA_RESETHAND: a second signal kills.
class SignalWatch {
 public:
  explicit SignalWatch(WorkerHost& host) {
    if (::pipe2(g_signal_pipe, O_CLOEXEC) != 0) return;
    struct sigaction action {};
    action.sa_handler = OnSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART | SA_RESETHAND;
    ::sigaction(SIGINT, &action, &previous_int_);
    ::sigaction(SIGTERM, &action, &previous_term_);
    thread_ = std::thread([&host] {
      char byte = 0;
      for (;;) {
        ssize_t n = ::read(g_signal_pipe[0], &byte, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || byte == 'q') return;
        host.Stop();
      }
    });
  }
  ~SignalWatch() {
    if (!thread_.joinable()) return;
    ::sigaction(SIGINT, &previous_int_, nullptr);
    ::sigaction(SIGTERM, &previous_term_, nullptr);
    char byte = 'q';
    (void)!::write(g_signal_pipe[1], &byte, 1);
    thread_.join();
    ::close(g_signal_pipe[0]);
    ::close(g_signal_pipe[1]);
    g_signal_pipe[0] = g_signal_pipe[1] = -1;
  }

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
  std::thread thread_;
};

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

WorkerHost::WorkerHost(WorkerHostOptions options) : options_(std::move(options)) {}

WorkerHost::~WorkerHost() = default;

void WorkerHost::Add(std::unique_ptr<Worker> worker) { workers_.push_back(std::move(worker)); }

std::string WorkerHost::DeploymentIdentity() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof(host), "unknown-host");
  }
  const std::string pid = std::to_string(::getpid());
  std::string context;
  for (const char* name : {"HDO_CLUSTER", "HDO_REGION", "POD_NAME"}) {
    std::string part = Env(name);
    if (!part.empty()) context += (context.empty() ? "" : "/") + part;
  }
  if (context.empty()) return pid + "@" + host;
  return context + "@" + host + ":" + pid;
}

std::pair<int, std::string> WorkerHost::Health() const {
  nlohmann::json workers = nlohmann::json::array();
  bool all_running = !workers_.empty();
  for (const auto& worker : workers_) {
    const bool running = worker->running();
    all_running = all_running && running;
    workers.push_back({{"task_queue", worker->task_queue()},
                       {"identity", worker->identity()},
                       {"running", running}});
  }
  {
    std::lock_guard lock(mutex_);
    all_running = all_running && phase_ == Phase::kServing;
  }
  nlohmann::json body = {{"status", all_running ? "serving" : "not_serving"},
                         {"workers", std::move(workers)}};
  return {all_running ? 200 : 503, body.dump()};
}

void WorkerHost::SetPhase(Phase phase) {
  {
    std::lock_guard lock(mutex_);
    phase_ = phase;
  }
  cv_.notify_all();
}

void WorkerHost::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
  }
  cv_.notify_all();
}

bool WorkerHost::WaitUntilServing(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [this] { return phase_ >= Phase::kServing; });
  return phase_ == Phase::kServing;
}

hugo::Result<hugo::Unit> WorkerHost::StartAll(size_t* started) {
  for (*started = 0; *started < workers_.size(); ++*started) {
    auto result = workers_[*started]->Start();
    if (result.IsFailure()) return result;
  }
  if (options_.health_port < 0) return hugo::Ok();
  auto server = internal::HttpHealthServer::Start(
      options_.health_address, options_.health_port,
      [this](std::string_view path) -> internal::HttpHealthServer::Reply {
        if (path == "/healthz") {
          auto [status, body] = Health();
          return {status, std::move(body)};
        }
        if (path == "/metrics") {
          return {200, hugo::RenderPrometheus(hugo::Diagnostics::Instance().Collect()),
                  "text/plain; version=0.0.4; charset=utf-8"};
        }
        return {404, R"({"error":"not found"})"};
      });
  if (server.IsFailure()) return server.Error();
  health_ = std::move(server).Value();
  health_port_ = health_->port();
  return hugo::Ok();
}

// Every worker drains in parallel (a WaitGroup joins them): the slowest one sets the time.
void WorkerHost::ShutdownAll() {
  hugo::WaitGroup group;
  std::vector<std::thread> threads;
  for (auto& worker : workers_) {
    (void)group.Add(1);
    threads.emplace_back([&group, worker = worker.get()] {
      worker->Shutdown();
      (void)group.Done();
    });
  }
  (void)group.WaitBlocking();
  for (std::thread& thread : threads) thread.join();
}

hugo::Result<hugo::Unit> WorkerHost::Run() {
  SetPhase(Phase::kStarting);
  std::optional<SignalWatch> signals;
  if (options_.handle_signals) signals.emplace(*this);
  size_t started = 0;
  hugo::Result<hugo::Unit> result = StartAll(&started);
  if (result.IsSuccess()) {
    SetPhase(Phase::kServing);
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return stop_requested_; });
  }
  SetPhase(Phase::kStopping);
  ShutdownAll();
  health_.reset();
  health_port_ = -1;
  signals.reset();
  SetPhase(Phase::kDone);
  if (result.IsFailure()) return result;
  for (const auto& worker : workers_) {
    if (auto fatal = worker->fatal_error()) return *fatal;
  }
  return hugo::Ok();
}

}  // namespace hdo
