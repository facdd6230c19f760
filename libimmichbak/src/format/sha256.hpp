#pragma once
// Incremental SHA-256 (OpenSSL EVP; uses the CPU's SHA extensions where present).

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace immichbak::format {

class sha256 {
 public:
  using digest = std::array<std::uint8_t, 32>;
  sha256();
  ~sha256();
  sha256(sha256&&) noexcept;
  sha256& operator=(sha256&&) noexcept;
  void update(std::string_view data);
  digest finish();                 ///< the object may be reused after finish()
  std::string finish_hex();
  static digest of(std::string_view data);
  static std::string hex(const digest& d);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace immichbak::format
