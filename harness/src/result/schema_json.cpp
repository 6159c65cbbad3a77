// SPDX-License-Identifier: Apache-2.0
// Result files (METHODOLOGY DI-1..3, IN-2): JSON text in and out, with the parser's limits
// (nlohmann parser callback for depth, duplicate keys and string length; line:column in every
// error), atomic file writes and the integrity sidecar. The record <-> document mapping is
// result_json_write.cpp and result_json_read.cpp, driven by the field lists in result_fields.hpp.
#include <gpb/common/sha256.hpp>
#include <gpb/result/schema_json.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include "result_json.hpp"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gpb {
namespace {

namespace fs = std::filesystem;
using result_json::Json;
using result_json::OJson;
using result_json::quote;

/// "64 MiB" for round limits, else bytes.
std::string format_limit(std::uintmax_t bytes) {
  if (bytes != 0 && bytes % (1u << 20) == 0) {
    return std::to_string(bytes >> 20) + " MiB";
  }
  if (bytes != 0 && bytes % (1u << 10) == 0) {
    return std::to_string(bytes >> 10) + " KiB";
  }
  return std::to_string(bytes) + " bytes";
}

// ---------------------------------------------------------------------------------------------
// Parsing with limits.

/// "origin:line:col: " for a 1-based byte count as nlohmann reports it (parse_error::byte:
/// the number of bytes read, the offending one included). Columns count bytes.
std::string location(const std::string& origin, const std::string& text, std::size_t byte) {
  const std::size_t index = std::min(byte > 0 ? byte - 1 : 0, text.size());
  const auto begin = text.begin();
  const auto line = 1 + std::count(begin, begin + static_cast<std::ptrdiff_t>(index), '\n');
  const auto nl = index == 0 ? std::string::npos : text.rfind('\n', index - 1);
  const std::size_t col = nl == std::string::npos ? index + 1 : index - nl;
  return origin + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
}

/// A limit violation found by the parser callback, at `byte` (same convention as nlohmann).
struct Rejection {
  std::string message;
  std::size_t byte;
};

/// Input iterator over the text that records how far the lexer has read, so the parser
/// callback (which gets no position) can report line:column.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* p, const char* base, std::size_t* consumed)
      : p_(p), base_(base), consumed_(consumed) {}
  reference operator*() const { return *p_; }
  CountingIterator& operator++() {
    ++p_;
    *consumed_ = static_cast<std::size_t>(p_ - base_);
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const CountingIterator& o) const { return p_ == o.p_; }
  bool operator!=(const CountingIterator& o) const { return p_ != o.p_; }

 private:
  const char* p_;
  const char* base_;
  std::size_t* consumed_;
};

/// nlohmann's what() is "[json.exception.parse_error.101] parse error at line L, column C: msg";
/// keep only msg since we print our own location.
std::string parse_error_detail(const std::string& what) {
  const auto col = what.find("column ");
  if (col != std::string::npos) {
    const auto colon = what.find(": ", col);
    if (colon != std::string::npos) {
      return what.substr(colon + 2);
    }
  }
  return what;
}

Json parse_limited(const std::string& text, const std::string& origin, const InputLimits& limits) {
  if (text.size() > limits.max_file_bytes) {
    throw InputError(origin + ": input is " + std::to_string(text.size()) + " bytes, over the " +
                     format_limit(limits.max_file_bytes) + " limit");
  }
  // nlohmann skips a BOM silently; we never write one, so one means the file was edited or
  // produced by something else. Rejecting is the simpler, stricter contract (IN-2).
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) {
    throw InputError(location(origin, text, 1) +
                     "file starts with a UTF-8 byte order mark (BOM); result files are UTF-8 "
                     "without one");
  }
  // nlohmann treats a NUL outside strings as end of input and would ignore what follows.
  if (const auto nul = text.find('\0'); nul != std::string::npos) {
    throw InputError(location(origin, text, nul + 1) + "NUL byte in input");
  }

  std::size_t consumed = 0;
  std::vector<std::set<std::string, std::less<>>> open_objects;  // keys seen, per open object
  auto reject = [&](std::string message) { throw Rejection{std::move(message), consumed}; };
  auto check_length = [&](const std::string& s, const char* what) {
    if (s.size() > limits.max_string_bytes) {
      reject(std::string(what) + " of " + std::to_string(s.size()) + " bytes exceeds the " +
             format_limit(limits.max_string_bytes) + " limit");
    }
  };
  const Json::parser_callback_t callback =
      [&](int depth, Json::parse_event_t event, Json& parsed) -> bool {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        // `depth` counts the containers already open; this one makes depth + 1.
        if (depth + 1 > limits.max_depth) {
          reject("nesting deeper than " + std::to_string(limits.max_depth) + " levels");
        }
        if (event == Json::parse_event_t::object_start) {
          open_objects.emplace_back();
        }
        break;
      case Json::parse_event_t::object_end:
        open_objects.pop_back();
        break;
      case Json::parse_event_t::key: {
        const auto& key = parsed.get_ref<const std::string&>();
        check_length(key, "key");
        // nlohmann keeps the last duplicate silently; a result must not be ambiguous.
        if (!open_objects.back().insert(key).second) {
          reject("duplicate key " + quote(key));
        }
        break;
      }
      case Json::parse_event_t::value:
        if (parsed.is_string()) {
          check_length(parsed.get_ref<const std::string&>(), "string");
        } else if (parsed.is_number_float() && !std::isfinite(parsed.get<double>())) {
          // nlohmann 3.11 throws out_of_range 406 for 1e400; other versions hand over inf.
          reject("number out of range (does not fit a finite double)");
        }
        break;
      case Json::parse_event_t::array_end:
        break;
    }
    return true;
  };

  const CountingIterator first(text.data(), text.data(), &consumed);
  const CountingIterator last(text.data() + text.size(), text.data(), &consumed);
  try {
    return Json::parse(first,
                       last,
                       callback,
                       /*allow_exceptions=*/true,
                       /*ignore_comments=*/false);
  } catch (const Rejection& r) {
    throw InputError(location(origin, text, r.byte) + r.message);
  } catch (const Json::parse_error& e) {
    throw InputError(location(origin, text, e.byte) + parse_error_detail(e.what()));
  } catch (const Json::exception& e) {
    // E.g. out_of_range 406 "number overflow parsing '1e400'": no byte offset of its own, but
    // the lexer has just read the offending token.
    std::string what = e.what();
    if (what.rfind("[json.exception.", 0) == 0 && what.find("] ") != std::string::npos) {
      what = what.substr(what.find("] ") + 2);
    }
    throw InputError(location(origin, text, consumed) + what);
  }
}

// ---------------------------------------------------------------------------------------------
// Files.

[[noreturn]] void throw_errno(const std::string& what, const std::string& path, int err) {
  throw std::runtime_error(what + " " + path + ": " + std::generic_category().message(err));
}

/// Reads at most cap + 1 bytes (so callers can tell "over the cap"); false with errno on error.
bool read_capped(const std::string& path, std::uintmax_t cap, std::string& out, int& err) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
    return false;
  }
  out.clear();
  char buf[1 << 16];
  while (out.size() <= cap) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      err = errno;
      ::close(fd);
      return false;
    }
    if (n == 0) {
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return true;
}

/// Mode a plain open(O_CREAT, 0666) would give; mkstemp's 0600 would make results private.
mode_t default_file_mode() {
  mode_t mask = 022;
  // Read, not set: umask() would race with other threads creating files.
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Umask:", 0) == 0) {
      mask = static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
      break;
    }
  }
  return 0666 & ~mask;
}

/// The temp file: closed and unlinked on every failure path.
class TempFile {
 public:
  TempFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  TempFile(TempFile&&) = delete;
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    if (!path_.empty()) {
      ::unlink(path_.c_str());
    }
  }
  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  void close() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
      throw_errno("cannot close", path_, errno);
    }
  }
  /// The file now has its final name (or is gone): nothing to remove.
  void release() { path_.clear(); }

 private:
  std::string path_;
  int fd_;
};

void fsync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    throw_errno("cannot open directory for fsync", dir, errno);
  }
  // Some file systems cannot sync directories (EINVAL): the rename is still atomic there.
  if (::fsync(fd) != 0 && errno != EINVAL) {
    const int err = errno;
    ::close(fd);
    throw_errno("cannot fsync directory", dir, err);
  }
  ::close(fd);
}

/// Moves tmp to target without ever replacing an existing target.
void publish_no_replace(const TempFile& tmp, const std::string& target) {
  if (::renameat2(AT_FDCWD, tmp.path().c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0) {
    return;
  }
  int err = errno;
  if (err == EINVAL || err == ENOSYS || err == EOPNOTSUPP) {
    // File system without RENAME_NOREPLACE: link() fails atomically with EEXIST as well.
    if (::link(tmp.path().c_str(), target.c_str()) == 0) {
      ::unlink(tmp.path().c_str());  // failure only leaves a stray temp next to a complete file
      return;
    }
    err = errno;
  }
  if (err == EEXIST) {
    throw FileExistsError(target + ": file exists (not overwritten)");
  }
  throw_errno("cannot rename " + tmp.path() + " to", target, err);
}

void write_atomic(const fs::path& path,
                  const std::string& text,
                  bool overwrite,
                  const std::function<void(const std::string& tmp_path)>& verify) {
  const std::string target = path.string();
  if (!path.has_filename()) {
    throw std::runtime_error("cannot write " + target + ": not a file name");
  }
  struct stat st {};
  // Early check so we do not write a large file only to refuse it; publish_no_replace closes
  // the race with a concurrent writer.
  if (!overwrite && ::lstat(target.c_str(), &st) == 0) {
    throw FileExistsError(target + ": file exists (not overwritten)");
  }
  const std::string dir = path.has_parent_path() ? path.parent_path().string() : ".";
  if (::stat(dir.c_str(), &st) != 0) {
    throw_errno("cannot write to directory", dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    throw_errno("cannot write to directory", dir, ENOTDIR);
  }

  std::string name = (fs::path(dir) / ("." + path.filename().string() + ".tmp.XXXXXX")).string();
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);  // mkstemp + close-on-exec
  if (fd < 0) {
    throw_errno("cannot create temporary file", name, errno);
  }
  TempFile tmp(name, fd);
  if (::fchmod(fd, default_file_mode()) != 0) {
    throw_errno("cannot chmod", tmp.path(), errno);
  }
  const char* data = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_errno("cannot write", tmp.path(), errno);
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    throw_errno("cannot fsync", tmp.path(), errno);
  }
  tmp.close();
  if (verify) {
    verify(tmp.path());
  }
  if (overwrite) {
    if (::rename(tmp.path().c_str(), target.c_str()) != 0) {
      throw_errno("cannot rename " + tmp.path() + " to", target, errno);
    }
  } else {
    publish_no_replace(tmp, target);
  }
  tmp.release();
  fsync_directory(dir);
}

}  // namespace

std::string to_json_text(const RunRecord& record) {
  const OJson j = result_json::write_record(record);
  try {
    return j.dump(2, ' ', false, OJson::error_handler_t::strict) + "\n";
  } catch (const OJson::type_error& e) {  // invalid UTF-8 we failed to catch with a path
    throw std::invalid_argument(std::string("cannot serialize result: ") + e.what());
  }
}

RunRecord parse_run(const std::string& text, const std::string& origin, const InputLimits& limits) {
  const Json doc = parse_limited(text, origin, limits);
  return result_json::read_record(origin, doc);
}

RunRecord load_run(const std::filesystem::path& path, const InputLimits& limits) {
  const std::string origin = path.string();
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) {
    throw InputError(origin + ": cannot open: " + ec.message());
  }
  if (size > limits.max_file_bytes) {
    throw InputError(origin + ": file is " + std::to_string(size) + " bytes, over the " +
                     format_limit(limits.max_file_bytes) + " limit");
  }
  std::string text;
  int err = 0;
  if (!read_capped(origin, limits.max_file_bytes, text, err)) {
    throw InputError(origin + ": cannot open: " + std::generic_category().message(err));
  }
  // parse_run re-checks the size: the file may have grown since file_size().
  return parse_run(text, origin, limits);
}

void save_run_atomic(const RunRecord& record, const std::filesystem::path& path, bool overwrite) {
  const std::string text = to_json_text(record);
  // DI-2: what is about to get the final name must read back as a valid result.
  auto verify = [&text](const std::string& tmp_path) {
    std::string back;
    int err = 0;
    const InputLimits limits;
    if (!read_capped(tmp_path, limits.max_file_bytes, back, err)) {
      throw_errno("cannot read back", tmp_path, err);
    }
    if (back != text) {
      throw std::runtime_error("read-back of " + tmp_path + " differs from what was written");
    }
    try {
      (void)parse_run(back, tmp_path, limits);
    } catch (const InputError& e) {
      throw std::runtime_error(std::string("written result does not re-parse, not saved: ") +
                               e.what());
    }
  };
  write_atomic(path, text, overwrite, verify);
}

void write_file_atomic(const std::filesystem::path& path, const std::string& text, bool overwrite) {
  write_atomic(path, text, overwrite, nullptr);
}

namespace {
constexpr const char* kSidecarTag = "sha256-canonical-json";

std::string read_whole(const std::filesystem::path& path) {
  std::string text;
  int err = 0;
  const InputLimits limits;
  if (!read_capped(path.string(), limits.max_file_bytes, text, err)) {
    throw InputError(path.string() + ": cannot open: " + std::generic_category().message(err));
  }
  return text;
}
}  // namespace

std::string canonical_sha256(const std::string& text, const std::string& origin) {
  // nlohmann::json keeps object keys in a std::map: dump() without indent is the sorted,
  // whitespace-free form.
  const Json doc = parse_limited(text, origin, InputLimits{});
  return sha256_hex(doc.dump(-1, ' ', false, Json::error_handler_t::strict));
}

std::filesystem::path integrity_sidecar_path(const std::filesystem::path& result_path) {
  return std::filesystem::path(result_path.string() + ".sha256");
}

void write_integrity_sidecar(const std::filesystem::path& result_path) {
  const std::string hex = canonical_sha256(read_whole(result_path), result_path.string());
  write_file_atomic(
      integrity_sidecar_path(result_path),
      std::string(kSidecarTag) + " " + hex + " " + result_path.filename().string() + "\n",
      true);
}

IntegrityCheck check_integrity(const std::filesystem::path& result_path) {
  const auto sidecar = integrity_sidecar_path(result_path);
  std::error_code ec;
  if (!std::filesystem::exists(sidecar, ec)) {
    return {Integrity::no_sidecar, ""};
  }
  std::string line;
  try {
    line = read_whole(sidecar);
  } catch (const InputError& e) {
    return {Integrity::bad_sidecar, e.what()};
  }
  std::istringstream in(line);
  std::string tag, want;
  in >> tag >> want;
  const bool hex_ok = want.size() == 64 && std::all_of(want.begin(), want.end(), [](char c) {
                        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                      });
  if (tag != kSidecarTag || !hex_ok) {
    return {Integrity::bad_sidecar,
            sidecar.string() + ": expected \"" + kSidecarTag + " <64 hex digits> <file>\""};
  }
  const std::string got = canonical_sha256(read_whole(result_path), result_path.string());
  if (got != want) {
    return {Integrity::modified,
            result_path.string() + ": modified after generation (canonical SHA-256 " +
                got.substr(0, 12) + "..., its sidecar says " + want.substr(0, 12) + "...)"};
  }
  return {Integrity::verified, ""};
}

}  // namespace gpb
