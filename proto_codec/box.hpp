// h2pb::proto — box<T>: an optional sub-message with value semantics.
//
// A singular message field is present or absent (protobuf tracks presence for
// every message field). Generated structs hold such a field as `box<T>`:
//
//   msg.payload.emplace().body = "...";     // make present, fresh value
//   if (msg.payload) use(msg.payload->body);
//   msg.payload.reset();                     // absent again
//
// Unlike std::optional<T>, box<T> keeps T on the heap, so T may be incomplete
// where the box is declared: a message can contain itself (trees, linked
// lists, google.protobuf.Struct/Value). Copying a box copies the value;
// comparing compares values (absent == absent).
//
// reset() keeps the allocation: the next emplace()/ensure() reuses it (and
// clears it then), so decoding into a reused message does not reallocate its
// sub-messages, the way libprotobuf reuses its sub-message objects.
#pragma once

#include <cstddef>
#include <exception>
#include <utility>

namespace h2pb::proto {

/// Resets a value to its default while keeping memory it owns (strings,
/// vectors, messages with clear()).
template <class T>
void clear_value(T& v) {
    if constexpr (requires { v.clear(); }) {
        v.clear();
    } else {
        v = T{};
    }
}

template <class T>
class box {
  public:
    box() noexcept = default;
    box(const T& v) : ptr_(new T(v)), present_(true) {}  // NOLINT(google-explicit-constructor)
    box(T&& v)
        : ptr_(new T(std::move(v))), present_(true) {}  // NOLINT(google-explicit-constructor)
    box(const box& o) : ptr_(o.present_ ? new T(*o.ptr_) : nullptr), present_(o.present_) {}
    box(box&& o) noexcept
        : ptr_(std::exchange(o.ptr_, nullptr)), present_(std::exchange(o.present_, false)) {}
    box& operator=(const box& o) {
        if (this != &o) {
            if (o.present_) {
                if (ptr_ == nullptr) {
                    ptr_ = new T(*o.ptr_);
                } else {
                    *ptr_ = *o.ptr_;
                }
            }
            present_ = o.present_;
        }
        return *this;
    }
    box& operator=(box&& o) noexcept {
        if (this != &o) {
            delete ptr_;
            ptr_ = std::exchange(o.ptr_, nullptr);
            present_ = std::exchange(o.present_, false);
        }
        return *this;
    }
    box& operator=(const T& v) {
        ensure_storage() = v;
        present_ = true;
        return *this;
    }
    box& operator=(T&& v) {
        ensure_storage() = std::move(v);
        present_ = true;
        return *this;
    }
    ~box() { delete ptr_; }

    bool has_value() const noexcept { return present_; }
    explicit operator bool() const noexcept { return present_; }

    /// The value; only when has_value().
    T& operator*() noexcept { return *ptr_; }
    const T& operator*() const noexcept { return *ptr_; }
    T* operator->() noexcept { return ptr_; }
    const T* operator->() const noexcept { return ptr_; }

    /// Makes the field present with a default value and returns it.
    T& emplace() {
        if (ptr_ == nullptr) {
            ptr_ = new T();
        } else {
            clear_value(*ptr_);
        }
        present_ = true;
        return *ptr_;
    }
    /// Makes the field present, keeping the current value if it already was
    /// (protobuf's mutable_x(); what merging a sub-message needs).
    T& ensure() {
        if (present_) return *ptr_;
        return emplace();
    }
    /// Makes the field absent (the memory is kept for reuse).
    void reset() noexcept { present_ = false; }

    friend bool operator==(const box& a, const box& b) {
        if (a.present_ != b.present_) return false;
        return !a.present_ || *a.ptr_ == *b.ptr_;
    }

  private:
    T& ensure_storage() {
        if (ptr_ == nullptr) ptr_ = new T();
        return *ptr_;
    }

    T* ptr_ = nullptr;
    bool present_ = false;
};

}  // namespace h2pb::proto

namespace h2pb::proto {

/// heap<T>: a T that lives on the heap, always present. Generated code uses
/// it for message members of a oneof (std::variant needs complete types; a
/// oneof may hold the message it belongs to). Copies copy the value.
template <class T>
class heap {
  public:
    heap() : ptr_(new T()) {}
    heap(const T& v) : ptr_(new T(v)) {}        // NOLINT(google-explicit-constructor)
    heap(T&& v) : ptr_(new T(std::move(v))) {}  // NOLINT(google-explicit-constructor)
    heap(const heap& o) : ptr_(new T(*o.ptr_)) {}
    // A moved-from heap keeps a (default) value, so it is never null: the
    // move allocates that value. It is still noexcept, so that std::vector
    // moves the messages that hold a heap when it grows, and std::variant
    // (a oneof) and the messages' implicit move assignment do not throw.
    // Only std::bad_alloc could escape; out of memory here ends the program
    // (std::terminate), as a throw from any noexcept function does.
    heap(heap&& o) noexcept : ptr_(new_default()) { std::swap(ptr_, o.ptr_); }
    heap& operator=(const heap& o) {
        if (this != &o) *ptr_ = *o.ptr_;
        return *this;
    }
    heap& operator=(heap&& o) noexcept {
        std::swap(ptr_, o.ptr_);
        return *this;
    }
    ~heap() { delete ptr_; }

    T& operator*() noexcept { return *ptr_; }
    const T& operator*() const noexcept { return *ptr_; }
    T* operator->() noexcept { return ptr_; }
    const T* operator->() const noexcept { return ptr_; }

    friend bool operator==(const heap& a, const heap& b) { return *a.ptr_ == *b.ptr_; }

  private:
    static T* new_default() noexcept {
        try {
            return new T();
        } catch (...) {
            std::terminate();
        }
    }

    T* ptr_;
};

}  // namespace h2pb::proto
