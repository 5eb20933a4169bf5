// A first-in first-out queue in one growable ring buffer.
//
// Why not std::deque: libstdc++'s deque allocates a 512-byte block and its
// map as soon as it is constructed, used or not. The engine holds dozens of
// small queues per room (three seats, most of them idle without a
// clinician), so empty deques alone were ~24 KiB of every room (issue 3).
// This allocates nothing until the first push, then grows by a quarter as
// needed and keeps its capacity (no allocation in steady state).
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

namespace attune::core {

template <class T>
class RingQueue {
 public:
  // Random access, so std::lower_bound and friends can search it.
  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;

    const_iterator(const RingQueue* q, std::size_t i) : q_(q), i_(i) {}
    const T& operator*() const { return (*q_)[i_]; }
    const T* operator->() const { return &(*q_)[i_]; }
    const T& operator[](difference_type d) const { return (*q_)[i_ + static_cast<std::size_t>(d)]; }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    const_iterator& operator--() {
      --i_;
      return *this;
    }
    const_iterator& operator+=(difference_type d) {
      i_ = static_cast<std::size_t>(static_cast<difference_type>(i_) + d);
      return *this;
    }
    const_iterator operator+(difference_type d) const { return const_iterator(*this) += d; }
    const_iterator operator-(difference_type d) const { return const_iterator(*this) += -d; }
    difference_type operator-(const const_iterator& o) const {
      return static_cast<difference_type>(i_) - static_cast<difference_type>(o.i_);
    }
    bool operator!=(const const_iterator& o) const { return i_ != o.i_; }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }
    bool operator<(const const_iterator& o) const { return i_ < o.i_; }

   private:
    const RingQueue* q_;
    std::size_t i_;
  };

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  void push_back(T v) {
    if (size_ == buf_.size()) grow();
    buf_[wrap(head_ + size_)] = std::move(v);
    ++size_;
  }
  template <class... Args>
  void emplace_back(Args&&... args) {
    push_back(T{std::forward<Args>(args)...});
  }
  void pop_front() {
    head_ = wrap(head_ + 1);
    --size_;
  }
  // Drops the n (<= size()) oldest elements.
  void drop_front(std::size_t n) {
    head_ = wrap(head_ + n);  // head_ + n < 2 * capacity: one wrap suffices
    size_ -= n;
  }
  void clear() { head_ = size_ = 0; }
  // Empties the queue and frees its buffer (a window that will not be
  // filled again, e.g. a finished calibration).
  void release() {
    clear();
    std::vector<T>().swap(buf_);
  }
  // Makes room for n elements in one allocation of exactly n (a window of
  // known length need not double past it).
  void reserve(std::size_t n) {
    if (n > buf_.size()) grow_to(n);
  }
  // Elements the buffer holds before it grows again.
  std::size_t capacity() const { return buf_.size(); }

  T& front() { return buf_[head_]; }
  const T& front() const { return buf_[head_]; }
  T& back() { return buf_[wrap(head_ + size_ - 1)]; }
  const T& back() const { return buf_[wrap(head_ + size_ - 1)]; }
  T& operator[](std::size_t i) { return buf_[wrap(head_ + i)]; }
  const T& operator[](std::size_t i) const { return buf_[wrap(head_ + i)]; }

  // Appends elements i .. i + n - 1 (i + n <= size()) to the container
  // out (converting each to its value type), as at most two contiguous
  // ranges: faster than element-wise access, and nothing is zero-filled
  // first (bulk reads).
  template <class Out>
  void append_to(std::size_t i, std::size_t n, Out& out) const {
    if (n == 0) return;
    const std::size_t start = wrap(head_ + i);
    const std::size_t first = std::min(n, buf_.size() - start);
    out.insert(out.end(), buf_.data() + start, buf_.data() + start + first);
    out.insert(out.end(), buf_.data(), buf_.data() + (n - first));
  }

  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size_); }

 private:
  std::size_t wrap(std::size_t i) const { return i < buf_.size() ? i : i - buf_.size(); }
  // By a quarter, not double: a window of a few hundred entries then wastes
  // at most a fifth of its buffer (doubling wasted up to half: issue 3).
  void grow() { grow_to(buf_.size() < 4 ? 4 : buf_.size() + buf_.size() / 4); }
  void grow_to(std::size_t n) {
    std::vector<T> next(n);
    for (std::size_t i = 0; i < size_; ++i) next[i] = std::move((*this)[i]);
    buf_ = std::move(next);
    head_ = 0;
  }

  std::vector<T> buf_;
  std::size_t head_ = 0, size_ = 0;
};

}  // namespace attune::core
