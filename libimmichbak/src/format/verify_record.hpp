#pragma once
// FILE.verified.json: the last verify result of a backup file, written next to it by
// `immichbak::verify` so that listing a directory never has to re-read gigabytes
// (docs/retention.md). One small JSON object:
//
//   {"format": 1, "file": "immich-db-20250615T020000Z.sql.zst", "bytes": 123456,
//    "verified_at": "2025-06-15T02:03:04Z", "ok": true, "kind": "offline",
//    "tool_version": "0.1.0", "failed_checks": []}
//
// Written atomically (a temporary FILE.verified.json.<pid>.tmp, fsync, rename over the
// old record, directory fsync), so a reader sees the old record or the new one.

#include <immichbak/retention.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace immichbak::format {

/// FILE.verified.json
std::filesystem::path verify_record_path(const std::filesystem::path& file);
/// Whether `name` is the name of a record's temporary file for `file_name`
/// ("<file_name>.verified.json.<digits>.tmp").
bool is_verify_record_temp(std::string_view name, std::string_view file_name);

std::string verify_record_json(const verify_record& r, const std::filesystem::path& file);
/// nullopt when `text` is not a record (bad JSON, missing or mistyped fields, another format).
std::optional<verify_record> parse_verify_record(std::string_view text);

/// Writes the record for `file` atomically. Throws error(io_error) naming the path;
/// nothing is left behind on failure.
void write_verify_record(const std::filesystem::path& file, const verify_record& r);
/// The record next to `file`: nullopt when there is none; a malformed or unreadable one
/// is nullopt too, with `problem` set.
std::optional<verify_record> read_verify_record(const std::filesystem::path& file, std::string* problem = nullptr);

}  // namespace immichbak::format
