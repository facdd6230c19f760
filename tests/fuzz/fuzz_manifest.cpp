// libFuzzer target: arbitrary manifests (and frame bytes) behind valid hashes and footer,
// see immichbak::fuzz::run_manifest_input. Run e.g.
//   build/fuzz/tests/fuzz/fuzz_manifest -max_len=16384 tests/fuzz/corpus/manifest
#include "fuzz/reader_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return immichbak::fuzz::run_manifest_input(data, size);
}
