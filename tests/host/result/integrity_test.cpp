// SPDX-License-Identifier: Apache-2.0
// Corruption evidence (METHODOLOGY DI-5): SHA-256 against FIPS 180-4 vectors, the canonical
// hash's indifference to formatting, and the sidecar check (verified, modified, malformed,
// absent), also as `report` and `compare` see it.
#include <gpb/common/sha256.hpp>
#include <gpb/common/units.hpp>
#include <gpb/result/schema_json.hpp>
#include <gpb/value/commands.hpp>
#include <gpb/value/report.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "temp_dir.hpp"

namespace gpb {
namespace {

TEST(Sha256, Fips180Vectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Padding edges: 55 bytes fit one block with the length, 56 need a second, 64 is one block.
  EXPECT_EQ(sha256_hex(std::string(55, 'x')),
            "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072");
  EXPECT_EQ(sha256_hex(std::string(56, 'x')),
            "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e");
  EXPECT_EQ(sha256_hex(std::string(64, 'x')),
            "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
}

std::string golden_text() {
  std::ifstream in(std::string(GPB_TEST_DATA_DIR) + "/golden/result-1.2-minimal.json");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Integrity, CanonicalHashIgnoresFormattingButNotValues) {
  const std::string text = golden_text();
  const std::string hash = canonical_sha256(text, "golden");
  // Another indentation and key order: the same document.
  const auto doc = nlohmann::ordered_json::parse(text);
  nlohmann::ordered_json reordered;
  std::vector<std::string> keys;
  for (const auto& item : doc.items()) {
    keys.push_back(item.key());
  }
  for (auto k = keys.rbegin(); k != keys.rend(); ++k) {
    reordered[*k] = doc[*k];
  }
  EXPECT_EQ(canonical_sha256(reordered.dump(), "compact"), hash);
  EXPECT_EQ(canonical_sha256(doc.dump(7), "wide"), hash);
  // One digit of one sample: another document.
  std::string edited = text;
  const auto at = edited.find("\"memory_bytes\": 8589934592");
  ASSERT_NE(at, std::string::npos);
  edited.replace(at, 26, "\"memory_bytes\": 8589934593");
  EXPECT_NE(canonical_sha256(edited, "edited"), hash);
  EXPECT_THROW(canonical_sha256("{not json", "bad"), InputError);
}

TEST(Integrity, SidecarVerifiesAndCatchesEdits) {
  test::TempDir dir("integrity");
  const auto file = dir.write("r.json", golden_text());
  EXPECT_EQ(check_integrity(file).status, Integrity::no_sidecar);

  write_integrity_sidecar(file);
  std::ifstream side(integrity_sidecar_path(file));
  std::string tag, hex, name;
  side >> tag >> hex >> name;
  EXPECT_EQ(tag, "sha256-canonical-json");
  EXPECT_EQ(hex, canonical_sha256(golden_text(), "golden"));
  EXPECT_EQ(name, "r.json");
  EXPECT_EQ(check_integrity(file).status, Integrity::verified);

  // Re-indented by an editor: still the same document.
  dir.write("r.json", nlohmann::json::parse(golden_text()).dump(4));
  EXPECT_EQ(check_integrity(file).status, Integrity::verified);

  // A value edited: modified after generation, and report/compare say so.
  std::string edited = golden_text();
  edited.replace(edited.find("\"exit_code\": 0"), 14, "\"exit_code\": 1");
  dir.write("r.json", edited);
  const IntegrityCheck c = check_integrity(file);
  EXPECT_EQ(c.status, Integrity::modified);
  EXPECT_NE(c.detail.find("modified after generation"), std::string::npos) << c.detail;
  const auto loaded = load_result_files({file.string()});
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].integrity.status, Integrity::modified);

  dir.write("r.json.sha256", "md5 1234 r.json\n");
  EXPECT_EQ(check_integrity(file).status, Integrity::bad_sidecar);
  dir.write("r.json.sha256", "");
  EXPECT_EQ(check_integrity(file).status, Integrity::bad_sidecar);
}

TEST(Validate, OneLinePerFileAndExitCode) {
  test::TempDir dir("validate");
  const auto good = dir.write("good.json", golden_text());
  write_integrity_sidecar(good);
  const auto plain = dir.write("plain.json", golden_text());  // no sidecar: still valid
  std::string edited = golden_text();
  edited.replace(edited.find("\"exit_code\": 0"), 14, "\"exit_code\": 3");
  const auto changed = dir.write("changed.json", golden_text());
  write_integrity_sidecar(changed);
  dir.write("changed.json", edited);
  const auto broken = dir.write("broken.json", "{\"schema\": 1}");

  std::ostringstream out;
  EXPECT_EQ(validate_command({good.string(), plain.string()}, out), 0);
  EXPECT_NE(out.str().find("good.json: valid (schema 1.2, 2 cases: 1 skipped, 1 valid; "
                           "integrity verified)"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("plain.json: valid (schema 1.2, 2 cases: 1 skipped, 1 valid; no "
                           "integrity sidecar)"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("2 files, 0 with problems"), std::string::npos) << out.str();

  std::ostringstream bad;
  EXPECT_EQ(
      validate_command(
          {good.string(), changed.string(), broken.string(), (dir / "missing.json").string()}, bad),
      2);
  EXPECT_NE(bad.str().find("changed.json: MODIFIED: "), std::string::npos) << bad.str();
  EXPECT_NE(bad.str().find("broken.json: INVALID: "), std::string::npos) << bad.str();
  EXPECT_NE(bad.str().find("missing.json: INVALID: "), std::string::npos) << bad.str();
  EXPECT_NE(bad.str().find("4 files, 3 with problems"), std::string::npos) << bad.str();

  std::ostringstream help;
  EXPECT_EQ(validate_command({"--help"}, help), 0);
  EXPECT_NE(help.str().find("usage: gpubench validate"), std::string::npos);
  EXPECT_THROW(validate_command({}, help), UsageError);
  EXPECT_THROW(validate_command({"--bogus", good.string()}, help), UsageError);
}

}  // namespace
}  // namespace gpb
