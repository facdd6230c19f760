// libFuzzer target: arbitrary bytes as a backup file, through the reader and offline
// verify. Build with the `fuzz` preset; run e.g.
//   build/fuzz/tests/fuzz/fuzz_reader -max_len=16384 tests/fuzz/corpus/reader
#include "fuzz/reader_entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return immichbak::fuzz::run_reader_input(data, size);
}
