// SPDX-License-Identifier: Apache-2.0
// SkyPilot catalog (vms.csv) importer: columns by header name for every cloud's header
// variant, availability-zone rows folded into one offer per (instance type, region) at the
// region's minimum price, and the catalog quirks listed in data/README.md (CPU and GPU-only
// rows, "8.0"/fractional counts, 0.00 or spot == on-demand as "no spot", float noise).
#include <gpb/common/csv.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/value/prices.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include <sys/stat.h>

namespace gpb {
namespace {

// Catalog prices carry float noise (0.36979999999999996); 10 significant digits keep every
// real price (quoted to at most 5-6 digits) and drop the noise.
double round_price(double v) {
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 10);
  double out = v;
  std::from_chars(buf, r.ptr, out);
  return out;
}

// Per-GPU memory from GpuInfo, a Python-literal dict ("{'Gpus': [...], 'TotalGpuMemoryInMiB':
// 81559}"). Only the total is read, by substring: the column is not JSON and is not trusted
// for anything else. 0, absent or malformed -> unknown.
std::optional<double> memory_hint_gib(std::string_view gpu_info, double gpu_count) {
  static constexpr std::string_view kKey = "'TotalGpuMemoryInMiB':";
  const std::size_t at = gpu_info.find(kKey);
  if (at == std::string_view::npos || !(gpu_count > 0)) {
    return std::nullopt;
  }
  std::size_t i = at + kKey.size();
  while (i < gpu_info.size() && gpu_info[i] == ' ') {
    ++i;
  }
  double mib = 0;
  const auto r = std::from_chars(gpu_info.data() + i, gpu_info.data() + gpu_info.size(), mib);
  if (r.ec != std::errc() || !(mib > 0) || !std::isfinite(mib)) {
    return std::nullopt;
  }
  return mib / 1024.0 / gpu_count;
}

std::string file_date_utc(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return "unknown";
  }
  std::tm tm{};
  const std::time_t t = st.st_mtime;
  if (::gmtime_r(&t, &tm) == nullptr) {
    return "unknown";
  }
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

bool valid_provider(std::string_view p) {
  if (p.empty() || p.size() > 32) {
    return false;
  }
  return std::all_of(p.begin(), p.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// One catalog row on its way to an offer.
struct RowIn {
  std::size_t row = 0;
  std::string instance;
  std::string accelerator;
  double count = 0;
  std::string region;
  std::string zone;
  std::optional<double> on_demand;
  std::optional<double> spot;
  std::optional<double> memory_gib;
  bool gcp_paired = false;
};

// GCP lists GPU host VMs without their GPUs (AcceleratorName empty; price of the VM alone) and
// the GPUs as rows without an InstanceType. These host families take a fixed GPU (SkyPilot's
// GCP catalog): name and count from the instance name ("a3-highgpu-4g" -> H100 x4).
std::optional<std::pair<std::string, double>> gcp_gpu_host(std::string_view instance) {
  static const std::pair<std::string_view, std::string_view> kFamilies[] = {
      {"a2-highgpu-", "A100"},
      {"a2-megagpu-", "A100"},
      {"a2-ultragpu-", "A100-80GB"},
      {"a3-highgpu-", "H100"},
      {"a3-edgegpu-", "H100"},
      {"a3-megagpu-", "H100-MEGA"},
      {"a3-ultragpu-", "H200"},
      {"a4-highgpu-", "B200"}};
  for (const auto& [prefix, gpu] : kFamilies) {
    if (instance.substr(0, prefix.size()) != prefix) {
      continue;
    }
    std::string_view rest = instance.substr(prefix.size());  // "8g" or "8g-nolssd"
    int n = 0;
    const auto r = std::from_chars(rest.data(), rest.data() + rest.size(), n);
    const std::size_t used = static_cast<std::size_t>(r.ptr - rest.data());
    if (r.ec == std::errc() && n > 0 && used < rest.size() && rest[used] == 'g' &&
        (used + 1 == rest.size() || rest[used + 1] == '-')) {
      return std::make_pair(std::string(gpu), static_cast<double>(n));
    }
    return std::nullopt;
  }
  // g2-standard-N: L4 count by machine size (GCP G2 machine types).
  static const std::pair<std::string_view, double> kG2[] = {{"g2-standard-4", 1},
                                                            {"g2-standard-8", 1},
                                                            {"g2-standard-12", 1},
                                                            {"g2-standard-16", 1},
                                                            {"g2-standard-32", 1},
                                                            {"g2-standard-24", 2},
                                                            {"g2-standard-48", 4},
                                                            {"g2-standard-96", 8}};
  for (const auto& [name, count] : kG2) {
    if (instance == name) {
      return std::make_pair(std::string("L4"), count);
    }
  }
  return std::nullopt;
}

struct Group {
  bool gcp_paired = false;
  std::size_t first_row = 0;
  std::string accelerator;
  double count = 0;
  std::optional<double> memory_gib;
  bool memory_conflict = false;
  std::optional<double> on_demand;
  std::optional<double> spot;
  std::size_t rows = 0;
  bool spot_equal = false;
  bool spot_zero = false;
  bool on_demand_zero = false;
};

}  // namespace

std::string infer_skypilot_provider(const std::filesystem::path& path) {
  const std::string file = path.filename().string();
  std::string provider;
  if (file == "vms.csv") {
    std::filesystem::path parent = path.parent_path();
    if (parent.empty()) {
      parent = std::filesystem::current_path();
    }
    provider = parent.filename().string();
  } else {
    for (std::string_view suffix : {std::string_view("_vms.csv"), std::string_view("-vms.csv")}) {
      if (file.size() > suffix.size() &&
          file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0) {
        provider = file.substr(0, file.size() - suffix.size());
      }
    }
  }
  for (char& c : provider) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  if (!valid_provider(provider)) {
    throw InputError(path.string() +
                     ": cannot tell the cloud from the file name (expected <cloud>/vms.csv or "
                     "<cloud>_vms.csv); pass --provider NAME");
  }
  return provider;
}

SkypilotImport import_skypilot_catalog(const std::filesystem::path& path,
                                       const AliasTable& aliases,
                                       const SkypilotImportOptions& options) {
  std::string provider = options.provider;
  if (provider.empty()) {
    provider = infer_skypilot_provider(path);
  } else if (!valid_provider(provider)) {
    throw InputError("provider '" + quote_for_message(provider) +
                     "' is not a lower-case name ([a-z0-9_-], at most 32 characters)");
  }
  const CsvTable t = read_csv_file(path.string());
  // Every header variant (aws, gcp, lambda/nebius/fluidstack, oci, vast, runpod) has these;
  // vCPUs, MemoryGiB, Arch, disk columns and any new ones are not needed and not checked.
  csv_require_columns(
      t, {"InstanceType", "AcceleratorName", "AcceleratorCount", "Price", "Region"}, {}, true);
  const bool has_spot = t.column("SpotPrice").has_value();
  const std::string source =
      options.source.empty() ? "SkyPilot catalog " + path.filename().string() : options.source;
  const std::string as_of = options.as_of.empty() ? file_date_utc(path) : options.as_of;

  SkypilotImport result;
  SkypilotImportSummary& sum = result.summary;
  std::map<std::pair<std::string, std::string>, Group> groups;  // (instance type, region)

  const auto price = [&](std::size_t r, const char* column) -> std::optional<double> {
    if (csv_text(t, r, column).empty()) {
      return std::nullopt;  // not offered
    }
    const double v = csv_number(t, r, column);
    if (v < 0) {
      csv_fail(t, r, column, "negative price " + csv_number_text(v));
    }
    return round_price(v);
  };

  // Phase 1: classify rows. GPU rows become RowIn; GCP host VMs and GPU-only rows are kept
  // aside for pairing (phase 2).
  std::vector<RowIn> priced;
  std::vector<RowIn> hosts;     // no accelerator, but a GCP GPU host family
  std::vector<RowIn> gpu_only;  // accelerator without an instance type
  const auto check_text = [&](std::size_t r) {
    for (const char* column : {"InstanceType", "AcceleratorName", "Region", "AvailabilityZone"}) {
      for (char ch : csv_text(t, r, column)) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7F) {
          csv_fail(t, r, column, "contains a control character");
        }
      }
    }
  };
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    ++sum.rows_read;
    check_text(r);
    RowIn in;
    in.row = r;
    in.instance = csv_text(t, r, "InstanceType");
    in.accelerator = csv_text(t, r, "AcceleratorName");
    in.region = csv_text(t, r, "Region");
    in.zone = csv_text(t, r, "AvailabilityZone");
    in.on_demand = price(r, "Price");
    in.spot = has_spot ? price(r, "SpotPrice") : std::nullopt;
    if (in.accelerator.empty()) {
      if (const auto host = gcp_gpu_host(in.instance)) {
        in.accelerator = host->first;
        in.count = host->second;
        hosts.push_back(std::move(in));
      } else {
        ++sum.cpu_rows;
      }
      continue;
    }
    if (csv_text(t, r, "AcceleratorCount").empty()) {
      csv_fail(t,
               r,
               "AcceleratorCount",
               "empty, but AcceleratorName is '" + quote_for_message(in.accelerator) + "'");
    }
    in.count = csv_number(t, r, "AcceleratorCount");  // "8", "8.0" or "0.25"
    if (in.count < 0) {
      csv_fail(t, r, "AcceleratorCount", "negative count " + csv_number_text(in.count));
    }
    if (in.count == 0) {
      ++sum.cpu_rows;
      continue;
    }
    in.memory_gib = memory_hint_gib(csv_text(t, r, "GpuInfo"), in.count);
    if (in.instance.empty()) {
      gpu_only.push_back(std::move(in));
    } else {
      priced.push_back(std::move(in));
    }
  }

  // Phase 2 (GCP): a GPU host VM's instance price is its own row plus the GPU-only row of the
  // same accelerator, count and zone (SkyPilot's own pricing). GPU-only rows nobody pairs with
  // (n1-attachable T4, V100, P100, P4; TPUs) have no instance price and are skipped.
  std::map<std::tuple<std::string, double, std::string, std::string>, const RowIn*> gpu_prices;
  for (const RowIn& g : gpu_only) {
    gpu_prices.emplace(std::make_tuple(g.accelerator, g.count, g.region, g.zone), &g);
  }
  std::set<const RowIn*> paired;
  for (RowIn& h : hosts) {
    const auto it = gpu_prices.find(std::make_tuple(h.accelerator, h.count, h.region, h.zone));
    if (it == gpu_prices.end()) {
      ++sum.cpu_rows;  // a GPU host family without a GPU price in this zone
      continue;
    }
    const RowIn& g = *it->second;
    paired.insert(&g);
    const auto add = [](std::optional<double> x, std::optional<double> y) {
      return x && y ? std::optional<double>(round_price(*x + *y)) : std::nullopt;
    };
    h.on_demand = add(h.on_demand, g.on_demand);
    h.spot = add(h.spot, g.spot);
    h.memory_gib = g.memory_gib;
    h.gcp_paired = true;
    ++sum.gcp_host_rows_paired;
    priced.push_back(h);
  }
  sum.gpu_only_rows += gpu_only.size() - std::min(gpu_only.size(), paired.size());

  // Phase 3: prices read as "not offered", then availability-zone rows folded per region.
  for (RowIn& in : priced) {
    bool on_demand_zero = false;
    bool spot_zero = false;
    bool spot_equal = false;
    if (in.on_demand && *in.on_demand == 0) {
      in.on_demand.reset();
      on_demand_zero = true;
      ++sum.on_demand_zero_rows;
    }
    if (in.spot && *in.spot == 0) {
      in.spot.reset();  // vast.ai writes 0.00 for "no spot offer"
      spot_zero = true;
      ++sum.spot_zero_rows;
    }
    if (in.spot && in.on_demand && *in.spot == *in.on_demand) {
      in.spot.reset();  // catalogs copy the on-demand price where there is no spot market
      spot_equal = true;
      ++sum.spot_equal_rows;
    }
    if (!in.on_demand && !in.spot) {
      ++sum.unpriced_rows;
      continue;
    }
    auto [it, fresh] = groups.try_emplace(std::make_pair(in.instance, in.region));
    Group& g = it->second;
    if (fresh) {
      g.first_row = in.row;
      g.accelerator = in.accelerator;
      g.count = in.count;
      g.memory_gib = in.memory_gib;
    } else {
      ++sum.zone_rows_merged;
      if (g.accelerator != in.accelerator || g.count != in.count) {
        csv_fail(t,
                 in.row,
                 "AcceleratorName",
                 "instance type '" + quote_for_message(in.instance) + "' in region '" +
                     quote_for_message(in.region) + "' lists " + quote_for_message(in.accelerator) +
                     " x" + csv_number_text(in.count) + " here but " +
                     quote_for_message(g.accelerator) + " x" + csv_number_text(g.count) +
                     " on line " + std::to_string(t.row_lines[g.first_row]));
      }
      if (in.memory_gib != g.memory_gib) {
        g.memory_conflict = true;  // e.g. two hosts with different cards: memory unknown
      }
    }
    ++g.rows;
    g.spot_equal = g.spot_equal || spot_equal;
    g.spot_zero = g.spot_zero || spot_zero;
    g.on_demand_zero = g.on_demand_zero || on_demand_zero;
    g.gcp_paired = g.gcp_paired || in.gcp_paired;
    // The region's price is the minimum over its zones (each basis on its own).
    if (in.on_demand && (!g.on_demand || in.on_demand.value() < g.on_demand.value())) {
      g.on_demand = in.on_demand;
    }
    if (in.spot && (!g.spot || in.spot.value() < g.spot.value())) {
      g.spot = in.spot;
    }
  }

  std::set<std::string> regions;
  struct Unmapped {
    std::string reason;
    std::size_t offers = 0;
    std::string example;
  };
  std::map<std::string, Unmapped> unmapped;
  for (const auto& [key, g] : groups) {
    PriceQuote q;
    q.provider = provider;
    q.instance_type = key.first;
    q.region = key.second;
    q.gpu_name = g.accelerator;
    q.gpu_count = g.count;
    if (!g.memory_conflict) {
      q.gpu_memory_gib = g.memory_gib;
    }
    q.on_demand_usd_per_hour = g.on_demand;
    q.spot_usd_per_hour = g.spot;
    q.currency = "USD";
    q.as_of = as_of;
    q.source = source;
    q.origin = t.origin + ":" + std::to_string(t.row_lines[g.first_row]);
    std::vector<std::string> notes;
    if (g.gcp_paired) {
      notes.push_back("GCP: host VM price plus the GPU price of the same zone");
    }
    if (g.rows > 1) {
      notes.push_back("minimum over " + std::to_string(g.rows) + " availability-zone rows");
    }
    if (g.spot_equal) {
      notes.push_back("spot equal to on-demand read as no spot market");
    }
    if (g.spot_zero) {
      notes.push_back("spot 0.00 read as no spot");
    }
    if (g.on_demand_zero) {
      notes.push_back("on-demand 0.00 read as not offered");
    }
    if (g.memory_conflict) {
      notes.push_back("zone rows disagree on GPU memory");
    }
    for (const std::string& n : notes) {
      q.notes += (q.notes.empty() ? "" : "; ") + n;
    }
    const ModelResolution res =
        resolve_offer_model(aliases, provider, q.instance_type, q.gpu_name, q.gpu_memory_gib);
    if (res.model_key) {
      q.model_key = *res.model_key;
    } else {
      Unmapped& u = unmapped[q.gpu_name + '\0' + res.reason];
      if (u.offers == 0) {
        u.reason = res.reason;
        u.example = q.instance_type;
      }
      ++u.offers;
    }
    regions.insert(q.region);
    result.quotes.push_back(std::move(q));
  }
  sum.offers = result.quotes.size();
  sum.regions.assign(regions.begin(), regions.end());
  for (const auto& [key, u] : unmapped) {
    const std::string name = key.substr(0, key.find('\0'));
    sum.unmapped.push_back("'" + quote_for_message(name) + "' (" + u.reason + "; " +
                           std::to_string(u.offers) + (u.offers == 1 ? " offer" : " offers") +
                           ", e.g. " + quote_for_message(u.example) + ")");
  }
  return result;
}

std::vector<PriceQuote> import_skypilot(const std::filesystem::path& path,
                                        const AliasTable& aliases,
                                        const std::string& source,
                                        const std::string& as_of) {
  SkypilotImportOptions options;
  options.source = source;
  options.as_of = as_of;
  return import_skypilot_catalog(path, aliases, options).quotes;
}

}  // namespace gpb
