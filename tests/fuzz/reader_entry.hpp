#pragma once
// The fuzz entry for the backup reader and offline verify, shared by the libFuzzer target
// (fuzz_reader) and the unit test that replays the committed corpus on every CI run.

#include <cstddef>
#include <cstdint>

namespace immichbak::fuzz {

/// Writes `data` to a scratch file and runs it through backup_reader (open, every frame),
/// read_manifest/to_text/extract_table and verify() with its report forms. Expected
/// failures (immichbak::error of the documented codes) are swallowed; anything else --
/// another exception type, a crash, a sanitizer report -- is a bug. Returns 0.
int run_reader_input(const std::uint8_t* data, std::size_t size);

/// Structure-aware variant: a hostile writer can compute every hash, so the manifest and
/// frame checks must hold behind them. The input is
///   [1 byte: bit 0 = compressed] [2 bytes LE: n] [n bytes: frame region] [manifest JSON]
/// and is assembled into a file with a valid manifest container and footer (hashes and
/// check computed), then run through run_reader_input().
int run_manifest_input(const std::uint8_t* data, std::size_t size);

}  // namespace immichbak::fuzz
