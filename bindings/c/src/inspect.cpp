// immichbak_read_manifest() and its accessors; immichbak_extract_table() through a write
// callback or into a file.

#include "c_api.hpp"

#include <fstream>
#include <ostream>
#include <streambuf>

using namespace immichbak_c;

namespace {

const immichbak::manifest_table* table(const immichbak_manifest* m, size_t i) { return m ? at(m->value.tables, i) : nullptr; }

// An unbuffered streambuf over the caller's write callback. A short write marks the stream
// bad (the ostream sees fewer characters than it asked for) and is remembered, so the call
// reports IMMICHBAK_E_IO_ERROR even if the library did not look at the stream's state.
class callback_buf : public std::streambuf {
 public:
  callback_buf(immichbak_write_fn fn, void* user) : fn_(fn), user_(user) {}
  bool refused() const noexcept { return refused_; }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (refused_ || n <= 0) return refused_ ? 0 : n;
    const auto size = static_cast<std::size_t>(n);
    const std::size_t taken = fn_(s, size, user_);
    if (taken != size) {
      refused_ = true;
      return 0;
    }
    return n;
  }
  int_type overflow(int_type ch) override {
    if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
    const char c = traits_type::to_char_type(ch);
    return xsputn(&c, 1) == 1 ? ch : traits_type::eof();
  }

 private:
  immichbak_write_fn fn_;
  void* user_;
  bool refused_ = false;
};

void require_text(const char* s, const char* what) {
  if (s == nullptr || *s == '\0') invalid(std::string(what) + " must be set");
}

}  // namespace

extern "C" {

int immichbak_read_manifest(const char* file, immichbak_manifest** out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    require_text(file, "file");
    *out = new immichbak_manifest{immichbak::read_manifest(file)};
  });
}

int immichbak_manifest_format_major(const immichbak_manifest* m) { return m ? m->value.format_major : 0; }
int immichbak_manifest_format_minor(const immichbak_manifest* m) { return m ? m->value.format_minor : 0; }
const char* immichbak_manifest_tool_version(const immichbak_manifest* m) { return m ? m->value.tool_version.c_str() : nullptr; }
const char* immichbak_manifest_created_at(const immichbak_manifest* m) { return m ? m->value.created_at.c_str() : nullptr; }
const char* immichbak_manifest_database(const immichbak_manifest* m) { return m ? m->value.database.c_str() : nullptr; }
const char* immichbak_manifest_server_version(const immichbak_manifest* m) { return m ? m->value.server_version.c_str() : nullptr; }
const char* immichbak_manifest_compression(const immichbak_manifest* m) { return m ? m->value.compression.c_str() : nullptr; }
const char* immichbak_manifest_immich_version(const immichbak_manifest* m) { return m ? m->value.immich_version.c_str() : nullptr; }
size_t immichbak_manifest_frame_count(const immichbak_manifest* m) { return m ? m->value.frames.size() : 0; }
size_t immichbak_manifest_table_count(const immichbak_manifest* m) { return m ? m->value.tables.size() : 0; }
const char* immichbak_manifest_table_schema(const immichbak_manifest* m, size_t i) {
  const auto* t = table(m, i);
  return t ? t->schema.c_str() : nullptr;
}
const char* immichbak_manifest_table_name(const immichbak_manifest* m, size_t i) {
  const auto* t = table(m, i);
  return t ? t->name.c_str() : nullptr;
}
uint64_t immichbak_manifest_table_rows(const immichbak_manifest* m, size_t i) {
  const auto* t = table(m, i);
  return t ? t->rows : 0;
}
const char* immichbak_manifest_table_content_hash(const immichbak_manifest* m, size_t i) {
  const auto* t = table(m, i);
  return t ? t->content_hash.c_str() : nullptr;
}
uint64_t immichbak_manifest_table_stored_bytes(const immichbak_manifest* m, size_t i) {
  const auto* t = table(m, i);
  return t ? t->stored_bytes : 0;
}
int immichbak_manifest_table_data_excluded(const immichbak_manifest* m, size_t i) {
  const auto* t = table(m, i);
  return t && t->data_excluded ? 1 : 0;
}
int immichbak_manifest_to_json(const immichbak_manifest* m, char** out) {
  return text_out(out, [&] {
    require(m, "manifest");
    return immichbak::to_json(m->value);
  });
}
int immichbak_manifest_to_text(const immichbak_manifest* m, char** out) {
  return text_out(out, [&] {
    require(m, "manifest");
    return immichbak::to_text(m->value);
  });
}
void immichbak_manifest_free(immichbak_manifest* m) { delete m; }

int immichbak_extract_table(const char* file, const char* table_name, immichbak_write_fn write, void* user) {
  return guarded([&] {
    require_text(file, "file");
    require_text(table_name, "table");
    if (write == nullptr) invalid("write must not be NULL");
    callback_buf buf(write, user);
    std::ostream out(&buf);
    immichbak::extract_table(file, table_name, out);
    out.flush();
    if (buf.refused() || !out)
      throw immichbak::error(immichbak::errc::io_error, "the write callback did not take all of the extracted SQL");
  });
}

int immichbak_extract_table_to_file(const char* file, const char* table_name, const char* out_path) {
  return guarded([&] {
    require_text(file, "file");
    require_text(table_name, "table");
    require_text(out_path, "out_path");
    std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
    if (!out) throw immichbak::error(immichbak::errc::io_error, std::string("cannot create ") + out_path);
    immichbak::extract_table(file, table_name, out);
    out.close();
    if (!out) throw immichbak::error(immichbak::errc::io_error, std::string("cannot write ") + out_path);
  });
}

}  // extern "C"
