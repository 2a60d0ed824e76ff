// Goal: generated UUIDs are well-formed version-4 UUIDs and distinct; IsUuid accepts exactly the
// canonical form. Method: generate and validate.
#include "common/uuid.h"

#include <gtest/gtest.h>

#include <set>

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
