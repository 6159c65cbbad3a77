// SPDX-License-Identifier: Apache-2.0
// SkyPilot catalog importer and `gpubench prices import`: the real Nebius catalog (CRLF), one
// hand-written fixture per header variant with the quirks of data/README.md (zone rows, CPU
// and GPU-only rows, GCP host+GPU pairing, fractional counts, 0.00 and spot == on-demand,
// float noise, memory-checked names), bad catalogs, and the CLI's strict arguments.
#include <gpb/common/csv.hpp>
#include <gpb/common/units.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/value/commands.hpp>
#include <gpb/value/prices.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
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

const fs::path kFixtures = fs::path(GPB_TEST_DATA_DIR) / "fixtures" / "skypilot";
const fs::path kAliases = fs::path(GPB_SOURCE_DIR) / "data" / "gpu_aliases.csv";
// CI keeps a copy of shared/ beside the clone.
const fs::path kNebius =
    fs::path(GPB_SOURCE_DIR) / ".." / "shared" / "data" / "skypilot" / "nebius_vms.csv";

using test::TempDir;

const AliasTable& aliases() {
  static const AliasTable table = load_alias_table(kAliases);
  return table;
}

SkypilotImport import_fixture(const std::string& file) {
  SkypilotImportOptions o;
  o.as_of = "2025-11-01";
  return import_skypilot_catalog(kFixtures / file, aliases(), o);
}

const PriceQuote& offer(const SkypilotImport& imp,
                        const std::string& instance,
                        const std::string& region) {
  for (const PriceQuote& q : imp.quotes) {
    if (q.instance_type == instance && q.region == region) {
      return q;
    }
  }
  static const PriceQuote none;
  ADD_FAILURE() << "no offer " << instance << " in " << region;
  return none;
}

// ---- real catalog ----------------------------------------------------------------------------

TEST(SkypilotReal, NebiusCatalog) {
  if (!fs::exists(kNebius)) {
    GTEST_SKIP() << "reference catalog not present: " << kNebius;
  }
  std::ifstream f(kNebius, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_NE(text.find("\r\n"), std::string::npos) << "expected the published CRLF file";

  const SkypilotImport imp = import_skypilot_catalog(kNebius, aliases(), {});
  const SkypilotImportSummary& s = imp.summary;
  EXPECT_EQ(s.rows_read, 74u);
  EXPECT_EQ(s.cpu_rows, 52u);  // cpu-d3_* rows: empty AcceleratorName, count 0
  EXPECT_EQ(s.offers, 22u);
  EXPECT_EQ(s.zone_rows_merged, 0u);  // no AvailabilityZone column: one row per region
  EXPECT_EQ(s.regions,
            (std::vector<std::string>{"eu-north1", "eu-west1", "me-west1", "us-central1"}));
  EXPECT_TRUE(s.unmapped.empty()) << s.unmapped.front();
  for (const PriceQuote& q : imp.quotes) {
    EXPECT_EQ(q.provider, "nebius");  // from the file name nebius_vms.csv
    EXPECT_EQ(q.currency, "USD");
    EXPECT_FALSE(q.as_of.empty());
    EXPECT_EQ(q.source, "SkyPilot catalog nebius_vms.csv");
    EXPECT_EQ(q.region.find('\r'), std::string::npos);  // CRLF handled
    EXPECT_FALSE(q.gpu_memory_gib);                     // GpuInfo lists 0 MiB: unknown
  }
  const PriceQuote& h100 = offer(imp, "gpu-h100-sxm_8gpu-128vcpu-1600gb", "eu-north1");
  EXPECT_EQ(h100.model_key, "H100-SXM-80GB");
  EXPECT_EQ(h100.gpu_count, 8);
  EXPECT_DOUBLE_EQ(*usd_per_gpu_hour(h100, PricingBasis::on_demand), 2.95);
  EXPECT_DOUBLE_EQ(*usd_per_gpu_hour(h100, PricingBasis::spot), 1.25);
  for (const char* region : {"eu-north1", "eu-west1", "us-central1"}) {
    const PriceQuote& h200 = offer(imp, "gpu-h200-sxm_8gpu-128vcpu-1600gb", region);
    EXPECT_EQ(h200.model_key, "H200-SXM-141GB");
    EXPECT_DOUBLE_EQ(*usd_per_gpu_hour(h200, PricingBasis::on_demand), 3.5);
    EXPECT_DOUBLE_EQ(*usd_per_gpu_hour(h200, PricingBasis::spot), 1.45);
  }
  EXPECT_EQ(offer(imp, "gpu-b200-sxm_8gpu-160vcpu-1792gb", "us-central1").model_key,
            "B200-SXM-180GB");
  const PriceQuote& l40s = offer(imp, "gpu-l40s-a_1gpu-8vcpu-32gb", "eu-north1");
  EXPECT_EQ(l40s.model_key, "L40S-48GB");
  EXPECT_EQ(l40s.on_demand_usd_per_hour, std::optional<double>(1.5484));
  EXPECT_FALSE(l40s.spot_usd_per_hour);  // empty SpotPrice: no spot offer
  const auto l40s_count = std::count_if(imp.quotes.begin(),
                                        imp.quotes.end(),
                                        [](const PriceQuote& q) { return q.gpu_name == "L40S"; });
  EXPECT_EQ(l40s_count, 12);
}

TEST(SkypilotReal, NebiusThroughTheCommand) {
  if (!fs::exists(kNebius)) {
    GTEST_SKIP() << "reference catalog not present: " << kNebius;
  }
  const TempDir dir;
  const fs::path out_file = dir / "prices.csv";
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(prices_command({"import",
                            "--format",
                            "skypilot",
                            kNebius.string(),
                            "--out",
                            out_file.string(),
                            "--as-of",
                            "2025-11-26",
                            "--source",
                            "skypilot-catalog@d9bf3aa4 catalogs/v9/nebius/vms.csv"},
                           out,
                           err),
            0);
  EXPECT_TRUE(HasSubstr(err.str(), "74 rows read: 22 offers (nebius) in 4 regions"));
  EXPECT_TRUE(HasSubstr(err.str(), "wrote 22 offers (22 with a GPU model, 0 unmapped)"));
  const auto quotes = load_price_table(out_file);
  ASSERT_EQ(quotes.size(), 22u);
  EXPECT_EQ(quotes[0].as_of, "2025-11-26");
  EXPECT_EQ(quotes[0].source, "skypilot-catalog@d9bf3aa4 catalogs/v9/nebius/vms.csv");
}

// ---- header variants -------------------------------------------------------------------------

TEST(SkypilotFixtures, AwsZonesFractionalNoiseAndEmptyPrices) {
  const SkypilotImport imp = import_fixture("aws_vms.csv");
  const SkypilotImportSummary& s = imp.summary;
  EXPECT_EQ(s.rows_read, 8u);
  EXPECT_EQ(s.cpu_rows, 1u);       // m5.large
  EXPECT_EQ(s.unpriced_rows, 1u);  // g5.xlarge with both prices empty
  EXPECT_EQ(s.offers, 4u);
  EXPECT_EQ(s.zone_rows_merged, 2u);
  EXPECT_EQ(s.regions.size(), 3u);
  ASSERT_EQ(imp.quotes.size(), 4u);
  EXPECT_EQ(imp.quotes[0].instance_type, "g6f.2xlarge");  // sorted by (type, region)

  const PriceQuote& p5 = offer(imp, "p5.48xlarge", "us-east-1");
  EXPECT_EQ(p5.provider, "aws");
  EXPECT_EQ(p5.model_key, "H100-SXM-80GB");
  EXPECT_EQ(p5.gpu_count, 8);  // "8.0"
  EXPECT_EQ(p5.on_demand_usd_per_hour, std::optional<double>(55.04));
  EXPECT_EQ(p5.spot_usd_per_hour, std::optional<double>(16.9508));  // cheapest zone's spot
  EXPECT_EQ(p5.gpu_memory_gib, std::optional<double>(80));
  EXPECT_TRUE(HasSubstr(p5.notes, "minimum over 3 availability-zone rows"));
  EXPECT_TRUE(HasSubstr(p5.origin, "aws_vms.csv:3"));
  EXPECT_EQ(offer(imp, "p5.48xlarge", "us-west-2").on_demand_usd_per_hour,
            std::optional<double>(63.296));

  const PriceQuote& l4 = offer(imp, "g6f.2xlarge", "us-east-1");
  EXPECT_EQ(l4.gpu_count, 0.25);
  EXPECT_EQ(l4.model_key, "L4-24GB");
  EXPECT_NEAR(*l4.gpu_memory_gib, 5722.0 / 1024 / 0.25, 1e-9);
  EXPECT_EQ(l4.spot_usd_per_hour, std::optional<double>(0.3698));  // float noise rounded
  EXPECT_NEAR(*usd_per_gpu_hour(l4, PricingBasis::on_demand), 1.9, 1e-12);

  const PriceQuote& p5e = offer(imp, "p5e.48xlarge", "ap-southeast-3");
  EXPECT_FALSE(p5e.on_demand_usd_per_hour);
  EXPECT_EQ(p5e.spot_usd_per_hour, std::optional<double>(10.0644));
  EXPECT_EQ(p5e.model_key, "H200-SXM-141GB");
}

TEST(SkypilotFixtures, GcpHostVmPlusGpuRows) {
  const SkypilotImport imp = import_fixture("gcp_vms.csv");
  const SkypilotImportSummary& s = imp.summary;
  EXPECT_EQ(s.rows_read, 10u);
  EXPECT_EQ(s.gcp_host_rows_paired, 3u);
  EXPECT_EQ(s.cpu_rows, 2u);       // n1-highmem-8; a2-ultragpu-8g without a GPU row
  EXPECT_EQ(s.gpu_only_rows, 2u);  // T4 (attaches to n1) and a TPU
  EXPECT_EQ(s.offers, 2u);
  const PriceQuote& a3 = offer(imp, "a3-highgpu-1g", "us-central1");
  EXPECT_EQ(a3.gpu_name, "H100");
  EXPECT_EQ(a3.gpu_count, 1);
  EXPECT_EQ(a3.model_key, "H100-SXM-80GB");
  EXPECT_EQ(a3.on_demand_usd_per_hour, std::optional<double>(5.38327));  // 1.18251 + 4.20076
  EXPECT_EQ(a3.spot_usd_per_hour, std::optional<double>(1.74454));       // zone b
  EXPECT_TRUE(HasSubstr(a3.notes, "GCP: host VM price plus the GPU price"));
  const PriceQuote& g2 = offer(imp, "g2-standard-24", "us-east4");
  EXPECT_EQ(g2.gpu_count, 2);
  EXPECT_EQ(g2.model_key, "L4-24GB");
  EXPECT_EQ(g2.on_demand_usd_per_hour, std::optional<double>(1.99429));
  EXPECT_EQ(g2.spot_usd_per_hour, std::optional<double>(0.87918));
}

TEST(SkypilotFixtures, LambdaCrlfScopedNamesAndUnmapped) {
  const SkypilotImport imp = import_fixture("lambda_vms.csv");
  EXPECT_EQ(imp.summary.rows_read, 7u);
  EXPECT_EQ(imp.summary.cpu_rows, 1u);
  EXPECT_EQ(imp.summary.offers, 6u);
  EXPECT_EQ(offer(imp, "gpu_1x_h100_pcie", "us-east-1").model_key, "H100-PCIe-80GB");
  EXPECT_EQ(offer(imp, "gpu_8x_h100_sxm5", "us-east-1").model_key, "H100-SXM-80GB");
  EXPECT_EQ(offer(imp, "gpu_1x_gh200", "us-east-3").model_key, "GH200-96GB");
  EXPECT_EQ(offer(imp, "gpu_1x_rtx_pro_6000", "us-west-1").model_key, "RTXPRO6000-96GB");
  const PriceQuote& a100 = offer(imp, "gpu_8x_a100", "us-east-1");
  EXPECT_EQ(a100.model_key, "");  // kept, unmapped
  EXPECT_EQ(a100.on_demand_usd_per_hour, std::optional<double>(14.32));
  EXPECT_FALSE(offer(imp, "gpu_1x_h100_pcie", "us-east-1").spot_usd_per_hour);
  ASSERT_EQ(imp.summary.unmapped.size(), 2u);
  EXPECT_TRUE(HasSubstr(imp.summary.unmapped[0], "'A100' (ambiguous for lambda"));
  EXPECT_TRUE(HasSubstr(imp.summary.unmapped[0], "1 offer, e.g. gpu_8x_a100"));
  EXPECT_TRUE(HasSubstr(imp.summary.unmapped[1], "'X999' (no alias; 1 offer"));
}

TEST(SkypilotFixtures, OciSpotEqualToOnDemandIsNoSpot) {
  const SkypilotImport imp = import_fixture("oci_vms.csv");
  EXPECT_EQ(imp.summary.offers, 2u);
  EXPECT_EQ(imp.summary.spot_equal_rows, 2u);
  EXPECT_EQ(imp.summary.zone_rows_merged, 1u);
  const PriceQuote& h100 = offer(imp, "BM.GPU.H100.8", "eu-amsterdam-1");
  EXPECT_EQ(h100.on_demand_usd_per_hour, std::optional<double>(80));
  EXPECT_FALSE(h100.spot_usd_per_hour);
  EXPECT_TRUE(HasSubstr(h100.notes, "spot equal to on-demand read as no spot market"));
  EXPECT_EQ(offer(imp, "VM.GPU.A10.1", "eu-amsterdam-1").spot_usd_per_hour,
            std::optional<double>(1.0));
}

TEST(SkypilotFixtures, VastZeroSpotVariantsAndMemory) {
  const SkypilotImport imp = import_fixture("vast_vms.csv");
  const SkypilotImportSummary& s = imp.summary;
  EXPECT_EQ(s.rows_read, 9u);
  EXPECT_EQ(s.spot_zero_rows, 9u);
  EXPECT_EQ(s.offers, 8u);
  EXPECT_EQ(s.regions.size(), 7u);
  for (const PriceQuote& q : imp.quotes) {
    EXPECT_FALSE(q.spot_usd_per_hour) << q.instance_type;  // 0.00 = no spot
  }
  const PriceQuote& sxm = offer(imp, "1x-H100_SXM-32-65536", "Florida, US, NA");
  EXPECT_EQ(sxm.model_key, "H100-SXM-80GB");
  EXPECT_EQ(sxm.on_demand_usd_per_hour, std::optional<double>(1.75));  // two hosts, one region
  EXPECT_EQ(offer(imp, "2x-H100_NVL-32-65536", "California, US, NA").model_key, "H100-NVL-94GB");
  EXPECT_EQ(offer(imp, "1x-A100_SXM4-32-65536", "Germany, DE, EU").model_key, "A100-SXM4-40GB");
  EXPECT_EQ(offer(imp, "8x-A100_SXM4-32-65536", "Slovenia, SI, EU").model_key, "A100-SXM4-80GB");
  EXPECT_EQ(offer(imp, "2x-RTX_4090-32-65536", "Texas, US, NA").model_key, "RTX4090-24GB");
  EXPECT_EQ(offer(imp, "2x-RTX_4090-32-65536", "Hong Kong, HK, AS").model_key, "");  // 48 GB card
  EXPECT_EQ(offer(imp, "8x-H200-32-65536", ", US, NA").model_key, "H200-SXM-141GB");
  EXPECT_EQ(offer(imp, "1x-Tesla_V100-32-65536", "Germany, DE, EU").model_key, "");
  ASSERT_EQ(s.unmapped.size(), 2u);
  EXPECT_TRUE(HasSubstr(s.unmapped[0], "'RTX4090' (per-GPU memory 47.9883 GiB matches none"));
  EXPECT_TRUE(HasSubstr(s.unmapped[1], "'V100' (ambiguous for vast"));
}

TEST(SkypilotFixtures, RunpodHeaderOrder) {
  const SkypilotImport imp = import_fixture("runpod_vms.csv");
  EXPECT_EQ(imp.summary.offers, 4u);
  EXPECT_EQ(imp.summary.spot_equal_rows, 2u);
  const PriceQuote& pcie = offer(imp, "1x_A100-80GB_SECURE", "CA");
  EXPECT_EQ(pcie.model_key, "A100-PCIe-80GB");  // RunPod's A100-80GB is the PCIe card
  EXPECT_EQ(pcie.on_demand_usd_per_hour, std::optional<double>(1.39));
  EXPECT_FALSE(pcie.spot_usd_per_hour);
  const PriceQuote& sxm = offer(imp, "4x_A100-80GB-SXM_SECURE", "US");
  EXPECT_EQ(sxm.model_key, "A100-SXM4-80GB");
  EXPECT_EQ(sxm.on_demand_usd_per_hour, std::optional<double>(6.36));  // columns by name
  EXPECT_EQ(sxm.spot_usd_per_hour, std::optional<double>(1.2));
}

TEST(SkypilotFixtures, ProviderFromPathOrOption) {
  EXPECT_EQ(infer_skypilot_provider("catalogs/v9/nebius/vms.csv"), "nebius");
  EXPECT_EQ(infer_skypilot_provider("/x/AWS_vms.csv"), "aws");
  EXPECT_EQ(infer_skypilot_provider("lambda-vms.csv"), "lambda");
  EXPECT_THROW(infer_skypilot_provider("catalog.csv"), InputError);
  EXPECT_THROW(infer_skypilot_provider("/x/../vms.csv"), InputError);
  SkypilotImportOptions o;
  o.provider = "lambda";
  const SkypilotImport imp = import_skypilot_catalog(kFixtures / "aws_vms.csv", aliases(), o);
  EXPECT_EQ(imp.quotes[0].provider, "lambda");
  o.provider = "../x";
  EXPECT_THROW(import_skypilot_catalog(kFixtures / "aws_vms.csv", aliases(), o), InputError);
  // Thin wrapper: provider from the path, source and as_of stamped.
  const auto quotes = import_skypilot(kFixtures / "oci_vms.csv", aliases(), "src", "2025");
  ASSERT_EQ(quotes.size(), 2u);
  EXPECT_EQ(quotes[0].source, "src");
  EXPECT_EQ(quotes[0].as_of, "2025");
}

// ---- bad catalogs ----------------------------------------------------------------------------

std::string import_error(const std::string& text) {
  const TempDir dir("_error");
  const fs::path p = dir.write("aws_vms.csv", text);
  try {
    import_skypilot_catalog(p, aliases(), {});
  } catch (const InputError& e) {
    std::string msg = e.what();
    const std::string prefix = p.string();
    if (msg.compare(0, prefix.size(), prefix) == 0) {
      msg = "aws_vms.csv" + msg.substr(prefix.size());
    }
    return msg;
  }
  ADD_FAILURE() << "imported: " << text;
  return {};
}

const std::string kLambdaHeader =
    "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,"
    "SpotPrice\n";

TEST(SkypilotBad, ErrorsNameFileLineAndColumn) {
  EXPECT_TRUE(HasSubstr(import_error(kLambdaHeader + "a,H100,1,1,1,-1,r,,\n"),
                        "aws_vms.csv:2: column 'Price': negative price -1"));
  EXPECT_TRUE(HasSubstr(import_error(kLambdaHeader + "a,H100,1,1,1,1,r,,-0.5\n"),
                        "aws_vms.csv:2: column 'SpotPrice': negative price -0.5"));
  EXPECT_TRUE(HasSubstr(import_error(kLambdaHeader + "a,H100,eight,1,1,1,r,,\n"),
                        "aws_vms.csv:2: column 'AcceleratorCount': 'eight' is not a number"));
  EXPECT_TRUE(HasSubstr(import_error(kLambdaHeader + "a,H100,,1,1,1,r,,\n"),
                        "aws_vms.csv:2: column 'AcceleratorCount': empty, but AcceleratorName"));
  EXPECT_TRUE(HasSubstr(import_error(kLambdaHeader + "a,H100,-1,1,1,1,r,,\n"),
                        "column 'AcceleratorCount': negative count -1"));
  EXPECT_TRUE(HasSubstr(import_error(kLambdaHeader + "a,H100,1,1,1,\"2,49\",r,,\n"),
                        "aws_vms.csv:2: column 'Price': '2,49' is not a number"));
  EXPECT_TRUE(HasSubstr(import_error(kLambdaHeader + "a,H100,1,1,1,NaN,r,,\n"),
                        "column 'Price': 'NaN' is not a number"));
  EXPECT_TRUE(HasSubstr(import_error(kLambdaHeader + "a,H100,1,1,1,1,r,,\na,H100,8,1,1,1,r,,\n"),
                        "aws_vms.csv:3: column 'AcceleratorName': instance type 'a' in region 'r' "
                        "lists H100 x8 here but H100 x1 on line 2"));
  EXPECT_TRUE(HasSubstr(import_error(kLambdaHeader + "a,H100,1,1,1,1,\"r\x01\",,\n"),
                        "aws_vms.csv:2: column 'Region': contains a control character"));
  EXPECT_TRUE(
      HasSubstr(import_error("InstanceType,AcceleratorName,AcceleratorCount,Region\na,H100,1,r\n"),
                "aws_vms.csv: missing column 'Price'"));
  EXPECT_TRUE(HasSubstr(import_error(kLambdaHeader + "a,H100,1,1,1\n"),
                        "aws_vms.csv:2: 5 fields, but the header has 9"));
  EXPECT_TRUE(HasSubstr(import_error(""), "aws_vms.csv: empty file"));
}

TEST(SkypilotBad, HostileNamesAreKeptAsDataNotPaths) {
  const TempDir dir;
  const fs::path p =
      dir.write("vast_vms.csv",
                kLambdaHeader + "\"<script>alert(1)</script>\",\"../../etc/passwd\",1,1,1,1,r,,\n");
  const SkypilotImport imp = import_skypilot_catalog(p, aliases(), {});
  ASSERT_EQ(imp.quotes.size(), 1u);
  EXPECT_EQ(imp.quotes[0].model_key, "");
  EXPECT_EQ(imp.quotes[0].gpu_name, "../../etc/passwd");
  ASSERT_EQ(imp.summary.unmapped.size(), 1u);
}

TEST(SkypilotBad, EmptyAndCompositeRegionsAreKept) {
  const TempDir dir;
  const fs::path p = dir.write("vast_vms.csv",
                               kLambdaHeader + "a,H100,1,1,1,1,,,\n" + "a,H100,1,1,1,2,US,,\n" +
                                   "a,H100,1,1,1,3,\"Florida, US, NA\",,\n");
  const SkypilotImport imp = import_skypilot_catalog(p, aliases(), {});
  ASSERT_EQ(imp.quotes.size(), 3u);
  EXPECT_EQ(imp.quotes[0].region, "");  // a region the catalog leaves empty
  EXPECT_EQ(imp.quotes[1].region, "Florida, US, NA");
  EXPECT_EQ(imp.quotes[2].region, "US");
  const fs::path out = dir / "out.csv";
  save_price_table(imp.quotes, out, false);
  EXPECT_EQ(load_price_table(out).size(), 3u);
}

// ---- the command -----------------------------------------------------------------------------

std::string usage_error(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  try {
    prices_command(args, out, err);
  } catch (const UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no UsageError";
  return {};
}

TEST(PricesCommand, HelpAndUsageErrors) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{}, {"--help"}, {"-h"}, {"import", "--help"}}) {
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(prices_command(args, out, err), 0);
    EXPECT_TRUE(HasSubstr(out.str(), "Usage: gpubench prices import --format skypilot"));
  }
  const std::string f = (kFixtures / "aws_vms.csv").string();
  EXPECT_TRUE(HasSubstr(usage_error({"show"}), "unknown prices subcommand 'show'"));
  EXPECT_TRUE(HasSubstr(usage_error({"import", f, "--out", "/tmp/x.csv"}), "--format is required"));
  EXPECT_TRUE(HasSubstr(usage_error({"import", "--format"}), "--format needs a value"));
  EXPECT_TRUE(HasSubstr(usage_error({"import", "--format", "csv", f, "--out", "o"}),
                        "--format: 'csv' is not a known format"));
  EXPECT_TRUE(HasSubstr(usage_error({"import", "--format=skypilot", f}), "--out FILE is required"));
  EXPECT_TRUE(HasSubstr(usage_error({"import", "--format", "skypilot", "--out", "o"}),
                        "no catalog FILE given"));
  EXPECT_TRUE(HasSubstr(usage_error({"import", "--format", "skypilot", f, "--out", "o", "--bogus"}),
                        "unknown option '--bogus'"));
  EXPECT_TRUE(
      HasSubstr(usage_error({"import", "--format", "skypilot", f, "--out", "o", "--out", "p"}),
                "prices import: --out given twice"));
  EXPECT_TRUE(HasSubstr(usage_error({"import", "--format", "skypilot", f, "--out="}),
                        "prices import: --out needs a value"));
  EXPECT_TRUE(HasSubstr(
      usage_error({"import", "--format", "skypilot", f, "--out", "o", "--as-of", "yesterday"}),
      "--as-of: 'yesterday' is not a date"));
  EXPECT_TRUE(
      HasSubstr(usage_error({"import", "--format", "skypilot", f, "--out", "o", "--overwrite=yes"}),
                "--overwrite takes no value"));
  EXPECT_TRUE(
      HasSubstr(usage_error({"import", "--format", "skypilot", f, "--out", f, "--overwrite"}),
                "is one of the input files"));
}

TEST(PricesCommand, ImportsSeveralFilesAndReportsUnmapped) {
  const TempDir dir;
  const fs::path out_file = dir / "p.csv";
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(prices_command({"import",
                            "--format",
                            "skypilot",
                            (kFixtures / "lambda_vms.csv").string(),
                            (kFixtures / "vast_vms.csv").string(),
                            "--out",
                            out_file.string(),
                            "--aliases",
                            kAliases.string(),
                            "--as-of",
                            "2025-11"},
                           out,
                           err),
            0);
  EXPECT_TRUE(out.str().empty());
  EXPECT_TRUE(HasSubstr(err.str(), "wrote 14 offers (10 with a GPU model, 4 unmapped)"));
  EXPECT_TRUE(HasSubstr(err.str(), "unmapped GPU name: 'X999' (no alias; 1 offer"));
  EXPECT_TRUE(HasSubstr(err.str(), "unmapped GPU name: 'RTX4090' (per-GPU memory"));
  const auto quotes = load_price_table(out_file);
  ASSERT_EQ(quotes.size(), 14u);
  EXPECT_EQ(quotes.front().provider, "lambda");
  EXPECT_EQ(quotes.back().provider, "vast");
  EXPECT_EQ(quotes.front().as_of, "2025-11");
}

TEST(PricesCommand, NoOverwriteAndNoPartialOutput) {
  const TempDir dir;
  const fs::path out_file = dir.write("p.csv", "keep me\n");
  std::ostringstream out;
  std::ostringstream err;
  const std::string good = (kFixtures / "oci_vms.csv").string();
  EXPECT_THROW(prices_command(
                   {"import", "--format", "skypilot", good, "--out", out_file.string()}, out, err),
               FileExistsError);
  {
    std::ifstream f(out_file);
    std::string line;
    std::getline(f, line);
    EXPECT_EQ(line, "keep me");
  }
  // A bad second file: nothing is written at all.
  const fs::path bad = dir.write("aws_vms.csv", kLambdaHeader + "a,H100,1,1,1,-1,r,,\n");
  const fs::path fresh = dir / "fresh.csv";
  EXPECT_THROW(prices_command(
                   {"import", "--format", "skypilot", good, bad.string(), "--out", fresh.string()},
                   out,
                   err),
               InputError);
  EXPECT_FALSE(fs::exists(fresh));
  // The same catalog twice: duplicate offers, nothing written.
  EXPECT_THROW(
      prices_command(
          {"import", "--format", "skypilot", good, good, "--out", fresh.string()}, out, err),
      InputError);
  EXPECT_FALSE(fs::exists(fresh));
  // A missing alias table is an input error too.
  EXPECT_THROW(prices_command({"import",
                               "--format",
                               "skypilot",
                               good,
                               "--out",
                               fresh.string(),
                               "--aliases",
                               (dir / "none.csv").string()},
                              out,
                              err),
               InputError);
  EXPECT_FALSE(fs::exists(fresh));
  // With --overwrite the old file is replaced.
  EXPECT_EQ(prices_command({"import",
                            "--format",
                            "skypilot",
                            good,
                            "--out",
                            out_file.string(),
                            "--overwrite",
                            "--provider",
                            "oci"},
                           out,
                           err),
            0);
  EXPECT_EQ(load_price_table(out_file).size(), 2u);
}

}  // namespace
}  // namespace gpb
