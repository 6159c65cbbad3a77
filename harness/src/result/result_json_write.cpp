// SPDX-License-Identifier: Apache-2.0
// RunRecord -> JSON document (METHODOLOGY DI-2): put() for each type of the encoding rules in
// result_json.hpp, and write_record, which walks the field lists of result_fields.hpp. Every
// error names the field path, e.g. "results[2].metrics[1].value".
#include <gpb/common/text.hpp>
#include <gpb/result/metric_role.hpp>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "result_fields.hpp"
#include "result_json.hpp"

namespace gpb::result_json {
namespace {

/// Largest integer every JSON reader (doubles) holds exactly; beyond it we write strings (DI-2).
constexpr std::uint64_t kMaxExactInt = 1ull << 53;

OJson put(const Path& p, double v) {
  if (!std::isfinite(v)) {
    const char* what = std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf");
    throw std::invalid_argument(p.str() + " is " + what +
                                " (result files hold finite numbers only)");
  }
  return OJson(v);
}

OJson put(const Path& p, const std::string& s) {
  // nlohmann's dump() would throw on these too, but without a path.
  if (const auto at = first_invalid_utf8(s); at != std::string_view::npos) {
    throw std::invalid_argument(p.str() + " is not valid UTF-8 (byte " + std::to_string(at) + ")");
  }
  return OJson(s);
}

OJson put(const Path& /*p*/, bool v) {
  return OJson(v);
}

OJson put(const Path& /*p*/, int v) {
  return OJson(v);
}

// Integers beyond 2^53 become decimal strings so double-based readers (Python's json is fine,
// JavaScript and jq are not) never round them silently (DI-2).
OJson put(const Path& /*p*/, std::uint64_t v) {
  return v > kMaxExactInt ? OJson(std::to_string(v)) : OJson(v);
}

OJson put(const Path& /*p*/, std::int64_t v) {
  const bool exact =
      v >= -static_cast<std::int64_t>(kMaxExactInt) && v <= static_cast<std::int64_t>(kMaxExactInt);
  return exact ? OJson(v) : OJson(std::to_string(v));
}

OJson put(const Path& /*p*/, Status s) {
  return OJson(std::string(to_string(s)));
}

OJson put(const Path& /*p*/, CheckStatus s) {
  return OJson(std::string(to_string(s)));
}

OJson put(const Path& p, const MetricRole& role) {
  return put(p, to_string(role));
}

/// One `params` entry.
OJson put(const Path& p, const std::pair<std::string, std::string>& kv) {
  return OJson::array({put(p.index(0), kv.first), put(p.index(1), kv.second)});
}

// A struct (defined below). Declared here because Path lives in result_json.hpp, outside this
// file's anonymous namespace, so argument-dependent lookup does not find it for the templates.
template <class T>
OJson put(const Path& p, const T& x);

template <class T>
OJson put(const Path& p, const std::optional<T>& v) {
  return v ? put(p, *v) : OJson(nullptr);
}

template <class T>
OJson put(const Path& p, const std::vector<T>& v) {
  OJson out = OJson::array();
  out.get_ref<OJson::array_t&>().reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.push_back(put(p.index(i), v[i]));
  }
  return out;
}

template <class T>
OJson put(const Path& p, const std::map<std::string, T>& m) {
  OJson out = OJson::object();
  for (const auto& [k, v] : m) {
    const Path kp = p.child(k);
    put(kp, k);  // validates the key
    out[k] = put(kp, v);
  }
  return out;
}

/// The visitor a field list calls when writing: one key per field, in list order.
class ObjectWriter {
 public:
  ObjectWriter(const Path& p, OJson& out) : p_(p), out_(out) {}
  template <class T>
  void operator()(const char* key, const T& value) {
    out_[key] = put(p_.child(key), value);
  }
  /// The writer always produces the newest minor: every field.
  template <class T>
  void since(int /*minor*/, const char* key, const T& value) {
    (*this)(key, value);
  }

 private:
  Path p_;
  OJson& out_;
};

/// Adds the fields of `x` to the object `out`.
template <class T>
void put_fields(const Path& p, const T& x, OJson& out) {
  ObjectWriter w(p, out);
  fields(w, const_cast<T&>(x));  // the lists take T& to serve the reader too; nothing is written
}

/// A struct with a field list (result_fields.hpp). A field of a type with no overload above
/// lands here too and fails to compile (no `fields` for it) rather than being converted.
template <class T>
OJson put(const Path& p, const T& x) {
  OJson out = OJson::object();
  put_fields(p, x, out);
  return out;
}
}  // namespace

OJson write_record(const RunRecord& record) {
  const Path root;
  OJson j = OJson::object();
  // Always the version this writer produces: the structs hold exactly that shape, whatever
  // version the record was read from.
  OJson schema = OJson::object();
  schema["name"] = kResultSchema.name;
  schema["version"] = version_string(kResultSchema.major, kResultSchema.minor);
  j["schema"] = std::move(schema);
  put_fields(root, record, j);
  return j;
}

}  // namespace gpb::result_json
