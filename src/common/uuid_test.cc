// Goal: generated UUIDs are well-formed version-4 UUIDs and distinct; time-ordered ones are
// version 7, carry the given millisecond and sort (as text) in the order they were made, within
// one millisecond, across milliseconds and when the clock steps back; IsUuid accepts exactly the
// canonical form. Method: generate and validate.
#include "common/uuid.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace hdo {
namespace {

TEST(UuidTest, GeneratedUuidsAreCanonicalVersion4AndDistinct) {
  UuidGenerator generator(42);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string uuid = generator.Next();
    ASSERT_TRUE(IsUuid(uuid)) << uuid;
    EXPECT_EQ(uuid[14], '4') << uuid;
    EXPECT_NE(std::string("89ab").find(uuid[19]), std::string::npos) << uuid;
    seen.insert(uuid);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

// The 48-bit millisecond timestamp at the front of a version-7 UUID's text.
int64_t MillisOf(const std::string& uuid) {
  return std::stoll(uuid.substr(0, 8) + uuid.substr(9, 4), nullptr, 16);
}

TEST(UuidTest, TimeOrderedUuidsAreVersion7CarryTheirMillisecondAndSortInTheOrderMade) {
  UuidGenerator generator(7);
  const int64_t ms = 1'764'547'200'000;  // 2025-12-01T00:00:00Z
  std::vector<std::string> made;
  // 5,000 in one millisecond (more than the 4,096 its counter holds), then later ones, then a
  // clock that steps back by a second.
  for (int i = 0; i < 5000; ++i) made.push_back(generator.NextTimeOrdered(ms));
  for (int i = 1; i <= 100; ++i) made.push_back(generator.NextTimeOrdered(ms + 10 * i));
  for (int i = 0; i < 100; ++i) made.push_back(generator.NextTimeOrdered(ms - 1000));
  for (const std::string& uuid : made) {
    ASSERT_TRUE(IsUuid(uuid)) << uuid;
    ASSERT_EQ(uuid[14], '7') << uuid;
    ASSERT_NE(std::string("89ab").find(uuid[19]), std::string::npos) << uuid;
  }
  EXPECT_EQ(MillisOf(made.front()), ms);
  // The counter ran out once: the rest of that millisecond borrowed the next one.
  EXPECT_EQ(MillisOf(made[4999]), ms + 1);
  EXPECT_EQ(MillisOf(made[5000]), ms + 10);
  EXPECT_EQ(MillisOf(made[5099]), ms + 1000);
  EXPECT_EQ(MillisOf(made.back()), ms + 1000);  // stepped back: kept the last millisecond
  for (size_t i = 1; i < made.size(); ++i) {
    ASSERT_LT(made[i - 1], made[i]) << "uuid " << i << " sorts before the one made before it";
  }
  EXPECT_EQ(std::set<std::string>(made.begin(), made.end()).size(), made.size());
}

TEST(UuidTest, IsUuidRejectsAnythingButTheCanonicalForm) {
  EXPECT_TRUE(IsUuid("0f8fad5b-d9cb-469f-a165-70867728950e"));
  EXPECT_TRUE(IsUuid("0F8FAD5B-D9CB-469F-A165-70867728950E"));
  EXPECT_FALSE(IsUuid("superneverexistwf!"));
  EXPECT_FALSE(IsUuid("0f8fad5bd9cb469fa16570867728950e"));
  EXPECT_FALSE(IsUuid("0f8fad5b-d9cb-469f-a165-70867728950"));
  EXPECT_FALSE(IsUuid("0f8fad5b-d9cb-469f-a165-70867728950g"));
  EXPECT_FALSE(IsUuid(""));
}

}  // namespace
}  // namespace hdo
