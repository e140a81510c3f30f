export { createApp, type ApiOptions } from './app.ts';
export { bindAddress, startServer, type ServerOptions } from './server.ts';
export { startServerThread, type ServerThread } from './server-thread.ts';
