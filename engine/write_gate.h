// WriteGate: a gate every engine writer passes around lock + append + apply, which a snapshot
// closes briefly to capture the state at one LSN (docs/snapshot-format.md, "Consistency").
//
// Writers take the gate in shared fashion and never wait for each other: passing an open gate
// is one atomic increment and one load, and leaving it one decrement. Close() stops new
// writers, waits until those inside have left, and keeps the gate closed until Open(); writers
// arriving meanwhile wait. A reader-preferring rwlock would let a steady write load starve the
// closer; here a closed gate admits no one, so the closer waits only for the writers already
// inside.
//
// Thread safety: Enter/Leave from any number of threads; Close/Open from one thread at a time
// (the engine's snapshot mutex serializes them), and a thread inside must not Close.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace tally::engine {

class WriteGate {
 public:
  WriteGate() = default;
  WriteGate(const WriteGate&) = delete;
  WriteGate& operator=(const WriteGate&) = delete;

  void Enter();
  void Leave();

  // Returns once no writer is inside; until Open(), no writer enters.
  void Close();
  void Open();

 private:
  // Both are read and written with sequentially consistent operations: a writer increments
  // `inside_` then reads `closed_`, the closer sets `closed_` then reads `inside_`, so at least
  // one of them sees the other.
  std::atomic<std::uint64_t> inside_{0};
  std::atomic<bool> closed_{false};
  std::mutex mu_;  // guards the waits below; taken only while the gate is closed
  std::condition_variable cv_;
};

// Holds the gate for a scope.
class WriteGatePass {
 public:
  explicit WriteGatePass(WriteGate& gate) : gate_(gate) { gate_.Enter(); }
  ~WriteGatePass() { gate_.Leave(); }
  WriteGatePass(const WriteGatePass&) = delete;
  WriteGatePass& operator=(const WriteGatePass&) = delete;

 private:
  WriteGate& gate_;
};

}  // namespace tally::engine
