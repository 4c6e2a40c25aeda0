// The WebSocket room built-ins (`leave`, `broadcast`, `broadcast_to`; `join(ws, room)` is in
// collections.cpp with the list `join`): thin calls into the runtime's rooms (lux/ws.h).
#include "lux/stdlib.h"
#include "lux/ws.h"

namespace lux::stdlib {

namespace {

const std::string& RoomName(const Value& room) {
  // From a JSON message or request (`data.room`): the client's mistake, a 400 in a route.
  if (!room.IsString()) throw HttpError(400, std::string("a room name is a String, found ") + room.KindName());
  return room.AsString();
}

}  // namespace

Value WsLeave(const Value& ws, const Value& room) {
  ws::Leave(ws, RoomName(room));
  return Value();
}

Value WsBroadcast(const Value& message, const Value& except) {
  ws::Broadcast(message, except);
  return Value();
}

Value WsBroadcastTo(const Value& room, const Value& message, const Value& except) {
  ws::BroadcastTo(RoomName(room), message, except);
  return Value();
}

}  // namespace lux::stdlib
