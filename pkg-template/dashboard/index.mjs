// ESM entry of redset/dashboard.
import host from './index.js';

export const { dashboard } = host;
export default host;
