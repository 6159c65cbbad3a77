// SPDX-License-Identifier: Apache-2.0
// Value report and compare (METHODOLOGY §2.6, DI-6, DI-8, IN-2, IN-3, IN-5, IN-8, TE-3):
// goldens in every format from fixed fixtures (GPB_UPDATE_GOLDEN=1 rewrites them), value and
// TCO arithmetic by hand, exact inclusion/exclusion sets, XSS payloads, hostile input files,
// the CLI's strictness and its no-partial-output guarantee.
#include <gpb/common/csv.hpp>
#include <gpb/common/units.hpp>
#include <gpb/render/report_text.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/value/commands.hpp>
#include <gpb/value/compare.hpp>
#include <gpb/value/prices.hpp>
#include <gpb/value/report.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "report_fixtures.hpp"
#include <unistd.h>

namespace gpb {
namespace {

namespace fs = std::filesystem;

const fs::path& kFixtures = test::kReportFixtures;
const fs::path kGoldens = fs::path(GPB_TEST_DATA_DIR) / "golden" / "report";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

class InFixtures : public test::InReportFixtures {
 protected:
  static std::string render(const ValueReport& r, const std::string& format) {
    std::ostringstream s;
    report_renderers().at(format)(r, s);
    return s.str();
  }
};

void check_golden(const std::string& name, const std::string& actual) {
  const fs::path path = kGoldens / name;
  const char* update = std::getenv("GPB_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    fs::create_directories(kGoldens);
    write_file(path, actual);
    return;
  }
  ASSERT_TRUE(fs::exists(path)) << path << " missing: run with GPB_UPDATE_GOLDEN=1";
  EXPECT_EQ(read_file(path), actual)
      << "golden " << name << " differs (GPB_UPDATE_GOLDEN=1 rewrites it after review)";
}

const std::vector<std::string> kMainFixtures{"h200.json", "h100x8.json", "unmapped.json"};

const Machine& machine_named(const ValueReport& r, const std::string& gpu_name) {
  for (const auto& m : r.machines) {
    if (m.gpu_name == gpu_name) {
      return m;
    }
  }
  throw std::runtime_error("no machine " + gpu_name);
}

const MeasuredMetric* metric_of(const Machine& m, ValueMetric which) {
  for (const auto& x : m.metrics) {
    if (x.metric == which) {
      return &x;
    }
  }
  return nullptr;
}

std::size_t index_of(const ValueReport& r, const Machine& m) {
  return static_cast<std::size_t>(&m - r.machines.data());
}

// ---------------------------------------------------------------------------------------------
// Goldens (TE-3)

TEST_F(InFixtures, GoldenOnDemandEveryFormat) {
  const ValueReport r = report(kMainFixtures);
  for (const std::string f : {"md", "csv", "json", "html"}) {
    SCOPED_TRACE(f);
    check_golden("on_demand." + f, render(r, f));
  }
}

TEST_F(InFixtures, GoldenSpotAndTco) {
  check_golden("spot.md", render(report(kMainFixtures, PricingBasis::spot), "md"));
  const ValueReport tco = report(kMainFixtures, PricingBasis::owned);
  check_golden("tco.md", render(tco, "md"));
  check_golden("tco.json", render(tco, "json"));
  check_golden("tco.html", render(tco, "html"));
}

TEST_F(InFixtures, GoldenCompareEveryFormat) {
  const Comparison c = build_comparison(runs({"h200.json", "h200_b.json", "h100x8.json"}));
  for (const auto& [name, fn] : compare_renderers()) {
    SCOPED_TRACE(name);
    std::ostringstream s;
    fn(c, s);
    check_golden("compare." + name, s.str());
  }
}

TEST_F(InFixtures, RenderersAreTheFourFormats) {
  std::set<std::string> names;
  for (const auto& kv : report_renderers()) {
    names.insert(kv.first);
  }
  EXPECT_EQ(names, (std::set<std::string>{"csv", "html", "json", "md"}));
}

// ---------------------------------------------------------------------------------------------
// What the report picks and how it prices it

TEST_F(InFixtures, PicksBestSustainedShapeAndSaysWhichCase) {
  const ValueReport r = report(kMainFixtures);
  const Machine& m = machine_named(r, "NVIDIA H200");
  EXPECT_EQ(m.model_key, "H200-SXM-141GB");
  const MeasuredMetric* bf16 = metric_of(m, ValueMetric::gemm_bf16);
  ASSERT_NE(bf16, nullptr);
  // 8192^3 sustained 690 beats 4096^3 (650); the noisy 16384^3 (700) is excluded.
  EXPECT_DOUBLE_EQ(bf16->value, 690.0);
  EXPECT_EQ(bf16->kind, "sustained");
  EXPECT_EQ(bf16->case_name, "gemm/square/dtype=bf16/m=8192/n=8192/k=8192/gpu=0");
  EXPECT_EQ(bf16->file, "h200.json");
  EXPECT_EQ(bf16->field, "metrics.throughput_sustained");
  EXPECT_FALSE(bf16->noisy);
  // tf32 has no sustained window anywhere: the burst headline, marked.
  const MeasuredMetric* tf32 = metric_of(m, ValueMetric::gemm_tf32);
  ASSERT_NE(tf32, nullptr);
  EXPECT_DOUBLE_EQ(tf32->value, 406.5);
  EXPECT_EQ(tf32->kind, "burst");
  const MeasuredMetric* hbm = metric_of(m, ValueMetric::hbm_triad);
  ASSERT_NE(hbm, nullptr);
  EXPECT_DOUBLE_EQ(hbm->value, 4126.5);  // triad f32, not f64 or copy
  const MeasuredMetric* mem = metric_of(m, ValueMetric::memory);
  ASSERT_NE(mem, nullptr);
  EXPECT_DOUBLE_EQ(mem->value, 150109880320.0 / 1073741824.0);
  EXPECT_EQ(mem->field, "gpus[0].memory_bytes");
  EXPECT_EQ(metric_of(m, ValueMetric::h2d), nullptr);  // absent families: simply not there
  EXPECT_EQ(metric_of(m, ValueMetric::all_reduce_busbw), nullptr);
}

TEST_F(InFixtures, IncludeNoisyTakesTheNoisyCaseMarked) {
  const ValueReport r = report(kMainFixtures, PricingBasis::on_demand, true);
  const MeasuredMetric* bf16 = metric_of(machine_named(r, "NVIDIA H200"), ValueMetric::gemm_bf16);
  ASSERT_NE(bf16, nullptr);
  EXPECT_DOUBLE_EQ(bf16->value, 700.0);
  EXPECT_TRUE(bf16->noisy);
  EXPECT_NE(render(r, "md").find("sustained (noisy)"), std::string::npos);
}

TEST_F(InFixtures, RanksEveryOfferOfTheModelPerGpuHour) {
  const ValueReport r = report(kMainFixtures);
  const Machine& m = machine_named(r, "NVIDIA H200");
  const std::size_t mi = index_of(r, m);
  std::vector<const RankedOffer*> offers;
  for (const auto& o : r.offers) {
    if (o.machine == mi) {
      offers.push_back(&o);
    }
  }
  ASSERT_EQ(offers.size(), 4u);  // every H200 offer, whatever its GPU count
  // beta 3.5/1 = 3.5; gamma 31.92/8 = 3.99; alpha us 40/8 = 5; alpha eu 44/8 = 5.5
  EXPECT_EQ(offers[0]->offer.provider, "beta");
  EXPECT_DOUBLE_EQ(offers[0]->offer.usd_per_gpu_hour, 3.5);
  EXPECT_DOUBLE_EQ(offers[1]->offer.usd_per_gpu_hour, 31.92 / 8);
  EXPECT_DOUBLE_EQ(offers[2]->offer.usd_per_gpu_hour, 5.0);
  EXPECT_DOUBLE_EQ(offers[3]->offer.usd_per_gpu_hour, 5.5);
  for (std::size_t i = 0; i < offers.size(); ++i) {
    EXPECT_EQ(offers[i]->rank, static_cast<int>(i + 1));
  }
  // TFLOP/$ = TFLOP/s * 3600 / $/GPU-h; TB/$ = GB/s * 3600 / 1000 / $/GPU-h.
  const auto& v = offers[0]->values;
  ASSERT_EQ(v.size(), m.metrics.size());
  EXPECT_EQ(v[0].metric, ValueMetric::gemm_bf16);
  EXPECT_NEAR(*v[0].value_per_usd, 690.0 * 3600 / 3.5, 1e-6);
  for (const auto& cell : v) {
    if (cell.metric == ValueMetric::hbm_triad) {
      EXPECT_NEAR(*cell.value_per_usd, 4126.5 * 3.6 / 3.5, 1e-9);
    }
    if (cell.metric == ValueMetric::memory) {
      EXPECT_NEAR(*cell.value_per_usd, 150109880320.0 / 1073741824.0 / 3.5, 1e-9);
    }
  }
  // Spread across providers and regions.
  bool seen = false;
  for (const auto& s : r.spreads) {
    if (s.machine == mi && s.metric == ValueMetric::gemm_bf16) {
      seen = true;
      EXPECT_EQ(s.offers, 4u);
      EXPECT_EQ(s.providers, 3u);
      EXPECT_EQ(s.regions, 4u);
      EXPECT_NEAR(s.best, 690.0 * 3600 / 3.5, 1e-6);
      EXPECT_NEAR(s.worst, 690.0 * 3600 / 5.5, 1e-6);
      EXPECT_NEAR(s.median, (690.0 * 3600 / 3.99 + 690.0 * 3600 / 5.0) / 2, 1e-6);
      EXPECT_DOUBLE_EQ(s.usd_per_gpu_hour_min, 3.5);
      EXPECT_DOUBLE_EQ(s.usd_per_gpu_hour_max, 5.5);
      EXPECT_NEAR(s.usd_per_gpu_hour_median, (3.99 + 5.0) / 2, 1e-12);
      EXPECT_EQ(s.best_offer, "beta b-h200-1 us-central");
    }
  }
  EXPECT_TRUE(seen);
  // Every price used is listed with its source and as-of date.
  std::set<std::string> sources;
  for (const auto& s : r.price_sources) {
    sources.insert(s.source + "|" + s.as_of);
  }
  EXPECT_TRUE(sources.count("fixture gamma page|2025-09-30"));
  EXPECT_TRUE(sources.count("fixture beta catalog|2025-10-15"));
}

TEST_F(InFixtures, CollectiveIsPricedOnlyAgainstTheSameGpuCount) {
  const ValueReport r = report(kMainFixtures);
  const Machine& m = machine_named(r, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(m.gpu_count, 8);
  const MeasuredMetric* ar = metric_of(m, ValueMetric::all_reduce_busbw);
  ASSERT_NE(ar, nullptr);
  EXPECT_EQ(ar->gpus, 8);
  EXPECT_DOUBLE_EQ(ar->value, 480.0);
  ASSERT_NE(metric_of(m, ValueMetric::h2d), nullptr);
  EXPECT_DOUBLE_EQ(metric_of(m, ValueMetric::h2d)->value, 55.0);
  EXPECT_DOUBLE_EQ(metric_of(m, ValueMetric::d2h)->value, 53.0);
  // bf16: one case run on two GPUs counts as one case, at the median of its runs (no best-of-N).
  EXPECT_DOUBLE_EQ(metric_of(m, ValueMetric::gemm_bf16)->value, 605.0);
  const std::size_t mi = index_of(r, m);
  int checked = 0;
  for (const auto& o : r.offers) {
    if (o.machine != mi) {
      continue;
    }
    for (const auto& cell : o.values) {
      if (cell.metric != ValueMetric::all_reduce_busbw) {
        continue;
      }
      ++checked;
      if (o.offer.gpus_per_instance == 8) {
        ASSERT_TRUE(cell.value_per_usd.has_value());
        EXPECT_NEAR(*cell.value_per_usd, 480.0 * 3.6 / 3.0, 1e-9);
      } else {
        EXPECT_FALSE(cell.value_per_usd.has_value());
        EXPECT_NE(cell.reason.find("measured on 8 GPUs"), std::string::npos);
      }
    }
  }
  EXPECT_EQ(checked, 2);
}

TEST_F(InFixtures, MissingPriceIsNaNeverZero) {
  const ValueReport r = report(kMainFixtures);
  const Machine& m = machine_named(r, "Contoso X1000");
  EXPECT_TRUE(m.model_key.empty());
  EXPECT_NE(m.unpriced_reason.find("not in the alias table"), std::string::npos);
  for (const auto& o : r.offers) {
    EXPECT_NE(o.machine, index_of(r, m));
    EXPECT_GT(o.offer.usd_per_gpu_hour, 0);
  }
  const std::string md = render(r, "md");
  EXPECT_NE(md.find("Value per dollar: n/a"), std::string::npos);
  const std::string csv = render(r, "csv");
  EXPECT_NE(csv.find("unpriced,M3,Contoso X1000"), std::string::npos);
  // The unmapped catalog name is reported, never guessed.
  bool warned = false;
  for (const auto& w : r.warnings) {
    warned |= w.find("MysteryGPU") != std::string::npos;
  }
  EXPECT_TRUE(warned);
  // Spot: offers without a spot price are left out, never priced at 0.
  const ValueReport spot = report(kMainFixtures, PricingBasis::spot);
  for (const auto& o : spot.offers) {
    EXPECT_TRUE(o.offer.provider == "alpha" || o.offer.provider == "beta") << o.offer.provider;
    EXPECT_EQ(o.offer.basis, "spot");
  }
}

// MR-20: repeated runs of the chosen case report their spread; over the limit, a warning.
TEST(ValueReport, RepeatSpreadIsNotedAndFlaggedOverTheLimit) {
  const auto triad = [](double gbps) {
    CaseResult c;
    c.family = "stream/hbm";
    c.name = "stream/hbm/kernel=triad/dtype=f32/gpu=0";
    c.params = {{"kernel", "triad"}, {"dtype", "f32"}};
    c.devices = {0};
    c.device_uuids = {"GPU-1"};
    c.status = Status::valid;
    c.verified = true;
    c.headline = Metric{"bandwidth", gbps, "GB/s", "bytes / median_s", {RoleKind::hbm_triad, ""}};
    return c;
  };
  RunRecord rec;
  GpuInfo g;
  g.name = "H200";
  g.uuid = "GPU-1";
  rec.gpus.push_back(g);
  rec.results = {triad(4100), triad(4110), triad(4105)};
  const auto note_of = [](const ValueReport& r) {
    for (const auto& m : r.machines.at(0).metrics) {
      if (m.metric == ValueMetric::hbm_triad) {
        return m.note;
      }
    }
    return std::string("<no triad>");
  };
  const auto warned = [](const ValueReport& r) {
    return std::any_of(r.warnings.begin(), r.warnings.end(), [](const std::string& w) {
      return w.find("repeatability limit: the median may not hold") != std::string::npos;
    });
  };
  ValueReport r = build_value_report({{"mem.json", rec, {}}}, {}, AliasTable{}, {}, {}, {});
  EXPECT_NE(note_of(r).find("median of 3 runs of that case, spread 0.2 %"), std::string::npos)
      << note_of(r);
  EXPECT_FALSE(warned(r));

  rec.results.push_back(triad(3800));  // 4 runs: 3800..4110, median 4102.5: 7.6 %
  r = build_value_report({{"mem.json", rec, {}}}, {}, AliasTable{}, {}, {}, {});
  EXPECT_NE(note_of(r).find("spread 7.6 % (over the 3 % limit)"), std::string::npos) << note_of(r);
  EXPECT_TRUE(warned(r));
}

TEST(ValueReport, BadQuotesAreLeftOutWithWarningsNeverDividedBy) {
  RunRecord rec;
  GpuInfo g;
  g.name = "H200";
  g.uuid = "GPU-1";
  g.memory_bytes = 1ull << 30;
  rec.gpus.push_back(g);
  AliasTable aliases;
  aliases.models.push_back({"H200-SXM-141GB", "H200", 141, "SXM", "", "test"});
  aliases.aliases.push_back({"H200", "H200-SXM-141GB", "", "", "test", "t:1"});
  const auto quote = [](double price, double count, const std::string& currency) {
    PriceQuote q;
    q.provider = "p";
    q.instance_type = "i" + std::to_string(price) + currency;
    q.gpu_name = "H200";
    q.gpu_count = count;
    q.on_demand_usd_per_hour = price;
    q.currency = currency;
    q.origin = "mem:" + currency;
    return q;
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<PriceQuote> quotes{quote(0, 1, "USD"),
                                       quote(-1, 1, "USD"),
                                       quote(nan, 1, "USD"),
                                       quote(inf, 1, "USD"),
                                       quote(2, 0, "USD"),
                                       quote(2, nan, "USD"),
                                       quote(2, 1, "EUR")};
  const ValueReport r =
      build_value_report({{"mem.json", rec, {}}}, quotes, aliases, {}, {}, ReportOptions{});
  EXPECT_TRUE(r.offers.empty());
  ASSERT_EQ(r.machines.size(), 1u);
  EXPECT_FALSE(r.machines[0].unpriced_reason.empty());
  std::string all;
  for (const auto& w : r.warnings) {
    all += w + "\n";
  }
  EXPECT_NE(all.find("6 price row(s) with a price or GPU count"), std::string::npos) << all;
  EXPECT_NE(all.find("not in USD"), std::string::npos) << all;
  for (const auto& [name, fn] : report_renderers()) {
    std::ostringstream s;
    EXPECT_NO_THROW(fn(r, s)) << name;
    EXPECT_EQ(s.str().find("nan"), std::string::npos) << name;
    EXPECT_EQ(s.str().find("inf\""), std::string::npos) << name;
  }
}

// ---------------------------------------------------------------------------------------------
// DI-6: exact inclusion and exclusion sets

TEST_F(InFixtures, EveryStatusGivesExactInclusionAndExclusionSets) {
  const std::vector<std::string> all{"unknown",
                                     "valid",
                                     "noisy",
                                     "throttled",
                                     "implausible",
                                     "invalid",
                                     "failed_verification",
                                     "error",
                                     "timeout",
                                     "skipped",
                                     "not_supported",
                                     "not_applicable",
                                     "interrupted"};
  const auto name = [](const std::string& st) {
    return "stream/hbm/kernel=triad/dtype=f32/status=" + st + "/gpu=0";
  };
  for (const bool noisy : {false, true}) {
    SCOPED_TRACE(noisy);
    const ValueReport r = report({"statuses.json"}, PricingBasis::on_demand, noisy);
    std::set<std::string> included, excluded, expect_in, expect_out;
    for (const auto& c : r.included) {
      included.insert(c.case_name);
    }
    for (const auto& x : r.exclusions) {
      excluded.insert(x.ref.case_name);
      EXPECT_EQ(x.ref.file, "statuses.json");
      const std::string st(to_string(x.ref.status));
      EXPECT_EQ(x.ref.case_name, name(st));
      EXPECT_EQ(x.reason,
                st == "skipped" ? "no reason recorded" : "reason_" + st + ": because " + st);
    }
    for (const auto& st : all) {
      (st == "valid" || (noisy && st == "noisy") ? expect_in : expect_out).insert(name(st));
    }
    EXPECT_EQ(included, expect_in);
    EXPECT_EQ(excluded, expect_out);
    // The priced triad is the valid one (1001 GB/s), or the noisy one (1002) when allowed.
    const MeasuredMetric* hbm = metric_of(r.machines.at(0), ValueMetric::hbm_triad);
    ASSERT_NE(hbm, nullptr);
    EXPECT_DOUBLE_EQ(hbm->value, noisy ? 1002.0 : 1001.0);
    EXPECT_EQ(hbm->noisy, noisy);
  }
}

// ---------------------------------------------------------------------------------------------
// TCO arithmetic against hand-computed cases (METHODOLOGY §2.6)

TEST_F(InFixtures, TcoArithmeticByHand) {
  const ValueReport r = report(kMainFixtures, PricingBasis::owned);
  std::map<std::string, const RankedOffer*> by_name;
  for (const auto& o : r.offers) {
    by_name[o.offer.instance_type] = &o;
  }
  // METHODOLOGY's example: 8x H100 at $300k, 4 years, r = 0 -> $1.07/GPU-h of capex;
  // 10.2 kW x 1.3 x $0.08/kWh adds $0.13/GPU-h.
  const RankedOffer* h100 = by_name.at("8x H100 SXM server (METHODOLOGY example)");
  ASSERT_TRUE(h100->offer.tco.has_value());
  EXPECT_NEAR(h100->offer.tco->capex, 300000.0 / 4 / 8760 / 8, 1e-12);
  EXPECT_NEAR(h100->offer.tco->capex, 1.07, 0.005);
  EXPECT_NEAR(h100->offer.tco->power, 10.2 * 1.3 * 0.08 / 8, 1e-12);
  EXPECT_NEAR(h100->offer.tco->power, 0.13, 0.005);
  EXPECT_NEAR(h100->offer.usd_per_gpu_hour, 300000.0 / 4 / 8760 / 8 + 10.2 * 1.3 * 0.08 / 8, 1e-12);
  EXPECT_FALSE(h100->offer.tco->power_measured);
  EXPECT_EQ(h100->offer.power_basis, "owned-cost row (owned.csv:2)");

  // 8x H200, $320k, 5 years at 5 %, 95 % available, 80 % utilized, no power figure -> TDP
  // 700 W x 8 = 5.6 kW, PUE 1.3, $0.10/kWh, opex $2/h.
  const RankedOffer* h200 = by_name.at("8x H200 server (TDP power)");
  const double crf = 0.05 * std::pow(1.05, 5) / (std::pow(1.05, 5) - 1);
  const double capex_h = 320000.0 * crf / (8760 * 0.95);
  const double power_h = 5.6 * 1.3 * 0.10;
  ASSERT_TRUE(h200->offer.tco.has_value());
  ASSERT_TRUE(h200->offer.power_kw.has_value());
  EXPECT_NEAR(*h200->offer.power_kw, 5.6, 1e-12);
  EXPECT_NEAR(h200->offer.tco->capex, capex_h / 0.8 / 8, 1e-9);
  EXPECT_NEAR(h200->offer.tco->power, power_h / 0.8 / 8, 1e-9);
  EXPECT_NEAR(h200->offer.tco->opex, 2.0 / 0.8 / 8, 1e-9);
  EXPECT_NEAR(h200->offer.usd_per_gpu_hour, (capex_h + power_h + 2.0) / 0.8 / 8, 1e-9);
  EXPECT_NE(h200->offer.power_basis.find("not measured: TDP 700 W x 8 GPUs (specs.csv:2)"),
            std::string::npos)
      << h200->offer.power_basis;
  // The value per dollar uses the TCO price like any other.
  const Machine& m = r.machines.at(h200->machine);
  EXPECT_EQ(m.gpu_name, "NVIDIA H200");
  EXPECT_NEAR(*h200->values.at(0).value_per_usd, 690.0 * 3600 / h200->offer.usd_per_gpu_hour, 1e-6);

  // 1x workstation: power from its own row; unverified price flagged.
  const RankedOffer* ws = by_name.at("1x H200 workstation");
  EXPECT_NEAR(ws->offer.usd_per_gpu_hour, (40000.0 / 3 / 8760 + 1.0 * 1.5 * 0.2) / 0.5, 1e-12);
  // Assumptions say that power is not measured and TDP was used.
  std::string assumptions;
  for (const auto& a : r.assumptions) {
    assumptions += a + "\n";
  }
  EXPECT_NE(assumptions.find("No result file carries measured power"), std::string::npos);
  EXPECT_NE(assumptions.find("TDP counts the GPU boards only"), std::string::npos);
  std::string warnings;
  for (const auto& w : r.warnings) {
    warnings += w + "\n";
  }
  EXPECT_NE(warnings.find("not verified"), std::string::npos) << warnings;
}

// ---------------------------------------------------------------------------------------------
// IN-5 / IN-8: XSS payloads never become markup; no "http" in the page

/// Tags and attribute names of an HTML text, by a small scanner: `<name attr="v" ...>`.
struct Markup {
  std::set<std::string> tags, attributes, attribute_values;
};

Markup scan_markup(const std::string& html) {
  Markup m;
  std::size_t i = 0;
  while ((i = html.find('<', i)) != std::string::npos) {
    std::size_t j = i + 1;
    if (j < html.size() && (html[j] == '/' || html[j] == '!')) {
      ++j;
    }
    std::size_t k = j;
    while (k < html.size() &&
           (std::isalnum(static_cast<unsigned char>(html[k])) || html[k] == '-')) {
      ++k;
    }
    std::string tag = html.substr(j, k - j);
    std::transform(tag.begin(), tag.end(), tag.begin(), ::tolower);
    m.tags.insert(tag);
    // attributes until '>'
    while (k < html.size() && html[k] != '>') {
      while (k < html.size() && std::isspace(static_cast<unsigned char>(html[k]))) {
        ++k;
      }
      std::size_t a = k;
      while (k < html.size() && html[k] != '=' && html[k] != '>' &&
             !std::isspace(static_cast<unsigned char>(html[k]))) {
        ++k;
      }
      if (k > a) {
        m.attributes.insert(html.substr(a, k - a));
      }
      if (k < html.size() && html[k] == '=') {
        ++k;
        if (k < html.size() && html[k] == '"') {
          const std::size_t end = html.find('"', k + 1);
          m.attribute_values.insert(html.substr(k + 1, end - k - 1));
          k = end + 1;
        } else {
          m.attribute_values.insert("UNQUOTED");
        }
      }
    }
    i = k;
  }
  return m;
}

const std::set<std::string> kTemplateTags{"doctype", "html",  "head", "meta", "title", "style",
                                          "body",    "h1",    "h2",   "h3",   "p",     "table",
                                          "thead",   "tbody", "tr",   "th",   "td",    "ul",
                                          "li",      "svg",   "text", "rect", "line"};
const std::set<std::string> kTemplateAttributes{"lang",
                                                "charset",
                                                "http-equiv",
                                                "content",
                                                "name",
                                                "class",
                                                "width",
                                                "height",
                                                "viewBox",
                                                "role",
                                                "x",
                                                "y",
                                                "x1",
                                                "y1",
                                                "x2",
                                                "y2",
                                                "html"};

const std::vector<std::string> kPayloads{"<script>alert(1)</script>",
                                         "\"><img src=x onerror=alert(1)>",
                                         "</script>",
                                         "javascript:",
                                         "{{7*7}}",
                                         "../",
                                         "<img",
                                         "onerror="};

TEST_F(InFixtures, XssPayloadsNeverBecomeMarkup) {
  const ValueReport r = report({"xss.json", "xss_gpu_name.json", "h200.json"},
                               PricingBasis::on_demand,
                               false,
                               "xss_prices.csv");
  // The payloads really are in the report's data...
  std::string data = r.machines.at(1).gpu_name + r.offers.at(0).offer.source;
  EXPECT_NE(data.find("<script>"), std::string::npos);
  const std::string html = render(r, "html");
  for (const auto& p : kPayloads) {
    EXPECT_EQ(html.find(p), std::string::npos) << "unescaped payload " << p;
  }
  EXPECT_EQ(html.find("http:"), std::string::npos);
  std::string lower = html;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  // IN-8: the whole page holds no "http", though a price source is a URL (the CSP's
  // http-equiv attribute name is the only template text that would, and it is checked apart).
  const std::string no_meta = std::regex_replace(lower, std::regex("http-equiv"), "");
  EXPECT_EQ(no_meta.find("http"), std::string::npos);
  EXPECT_EQ(lower.find("<script"), std::string::npos);
  EXPECT_EQ(lower.find("<link"), std::string::npos);
  EXPECT_EQ(lower.find("src="), std::string::npos);
  EXPECT_EQ(lower.find("url("), std::string::npos);
  EXPECT_NE(html.find("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\""),
            std::string::npos);

  // ...and every tag, attribute name and attribute value comes from the template.
  const Markup m = scan_markup(html);
  const Markup benign = scan_markup(render(report(kMainFixtures), "html"));
  for (const auto& t : m.tags) {
    EXPECT_TRUE(kTemplateTags.count(t)) << "tag from data: " << t;
  }
  for (const auto& a : m.attributes) {
    EXPECT_TRUE(kTemplateAttributes.count(a)) << "attribute from data: " << a;
  }
  EXPECT_EQ(m.tags, benign.tags);
  EXPECT_EQ(m.attributes, benign.attributes);
  const std::regex number_like("[0-9. ]+");
  for (const auto& v : m.attribute_values) {
    const bool known = benign.attribute_values.count(v) || std::regex_match(v, number_like);
    EXPECT_TRUE(known) << "attribute value from data: " << v;
  }
  // The payload text is still shown, escaped.
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;&#47;script&gt;"), std::string::npos);

  // Markdown and CSV keep no live markup either.
  const std::string md = render(r, "md");
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_EQ(md.find("<img"), std::string::npos);
}

TEST(ReportText, HtmlEscapeCoversEveryContextCharacter) {
  EXPECT_EQ(html_escape("&<>\"'/`={}:"),
            "&amp;&lt;&gt;&quot;&#39;&#47;&#96;&#61;&#123;&#125;&#58;");
  EXPECT_EQ(html_escape("see https://x and HTTP"), "see &#104;ttps&#58;&#47;&#47;x and &#72;TTP");
  EXPECT_EQ(html_escape(std::string("a\x1b[31mb\xff", 8)), "a\xEF\xBF\xBD[31mb\xEF\xBF\xBD");
  EXPECT_EQ(html_escape("line\nnext"), "line next");
  EXPECT_EQ(md_escape("a|b*c_d`e[f]<g>&"), "a\\|b\\*c\\_d\\`e\\[f\\]&lt;g&gt;&amp;");
  EXPECT_EQ(md_escape("# title"), "\\# title");
  EXPECT_EQ(sanitize_text("\xe2\x80\xa8x"), " x");
}

TEST(ReportText, NumbersAreLocaleFreeAndNeverNan) {
  EXPECT_EQ(format_human(12345.6), "12346");
  EXPECT_EQ(format_human(123.456), "123.5");
  EXPECT_EQ(format_human(12.3456), "12.35");
  EXPECT_EQ(format_human(1.23456), "1.235");
  EXPECT_EQ(format_human(0.0123456), "0.01235");
  EXPECT_EQ(format_human(0), "0");
  EXPECT_EQ(format_human(std::nan("")), "n/a");
  EXPECT_EQ(format_fixed(-0.0001, 2), "0.00");
  EXPECT_EQ(format_exact(0.1), "0.1");
  EXPECT_EQ(format_exact(std::numeric_limits<double>::infinity()), "n/a");
}

// ---------------------------------------------------------------------------------------------
// IN-3: exported CSV cells that start with = + - @ are neutralised

TEST(ReportCsv, FormulaCellsAreNeutralised) {
  RunRecord rec;
  GpuInfo g;
  g.name = "=HYPERLINK(\"x\")";
  g.uuid = "GPU-1";
  g.memory_bytes = 1ull << 30;
  rec.gpus.push_back(g);
  const std::vector<std::string> names{"+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tx", "=1+1"};
  for (const auto& n : names) {
    CaseResult c;
    c.name = n;
    c.family = "x";
    c.status = Status::error;
    c.reasons = {"=cmd()"};
    rec.results.push_back(c);
  }
  const ValueReport r = build_value_report({{"@file.json", rec, {}}}, {}, AliasTable{}, {}, {}, {});
  std::ostringstream s;
  render_report_csv(r, s);
  const CsvTable t = parse_csv(s.str(), "report.csv");
  std::size_t guarded = 0;
  for (const auto& row : t.rows) {
    for (const auto& cell : row) {
      ASSERT_FALSE(!cell.empty() && std::string("=+-@\t\r").find(cell[0]) != std::string::npos)
          << "unguarded cell: " << cell;
      guarded += cell.size() > 1 && cell[0] == '\'';
    }
  }
  EXPECT_GE(guarded, names.size() * 2 + 1);  // case names, reasons, file, GPU name
}

// ---------------------------------------------------------------------------------------------
// Compare

TEST(Compare, StripsGpuSegments) {
  EXPECT_EQ(strip_gpu_segment("gemm/square/dtype=bf16/m=8192/gpu=0"),
            "gemm/square/dtype=bf16/m=8192");
  EXPECT_EQ(strip_gpu_segment("nccl/all_reduce/bytes=1/gpus=8"), "nccl/all_reduce/bytes=1");
  EXPECT_EQ(strip_gpu_segment("gpu=3/x"), "x");
  EXPECT_EQ(strip_gpu_segment("host/memcpy/threads=1"), "host/memcpy/threads=1");
  EXPECT_EQ(strip_gpu_segment(""), "");
}

TEST_F(InFixtures, CompareMatchesCasesAndFlagsDifferences) {
  const Comparison c = build_comparison(runs({"h200.json", "h200_b.json"}));
  ASSERT_EQ(c.files.size(), 2u);
  std::map<std::string, const CompareRow*> rows;
  for (const auto& r : c.rows) {
    rows[r.key] = &r;
  }
  const CompareRow* bf16 = rows.at("gemm/square/dtype=bf16/m=8192/n=8192/k=8192");
  ASSERT_TRUE(bf16->cells[1].ratio.has_value());
  EXPECT_NEAR(*bf16->cells[1].ratio, 820.0 / 810.0, 1e-12);
  const auto has = [](const CompareRow* r, const std::string& flag) {
    return std::find(r->flags.begin(), r->flags.end(), flag) != r->flags.end();
  };
  EXPECT_TRUE(has(bf16, "driver differs"));
  EXPECT_TRUE(has(bf16, "max SM clock differs"));
  EXPECT_FALSE(has(bf16, "GPU model differs"));
  EXPECT_TRUE(has(rows.at("gemm/square/dtype=fp8_e4m3/m=8192/n=8192/k=8192"),
                  "methodology_version differs"));
  // Three triad repeats in file 2: the median of the valid ones (4000, 4010), the noisy one out.
  const CompareRow* triad = rows.at("stream/hbm/kernel=triad/dtype=f32");
  EXPECT_EQ(triad->cells[1].repeats, 3);
  EXPECT_DOUBLE_EQ(*triad->cells[1].value, 4005.0);
  // A case only in the first file.
  const CompareRow* copy = rows.at("stream/hbm/kernel=copy/dtype=f32");
  EXPECT_FALSE(copy->cells[1].present);
  EXPECT_TRUE(has(copy, "missing in #2"));
  std::string file_flags;
  for (const auto& f : c.file_flags) {
    file_flags += f + "\n";
  }
  EXPECT_NE(file_flags.find("gpubench version differs"), std::string::npos);
  EXPECT_NE(file_flags.find("driver differs"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Commands: strict arguments, hostile inputs, no partial output

class Commands : public InFixtures {
 protected:
  void SetUp() override {
    InFixtures::SetUp();
    tmp_ = fs::temp_directory_path() /
           ("gpb_report_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
  }
  void TearDown() override {
    fs::remove_all(tmp_);
    InFixtures::TearDown();
  }
  std::vector<std::string> priced(std::vector<std::string> args) const {
    args.insert(args.end(), {"--prices", "prices.csv", "--aliases", "aliases.csv"});
    return args;
  }
  fs::path tmp_;
};

TEST_F(Commands, StrictArguments) {
  EXPECT_THROW(report_command({}), UsageError);
  EXPECT_THROW(report_command({"h200.json", "--bogus"}), UsageError);
  EXPECT_THROW(report_command({"h200.json", "--format"}), UsageError);
  EXPECT_THROW(report_command({"h200.json", "--format", "pdf"}), UsageError);
  EXPECT_THROW(report_command({"h200.json", "--format="}), UsageError);
  EXPECT_THROW(report_command({"h200.json", "--pricing", "reserved"}), UsageError);
  EXPECT_THROW(report_command({"h200.json", "--out", "--overwrite"}), UsageError);
  EXPECT_THROW(report_command({"h200.json", "--format", "md", "--format", "csv"}), UsageError);
  EXPECT_THROW(report_command({"h200.json", "--overwrite=yes"}), UsageError);
  EXPECT_THROW(report_command({"h200.json", "--pricing", "tco", "--prices", "prices.csv"}),
               UsageError);
  EXPECT_THROW(report_command({"h200.json", "--owned", "owned.csv"}), UsageError);
  EXPECT_THROW(compare_command({"h200.json"}), UsageError);
  EXPECT_THROW(compare_command({"h200.json", "h200_b.json", "--format", "html"}), UsageError);
  EXPECT_EQ(report_command({"--help"}), 0);
  EXPECT_EQ(compare_command({"-h"}), 0);
}

TEST_F(Commands, WritesEachFormatAtomicallyAndRefusesToOverwrite) {
  for (const std::string f : {"md", "csv", "json", "html"}) {
    const fs::path out = tmp_ / ("r." + f);
    // The format follows the --out extension.
    EXPECT_EQ(report_command(priced({"h200.json", "h100x8.json", "--out", out.string()})), 0);
    const std::string text = read_file(out);
    EXPECT_EQ(text, [&] {
      std::ostringstream s;
      const AliasTable a = load_alias_table("aliases.csv");
      ReportOptions o;
      o.price_files = {"prices.csv"};
      report_renderers().at(f)(
          build_value_report(
              runs({"h200.json", "h100x8.json"}), load_price_table("prices.csv"), a, {}, {}, o),
          s);
      return s.str();
    }());
    EXPECT_THROW(report_command(priced({"h200.json", "--out", out.string()})), FileExistsError);
    EXPECT_EQ(read_file(out), text);
    EXPECT_EQ(report_command(priced({"h200.json", "--out", out.string(), "--overwrite"})), 0);
  }
  const fs::path cmp = tmp_ / "c.json";
  EXPECT_EQ(compare_command({"h200.json", "h200_b.json", "--out", cmp.string()}), 0);
  EXPECT_NE(read_file(cmp).find("\"gpubench.compare\""), std::string::npos);
}

TEST_F(Commands, DefaultsComeFromTheBundledDataDir) {
  const fs::path data = tmp_ / "data";
  fs::create_directories(data / "prices");
  fs::create_directories(data / "specs");
  fs::copy_file("aliases.csv", data / "gpu_aliases.csv");
  fs::copy_file("prices.csv", data / "prices" / "cloud_offers.csv");
  fs::copy_file("owned.csv", data / "prices" / "owned_costs.csv");
  fs::copy_file("specs.csv", data / "specs" / "gpu_specs.csv");
  const char* old = std::getenv("GPUBENCH_DATA_DIR");
  const std::string saved = old ? old : "";
  ::setenv("GPUBENCH_DATA_DIR", data.c_str(), 1);
  const fs::path out = tmp_ / "r.json";
  const fs::path tco = tmp_ / "t.md";
  EXPECT_EQ(report_command({"h200.json", "--out", out.string()}), 0);
  EXPECT_EQ(report_command({"h200.json", "--pricing", "tco", "--out", tco.string()}), 0);
  if (old) {
    ::setenv("GPUBENCH_DATA_DIR", saved.c_str(), 1);
  } else {
    ::unsetenv("GPUBENCH_DATA_DIR");
  }
  EXPECT_NE(read_file(out).find("cloud_offers.csv:2"), std::string::npos);
  EXPECT_NE(read_file(tco).find("TDP 700 W"), std::string::npos);
}

/// Runs report_command expecting InputError whose message contains `needle`, and no --out.
void expect_rejected(const std::vector<std::string>& args,
                     const fs::path& out,
                     const std::string& needle) {
  try {
    report_command(args);
    ADD_FAILURE() << "accepted; expected an InputError with '" << needle << "'";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(out)) << "partial output left behind";
}

TEST_F(Commands, HostileResultFilesAreRejectedNamingTheFileWithNoOutput) {
  const fs::path out = tmp_ / "report.html";
  // Truncated JSON.
  const std::string h200 = read_file("h200.json");
  const fs::path truncated = tmp_ / "truncated.json";
  write_file(truncated, h200.substr(0, h200.size() / 2));
  expect_rejected(
      priced({"h200.json", truncated.string(), "--out", out.string()}), out, truncated.string());
  // Deep nesting.
  const fs::path deep = tmp_ / "deep.json";
  write_file(deep, std::string(100000, '[') + std::string(100000, ']'));
  expect_rejected(priced({deep.string(), "--out", out.string()}), out, deep.string());
  // Unknown schema major.
  expect_rejected(priced({"schema2.json", "--out", out.string()}), out, "2.0");
  // 100 MB (sparse: rejected by size before anything is read).
  const fs::path big = tmp_ / "big.json";
  { std::ofstream f(big); }
  fs::resize_file(big, 100u << 20);
  expect_rejected(priced({big.string(), "--out", out.string()}), out, "limit");
  // Not a result file at all (e.g. the torch.matmul side-by-side file).
  const fs::path other = tmp_ / "torch.json";
  write_file(other, "{\"tool\": \"torch.matmul\", \"results\": []}");
  expect_rejected(priced({other.string(), "--out", out.string()}), out, other.string());
  // Missing file.
  expect_rejected(
      priced({(tmp_ / "absent.json").string(), "--out", out.string()}), out, "absent.json");
  // A bad price table: the report is not written either.
  const fs::path bad_prices = tmp_ / "bad.csv";
  write_file(bad_prices, read_file("prices.csv") + "x,y,H200,H200-SXM-141GB,1,141,1,5,,USD\n");
  expect_rejected({"h200.json",
                   "--prices",
                   bad_prices.string(),
                   "--aliases",
                   "aliases.csv",
                   "--out",
                   out.string()},
                  out,
                  bad_prices.string());
}

TEST_F(Commands, HostileGpuNamesStayTextAndWriteOnlyTheOutFile) {
  const fs::path out = tmp_ / "x.html";
  EXPECT_EQ(report_command({"xss.json",
                            "xss_gpu_name.json",
                            "--prices",
                            "xss_prices.csv",
                            "--aliases",
                            "aliases.csv",
                            "--out",
                            out.string()}),
            0);
  std::size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(tmp_)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1u);  // nothing named after data, nowhere else
  const std::string html = read_file(out);
  for (const auto& p : kPayloads) {
    EXPECT_EQ(html.find(p), std::string::npos) << p;
  }
}

TEST_F(Commands, ParallelLoadKeepsOrderAndNamesTheFirstBadFile) {
  const auto ok = load_result_files({"h200.json", "h100x8.json", "unmapped.json"}, 2);
  ASSERT_EQ(ok.size(), 3u);
  EXPECT_EQ(ok[1].path, "h100x8.json");
  EXPECT_EQ(ok[1].record.gpus.size(), 8u);
  const fs::path bad1 = tmp_ / "bad1.json";
  const fs::path bad2 = tmp_ / "bad2.json";
  write_file(bad1, "{");
  write_file(bad2, "[");
  for (const unsigned workers : {1u, 2u, 4u}) {
    try {
      (void)load_result_files({"h200.json", bad1.string(), "h100x8.json", bad2.string()}, workers);
      ADD_FAILURE() << "accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("bad1.json"), std::string::npos) << e.what();
    }
  }
}

TEST_F(Commands, SpecTableWithoutTdpColumnIsAnInputError) {
  const fs::path specs = tmp_ / "specs.csv";
  write_file(specs, "gpu_model,source,as_of\nH200 SXM,x,y\n");
  const AliasTable aliases = load_alias_table("aliases.csv");
  try {
    (void)load_gpu_tdp(specs, aliases);
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("tdp_watts"), std::string::npos) << e.what();
  }
  // A range is no single figure: left out, so TCO power is n/a for that model.
  write_file(specs, "gpu_model,tdp_watts,source,as_of\nH200 SXM,450-1000 (module),x,y\n");
  EXPECT_TRUE(load_gpu_tdp(specs, aliases).empty());
  const auto tdp = load_gpu_tdp("specs.csv", aliases);
  ASSERT_EQ(tdp.size(), 3u);
  EXPECT_EQ(tdp[0].model_key, "H200-SXM-141GB");
  EXPECT_DOUBLE_EQ(tdp[0].tdp_w, 700);
  EXPECT_EQ(tdp[0].origin, "specs.csv:2");
}

// ---------------------------------------------------------------------------------------------
// The committed H200 results against the bundled catalog, when the catalog is there.

TEST(ValueReport, ReferenceResultsAgainstBundledData) {
  const fs::path data = bundled_data_dir();
  if (!fs::exists(data / "prices" / "cloud_offers.csv") || !fs::exists(data / "gpu_aliases.csv")) {
    GTEST_SKIP() << "bundled price data not present";
  }
  std::vector<ResultFile> runs;
  for (const auto& e : fs::directory_iterator(fs::path(GPB_SOURCE_DIR) / "results" / "reference")) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".json" && name.find("torch") == std::string::npos) {
      runs.push_back({name, load_run(e.path()), {}});
    }
  }
  std::sort(runs.begin(), runs.end(), [](const ResultFile& a, const ResultFile& b) {
    return a.path < b.path;
  });
  const AliasTable aliases = load_alias_table(data / "gpu_aliases.csv");
  const ValueReport r = build_value_report(
      runs, load_price_table(data / "prices" / "cloud_offers.csv"), aliases, {}, {}, {});
  // Three lent H200s (three GPU UUIDs): three machines, each priced against every H200 offer.
  ASSERT_FALSE(r.machines.empty());
  const MeasuredMetric* bf16 = nullptr;
  for (const auto& m : r.machines) {
    EXPECT_EQ(m.gpu_name, "NVIDIA H200");
    EXPECT_FALSE(m.model_key.empty()) << "the alias table must map the CUDA name NVIDIA H200";
    EXPECT_TRUE(m.unpriced_reason.empty()) << m.unpriced_reason;
    if (const auto* x = metric_of(m, ValueMetric::gemm_bf16); x && !bf16) {
      bf16 = x;
    }
  }
  ASSERT_NE(bf16, nullptr);
  EXPECT_EQ(bf16->kind, "sustained");
  EXPECT_GT(bf16->value, 500);
  EXPECT_LT(bf16->value, 989.5);
  EXPECT_FALSE(r.offers.empty()) << "the bundled catalog prices H200 offers";
  for (const auto& [name, fn] : report_renderers()) {
    std::ostringstream s;
    EXPECT_NO_THROW(fn(r, s)) << name;
  }
}

}  // namespace
}  // namespace gpb
