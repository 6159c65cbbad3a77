// SPDX-License-Identifier: Apache-2.0
// Host provenance (METHODOLOGY DI-4, DI-7, IN-7): host facts from /proc and /sys, the
// environment allowlist with redaction, UTC timestamps and safe file-name parts.
#pragma once

#include <gpb/result/schema.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace gpb {

/// Reads host facts; any unreadable item stays empty/0. `root` prefixes /proc and /sys paths
/// (tests point it at a fixture tree).
HostInfo collect_host_info(const std::string& root = "");

/// MemAvailable from <root>/proc/meminfo in bytes; nullopt when it cannot be read.
std::optional<std::uint64_t> read_mem_available(const std::string& root = "");

/// The first line of a (sysfs, procfs) file without trailing whitespace; nullopt when the file
/// cannot be read or is empty.
std::optional<std::string> read_first_line(const std::string& path);

/// Allowlisted variables only: CUDA_*, NCCL_*, OMP_*, OMPI_COMM_WORLD_*, PMIX_RANK, SLURM_JOB_ID...
/// Values of names containing TOKEN, SECRET, PASSWORD, KEY or CREDENTIAL are "<redacted>".
std::map<std::string, std::string> allowlisted_env(const char* const* envp);

/// Keeps [A-Za-z0-9._-], replaces the rest with '_'; never returns "", "." or "..".
std::string sanitize_filename_part(std::string_view text);

/// Current UTC time as ISO-8601 ("2026-11-26T20:01:02Z"); `compact` gives "20261126T200102Z".
std::string utc_now_iso8601(bool compact = false);

/// A random 16-hex-digit id (run ids, default seeds).
std::uint64_t random_u64();

}  // namespace gpb
