// SPDX-License-Identifier: Apache-2.0
// Reading and writing result files (METHODOLOGY DI-1..3, IN-2). The only JSON entry points;
// <nlohmann/json.hpp> stays inside harness/src (DESIGN §9).
#pragma once

#include <gpb/result/schema.hpp>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace gpb {

/// Bad input file: the message names the file and, where known, line:column and field.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The target exists and overwrite was not asked for.
class FileExistsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Limits for untrusted input (IN-2).
struct InputLimits {
  std::uintmax_t max_file_bytes = 64ull << 20;
  int max_depth = 64;
  std::size_t max_string_bytes = 1u << 20;
};

/// Serializes to strict JSON text (2-space indent). Throws std::invalid_argument naming the
/// field when any number is NaN or infinite (DI-2).
std::string to_json_text(const RunRecord& record);

/// Parses strict JSON text. `origin` names the source in error messages.
/// Throws InputError: syntax (with line:column), depth > limit, duplicate keys, NaN literals,
/// wrong types, missing required fields, unknown status names, schema name mismatch, or an
/// unknown MAJOR version ("... schema version 2.0 is newer than this gpubench (reads 1.x)").
RunRecord parse_run(const std::string& text,
                    const std::string& origin,
                    const InputLimits& limits = {});

/// Reads and parses a file (size checked before reading).
RunRecord load_run(const std::filesystem::path& path, const InputLimits& limits = {});

/// Atomic write (DI-1): temp file in the target directory, write, fsync, rename, fsync the
/// directory. Before the rename the text is re-parsed (DI-2). Throws FileExistsError when the
/// target exists and !overwrite; std::runtime_error (with errno text) on I/O failure, after
/// removing the temp file. Never leaves a truncated target.
void save_run_atomic(const RunRecord& record, const std::filesystem::path& path, bool overwrite);

/// DI-5 corruption evidence: SHA-256 of the document's canonical form (keys sorted, no
/// whitespace), so reformatting does not count as a change and any edit of a value does.
/// Detects corruption, not forgery. Throws InputError when `text` is not valid JSON.
std::string canonical_sha256(const std::string& text, const std::string& origin);

/// "<result>.sha256": "sha256-canonical-json <hex> <file name>\n".
std::filesystem::path integrity_sidecar_path(const std::filesystem::path& result_path);
/// Hashes the file as written and saves its sidecar atomically (replacing an old one).
void write_integrity_sidecar(const std::filesystem::path& result_path);

enum class Integrity {
  no_sidecar,   ///< nothing to check against (files from before 1.1, or copied alone)
  verified,     ///< the canonical hash matches
  modified,     ///< it does not: the document changed after it was written
  bad_sidecar,  ///< the sidecar is not in the expected format
};
struct IntegrityCheck {
  Integrity status = Integrity::no_sidecar;
  std::string detail;  ///< for modified / bad_sidecar
};
/// Compares a result file with its sidecar, if it has one. Never throws for a bad sidecar;
/// throws InputError when the result file itself cannot be read or parsed.
IntegrityCheck check_integrity(const std::filesystem::path& result_path);

/// Writes arbitrary text atomically with the same guarantees (used for logs and reports).
void write_file_atomic(const std::filesystem::path& path, const std::string& text, bool overwrite);

}  // namespace gpb
