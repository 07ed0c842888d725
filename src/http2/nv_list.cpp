#include "portico/http2/nv_list.h"

namespace portico::http2 {

std::vector<nghttp2_nv> toNv(const std::vector<HeaderField>& fields) {
  std::vector<nghttp2_nv> nva;
  nva.reserve(fields.size());
  for (const HeaderField& h : fields) {
    nva.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(h.name.data())),
                   reinterpret_cast<uint8_t*>(const_cast<char*>(h.value.data())), h.name.size(),
                   h.value.size(), NGHTTP2_NV_FLAG_NONE});
  }
  return nva;
}

}  // namespace portico::http2
