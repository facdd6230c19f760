#include "immich/regenerable.hpp"

#include <algorithm>

namespace immichbak {

const std::vector<regenerable_table>& immich_regenerable_tables() {
  // Tables whose rows Immich derives from the photos or from bundled data. Leaving them
  // out shrinks a backup by most of its size (the embeddings are ~88% of a dump); after
  // a restore the named job (Administration > Jobs) rebuilds them.
  static const std::vector<regenerable_table> list{
      {"smart_search", "Smart Search"},
      {"face_search", "Face Detection + Facial Recognition"},
      {"asset_file", "Generate Thumbnails"},
      {"asset_job_status", "Extract Metadata, Face Detection, Duplicate Detection (\"Missing\")"},
      {"asset_ocr", "OCR"},
      {"ocr_search", "OCR"},
      {"geodata_places", "none: re-imported on server start (reverse geocoding data)"},
      {"naturalearth_countries", "none: re-imported on server start (reverse geocoding data)"},
  };
  return list;
}

namespace immich {

std::vector<regenerable_table> regenerable_present(const std::vector<std::string>& public_tables) {
  std::vector<regenerable_table> out;
  for (const auto& t : immich_regenerable_tables())
    if (std::find(public_tables.begin(), public_tables.end(), t.table) != public_tables.end()) out.push_back(t);
  return out;
}

}  // namespace immich
}  // namespace immichbak
