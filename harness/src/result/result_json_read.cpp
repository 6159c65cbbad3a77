// SPDX-License-Identifier: Apache-2.0
// JSON document -> RunRecord (METHODOLOGY DI-2, DI-3, IN-2): get() for each type of the encoding
// rules in result_json.hpp (64-bit integers as numbers or decimal strings), the schema check
// that decides how to read the rest, and read_record, which walks the field lists of
// result_fields.hpp. Every error names the field path, e.g. "results[2].metrics[1].value".
#include <gpb/result/metric_role.hpp>
#include <gpb/result/schema_json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "result_fields.hpp"
#include "result_json.hpp"

namespace gpb::result_json {

std::string quote(std::string_view s) {
  constexpr std::size_t kMax = 64;
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  out += s.size() > kMax ? "\"..." : "\"";
  return out;
}

namespace {

struct ReadContext {
  const std::string& origin;
  bool strict_keys;  ///< reject unknown keys (file MINOR <= ours)
  int minor = 0;     ///< the file's schema MINOR: which fields it has
};

[[noreturn]] void fail(const ReadContext& c, const Path& p, const std::string& what) {
  const std::string where = p.str();
  throw InputError(c.origin + ": " + (where.empty() ? "" : where + ": ") + what);
}

[[noreturn]] void fail_type(const ReadContext& c,
                            const Path& p,
                            const char* expected,
                            const Json& j) {
  fail(c, p, std::string("expected ") + expected + ", got " + j.type_name());
}

const Json& expect_object(const ReadContext& c, const Path& p, const Json& j) {
  if (!j.is_object()) {
    fail_type(c, p, "object", j);
  }
  return j;
}

const Json& expect_array(const ReadContext& c, const Path& p, const Json& j) {
  if (!j.is_array()) {
    fail_type(c, p, "array", j);
  }
  return j;
}

void get(const ReadContext& c, const Path& p, const Json& j, std::string& out) {
  if (!j.is_string()) {
    fail_type(c, p, "string", j);
  }
  out = j.get<std::string>();
}

void get(const ReadContext& c, const Path& p, const Json& j, bool& out) {
  if (!j.is_boolean()) {
    fail_type(c, p, "boolean", j);
  }
  out = j.get<bool>();
}

void get(const ReadContext& c, const Path& p, const Json& j, double& out) {
  if (!j.is_number()) {
    fail_type(c, p, "number", j);
  }
  out = j.get<double>();
  if (!std::isfinite(out)) {  // the parser callback already rejects these; belt and braces
    fail(c, p, "number is not finite");
  }
}

/// Signed integer in [lo, hi], from a JSON integer or (for |v| > 2^53) a decimal string.
std::int64_t read_integer(const ReadContext& c,
                          const Path& p,
                          const Json& j,
                          std::int64_t lo,
                          std::int64_t hi,
                          bool allow_string) {
  std::int64_t v = 0;
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(hi)) {
      fail(c, p, "integer " + std::to_string(u) + " out of range");
    }
    v = static_cast<std::int64_t>(u);
  } else if (j.is_number_integer()) {
    v = j.get<std::int64_t>();
  } else if (allow_string && j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    const char* first = s.data();
    const char* last = s.data() + s.size();
    const bool neg = !s.empty() && s[0] == '-';
    const std::size_t digits = s.size() - (neg ? 1 : 0);
    const char lead = digits > 0 ? s[neg ? 1 : 0] : '\0';
    auto [ptr, ec] = std::from_chars(first, last, v);
    // Canonical decimal only: no '+', spaces or leading zeros.
    if (ec != std::errc() || ptr != last || digits == 0 || (lead == '0' && digits > 1)) {
      fail(c, p, "expected a decimal integer string, got " + quote(s));
    }
  } else {
    fail_type(c, p, allow_string ? "integer or decimal string" : "integer", j);
  }
  if (v < lo || v > hi) {
    fail(c, p, "integer " + std::to_string(v) + " out of range");
  }
  return v;
}

void get(const ReadContext& c, const Path& p, const Json& j, int& out) {
  out = static_cast<int>(read_integer(
      c, p, j, std::numeric_limits<int>::min(), std::numeric_limits<int>::max(), false));
}

void get(const ReadContext& c, const Path& p, const Json& j, std::int64_t& out) {
  out = read_integer(c,
                     p,
                     j,
                     std::numeric_limits<std::int64_t>::min(),
                     std::numeric_limits<std::int64_t>::max(),
                     true);
}

void get(const ReadContext& c, const Path& p, const Json& j, std::uint64_t& out) {
  if (j.is_number_unsigned()) {
    out = j.get<std::uint64_t>();
    return;
  }
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || ptr != s.data() + s.size() || s.empty() ||
        (s[0] == '0' && s.size() > 1)) {
      fail(c, p, "expected a decimal unsigned integer string, got " + quote(s));
    }
    return;
  }
  if (j.is_number_integer()) {
    fail(c, p, "integer " + std::to_string(j.get<std::int64_t>()) + " out of range");
  }
  fail_type(c, p, "unsigned integer or decimal string", j);
}

void get(const ReadContext& c, const Path& p, const Json& j, Status& out) {
  std::string name;
  get(c, p, j, name);
  const auto status = status_from_string(name);
  if (!status) {
    fail(c, p, "unknown status " + quote(name));
  }
  out = *status;
}

void get(const ReadContext& c, const Path& p, const Json& j, CheckStatus& out) {
  std::string name;
  get(c, p, j, name);
  const auto status = check_status_from_string(name);
  if (!status) {
    fail(c, p, "unknown check status " + quote(name) + " (ok|warn|fail|unknown)");
  }
  out = *status;
}

void get(const ReadContext& c, const Path& p, const Json& j, MetricRole& out) {
  std::string text;
  get(c, p, j, text);
  if (text.empty()) {
    out = MetricRole{};
    return;
  }
  const auto parsed = parse_metric_role(text);
  if (!parsed) {
    fail(c,
         p,
         "unknown metric role " + quote(text) +
             " (a kind such as \"hbm_triad\", or \"gemm_dense_burst:<dtype>\")");
  }
  out = *parsed;
}

/// One `params` entry.
void get(const ReadContext& c,
         const Path& p,
         const Json& j,
         std::pair<std::string, std::string>& out) {
  if (!j.is_array() || j.size() != 2) {
    fail(c,
         p,
         std::string("expected a [key, value] pair of strings, got ") + j.type_name() +
             (j.is_array() ? " of " + std::to_string(j.size()) + " elements" : ""));
  }
  get(c, p.index(0), j[0], out.first);
  get(c, p.index(1), j[1], out.second);
}

/// A null number says so in its type error ("expected number or null").
void get(const ReadContext& c, const Path& p, const Json& j, std::optional<double>& out) {
  if (j.is_null()) {
    out.reset();
    return;
  }
  if (!j.is_number()) {
    fail_type(c, p, "number or null", j);
  }
  get(c, p, j, out.emplace());
}

template <class T>
void get(const ReadContext& c, const Path& p, const Json& j, std::optional<T>& out) {
  if (j.is_null()) {
    out.reset();
    return;
  }
  get(c, p, j, out.emplace());
}

template <class T>
void get(const ReadContext& c, const Path& p, const Json& j, std::vector<T>& out) {
  const Json& a = expect_array(c, p, j);
  out.clear();
  out.reserve(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    get(c, p.index(i), a[i], out.emplace_back());
  }
}

template <class T>
void get(const ReadContext& c, const Path& p, const Json& j, std::map<std::string, T>& out) {
  out.clear();
  for (const auto& [k, v] : expect_object(c, p, j).items()) {
    get(c, p.child(k), v, out[k]);
  }
}

/// One fixed-shape JSON object, and the visitor a field list calls when reading: required-key
/// lookup and, at the end, the unknown-key check.
class ObjectReader {
 public:
  ObjectReader(const ReadContext& c, const Path& p, const Json& j)
      : c_(c), p_(p), j_(expect_object(c, p, j)) {}

  /// The value at `key`; throws when missing (every field of the file's version is required).
  const Json& at(const char* key) {
    seen_.emplace_back(key);
    const auto it = j_.find(key);
    if (it == j_.end()) {
      fail(c_, p_.child(key), "missing required field");
    }
    return *it;
  }

  template <class T>
  void operator()(const char* key, T& out) {
    get(c_, p_.child(key), at(key), out);
  }
  /// A field added in 1.<minor>: older files do not have it, and `out` keeps its default.
  template <class T>
  void since(int minor, const char* key, T& out) {
    if (c_.minor >= minor) {
      (*this)(key, out);
    }
  }

  /// Rejects keys this version does not define, unless the file is a newer MINOR (DI-3).
  void finish() const {
    if (!c_.strict_keys) {
      return;
    }
    for (const auto& item : j_.items()) {
      if (std::find(seen_.begin(), seen_.end(), item.key()) == seen_.end()) {
        const std::string where = p_.str();
        throw InputError(c_.origin + ": " + (where.empty() ? "top level" : where) +
                         ": unknown field " + quote(item.key()) + " (schema " +
                         version_string(kResultSchema.major, kResultSchema.minor) +
                         " has no such field; unknown fields are accepted only from a newer "
                         "minor version)");
      }
    }
  }

 private:
  const ReadContext& c_;
  Path p_;
  const Json& j_;
  std::vector<std::string_view> seen_;
};

/// A struct with a field list (result_fields.hpp); as for put, any other type fails to compile.
template <class T>
void get(const ReadContext& c, const Path& p, const Json& j, T& out) {
  ObjectReader o(c, p, j);
  fields(o, out);
  o.finish();
}

/// Parses "MAJOR.MINOR" (decimal, no sign); false when malformed.
bool parse_version(const std::string& s, int& major, int& minor) {
  const auto dot = s.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == s.size()) {
    return false;
  }
  auto parse_part = [](const char* first, const char* last, int& out) {
    if (first == last || *first < '0' || *first > '9') {
      return false;
    }
    auto [ptr, ec] = std::from_chars(first, last, out);
    return ec == std::errc() && ptr == last;
  };
  return parse_part(s.data(), s.data() + dot, major) &&
         parse_part(s.data() + dot + 1, s.data() + s.size(), minor);
}

/// The "schema" block, which decides how to read everything else: checks name and MAJOR and
/// sets the context's MINOR and key strictness from it.
SchemaId read_schema(ReadContext& c, const Path& root, const Json& doc) {
  const auto it = doc.find("schema");
  if (it == doc.end()) {
    fail(c, root, "missing \"schema\" (not a gpubench result file?)");
  }
  const Path sp = root.child("schema");
  const Json& sj = expect_object(c, sp, *it);
  const auto name_it = sj.find("name");
  const auto version_it = sj.find("version");
  if (name_it == sj.end()) {
    fail(c, sp.child("name"), "missing required field");
  }
  if (version_it == sj.end()) {
    fail(c, sp.child("version"), "missing required field");
  }
  SchemaId id;
  get(c, sp.child("name"), *name_it, id.name);
  if (id.name != kResultSchema.name) {
    fail(c,
         sp.child("name"),
         "expected " + quote(kResultSchema.name) + ", got " + quote(id.name) +
             " (not a gpubench result file)");
  }
  std::string version;
  get(c, sp.child("version"), *version_it, version);
  if (!parse_version(version, id.major, id.minor)) {
    fail(c, sp.child("version"), "expected \"MAJOR.MINOR\", got " + quote(version));
  }
  const std::string ours = std::to_string(kResultSchema.major) + ".x";
  if (id.major > kResultSchema.major) {
    fail(c,
         sp.child("version"),
         "schema version " + version + " is newer than this gpubench (reads " + ours +
             "); upgrade gpubench to read it");
  }
  if (id.major < kResultSchema.major) {
    fail(c,
         sp.child("version"),
         "schema version " + version + " is older than this gpubench reads (" + ours +
             ") and has no migration");
  }
  // Unknown fields are tolerated only from a newer MINOR, which may add them (DI-3).
  c.strict_keys = id.minor <= kResultSchema.minor;
  c.minor = id.minor;
  ObjectReader so(c, sp, sj);
  so.at("name");
  so.at("version");
  so.finish();
  return id;
}

}  // namespace

RunRecord read_record(const std::string& origin, const Json& doc) {
  ReadContext c{origin, true};
  const Path root;
  if (!doc.is_object()) {
    fail(c, root, std::string("expected a JSON object at top level, got ") + doc.type_name());
  }
  RunRecord r;
  r.schema = read_schema(c, root, doc);
  ObjectReader top(c, root, doc);
  top.at("schema");
  fields(top, r);
  if (r.schema.minor < 2) {
    for (CaseResult& result : r.results) {
      assign_legacy_roles(result);  // roles came with 1.2
    }
  }
  top.finish();
  return r;
}

}  // namespace gpb::result_json
