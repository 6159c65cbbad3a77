// SPDX-License-Identifier: Apache-2.0
// Benchmark (issue 4 target: < 2 s on the 2-core dev machine): a value report over 1,000 result
// files and 10,000 price rows, generated into a temp folder from the committed H200 quick run
// (real size: ~17 cases with every raw sample each). Measures the whole command path (load,
// join, render) and each phase. Run through scripts/bench_report.sh; not a timed test.
#include <gpb/result/schema_json.hpp>
#include <gpb/value/prices.hpp>
#include <gpb/value/report.hpp>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;

constexpr int kFiles = 1000;
constexpr int kMachines = 20;
constexpr int kPriceRows = 10000;

struct Dataset {
  fs::path dir;
  std::vector<std::string> result_paths;
  fs::path prices, aliases;
};

Dataset& dataset() {
  static Dataset d;
  return d;
}

void generate() {
  Dataset& d = dataset();
  d.dir = fs::temp_directory_path() / ("gpb_report_bench_" + std::to_string(::getpid()));
  fs::create_directories(d.dir);
  const fs::path src(GPB_SOURCE_DIR);
  const gpb::RunRecord base =
      gpb::load_run(src / "results/reference/2026-11-26_NVIDIA-H200_drv580.159.04_quick.json");
  d.aliases = gpb::bundled_data_dir() / "gpu_aliases.csv";
  if (!fs::exists(d.aliases)) {
    d.aliases = src / "tests/fixtures/report/aliases.csv";
  }
  const gpb::AliasTable aliases = gpb::load_alias_table(d.aliases);
  // CUDA device names the alias table maps, so machines spread over several models.
  std::vector<std::string> names;
  for (const auto& a : aliases.aliases) {
    if (a.provider.empty() && !a.model_key.empty() && a.name.rfind("NVIDIA ", 0) == 0) {
      names.push_back(a.name);
    }
  }
  if (names.empty()) {
    names.push_back("NVIDIA H200");
  }
  for (int f = 0; f < kFiles; ++f) {
    gpb::RunRecord r = base;
    const int m = f % kMachines;
    r.run.id = "bench-" + std::to_string(f);
    r.gpus.at(0).name = names[static_cast<std::size_t>(m) % names.size()];
    r.gpus.at(0).uuid = "GPU-bench-" + std::to_string(m);
    for (auto& c : r.results) {
      if (c.headline) {
        c.headline->value *= 1.0 + 0.0001 * f;
      }
    }
    const fs::path p = d.dir / ("result-" + std::to_string(f) + ".json");
    std::ofstream(p) << gpb::to_json_text(r);
    d.result_paths.push_back(p.string());
  }
  std::vector<gpb::PriceQuote> quotes;
  std::vector<const gpb::GpuModel*> models;
  for (const auto& mdl : aliases.models) {
    models.push_back(&mdl);
  }
  for (int i = 0; i < kPriceRows; ++i) {
    const gpb::GpuModel& mdl = *models[static_cast<std::size_t>(i) % models.size()];
    gpb::PriceQuote q;
    q.provider = "provider" + std::to_string(i % 40);
    q.instance_type = "inst-" + mdl.key + "-" + std::to_string(i);
    q.gpu_name = mdl.key;
    q.model_key = mdl.key;
    q.gpu_count = (i % 4 == 0) ? 8 : 1;
    q.on_demand_usd_per_hour = q.gpu_count * (1.0 + (i % 97) * 0.05);
    if (i % 3 == 0) {
      q.spot_usd_per_hour = *q.on_demand_usd_per_hour * 0.4;
    }
    q.region = "region-" + std::to_string(i % 25);
    q.as_of = "2025-11-01";
    q.source = "benchmark generator";
    quotes.push_back(q);
  }
  d.prices = d.dir / "prices.csv";
  gpb::save_price_table(quotes, d.prices, true);
}

gpb::ValueReport build_from_files() {
  const Dataset& d = dataset();
  const std::vector<gpb::ResultFile> runs = gpb::load_result_files(d.result_paths);
  const gpb::AliasTable aliases = gpb::load_alias_table(d.aliases);
  gpb::ReportOptions o;
  o.price_files = {d.prices.string()};
  return gpb::build_value_report(runs, gpb::load_price_table(d.prices), aliases, {}, {}, o);
}

/// The whole `gpubench report --format md` path minus process start.
void BM_ReportEndToEndMarkdown(benchmark::State& state) {
  std::size_t bytes = 0;
  for (auto _ : state) {
    const gpb::ValueReport r = build_from_files();
    std::ostringstream out;
    gpb::render_report_markdown(r, out);
    bytes = out.str().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["output_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_ReportEndToEndMarkdown)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

void BM_ReportEndToEndHtml(benchmark::State& state) {
  for (auto _ : state) {
    const gpb::ValueReport r = build_from_files();
    std::ostringstream out;
    gpb::render_report_html(r, out);
    benchmark::DoNotOptimize(out.str().size());
  }
}
BENCHMARK(BM_ReportEndToEndHtml)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

/// Loading alone, on 1 thread and on every hardware thread (what the command uses).
void BM_LoadResultFiles(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        gpb::load_result_files(dataset().result_paths, static_cast<unsigned>(state.range(0)))
            .size());
  }
}
BENCHMARK(BM_LoadResultFiles)
    ->Arg(1)
    ->Arg(0)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

void BM_LoadPriceTable(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(gpb::load_price_table(dataset().prices).size());
  }
}
BENCHMARK(BM_LoadPriceTable)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

void BM_BuildReportInMemory(benchmark::State& state) {
  const Dataset& d = dataset();
  std::vector<gpb::ResultFile> runs;
  for (const auto& p : d.result_paths) {
    runs.push_back({p, gpb::load_run(p), {}});
  }
  const auto quotes = gpb::load_price_table(d.prices);
  const gpb::AliasTable aliases = gpb::load_alias_table(d.aliases);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        gpb::build_value_report(runs, quotes, aliases, {}, {}, {}).offers.size());
  }
}
BENCHMARK(BM_BuildReportInMemory)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  generate();
  std::uintmax_t bytes = 0;
  for (const auto& p : dataset().result_paths) {
    bytes += fs::file_size(p);
  }
  std::fprintf(stderr,
               "report bench: %d result files (%.1f MB), %d price rows, %d machines\n",
               kFiles,
               static_cast<double>(bytes) / 1e6,
               kPriceRows,
               kMachines);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  fs::remove_all(dataset().dir);
  return 0;
}
