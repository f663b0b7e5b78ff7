export { ParleyApiError, ParleyHttpClient } from './http-client.js';
export type { ParleyHttpClientOptions } from './http-client.js';
