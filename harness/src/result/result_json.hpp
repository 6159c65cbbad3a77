// SPDX-License-Identifier: Apache-2.0
// Private to the result file code (schema_json.cpp, result_json.cpp): the mapping between a
// RunRecord and its JSON document, driven by the field lists in result_fields.hpp.
// schema_json.cpp does the text, the limits and the files around it.
#pragma once

#include <gpb/result/schema.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace gpb::result_json {

using Json = nlohmann::json;
// Writing keeps declaration order so files read like the structs; reading does not care.
using OJson = nlohmann::ordered_json;

/// The document for `record`, keys in declaration order, always as schema kResultSchema.
/// Throws std::invalid_argument naming the field (`results[3].sample_s[7] is NaN`) for a
/// non-finite number or a string that is not valid UTF-8 (DI-2).
OJson write_record(const RunRecord& record);

/// The record in a parsed document. Throws InputError naming `origin` and the field path:
/// wrong types, missing fields, unknown fields (unless the file is a newer MINOR), unknown
/// status names, or a schema other than gpubench.result 1.x (DI-3).
RunRecord read_record(const std::string& origin, const Json& doc);

/// Quotes untrusted text for an error message: printable ASCII kept, the rest as \xHH, cut
/// at 64 bytes so a hostile 1 MiB key does not become a 4 MiB message.
std::string quote(std::string_view s);

}  // namespace gpb::result_json
