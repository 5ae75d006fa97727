// Binding of call arguments to a Python-style signature for builtin filters,
// tests, methods and globals: positional arguments first, then keywords by
// name, with Python's errors for too many, unknown or duplicate arguments.
// It only binds; it must never evaluate anything.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "engine/template/template_error.h"
#include "engine/template/value.h"

namespace pg::jinja {

class ArgBinder {
 public:
  ArgBinder(std::string_view function, const CallArgs& args, std::initializer_list<std::string_view> names,
            size_t required = 0)
      : function_(function), names_(names), bound_(names.size(), nullptr) {
    if (args.positional.size() > names_.size())
      throw_runtime("TypeError: " + function_ + "() takes at most " + std::to_string(names_.size()) +
                    " argument(s) (" + std::to_string(args.positional.size()) + " given)");
    for (size_t i = 0; i < args.positional.size(); ++i) bound_[i] = &args.positional[i];
    for (const auto& [key, value] : args.keyword) {
      size_t k = 0;
      while (k < names_.size() && names_[k] != key) ++k;
      if (k == names_.size())
        throw_runtime("TypeError: " + function_ + "() got an unexpected keyword argument '" + key + "'");
      if (bound_[k]) throw_runtime("TypeError: " + function_ + "() got multiple values for argument '" + key + "'");
      bound_[k] = &value;
    }
    for (size_t i = 0; i < required; ++i)
      if (!bound_[i])
        throw_runtime("TypeError: " + function_ + "() missing required argument '" + std::string(names_[i]) + "'");
  }

  bool has(size_t i) const { return bound_[i] != nullptr; }
  const Value* get(size_t i) const { return bound_[i]; }
  Value get_or(size_t i, Value fallback) const { return bound_[i] ? *bound_[i] : std::move(fallback); }
  const std::string& function() const { return function_; }

 private:
  std::string function_;
  std::vector<std::string_view> names_;
  std::vector<const Value*> bound_;
};

}  // namespace pg::jinja
