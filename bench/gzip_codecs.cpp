// zlib against libdeflate for the gzip variant's frames (issue: pick the gzip codec with
// numbers). Reads a plain script (e.g. `gunzip -c BACKUP.sql.gz` or `zstd -dc
// BACKUP.sql.zst`), cuts it into frames of FRAME_BYTES (default 4 MiB, backup_options::chunk_bytes) as the backup writer does, and
// compresses every frame as one gzip member with each codec and level, single-threaded.
// Prints MB/s of plain input and the ratio. Built and run by bench/gzip_codecs.sh.
#include <libdeflate.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::size_t zlib_member(const std::string& in, int level, std::string& out) {
  z_stream z{};
  deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  out.resize(deflateBound(&z, in.size()));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  std::size_t n = z.total_out;
  deflateEnd(&z);
  return n;
}

std::size_t libdeflate_member(const std::string& in, int level, std::string& out) {
  libdeflate_compressor* c = libdeflate_alloc_compressor(level);
  out.resize(libdeflate_gzip_compress_bound(c, in.size()));
  std::size_t n = libdeflate_gzip_compress(c, in.data(), in.size(), out.data(), out.size());
  libdeflate_free_compressor(c);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: gzip_codecs PLAIN_SCRIPT [FRAME_BYTES]\n");
    return 2;
  }
  std::ifstream f(argv[1], std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const std::size_t frame = argc > 2 && std::strtoull(argv[2], nullptr, 10) > 0 ? std::strtoull(argv[2], nullptr, 10) : (4u << 20);
  std::vector<std::string> frames;
  for (std::size_t i = 0; i < all.size(); i += frame) frames.push_back(all.substr(i, frame));
  std::printf("input: %.1f MB in %zu frames of up to %zu bytes\n", all.size() / 1e6, frames.size(), frame);
  std::printf("%-12s %5s %10s %8s\n", "codec", "level", "MB/s", "ratio");
  std::string out;
  struct codec {
    const char* name;
    std::size_t (*fn)(const std::string&, int, std::string&);
    std::vector<int> levels;
  };
  for (const codec& c : {codec{"zlib", zlib_member, {1, 3, 6, 9}}, codec{"libdeflate", libdeflate_member, {1, 2, 3, 4, 6, 9, 12}}}) {
    for (int level : c.levels) {
      double t0 = now();
      std::size_t stored = 0;
      for (const auto& fr : frames) stored += c.fn(fr, level, out);
      double s = now() - t0;
      std::printf("%-12s %5d %10.1f %8.2f\n", c.name, level, all.size() / 1e6 / s, double(all.size()) / double(stored));
    }
  }
}
