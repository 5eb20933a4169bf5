#include "core/fftw_plans.hpp"

#include <mutex>
#include <new>
#include <vector>

namespace attune::core::fft {
namespace {

struct Entry {
  Kind kind;
  std::size_t n;
  fftw_plan plan;
};

// The process-wide plans. Destroyed at exit (after the main thread's
// thread_local caches, which hold only copies of the handles); fftw_cleanup
// then frees the planner's own tables.
class SharedPlans {
 public:
  ~SharedPlans() {
    for (const Entry& e : entries_) fftw_destroy_plan(e.plan);
    fftw_cleanup();
  }

  fftw_plan get(Kind kind, std::size_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Entry& e : entries_) {
      if (e.kind == kind && e.n == n) return e.plan;
    }
    const fftw_plan p = make(kind, n);
    entries_.push_back({kind, n, p});
    return p;
  }

 private:
  // Planned on fftw_malloc arrays (the alignment every execution uses).
  // FFTW_ESTIMATE neither times nor writes the arrays.
  static fftw_plan make(Kind kind, std::size_t n) {
    const int len = static_cast<int>(n);
    auto* in = fftw_alloc_complex(n);
    auto* out = fftw_alloc_complex(n);
    if (in == nullptr || out == nullptr) throw std::bad_alloc();
    fftw_plan p = nullptr;
    switch (kind) {
      case Kind::RealForward:
        p = fftw_plan_dft_r2c_1d(len, reinterpret_cast<double*>(in), out, FFTW_ESTIMATE);
        break;
      case Kind::ComplexForward:
        p = fftw_plan_dft_1d(len, in, out, FFTW_FORWARD, FFTW_ESTIMATE);
        break;
      case Kind::ComplexBackward:
        p = fftw_plan_dft_1d(len, in, out, FFTW_BACKWARD, FFTW_ESTIMATE);
        break;
    }
    fftw_free(in);
    fftw_free(out);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }

  std::mutex mutex_;
  std::vector<Entry> entries_;
};

SharedPlans& shared_plans() {
  static SharedPlans plans;
  return plans;
}

}  // namespace

fftw_plan plan(Kind kind, std::size_t n) {
  // A per-thread copy of the handles used so far: no lock once warm.
  thread_local std::vector<Entry> seen;
  for (const Entry& e : seen) {
    if (e.kind == kind && e.n == n) return e.plan;
  }
  const fftw_plan p = shared_plans().get(kind, n);
  seen.push_back({kind, n, p});
  return p;
}

AlignedBuffer::~AlignedBuffer() { fftw_free(data_); }

void* AlignedBuffer::bytes(std::size_t size) {
  if (size > size_) {
    fftw_free(data_);
    data_ = fftw_malloc(size);
    if (data_ == nullptr) {
      size_ = 0;
      throw std::bad_alloc();
    }
    size_ = size;
  }
  return data_;
}

}  // namespace attune::core::fft
