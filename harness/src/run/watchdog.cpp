// SPDX-License-Identifier: Apache-2.0
#include <gpb/common/text.hpp>
#include <gpb/run/device_set.hpp>
#include <gpb/run/watchdog.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <sstream>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace gpb {
namespace {

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto at = s.find(sep, start);
    out.emplace_back(s.substr(start, at == std::string_view::npos ? s.npos : at - start));
    if (at == std::string_view::npos) {
      return out;
    }
    start = at + 1;
  }
}

bool parse_u64(const std::string& s, std::uint64_t& v) {
  if (s.empty() || s.size() > 19 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  v = std::stoull(s);
  return true;
}

}  // namespace

std::string journal_start_line(std::uint64_t index, double budget_s, const CaseResult& c) {
  char budget[32];
  std::snprintf(budget, sizeof budget, "%.3f", budget_s);
  std::vector<std::string> ordinals;
  for (int d : c.devices) {
    ordinals.push_back(std::to_string(d));
  }
  return "start\t" + std::to_string(index) + "\t" + budget + "\t" + c.family + "\t" + c.name +
         "\t" + join(ordinals, ",") + "\t" + join(c.device_uuids, ",") + "\n";
}

std::string journal_end_line(std::uint64_t index) {
  return "end\t" + std::to_string(index) + "\n";
}

std::optional<JournalEntry> parse_journal_line(std::string_view line) {
  const std::vector<std::string> f = split(line, '\t');
  JournalEntry e;
  if (f.size() == 2 && f[0] == "end") {
    e.kind = JournalEntry::Kind::end;
    return parse_u64(f[1], e.index) ? std::optional<JournalEntry>(e) : std::nullopt;
  }
  if (f.size() != 7 || f[0] != "start" || !parse_u64(f[1], e.index) || f[4].empty()) {
    return std::nullopt;
  }
  try {
    std::size_t used = 0;
    e.budget_s = std::stod(f[2], &used);
    if (used != f[2].size() || !(e.budget_s > 0)) {
      return std::nullopt;
    }
    e.family = f[3];
    e.name = f[4];
    if (!f[5].empty()) {
      for (const auto& d : split(f[5], ',')) {
        std::uint64_t v = 0;
        if (!parse_u64(d, v) || v > 1023) {
          return std::nullopt;
        }
        e.devices.push_back(static_cast<int>(v));
      }
    }
    if (!f[6].empty()) {
      e.device_uuids = split(f[6], ',');
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return e;
}

double watchdog_budget_s(double planned_s) noexcept {
  return std::max(60.0, 10.0 * planned_s);
}

CaseResult unfinished_case_result(const JournalEntry& started,
                                  const CaseVerdict& verdict,
                                  const std::string& message) {
  CaseResult r;
  r.name = started.name;
  r.family = started.family;
  r.devices = started.devices;
  r.device_uuids = started.device_uuids;
  // The name is family/k=v/.../gpu=N: the parameters come back from it (gpu is the instance).
  if (r.name.size() > r.family.size() && r.name.compare(0, r.family.size(), r.family) == 0) {
    for (const auto& part : split(std::string_view(r.name).substr(r.family.size() + 1), '/')) {
      const auto eq = part.find('=');
      if (eq != std::string::npos && !is_device_segment(part.substr(0, eq))) {
        r.params.emplace_back(part.substr(0, eq), part.substr(eq + 1));
      }
    }
  }
  r.status = verdict.status;
  r.reasons = verdict.reasons;
  r.message = message;
  r.peak.value_reason = "not_measured";
  r.sm_clock.reason = "not_measured";
  return r;
}

WorkerOutcome run_worker(const std::string& program,
                         const std::vector<std::string>& argv,
                         const std::string& journal_flag,
                         const WatchdogOptions& opt) {
  using Clock = std::chrono::steady_clock;
  const auto after = [](double s) {
    return Clock::now() +
           std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  WorkerOutcome out;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    out.spawn_error = std::string("pipe: ") + std::strerror(errno);
    return out;
  }
  std::vector<std::string> args = argv;
  args.push_back(journal_flag + std::to_string(fds[1]));
  std::vector<char*> cargs;
  for (auto& a : args) {
    cargs.push_back(a.data());
  }
  cargs.push_back(nullptr);
  const pid_t supervisor = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec. The write end survives exec. A worker
    // never outlives its supervisor (killed outright, it would otherwise hold the GPU on).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != supervisor) {
      _exit(126);
    }
    fcntl(fds[1], F_SETFD, 0);
    execv(program.c_str(), cargs.data());
    _exit(127);
  }
  close(fds[1]);
  if (pid < 0) {
    out.spawn_error = std::string("fork: ") + std::strerror(errno);
    close(fds[0]);
    return out;
  }

  auto deadline = after(opt.setup_budget_s);
  // SIGKILL at kill_at once armed (after a SIGTERM). A plain flag: GCC 12 misreads an
  // optional<time_point> here as maybe-uninitialized.
  Clock::time_point kill_at{};
  bool kill_armed = false;
  const auto arm_kill = [&](double seconds) {
    kill_at = after(seconds);
    kill_armed = true;
  };
  bool forwarded = false;
  std::string pending;
  bool eof = false;
  int status = 0;
  bool reaped = false;
  while (!reaped) {
    const auto now = Clock::now();
    if (opt.stop_flag != nullptr && *opt.stop_flag != 0 && !forwarded) {
      kill(pid, *opt.stop_flag);  // the worker finishes or abandons its case (FH-8)
      forwarded = true;
      arm_kill(opt.signal_grace_s);
    }
    if (!eof && !out.killed_by_watchdog && !forwarded && now >= deadline) {
      out.killed_by_watchdog = true;
      kill(pid, SIGTERM);
      arm_kill(opt.grace_s);
    }
    if (kill_armed && now >= kill_at) {
      kill(pid, SIGKILL);
      kill_armed = false;
    }
    if (eof) {
      // The worker closed the journal: it is exiting. Reap it (SIGKILL above if it lingers).
      const pid_t w = waitpid(pid, &status, WNOHANG);
      if (w == pid) {
        reaped = true;
        break;
      }
      if (!kill_armed) {
        arm_kill(opt.grace_s);
      }
      usleep(10000);
      continue;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = poll(&p, 1, 100);
    if (ready < 0 && errno != EINTR) {
      eof = true;
      continue;
    }
    if (ready <= 0) {
      continue;
    }
    char buf[4096];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0) {
      if (errno != EINTR) {
        eof = true;
      }
      continue;
    }
    if (n == 0) {
      eof = true;
      continue;
    }
    pending.append(buf, static_cast<std::size_t>(n));
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      const auto entry = parse_journal_line(std::string_view(pending).substr(0, nl));
      pending.erase(0, nl + 1);
      if (!entry || out.killed_by_watchdog) {
        continue;  // after a kill, the case that ran out stays the unfinished one
      }
      if (entry->kind == JournalEntry::Kind::start) {
        out.unfinished = *entry;
        deadline = after(entry->budget_s);
      } else if (out.unfinished && out.unfinished->index == entry->index) {
        out.unfinished.reset();
        ++out.cases_ended;
        deadline = after(opt.setup_budget_s);
      }
    }
  }
  close(fds[0]);
  out.signal_forwarded = forwarded;
  if (WIFEXITED(status)) {
    out.exited = true;
    out.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    out.term_signal = WTERMSIG(status);
  }
  return out;
}

}  // namespace gpb
