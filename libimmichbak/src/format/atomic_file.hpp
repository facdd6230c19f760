#pragma once
// Small text files that readers must see whole or not at all (the metrics file a
// node_exporter scrapes at any moment, the run state): a temporary file in the same
// directory, fsync, rename over the old file, directory fsync.

#include <filesystem>
#include <string_view>

#include <sys/types.h>

namespace immichbak::format {

/// Writes `text` to `path` atomically with permissions `mode` (umask applied). The
/// temporary is PATH.<pid>.tmp; nothing is left behind on failure. Throws error(io_error)
/// naming the path.
void write_file_atomic(const std::filesystem::path& path, std::string_view text, mode_t mode = 0644);

}  // namespace immichbak::format
