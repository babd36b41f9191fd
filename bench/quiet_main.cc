// main() for benchmark binaries whose code under test logs progress (replay, segment upkeep):
// only warnings and errors reach stdout, so the benchmark table stays readable.
#include <benchmark/benchmark.h>

#include "log/logger.h"

int main(int argc, char** argv) {
  tally::SetLogLevel(tally::LogLevel::kWarn);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
