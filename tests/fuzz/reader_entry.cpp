#include "fuzz/reader_entry.hpp"

#include "format/backup_reader.hpp"
#include "format/layout.hpp"
#include "format/sha256.hpp"

#include <immichbak/error.hpp>
#include <immichbak/manifest.hpp>
#include <immichbak/verify.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace immichbak::fuzz {

namespace {

namespace fs = std::filesystem;

// Inputs whose frames claim more plain bytes than this are only opened, not decoded:
// decoding is bounded by the claim, but a fuzzer must not spend seconds per input.
constexpr std::uint64_t max_plain_to_decode = 64ull << 20;

const fs::path& scratch_file() {
  static const fs::path p = [] {
    fs::path dir = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    return dir / ("immichbak-fuzz-reader-" + std::to_string(::getpid()) + ".sql.zst");
  }();
  return p;
}

void expect(const error& e, std::initializer_list<errc> allowed) {
  for (errc c : allowed)
    if (e.code() == c) return;
  std::fprintf(stderr, "unexpected error code %s: %s\n", code_name(e.code()), e.what());
  std::abort();
}

}  // namespace

int run_reader_input(const std::uint8_t* data, std::size_t size) {
  const fs::path& file = scratch_file();
  std::error_code ec;
  fs::remove(file, ec);
  {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) std::abort();
  }

  bool decodable = false;
  try {
    format::backup_reader r(file);
    const manifest& m = r.get_manifest();
    std::uint64_t plain = 0;
    for (const auto& f : m.frames) plain += std::min<std::uint64_t>(f.plain_size, max_plain_to_decode + 1);
    decodable = plain <= max_plain_to_decode;
    (void)to_text(m);
    (void)to_json(m, false);
    if (decodable) {
      for (const auto& f : m.frames) {
        try {
          r.read_frame(f, [](std::string_view) {});
          if (f.plain_size <= (1u << 20)) (void)r.read_frame(f);
        } catch (const error& e) {
          expect(e, {errc::corrupt_backup});
        }
      }
      if (!m.tables.empty()) {
        std::ostringstream sink;
        try {
          extract_table(file, m.tables.front().schema + "." + m.tables.front().name, sink);
        } catch (const error& e) {
          expect(e, {errc::corrupt_backup, errc::invalid_argument});
        }
      }
    }
  } catch (const error& e) {
    expect(e, {errc::not_a_backup, errc::unsupported_format, errc::corrupt_backup});
  }

  if (decodable) {
    try {
      verify_options o;
      o.file = file;
      verify_report rep = verify(o);
      (void)to_text(rep);
      (void)to_json(rep, false);
    } catch (const error& e) {
      expect(e, {errc::not_a_backup, errc::unsupported_format});
    }
  }
  fs::remove(file, ec);
  return 0;
}

int run_manifest_input(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const bool compressed = data[0] & 1;
  std::size_t n = std::min<std::size_t>(data[1] | (std::size_t(data[2]) << 8), size - 3);
  std::string_view frames(reinterpret_cast<const char*>(data) + 3, n);
  std::string_view json(reinterpret_cast<const char*>(data) + 3 + n, size - 3 - n);
  std::string file(frames);
  format::footer ft;
  ft.manifest_length = json.size();
  ft.manifest_sha256 = format::sha256::of(json);
  if (compressed) {
    ft.manifest_offset = file.size() + format::skippable_header_size;
    format::put_le32(file, format::manifest_skippable_magic);
    format::put_le32(file, static_cast<std::uint32_t>(json.size()));
    file += json;
    file += format::encode_binary_footer(ft);
  } else {
    ft.manifest_offset = file.size() + format::manifest_line_prefix.size();
    file += format::manifest_line_prefix;
    file += json;
    file += '\n';
    file += format::encode_text_footer(ft);
  }
  return run_reader_input(reinterpret_cast<const std::uint8_t*>(file.data()), file.size());
}

}  // namespace immichbak::fuzz
