// Subprocess control for end-to-end tests: start a real binary with arguments and environment,
// capture its stdout/stderr into files, wait (by polling, with a deadline) for a log line, and
// stop it. Thread-compatible: one owner thread per Process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nca::testing {

class Process {
 public:
  // Starts `argv[0]` with `argv`; `env` entries are added to (or override) the parent's
  // environment. stdout/stderr go to files in a fresh temporary directory.
  Process(std::vector<std::string> argv, std::map<std::string, std::string> env = {});
  ~Process();  // kills (SIGKILL) if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  bool Started() const { return pid_ > 0; }
  // The process id (e.g. to read /proc/<pid>/status); -1 if it could not be started.
  pid_t Pid() const { return pid_; }
  // Polls stderr+stdout until a line contains `needle`; returns that line, or nullopt on timeout
  // or if the process exited first.
  std::optional<std::string> WaitForOutput(const std::string& needle,
                                           std::chrono::milliseconds timeout);
  // Polls until the process exits; returns its exit code (128+signal if killed) or nullopt.
  std::optional<int> WaitForExit(std::chrono::milliseconds timeout);
  // SIGTERM, then waits up to `grace`, then SIGKILL. Returns the exit code.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  void Signal(int sig);

  std::string Stdout() const;
  std::string Stderr() const;
  const std::string& Dir() const { return dir_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string dir_;
};

// Writes `content` to a new file in a fresh temporary directory and returns its path.
std::string WriteTempFile(const std::string& name, const std::string& content);

// Runs a command to completion (no shell), returning exit code and combined output.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& stdin_data = "",
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Extracts the port from the agent's listen log line (`port=N`, else `address=HOST:PORT`).
std::optional<int> ParsePortFromLogLine(const std::string& line);

}  // namespace nca::testing
