// h2pb::wire — result<T, E>: a value or an error (std::expected is C++23).
//
//   wire::result<std::uint64_t> r = cursor.read_varint();
//   if (!r) return r.error();
//   use(*r);
//
// T must be default-constructible; both members live side by side, which keeps
// the type trivially copyable when T and E are and costs nothing for the small
// values (integers, views) it is used with.
#pragma once

#include <utility>

#include <h2pb/wire/error.hpp>

namespace h2pb::wire {

/// Tags an error so that `return failure{e};` builds the error side of a result.
template <class E>
struct failure {
    E error;
};
template <class E>
failure(E) -> failure<E>;

template <class T, class E = error>
class [[nodiscard]] result {
  public:
    constexpr result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
    constexpr result(failure<E> f)
        : error_(f.error), ok_(false) {}  // NOLINT(google-explicit-constructor)

    constexpr bool has_value() const noexcept { return ok_; }
    constexpr explicit operator bool() const noexcept { return ok_; }

    constexpr T& value() & noexcept { return value_; }
    constexpr const T& value() const& noexcept { return value_; }
    constexpr T&& value() && noexcept { return std::move(value_); }
    constexpr T& operator*() & noexcept { return value_; }
    constexpr const T& operator*() const& noexcept { return value_; }
    constexpr T* operator->() noexcept { return &value_; }
    constexpr const T* operator->() const noexcept { return &value_; }

    /// The error; meaningful only when !has_value().
    constexpr const E& error() const noexcept { return error_; }

  private:
    T value_{};
    E error_{};
    bool ok_ = true;
};

}  // namespace h2pb::wire
