// SPDX-License-Identifier: Apache-2.0
// Private to the value report renderers (report_render*.cpp): what the formats share. Tables
// are built once as raw text (report_render.cpp) and escaped by each format that prints them:
// Markdown (report_render_md.cpp) and HTML (report_render_html.cpp).
#pragma once

#include <gpb/value/report.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace gpb {

/// The pricing basis in words: "on-demand", "spot" or "owned hardware (TCO)".
const char* basis_words(PricingBasis b);

/// Labels of the metrics not measured on a machine, for a "not measured" line.
std::vector<std::string> missing_metrics(const Machine& m);

/// How many ranked offers machine `mi` has.
std::size_t offer_count(const ValueReport& r, std::size_t mi);

/// A table of raw (unescaped) text: built once per section, escaped per output format.
struct TextTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

/// Owned hardware: the inputs and the TCO per GPU-hour of every owned offer.
TextTable tco_table(const ValueReport& r);
/// Cases left out of the report, with their status and reason.
TextTable exclusions_table(const ValueReport& r);
/// Price sources used, with how many offers each priced.
TextTable price_sources_table(const ValueReport& r);
/// The result files read.
TextTable inputs_table(const ValueReport& r);
/// One row per machine.
TextTable machines_table(const ValueReport& r);
/// The measured headline numbers of one machine and where they come from.
TextTable measured_table(const Machine& m);
/// Value per dollar of machine `mi`: one row per metric, over its offers.
TextTable value_table(const ValueReport& r, std::size_t mi);
/// The offers of machine `mi`, ranked, with the value per dollar of each measured metric.
TextTable offers_table(const ValueReport& r, std::size_t mi);

/// What every peer matrix shows, in one sentence for the section's head.
extern const char* const kPeerMatricesIntro;
/// "peer/ce_uni/size=256MiB (GB/s): M1 NVIDIA H100 80GB HBM3, p2p.json".
std::string peer_matrix_title(const PeerMatrixSection& s);
/// A peer matrix as a table: header "src \ dst", "GPU 1", ...; one row per source GPU
/// ("GPU 0", then peer_cell_report_text per destination).
TextTable peer_matrix_table(const PeerMatrix& m);

}  // namespace gpb
