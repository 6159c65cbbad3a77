// SPDX-License-Identifier: Apache-2.0
// Value report, steps 2 and 3: the offers of each canonical model (cloud quotes per GPU-hour,
// or owned hardware as TCO, METHODOLOGY §2.6), then every machine's offers ranked cheapest
// first with value per dollar and its spread per metric. Nothing is divided by zero (DI-8).
#include <gpb/measure/stats.hpp>

#include <algorithm>
#include <charconv>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "report_internal.hpp"

namespace gpb::report_detail {
namespace {

std::string number_text(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string offer_label(const Offer& o) {
  std::string s = o.provider + " " + o.instance_type;
  if (!o.region.empty()) {
    s += " " + o.region;
  }
  return s;
}

/// The canonical model a quote prices: its own, else the alias table's; "" when unmapped.
std::string quote_model(const PriceQuote& q, const AliasTable& aliases) {
  std::string key = q.model_key;
  if (key.empty()) {
    key = resolve_offer_model(aliases, q.provider, q.instance_type, q.gpu_name, q.gpu_memory_gib)
              .model_key.value_or("");
  }
  return key;
}

/// An owned-cost row as an offer, before its power and TCO are known.
Offer owned_offer(const OwnedCost& oc) {
  Offer o;
  o.owned = true;
  o.provider = "owned";
  o.instance_type = oc.name;
  o.gpus_per_instance = oc.gpus;
  o.basis = to_string(PricingBasis::owned);
  o.as_of = oc.as_of;
  o.source = oc.source;
  o.origin = oc.origin;
  return o;
}

/// The offers that price machine `m`, or nullptr with m.unpriced_reason set.
const std::vector<Offer>* offers_for(Machine& m, const PriceTable& prices, PricingBasis basis) {
  if (m.model_key.empty()) {
    m.unpriced_reason =
        "GPU name '" + m.gpu_name + "' is not in the alias table: not priced (never guessed)";
    return nullptr;
  }
  const auto it = prices.offers_by_model.find(m.model_key);
  if (it == prices.offers_by_model.end() || it->second.empty()) {
    m.unpriced_reason = basis == PricingBasis::owned
                            ? "no owned-cost row for " + m.model_key + ": n/a"
                            : std::string("no ") + to_string(basis) + " offer for " + m.model_key +
                                  " in the price tables: n/a";
    return nullptr;
  }
  return &it->second;
}

/// Cheapest USD per GPU-hour first; ties in a fixed order, so the ranking is deterministic.
std::vector<const Offer*> cheapest_first(const std::vector<Offer>& offers) {
  std::vector<const Offer*> sorted;
  for (const auto& o : offers) {
    sorted.push_back(&o);
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const Offer* a, const Offer* b) {
    return std::tie(a->usd_per_gpu_hour, a->provider, a->instance_type, a->region, a->origin) <
           std::tie(b->usd_per_gpu_hour, b->provider, b->instance_type, b->region, b->origin);
  });
  return sorted;
}

/// Value per dollar of one measured metric at one offer, or n/a with its reason.
ValueCell value_cell(const MeasuredMetric& mm, const Offer& o) {
  ValueCell cell;
  cell.metric = mm.metric;
  if (mm.gpus > 1 && o.gpus_per_instance != mm.gpus) {
    cell.reason = "measured on " + std::to_string(mm.gpus) + " GPUs; the offer has " +
                  number_text(o.gpus_per_instance);
  } else {
    const double v = mm.value * info(mm.metric).scale / o.usd_per_gpu_hour;
    if (usable(v)) {
      cell.value_per_usd = v;
    } else {
      cell.reason = "not a finite positive value";
    }
  }
  return cell;
}

/// The spread of metric `k` of machine `mi` over its ranked offers rep.offers[first..];
/// nullopt when no offer has a value for it.
std::optional<ValueSpread> value_spread(const ValueReport& rep,
                                        std::size_t first,
                                        std::size_t mi,
                                        std::size_t k) {
  std::vector<double> values, prices;
  std::set<std::string> providers, regions;
  const RankedOffer* best = nullptr;
  for (std::size_t oi = first; oi < rep.offers.size(); ++oi) {
    const RankedOffer& ro = rep.offers[oi];
    if (!ro.values[k].value_per_usd) {
      continue;
    }
    values.push_back(*ro.values[k].value_per_usd);
    prices.push_back(ro.offer.usd_per_gpu_hour);
    providers.insert(ro.offer.provider);
    regions.insert(ro.offer.provider + "/" + ro.offer.region);
    if (!best || *ro.values[k].value_per_usd > *best->values[k].value_per_usd) {
      best = &ro;
    }
  }
  if (values.empty()) {
    return std::nullopt;
  }
  ValueSpread s;
  s.machine = mi;
  s.metric = rep.machines[mi].metrics[k].metric;
  s.offers = values.size();
  s.best = *std::max_element(values.begin(), values.end());
  s.worst = *std::min_element(values.begin(), values.end());
  s.median = median_of(values);
  s.usd_per_gpu_hour_min = *std::min_element(prices.begin(), prices.end());
  s.usd_per_gpu_hour_max = *std::max_element(prices.begin(), prices.end());
  s.usd_per_gpu_hour_median = median_of(prices);
  s.providers = providers.size();
  s.regions = regions.size();
  s.best_offer = offer_label(best->offer);
  return s;
}

/// Distinct (source, as of) pairs in order of first use, with how many offers each priced.
class SourceTally {
 public:
  void count(const Offer& o) {
    const auto key = std::make_pair(o.source, o.as_of);
    if (count_[key]++ == 0) {
      order_.push_back(key);
    }
  }

  std::vector<PriceSource> sources() const {
    std::vector<PriceSource> out;
    for (const auto& k : order_) {
      out.push_back({k.first, k.second, count_.at(k)});
    }
    return out;
  }

 private:
  std::map<std::pair<std::string, std::string>, std::size_t> count_;
  std::vector<std::pair<std::string, std::string>> order_;
};

}  // namespace

PriceTable cloud_offers(const std::vector<PriceQuote>& quotes,
                        const AliasTable& aliases,
                        PricingBasis basis) {
  PriceTable t;
  for (const auto& q : quotes) {
    const std::string key = quote_model(q, aliases);
    if (key.empty()) {
      t.unmapped_gpu_names.insert(q.gpu_name);
      continue;
    }
    const std::optional<double> price =
        basis == PricingBasis::spot ? q.spot_usd_per_hour : q.on_demand_usd_per_hour;
    if (!price) {
      ++t.without_basis;
      continue;
    }
    if (q.currency != "USD") {
      t.non_usd.push_back(q.origin + " (" + q.currency + ")");
      continue;
    }
    const auto per_gpu = usd_per_gpu_hour(q, basis);
    if (!usable(*price) || !usable(q.gpu_count) || !per_gpu || !usable(*per_gpu)) {
      t.bad_price.push_back(q.origin);
      continue;
    }
    Offer o;
    o.provider = q.provider;
    o.instance_type = q.instance_type;
    o.region = q.region;
    o.gpus_per_instance = q.gpu_count;
    o.usd_per_hour = *price;
    o.usd_per_gpu_hour = *per_gpu;  // instance $/h / GPUs per instance, METHODOLOGY §2.6
    o.basis = to_string(basis);
    o.as_of = q.as_of;
    o.source = q.source;
    o.origin = q.origin;
    t.offers_by_model[key].push_back(std::move(o));
  }
  return t;
}

PriceTable owned_offers(const std::vector<OwnedCost>& owned,
                        const std::vector<GpuTdp>& tdp,
                        std::vector<std::string>& warnings) {
  PriceTable t;
  std::map<std::string, const GpuTdp*> tdp_by_model;
  for (const auto& row : tdp) {
    tdp_by_model.emplace(row.model_key, &row);  // first row per model wins
  }
  for (const auto& oc : owned) {
    Offer o = owned_offer(oc);
    OwnedCost inputs = oc;
    if (oc.power_kw) {
      o.power_kw = *oc.power_kw;
      o.power_basis = "owned-cost row (" + oc.origin + ")";
    } else if (const auto it = tdp_by_model.find(oc.model_key); it != tdp_by_model.end()) {
      // No measured power in result files yet: the GPU boards' TDP, said so in the report.
      o.power_kw = it->second->tdp_w * oc.gpus / 1000.0;
      o.power_basis = "not measured: TDP " + number_text(it->second->tdp_w) + " W x " +
                      number_text(oc.gpus) + " GPUs (" + it->second->origin + "), GPU boards only";
      inputs.power_kw = o.power_kw;
    } else {
      warnings.push_back(oc.origin + ": " + oc.name +
                         ": no power figure (row has none, no TDP for " + oc.model_key +
                         "): not priced");
      continue;
    }
    if (!oc.verified) {
      warnings.push_back(oc.origin + ": " + oc.name + ": price " + oc.price_kind +
                         " not verified against its source");
    }
    o.owned_inputs = inputs;
    try {
      o.tco = owned_cost_per_gpu_hour(inputs);
    } catch (const std::invalid_argument& e) {
      warnings.push_back(oc.origin + ": " + oc.name + ": " + e.what() + ": not priced");
      continue;
    }
    if (!usable(o.tco->total)) {
      t.bad_price.push_back(oc.origin);
      continue;
    }
    o.usd_per_gpu_hour = o.tco->total;
    t.offers_by_model[oc.model_key].push_back(std::move(o));
  }
  return t;
}

bool rank_offers(const PriceTable& prices, PricingBasis basis, ValueReport& rep) {
  SourceTally sources;
  bool tdp_used = false;
  for (std::size_t mi = 0; mi < rep.machines.size(); ++mi) {
    Machine& m = rep.machines[mi];
    const std::vector<Offer>* offers = offers_for(m, prices, basis);
    if (offers == nullptr) {
      rep.warnings.push_back(m.id + ": " + m.unpriced_reason);
      continue;
    }
    const std::size_t first_offer = rep.offers.size();
    int rank = 0;
    for (const Offer* o : cheapest_first(*offers)) {
      RankedOffer ro;
      ro.machine = mi;
      ro.rank = ++rank;
      ro.offer = *o;
      if (o->owned && o->power_basis.rfind("not measured", 0) == 0) {
        tdp_used = true;
      }
      for (const auto& mm : m.metrics) {
        ro.values.push_back(value_cell(mm, *o));
      }
      sources.count(*o);
      rep.offers.push_back(std::move(ro));
    }
    for (std::size_t k = 0; k < m.metrics.size(); ++k) {
      if (auto s = value_spread(rep, first_offer, mi, k)) {
        rep.spreads.push_back(std::move(*s));
      }
    }
  }
  rep.price_sources = sources.sources();
  return tdp_used;
}

}  // namespace gpb::report_detail
