// SPDX-License-Identifier: Apache-2.0
// Private to the result file code (schema_json.cpp, result_json_write.cpp, result_json_read.cpp):
// the mapping between a RunRecord and its JSON document. One writer (result_json_write.cpp) and
// one reader (result_json_read.cpp) walk the field lists of result_fields.hpp; the encoding of
// each field follows from its C++ type (results/README.md, "Encoding rules"):
//   std::string          a string, valid UTF-8 (checked when writing)
//   double               a finite number
//   int, bool            a number, a boolean
//   int64_t, uint64_t    a number, or a decimal string when above 2^53 in magnitude (DI-2);
//                        the reader takes either form
//   std::optional<T>     T, or null when empty
//   std::vector<T>       an array; std::map<string, T> an object (sorted keys)
//   Params entries       [key, value] string pairs (the order of the case name)
//   Status, CheckStatus, MetricRole   their names
//   a struct             an object with the keys of its field list, in that order
// schema_json.cpp does the text, the limits and the files around it.
#pragma once

#include <gpb/result/schema.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gpb::result_json {

using Json = nlohmann::json;
// Writing keeps declaration order so files read like the structs; reading does not care.
using OJson = nlohmann::ordered_json;

/// The document for `record`, keys in declaration order, always as schema kResultSchema.
/// Throws std::invalid_argument naming the field (`results[3].sample_s[7] is NaN`) for a
/// non-finite number or a string that is not valid UTF-8 (DI-2).
OJson write_record(const RunRecord& record);

/// The record in a parsed document. Throws InputError naming `origin` and the field path:
/// wrong types, missing fields, unknown fields (unless the file is a newer MINOR), unknown
/// status names, or a schema other than gpubench.result 1.x (DI-3).
RunRecord read_record(const std::string& origin, const Json& doc);

/// Quotes untrusted text for an error message: printable ASCII kept, the rest as \xHH, cut
/// at 64 bytes so a hostile 1 MiB key does not become a 4 MiB message.
std::string quote(std::string_view s);

// Shared by the writer and the reader.

/// "MAJOR.MINOR", as the "schema" block holds the version.
inline std::string version_string(int major, int minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

// ---------------------------------------------------------------------------------------------
// Field paths ("results[3].sample_s[7]"), built as a chain on the stack and rendered only when
// an error is reported, so the hot path does not allocate.

class Path {
 public:
  Path() = default;
  [[nodiscard]] Path child(std::string_view key) const {
    Path p;
    p.parent_ = this;
    p.key_ = key;
    return p;
  }
  [[nodiscard]] Path index(std::size_t i) const {
    Path p;
    p.parent_ = this;
    p.index_ = i;
    p.is_index_ = true;
    return p;
  }
  [[nodiscard]] bool is_root() const { return parent_ == nullptr; }
  [[nodiscard]] std::string str() const {
    std::vector<const Path*> chain;
    for (const Path* p = this; p != nullptr && !p->is_root(); p = p->parent_) {
      chain.push_back(p);
    }
    std::string out;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      const Path& p = **it;
      if (p.is_index_) {
        out += '[' + std::to_string(p.index_) + ']';
      } else {
        if (!out.empty()) {
          out += '.';
        }
        out.append(p.key_.data(), p.key_.size());
      }
    }
    return out;
  }

 private:
  const Path* parent_ = nullptr;
  std::string_view key_;
  std::size_t index_ = 0;
  bool is_index_ = false;
};

}  // namespace gpb::result_json
