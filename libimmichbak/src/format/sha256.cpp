#include "format/sha256.hpp"

#include <immichbak/error.hpp>

#include <openssl/evp.h>

namespace immichbak::format {

namespace {

// Fetch the implementation once: with OpenSSL 3 an implicit fetch on every
// EVP_DigestInit_ex costs more than hashing a short row.
const EVP_MD* sha256_md() {
  static const EVP_MD* md = [] {
    const EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return m ? m : EVP_sha256();
  }();
  return md;
}

void init(EVP_MD_CTX* ctx) {
  if (EVP_DigestInit_ex(ctx, sha256_md(), nullptr) != 1)
    throw error(errc::internal, "openssl: cannot initialise sha256");
}

}  // namespace

struct sha256::impl {
  EVP_MD_CTX* ctx = nullptr;
  impl() {
    ctx = EVP_MD_CTX_new();
    if (!ctx) throw error(errc::internal, "openssl: cannot allocate a digest context");
    init(ctx);
  }
  ~impl() { EVP_MD_CTX_free(ctx); }
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;
};

sha256::sha256() : impl_(std::make_unique<impl>()) {}
sha256::~sha256() = default;
sha256::sha256(sha256&&) noexcept = default;
sha256& sha256::operator=(sha256&&) noexcept = default;

void sha256::update(std::string_view data) {
  if (data.empty()) return;
  if (EVP_DigestUpdate(impl_->ctx, data.data(), data.size()) != 1)
    throw error(errc::internal, "openssl: sha256 update failed");
}

sha256::digest sha256::finish() {
  digest d{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, d.data(), &len) != 1 || len != d.size())
    throw error(errc::internal, "openssl: sha256 final failed");
  init(impl_->ctx);
  return d;
}

std::string sha256::finish_hex() { return hex(finish()); }

sha256::digest sha256::of(std::string_view data) {
  // One context per thread: content hashing calls this once per row.
  thread_local sha256 h;
  h.update(data);
  return h.finish();
}

std::string sha256::hex(const digest& d) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(d.size() * 2, '0');
  for (std::size_t i = 0; i < d.size(); ++i) {
    out[2 * i] = digits[d[i] >> 4];
    out[2 * i + 1] = digits[d[i] & 15];
  }
  return out;
}

}  // namespace immichbak::format
