// The dedup keys live in incident.ts; the entry point still takes the product's name from here.
export { PRODUCT_NAME } from '../product-name.js';
