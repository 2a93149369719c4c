#include "server/client_pause.h"

#include <gtest/gtest.h>

namespace strata::server {
namespace {

TEST(ClientPauseTest, NoPauseUntilOneIsSet) {
  ClientPause pause;
  EXPECT_FALSE(pause.set());
  EXPECT_EQ(pause.ModeAt(1000), PauseMode::kNone);
}

TEST(ClientPauseTest, HoldsWhileNowIsAtMostTheEnd) {
  ClientPause pause;
  pause.Pause(PauseMode::kWrite, 2000, 1000);
  EXPECT_TRUE(pause.set());
  EXPECT_EQ(pause.ModeAt(1000), PauseMode::kWrite);
  EXPECT_EQ(pause.ModeAt(2000), PauseMode::kWrite);
  EXPECT_EQ(pause.ModeAt(2001), PauseMode::kNone);
}

TEST(ClientPauseTest, StrongerModeAndLaterEndWin) {
  ClientPause pause;
  pause.Pause(PauseMode::kWrite, 5000, 1000);
  pause.Pause(PauseMode::kAll, 0, 1100);  // CLIENT PAUSE 0 ALL: stronger, no end of its own
  EXPECT_EQ(pause.ModeAt(4000), PauseMode::kAll);
  EXPECT_EQ(pause.end_ms(), 5000);
  pause.Pause(PauseMode::kWrite, 3000, 1200);  // weaker and shorter: changes nothing
  EXPECT_EQ(pause.ModeAt(4000), PauseMode::kAll);
  EXPECT_EQ(pause.end_ms(), 5000);
  pause.Pause(PauseMode::kWrite, 9000, 1300);  // longer: extends
  EXPECT_EQ(pause.ModeAt(8000), PauseMode::kAll);
}

TEST(ClientPauseTest, AnEndedPauseIsReplacedNotStrengthened) {
  ClientPause pause;
  pause.Pause(PauseMode::kAll, 2000, 1000);
  pause.Pause(PauseMode::kWrite, 4000, 3000);  // the ALL pause ran out at 2000
  EXPECT_EQ(pause.ModeAt(3500), PauseMode::kWrite);
}

TEST(ClientPauseTest, ZeroOrWrappedEndPausesNothing) {
  ClientPause pause;
  pause.Pause(PauseMode::kAll, 0, 1000);
  EXPECT_EQ(pause.ModeAt(1000), PauseMode::kNone);
  pause.Pause(PauseMode::kAll, -5, 1000);  // CLIENT PAUSE near INT64_MAX wraps negative, as in Redis
  EXPECT_EQ(pause.ModeAt(1000), PauseMode::kNone);
}

TEST(ClientPauseTest, UnpauseEndsAtOnce) {
  ClientPause pause;
  pause.Pause(PauseMode::kAll, 9000, 1000);
  pause.Unpause();
  EXPECT_FALSE(pause.set());
  EXPECT_EQ(pause.ModeAt(1000), PauseMode::kNone);
}

TEST(ClientPauseTest, CountsHeldClients) {
  ClientPause pause;
  pause.AddHeld(1);
  pause.AddHeld(1);
  pause.AddHeld(-1);
  EXPECT_EQ(pause.held(), 1u);
}

}  // namespace
}  // namespace strata::server
