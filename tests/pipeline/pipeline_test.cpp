// SPDX-License-Identifier: Apache-2.0
// End-to-end tests of the real gpubench binary on a machine without a GPU (METHODOLOGY FH-7 no
// device, FH-8 signals, FH-9 exit codes, IN-1 strict CLI, DI-1 no overwrite, MR-10 --no-verify).
// The binary runs in a fresh temporary directory with stdout/stderr captured to files.
#include <gpb/result/schema.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/result/status.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../host/temp_dir.hpp"
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace gpb {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Short sampling for host cases: with a loose noise target they converge at 10 samples (about a
// second for 256 MiB copies); the timeout only bounds a badly overloaded machine.
const std::vector<std::string> kFast{"--min-time", "0.05", "--timeout", "10", "--max-noise", "0.9"};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    out.push_back(line);
  }
  return out;
}

std::size_t lines_containing(const std::string& text, const std::string& needle) {
  const auto l = lines_of(text);
  return static_cast<std::size_t>(std::count_if(l.begin(), l.end(), [&](const std::string& s) {
    return s.find(needle) != std::string::npos;
  }));
}

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

std::string join(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) {
    s += (s.empty() ? "" : " ") + a;
  }
  return s;
}

using test::TempDir;

struct ProcResult {
  int exit_code = -1;   ///< -1 when killed by a signal
  int term_signal = 0;  ///< signal that killed it, 0 when it exited
  bool timed_out = false;
  double seconds = 0;
  std::string out, err;
};

/// A gpubench child process in `cwd` with stdout/stderr redirected into files there.
class Child {
 public:
  Child(const std::vector<std::string>& args, const fs::path& cwd) : args_(args) {
    static int counter = 0;
    const std::string tag = "proc" + std::to_string(++counter);
    out_path_ = cwd / (tag + ".stdout");
    err_path_ = cwd / (tag + ".stderr");
    std::vector<std::string> argv_s{GPB_GPUBENCH};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    start_ = Clock::now();
    pid_ = fork();
    if (pid_ < 0) {
      throw std::runtime_error("fork failed");
    }
    if (pid_ == 0) {
      // Child: only async-signal-safe calls until exec.
      if (chdir(cwd.c_str()) != 0) {
        _exit(120);
      }
      const int in = open("/dev/null", O_RDONLY);
      const int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
        _exit(121);
      }
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      int st = 0;
      waitpid(pid_, &st, 0);
    }
  }

  pid_t pid() const { return pid_; }
  std::string stderr_so_far() const { return read_file(err_path_); }
  /// Until the first case has started (its progress line comes after the signal handlers are
  /// installed), the process has ended, or 20 s have passed.
  void wait_for_first_case() {
    const auto started = Clock::now();
    while (!contains(stderr_so_far(), "[1/") && running() &&
           Clock::now() - started < std::chrono::seconds(20)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  bool running() {
    if (reaped_) {
      return false;
    }
    int st = 0;
    if (waitpid(pid_, &st, WNOHANG) == pid_) {
      reaped_ = true;
      status_ = st;
      return false;
    }
    return true;
  }

  ProcResult wait(double timeout_s) {
    ProcResult r;
    const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
    while (running()) {
      if (Clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status_, 0);
        reaped_ = true;
        r.timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    r.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    if (WIFEXITED(status_)) {
      r.exit_code = WEXITSTATUS(status_);
    } else if (WIFSIGNALED(status_)) {
      r.term_signal = WTERMSIG(status_);
    }
    r.out = read_file(out_path_);
    r.err = read_file(err_path_);
    return r;
  }

 private:
  std::vector<std::string> args_;
  fs::path out_path_, err_path_;
  Clock::time_point start_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

ProcResult run_gpubench(const std::vector<std::string>& args,
                        const fs::path& cwd,
                        double timeout_s = 90) {
  Child c(args, cwd);
  ProcResult r = c.wait(timeout_s);
  EXPECT_FALSE(r.timed_out) << "gpubench " << join(args) << " did not finish in " << timeout_s
                            << " s";
  EXPECT_EQ(r.term_signal, 0) << "gpubench " << join(args) << " died from signal " << r.term_signal
                              << "\nstderr:\n"
                              << r.err;
  return r;
}

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// Facts about the binary under test, probed once.
struct BinaryFacts {
  bool gpu_present = false;     ///< `devices` exits 0
  bool cuda_enabled = false;    ///< `--version` says "CUDA on"
  std::size_t quick_cases = 0;  ///< lines of `list --quick`
  std::size_t quick_gpu_cases = 0;
};

const BinaryFacts& facts() {
  static const BinaryFacts f = [] {
    BinaryFacts b;
    TempDir dir;
    const ProcResult dev = run_gpubench({"devices"}, dir.path());
    b.gpu_present = dev.exit_code == 0;
    const ProcResult ver = run_gpubench({"--version"}, dir.path());
    b.cuda_enabled = contains(ver.out, "CUDA on");
    const ProcResult list = run_gpubench({"list", "--quick"}, dir.path());
    for (const auto& l : lines_of(list.out)) {
      if (l.empty()) {
        continue;
      }
      ++b.quick_cases;
      if (l.find(" gpu   ") != std::string::npos) {  // "<name> gpu   one per GPU", ...
        ++b.quick_gpu_cases;
      }
    }
    return b;
  }();
  return f;
}

bool has_reason(const CaseResult& r, const std::string& reason) {
  return std::find(r.reasons.begin(), r.reasons.end(), reason) != r.reasons.end();
}

bool is_host_case(const CaseResult& r) {
  return r.family.rfind("host", 0) == 0;
}

void expect_valid_host_result(const CaseResult& r) {
  SCOPED_TRACE(r.name);
  EXPECT_EQ(r.family, "host/memcpy");
  EXPECT_EQ(r.status, Status::valid) << "reasons: " << join(r.reasons) << " message: " << r.message;
  ASSERT_TRUE(r.headline.has_value());
  EXPECT_EQ(r.headline->unit, "GB/s");
  EXPECT_GT(r.headline->value, 0.0);
  EXPECT_FALSE(r.sample_s.empty());
  ASSERT_TRUE(r.stats.has_value());
  EXPECT_EQ(r.stats->n, static_cast<std::int64_t>(r.sample_s.size()));
  EXPECT_GT(r.stats->median_s, 0.0);
  EXPECT_GT(r.work.bytes, 0.0);
  EXPECT_TRUE(r.devices.empty());
}

// ---- (a) FH-7: no GPU, full quick profile ---------------------------------------------------

/// The no-GPU run of the whole quick profile, done once per process on first use.
struct NoGpuRunData {
  TempDir dir;
  ProcResult result;
  fs::path file() const { return dir / "T.json"; }
};

const NoGpuRunData& no_gpu_run() {
  static NoGpuRunData data;  // its TempDir is removed at exit
  static const bool ran = [] {
    data.result = run_gpubench(with({"run", "--quick", "--out", data.file().string()}, kFast),
                               data.dir.path());
    return true;
  }();
  (void)ran;
  return data;
}

class NoGpuRun : public ::testing::Test {
 protected:
  void SetUp() override {
    if (facts().gpu_present) {
      GTEST_SKIP() << "a CUDA device is present: the no-GPU pipeline does not apply";
    }
  }
};

TEST_F(NoGpuRun, ExitCodeAndMessage) {
  const ProcResult& r = no_gpu_run().result;
  if (facts().quick_gpu_cases > 0) {
    EXPECT_EQ(r.exit_code, 3) << r.err;
    const std::string why = facts().cuda_enabled ? "cudaGetDeviceCount" : "built without CUDA";
    EXPECT_GE(lines_containing(r.err, why), 1u) << r.err;
  } else {
    // A CUDA-off build registers no GPU case, so the quick profile asks for no GPU at all.
    EXPECT_FALSE(facts().cuda_enabled);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  EXPECT_FALSE(contains(r.err, "FAILED"));
  EXPECT_TRUE(contains(r.out, "results:"));
}

TEST_F(NoGpuRun, NoDeviceErrorIsOneLine) {
  // FH-7: exit 3 with ONE line naming cudaGetDeviceCount.
  if (!facts().cuda_enabled || facts().quick_gpu_cases == 0) {
    GTEST_SKIP() << "needs a CUDA build with GPU cases";
  }
  const ProcResult& r = no_gpu_run().result;
  EXPECT_EQ(lines_containing(r.err, "cudaGetDeviceCount"), 1u) << r.err;
}

TEST_F(NoGpuRun, FileLoadsWithHostValidAndGpuSkipped) {
  const NoGpuRunData& run = no_gpu_run();
  ASSERT_TRUE(fs::exists(run.file())) << run.result.err;
  const RunRecord rec = load_run(run.file());
  EXPECT_EQ(rec.run.exit_code, run.result.exit_code);
  EXPECT_FALSE(rec.run.interrupted);
  EXPECT_EQ(rec.run.profile, "quick");
  EXPECT_TRUE(rec.gpus.empty());
  EXPECT_EQ(rec.results.size(), facts().quick_cases);
  std::size_t host = 0, gpu = 0;
  for (const CaseResult& r : rec.results) {
    if (is_host_case(r)) {
      ++host;
      expect_valid_host_result(r);
    } else {
      ++gpu;
      SCOPED_TRACE(r.name);
      EXPECT_EQ(r.status, Status::skipped);
      EXPECT_TRUE(has_reason(r, "no_device")) << join(r.reasons);
      EXPECT_FALSE(r.message.empty());
      EXPECT_FALSE(r.headline.has_value());
      EXPECT_TRUE(r.sample_s.empty());
    }
  }
  EXPECT_GE(host, 1u);
  EXPECT_EQ(gpu, facts().quick_gpu_cases);
  if (facts().cuda_enabled && gpu > 0) {
    EXPECT_TRUE(contains(rec.runtime.device_error, "cudaGetDeviceCount"))
        << rec.runtime.device_error;
  }
}

// ---- (b) host family only ------------------------------------------------------------------

TEST(Pipeline, HostFamilyRunIsValidAndExitsZero) {
  TempDir dir;
  const fs::path file = dir / "host.json";
  const ProcResult r = run_gpubench(
      with({"run", "--family", "host", "--quick", "--seed", "42", "--out", file.string()}, kFast),
      dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(contains(r.err, "FAILED"));  // FH-9: never FAILED with exit 0
  ASSERT_TRUE(fs::exists(file));
  const RunRecord rec = load_run(file);
  EXPECT_EQ(rec.schema.name, "gpubench.result");
  EXPECT_EQ(rec.run.exit_code, 0);
  EXPECT_EQ(rec.run.seed, 42u);
  EXPECT_FALSE(rec.run.interrupted);
  EXPECT_FALSE(rec.run.argv.empty());
  EXPECT_FALSE(rec.run.started_utc.empty());
  ASSERT_FALSE(rec.results.empty());
  for (const CaseResult& c : rec.results) {
    expect_valid_host_result(c);
    EXPECT_TRUE(c.verified);
  }
  // Only the output file, its integrity sidecar (DI-5) and our captured streams were written.
  for (const auto& e : fs::directory_iterator(dir.path())) {
    const std::string n = e.path().filename().string();
    EXPECT_TRUE(n == "host.json" || n == "host.json.sha256" || contains(n, ".stdout") ||
                contains(n, ".stderr"))
        << n;
  }
  EXPECT_EQ(check_integrity(dir / "host.json").status, Integrity::verified);
}

// ---- (c) DI-1: no overwrite without --overwrite
// --------------------------------------------------

TEST(Pipeline, ExistingOutputNeedsOverwrite) {
  TempDir dir;
  const fs::path file = dir / "T.json";
  const std::vector<std::string> one_case =
      with({"run", "threads=1", "--family", "host", "--quick", "--quiet", "--out", file.string()},
           kFast);
  const ProcResult first = run_gpubench(one_case, dir.path());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string before = read_file(file);
  ASSERT_FALSE(before.empty());
  EXPECT_EQ(load_run(file).results.size(), 1u);

  const ProcResult again = run_gpubench(one_case, dir.path());
  EXPECT_EQ(again.exit_code, 2) << again.err;
  EXPECT_EQ(lines_of(again.err).size(), 1u) << again.err;
  EXPECT_TRUE(contains(again.err, "--overwrite")) << again.err;
  EXPECT_EQ(read_file(file), before);  // byte-identical

  const ProcResult forced = run_gpubench(with(one_case, {"--overwrite"}), dir.path());
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  const std::string after = read_file(file);
  EXPECT_NE(after, before);
  const RunRecord rec = load_run(file);
  ASSERT_EQ(rec.results.size(), 1u);
  expect_valid_host_result(rec.results[0]);
}

// ---- (d) IN-1 / FH-9: usage errors exit 2 with one line ----------------------------------------

TEST(Pipeline, UsageErrorsExitTwoWithOneLine) {
  TempDir dir;
  const std::string out = (dir / "never.json").string();
  struct Row {
    std::vector<std::string> args;
    std::string named;
  };
  const std::vector<Row> rows{
      {{"run", "--bogus", "--out", out}, "--bogus"},
      {{"run", "--seed", "abc", "--out", out}, "--seed"},
      {{"run", "--family", "nope", "--out", out}, "nope"},
      {{"run", "zzz_matches_no_case", "--out", out}, "match"},
      {{"run", "(", "--out", out}, "("},
      {{"frobnicate"}, "frobnicate"},
      {{"run", "--quick", "--full", "--out", out}, "--full"},
      {{"list", "--family", "nope"}, "nope"},
      {{"run", "--family", "host", "--benchmark_bogus=1", "--out", out}, "--benchmark_bogus"},
      {{"--version", "extra"}, "--version"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE("gpubench " + join(row.args));
    const ProcResult r = run_gpubench(row.args, dir.path(), 30);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    const auto err_lines = lines_of(r.err);
    ASSERT_EQ(err_lines.size(), 1u) << r.err;
    EXPECT_TRUE(contains(err_lines[0], row.named)) << err_lines[0];
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_FALSE(fs::exists(out));
  }
}

// ---- (e) list without a GPU ---------------------------------------------------------------

TEST(Pipeline, ListWorksWithoutGpu) {
  TempDir dir;
  const ProcResult def = run_gpubench({"list"}, dir.path());
  const ProcResult quick = run_gpubench({"list", "--quick"}, dir.path());
  const ProcResult full = run_gpubench({"list", "--full"}, dir.path());
  for (const ProcResult* r : {&def, &quick, &full}) {
    EXPECT_EQ(r->exit_code, 0) << r->err;
    EXPECT_TRUE(contains(r->out, "host/memcpy"));
    if (facts().cuda_enabled) {
      EXPECT_TRUE(contains(r->out, "stream/"));
    }
    // The stderr count line agrees with stdout.
    EXPECT_TRUE(contains(r->err, std::to_string(lines_of(r->out).size()) + " cases")) << r->err;
  }
  const std::size_t n_def = lines_of(def.out).size();
  const std::size_t n_quick = lines_of(quick.out).size();
  const std::size_t n_full = lines_of(full.out).size();
  EXPECT_LE(n_quick, n_def);
  EXPECT_LE(n_def, n_full);
  EXPECT_LT(n_quick, n_full);
  if (facts().cuda_enabled) {
    EXPECT_LT(n_quick, n_def);  // with stream cases the default profile is strictly larger
  }
  const ProcResult host_only = run_gpubench({"list", "--family", "host"}, dir.path());
  EXPECT_EQ(host_only.exit_code, 0);
  for (const auto& l : lines_of(host_only.out)) {
    EXPECT_EQ(l.rfind("host/", 0), 0u) << l;
  }
}

// ---- (f) FH-8: SIGTERM ------------------------------------------------------------------

TEST(Pipeline, SigtermWritesInterruptedFileAndExits143) {
  TempDir dir;
  const fs::path file = dir / "T.json";
  Child child({"run",
               "--family",
               "host",
               "--full",
               "--min-time",
               "30",
               "--timeout",
               "60",
               "--out",
               file.string()},
              dir.path());
  // Once the first case has started, let it sample for a moment.
  child.wait_for_first_case();
  ASSERT_TRUE(child.running()) << "gpubench exited before SIGTERM:\n" << child.stderr_so_far();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_TRUE(child.running());
  const auto signalled = Clock::now();
  ASSERT_EQ(kill(child.pid(), SIGTERM), 0);
  const ProcResult r = child.wait(30);
  const double after_signal = std::chrono::duration<double>(Clock::now() - signalled).count();
  ASSERT_FALSE(r.timed_out);
  EXPECT_EQ(r.term_signal, 0) << "killed by signal instead of handling it";
  EXPECT_EQ(r.exit_code, 143) << r.err;
  EXPECT_LT(after_signal, 10.0);

  ASSERT_TRUE(fs::exists(file)) << r.err;
  const RunRecord rec = load_run(file);
  EXPECT_TRUE(rec.run.interrupted);
  EXPECT_EQ(rec.run.exit_code, 143);
  ASSERT_FALSE(rec.results.empty());
  const auto interrupted =
      std::count_if(rec.results.begin(), rec.results.end(), [](const CaseResult& c) {
        return c.status == Status::interrupted;
      });
  EXPECT_GE(interrupted, 1);
  // The first case was cut short; nothing after it ran to completion.
  EXPECT_EQ(rec.results.front().status, Status::interrupted);
  for (std::size_t i = 1; i < rec.results.size(); ++i) {
    EXPECT_EQ(rec.results[i].status, Status::interrupted) << rec.results[i].name;
  }
  // No temporary files are left next to the result.
  for (const auto& e : fs::directory_iterator(dir.path())) {
    const std::string n = e.path().filename().string();
    EXPECT_TRUE(n == "T.json" || n == "T.json.sha256" || contains(n, ".stdout") ||
                contains(n, ".stderr"))
        << n;
  }
}

// ---- (g) MR-10: --no-verify ---------------------------------------------------------------

TEST(Pipeline, NoVerifyStampsResults) {
  TempDir dir;
  const fs::path file = dir / "nv.json";
  const ProcResult r = run_gpubench(with({"run",
                                          "threads=1",
                                          "--family",
                                          "host",
                                          "--quick",
                                          "--no-verify",
                                          "--out",
                                          file.string()},
                                         kFast),
                                    dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(fs::exists(file));
  const RunRecord rec = load_run(file);
  ASSERT_FALSE(rec.results.empty());
  for (const CaseResult& c : rec.results) {
    SCOPED_TRACE(c.name);
    EXPECT_FALSE(c.verified);
    EXPECT_TRUE(contains(c.verification, "disabled")) << c.verification;
    EXPECT_TRUE(c.headline.has_value());
  }
}

// ---- (h) --version and help ----------------------------------------------------------------

TEST(Pipeline, VersionAndHelp) {
  TempDir dir;
  const ProcResult v = run_gpubench({"--version"}, dir.path());
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_TRUE(contains(v.out, "gpubench")) << v.out;
  const ProcResult h = run_gpubench({"run", "--help"}, dir.path());
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_TRUE(contains(h.out, "--out")) << h.out;
  // No command is a usage error: the overview goes to stderr and the exit code says so.
  const ProcResult none = run_gpubench({}, dir.path());
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_TRUE(contains(none.err, "usage")) << none.err;
  const ProcResult help = run_gpubench({"--help"}, dir.path());
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(contains(help.out, "report")) << help.out;
}

}  // namespace
}  // namespace gpb

namespace gpb {
namespace {

// Google Benchmark's flags pass through: --benchmark_filter selects cases, and
// --benchmark_list_tests only lists them (no measurement, no result file).
TEST(Pipeline, GoogleBenchmarkFlagsPassThrough) {
  TempDir dir;
  const fs::path file = dir / "T.json";
  const ProcResult listed = run_gpubench(
      {"run", "--family", "host", "--benchmark_list_tests=true", "--out", file.string()},
      dir.path());
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_TRUE(contains(listed.out, "host/memcpy/size=256MiB/threads=1")) << listed.out;
  EXPECT_FALSE(fs::exists(file));

  const ProcResult filtered = run_gpubench(with({"run",
                                                 "--family",
                                                 "host",
                                                 "--quick",
                                                 "--quiet",
                                                 "--benchmark_filter=threads=all",
                                                 "--out",
                                                 file.string()},
                                                kFast),
                                           dir.path());
  ASSERT_EQ(filtered.exit_code, 0) << filtered.err;
  const RunRecord rec = load_run(file);
  ASSERT_EQ(rec.results.size(), 1u);
  EXPECT_EQ(rec.results[0].name, "host/memcpy/size=256MiB/threads=all");

  const ProcResult bad =
      run_gpubench({"run", "--family", "host", "--benchmark_nonsense=1"}, dir.path());
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
}

// MR-19: every run records the preflight audit; under --strict a warning refuses the run
// (exit 5) and the file still says why. The host checks read the fixture tree that
// GPB_TEST_HOST_ROOT names, here a host whose CPU governor is powersave.
TEST(Pipeline, PreflightRecordedAndStrictRefuses) {
  TempDir dir;
  const fs::path governor = dir / "root/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor";
  fs::create_directories(governor.parent_path());
  std::ofstream(governor) << "powersave\n";
  setenv("GPB_TEST_HOST_ROOT", (dir / "root").c_str(), 1);

  const fs::path relaxed = dir / "relaxed.json";
  const ProcResult ran = run_gpubench(
      with({"run", "--family", "host", "--quick", "--out", relaxed.string()}, kFast), dir.path());
  EXPECT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_TRUE(contains(ran.err, "preflight: 5 checks: 1 warn")) << ran.err;
  const RunRecord measured = load_run(relaxed);
  EXPECT_FALSE(measured.preflight.refused);
  EXPECT_FALSE(measured.preflight.strict);
  ASSERT_FALSE(measured.preflight.checks.empty());
  EXPECT_EQ(measured.preflight.checks[0].id, "cpu_governor");
  EXPECT_EQ(measured.preflight.checks[0].status, CheckStatus::warn);
  EXPECT_EQ(measured.preflight.checks[0].value.value_or(""), "powersave");
  for (const auto& r : measured.results) {
    EXPECT_EQ(r.status, Status::valid) << r.name;
  }

  const fs::path strict = dir / "strict.json";
  const ProcResult refused = run_gpubench(
      {"run", "--family", "host", "--quick", "--quiet", "--strict", "--out", strict.string()},
      dir.path());
  EXPECT_EQ(refused.exit_code, 5) << refused.err;
  EXPECT_TRUE(contains(refused.err, "refusing to measure")) << refused.err;
  const RunRecord skipped = load_run(strict);
  EXPECT_TRUE(skipped.preflight.refused);
  EXPECT_TRUE(skipped.preflight.strict);
  EXPECT_EQ(skipped.run.exit_code, 5);
  ASSERT_FALSE(skipped.results.empty());
  for (const auto& r : skipped.results) {
    EXPECT_EQ(r.status, Status::skipped) << r.name;
    EXPECT_EQ(r.reasons, std::vector<std::string>{"preflight_refused"}) << r.name;
    EXPECT_TRUE(r.sample_s.empty()) << r.name;
  }

  // The audit alone: a table naming the warning.
  const ProcResult audit = run_gpubench({"preflight"}, dir.path());
  EXPECT_TRUE(contains(audit.out, "cpu_governor")) << audit.out;
  EXPECT_TRUE(contains(audit.out, "powersave")) << audit.out;
  EXPECT_TRUE(audit.exit_code == 3 || audit.exit_code == 0 || audit.exit_code == 5)
      << audit.exit_code;
  const ProcResult bad = run_gpubench({"preflight", "extra"}, dir.path());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(contains(bad.err, "preflight takes no positional argument")) << bad.err;
  unsetenv("GPB_TEST_HOST_ROOT");
}

}  // namespace
}  // namespace gpb

namespace gpb {
namespace {

// DI-1: a run killed outright (SIGKILL: no handler runs) still leaves every finished case in
// a complete, loadable document next to the target, marked interrupted.
TEST(Pipeline, SigkillLeavesLoadablePartialFile) {
  TempDir dir;
  const fs::path file = dir / "T.json";
  Child child(with({"run", "--family", "host", "--full", "--out", file.string()}, kFast),
              dir.path());
  const auto started = Clock::now();
  while (!contains(child.stderr_so_far(), "[2/") && child.running() &&
         Clock::now() - started < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(child.running()) << "gpubench exited before SIGKILL:\n" << child.stderr_so_far();
  ASSERT_EQ(kill(child.pid(), SIGKILL), 0);
  const ProcResult r = child.wait(30);
  EXPECT_EQ(r.term_signal, SIGKILL);
  EXPECT_FALSE(fs::exists(file));
  const fs::path partial = dir / "T.json.partial";
  ASSERT_TRUE(fs::exists(partial));
  const RunRecord rec = load_run(partial);
  EXPECT_TRUE(rec.run.interrupted);
  ASSERT_GE(rec.results.size(), 1u);
  expect_valid_host_result(rec.results.front());
}

}  // namespace
}  // namespace gpb

namespace gpb {
namespace {

// FH-2: a case that hangs is killed by the watchdog (`timeout`), cases that crash their process
// are `error` with the signal, and every case after them still runs in a fresh worker; the file
// is one valid document, as if nothing had happened to the supervisor.
TEST(Pipeline, WatchdogIsolatesHangsAndCrashes) {
  TempDir dir;
  const fs::path file = dir / "W.json";
  setenv("GPB_DEBUG_CASES", "1", 1);
  const ProcResult r = run_gpubench(with({"run",
                                          "--family",
                                          "debug/misbehave,host",
                                          "--quick",
                                          "--watchdog",
                                          "5",
                                          "--out",
                                          file.string()},
                                         kFast),
                                    dir.path());
  unsetenv("GPB_DEBUG_CASES");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "carrying on with the next case")) << r.err;
  const RunRecord rec = load_run(file);
  ASSERT_EQ(rec.results.size(), 5u);
  EXPECT_EQ(rec.results[0].name, "debug/misbehave/kind=hang");
  EXPECT_EQ(rec.results[0].status, Status::timeout);
  EXPECT_EQ(rec.results[0].reasons, std::vector<std::string>{"watchdog_timeout"});
  EXPECT_EQ(rec.results[0].params, (Params{{"kind", "hang"}}));
  EXPECT_EQ(rec.results[1].status, Status::error);
  EXPECT_EQ(rec.results[1].reasons, std::vector<std::string>{"crashed_signal_11"});
  EXPECT_EQ(rec.results[2].status, Status::error);
  EXPECT_EQ(rec.results[2].reasons, std::vector<std::string>{"crashed_signal_6"});
  for (std::size_t i = 3; i < 5; ++i) {
    expect_valid_host_result(rec.results[i]);
  }
  EXPECT_EQ(rec.run.exit_code, 1);
  EXPECT_FALSE(rec.run.interrupted);
  // The record shows the command as typed: none of the supervisor's --worker-* flags.
  for (const auto& a : rec.run.argv) {
    EXPECT_EQ(a.rfind("--worker-", 0), std::string::npos) << a;
  }
  EXPECT_EQ(rec.run.argv.back(), "0.9");
  // DI-5: the finished file comes with its integrity sidecar, and it matches.
  EXPECT_EQ(check_integrity(file).status, Integrity::verified);
  // Every worker ran under one run id and seed; only the result file is left.
  for (const auto& e : fs::directory_iterator(dir.path())) {
    const std::string n = e.path().filename().string();
    EXPECT_TRUE(n == "W.json" || n == "W.json.sha256" || contains(n, ".stdout") ||
                contains(n, ".stderr"))
        << n;
  }
}

// FH-8 with FH-2: SIGTERM while a case ignores it. The supervisor passes the signal on, kills
// the deaf worker after the grace (half the --watchdog budget here), records that case as
// interrupted, and a last worker lists every case not yet run as interrupted: the file holds
// the whole selection, and the exit code is 143.
TEST(Pipeline, SigtermDuringADeafCaseListsEveryCase) {
  TempDir dir;
  const fs::path file = dir / "D.json";
  setenv("GPB_DEBUG_CASES", "1", 1);
  Child child(with({"run",
                    "--family",
                    "debug/misbehave,host",
                    "--quick",
                    "--watchdog",
                    "4",
                    "--out",
                    file.string()},
                   kFast),
              dir.path());
  unsetenv("GPB_DEBUG_CASES");
  child.wait_for_first_case();
  ASSERT_TRUE(child.running()) << child.stderr_so_far();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(kill(child.pid(), SIGTERM), 0);
  const ProcResult r = child.wait(30);
  ASSERT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 143) << r.err;
  EXPECT_TRUE(contains(r.err, "recording the remaining cases")) << r.err;
  const RunRecord rec = load_run(file);
  EXPECT_TRUE(rec.run.interrupted);
  EXPECT_EQ(rec.run.exit_code, 143);
  ASSERT_EQ(rec.results.size(), 5u);
  EXPECT_EQ(rec.results[0].name, "debug/misbehave/kind=hang");
  EXPECT_EQ(rec.results[0].reasons, std::vector<std::string>{"interrupted_worker_killed"});
  for (const auto& c : rec.results) {
    EXPECT_EQ(c.status, Status::interrupted) << c.name;
  }
  for (std::size_t i = 1; i < rec.results.size(); ++i) {
    EXPECT_EQ(rec.results[i].reasons, std::vector<std::string>{"not_started_interrupted"})
        << rec.results[i].name;
  }
  EXPECT_EQ(check_integrity(file).status, Integrity::verified);
  EXPECT_FALSE(fs::exists(dir / "D.json.partial"));
}

// --no-isolate runs in this process, as before the watchdog; the misbehaving cases are not
// registered without GPB_DEBUG_CASES=1.
TEST(Pipeline, NoIsolateRunsInProcessAndDebugCasesAreHidden) {
  TempDir dir;
  const fs::path file = dir / "N.json";
  const ProcResult r = run_gpubench(
      with({"run", "--family", "host", "--quick", "--no-isolate", "--out", file.string()}, kFast),
      dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const RunRecord rec = load_run(file);
  ASSERT_EQ(rec.results.size(), 2u);
  expect_valid_host_result(rec.results[0]);
  const ProcResult listed = run_gpubench({"list", "--full"}, dir.path());
  EXPECT_FALSE(contains(listed.out, "debug/")) << listed.out;
  const ProcResult none = run_gpubench({"run", "--family", "debug"}, dir.path());
  EXPECT_EQ(none.exit_code, 2) << none.err;
}

}  // namespace
}  // namespace gpb

namespace gpb {
namespace {

// FH-2, the other way a watched case ends: it heeds the watchdog's SIGTERM and winds down like
// an interrupted run (final file written). The case still counts as timeout, the run goes on in
// a fresh worker, and one result file comes out.
TEST(Pipeline, WatchdogTimeoutOfACaseThatWindsDown) {
  TempDir dir;
  const fs::path file = dir / "S.json";
  const ProcResult r = run_gpubench({"run",
                                     "--family",
                                     "host",
                                     "--full",
                                     "--min-time",
                                     "30",
                                     "--timeout",
                                     "60",
                                     "--watchdog",
                                     "2",
                                     "--out",
                                     file.string()},
                                    dir.path());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const RunRecord rec = load_run(file);
  ASSERT_EQ(rec.results.size(), 3u);
  for (const auto& c : rec.results) {
    EXPECT_EQ(c.status, Status::timeout) << c.name;
    EXPECT_EQ(c.reasons, std::vector<std::string>{"watchdog_timeout"}) << c.name;
  }
  EXPECT_FALSE(rec.run.interrupted);
  EXPECT_EQ(rec.run.exit_code, 1);
  EXPECT_LT(r.seconds, 40.0);
  for (const auto& e : fs::directory_iterator(dir.path())) {
    const std::string n = e.path().filename().string();
    EXPECT_TRUE(n == "S.json" || n == "S.json.sha256" || contains(n, ".stdout") ||
                contains(n, ".stderr"))
        << n;
  }
}

}  // namespace
}  // namespace gpb
