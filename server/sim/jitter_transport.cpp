#include "sim/jitter_transport.hpp"

#include <utility>  // before Asio: see TOOLCHAIN.md

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <string>

#include "sim/rng.hpp"

namespace attune::sim {

namespace {

using Clock = std::chrono::steady_clock;

class JitterTransport : public Transport, private Transport::Handler {
 public:
  JitterTransport(boost::asio::io_context& io, std::unique_ptr<Transport> inner, double max_delay_ms,
                  std::uint64_t seed)
      : timer_(io), inner_(std::move(inner)), max_delay_ms_(max_delay_ms), rng_(seed) {}

  void open(Transport::Handler& handler) override {
    handler_ = &handler;
    closing_ = false;
    inner_->open(*this);
  }

  void send(std::string payload, bool text) override {
    const auto delay = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double, std::milli>(rng_.uniform(0.0, max_delay_ms_)));
    // In order: never before the frame ahead of it.
    const Clock::time_point due = std::max(last_due_, Clock::now() + delay);
    last_due_ = due;
    queue_.push_back({due, std::move(payload), text});
    if (queue_.size() == 1) arm();
  }

  void close() override {
    if (queue_.empty()) return inner_->close();
    closing_ = true;  // after the queued frames
  }

 private:
  struct Frame {
    Clock::time_point due;
    std::string payload;
    bool text;
  };

  void arm() {
    timer_.expires_at(queue_.front().due);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) flush();
    });
  }

  void flush() {
    const auto now = Clock::now();
    while (!queue_.empty() && queue_.front().due <= now) {
      Frame f = std::move(queue_.front());
      queue_.pop_front();
      inner_->send(std::move(f.payload), f.text);
    }
    if (!queue_.empty()) return arm();
    if (closing_) {
      closing_ = false;
      inner_->close();
    }
  }

  void on_open() override { handler_->on_open(); }
  void on_frame(std::string payload, bool text) override { handler_->on_frame(std::move(payload), text); }
  void on_closed(const std::string& reason, bool opened) override {
    queue_.clear();  // what had not left yet is lost with the connection
    timer_.cancel();
    closing_ = false;
    handler_->on_closed(reason, opened);
  }

  boost::asio::steady_timer timer_;
  std::unique_ptr<Transport> inner_;
  double max_delay_ms_;
  Rng rng_;
  Transport::Handler* handler_ = nullptr;
  std::deque<Frame> queue_;
  Clock::time_point last_due_{};
  bool closing_ = false;
};

}  // namespace

std::unique_ptr<Transport> make_jitter_transport(boost::asio::io_context& io, std::unique_ptr<Transport> inner,
                                                 double max_delay_ms, std::uint64_t seed) {
  return std::make_unique<JitterTransport>(io, std::move(inner), max_delay_ms, seed);
}

}  // namespace attune::sim
