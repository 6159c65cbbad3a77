// SPDX-License-Identifier: Apache-2.0
// The GPU alias table (METHODOLOGY §2.6, DI-8, IN-3): loading and validating data/gpu_aliases.csv,
// and the scoped resolution of device and offer names to canonical models. The format is
// documented in data/README.md; every rejection names file:line:column.
#include <gpb/common/csv.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/value/prices.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "prices_internal.hpp"

namespace gpb {
namespace {

using prices_detail::has_control_char;
using prices_detail::number_for_message;

// Per-GPU memory as sources list it (GiB, or GB as marketed) agrees with a model's marketed
// GB within this fraction: 80 GB H100 = 79.6 GiB, 24 GB A10G = 22.4 GiB, 288 GB B300 = 268.6
// GiB all pass, while 80 vs 94 GB (H100 SXM vs NVL) and 40 vs 80 GB do not.
constexpr double kMemoryTolerance = 0.12;

const std::vector<std::string_view> kFormFactors = {"SXM", "PCIe", "NVL", "superchip"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// '*' matches any run of characters (including none); everything else matches itself.
bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;
  std::size_t mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

bool memory_matches(double memory_gib, double model_gb) {
  return model_gb > 0 && std::fabs(memory_gib - model_gb) <= kMemoryTolerance * model_gb;
}

// Candidates of one scope -> a resolution. `check_single` applies the memory check to a lone
// candidate too (unscoped and provider-scoped rules).
ModelResolution pick(const AliasTable& table,
                     const std::vector<const GpuAlias*>& rules,
                     const std::vector<const GpuModel*>& key_matches,
                     std::string_view scope,
                     std::optional<double> memory_gib,
                     bool check_single) {
  ModelResolution r;
  std::vector<const GpuModel*> candidates = key_matches;
  for (const GpuAlias* rule : rules) {
    if (rule->model_key.empty()) {
      r.reason =
          "ambiguous" + (scope.empty() ? "" : " " + std::string(scope)) + ": " + rule->source;
      return r;
    }
    const GpuModel* m = table.find(rule->model_key);
    if (m != nullptr && std::find(candidates.begin(), candidates.end(), m) == candidates.end()) {
      candidates.push_back(m);
    }
  }
  const bool memory_known = memory_gib && *memory_gib > 0;
  if (memory_known && (candidates.size() > 1 || check_single)) {
    std::vector<const GpuModel*> kept;
    std::string all;
    for (const GpuModel* m : candidates) {
      all += (all.empty() ? "" : ", ") + m->key;
      if (memory_matches(*memory_gib, m->memory_gb)) {
        kept.push_back(m);
      }
    }
    if (kept.empty()) {
      r.reason = "per-GPU memory " + number_for_message(*memory_gib) + " GiB matches none of " +
                 all + (scope.empty() ? "" : " " + std::string(scope));
      return r;
    }
    candidates = kept;
  }
  if (candidates.size() == 1) {
    r.model_key = candidates.front()->key;
    return r;
  }
  std::string all;
  for (const GpuModel* m : candidates) {
    all += (all.empty() ? "" : ", ") + m->key;
  }
  r.reason = "ambiguous" + (scope.empty() ? "" : " " + std::string(scope)) + " (" + all + ")" +
             (memory_known ? "" : "; the source gives no per-GPU memory to choose by");
  return r;
}

}  // namespace

std::string normalise_gpu_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == ' ' || c == '-' || c == '_') {
      continue;
    }
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

const GpuModel* AliasTable::find(std::string_view key) const {
  for (const GpuModel& m : models) {
    if (m.key == key) {
      return &m;
    }
  }
  return nullptr;
}

namespace {

const std::vector<std::string_view> kAliasColumns = {"kind",
                                                     "name",
                                                     "model_key",
                                                     "provider",
                                                     "instance_type",
                                                     "family",
                                                     "memory_gb",
                                                     "form_factor",
                                                     "spec_model",
                                                     "source"};

bool is_model_key(std::string_view key) {
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
}

// Checks that hold for every row, model or alias.
void check_alias_table_row(const CsvTable& t, std::size_t r) {
  for (const std::string& column : t.header) {
    if (has_control_char(csv_text(t, r, column))) {
      csv_fail(t, r, column, "contains a control character");
    }
  }
  if (csv_text(t, r, "source").empty()) {
    csv_fail(t, r, "source", "empty (every model and alias says where it comes from)");
  }
}

// A `model` row; `model_norm` (normalised key -> row) catches a key defined twice.
GpuModel read_model_row(const CsvTable& t,
                        std::size_t r,
                        std::map<std::string, std::size_t>& model_norm) {
  GpuModel m;
  m.key = csv_text(t, r, "model_key");
  m.family = csv_text(t, r, "family");
  m.form_factor = csv_text(t, r, "form_factor");
  m.spec_model = csv_text(t, r, "spec_model");
  m.source = csv_text(t, r, "source");
  if (m.key.empty()) {
    csv_fail(t, r, "model_key", "empty (a model row defines a key)");
  }
  if (!is_model_key(m.key)) {
    csv_fail(t, r, "model_key", "'" + quote_for_message(m.key) + "' is not [A-Za-z0-9.-]+");
  }
  for (const char* column : {"name", "provider", "instance_type"}) {
    if (!csv_text(t, r, column).empty()) {
      csv_fail(t, r, column, "must be empty on a model row");
    }
  }
  if (m.family.empty()) {
    csv_fail(t, r, "family", "empty (required on a model row)");
  }
  m.memory_gb = csv_number(t, r, "memory_gb");
  if (!(m.memory_gb > 0)) {
    csv_fail(t, r, "memory_gb", "must be > 0");
  }
  if (std::find(kFormFactors.begin(), kFormFactors.end(), m.form_factor) == kFormFactors.end()) {
    csv_fail(t,
             r,
             "form_factor",
             "'" + quote_for_message(m.form_factor) + "' is not one of SXM, PCIe, NVL, superchip");
  }
  const auto [it, fresh] = model_norm.emplace(normalise_gpu_name(m.key), r);
  if (!fresh) {
    csv_fail(
        t,
        r,
        "model_key",
        "model '" + m.key + "' already defined on line " + std::to_string(t.row_lines[it->second]));
  }
  return m;
}

// An `alias` row; its model_key is checked against the models once all are read.
GpuAlias read_alias_row(const CsvTable& t, std::size_t r) {
  GpuAlias a;
  a.name = csv_text(t, r, "name");
  a.model_key = csv_text(t, r, "model_key");
  a.provider = csv_text(t, r, "provider");
  a.instance_type = csv_text(t, r, "instance_type");
  a.source = csv_text(t, r, "source");
  a.origin = t.origin + ":" + std::to_string(t.row_lines[r]);
  if (a.name.empty()) {
    csv_fail(t, r, "name", "empty (an alias row maps a name)");
  }
  if (normalise_gpu_name(a.name).empty()) {
    csv_fail(t, r, "name", "has nothing but spaces, '-' and '_'");
  }
  if (!a.instance_type.empty() && a.provider.empty()) {
    csv_fail(t, r, "provider", "empty, but instance_type is set (scope it to a provider)");
  }
  if (a.provider != lower(a.provider)) {
    csv_fail(t, r, "provider", "must be lower-case");
  }
  for (const char* column : {"family", "memory_gb", "form_factor", "spec_model"}) {
    if (!csv_text(t, r, column).empty()) {
      csv_fail(t, r, column, "must be empty on an alias row");
    }
  }
  return a;
}

// References and conflicts, checked once every model is known.
void check_alias_rules(const AliasTable& table) {
  std::map<std::tuple<std::string, std::string, std::string>, const GpuAlias*> scopes;
  std::set<std::tuple<std::string, std::string, std::string, std::string>> rules;
  for (const GpuAlias& a : table.aliases) {
    if (!a.model_key.empty() && table.find(a.model_key) == nullptr) {
      throw InputError(a.origin + ": column 'model_key': '" + quote_for_message(a.model_key) +
                       "' is not a model defined in this file");
    }
    const auto scope = std::make_tuple(normalise_gpu_name(a.name), a.provider, a.instance_type);
    if (!rules.emplace(std::get<0>(scope), a.provider, a.instance_type, a.model_key).second) {
      throw InputError(a.origin + ": column 'name': duplicate rule for '" +
                       quote_for_message(a.name) + "' (after normalisation)");
    }
    const auto [it, fresh] = scopes.emplace(scope, &a);
    if (!fresh && (a.model_key.empty() || it->second->model_key.empty())) {
      throw InputError(a.origin + ": column 'model_key': '" + quote_for_message(a.name) +
                       "' is marked ambiguous and mapped in the same scope (see " +
                       it->second->origin + ")");
    }
  }
}

}  // namespace

AliasTable load_alias_table(const std::filesystem::path& path) {
  const CsvTable t = read_csv_file(path.string());
  csv_require_columns(t, kAliasColumns, {}, false);
  AliasTable table;
  std::map<std::string, std::size_t> model_norm;  // normalised key -> row
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const std::string kind = csv_text(t, r, "kind");
    check_alias_table_row(t, r);
    if (kind == "model") {
      table.models.push_back(read_model_row(t, r, model_norm));
    } else if (kind == "alias") {
      table.aliases.push_back(read_alias_row(t, r));
    } else {
      csv_fail(t, r, "kind", "'" + quote_for_message(kind) + "' is not model or alias");
    }
  }
  check_alias_rules(table);
  return table;
}

std::optional<std::string> resolve_model(const AliasTable& table,
                                         std::string_view name,
                                         std::optional<double> memory_gib) {
  const std::string norm = normalise_gpu_name(name);
  if (norm.empty()) {
    return std::nullopt;
  }
  std::vector<const GpuAlias*> rules;
  for (const GpuAlias& a : table.aliases) {
    if (a.provider.empty() && normalise_gpu_name(a.name) == norm) {
      rules.push_back(&a);
    }
  }
  std::vector<const GpuModel*> keys;
  for (const GpuModel& m : table.models) {
    if (normalise_gpu_name(m.key) == norm) {
      keys.push_back(&m);
    }
  }
  if (rules.empty() && keys.empty()) {
    return std::nullopt;
  }
  return pick(table, rules, keys, "", memory_gib, true).model_key;
}

ModelResolution resolve_offer_model(const AliasTable& table,
                                    std::string_view provider,
                                    std::string_view instance_type,
                                    std::string_view gpu_name,
                                    std::optional<double> memory_gib) {
  const std::string norm = normalise_gpu_name(gpu_name);
  const std::string prov = lower(provider);
  ModelResolution none;
  if (norm.empty()) {
    none.reason = "empty GPU name";
    return none;
  }
  std::vector<const GpuAlias*> by_instance;
  std::vector<const GpuAlias*> by_provider;
  std::vector<const GpuAlias*> unscoped;
  for (const GpuAlias& a : table.aliases) {
    if (normalise_gpu_name(a.name) != norm) {
      continue;
    }
    if (a.provider.empty()) {
      unscoped.push_back(&a);
    } else if (a.provider == prov) {
      if (a.instance_type.empty()) {
        by_provider.push_back(&a);
      } else if (glob_match(a.instance_type, instance_type)) {
        by_instance.push_back(&a);
      }
    }
  }
  if (!by_instance.empty()) {
    return pick(table,
                by_instance,
                {},
                "for " + prov + " " + std::string(instance_type),
                memory_gib,
                false);
  }
  if (!by_provider.empty()) {
    return pick(table, by_provider, {}, "for " + prov, memory_gib, true);
  }
  std::vector<const GpuModel*> keys;
  for (const GpuModel& m : table.models) {
    if (normalise_gpu_name(m.key) == norm) {
      keys.push_back(&m);
    }
  }
  if (!unscoped.empty() || !keys.empty()) {
    return pick(table, unscoped, keys, "", memory_gib, true);
  }
  none.reason = "no alias";
  return none;
}

}  // namespace gpb
