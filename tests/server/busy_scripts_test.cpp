#include "server/busy_scripts.h"

#include <gtest/gtest.h>

#include "common/error_texts.h"

namespace strata::server {
namespace {

TEST(BusyScripts, NotBusyUntilARunEntersAndAfterItLeaves) {
  BusyScripts busy;
  EXPECT_FALSE(busy.busy());
  EXPECT_EQ(busy.Kill(ScriptKind::kEval), KillStatus::kNotBusy);
  BusyRun run(ScriptKind::kEval);
  busy.Enter(&run);
  EXPECT_TRUE(busy.busy());
  EXPECT_EQ(busy.BusyError(), errors::kBusyEval);
  busy.Leave(&run);
  EXPECT_FALSE(busy.busy());
  EXPECT_EQ(busy.Kill(ScriptKind::kEval), KillStatus::kNotBusy);
}

TEST(BusyScripts, KillTellsARunOfItsKindThatHasNotWritten) {
  BusyScripts busy;
  BusyRun run(ScriptKind::kEval);
  busy.Enter(&run);
  EXPECT_EQ(busy.Kill(ScriptKind::kFunction), KillStatus::kWrongKind);
  EXPECT_FALSE(run.kill.load());
  EXPECT_EQ(busy.Kill(ScriptKind::kEval), KillStatus::kKilled);
  EXPECT_TRUE(run.kill.load());
  busy.Leave(&run);
}

TEST(BusyScripts, AWriteMakesItUnkillableWhateverTheKind) {
  BusyScripts busy;
  BusyRun run(ScriptKind::kFunction);
  run.wrote = true;
  busy.Enter(&run);
  EXPECT_EQ(busy.BusyError(), errors::kBusyFunction);
  // Redis checks the write before the kind.
  EXPECT_EQ(busy.Kill(ScriptKind::kEval), KillStatus::kUnkillable);
  EXPECT_EQ(busy.Kill(ScriptKind::kFunction), KillStatus::kUnkillable);
  EXPECT_FALSE(run.kill.load());
  busy.Leave(&run);
}

}  // namespace
}  // namespace strata::server
