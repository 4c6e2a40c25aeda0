// The files of `luxc new`'s templates (templates/<template>/<path> in the repository), compiled
// into luxc by compiler/driver/embed_templates.cmake.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace lux {

struct EmbeddedTemplateFile {
  const char* template_name;  // "api"
  const char* path;           // "app.lux", relative to the template's directory
  const unsigned char* data;
  size_t size;

  std::string_view text() const { return {reinterpret_cast<const char*>(data), size}; }
};

const std::vector<EmbeddedTemplateFile>& embeddedTemplateFiles();

}  // namespace lux
