// saga: a money transfer as an hdo::Saga. Step 1 withdraws from the source account (compensation:
// deposit it back), step 2 deposits into the target account (compensation: withdraw it again).
// When a step fails, the compensations of the steps that succeeded run in reverse order, on a
// disconnected context (so they also run after the workflow is asked to cancel), and the workflow
// fails with the step's error.
//
// The bank is in this process (a map behind a mutex): the activities are the only code touching
// it, as a real bank would be touched only through its API. Account "carol" is frozen, so the
// second transfer fails at step 2 and is compensated.
//
//   ./sample_saga --address 127.0.0.1:7233
//   transfer alice->bob 30: completed {"deposit":"bob +30","withdraw":"alice -30"}
//   transfer alice->carol 50: failed (account carol is frozen), compensated
//   balances: alice=70 bob=30 carol=0
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "hdo/client.h"
#include "hdo/worker.h"
#include "hdo/workflow_sync.h"
#include "sample_args.h"

namespace {

class Bank {
 public:
  static Bank& Get() {
    static Bank bank;
    return bank;
  }
  hugo::Result<std::string> Withdraw(const std::string& account, int amount) {
    std::lock_guard lock(mutex_);
    if (balances_[account] < amount) {
      return hdo::ApplicationError("insufficient funds in " + account, "InsufficientFunds", true);
    }
    balances_[account] -= amount;
    return hugo::Result<std::string>::Ok(account + " -" + std::to_string(amount));
  }
  hugo::Result<std::string> Deposit(const std::string& account, int amount) {
    std::lock_guard lock(mutex_);
    if (account == "carol") {
      return hdo::ApplicationError("account carol is frozen", "AccountFrozen", true);
    }
    balances_[account] += amount;
    return hugo::Result<std::string>::Ok(account + " +" + std::to_string(amount));
  }
  std::string Balances() {
    std::lock_guard lock(mutex_);
    std::string text;
    for (const auto& [account, balance] : balances_) {
      text += (text.empty() ? "" : " ") + account + "=" + std::to_string(balance);
    }
    return text;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, int> balances_{{"alice", 100}, {"bob", 0}, {"carol", 0}};
};

hugo::Result<std::string> Withdraw(std::string account, int amount) {
  return Bank::Get().Withdraw(account, amount);
}
hugo::Result<std::string> Deposit(std::string account, int amount) {
  return Bank::Get().Deposit(account, amount);
}

hdo::ActivityOptions BankCall() {
  hdo::ActivityOptions options;
  options.start_to_close_timeout = std::chrono::seconds(10);
  options.retry_policy = hdo::RetryPolicy{};
  options.retry_policy->initial_interval = std::chrono::milliseconds(200);
  options.retry_policy->maximum_attempts = 3;  // business errors are non-retryable anyway
  return options;
}

// The saga's state maps each step's result key to its result: {"withdraw": .., "deposit": ..}.
hdo::Workflow<nlohmann::json> Transfer(hdo::WorkflowContext ctx, std::string from, std::string to,
                                       int amount) {
  hdo::Saga saga;
  saga.AddStep("withdraw", hdo::Saga::Activity("Withdraw", BankCall(), from, amount),
               hdo::Saga::ActivityCompensation("Deposit", BankCall(), from, amount));
  saga.AddStep("deposit", hdo::Saga::Activity("Deposit", BankCall(), to, amount),
               hdo::Saga::ActivityCompensation("Withdraw", BankCall(), to, amount));
  hugo::Result<hugo::SagaState> done = co_await saga.Execute(ctx);
  if (done.IsFailure()) co_return done.Error();
  nlohmann::json receipt = nlohmann::json::object();
  for (const auto& [key, value] : done.Value()) receipt[key] = value;
  co_return receipt;
}

void RunTransfer(const hdo::Client& client, const std::string& task_queue, const std::string& from,
                 const std::string& to, int amount) {
  hdo::StartWorkflowOptions options;
  options.id = samples::Unique("transfer-" + from + "-" + to);
  options.task_queue = task_queue;
  options.execution_timeout = std::chrono::minutes(1);
  auto receipt = client.ExecuteWorkflow<nlohmann::json>("Transfer", options, from, to, amount);
  std::string what = "transfer " + from + "->" + to + " " + std::to_string(amount);
  if (receipt.IsSuccess()) {
    std::printf("%s: completed %s\n", what.c_str(), receipt.Value().dump().c_str());
  } else {
    std::printf("%s: failed (%s), compensated\n", what.c_str(),
                samples::RootMessage(receipt.Error()).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  samples::Args args;
  if (auto exit =
          samples::ParseArgs(argc, argv, "saga: a money transfer with compensation", args)) {
    return *exit;
  }
  hdo::ConnectionOptions connection_options;
  connection_options.address = args.address;
  auto connection = hdo::Connection::Connect(connection_options);
  if (connection.IsFailure()) {
    std::fprintf(stderr, "cannot connect: %s\n", connection.Error().ToString().c_str());
    return 1;
  }
  hdo::WorkerOptions worker_options;
  worker_options.task_queue = samples::Unique("saga");
  hdo::Worker worker(connection.Value(), "default", worker_options);
  worker.RegisterWorkflow("Transfer", &Transfer);
  worker.RegisterActivity("Withdraw", &Withdraw);
  worker.RegisterActivity("Deposit", &Deposit);
  if (auto started = worker.Start(); started.IsFailure()) {
    std::fprintf(stderr, "worker: %s\n", started.Error().ToString().c_str());
    return 1;
  }
  hdo::Client client(connection.Value());
  RunTransfer(client, worker_options.task_queue, "alice", "bob", 30);
  RunTransfer(client, worker_options.task_queue, "alice", "carol", 50);
  worker.Shutdown();
  std::printf("balances: %s\n", Bank::Get().Balances().c_str());
  return 0;
}
