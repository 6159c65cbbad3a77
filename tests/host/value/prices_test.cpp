// SPDX-License-Identifier: Apache-2.0
// Price data (METHODOLOGY §2.6, DI-8, IN-3): price-table round trip and every bad-input case
// naming file:line:column; TCO arithmetic against hand-computed cases (incl. METHODOLOGY's
// 8xH100 example); the alias table's scoped, memory-checked resolution; the bundled tables.
#include <gpb/common/csv.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/value/prices.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace gpb {
namespace {

namespace fs = std::filesystem;

::testing::AssertionResult HasSubstr(const std::string& text, const std::string& needle) {
  if (text.find(needle) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << needle << "'";
}

const fs::path kData = fs::path(GPB_SOURCE_DIR) / "data";

using test::TempDir;

const std::string kHeader =
    "provider,instance_type,gpu_name,model_key,gpu_count,gpu_memory_gib,on_demand_usd_per_hour,"
    "spot_usd_per_hour,currency,region,as_of,source,notes\n";
const std::string kGoodRow =
    "nebius,gpu-h100-sxm_8gpu,H100,H100-SXM-80GB,8,80,23.6,10,USD,eu-north1,2025-11,catalog,\n";

// The InputError message of loading a price table made of kHeader and `rows`.
std::string price_error(const std::string& rows, const std::string& header = kHeader) {
  const TempDir dir("_error");
  const fs::path p = dir.write("prices.csv", header + rows);
  try {
    load_price_table(p);
  } catch (const InputError& e) {
    std::string msg = e.what();
    // Make the temp path stable for the assertions.
    const std::string prefix = p.string();
    if (msg.compare(0, prefix.size(), prefix) == 0) {
      msg = "prices.csv" + msg.substr(prefix.size());
    }
    return msg;
  }
  ADD_FAILURE() << "loaded without error: " << rows;
  return {};
}

// kGoodRow with column `index` (0-based) replaced by `value`.
std::string row_with(std::size_t index, const std::string& value) {
  std::vector<std::string> cells;
  std::string cell;
  for (char c : kGoodRow) {
    if (c == ',' || c == '\n') {
      cells.push_back(cell);
      cell.clear();
    } else {
      cell.push_back(c);
    }
  }
  cells.at(index) = value;
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    out += (i > 0 ? "," : "") + cells[i];
  }
  return out + "\n";
}

PriceQuote sample_quote() {
  PriceQuote q;
  q.provider = "vast";
  q.instance_type = "1x-H100_SXM-32-65536";
  q.gpu_name = "H100";
  q.model_key = "H100-SXM-80GB";
  q.gpu_count = 1;
  q.gpu_memory_gib = 79.65;
  q.on_demand_usd_per_hour = 1.8;
  q.region = "Florida, US, NA";
  q.as_of = "2025-11-20";
  q.source = "SkyPilot catalog \"vast\" (v9)";
  q.notes = "spot 0.00 read as no spot";
  return q;
}

// ---- price table ---------------------------------------------------------------------------

TEST(PriceTable, RoundTrip) {
  const TempDir dir;
  std::vector<PriceQuote> in;
  in.push_back(sample_quote());
  PriceQuote frac = sample_quote();
  frac.provider = "aws";
  frac.instance_type = "g6f.2xlarge";
  frac.gpu_name = "L4";
  frac.model_key = "L4-24GB";
  frac.gpu_count = 0.25;
  frac.gpu_memory_gib.reset();
  frac.on_demand_usd_per_hour = 0.475;
  frac.spot_usd_per_hour = 0.36979999999999996;
  frac.region = "=us-east-1";  // formula-like text survives the guard
  frac.notes = "";
  in.push_back(frac);
  PriceQuote spot_only = sample_quote();
  spot_only.provider = "aws";
  spot_only.instance_type = "p5e.48xlarge";
  spot_only.model_key = "";  // unmapped stays unmapped
  spot_only.on_demand_usd_per_hour.reset();
  spot_only.spot_usd_per_hour = 10.0644;
  spot_only.region = "ap-southeast-3";
  in.push_back(spot_only);

  const fs::path p = dir.path() / "offers.csv";
  save_price_table(in, p, false);
  const std::vector<PriceQuote> out = load_price_table(p);
  ASSERT_EQ(out.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].provider, in[i].provider);
    EXPECT_EQ(out[i].instance_type, in[i].instance_type);
    EXPECT_EQ(out[i].gpu_name, in[i].gpu_name);
    EXPECT_EQ(out[i].model_key, in[i].model_key);
    EXPECT_EQ(out[i].gpu_count, in[i].gpu_count);
    EXPECT_EQ(out[i].gpu_memory_gib, in[i].gpu_memory_gib);
    EXPECT_EQ(out[i].on_demand_usd_per_hour, in[i].on_demand_usd_per_hour);
    EXPECT_EQ(out[i].spot_usd_per_hour, in[i].spot_usd_per_hour);
    EXPECT_EQ(out[i].currency, "USD");
    EXPECT_EQ(out[i].region, in[i].region);
    EXPECT_EQ(out[i].as_of, in[i].as_of);
    EXPECT_EQ(out[i].source, in[i].source);
    EXPECT_EQ(out[i].notes, in[i].notes);
    EXPECT_EQ(out[i].origin, p.string() + ":" + std::to_string(i + 2));
  }
  // The file itself never starts a cell with a formula trigger.
  std::ifstream f(p);
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(HasSubstr(text, ",'=us-east-1,"));
  // No overwrite without asking; with it, the file is replaced.
  EXPECT_THROW(save_price_table(in, p, false), FileExistsError);
  EXPECT_NO_THROW(save_price_table({in[0]}, p, true));
  EXPECT_EQ(load_price_table(p).size(), 1u);
}

TEST(PriceTable, PerGpuHour) {
  PriceQuote q = sample_quote();
  q.gpu_count = 8;
  q.on_demand_usd_per_hour = 23.6;
  q.spot_usd_per_hour = 10;
  EXPECT_DOUBLE_EQ(*usd_per_gpu_hour(q, PricingBasis::on_demand), 2.95);
  EXPECT_DOUBLE_EQ(*usd_per_gpu_hour(q, PricingBasis::spot), 1.25);
  EXPECT_FALSE(usd_per_gpu_hour(q, PricingBasis::owned));
  q.spot_usd_per_hour.reset();
  EXPECT_FALSE(usd_per_gpu_hour(q, PricingBasis::spot));  // "n/a", never 0 (DI-8)
  q.gpu_count = 0.25;
  q.on_demand_usd_per_hour = 0.475;
  EXPECT_DOUBLE_EQ(*usd_per_gpu_hour(q, PricingBasis::on_demand), 1.9);
}

TEST(PriceTable, GoodRowLoads) {
  const TempDir dir;
  const auto q = load_price_table(dir.write("p.csv", kHeader + kGoodRow));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].spot_usd_per_hour, std::optional<double>(10));
  // Optional columns may be absent; column order is free.
  const auto q2 = load_price_table(dir.write(
      "p2.csv",
      "source,as_of,region,currency,spot_usd_per_hour,on_demand_usd_per_hour,gpu_count,model_key,"
      "gpu_name,instance_type,provider\ncat,2025,r,USD,,2,1,,A10,i,p\n"));
  ASSERT_EQ(q2.size(), 1u);
  EXPECT_EQ(q2[0].provider, "p");
  EXPECT_FALSE(q2[0].gpu_memory_gib);
}

TEST(PriceTable, MissingDuplicateAndUnknownColumns) {
  const std::string no_count =
      "provider,instance_type,gpu_name,model_key,on_demand_usd_per_hour,spot_usd_per_hour,"
      "currency,region,as_of,source\n";
  EXPECT_TRUE(HasSubstr(price_error("p,i,g,,1,,USD,r,2025,s\n", no_count),
                        "prices.csv: missing column 'gpu_count'"));
  EXPECT_TRUE(HasSubstr(price_error(kGoodRow, "provider," + kHeader),
                        "prices.csv:1: duplicate column 'provider' (columns 1 and 2)"));
  EXPECT_TRUE(HasSubstr(price_error(row_with(0, "nebius,x"), "extra," + kHeader),
                        "prices.csv:1: unknown column 'extra'"));
}

TEST(PriceTable, BadValuesNameFileLineAndColumn) {
  struct Case {
    std::size_t column;
    std::string value;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {6, "abc", "prices.csv:2: column 'on_demand_usd_per_hour': 'abc' is not a number"},
      {6, "-1", "prices.csv:2: column 'on_demand_usd_per_hour': price -1 must be finite and > 0"},
      {6, "0", "prices.csv:2: column 'on_demand_usd_per_hour': price 0 must be finite and > 0"},
      {6, "NaN", "prices.csv:2: column 'on_demand_usd_per_hour': 'NaN' is not a number"},
      {6, "inf", "prices.csv:2: column 'on_demand_usd_per_hour': 'inf' is not a number"},
      {6,
       "\"1,5\"",
       "prices.csv:2: column 'on_demand_usd_per_hour': '1,5' is not a number (use '.'"},
      {7, "0", "prices.csv:2: column 'spot_usd_per_hour': price 0 must be finite and > 0"},
      {7, "-0.5", "prices.csv:2: column 'spot_usd_per_hour': price -0.5 must be"},
      {4, "", "prices.csv:2: column 'gpu_count': empty (expected a number)"},
      {4, "0", "prices.csv:2: column 'gpu_count': 0 must be > 0"},
      {4, "-8", "prices.csv:2: column 'gpu_count': -8 must be > 0"},
      {5, "0", "prices.csv:2: column 'gpu_memory_gib': 0 must be > 0"},
      {0, "", "prices.csv:2: column 'provider': empty (required)"},
      {1, "", "prices.csv:2: column 'instance_type': empty (required)"},
      {2, "", "prices.csv:2: column 'gpu_name': empty (required)"},
      {10, "", "prices.csv:2: column 'as_of': empty (required)"},
      {11, "", "prices.csv:2: column 'source': empty (required)"},
      {8, "", "prices.csv:2: column 'currency': empty (required)"},
      {8, "EUR", "prices.csv:2: column 'currency': unknown currency 'EUR' (only USD is supported)"},
      {8, "usd", "prices.csv:2: column 'currency': 'usd' is not a currency code"},
      {8, "US$", "prices.csv:2: column 'currency': 'US$' is not a currency code"},
      {9, "\"a\tb\"", "prices.csv:2: column 'region': contains a control character"},
  };
  for (const Case& c : cases) {
    // A good first row, so the bad one is on line 3.
    const std::string msg = price_error(row_with(1, "first") + row_with(c.column, c.value));
    std::string expected = c.expected;
    expected.replace(expected.find(":2:"), 3, ":3:");
    EXPECT_TRUE(HasSubstr(msg, expected)) << "column " << c.column << " value " << c.value;
  }
}

TEST(PriceTable, NoPriceAndDuplicateOffers) {
  std::string no_price = row_with(6, "");
  no_price = no_price.replace(no_price.find(",10,"), 4, ",,");
  EXPECT_TRUE(HasSubstr(price_error(no_price),
                        "prices.csv:2: column 'on_demand_usd_per_hour': no price (on-demand and "
                        "spot are both empty)"));
  EXPECT_TRUE(HasSubstr(price_error(kGoodRow + row_with(5, "81")),
                        "prices.csv:3: column 'instance_type': duplicate offer (nebius, "
                        "gpu-h100-sxm_8gpu, region 'eu-north1'), first on line 2"));
  // Same instance type in another region is a different offer.
  const TempDir dir;
  EXPECT_EQ(
      load_price_table(dir.write("p.csv", kHeader + kGoodRow + row_with(9, "us-east1"))).size(),
      2u);
}

TEST(PriceTable, RaggedRowAndCrlfBom) {
  EXPECT_TRUE(
      HasSubstr(price_error("nebius,x\n"), "prices.csv:2: 2 fields, but the header has 13"));
  const TempDir dir;
  std::string crlf = "\xEF\xBB\xBF" + kHeader + kGoodRow;
  for (std::size_t i = 0; (i = crlf.find('\n', i)) != std::string::npos; i += 2) {
    crlf.replace(i, 1, "\r\n");
  }
  const auto q = load_price_table(dir.write("crlf.csv", crlf));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].notes, "");
  EXPECT_EQ(q[0].provider, "nebius");
}

TEST(PriceTable, SaveRefusesInvalidQuotesAndLeavesNoFile) {
  const TempDir dir;
  const fs::path p = dir.path() / "out.csv";
  PriceQuote q = sample_quote();
  q.on_demand_usd_per_hour = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(save_price_table({q}, p, false), std::invalid_argument);
  q.on_demand_usd_per_hour = 0;
  EXPECT_THROW(save_price_table({q}, p, false), std::invalid_argument);
  q = sample_quote();
  q.currency = "EUR";
  EXPECT_THROW(save_price_table({q}, p, false), std::invalid_argument);
  q = sample_quote();
  EXPECT_THROW(save_price_table({q, q}, p, false), std::invalid_argument);  // duplicate
  EXPECT_FALSE(fs::exists(p));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 0);
}

TEST(PriceTable, FileLimits) {
  const TempDir dir;
  EXPECT_THROW(load_price_table(dir.path() / "absent.csv"), InputError);
  EXPECT_THROW(load_price_table(dir.path()), InputError);
  EXPECT_THROW(load_price_table(dir.write("empty.csv", "")), InputError);
  EXPECT_THROW(load_price_table(dir.write("nul.csv", kHeader + std::string("a\0b", 3))),
               InputError);
  // A 100 MB file is refused from its size, before it is read (sparse: no disk used).
  const fs::path big = dir.write("big.csv", kHeader);
  fs::resize_file(big, 100u << 20);
  try {
    load_price_table(big);
    ADD_FAILURE() << "100 MB file accepted";
  } catch (const InputError& e) {
    EXPECT_TRUE(HasSubstr(e.what(), "104857600 bytes, more than the 67108864-byte limit"));
  }
}

// ---- TCO -------------------------------------------------------------------------------------

TEST(Tco, CapitalRecoveryFactor) {
  EXPECT_DOUBLE_EQ(capital_recovery_factor(0, 4), 0.25);
  EXPECT_DOUBLE_EQ(capital_recovery_factor(0, 2.5), 0.4);
  // r(1+r)^N/((1+r)^N-1): 0.08 * 1.36048896 / 0.36048896 = 0.30192080...
  EXPECT_NEAR(capital_recovery_factor(0.08, 4), 0.3019208045, 1e-9);
  // 0.05, 10 years: 0.12950457...
  EXPECT_NEAR(capital_recovery_factor(0.05, 10), 0.1295045750, 1e-9);
  // Tiny r approaches 1/N smoothly.
  EXPECT_NEAR(capital_recovery_factor(1e-12, 4), 0.25, 1e-9);
  EXPECT_THROW(capital_recovery_factor(0.08, 0), std::invalid_argument);
  EXPECT_THROW(capital_recovery_factor(-0.01, 4), std::invalid_argument);
  EXPECT_THROW(capital_recovery_factor(std::nan(""), 4), std::invalid_argument);
  EXPECT_THROW(capital_recovery_factor(0.08, std::numeric_limits<double>::infinity()),
               std::invalid_argument);
}

OwnedCost methodology_example() {
  OwnedCost c;
  c.name = "8x H100 server";
  c.model_key = "H100-SXM-80GB";
  c.gpus = 8;
  c.price_usd = 300000;
  c.life_years = 4;
  c.cost_of_capital = 0;
  c.power_kw = 10.2;
  c.pue = 1.3;
  c.usd_per_kwh = 0.08;
  return c;
}

TEST(Tco, MethodologyExample) {
  // METHODOLOGY §2.6: 300000 / 4 / 8760 = 8.5616/h per node, /8 = 1.0702 per GPU-hour;
  // power 10.2 kW x 1.3 x 0.08 = 1.0608/h per node = 0.1326 per GPU-hour.
  const OwnedCostBreakdown b = owned_cost_per_gpu_hour(methodology_example());
  EXPECT_NEAR(b.capex, 300000.0 / 4 / 8760 / 8, 1e-12);
  EXPECT_NEAR(b.capex, 1.0702, 5e-5);
  EXPECT_NEAR(b.power, 0.1326, 1e-12);
  EXPECT_EQ(b.opex, 0);
  EXPECT_NEAR(b.total, 1.0702 + 0.1326, 5e-5);
  EXPECT_FALSE(b.power_measured);
}

TEST(Tco, CostOfCapitalAvailabilityUtilizationOpex) {
  OwnedCost c = methodology_example();
  c.cost_of_capital = 0.08;
  // 300000 x 0.3019208045 / 8760 / 8 = 1.292469... per GPU-hour.
  EXPECT_NEAR(owned_cost_per_gpu_hour(c).capex, 1.2924692, 1e-6);
  c = methodology_example();
  c.availability = 0.9;  // capex spread over fewer up hours: 1.07020548 / 0.9
  c.utilization = 0.5;   // every part doubles
  c.opex_usd_per_hour = 2;
  const OwnedCostBreakdown b = owned_cost_per_gpu_hour(c);
  EXPECT_NEAR(b.capex, 300000.0 / 4 / (8760 * 0.9) / 0.5 / 8, 1e-12);
  EXPECT_NEAR(b.capex, 2.3782344, 1e-6);
  EXPECT_NEAR(b.power, 0.2652, 1e-12);
  EXPECT_NEAR(b.opex, 0.5, 1e-12);
  EXPECT_NEAR(b.total, b.capex + b.power + b.opex, 1e-12);
}

TEST(Tco, MeasuredPowerOverridesAndIsFlagged) {
  OwnedCost c = methodology_example();
  const OwnedCostBreakdown b = owned_cost_per_gpu_hour(c, 6.0);  // measured 6 kW
  EXPECT_TRUE(b.power_measured);
  EXPECT_NEAR(b.power, 6.0 * 1.3 * 0.08 / 8, 1e-12);
  c.power_kw.reset();
  EXPECT_THROW(owned_cost_per_gpu_hour(c), std::invalid_argument);  // no power at all
  EXPECT_NO_THROW(owned_cost_per_gpu_hour(c, 0.0));
  EXPECT_THROW(owned_cost_per_gpu_hour(c, -1.0), std::invalid_argument);
}

TEST(Tco, RejectsBadInputs) {
  const auto rejects = [](void (*edit)(OwnedCost&), const char* field) {
    OwnedCost c = methodology_example();
    edit(c);
    try {
      owned_cost_per_gpu_hour(c);
      ADD_FAILURE() << field << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_TRUE(HasSubstr(e.what(), field));
    }
  };
  rejects([](OwnedCost& c) { c.life_years = 0; }, "life_years");
  rejects([](OwnedCost& c) { c.life_years = -1; }, "life_years");
  rejects([](OwnedCost& c) { c.utilization = 0; }, "utilization");
  rejects([](OwnedCost& c) { c.utilization = 1.5; }, "utilization");
  rejects([](OwnedCost& c) { c.availability = 0; }, "availability");
  rejects([](OwnedCost& c) { c.gpus = 0; }, "gpus");
  rejects([](OwnedCost& c) { c.price_usd = 0; }, "price_usd");
  rejects([](OwnedCost& c) { c.price_usd = std::nan(""); }, "price_usd");
  rejects([](OwnedCost& c) { c.cost_of_capital = -0.1; }, "cost_of_capital");
  rejects([](OwnedCost& c) { c.pue = 0.9; }, "pue");
  rejects([](OwnedCost& c) { c.usd_per_kwh = -0.01; }, "usd_per_kwh");
  rejects([](OwnedCost& c) { c.opex_usd_per_hour = -1; }, "opex_usd_per_hour");
  rejects([](OwnedCost& c) { c.power_kw = std::numeric_limits<double>::infinity(); }, "power_kw");
}

TEST(OwnedCosts, LoadsAndRejects) {
  const TempDir dir;
  const std::string header =
      "name,model_key,gpus,price_usd,power_kw,currency,verified,as_of,source\n";
  const auto costs = load_owned_costs(dir.write(
      "o.csv", header + "\"8x H100, quote\",H100-SXM-80GB,8,300000,10.2,USD,no,2024-08,q\n"));
  ASSERT_EQ(costs.size(), 1u);
  EXPECT_EQ(costs[0].name, "8x H100, quote");
  EXPECT_EQ(costs[0].life_years, 4);  // default
  EXPECT_FALSE(costs[0].verified);
  EXPECT_EQ(costs[0].power_kw, std::optional<double>(10.2));
  const auto error = [&](const std::string& row, const std::string& h = "") {
    try {
      load_owned_costs(dir.write("bad.csv", (h.empty() ? header : h) + row));
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    ADD_FAILURE() << row;
    return std::string();
  };
  EXPECT_TRUE(HasSubstr(error("a,K,8,0,10,USD,yes,2024,q\n"), "bad.csv:2: column 'price_usd'"));
  EXPECT_TRUE(HasSubstr(error("a,K,8,-5,10,USD,yes,2024,q\n"), "bad.csv:2: column 'price_usd'"));
  EXPECT_TRUE(HasSubstr(error("a,K,8,\"300,000\",10,USD,yes,2024,q\n"),
                        "bad.csv:2: column 'price_usd': '300,000' is not a number"));
  EXPECT_TRUE(HasSubstr(error("a,K,8,1,10,EUR,yes,2024,q\n"),
                        "bad.csv:2: column 'currency': unknown currency 'EUR'"));
  EXPECT_TRUE(HasSubstr(error("a,K,8,1,10,USD,maybe,2024,q\n"), "column 'verified'"));
  EXPECT_TRUE(HasSubstr(error("a,K,8,1,10,USD,yes,2024,q\na,K,8,1,10,USD,yes,2024,q\n"),
                        "bad.csv:3: column 'name': duplicate name 'a'"));
  EXPECT_TRUE(HasSubstr(error("a,K,8,1,,USD,yes,,q\n"), "bad.csv:2: column 'as_of': empty"));
  EXPECT_TRUE(
      HasSubstr(error("a,K,8,1\n", "name,model_key,gpus,price_usd\n"), "missing column 'as_of'"));
  EXPECT_NO_THROW(load_owned_costs(
      dir.write("pue1.csv", "name,model_key,gpus,price_usd,as_of,source,pue\na,K,8,1,2024,q,1\n")));
  EXPECT_TRUE(
      HasSubstr(error("a,K,8,1,2024,q,0.5\n", "name,model_key,gpus,price_usd,as_of,source,pue\n"),
                "bad.csv:2: column 'pue': 0.5 must be >= 1"));
}

TEST(OwnedCosts, BundledTableLoadsAndFlagsUnverifiedRows) {
  const auto costs = load_owned_costs(kData / "prices" / "owned_costs.csv");
  ASSERT_GE(costs.size(), 8u);
  const AliasTable aliases = load_alias_table(kData / "gpu_aliases.csv");
  std::size_t unverified = 0;
  for (const OwnedCost& c : costs) {
    EXPECT_FALSE(c.source.empty()) << c.name;
    EXPECT_FALSE(c.as_of.empty()) << c.name;
    EXPECT_NE(aliases.find(c.model_key), nullptr) << c.model_key;
    unverified += c.verified ? 0 : 1;
    if (c.power_kw) {
      EXPECT_GT(owned_cost_per_gpu_hour(c).total, 0);
    }
  }
  EXPECT_GE(unverified, 3u);  // DGX A100, RTX 6000 Ada, RTX A6000 are reviewer knowledge
}

// ---- aliases ---------------------------------------------------------------------------------

class Aliases : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    table_ = new AliasTable(load_alias_table(kData / "gpu_aliases.csv"));
  }
  static void TearDownTestSuite() {
    delete table_;
    table_ = nullptr;
  }
  static const AliasTable& table() { return *table_; }

 private:
  static AliasTable* table_;
};
AliasTable* Aliases::table_ = nullptr;

TEST_F(Aliases, Normalisation) {
  EXPECT_EQ(normalise_gpu_name("NVIDIA A100-SXM4-80GB"), "nvidiaa100sxm480gb");
  EXPECT_EQ(normalise_gpu_name(" RTX_PRO 6000-96GB "), "rtxpro600096gb");
  EXPECT_EQ(resolve_model(table(), "nvidia h100 80gb hbm3"), "H100-SXM-80GB");
  EXPECT_EQ(resolve_model(table(), "NVIDIA_H100-80GB_HBM3"), "H100-SXM-80GB");
  EXPECT_EQ(resolve_model(table(), "a100_80gb"), "A100-SXM4-80GB");
  EXPECT_EQ(resolve_model(table(), "rtx pro 6000 96gb"), "RTXPRO6000-96GB");
  EXPECT_EQ(resolve_model(table(), "h100-sxm-80gb"), "H100-SXM-80GB");  // a model key itself
}

TEST_F(Aliases, CudaDeviceNames) {
  const std::map<std::string, std::string> expected = {
      {"NVIDIA H100 80GB HBM3", "H100-SXM-80GB"},
      {"NVIDIA H100 PCIe", "H100-PCIe-80GB"},
      {"NVIDIA H100 NVL", "H100-NVL-94GB"},
      {"NVIDIA H200", "H200-SXM-141GB"},
      {"NVIDIA H200 NVL", "H200-NVL-141GB"},
      {"NVIDIA A100-SXM4-80GB", "A100-SXM4-80GB"},
      {"NVIDIA A100-SXM4-40GB", "A100-SXM4-40GB"},
      {"NVIDIA A100 80GB PCIe", "A100-PCIe-80GB"},
      {"NVIDIA A100-PCIE-40GB", "A100-PCIe-40GB"},
      {"NVIDIA L40S", "L40S-48GB"},
      {"NVIDIA L4", "L4-24GB"},
      {"NVIDIA A10G", "A10G-24GB"},
      {"NVIDIA A10", "A10-24GB"},
      {"Tesla T4", "T4-16GB"},
      {"Tesla V100-SXM2-32GB", "V100-SXM2-32GB"},
      {"Tesla V100-SXM2-16GB", "V100-SXM2-16GB"},
      {"NVIDIA B200", "B200-SXM-180GB"},
      {"NVIDIA GeForce RTX 4090", "RTX4090-24GB"},
      {"NVIDIA RTX A6000", "RTXA6000-48GB"},
      {"NVIDIA RTX 6000 Ada Generation", "RTX6000Ada-48GB"},
      {"NVIDIA RTX PRO 6000 Blackwell Server Edition", "RTXPRO6000-96GB"},
      {"NVIDIA RTX PRO 6000 Blackwell Workstation Edition", "RTXPRO6000-96GB"},
  };
  for (const auto& [name, key] : expected) {
    EXPECT_EQ(resolve_model(table(), name), std::optional<std::string>(key)) << name;
  }
}

TEST_F(Aliases, CatalogNames) {
  const std::map<std::string, std::string> expected = {
      {"H100", "H100-SXM-80GB"},
      {"H100-SXM", "H100-SXM-80GB"},
      {"H100-MEGA", "H100-SXM-80GB"},
      {"H100-NVLINK", "H100-SXM-80GB"},
      {"A100-80GB", "A100-SXM4-80GB"},
      {"A100-80GB-SXM", "A100-SXM4-80GB"},
      {"A100", "A100-SXM4-40GB"},
      {"RTXA6000", "RTXA6000-48GB"},
      {"A6000", "RTXA6000-48GB"},
      {"RTX PRO 6000 96GB", "RTXPRO6000-96GB"},
      {"RTXPRO6000WS", "RTXPRO6000-96GB"},
      {"L40S", "L40S-48GB"},
      {"GH200", "GH200-96GB"},
      {"RTX6000", "QuadroRTX6000-24GB"},
      {"T4g", "T4G-16GB"},
      {"V100-32GB", "V100-SXM2-32GB"},
  };
  for (const auto& [name, key] : expected) {
    EXPECT_EQ(resolve_model(table(), name), std::optional<std::string>(key)) << name;
  }
}

TEST_F(Aliases, UnmappedIsNeverGuessed) {
  for (const char* name : {"NVIDIA H100",
                           "Radeon MI25",
                           "H100 80GB",
                           "H10",
                           "",
                           "  ",
                           "NVIDIA",
                           "<script>alert(1)</script>",
                           "../etc/passwd",
                           "MI300X"}) {
    EXPECT_FALSE(resolve_model(table(), name)) << name;
  }
  const ModelResolution r =
      resolve_offer_model(table(), "azure", "Standard_NV4as_v4", "Radeon MI25");
  EXPECT_FALSE(r.model_key);
  EXPECT_EQ(r.reason, "no alias");
}

TEST_F(Aliases, MemoryPicksAndChecks) {
  // One CUDA name, two memory sizes.
  EXPECT_FALSE(resolve_model(table(), "NVIDIA GeForce RTX 4060 Ti"));
  EXPECT_EQ(resolve_model(table(), "NVIDIA GeForce RTX 4060 Ti", 15.6), "RTX4060Ti-16GB");
  EXPECT_EQ(resolve_model(table(), "NVIDIA GeForce RTX 4060 Ti", 7.6), "RTX4060Ti-8GB");
  // A 48 GB "RTX 4090" is not the 24 GB card.
  EXPECT_FALSE(resolve_model(table(), "NVIDIA GeForce RTX 4090", 47.99));
  EXPECT_EQ(resolve_model(table(), "NVIDIA GeForce RTX 4090", 23.99), "RTX4090-24GB");
  // GiB as listed vs GB as marketed: 79.65 GiB is an 80 GB H100; 93.6 GiB is not.
  EXPECT_EQ(resolve_model(table(), "H100", 79.65), "H100-SXM-80GB");
  EXPECT_FALSE(resolve_model(table(), "H100", 93.58));
  EXPECT_EQ(resolve_model(table(), "B300", 268.59), "B300-SXM-288GB");
  EXPECT_EQ(resolve_model(table(), "A10G", 22.35), "A10G-24GB");
}

TEST_F(Aliases, ScopedRules) {
  const auto key = [&](const char* p, const char* i, const char* n, std::optional<double> m = {}) {
    return resolve_offer_model(table(), p, i, n, m).model_key.value_or("(unmapped)");
  };
  EXPECT_EQ(key("lambda", "gpu_1x_h100_pcie", "H100"), "H100-PCIe-80GB");
  EXPECT_EQ(key("lambda", "gpu_8x_h100_sxm5", "H100"), "H100-SXM-80GB");
  EXPECT_EQ(key("lambda", "gpu_8x_a100", "A100"), "(unmapped)");  // PCIe or SXM4: not said
  EXPECT_EQ(key("lambda", "gpu_1x_a100_sxm4", "A100"), "A100-SXM4-40GB");
  EXPECT_EQ(key("LAMBDA", "gpu_1x_a10", "A10"), "A10-24GB");  // unscoped name, provider case
  EXPECT_EQ(key("azure", "Standard_NC40ads_H100_v5", "H100"), "H100-NVL-94GB");
  EXPECT_EQ(key("azure", "Standard_NC80adis_H100_v5", "H100", 80), "H100-NVL-94GB");
  EXPECT_EQ(key("azure", "Standard_ND96isr_H100_v5", "H100"), "H100-SXM-80GB");
  EXPECT_EQ(key("azure", "Standard_NC24ads_A100_v4", "A100-80GB"), "A100-PCIe-80GB");
  EXPECT_EQ(key("runpod", "1x_A100-80GB_SECURE", "A100-80GB"), "A100-PCIe-80GB");
  EXPECT_EQ(key("runpod", "4x_A100-80GB-SXM_SECURE", "A100-80GB-SXM"), "A100-SXM4-80GB");
  EXPECT_EQ(key("vast", "1x-H100_SXM-32-65536", "H100", 79.65), "H100-SXM-80GB");
  EXPECT_EQ(key("vast", "2x-H100_NVL-32-65536", "H100", 93.58), "H100-NVL-94GB");
  EXPECT_EQ(key("vast", "9x-H100_FOO-32-65536", "H100", 79.65), "(unmapped)");
  EXPECT_EQ(key("vast", "1x-A100_SXM4-32-65536", "A100", 40), "A100-SXM4-40GB");
  EXPECT_EQ(key("vast", "1x-A100_SXM4-32-65536", "A100", 80), "A100-SXM4-80GB");
  EXPECT_EQ(key("vast", "1x-A100_SXM4-32-65536", "A100"), "(unmapped)");  // memory unknown
  EXPECT_EQ(key("vast", "1x-A100_SXM4-32-65536", "A100", 60), "(unmapped)");
  EXPECT_EQ(key("vast", "2x-RTX_4090-32-65536", "RTX4090", 47.99), "(unmapped)");
  EXPECT_EQ(key("vast", "4x-RTX_4070S_Ti-32-65536", "RTX4070", 15.99), "RTX4070TiSuper-16GB");
  EXPECT_EQ(key("vast", "1x-Tesla_V100-32-65536", "V100", 16), "(unmapped)");
  EXPECT_EQ(key("aws", "p3.2xlarge", "V100", 16), "V100-SXM2-16GB");
  const ModelResolution amb = resolve_offer_model(table(), "vast", "1x-A100_SXM4-32-65536", "A100");
  EXPECT_TRUE(HasSubstr(amb.reason, "ambiguous")) << amb.reason;
  EXPECT_TRUE(HasSubstr(amb.reason, "A100-SXM4-40GB")) << amb.reason;
}

TEST_F(Aliases, EveryReferenceNameIsCovered) {
  // Every gpu_model of the reference price data and of the real Nebius catalog either maps or
  // is a known unmapped name (AMD, and names marked ambiguous for some provider).
  // RTX4060 is a vast-only name whose variants only vast's instance names tell apart.
  const std::set<std::string> known_unmapped = {"Radeon MI25", "RTX4060"};
  std::set<std::string> names;
  for (const PriceQuote& q : load_price_table(kData / "prices" / "cloud_offers.csv")) {
    names.insert(q.gpu_name);
  }
  for (const char* n : {"H100", "H200", "B200", "L40S"}) {  // nebius_vms.csv
    names.insert(n);
  }
  for (const std::string& n : names) {
    if (known_unmapped.count(n) == 0) {
      EXPECT_TRUE(resolve_model(table(), n).has_value()) << n;
    }
  }
}

TEST_F(Aliases, ModelsHaveSpecRowsWhereTheSpecTableHasThem) {
  const CsvTable specs = read_csv_file((kData / "specs" / "gpu_specs.csv").string());
  std::set<std::string> spec_models;
  for (std::size_t r = 0; r < specs.rows.size(); ++r) {
    spec_models.insert(csv_text(specs, r, "gpu_model"));
  }
  std::size_t linked = 0;
  for (const GpuModel& m : table().models) {
    if (!m.spec_model.empty()) {
      EXPECT_EQ(spec_models.count(m.spec_model), 1u) << m.key << " -> " << m.spec_model;
      ++linked;
    }
  }
  EXPECT_GE(linked, 18u);
}

TEST(AliasTable, RejectsBadTables) {
  const TempDir dir;
  const std::string header =
      "kind,name,model_key,provider,instance_type,family,memory_gb,form_factor,spec_model,source\n";
  const std::string model = "model,,X-1GB,,,X,1,PCIe,,src\n";
  const auto error = [&](const std::string& rows) {
    try {
      load_alias_table(dir.write("a.csv", header + rows));
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    ADD_FAILURE() << rows;
    return std::string();
  };
  EXPECT_NO_THROW(
      load_alias_table(dir.write("ok.csv", header + model + "alias,x,X-1GB,,,,,,,s\n")));
  EXPECT_TRUE(HasSubstr(error(model + "thing,x,X-1GB,,,,,,,s\n"), "a.csv:3: column 'kind'"));
  EXPECT_TRUE(HasSubstr(error(model + "alias,x,Y-1GB,,,,,,,s\n"),
                        "a.csv:3: column 'model_key': 'Y-1GB' is not a model defined"));
  EXPECT_TRUE(
      HasSubstr(error(model + model), "a.csv:3: column 'model_key': model 'X-1GB' already"));
  EXPECT_TRUE(HasSubstr(error("model,,X-1GB,,,X,1,Board,,s\n"), "a.csv:2: column 'form_factor'"));
  EXPECT_TRUE(HasSubstr(error("model,,X-1GB,,,X,0,PCIe,,s\n"), "a.csv:2: column 'memory_gb'"));
  EXPECT_TRUE(HasSubstr(error("model,,X/../1,,,X,1,PCIe,,s\n"), "a.csv:2: column 'model_key'"));
  EXPECT_TRUE(HasSubstr(error(model + "alias,x,X-1GB,,,,,,,s\nalias,X,X-1GB,,,,,,,s\n"),
                        "a.csv:4: column 'name': duplicate rule"));
  EXPECT_TRUE(HasSubstr(error(model + "alias,x,X-1GB,,i*,,,,,s\n"), "a.csv:3: column 'provider'"));
  EXPECT_TRUE(HasSubstr(error(model + "alias,x,,p,,,,,,amb\nalias,x,X-1GB,p,,,,,,s\n"),
                        "marked ambiguous and mapped in the same scope"));
  EXPECT_TRUE(HasSubstr(error(model + "alias,x,X-1GB,,,,,,,\n"), "a.csv:3: column 'source'"));
  EXPECT_TRUE(HasSubstr(error(model + "alias,x,X-1GB,,,X,,,,s\n"), "a.csv:3: column 'family'"));
}

// ---- bundled cloud offers ------------------------------------------------------------------

TEST(BundledOffers, LoadWithSourceAsOfAndConsistentModelKeys) {
  const auto quotes = load_price_table(kData / "prices" / "cloud_offers.csv");
  EXPECT_EQ(quotes.size(), 208u);  // one per row of the reference cloud_gpu_prices.csv
  const AliasTable aliases = load_alias_table(kData / "gpu_aliases.csv");
  std::size_t mapped = 0;
  for (const PriceQuote& q : quotes) {
    EXPECT_FALSE(q.source.empty()) << q.origin;
    EXPECT_FALSE(q.as_of.empty()) << q.origin;
    EXPECT_TRUE(q.on_demand_usd_per_hour || q.spot_usd_per_hour) << q.origin;
    // scripts/build_price_tables.py resolved the key; the C++ resolver must agree.
    const ModelResolution r =
        resolve_offer_model(aliases, q.provider, q.instance_type, q.gpu_name, q.gpu_memory_gib);
    EXPECT_EQ(r.model_key.value_or(""), q.model_key) << q.origin << " " << r.reason;
    if (!q.model_key.empty()) {
      ++mapped;
      EXPECT_NE(aliases.find(q.model_key), nullptr) << q.model_key;
    }
    if (q.spot_usd_per_hour && q.on_demand_usd_per_hour) {
      EXPECT_NE(*q.spot_usd_per_hour, *q.on_demand_usd_per_hour) << q.origin;
    }
  }
  EXPECT_GE(mapped, 195u);
}

TEST(BundledOffers, SpotChecks) {
  const auto quotes = load_price_table(kData / "prices" / "cloud_offers.csv");
  const auto find = [&](const std::string& provider, const std::string& instance) {
    for (const PriceQuote& q : quotes) {
      if (q.provider == provider && q.instance_type == instance) {
        return q;
      }
    }
    ADD_FAILURE() << provider << " " << instance;
    return PriceQuote();
  };
  const PriceQuote nd = find("azure", "Standard_ND96isr_H100_v5");
  EXPECT_EQ(nd.gpu_count, 8);  // corrected upstream from 12
  EXPECT_TRUE(HasSubstr(nd.notes, "corrected from 12"));
  EXPECT_FALSE(nd.spot_usd_per_hour);  // spot == on-demand in the catalog
  const PriceQuote l4 = find("aws", "g6f.2xlarge");
  EXPECT_EQ(l4.gpu_count, 0.25);
  EXPECT_EQ(l4.model_key, "L4-24GB");
  EXPECT_NEAR(*usd_per_gpu_hour(l4, PricingBasis::on_demand), 1.9, 1e-12);
  const PriceQuote vast = find("vast", "1x-H100_NVL-32-65536");
  EXPECT_EQ(vast.model_key, "H100-NVL-94GB");
  EXPECT_FALSE(vast.spot_usd_per_hour);
  const PriceQuote neb = find("nebius", "gpu-h100-sxm_8gpu-128vcpu-1600gb");
  EXPECT_DOUBLE_EQ(*usd_per_gpu_hour(neb, PricingBasis::on_demand), 2.95);
  const PriceQuote p5e = find("aws", "p5e.48xlarge");
  EXPECT_FALSE(p5e.on_demand_usd_per_hour);
  EXPECT_EQ(p5e.spot_usd_per_hour, std::optional<double>(10.0644));
}

TEST(BundledDataDir, EnvironmentOverrides) {
  const char* old = std::getenv("GPUBENCH_DATA_DIR");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("GPUBENCH_DATA_DIR", "/tmp/gpb-data", 1);
  EXPECT_EQ(bundled_data_dir(), fs::path("/tmp/gpb-data"));
  ::unsetenv("GPUBENCH_DATA_DIR");
  EXPECT_TRUE(fs::exists(bundled_data_dir() / "gpu_aliases.csv")) << bundled_data_dir();
  if (old != nullptr) {
    ::setenv("GPUBENCH_DATA_DIR", saved.c_str(), 1);
  }
}

}  // namespace
}  // namespace gpb
