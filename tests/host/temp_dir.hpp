// SPDX-License-Identifier: Apache-2.0
// A unique temporary folder for one test (mkdtemp: safe under parallel ctest), removed with
// everything in it when the test ends. Shared by the host and pipeline tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <stdlib.h>

namespace gpb::test {

class TempDir {
 public:
  /// `tag` only makes the folder name easier to recognise.
  explicit TempDir(const std::string& tag = "") {
    std::string templ =
        (std::filesystem::temp_directory_path() / ("gpb_test" + tag + "_XXXXXX")).string();
    if (mkdtemp(templ.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed for " + templ);
    }
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  /// Writes `text` byte for byte to `name` inside the folder and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    const std::filesystem::path p = path_ / name;
    std::ofstream out(p, std::ios::binary);
    out << text;
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace gpb::test
