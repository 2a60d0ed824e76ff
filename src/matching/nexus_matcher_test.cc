// Goal: a Nexus worker's shutdown as the SDKs wait for it: ShutdownWorker answers the instance's
// parked Nexus polls empty, and a poll of that instance that arrives later (a poller that had not
// yet stopped) is answered empty at once instead of waiting out its long poll, while another
// instance's polls and another namespace's instance of that key wait on. Method: a real
// NexusMatcher on an io_context that is never run (no timer fires).
#include "matching/nexus_matcher.h"

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <optional>

namespace hdo::matching {
namespace {

TEST(NexusMatcherTest, AShutDownInstancesPollsEndNowAndItsLatePollsAtOnce) {
  asio::io_context io;
  NexusMatcher matcher(io.get_executor(), NexusMatcher::Options{});
  auto poll = [&](const std::string& namespace_id, const std::string& key,
                  std::optional<bool>* answered) {
    Poller poller;
    poller.task_queue = "handlers";
    poller.identity = "worker-" + key;
    poller.worker_instance_key = key;
    return matcher.Poll(namespace_id, poller, std::chrono::seconds(60),
                        [answered](NexusMatcher::PollResponse response) {
                          *answered = response.task_token().empty();
                        });
  };
  std::optional<bool> leaving, staying, elsewhere;
  ASSERT_NE(poll("ns", "instance-1", &leaving), 0u);
  ASSERT_NE(poll("ns", "instance-2", &staying), 0u);
  ASSERT_NE(poll("other-ns", "instance-1", &elsewhere), 0u);
  matcher.CompleteWorkerPolls("ns", "instance-1");
  EXPECT_EQ(leaving, std::optional<bool>(true));  // answered, empty
  EXPECT_FALSE(staying.has_value());
  EXPECT_FALSE(elsewhere.has_value());
  EXPECT_EQ(matcher.ParkedPolls(), 2u);

  std::optional<bool> late;
  EXPECT_EQ(poll("ns", "instance-1", &late), 0u);  // answered at once
  EXPECT_EQ(late, std::optional<bool>(true));
  EXPECT_EQ(matcher.ParkedPolls(), 2u);
  matcher.CancelAll();
}

}  // namespace
}  // namespace hdo::matching
