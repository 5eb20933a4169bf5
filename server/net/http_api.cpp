#include "net/http_api.hpp"

#include <chrono>
#include <optional>
#include <string_view>

#include <spdlog/spdlog.h>

#include "attune/v1/api.pb.h"
#include "codec/frame_codec.hpp"
#include "store/token.hpp"

namespace attune::net {

namespace http = boost::beast::http;

namespace {

constexpr std::uint32_t kMaxObservers = 8;

HttpResponse json_response(http::status status, const HttpRequest& req, std::string body) {
  HttpResponse res{status, req.version()};
  res.set(http::field::server, "attune");
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

HttpResponse text_response(http::status status, const HttpRequest& req, std::string body,
                           const char* type = "text/plain; charset=utf-8") {
  auto res = json_response(status, req, std::move(body));
  res.set(http::field::content_type, type);
  return res;
}

HttpResponse error_for(const HttpRequest& req, http::status status, const std::string& code, const std::string& msg) {
  return http_error(status, req.version(), req.keep_alive(), code, msg);
}

HttpResponse unavailable(const HttpRequest& req) {
  return error_for(req, http::status::service_unavailable, "STORE_UNAVAILABLE",
                   "The database is not reachable just now; try again shortly.");
}

// The bearer token of the request, if any.
std::optional<std::string> bearer(const HttpRequest& req) {
  auto it = req.find(http::field::authorization);
  if (it == req.end()) return std::nullopt;
  std::string_view value(it->value().data(), it->value().size());
  constexpr std::string_view prefix = "Bearer ";
  if (value.size() <= prefix.size() || value.substr(0, prefix.size()) != prefix) return std::nullopt;
  return std::string(value.substr(prefix.size()));
}

bool is_admin(const HttpRequest& req, const ServerContext& ctx) {
  auto key = bearer(req);
  return key && !ctx.settings.admin_key_hash.empty() &&
         store::constant_time_equal(store::sha256_hex(*key), ctx.settings.admin_key_hash);
}

// Admin, or the key of the room that owns the resource.
bool may_read(const HttpRequest& req, const ServerContext& ctx, const std::string& owner_key_hash) {
  if (is_admin(req, ctx)) return true;
  auto key = bearer(req);
  return key && !owner_key_hash.empty() && store::constant_time_equal(store::sha256_hex(*key), owner_key_hash);
}

std::int64_t now_ms(const ServerContext& ctx) { return ctx.clock.now_ms(); }

void create_room(const HttpRequest& req, ServerContext& ctx, Respond respond) {
  if (!is_admin(req, ctx)) {
    respond(error_for(req, http::status::unauthorized, "UNAUTHORIZED",
                      "Creating a room needs the admin key as a bearer token."));
    return;
  }
  v1::CreateRoomRequest body;
  if (!req.body().empty()) {
    std::string why;
    if (!codec::from_json(req.body(), body, &why)) {
      respond(error_for(req, http::status::bad_request, "INVALID", "The body is not a valid CreateRoomRequest: " + why));
      return;
    }
  }
  if (body.observers() > kMaxObservers) {
    respond(error_for(req, http::status::bad_request, "INVALID", "A room can have at most 8 observers."));
    return;
  }
  if (body.invite_ttl_s() > ctx.settings.max_invite_ttl_s) {
    respond(error_for(req, http::status::bad_request, "INVALID",
                      "Invites can live at most " + std::to_string(ctx.settings.max_invite_ttl_s / 86400) + " days."));
    return;
  }
  if (body.label().size() > 200) {
    respond(error_for(req, http::status::bad_request, "INVALID", "The label is longer than 200 characters."));
    return;
  }
  const std::uint32_t ttl = body.invite_ttl_s() ? body.invite_ttl_s() : ctx.settings.default_invite_ttl_s;
  const std::int64_t expires = now_ms(ctx) + static_cast<std::int64_t>(ttl) * 1000;

  v1::CreateRoomResponse out;
  out.set_room_id(store::generate_id("rm_"));
  out.set_room_key(store::generate_token());
  out.set_ws_path("/v1/ws");
  out.set_invites_expire_at_ms(expires);
  store::RoomRecord record;
  record.room_id = out.room_id();
  record.owner_key_hash = store::sha256_hex(out.room_key());
  record.label = body.label();
  record.share_metrics_with_partners = body.share_metrics_with_partners();
  record.recording = body.recording();
  record.created_at_ms = now_ms(ctx);
  auto add_invite = [&](store::SeatRole role) {
    std::string token = store::generate_token();
    record.invites.push_back({store::sha256_hex(token), role, expires});
    return token;
  };
  auto* invites = out.mutable_invites();
  invites->set_partner_a(add_invite(store::SeatRole::PartnerA));
  invites->set_partner_b(add_invite(store::SeatRole::PartnerB));
  invites->set_clinician(add_invite(store::SeatRole::Clinician));
  for (std::uint32_t i = 0; i < body.observers(); ++i) invites->add_observers(add_invite(store::SeatRole::Observer));

  ctx.store.create_room(std::move(record), [req, out = std::move(out), respond](bool ok) {
    if (!ok) {
      respond(error_for(req, http::status::service_unavailable, "STORE_UNAVAILABLE",
                        "The room could not be saved; the database is not reachable. Try again shortly."));
      return;
    }
    respond(json_response(http::status::created, req, codec::to_json(out)));
  });
}

void get_session(const HttpRequest& req, ServerContext& ctx, const std::string& id, Respond respond) {
  ctx.store.get_session(id, [req, &ctx, respond](std::optional<store::SessionRow> row) {
    if (!row && !ctx.store.stats().database_reachable) return respond(unavailable(req));
    // Unknown and not-yours look the same, so ids cannot be probed.
    if (!row || !may_read(req, ctx, row->owner_key_hash)) {
      respond(error_for(req, http::status::not_found, "NOT_FOUND", "No session with that id is visible to this key."));
      return;
    }
    v1::SessionResponse out;
    out.set_session_id(row->session_id);
    out.set_room_id(row->room_id);
    out.set_status(row->status);
    out.set_started_at_ms(row->started_at_ms);
    out.set_ended_at_ms(row->ended_at_ms.value_or(0));
    if (row->summary_json && !codec::from_json(*row->summary_json, *out.mutable_summary())) {
      spdlog::error("stored summary of session {} does not parse", row->session_id);
      respond(error_for(req, http::status::internal_server_error, "INTERNAL", "The stored summary could not be read."));
      return;
    }
    ctx.store.record_audit({is_admin(req, ctx) ? "admin" : "room_key", "summary.read", row->room_id, row->session_id,
                            "{}"});
    respond(json_response(http::status::ok, req, codec::to_json(out)));
  });
}

void get_room(const HttpRequest& req, ServerContext& ctx, const std::string& id, Respond respond) {
  ctx.store.get_room(id, [req, &ctx, respond](std::optional<store::RoomRow> row) {
    if (!row && !ctx.store.stats().database_reachable) return respond(unavailable(req));
    if (!row || !may_read(req, ctx, row->owner_key_hash)) {
      respond(error_for(req, http::status::not_found, "NOT_FOUND", "No room with that id is visible to this key."));
      return;
    }
    v1::RoomInfo out;
    out.set_room_id(row->room_id);
    out.set_label(row->label);
    out.set_created_at_ms(row->created_at_ms);
    for (const auto& s : row->sessions) {
      auto* info = out.add_sessions();
      info->set_session_id(s.session_id);
      info->set_started_at_ms(s.started_at_ms);
      info->set_ended_at_ms(s.ended_at_ms.value_or(0));
      info->set_status(s.status);
    }
    respond(json_response(http::status::ok, req, codec::to_json(out)));
  });
}

// GET and DELETE /v1/rooms/{id}/baselines (docs/protocol.md "Stored
// baselines"): the room key or the admin key; any other key gets the same
// 404 as an unknown room.
void fill_seat_baseline(const store::SeatBaseline& s, v1::SeatBaseline& out) {
  switch (s.seat) {
    case store::SeatRole::PartnerA: out.set_role(v1::ROLE_PARTNER_A); break;
    case store::SeatRole::PartnerB: out.set_role(v1::ROLE_PARTNER_B); break;
    case store::SeatRole::Clinician: out.set_role(v1::ROLE_CLINICIAN); break;
    case store::SeatRole::Observer: out.set_role(v1::ROLE_OBSERVER); break;
  }
  out.set_sessions(s.sessions);
  auto& b = *out.mutable_baseline();
  if (s.hr_bpm) {
    b.set_hr_median_bpm(s.hr_bpm->median);
    b.set_hr_scale_bpm(s.hr_bpm->scale);
  }
  if (s.ln_rmssd) {
    b.set_ln_rmssd_median(s.ln_rmssd->median);
    b.set_ln_rmssd_scale(s.ln_rmssd->scale);
  }
  if (s.breath_rate_bpm) {
    b.set_breath_median_bpm(s.breath_rate_bpm->median);
    b.set_breath_scale_bpm(s.breath_rate_bpm->scale);
  }
  b.set_values(s.sessions);
  b.set_breath_values(s.breath_sessions);
  if (s.resonance_rate_bpm) out.set_resonance_rate_bpm(*s.resonance_rate_bpm);
  out.set_resonance_sessions(s.resonance_sessions);
}

HttpResponse room_not_visible(const HttpRequest& req) {
  return error_for(req, http::status::not_found, "NOT_FOUND", "No room with that id is visible to this key.");
}

void get_baselines(const HttpRequest& req, ServerContext& ctx, const std::string& id, Respond respond) {
  ctx.store.get_baselines(id, [req, &ctx, respond](std::optional<store::RoomBaselines> row) {
    if (!row && !ctx.store.stats().database_reachable) return respond(unavailable(req));
    if (!row || !may_read(req, ctx, row->owner_key_hash)) return respond(room_not_visible(req));
    v1::RoomBaselines out;
    out.set_room_id(row->room_id);
    for (const auto& s : row->seats) fill_seat_baseline(s, *out.add_seats());
    ctx.store.record_audit({is_admin(req, ctx) ? "admin" : "room_key", "baselines.read", row->room_id, "", "{}"});
    respond(json_response(http::status::ok, req, codec::to_json(out)));
  });
}

void delete_baselines(const HttpRequest& req, ServerContext& ctx, const std::string& id, Respond respond) {
  ctx.store.get_baselines(id, [req, &ctx, respond](std::optional<store::RoomBaselines> row) {
    if (!row && !ctx.store.stats().database_reachable) return respond(unavailable(req));
    if (!row || !may_read(req, ctx, row->owner_key_hash)) return respond(room_not_visible(req));
    store::AuditEvent audit{is_admin(req, ctx) ? "admin" : "room_key", "baselines.deleted", row->room_id, "", "{}"};
    ctx.store.delete_baselines(row->room_id, std::move(audit),
                               [req, room_id = row->room_id, respond](std::optional<std::size_t> n) {
                                 if (!n) return respond(unavailable(req));
                                 v1::BaselinesDeleted out;
                                 out.set_room_id(room_id);
                                 out.set_rows_deleted(static_cast<std::uint32_t>(*n));
                                 respond(json_response(http::status::ok, req, codec::to_json(out)));
                               });
  });
}

// "/v1/rooms/abc/baselines" -> "abc".
std::optional<std::string> baselines_room_id(std::string_view target) {
  constexpr std::string_view prefix = "/v1/rooms/", suffix = "/baselines";
  if (target.size() <= prefix.size() + suffix.size() || target.substr(0, prefix.size()) != prefix ||
      target.substr(target.size() - suffix.size()) != suffix)
    return std::nullopt;
  auto id = target.substr(prefix.size(), target.size() - prefix.size() - suffix.size());
  if (id.empty() || id.size() > 64 || id.find_first_of("/?#%") != std::string_view::npos) return std::nullopt;
  return std::string(id);
}

// "/v1/sessions/abc" with prefix "/v1/sessions/" -> "abc" (no further slashes).
std::optional<std::string> path_id(std::string_view target, std::string_view prefix) {
  if (target.substr(0, prefix.size()) != prefix) return std::nullopt;
  auto id = target.substr(prefix.size());
  if (id.empty() || id.size() > 64 || id.find_first_of("/?#%") != std::string_view::npos) return std::nullopt;
  return std::string(id);
}

}  // namespace

HttpResponse http_error(http::status status, unsigned version, bool keep_alive, const std::string& code,
                        const std::string& message) {
  v1::HttpError body;
  body.mutable_error()->set_code(code);
  body.mutable_error()->set_message(message);
  HttpResponse res{status, version};
  res.set(http::field::server, "attune");
  res.set(http::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = codec::to_json(body);
  res.prepare_payload();
  return res;
}

void handle_http(const HttpRequest& req, ServerContext& ctx, Respond respond) {
  ctx.metrics.http_requests.fetch_add(1, std::memory_order_relaxed);
  std::string_view target(req.target().data(), req.target().size());
  if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  const auto method = req.method();
  auto only = [&](http::verb verb) {
    if (method == verb) return true;
    respond(error_for(req, http::status::method_not_allowed, "METHOD_NOT_ALLOWED", "That method is not allowed here."));
    return false;
  };

  if (target == "/healthz") {
    if (only(http::verb::get)) respond(text_response(http::status::ok, req, "ok\n"));
  } else if (target == "/readyz") {
    if (!only(http::verb::get)) return;
    auto stats = ctx.store.stats();
    bool ready = stats.database_reachable && stats.migrations_applied && !ctx.shutting_down;
    std::string body = std::string("{\"ready\":") + (ready ? "true" : "false") +
                       ",\"database_reachable\":" + (stats.database_reachable ? "true" : "false") +
                       ",\"migrations_applied\":" + (stats.migrations_applied ? "true" : "false") +
                       ",\"shutting_down\":" + (ctx.shutting_down ? "true" : "false") + "}";
    respond(json_response(ready ? http::status::ok : http::status::service_unavailable, req, body));
  } else if (target == "/metrics") {
    if (only(http::verb::get))
      respond(text_response(http::status::ok, req, ctx.metrics.render(ctx.rooms.room_count(), ctx.store.stats()),
                            "text/plain; version=0.0.4; charset=utf-8"));
  } else if (target == "/v1/rooms") {
    if (only(http::verb::post)) create_room(req, ctx, std::move(respond));
  } else if (auto id = path_id(target, "/v1/sessions/")) {
    if (only(http::verb::get)) get_session(req, ctx, *id, std::move(respond));
  } else if (auto baselines_of = baselines_room_id(target)) {
    if (method == http::verb::delete_) {
      delete_baselines(req, ctx, *baselines_of, std::move(respond));
    } else if (only(http::verb::get)) {
      get_baselines(req, ctx, *baselines_of, std::move(respond));
    }
  } else if (auto room = path_id(target, "/v1/rooms/")) {
    if (only(http::verb::get)) get_room(req, ctx, *room, std::move(respond));
  } else if (target == "/v1/ws") {
    respond(error_for(req, http::status::upgrade_required, "UPGRADE_REQUIRED",
                      "This endpoint speaks WebSocket; see docs/protocol.md."));
  } else {
    respond(error_for(req, http::status::not_found, "NOT_FOUND", "There is nothing at this path."));
  }
}

}  // namespace attune::net
