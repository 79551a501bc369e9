// Preloaded into the Portkey gateway (`node --import`): its Node entry calls `server.listen(port)` with no
// host, which would listen on every interface. The bench keeps everything on loopback, so a listen() with a
// port and no host is given 127.0.0.1. Nothing else about Portkey is changed.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" && (args[1] === undefined || typeof args[1] === "function")) {
    args.splice(1, args[1] === undefined ? 1 : 0, "127.0.0.1");
  } else if (args[0] && typeof args[0] === "object" && args[0].port !== undefined && !args[0].host) {
    args[0] = { ...args[0], host: "127.0.0.1" };
  }
  return listen.apply(this, args);
};
