// protoc-gen-h2pb: the plugin parameters (generator.hpp's `options`).
#include <sstream>

#include "generator.hpp"

namespace h2pb_gen {

bool parse_options(const std::string& parameter, options& opt, std::string* error) {
    // Parameters: comma-separated key=value (--h2pb_out=namespace=x,views,services:OUT_DIR).
    std::istringstream params(parameter);
    for (std::string kv; std::getline(params, kv, ',');) {
        if (kv.empty()) continue;
        const auto eq = kv.find('=');
        const std::string key = kv.substr(0, eq);
        const std::string value = eq == std::string::npos ? "" : kv.substr(eq + 1);
        if (key == "namespace") {
            opt.namespace_prefix = replace_all(value, ".", "::");
        } else if (key == "views") {
            opt.views = value.empty() || value == "true";
        } else if (key == "include_prefix") {
            opt.include_prefix = value;
            while (!opt.include_prefix.empty() && opt.include_prefix.back() == '/')
                opt.include_prefix.pop_back();
        } else if (key == "single_header") {
            opt.single_header = value;
        } else if (key == "source") {
            opt.source = value.empty() || value == "true";
        } else if (key == "descriptors") {
            opt.descriptors = value.empty() || value == "true";
        } else if (key == "services") {
            // `services=only`: the services header alone, for a build
            // that makes the messages header with another rule.
            opt.services = value.empty() || value == "true" || value == "only";
            opt.messages = value != "only";
        } else {
            *error = "protoc-gen-h2pb: unknown parameter '" + key +
                     "' (known: namespace=NAME, views, services, services=only, descriptors, "
                     "source, include_prefix=DIR, single_header=FILE)";
            return false;
        }
    }
    return true;
}

}  // namespace h2pb_gen
