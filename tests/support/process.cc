#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace nca::testing {
namespace {

std::string MakeTempDir() {
  std::string tmpl = "/tmp/nca-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  }
  return tmpl;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Builds envp: the parent's environment with `extra` added or overriding.
std::vector<std::string> BuildEnv(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos && extra.count(kv.substr(0, eq)) != 0) {
      continue;
    }
    out.push_back(kv);
  }
  for (const auto& [k, v] : extra) {
    out.push_back(k + "=" + v);
  }
  return out;
}

std::vector<char*> ToCArray(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return -1;
}

constexpr auto kPoll = std::chrono::milliseconds(20);

}  // namespace

Process::Process(std::vector<std::string> argv, std::map<std::string, std::string> env)
    : dir_(MakeTempDir()) {
  auto envs = BuildEnv(env);
  auto c_argv = ToCArray(argv);
  auto c_env = ToCArray(envs);
  std::string out_path = dir_ + "/stdout";
  std::string err_path = dir_ + "/stderr";
  pid_ = fork();
  if (pid_ == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    setpgid(0, 0);
    execve(c_argv[0], c_argv.data(), c_env.data());
    _exit(127);
  }
}

Process::~Process() {
  if (pid_ > 0 && !exit_code_) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

std::optional<std::string> Process::WaitForOutput(const std::string& needle,
                                                  std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    for (const auto& text : {Stderr(), Stdout()}) {
      auto pos = text.find(needle);
      if (pos != std::string::npos) {
        auto start = text.rfind('\n', pos);
        start = start == std::string::npos ? 0 : start + 1;
        auto end = text.find('\n', pos);
        return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
      }
    }
    if (WaitForExit(std::chrono::milliseconds(0)) || std::chrono::steady_clock::now() > deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(kPoll);
  }
}

std::optional<int> Process::WaitForExit(std::chrono::milliseconds timeout) {
  if (exit_code_) {
    return exit_code_;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = DecodeStatus(status);
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(kPoll);
  }
}

void Process::Signal(int sig) {
  if (pid_ > 0 && !exit_code_) {
    kill(pid_, sig);
  }
}

int Process::Stop(std::chrono::milliseconds grace) {
  Signal(SIGTERM);
  if (auto code = WaitForExit(grace)) {
    return *code;
  }
  Signal(SIGKILL);
  return WaitForExit(std::chrono::seconds(10)).value_or(-1);
}

std::string Process::Stdout() const { return ReadFile(dir_ + "/stdout"); }
std::string Process::Stderr() const { return ReadFile(dir_ + "/stderr"); }

std::string WriteTempFile(const std::string& name, const std::string& content) {
  std::string path = MakeTempDir() + "/" + name;
  std::ofstream out(path, std::ios::binary);
  out << content;
  return path;
}

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& stdin_data,
                         std::chrono::milliseconds timeout) {
  std::string in_path = WriteTempFile("stdin", stdin_data);
  std::vector<std::string> args = argv;
  auto c_argv = ToCArray(args);
  std::string dir = MakeTempDir();
  std::string out_path = dir + "/out";
  pid_t pid = fork();
  if (pid == 0) {
    int in = open(in_path.c_str(), O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    execvp(c_argv[0], c_argv.data());
    _exit(127);
  }
  CommandResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      result.exit_code = DecodeStatus(status);
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.exit_code = -1;
      break;
    }
    std::this_thread::sleep_for(kPoll);
  }
  result.output = ReadFile(out_path);
  return result;
}

std::optional<int> ParsePortFromLogLine(const std::string& line) {
  // The exporter logs `msg="listening" address="HOST:0" port=N`: prefer port=, else address=.
  static const std::regex port_re(R"(\bport=(\d+))");
  static const std::regex re(R"(address="?[^ "]*:(\d+))");
  std::smatch m;
  if (std::regex_search(line, m, port_re) || std::regex_search(line, m, re)) {
    return std::stoi(m[1].str());
  }
  return std::nullopt;
}

}  // namespace nca::testing
