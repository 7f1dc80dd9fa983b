// Injected time: production code never calls std::chrono clocks directly, so tests can drive
// time with ManualClock and never sleep.
#pragma once

#include <chrono>
#include <mutex>

namespace nca {

using SystemTime = std::chrono::system_clock::time_point;
using MonoTime = std::chrono::steady_clock::time_point;
using Duration = std::chrono::nanoseconds;

// Thread-safe; implementations must be callable from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for timestamps exposed to users.
  virtual SystemTime Now() const = 0;
  // Monotonic time, for intervals, deadlines and ages.
  virtual MonoTime Monotonic() const = 0;
};

class RealClock final : public Clock {
 public:
  SystemTime Now() const override { return std::chrono::system_clock::now(); }
  MonoTime Monotonic() const override { return std::chrono::steady_clock::now(); }
};

// Test clock: time only moves when Advance() is called. Thread-safe.
class ManualClock final : public Clock {
 public:
  ManualClock()
      : now_(SystemTime(std::chrono::seconds(1700000000))),
        mono_(MonoTime(std::chrono::hours(1))) {}
  SystemTime Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  MonoTime Monotonic() const override {
    std::lock_guard lock(mu_);
    return mono_;
  }
  void Advance(Duration d) {
    std::lock_guard lock(mu_);
    now_ += std::chrono::duration_cast<SystemTime::duration>(d);
    mono_ += d;
  }

 private:
  mutable std::mutex mu_;
  SystemTime now_;
  MonoTime mono_;
};

inline double ToSeconds(Duration d) { return std::chrono::duration<double>(d).count(); }
inline double ToUnixSeconds(SystemTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace nca
