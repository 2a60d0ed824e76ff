// hdo-bench-rpc: what one unary gRPC call costs on this machine with nothing behind it, for the
// server shapes hdo could take (issues 8 and 9: scenario (a) is six calls per workflow, so the
// floor of a call bounds workflows/s before any engine work).
//
//   hdo-bench-rpc -models callback,callback-hop,async,async-hop -c 1,10 -duration 10s
//   hdo-bench-rpc -models hdo -hdo build/release/src/cli/hdo -c 10
//   hdo-bench-rpc -client async -models callback-hop,async -c 10
//
// Every model serves WorkflowService.GetSystemInfo (the Temporal API's generated code, the real
// HTTP/2 path) from a process of its own, started fresh for each row: this binary again with
// -serve MODEL, or `hdo server start-dev` for the row `hdo`. The client holds one channel (one
// connection, as the C++ SDK) with the SDK's channel arguments and keeps C calls in flight:
//   -client sync      C threads, each calling the synchronous stub in a loop (the C++ SDK today);
//   -client callback  C closed loops on the callback API, each completion issuing the next call;
//   -client async     C closed loops on one completion queue driven by one thread.
// Server shapes (-models):
//   callback      gRPC's callback API, the reply finished on gRPC's own thread.
//   callback-hop  the callback API, the call handed to one worker thread (an asio::thread_pool of
//                 one, as hdo's engine thread) that finishes it: hdo's shape until session 33.
//   async         the completion-queue API, one thread running Next() and finishing each call.
//   async-hop     the completion-queue API, calls handed from its thread to one worker thread:
//                 hdo's shape since (docs/adr/0017).
//   hdo           `hdo server start-dev` (GetSystemInfo answered on its completion queue's
//                 thread).
// Printed: calls/s, latency percentiles, and the CPU (user + system, /proc) each process spent
// per call over the measured window. Nothing is asserted.
//
// Owner: bench/cpp. Thread safety: main thread plus the client threads it joins.
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <asio/post.hpp>
#include <asio/thread_pool.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "measure.h"
#include "temporal/api/workflowservice/v1/service.grpc.pb.h"

extern char** environ;

namespace {

namespace wf = temporal::api::workflowservice::v1;
using hdo::bench::Nanos;
using Clock = std::chrono::steady_clock;

const char* const kModels[] = {"callback", "callback-hop", "async", "async-hop", "hdo"};

void Fill(wf::GetSystemInfoResponse* response) {
  response->set_server_version("rpc-floor");
  response->mutable_capabilities()->set_eager_workflow_start(true);
}

// ---- servers (run in the child process) ----

class CallbackService final : public wf::WorkflowService::CallbackService {
 public:
  explicit CallbackService(asio::thread_pool* hop) : hop_(hop) {}
  grpc::ServerUnaryReactor* GetSystemInfo(grpc::CallbackServerContext* context,
                                          const wf::GetSystemInfoRequest* /*request*/,
                                          wf::GetSystemInfoResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (hop_ == nullptr) {
      Fill(response);
      reactor->Finish(grpc::Status::OK);
    } else {
      asio::post(*hop_, [reactor, response] {
        Fill(response);
        reactor->Finish(grpc::Status::OK);
      });
    }
    return reactor;
  }

 private:
  asio::thread_pool* hop_;
};

// One call of the completion-queue server: requested, then answered, then deleted.
class AsyncCall {
 public:
  AsyncCall(wf::WorkflowService::AsyncService* service, grpc::ServerCompletionQueue* queue,
            asio::thread_pool* hop)
      : service_(service), queue_(queue), hop_(hop), writer_(&context_) {
    service_->RequestGetSystemInfo(&context_, &request_, &writer_, queue_, queue_, this);
  }
  // Called on the queue's thread with each of this call's completions.
  void Proceed(bool ok) {
    if (!ok || answered_) {
      delete this;
      return;
    }
    new AsyncCall(service_, queue_, hop_);
    answered_ = true;
    if (hop_ == nullptr) {
      Fill(&response_);
      writer_.Finish(response_, grpc::Status::OK, this);
    } else {
      asio::post(*hop_, [this] {
        Fill(&response_);
        writer_.Finish(response_, grpc::Status::OK, this);
      });
    }
  }

 private:
  wf::WorkflowService::AsyncService* service_;
  grpc::ServerCompletionQueue* queue_;
  asio::thread_pool* hop_;
  grpc::ServerContext context_;
  wf::GetSystemInfoRequest request_;
  wf::GetSystemInfoResponse response_;
  grpc::ServerAsyncResponseWriter<wf::GetSystemInfoResponse> writer_;
  bool answered_ = false;
};

// Serves `model` on a free port, writes the port to stdout, and runs until stdin closes.
int Serve(const std::string& model) {
  const bool hop = model == "callback-hop" || model == "async-hop";
  std::unique_ptr<asio::thread_pool> worker;
  if (hop) worker = std::make_unique<asio::thread_pool>(1);
  CallbackService callback(worker.get());
  wf::WorkflowService::AsyncService async;
  const bool is_async = model == "async" || model == "async-hop";

  grpc::ServerBuilder builder;
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  if (is_async) {
    builder.RegisterService(&async);
  } else {
    builder.RegisterService(&callback);
  }
  std::unique_ptr<grpc::ServerCompletionQueue> queue;
  if (is_async) queue = builder.AddCompletionQueue();
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "hdo-bench-rpc: cannot start the %s server\n", model.c_str());
    return 1;
  }
  std::thread next;
  if (is_async) {
    // A few requests outstanding so that a burst of calls does not wait for re-arming.
    for (int i = 0; i < 64; ++i) new AsyncCall(&async, queue.get(), worker.get());
    next = std::thread([&queue] {
      void* tag = nullptr;
      bool ok = false;
      while (queue->Next(&tag, &ok)) static_cast<AsyncCall*>(tag)->Proceed(ok);
    });
  }
  std::printf("%d\n", port);
  std::fflush(stdout);
  char byte;
  while (read(STDIN_FILENO, &byte, 1) > 0) {
  }
  server->Shutdown(std::chrono::system_clock::now());
  if (is_async) {
    queue->Shutdown();
    next.join();
  }
  if (worker) worker->join();
  return 0;
}

// ---- the client (the parent process) ----

struct Flags {
  std::vector<std::string> models{"callback", "callback-hop", "async", "async-hop"};
  std::vector<int> concurrency{1, 10};
  Nanos duration = std::chrono::seconds(10);
  Nanos warmup = std::chrono::seconds(2);
  std::string hdo;
  std::string client = "sync";
};

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::optional<std::string> Parse(int argc, char** argv, Flags* f) {
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    if (name.rfind("--", 0) == 0) name = name.substr(1);
    if (i + 1 >= argc) return "flag " + name + " needs a value";
    std::string value = argv[++i];
    if (name == "-models") {
      f->models = Split(value);
      for (const auto& m : f->models) {
        bool known = false;
        for (const char* k : kModels) known = known || m == k;
        if (!known) {
          return "unknown model '" + m + "'; use callback, callback-hop, async, async-hop or hdo";
        }
      }
    } else if (name == "-c") {
      f->concurrency.clear();
      for (const auto& c : Split(value)) {
        int n = std::atoi(c.c_str());
        if (n <= 0) return "-c takes positive counts, such as 1,10";
        f->concurrency.push_back(n);
      }
    } else if (name == "-duration" || name == "-warmup") {
      auto d = hdo::bench::ParseGoDuration(value);
      if (!d || d->count() <= 0) return name + " takes a duration such as 10s";
      (name == "-duration" ? f->duration : f->warmup) = *d;
    } else if (name == "-client") {
      if (value != "sync" && value != "callback" && value != "async") {
        return "-client is sync, callback or async";
      }
      f->client = value;
    } else if (name == "-hdo") {
      f->hdo = value;
    } else {
      return "unknown flag " + name + " (flags: -models, -c, -client, -duration, -warmup, -hdo)";
    }
  }
  for (const auto& m : f->models) {
    if (m == "hdo" && f->hdo.empty()) return "the model hdo needs -hdo PATH (the hdo binary)";
  }
  return std::nullopt;
}

// A server process: its pid, the pipe whose closing stops it, and its address.
struct Child {
  pid_t pid = -1;
  int stop_fd = -1;
  std::string address;
  std::filesystem::path dir;
};

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// posix_spawn (not fork) because the parent already runs gRPC's threads.
std::optional<Child> Spawn(const std::string& model, const Flags& f) {
  int to_child[2];
  int from_child[2];
  if (pipe(to_child) != 0 || pipe(from_child) != 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, to_child[1]);
  posix_spawn_file_actions_addclose(&actions, from_child[0]);
  Child child;
  std::vector<std::string> args;
  int port = 0;
  if (model == "hdo") {
    port = FreePort();
    child.dir = std::filesystem::temp_directory_path() /
                ("hdo-bench-rpc-" + std::to_string(getpid()) + "-" + std::to_string(port));
    std::filesystem::create_directories(child.dir);
    args = {f.hdo,
            "server",
            "start-dev",
            "--port",
            std::to_string(port),
            "--metrics-port",
            "-1",
            "--db-filename",
            (child.dir / "hdo.db").string()};
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, (child.dir / "server.log").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  } else {
    args = {"/proc/self/exe", "-serve", model};
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const char* path = model == "hdo" ? f.hdo.c_str() : "/proc/self/exe";
  int rc = posix_spawn(&child.pid, path, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(to_child[0]);
  close(from_child[1]);
  child.stop_fd = to_child[1];
  if (rc != 0) {
    std::fprintf(stderr, "hdo-bench-rpc: cannot start %s: %s\n", path, std::strerror(rc));
    return std::nullopt;
  }
  if (model != "hdo") {
    char buffer[32] = {};
    ssize_t n = read(from_child[0], buffer, sizeof(buffer) - 1);
    if (n <= 0) return std::nullopt;
    port = std::atoi(buffer);
  }
  close(from_child[0]);
  child.address = "127.0.0.1:" + std::to_string(port);
  return child;
}

void Stop(Child& child, bool is_hdo) {
  close(child.stop_fd);
  if (is_hdo) kill(child.pid, SIGTERM);
  int status = 0;
  waitpid(child.pid, &status, 0);
  if (!child.dir.empty()) std::filesystem::remove_all(child.dir);
}

struct Row {
  std::string model;
  int concurrency = 0;
  double calls_per_s = 0;
  double p50 = 0, p90 = 0, p99 = 0;
  double server_us = 0, client_us = 0;
  int64_t errors = 0;
};

// The measured window's counters; slot `t` is written only by its own loop.
struct Load {
  explicit Load(int slots) : latencies(slots) {}
  void Record(int t, const grpc::Status& status, Clock::duration took) {
    if (phase.load(std::memory_order_relaxed) != 1) return;
    if (!status.ok()) {
      errors.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    calls.fetch_add(1, std::memory_order_relaxed);
    latencies[t].push_back(std::chrono::duration_cast<Nanos>(took));
  }
  // Callback loops: the last one to stop wakes WaitIdle.
  void Stopped() {
    std::lock_guard<std::mutex> lock(mutex);
    if (--active == 0) idle.notify_all();
  }
  void WaitIdle() {
    std::unique_lock<std::mutex> lock(mutex);
    idle.wait(lock, [this] { return active.load() == 0; });
  }
  std::atomic<int> phase{0};  // 0 warmup, 1 measured, 2 stop
  std::atomic<int64_t> calls{0};
  std::atomic<int64_t> errors{0};
  std::atomic<int> active{0};
  std::vector<std::vector<Nanos>> latencies;
  std::mutex mutex;
  std::condition_variable idle;
};

// One call in flight of the callback or completion-queue client.
struct Slot {
  explicit Slot(int i) : index(i) {}
  void StartAsync(wf::WorkflowService::Stub* stub, grpc::CompletionQueue* queue) {
    context = std::make_unique<grpc::ClientContext>();
    begin = Clock::now();
    reader = stub->AsyncGetSystemInfo(context.get(), request, queue);
    reader->Finish(&response, &status, this);
  }
  void StartCallback(wf::WorkflowService::Stub* stub, Load* load) {
    context = std::make_unique<grpc::ClientContext>();
    begin = Clock::now();
    stub->async()->GetSystemInfo(context.get(), &request, &response,
                                 [this, stub, load](grpc::Status s) {
                                   load->Record(index, s, Clock::now() - begin);
                                   if (load->phase.load(std::memory_order_relaxed) < 2) {
                                     StartCallback(stub, load);
                                   } else {
                                     load->Stopped();
                                   }
                                 });
  }
  int index;
  std::unique_ptr<grpc::ClientContext> context;
  wf::GetSystemInfoRequest request;
  wf::GetSystemInfoResponse response;
  grpc::Status status;
  Clock::time_point begin;
  std::unique_ptr<grpc::ClientAsyncResponseReader<wf::GetSystemInfoResponse>> reader;
};

std::optional<Row> Measure(const std::string& model, int concurrency, const Flags& f) {
  auto child = Spawn(model, f);
  if (!child) return std::nullopt;
  grpc::ChannelArguments args;  // the C++ SDK's (src/sdk/connection.cc)
  args.SetMaxReceiveMessageSize(128 * 1024 * 1024);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024 * 1024);
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  auto channel =
      grpc::CreateCustomChannel(child->address, grpc::InsecureChannelCredentials(), args);
  auto stub = wf::WorkflowService::NewStub(channel);
  std::vector<std::unique_ptr<Slot>> slots_keepalive;
  // Ready when a call succeeds (hdo opens its store first).
  const auto give_up = Clock::now() + std::chrono::seconds(30);
  for (;;) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    wf::GetSystemInfoResponse response;
    if (stub->GetSystemInfo(&context, {}, &response).ok()) break;
    if (Clock::now() > give_up) {
      std::fprintf(stderr, "hdo-bench-rpc: the %s server did not answer within 30 s\n",
                   model.c_str());
      Stop(*child, model == "hdo");
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  Load load(concurrency);
  std::vector<std::thread> threads;
  grpc::CompletionQueue queue;
  if (f.client == "sync") {
    for (int t = 0; t < concurrency; ++t) {
      threads.emplace_back([&, t] {
        while (load.phase.load(std::memory_order_relaxed) < 2) {
          grpc::ClientContext context;
          wf::GetSystemInfoResponse response;
          const auto begin = Clock::now();
          grpc::Status status = stub->GetSystemInfo(&context, {}, &response);
          load.Record(t, status, Clock::now() - begin);
        }
      });
    }
  } else {
    // Closed loops of one call each: a call's completion issues the slot's next call.
    std::vector<std::unique_ptr<Slot>> slots;
    for (int t = 0; t < concurrency; ++t) slots.push_back(std::make_unique<Slot>(t));
    load.active = concurrency;
    if (f.client == "async") {
      threads.emplace_back([&] {
        void* tag = nullptr;
        bool ok = false;
        while (queue.Next(&tag, &ok)) {
          auto* slot = static_cast<Slot*>(tag);
          load.Record(slot->index, slot->status, Clock::now() - slot->begin);
          if (load.phase.load(std::memory_order_relaxed) < 2) {
            slot->StartAsync(stub.get(), &queue);
          } else if (--load.active == 0) {
            queue.Shutdown();
          }
        }
      });
      for (auto& slot : slots) slot->StartAsync(stub.get(), &queue);
    } else {
      for (auto& slot : slots) slot->StartCallback(stub.get(), &load);
    }
    slots_keepalive = std::move(slots);
  }
  std::this_thread::sleep_for(f.warmup);
  const std::string server_stat = "/proc/" + std::to_string(child->pid) + "/stat";
  const double server_begin = hdo::bench::ReadCpuTicks(server_stat);
  const double client_begin = hdo::bench::ReadCpuTicks("/proc/self/stat");
  const auto begin = Clock::now();
  load.phase = 1;
  std::this_thread::sleep_for(f.duration);
  load.phase = 2;
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  const double server_end = hdo::bench::ReadCpuTicks(server_stat);
  const double client_end = hdo::bench::ReadCpuTicks("/proc/self/stat");
  for (auto& thread : threads) thread.join();
  load.WaitIdle();
  Stop(*child, model == "hdo");

  std::vector<Nanos> all;
  for (auto& l : load.latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Row row;
  row.model = model;
  row.concurrency = concurrency;
  const double n = static_cast<double>(load.calls.load());
  const double tick_us = 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
  row.calls_per_s = n / seconds;
  row.p50 = hdo::bench::PercentileMs(all, 0.50);
  row.p90 = hdo::bench::PercentileMs(all, 0.90);
  row.p99 = hdo::bench::PercentileMs(all, 0.99);
  row.server_us = n > 0 ? (server_end - server_begin) * tick_us / n : 0;
  row.client_us = n > 0 ? (client_end - client_begin) * tick_us / n : 0;
  row.errors = load.errors.load();
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "-serve") return Serve(argv[2]);
  Flags f;
  if (auto bad = Parse(argc, argv, &f)) {
    std::fprintf(stderr, "hdo-bench-rpc: %s\n", bad->c_str());
    return 2;
  }
  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
  std::printf("command: %s\n", command.c_str());
  std::printf(
      "machine: %u hardware threads; warmup %s, window %s per row, fresh server per row\n\n",
      std::thread::hardware_concurrency(), hdo::bench::GoDurationString(f.warmup).c_str(),
      hdo::bench::GoDurationString(f.duration).c_str());
  std::printf(
      "| server model | callers | calls/s | p50 / p90 / p99 ms | server CPU µs/call | client CPU "
      "µs/call | errors |\n|---|--:|--:|--:|--:|--:|--:|\n");
  std::fflush(stdout);
  for (int c : f.concurrency) {
    for (const auto& model : f.models) {
      auto row = Measure(model, c, f);
      if (!row) {
        std::printf("| %s | %d | failed to run | | | | |\n", model.c_str(), c);
        continue;
      }
      std::printf("| %s | %d | %.0f | %.3f / %.3f / %.3f | %.1f | %.1f | %lld |\n",
                  row->model.c_str(), c, row->calls_per_s, row->p50, row->p90, row->p99,
                  row->server_us, row->client_us, static_cast<long long>(row->errors));
      std::fflush(stdout);
    }
  }
  std::printf(
      "\nCPU is user + system time of each process (/proc/PID/stat) over the window, divided by "
      "the calls completed in it; the client is one channel with C calls in flight (-client: "
      "sync = C threads on the synchronous stub, as the C++ SDK calls today).\n");
  return 0;
}
