/** Every dedup key the watchdog makes starts with this (ISC too). */
export const DEDUP_KEY_PREFIX = 'iiq-leaver-sla-';
/** The product's name (command, PagerDuty client and component, log name): its keys are named after it. */
export const PRODUCT_NAME = `${DEDUP_KEY_PREFIX}watchdog`;
