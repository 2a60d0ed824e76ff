// hdo-bench-cpp: one measured run of bench/compare's `load` with the C++ SDK. An hdo::Worker (the
// scenario's workflow and the no-op activity) and an hdo::Client run in this process against a
// server bench/compare started; flags, workflow and activity names, results, the JSON written and
// every measurement are those of the Go program's `load` subcommand (bench/workflows/load.go), so
// that `workflows report` puts both SDKs' runs in one table. See bench/README.md.
//
//   hdo-bench-cpp -address 127.0.0.1:7233 -server-pid PID -scenario activity -c 200 -duration 20s
//
// Load: closed loop, -c threads each starting a workflow and awaiting its result (the client is
// synchronous: a thread per workflow in flight); open loop, a scheduler thread issuing starts on a
// fixed schedule to -open-threads threads (a start no thread is free for waits and is counted
// late).
//
// Owner: bench/cpp. Thread safety: main's; the drive threads share only the client (thread-safe)
// and atomics, each writing its own records.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "hdo/client.h"
#include "hdo/worker.h"
#include "measure.h"

namespace hdo::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace ws = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;

// ---- the scenarios' workflows (the Go program's names and results) ------------------------------

constexpr const char* kWfHello = "BenchHello";
constexpr const char* kWfTimer = "BenchTimer";
constexpr const char* kWfSignal = "BenchSignal";
constexpr const char* kActGreet = "Greet";
constexpr const char* kSignalName = "go";

std::string Greet(ActivityContext&, std::string name) { return "Hello, " + name + "!"; }

// Scenario (a): one no-op activity, its result returned.
Workflow<std::string> BenchHello(WorkflowContext ctx, std::string name) {
  ActivityOptions options;
  options.start_to_close_timeout = 10s;
  auto out = co_await ctx.ExecuteActivity<std::string>(kActGreet, options, name);
  if (out.IsFailure()) co_return out.Error();
  co_return out.Value();
}

// Scenario (b): one durable timer (its length in ns, as Go encodes a time.Duration), complete.
Workflow<std::string> BenchTimer(WorkflowContext ctx, std::string name, int64_t timer_ns) {
  auto fired = co_await ctx.Sleep(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(timer_ns)));
  if (fired.IsFailure()) co_return fired.Error();
  co_return "Hello, " + name + "!";
}

// Scenario (c): wait for one signal (no payload), complete.
Workflow<std::string> BenchSignal(WorkflowContext ctx, std::string name) {
  auto channel = ctx.GetSignalChannel<nlohmann::json>(kSignalName);
  auto received = co_await channel.raw().Receive();
  if (received.IsFailure()) co_return received.Error();
  co_return "Hello, " + name + "!";
}

// The event sequences of each scenario when nothing goes wrong (load.go's usualHistories).
const std::map<std::string, std::vector<std::string>>& UsualHistories() {
  static const std::map<std::string, std::vector<std::string>> usual = {
      {"activity",
       {"WorkflowExecutionStarted WorkflowTaskScheduled WorkflowTaskStarted WorkflowTaskCompleted "
        "ActivityTaskScheduled ActivityTaskStarted ActivityTaskCompleted WorkflowTaskScheduled "
        "WorkflowTaskStarted WorkflowTaskCompleted WorkflowExecutionCompleted"}},
      {"timer",
       {"WorkflowExecutionStarted WorkflowTaskScheduled WorkflowTaskStarted WorkflowTaskCompleted "
        "TimerStarted TimerFired WorkflowTaskScheduled WorkflowTaskStarted WorkflowTaskCompleted "
        "WorkflowExecutionCompleted"}},
      {"signal",
       {"WorkflowExecutionStarted WorkflowTaskScheduled WorkflowExecutionSignaled "
        "WorkflowTaskStarted WorkflowTaskCompleted WorkflowExecutionCompleted",
        "WorkflowExecutionStarted WorkflowTaskScheduled WorkflowTaskStarted WorkflowTaskCompleted "
        "WorkflowExecutionSignaled WorkflowTaskScheduled WorkflowTaskStarted WorkflowTaskCompleted "
        "WorkflowExecutionCompleted"}},
  };
  return usual;
}

// ---- flags -------------------------------------------------------------------------------------

struct Flags {
  std::string address = "127.0.0.1:7233", namespace_name = "default", out, server_log, sdk_log;
  std::string server = "?", version = "?", sqlite = "?", scenario = "activity", mode = "closed";
  int pid = 0, concurrency = 200, n = 0, max_inflight = 10000, repeat = 1, check_histories = 50;
  int open_threads = 500;
  double rate = 0, clk_tck = 100;
  Nanos duration = 30s, warmup = 5s, timer = 1s, wf_timeout = 1min, ready_timeout = 2min;
  Nanos late = 10ms;
  int64_t exec_ns = 0;
  // Worker options, as the Go program's flags (the same defaults).
  int wft_pollers = 8, at_pollers = 8, wft_slots = 1000, at_slots = 1000, cache = 10000;
  std::string grpc_compression = "none";
  // A payload codec on the connection (ConnectionOptions::codecs): none, or zlib (every payload).
  std::string codec = "none";
  // Starts ask for the first workflow task in the reply (StartWorkflowOptions::enable_eager_start).
  bool eager_start = false;
  // The closed loop's client calls: blocking, a thread per workflow in flight (false), or
  // StartWorkflowAsync and GetResultAsync, no thread held (true).
  bool async_client = false;
};

// Go's flag syntax: -name value, --name value, -name=value.
bool ParseFlags(int argc, char** argv, Flags& f, std::string& error) {
  std::map<std::string, std::function<bool(const std::string&)>> set;
  auto str = [&](const char* name, std::string& v) {
    set[name] = [&v](const std::string& s) { return v = s, true; };
  };
  auto num = [&](const char* name, auto& v) {
    set[name] = [&v](const std::string& s) {
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      v = static_cast<std::remove_reference_t<decltype(v)>>(d);
      return end != s.c_str() && *end == '\0';
    };
  };
  auto dur = [&](const char* name, Nanos& v) {
    set[name] = [&v](const std::string& s) {
      auto d = ParseGoDuration(s);
      if (d) v = *d;
      return d.has_value();
    };
  };
  str("address", f.address), str("namespace", f.namespace_name), str("out", f.out);
  str("server-log", f.server_log), str("sdk-log", f.sdk_log), str("server", f.server);
  str("version", f.version), str("sqlite", f.sqlite), str("scenario", f.scenario);
  str("mode", f.mode), str("grpc-compression", f.grpc_compression), str("codec", f.codec);
  num("server-pid", f.pid), num("c", f.concurrency), num("n", f.n);
  num("max-inflight", f.max_inflight), num("repeat", f.repeat);
  num("check-histories", f.check_histories), num("open-threads", f.open_threads);
  num("rate", f.rate), num("clk-tck", f.clk_tck), num("exec-ns", f.exec_ns);
  num("wft-pollers", f.wft_pollers), num("at-pollers", f.at_pollers);
  num("wft-slots", f.wft_slots), num("at-slots", f.at_slots), num("cache", f.cache);
  set["eager-start"] = [&f](const std::string& s) {
    f.eager_start = s == "true";
    return s == "true" || s == "false";
  };
  set["async-client"] = [&f](const std::string& s) {
    f.async_client = s == "true";
    return s == "true" || s == "false";
  };
  dur("duration", f.duration), dur("warmup", f.warmup), dur("timer", f.timer);
  dur("wf-timeout", f.wf_timeout), dur("ready-timeout", f.ready_timeout), dur("late", f.late);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') return error = "unexpected argument '" + arg + "'", false;
    std::string name = arg.substr(arg[1] == '-' ? 2 : 1), value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return error = "flag -" + name + " needs a value", false;
    }
    auto it = set.find(name);
    if (it == set.end()) return error = "unknown flag -" + name, false;
    if (!it->second(value)) return error = "bad value '" + value + "' for -" + name, false;
  }
  return true;
}

std::string Validate(const Flags& f) {
  if (f.pid <= 0) return "-server-pid is required";
  if (!UsualHistories().contains(f.scenario)) {
    return "unknown scenario '" + f.scenario + "' (activity, timer, signal)";
  }
  if (f.mode != "closed" && f.mode != "open") return "unknown mode '" + f.mode + "' (closed, open)";
  if (f.mode == "closed" && f.concurrency <= 0) return "closed loop needs -c > 0";
  if (f.mode == "open" && (f.rate <= 0 || f.max_inflight <= 0 || f.open_threads <= 0)) {
    return "open loop needs -rate, -max-inflight and -open-threads > 0";
  }
  if (f.n <= 0 && f.duration.count() <= 0) return "-n or -duration must be positive";
  if (f.async_client && (f.mode != "closed" || f.scenario == "signal")) {
    return "-async-client true: the closed loop of the activity and timer scenarios only";
  }
  if (f.codec != "none" && f.codec != "zlib") {
    return "unknown -codec '" + f.codec + "' (none, zlib)";
  }
  if (f.grpc_compression != "none") {
    return "-grpc-compression: the C++ SDK sends uncompressed requests (none) only";
  }
  return {};
}

std::string WorkerDescription(const Flags& f) {
  return "one C++ SDK worker (hdo::Worker), " + std::to_string(f.wft_pollers) +
         " workflow-task and " + std::to_string(f.at_pollers) +
         " activity-task pollers, max_concurrent_workflow_tasks " + std::to_string(f.wft_slots) +
         ", max_concurrent_activities " + std::to_string(f.at_slots) + ", sticky cache " +
         std::to_string(f.cache) + " workflows, no gRPC compression; client: hdo::Client, " +
         (f.mode != "closed" ? std::to_string(f.open_threads) + " start threads"
          : f.async_client
              ? "StartWorkflowAsync and GetResultAsync, no thread per workflow in flight"
              : "one thread per workflow in flight") +
         (f.eager_start ? ", eager workflow start" : "") +
         (f.codec == "zlib" ? ", zlib payload codec (every payload)" : "") +
         "; SDK defaults otherwise";
}

// ---- readiness ---------------------------------------------------------------------------------

// Polls every 10 ms until the gRPC health check of the workflow service answers SERVING and
// DescribeNamespace succeeds; the system time of the first success.
std::optional<std::chrono::system_clock::time_point> WaitReady(const Flags& f, std::string& last) {
  // Reconnect every 10 ms (gRPC's default backoff, 1 s and growing, would quantize the time); in
  // this gRPC the "min reconnect backoff" is the connect timeout: 1 s, as the Go program's.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 10);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 10);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
  auto channel = grpc::CreateCustomChannel(f.address, grpc::InsecureChannelCredentials(), args);
  auto health = grpc::health::v1::Health::NewStub(channel);
  auto service = ws::WorkflowService::NewStub(channel);
  auto deadline = Clock::now() + f.ready_timeout;
  while (Clock::now() < deadline) {
    grpc::ClientContext hc;
    hc.set_deadline(std::chrono::system_clock::now() + 1s);
    // Wait for the connection: a fail-fast call every 10 ms re-resolves and cuts the handshake.
    hc.set_wait_for_ready(true);
    grpc::health::v1::HealthCheckRequest hreq;
    hreq.set_service("temporal.api.workflowservice.v1.WorkflowService");
    grpc::health::v1::HealthCheckResponse hres;
    grpc::Status status = health->Check(&hc, hreq, &hres);
    if (status.ok() && hres.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      grpc::ClientContext dc;
      dc.set_deadline(std::chrono::system_clock::now() + 1s);
      ws::DescribeNamespaceRequest dreq;
      dreq.set_namespace_(f.namespace_name);
      ws::DescribeNamespaceResponse dres;
      status = service->DescribeNamespace(&dc, dreq, &dres);
      if (status.ok()) return std::chrono::system_clock::now();
    }
    last = status.ok() ? "health: not SERVING" : status.error_message();
    std::this_thread::sleep_for(10ms);
  }
  return std::nullopt;
}

// ---- one window --------------------------------------------------------------------------------

// One workflow of a window: when its start was due (the start call's time in the closed loop, the
// schedule's in the open loop), when its result arrived, and its error (empty: completed).
struct Record {
  std::string id;
  Clock::time_point due, done;
  std::string error;
};

struct DriveStats {
  Clock::time_point begin, end;
  int scheduled = 0, dropped = 0, late = 0;
  Nanos max_lag{0};
};

std::string OneWorkflow(const Client& client, const Flags& f, const std::string& task_queue,
                        const std::string& id) {
  StartWorkflowOptions options;
  options.id = id;
  options.task_queue = task_queue;
  options.enable_eager_start = f.eager_start;
  hugo::Result<WorkflowHandle<std::string>> handle =
      f.scenario == "timer"
          ? client.StartWorkflow<std::string>(kWfTimer, options, id, int64_t{f.timer.count()})
          : client.StartWorkflow<std::string>(f.scenario == "signal" ? kWfSignal : kWfHello,
                                              options, id);
  if (handle.IsFailure()) return "start: " + handle.Error().ToString();
  if (f.scenario == "signal") {
    auto signaled = handle.Value().SignalPayloads(kSignalName, Payloads());
    if (signaled.IsFailure()) return "signal: " + signaled.Error().ToString();
  }
  auto result = handle.Value().GetResult(
      std::chrono::duration_cast<std::chrono::milliseconds>(f.wf_timeout + f.timer));
  if (result.IsFailure()) return "result: " + result.Error().ToString();
  if (std::string want = "Hello, " + id + "!"; result.Value() != want) {
    return "result \"" + result.Value() + "\", want \"" + want + "\"";
  }
  return {};
}

class Window {
 public:
  Window(const Client& client, const Flags& f, std::string task_queue, std::string prefix)
      : client_(client), f_(f), task_queue_(std::move(task_queue)), prefix_(std::move(prefix)) {}

  // Runs the window; every workflow started (dropped starts leave no record).
  std::vector<Record> Run(DriveStats& st) {
    st.begin = Clock::now();
    stop_ = st.begin + f_.duration;
    if (f_.mode == "closed") {
      RunClosed();
    } else {
      RunOpen(st);
    }
    std::vector<Record> all;
    for (auto& part : records_) all.insert(all.end(), part.begin(), part.end());
    st.end = st.begin;
    for (const Record& r : all) st.end = std::max(st.end, r.done);
    return all;
  }

 private:
  Record One(Clock::time_point due) {
    char id[64];
    std::snprintf(id, sizeof(id), "%s-%07lld", prefix_.c_str(),
                  static_cast<long long>(seq_.fetch_add(1) + 1));
    std::string error = OneWorkflow(client_, f_, task_queue_, id);
    return Record{id, due, Clock::now(), std::move(error)};
  }

  // -async-client: `concurrency` chains of asynchronous calls, each starting its next workflow
  // from the callback of the last one's result; this thread waits for every chain to end.
  void RunClosedAsync() {
    records_.resize(f_.concurrency);
    std::mutex mu;
    std::condition_variable cv;
    int chains = f_.concurrency;
    std::function<void(int)> next = [&](int t) {
      if (f_.n > 0 ? started_.fetch_add(1) >= f_.n : Clock::now() >= stop_) {
        std::lock_guard lock(mu);
        if (--chains == 0) cv.notify_all();
        return;
      }
      char id[64];
      std::snprintf(id, sizeof(id), "%s-%07lld", prefix_.c_str(),
                    static_cast<long long>(seq_.fetch_add(1) + 1));
      StartWorkflowOptions options;
      options.id = id;
      options.task_queue = task_queue_;
      options.enable_eager_start = f_.eager_start;
      const Clock::time_point due = Clock::now();
      auto finish = [this, t, due, &next, id = std::string(id)](std::string error) {
        records_[t].push_back(Record{id, due, Clock::now(), std::move(error)});
        next(t);
      };
      auto started = [this, finish,
                      id = std::string(id)](hugo::Result<WorkflowHandle<std::string>> handle) {
        if (handle.IsFailure()) return finish("start: " + handle.Error().ToString());
        handle.Value().GetResultAsync(
            [finish, id](hugo::Result<std::string> result) {
              if (result.IsFailure()) return finish("result: " + result.Error().ToString());
              std::string want = "Hello, " + id + "!";
              if (result.Value() != want) {
                return finish("result \"" + result.Value() + "\", want \"" + want + "\"");
              }
              finish({});
            },
            std::chrono::duration_cast<std::chrono::milliseconds>(f_.wf_timeout + f_.timer));
      };
      if (f_.scenario == "timer") {
        client_.StartWorkflowAsync<std::string>(kWfTimer, options, started, std::string(id),
                                                int64_t{f_.timer.count()});
      } else {
        client_.StartWorkflowAsync<std::string>(kWfHello, options, started, std::string(id));
      }
    };
    for (int t = 0; t < f_.concurrency; ++t) next(t);
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return chains == 0; });
  }

  void RunClosed() {
    if (f_.async_client) {
      RunClosedAsync();
      return;
    }
    records_.resize(f_.concurrency);
    std::vector<std::thread> threads;
    for (int t = 0; t < f_.concurrency; ++t) {
      threads.emplace_back([this, t] {
        for (;;) {
          if (f_.n > 0 ? started_.fetch_add(1) >= f_.n : Clock::now() >= stop_) return;
          records_[t].push_back(One(Clock::now()));
        }
      });
    }
    for (auto& thread : threads) thread.join();
  }

  // The scheduler (this thread) queues due times; -open-threads threads take them in order.
  void RunOpen(DriveStats& st) {
    records_.resize(f_.open_threads);
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Clock::time_point> queue;
    bool closed = false;
    std::atomic<int> in_flight{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < f_.open_threads; ++t) {
      threads.emplace_back([&, t] {
        for (;;) {
          std::unique_lock lock(mu);
          cv.wait(lock, [&] { return closed || !queue.empty(); });
          if (queue.empty()) return;
          Clock::time_point due = queue.front();
          queue.pop_front();
          lock.unlock();
          if (Nanos lag = Clock::now() - due; lag > f_.late) {
            lock.lock();
            ++st.late;
            st.max_lag = std::max(st.max_lag, lag);
            lock.unlock();
          }
          records_[t].push_back(One(due));
          in_flight.fetch_sub(1);
        }
      });
    }
    auto interval = Nanos(static_cast<int64_t>(1e9 / f_.rate));
    for (int64_t i = 0;; ++i) {
      Clock::time_point due = st.begin + i * interval;
      if (f_.n > 0 ? i >= f_.n : due >= stop_) break;
      ++st.scheduled;
      std::this_thread::sleep_until(due);
      if (in_flight.load() >= f_.max_inflight) {
        ++st.dropped;
        continue;
      }
      in_flight.fetch_add(1);
      std::lock_guard lock(mu);
      queue.push_back(due);
      cv.notify_one();
    }
    {
      std::lock_guard lock(mu);
      closed = true;
    }
    cv.notify_all();
    for (auto& thread : threads) thread.join();
  }

  const Client& client_;
  const Flags& f_;
  const std::string task_queue_, prefix_;
  Clock::time_point stop_;
  std::atomic<int64_t> seq_{0}, started_{0};
  std::vector<std::vector<Record>> records_;  // one per thread
};

// ---- the run's JSON (load.go's loadRun) --------------------------------------------------------

void Summarize(nlohmann::ordered_json& r, const std::vector<Record>& recs, const DriveStats& st,
               const Flags& f) {
  std::vector<Nanos> ok;
  int failed = 0;
  std::vector<std::string> failed_ids;
  for (const Record& rec : recs) {
    if (rec.error.empty()) {
      ok.push_back(rec.done - rec.due);
      continue;
    }
    if (failed++ == 0) r["first_error"] = Truncate(rec.id + ": " + rec.error, 300);
    if (failed_ids.size() < 20) failed_ids.push_back(rec.id);
  }
  std::sort(ok.begin(), ok.end());
  double wall = std::chrono::duration<double>(st.end - st.begin).count();
  r["completed"] = ok.size();
  r["failed"] = failed;
  if (!failed_ids.empty()) r["failed_workflow_ids"] = failed_ids;
  r["wall_s"] = wall;
  r["wf_per_s"] = wall > 0 ? static_cast<double>(ok.size()) / wall : 0;
  r["p50_ms"] = PercentileMs(ok, 0.50);
  r["p90_ms"] = PercentileMs(ok, 0.90);
  r["p99_ms"] = PercentileMs(ok, 0.99);
  r["max_ms"] = PercentileMs(ok, 1);
  if (f.mode == "open") {
    r["scheduled"] = st.scheduled;
    r["dropped"] = st.dropped;
    r["late"] = st.late;
    r["max_start_lag_ms"] =
        static_cast<double>(
            std::chrono::duration_cast<std::chrono::microseconds>(st.max_lag).count()) /
        1000;
  }
}

// "EVENT_TYPE_WORKFLOW_TASK_STARTED" -> "WorkflowTaskStarted" (the Go API's String()).
std::string EventName(enums::EventType type) {
  std::string upper = enums::EventType_Name(type).substr(std::string("EVENT_TYPE_").size());
  std::string out;
  bool start = true;
  for (char c : upper) {
    if (c == '_') {
      start = true;
      continue;
    }
    out += start ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    start = false;
  }
  return out;
}

std::string HistoryShape(const Client& client, const std::string& id) {
  auto history = client.GetHandle(id).FetchHistory();
  if (history.IsFailure()) return "error: " + history.Error().ToString();
  std::string shape;
  for (const auto& e : history.Value().events()) {
    if (!shape.empty()) shape += ' ';
    shape += EventName(e.event_type());
  }
  return shape;
}

// Reads (untimed) the slowest completed workflow's history and a random sample of the others, and
// counts those whose event sequence is not the scenario's usual one.
void SampleHistories(const Client& client, const Flags& f, const std::vector<Record>& recs,
                     nlohmann::ordered_json& r) {
  int slowest = -1;
  for (size_t i = 0; i < recs.size(); ++i) {
    if (!recs[i].error.empty()) continue;
    if (slowest < 0 || recs[i].done - recs[i].due > recs[slowest].done - recs[slowest].due) {
      slowest = static_cast<int>(i);
    }
  }
  std::vector<int> sample(recs.size());
  for (size_t i = 0; i < sample.size(); ++i) sample[i] = static_cast<int>(i);
  std::shuffle(sample.begin(), sample.end(), std::mt19937(std::random_device()()));
  if (sample.size() > static_cast<size_t>(f.check_histories)) sample.resize(f.check_histories);
  if (slowest >= 0) sample.push_back(slowest);
  const auto& usual = UsualHistories().at(f.scenario);
  int checked = 0, odd = 0;
  std::set<int> seen;
  for (int i : sample) {
    if (!seen.insert(i).second || !recs[i].error.empty()) continue;
    std::string shape = HistoryShape(client, recs[i].id);
    ++checked;
    double ms = static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        recs[i].done - recs[i].due)
                                        .count()) /
                1000;
    if (std::find(usual.begin(), usual.end(), shape) == usual.end() && odd++ == 0) {
      char head[128];
      std::snprintf(head, sizeof(head), "%s (%.0f ms): ", recs[i].id.c_str(), ms);
      r["first_odd_history"] = Truncate(head + shape, 600);
    }
    if (i == slowest) {
      r["slowest_ms"] = ms;
      r["slowest_history"] = shape;
      r["slowest_workflow_id"] = recs[i].id;
    }
  }
  r["checked_histories"] = checked;
  r["odd_histories"] = odd;
}

// ---- main --------------------------------------------------------------------------------------

// Counts the worker's log lines (each is worth attention: the Go program counts SDK warnings).
struct SdkLog {
  std::mutex mu;
  std::ofstream file;
  std::atomic<int64_t> count{0};
  std::string first;
  void Line(std::string_view line) {
    count.fetch_add(1);
    std::lock_guard lock(mu);
    if (first.empty()) first = Truncate(std::string(line), 300);
    (file.is_open() ? static_cast<std::ostream&>(file) : std::cerr) << line << '\n';
  }
};

nlohmann::ordered_json RunHeader(const Flags& f) {
  nlohmann::ordered_json r;
  r["sdk"] = "cpp";
  r["server"] = f.server;
  r["version"] = f.version;
  r["sqlite"] = f.sqlite;
  r["scenario"] = f.scenario;
  r["mode"] = f.mode;
  if (f.mode == "closed") {
    r["concurrency"] = f.concurrency;
  } else {
    r["rate_per_s"] = f.rate;
    r["max_in_flight"] = f.max_inflight;
  }
  if (f.n > 0) {
    r["n"] = f.n;
  } else {
    r["duration"] = GoDurationString(f.duration);
  }
  if (f.scenario == "timer") r["timer"] = GoDurationString(f.timer);
  r["repeat"] = f.repeat;
  r["worker"] = {{"workflow_task_pollers", f.wft_pollers},
                 {"activity_task_pollers", f.at_pollers},
                 {"max_concurrent_workflow_task_execution_size", f.wft_slots},
                 {"max_concurrent_activity_execution_size", f.at_slots},
                 {"sticky_workflow_cache_size", f.cache},
                 {"grpc_compression", f.grpc_compression}};
  r["worker_description"] = WorkerDescription(f);
  r["warmup"] = GoDurationString(f.warmup);
  return r;
}

int Main(int argc, char** argv) {
  // Debian's Abseil is built without NDEBUG: every absl::Mutex (gRPC's) keeps a deadlock graph
  // under a global lock unless told not to (about 2 % of this process's CPU in perf).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  Flags f;
  std::string error;
  if (!ParseFlags(argc, argv, f, error) || !(error = Validate(f)).empty()) {
    std::cerr << "hdo-bench-cpp: " << error << "\n";
    return 2;
  }
  SdkLog sdk_log;
  if (!f.sdk_log.empty()) sdk_log.file.open(f.sdk_log);
  auto ready_at = WaitReady(f, error);
  if (!ready_at) {
    std::cerr << "hdo-bench-cpp: server at " << f.address << " not ready: " << error << "\n";
    return 1;
  }
  ConnectionOptions connection_options;
  connection_options.address = f.address;
  if (f.codec == "zlib") connection_options.codecs = {NewZlibCodec({.always_encode = true})};
  auto connection = Connection::Connect(connection_options);
  if (connection.IsFailure()) {
    std::cerr << "hdo-bench-cpp: " << connection.Error().ToString() << "\n";
    return 1;
  }
  ClientOptions client_options;
  client_options.namespace_name = f.namespace_name;
  Client client(connection.Value(), client_options);

  std::string nonce = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  std::string task_queue = "bench-cpp-" + nonce;
  WorkerOptions wo;
  wo.task_queue = task_queue;
  wo.workflow_pollers = f.wft_pollers;
  wo.activity_pollers = f.at_pollers;
  wo.max_concurrent_workflow_tasks = f.wft_slots;
  wo.max_concurrent_activities = f.at_slots;
  wo.sticky_cache_size = f.cache;
  wo.log = [&sdk_log](std::string_view line) { sdk_log.Line(line); };
  Worker worker(connection.Value(), f.namespace_name, wo);
  worker.RegisterWorkflow(kWfHello, &BenchHello);
  worker.RegisterWorkflow(kWfTimer, &BenchTimer);
  worker.RegisterWorkflow(kWfSignal, &BenchSignal);
  worker.RegisterActivity(kActGreet, &Greet);
  if (auto started = worker.Start(); started.IsFailure()) {
    std::cerr << "hdo-bench-cpp: starting the worker: " << started.Error().ToString() << "\n";
    return 1;
  }

  nlohmann::ordered_json r = RunHeader(f);
  if (f.exec_ns > 0) {
    auto exec = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(Nanos(f.exec_ns)));
    r["server_exec_to_ready_s"] = std::chrono::duration<double>(*ready_at - exec).count();
  }
  int warmup_done = 0;
  if (f.warmup.count() > 0) {
    Flags wf = f;
    wf.n = 0;
    wf.duration = f.warmup;
    DriveStats ws_;
    for (const Record& rec : Window(client, wf, task_queue, nonce + "-warmup").Run(ws_)) {
      warmup_done += rec.error.empty();
    }
    std::cerr << "  warm-up " << GoDurationString(f.warmup) << ": " << warmup_done
              << " workflows completed\n";
  }
  r["warmup_completed"] = warmup_done;

  // Writing 5 to clear_refs resets VmHWM to the current RSS, so the peak is the window's own.
  std::string proc = "/proc/" + std::to_string(f.pid);
  bool peak_per_run = static_cast<bool>(std::ofstream(proc + "/clear_refs") << "5");
  int64_t warn_before = sdk_log.count.load();
  double server_before = ReadCpuTicks(proc + "/stat"), sys_before = ReadSysTicks(proc + "/stat");
  double client_before = ReadCpuTicks("/proc/self/stat");
  double cpu_psi_before = ReadPsiSome("cpu"), io_psi_before = ReadPsiSome("io");
  DriveStats st;
  std::vector<Record> recs = Window(client, f, task_queue, nonce + "-m").Run(st);
  double server_after = ReadCpuTicks(proc + "/stat"), sys_after = ReadSysTicks(proc + "/stat");
  double client_after = ReadCpuTicks("/proc/self/stat");
  double cpu_psi_after = ReadPsiSome("cpu"), io_psi_after = ReadPsiSome("io");
  auto status = ReadStatus(f.pid);

  Summarize(r, recs, st, f);
  int64_t completed = r["completed"];
  double wall = std::chrono::duration<double>(st.end - st.begin).count();
  double server_cpu = 0, server_sys = 0, server_per_1000 = 0, client_per_1000 = 0;
  if (completed > 0) {
    server_cpu = (server_after - server_before) / f.clk_tck;
    server_sys = (sys_after - sys_before) / f.clk_tck;
    server_per_1000 = server_cpu / static_cast<double>(completed) * 1000;
    client_per_1000 =
        (client_after - client_before) / f.clk_tck / static_cast<double>(completed) * 1000;
  }
  r["server_cpu_s"] = server_cpu;
  r["server_cpu_s_in_kernel"] = server_sys;
  r["server_cpu_s_per_1000_wf"] = server_per_1000;
  r["bench_cpu_s_per_1000_wf"] = client_per_1000;
  r["server_peak_rss_mib"] = status ? status->hwm_mib : 0;
  r["server_end_rss_mib"] = status ? status->rss_mib : 0;
  r["peak_rss_is_per_window"] = peak_per_run;
  r["load1_at_end"] = ReadLoad1();
  r["psi_cpu_some_pct"] = (cpu_psi_after - cpu_psi_before) / 1e6 / wall * 100;
  r["psi_io_some_pct"] = (io_psi_after - io_psi_before) / 1e6 / wall * 100;
  r["sdk_warnings"] = sdk_log.count.load() - warn_before;
  {
    std::lock_guard lock(sdk_log.mu);
    if (!sdk_log.first.empty()) r["sdk_first_warning"] = sdk_log.first;
  }
  if (f.check_histories > 0) SampleHistories(client, f, recs, r);
  if (!f.server_log.empty()) {
    LogScan scan = ScanServerLog(f.server_log);
    r["server_log_warnings"] = scan.warn;
    r["server_log_errors"] = scan.errors;
    if (!scan.first.empty()) r["server_log_first_problem"] = scan.first;
  }
  char line[512];
  std::snprintf(line, sizeof(line),
                "  %s %s %s: %lld completed, %d failed, %.1f wf/s, p50 %.1f ms, p90 %.1f ms, "
                "p99 %.1f ms, server CPU %.2f s/1000 wf, bench CPU %.2f s/1000 wf, load1 %.2f\n",
                f.server.c_str(), f.scenario.c_str(), f.mode.c_str(),
                static_cast<long long>(completed), r["failed"].get<int>(),
                r["wf_per_s"].get<double>(), r["p50_ms"].get<double>(), r["p90_ms"].get<double>(),
                r["p99_ms"].get<double>(), server_per_1000, client_per_1000,
                r["load1_at_end"].get<double>());
  std::cerr << line;
  worker.Shutdown();

  std::string text = r.dump(2) + "\n";
  if (f.out.empty()) {
    std::cout << text;
  } else if (!(std::ofstream(f.out) << text)) {
    std::cerr << "hdo-bench-cpp: cannot write " << f.out << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace hdo::bench

int main(int argc, char** argv) { return hdo::bench::Main(argc, argv); }
