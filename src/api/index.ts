export { createApp, type ApiOptions } from './app.ts';
export { startServer, type ServerOptions } from './server.ts';
