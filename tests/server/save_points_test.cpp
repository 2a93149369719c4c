// The save-point rule (Redis's serverCron): when a background save is due.
#include <gtest/gtest.h>

#include "server/config.h"
#include "server/persistence.h"

namespace strata::server {
namespace {

std::vector<SavePoint> Points(const std::vector<std::string>& words) {
  std::vector<SavePoint> points;
  EXPECT_TRUE(ParseSavePoints(words, &points));
  return points;
}

TEST(SavePoints, Parse) {
  std::vector<SavePoint> points;
  const std::vector<std::string> good = {"3600", "1", "300", "100"};
  ASSERT_TRUE(ParseSavePoints(good, &points));
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].seconds, 3600);
  EXPECT_EQ(points[1].changes, 100);
  EXPECT_TRUE(ParseSavePoints({}, &points));
  EXPECT_TRUE(points.empty());
  const std::vector<std::string> odd = {"3600", "1", "300"};
  EXPECT_FALSE(ParseSavePoints(odd, &points));
  const std::vector<std::string> negative = {"-1", "1"};
  EXPECT_FALSE(ParseSavePoints(negative, &points));
  const std::vector<std::string> word = {"abc", "1"};
  EXPECT_FALSE(ParseSavePoints(word, &points));
}

TEST(SavePoints, FireWhenChangesAndTimeBothReached) {
  const std::vector<SavePoint> points = Points({"3600", "1", "300", "100", "60", "10000"});
  const int64_t last = 1000;
  // One change: only after the hour.
  EXPECT_FALSE(SavePointDue(points, 1, last + 3600, last, false, 0));
  EXPECT_TRUE(SavePointDue(points, 1, last + 3601, last, false, 0));
  // 100 changes: after five minutes.
  EXPECT_FALSE(SavePointDue(points, 99, last + 301, last, false, 0));
  EXPECT_TRUE(SavePointDue(points, 100, last + 301, last, false, 0));
  // 10000 changes: after a minute.
  EXPECT_FALSE(SavePointDue(points, 10000, last + 60, last, false, 0));
  EXPECT_TRUE(SavePointDue(points, 10000, last + 61, last, false, 0));
  // No change, no save, however long.
  EXPECT_FALSE(SavePointDue(points, 0, last + 100000, last, false, 0));
  // No save point, no save.
  EXPECT_FALSE(SavePointDue({}, 1000000, last + 100000, last, false, 0));
}

TEST(SavePoints, RetryAfterFailureWaitsFiveSeconds) {
  const std::vector<SavePoint> points = Points({"1", "1"});
  const int64_t last = 1000;
  const int64_t tried = 2000;
  EXPECT_FALSE(SavePointDue(points, 5, tried + 1, last, true, tried));
  EXPECT_FALSE(SavePointDue(points, 5, tried + kBgsaveRetryDelaySec, last, true, tried));
  EXPECT_TRUE(SavePointDue(points, 5, tried + kBgsaveRetryDelaySec + 1, last, true, tried));
  // Without a failure the last try does not matter.
  EXPECT_TRUE(SavePointDue(points, 5, tried + 1, last, false, tried));
}

}  // namespace
}  // namespace strata::server
